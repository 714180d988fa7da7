"""Ajunta settings: one file, every knob read from the environment with a safe default.

docs/configuration.md lists every variable (a test keeps it complete). Defaults suit a newcomer's
laptop: SQLite, no broker, files on disk, e-mail printed to the console. Production sets DEBUG=0
and the rest.
"""

import os
import sys
import warnings
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# pyHanko imports cryptography's DSA support, which warns on every start; nobody running Ajunta can
# act on it (pyHanko will drop the import), so it is not printed.
warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.")

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for local development).")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# django-modeltranslation swaps the translated models' managers for classes made at run time, which
# the mypy plugin cannot resolve (typeddjango/django-stubs#1023): type checks see the models as written.
TYPE_CHECKING_RUN = "mypy" in sys.modules
INSTALLED_APPS = [
    # Before the admin: translated content fields (docs/design.md, "Languages").
    *([] if TYPE_CHECKING_RUN else ["modeltranslation"]),
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ajunta.core",
    "ajunta.tenants",
    # before the registry and cases: its demo gives the councils their own seals first
    "ajunta.signatures",
    "ajunta.persons",
    "ajunta.registry",
    "ajunta.sir",
    "ajunta.cases",
    "ajunta.helpdesk",
    "ajunta.assets",
    "ajunta.noticeboard",
    "ajunta.security",
    "ajunta.meetings",
    "ajunta.appointments",
    "ajunta.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the user's preferred language is part of the choice (core.languages).
    "ajunta.core.languages.LanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ajunta.core.middleware.RequestContextMiddleware",
    "ajunta.core.middleware.NoStoreForAuthenticatedMiddleware",
    "ajunta.core.middleware.MFARequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ajunta.urls"
WSGI_APPLICATION = "ajunta.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ajunta" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ajunta.core.context_processors.shell",
                "ajunta.core.context_processors.brand",
                "ajunta.portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite (WAL, IMMEDIATE transactions) by default; DATABASE_URL=postgres://... for PostgreSQL.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not shared-cache memory, so that threaded tests see real SQLite locking;
    # one per process, so that parallel runs never share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
AJUNTA_ORGANIZATION_MODEL = "tenants.Organization"

# --- Cache and background work ----------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
# With no broker, tasks run in-process so that nothing waits for a worker that does not exist.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/Madrid"
# The sweep (core.sweep): work older than the grace period that a worker should have done is done
# by the sweep; after this many failed attempts the provider is alerted.
SWEEP_GRACE_SECONDS = env_int("SWEEP_GRACE_SECONDS", 600)
SWEEP_ALERT_AFTER_ATTEMPTS = env_int("SWEEP_ALERT_AFTER_ATTEMPTS", 5)
SWEEP_BATCH = env_int("SWEEP_BATCH", 500)

# Video rooms (council sessions, video appointments): a Jitsi-compatible server run by the provider.
# Empty: no video. With an app id and secret the server checks JWTs (Jitsi's token authentication):
# each join link carries the person's name and e-mail and whether they moderate.
VIDEO_SERVER_URL = env("VIDEO_SERVER_URL").rstrip("/")
VIDEO_JWT_APP_ID = env("VIDEO_JWT_APP_ID")
VIDEO_JWT_SECRET = env("VIDEO_JWT_SECRET")
VIDEO_JWT_TTL_SECONDS = env_int("VIDEO_JWT_TTL_SECONDS", 6 * 3600)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Same job as `manage.py audit_verify --alert`, for deployments that run beat instead of
    # cron: the audit chains and the sealed records; findings are e-mailed to provider admins.
    "audit-verify-nightly": {
        "task": "ajunta.core.tasks.audit_verify_all",
        "schedule": crontab(hour=3, minute=15),
    },
    # Same job as `manage.py agreement_expiry_alerts`: warn before an agreement ends.
    "agreement-expiry-alerts": {
        "task": "tenants.agreement_expiry_alerts",
        "schedule": crontab(hour=7, minute=0),
    },
    # Helpdesk (docs/helpdesk.md); the same jobs as `manage.py helpdesk_run` and
    # `manage.py helpdesk_poll_mailbox`.
    # The notice board's certificates of publication (docs/noticeboard.md); same job as
    # `manage.py noticeboard_certify`.
    "noticeboard-certify": {
        "task": "ajunta.noticeboard.tasks.noticeboard_certify",
        "schedule": crontab(minute=5),
    },
    "helpdesk-sla-escalate": {
        "task": "ajunta.helpdesk.tasks.helpdesk_sla_escalate",
        "schedule": crontab(minute="*/5"),
    },
    "helpdesk-poll-mailbox": {
        "task": "ajunta.helpdesk.tasks.helpdesk_poll_mailbox",
        "schedule": crontab(minute="*/2"),
    },
    "helpdesk-auto-close": {
        "task": "ajunta.helpdesk.tasks.helpdesk_auto_close",
        "schedule": crontab(minute=10),
    },
    "helpdesk-surveys": {
        "task": "ajunta.helpdesk.tasks.helpdesk_surveys_send",
        "schedule": crontab(minute=20),
    },
    "helpdesk-sla-recompute": {
        "task": "ajunta.helpdesk.tasks.helpdesk_sla_recompute",
        "schedule": crontab(hour=2, minute=30),
    },
    "assets-alerts-daily": {
        "task": "ajunta.assets.tasks.assets_alerts_notify",
        "schedule": crontab(hour=7, minute=30),
    },
    # Case files (docs/cases.md): art. 43 deemed rejection of notifications not opened in 10
    # days, and the daily overdue alerts; the same as `manage.py cases_notifications_expire`
    # and `manage.py cases_alerts`.
    "cases-notifications-expire": {
        "task": "ajunta.cases.tasks.notifications_expire",
        "schedule": crontab(minute=5),
    },
    "cases-alerts-daily": {
        "task": "ajunta.cases.tasks.alerts_send",
        "schedule": crontab(hour=7, minute=0),
    },
    # Same job as `manage.py sweep_pending`: finish what a dead worker left pending (receipts,
    # notification alerts), after SWEEP_GRACE_SECONDS (core.sweep, docs/security.md).
    "sweep-pending": {
        "task": "ajunta.core.tasks.sweep_pending",
        "schedule": crontab(minute="*/5"),
    },
    # Same job as `manage.py sir_inbox`: take in what the SIR gateway left in SIR_INBOX_DIR.
    "sir-inbox": {
        "task": "ajunta.sir.tasks.sir_inbox_process",
        "schedule": crontab(minute="*/5"),
    },
}

# --- Appointments (docs/appointments.md) ------------------------------------------------------------
# Active bookings one NIF/NIE may hold at once in one organization (anti-resale of appointments).
APPOINTMENTS_MAX_ACTIVE_PER_PERSON = env_int("APPOINTMENTS_MAX_ACTIVE_PER_PERSON", 3)
# Booking attempts per client address per hour before the page asks for a proof of work.
APPOINTMENTS_POW_AFTER = env_int("APPOINTMENTS_POW_AFTER", 20)
# Leading zero bits the proof of work needs (about 2**bits hashes in the browser).
APPOINTMENTS_POW_BITS = env_int("APPOINTMENTS_POW_BITS", 18)
# Calendar addresses on private networks (SSRF); only for tests and closed intranets.
APPOINTMENTS_CALENDAR_ALLOW_PRIVATE = env_bool("APPOINTMENTS_CALENDAR_ALLOW_PRIVATE", False)
# Requests per client address to the public appointments API (slots, verification, booking).
APPOINTMENTS_PUBLIC_API_RATE = env("APPOINTMENTS_PUBLIC_API_RATE", "60/min")
# Dotted path of a function (booking, text) that sends an SMS; empty: no SMS.
APPOINTMENTS_SMS_HOOK = env("APPOINTMENTS_SMS_HOOK")
CELERY_BEAT_SCHEDULE.update(
    {
        # Same jobs as `manage.py appointments_reminders` and `appointments_refresh_calendars`.
        "appointments-reminders": {
            "task": "ajunta.appointments.tasks.send_reminders",
            "schedule": crontab(minute="*/10"),
        },
        "appointments-calendars": {
            "task": "ajunta.appointments.tasks.refresh_calendars",
            "schedule": crontab(hour="*/6", minute=40),
        },
    }
)

# --- Files --------------------------------------------------------------------------------------
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "ajunta" / "static"]
# --- Look (docs/design.md) ----------------------------------------------------------------------
# The provider's name, logo and colours: a consortium and a diputación each look like themselves.
# Colours are #rrggbb; the theme stylesheet (/theme.css) maps them onto Bootstrap's custom properties.
BRAND_NAME = env("BRAND_NAME", "Ajunta")
BRAND_LOGO_URL = env("BRAND_LOGO_URL")  # empty: the Ajunta mark from static/favicon.svg
BRAND_PRIMARY = env("BRAND_PRIMARY", "#0b4f8a")  # header, buttons, links (>= 4.5:1 on white)
BRAND_PRIMARY_DARK = env("BRAND_PRIMARY_DARK", "#083a66")  # hover, side navigation's current item
BRAND_ACCENT = env("BRAND_ACCENT", "#ffbf47")  # focus ring (>= 3:1 against the primary colour)

# Helpdesk e-mail intake (docs/helpdesk.md): HELPDESK_MAIL_SOURCE is `imap` (the mailbox below),
# `maildir` (a local Maildir at HELPDESK_MAIL_DIR) or `folder` (the .eml files dropped in
# HELPDESK_MAIL_DIR); by default `imap` when a host is set, else `folder` with DEBUG, else off.
HELPDESK_IMAP_HOST = env("HELPDESK_IMAP_HOST")
HELPDESK_IMAP_PORT = env_int("HELPDESK_IMAP_PORT", 993)
HELPDESK_IMAP_USER = env("HELPDESK_IMAP_USER")
HELPDESK_IMAP_PASSWORD = env("HELPDESK_IMAP_PASSWORD")
HELPDESK_IMAP_FOLDER = env("HELPDESK_IMAP_FOLDER", "INBOX")
HELPDESK_MAIL_SOURCE = env(
    "HELPDESK_MAIL_SOURCE", "imap" if HELPDESK_IMAP_HOST else ("folder" if DEBUG else "")
)
if HELPDESK_MAIL_SOURCE not in ("", "imap", "maildir", "folder"):
    raise ImproperlyConfigured("HELPDESK_MAIL_SOURCE must be imap, maildir, folder or empty.")
HELPDESK_MAIL_DIR = Path(env("HELPDESK_MAIL_DIR", str(MEDIA_ROOT / "helpdesk-mail")))
# Case files (docs/cases.md): a dotted path to another signature service (default: the
# organization's seal, PAdES) and to an SMS sender `f(*, phone, message)` for notifications.
CASES_SIGNER = env("CASES_SIGNER")
CASES_SMS_HOOK = env("CASES_SMS_HOOK")
# SIR interchange (docs/sir.md): the folders shared with the SIR gateway, the transport, the XML cap.
SIR_OUTBOX_DIR = Path(env("SIR_OUTBOX_DIR", str(MEDIA_ROOT / "sir-outbox")))
SIR_INBOX_DIR = Path(env("SIR_INBOX_DIR", str(MEDIA_ROOT / "sir-inbox")))
SIR_TRANSPORT = env("SIR_TRANSPORT", "ajunta.sir.transport.OutboxTransport")
SIR_MAX_XML_BYTES = env_int("SIR_MAX_XML_BYTES", 22 * 1024 * 1024)
S3_BUCKET = env("S3_BUCKET")
if S3_BUCKET:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_ACCESS_KEY") or None,
            "secret_key": env("S3_SECRET_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
# ZIP-based uploads (DOCX, ODT, ...) are inspected, never unpacked whole (docs/security.md, Uploads):
# what all their items may add up to unpacked, how many times that may be the file's size (checked
# past 1 MiB), and how many items they may hold.
DOCUMENT_ARCHIVE_MAX_UNPACKED_BYTES = env_int(
    "DOCUMENT_ARCHIVE_MAX_UNPACKED_BYTES", 200 * 1024 * 1024
)
DOCUMENT_ARCHIVE_MAX_RATIO = env_int("DOCUMENT_ARCHIVE_MAX_RATIO", 100)
DOCUMENT_ARCHIVE_MAX_ENTRIES = env_int("DOCUMENT_ARCHIVE_MAX_ENTRIES", 10_000)
# A registry filing (the SIR limits by default): attachments, bytes each, bytes in all.
REGISTRY_MAX_ATTACHMENTS = env_int("REGISTRY_MAX_ATTACHMENTS", 5)
REGISTRY_MAX_ATTACHMENT_BYTES = env_int("REGISTRY_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
REGISTRY_MAX_TOTAL_BYTES = env_int("REGISTRY_MAX_TOTAL_BYTES", 15 * 1024 * 1024)
# The PDF book is built inside the request (about 1.2 s per 1,000 entries): longer periods go to CSV.
REGISTRY_BOOK_PDF_MAX_ENTRIES = env_int("REGISTRY_BOOK_PDF_MAX_ENTRIES", 5000)
# PAdES seal of receipts and other issued PDFs: SEAL_DIR/<org-slug>.p12 (an organization's own
# seal certificate) or SEAL_DIR/platform.p12 (the provider's); without either, PDFs go unsealed.
# Tests never pick up a developer's demo seal: they configure one when they need it.
SEAL_DIR = Path(env("SEAL_DIR", str(BASE_DIR / ("seals" if not TESTING else ".test-no-seals"))))
SEAL_PASSPHRASE = env("SEAL_PASSPHRASE")
# An organization's acts bear its OWN seal. The platform's seal stands in for a member without one
# only in development and the demo (docs/signatures.md): in production such a member's documents
# go unsealed (still verifiable by their CSV) rather than sealed in someone else's name.
SEAL_PLATFORM_FALLBACK = env_bool("SEAL_PLATFORM_FALLBACK", DEBUG)
# Personal signatures (docs/signatures.md): the CA certificates whose personal certificates are
# accepted, and the remote qualified signing service (Cloud Signature Consortium API v2).
SIGNATURES_TRUSTED_CA_DIR = Path(env("SIGNATURES_TRUSTED_CA_DIR", str(SEAL_DIR / "trusted-ca")))
SIGNATURES_AUTOFIRMA_MINUTES = env_int("SIGNATURES_AUTOFIRMA_MINUTES", 10)
SIGNATURES_CSC_URL = env("SIGNATURES_CSC_URL").rstrip("/")
SIGNATURES_CSC_TOKEN = env("SIGNATURES_CSC_TOKEN")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Every JSON body (the API, the inventory agent) is bounded before it is parsed (docs/security.md):
# bytes (endpoints that take more, a registry filing or an inventory, say so), nesting depth, and
# keys plus array items.
JSON_MAX_BODY_BYTES = env_int("JSON_MAX_BODY_BYTES", DATA_UPLOAD_MAX_MEMORY_SIZE)
JSON_MAX_DEPTH = env_int("JSON_MAX_DEPTH", 64)
JSON_MAX_ITEMS = env_int("JSON_MAX_ITEMS", 200_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_BACKEND = env("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Ajunta <no-reply@localhost>")

# --- Languages and time -----------------------------------------------------------------------
LANGUAGE_CODE = "ca"
LANGUAGES = [("ca", _("Catalan")), ("es", _("Spanish")), ("en", _("English"))]
# Newer apps keep their own catalogue in ajunta/<app>/locale; it is listed before the shared one so
# that `make messages` writes each app's strings to its own catalogue.
LOCALE_PATHS = [
    *sorted(path for path in (BASE_DIR / "ajunta").glob("*/locale") if path.is_dir()),
    BASE_DIR / "ajunta" / "locale",
]
# Dates in the European order in every language (English too: 07/12/2026 23:45).
FORMAT_MODULE_PATH = ["ajunta.formats"]
# Translated content fields (django-modeltranslation): one column per language; what a field
# falls back to when empty is computed per request (core.languages.ORGANIZATION_FIRST).
MODELTRANSLATION_DEFAULT_LANGUAGE = "ca"
MODELTRANSLATION_LANGUAGES = ("ca", "es", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("ca", "es", "en")
TIME_ZONE = "Europe/Madrid"
USE_I18N = True
USE_TZ = True

# --- Authentication -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# MFA (TOTP) is always required for provider roles; this makes it required for everyone with a role.
MFA_REQUIRED_FOR_ALL_STAFF = env_bool("MFA_REQUIRED_FOR_ALL_STAFF", False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "Ajunta")

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)

# --- Citizen identity providers (OpenID Connect: VÀLid, Cl@ve, Keycloak) -------------------------
# Off unless OIDC_RP_CLIENT_ID is set; then the login page offers "Log in with <provider>" and the
# portal serves /portal/oidc/. Citizens can always open a local account instead.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT") or None
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = env("OIDC_PROVIDER_NAME", "OpenID Connect")
OIDC_NIF_CLAIM = env("OIDC_NIF_CLAIM", "nif")
if OIDC_RP_CLIENT_ID:
    if OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")) and not OIDC_OP_JWKS_ENDPOINT:
        # Otherwise every login, local ones included, would fail when the backend is built.
        raise ImproperlyConfigured(
            f"OIDC_RP_SIGN_ALGO={OIDC_RP_SIGN_ALGO} needs OIDC_OP_JWKS_ENDPOINT."
        )
    AUTHENTICATION_BACKENDS.append("ajunta.portal.oidc.CitizenOIDCBackend")

# --- API ----------------------------------------------------------------------------------------
# API tokens stop working this many days after they were issued (0: never).
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 365)
# A user with a provider role reaches every member that granted them a role: their tokens live
# this many days at most, and are issued only after their second factor is verified.
API_TOKEN_TTL_DAYS_PROVIDER = env_int("API_TOKEN_TTL_DAYS_PROVIDER", 30)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "ajunta.core.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "ajunta.core.rest.BoundedPagination",
    "DEFAULT_PARSER_CLASSES": [
        "ajunta.core.jsonbody.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "ajunta.core.schema.AjuntaAutoSchema",
    "EXCEPTION_HANDLER": "ajunta.core.rest.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Ajunta API",
    "DESCRIPTION": "Shared e-government platform for supra-municipal bodies and their members.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Operations are tagged with the app that serves them (ajunta.core.schema): the docs read by module.
    "TAGS": [
        {"name": "core", "description": "The user, audit trail, business calendar, documents."},
        {"name": "tenants", "description": "Organizations, members, agreements, catalogue, fees."},
        {"name": "registry", "description": "Registry entries, parties, attachments, receipts."},
        {"name": "persons", "description": "The register of persons: NIF lookup, merge, export."},
        {"name": "sir", "description": "SICRES 3.0 interchanges and the directory of offices."},
        {"name": "cases", "description": "Procedures, case files, documents, decrees, tasks."},
        {"name": "helpdesk", "description": "Tickets, categories, knowledge base, SLA, reports."},
        {"name": "meetings", "description": "Collegiate bodies, sessions, agenda, votes, minutes."},
        {"name": "assets", "description": "IT inventory, agent token, security posture."},
        {
            "name": "noticeboard",
            "description": "The notice board: edicts, withdrawals, certificates.",
        },
        {
            "name": "security",
            "description": "Vulnerabilities on the fleet, security incidents, ENS measures.",
        },
        {"name": "appointments", "description": "Offices, services, slots, bookings, closures."},
    ],
    # Fields named `kind` or `status` recur across apps: one explicit enum name per choice set.
    "ENUM_NAME_OVERRIDES": {
        "EntryStatusEnum": "ajunta.registry.models.EntryStatus",
        "AttachmentKindEnum": "ajunta.registry.models.AttachmentKind",
        "DirectoryKindEnum": "ajunta.sir.models.DirectoryKind",
        "OrganizationKindEnum": "ajunta.tenants.models.OrganizationKind",
        "MembershipStatusEnum": "ajunta.tenants.models.MembershipStatus",
        "AgreementKindEnum": "ajunta.tenants.models.AgreementKind",
        "AgreementStatusEnum": "ajunta.tenants.models.AgreementStatus",
        "SessionKindEnum": "ajunta.tenants.models.SessionKind",
        "PageKindEnum": "ajunta.tenants.models.PageKind",
        "BodyKindEnum": "ajunta.meetings.models.BodyKind",
        "MeetingSessionKindEnum": "ajunta.meetings.models.SessionKind",
        "AgendaItemKindEnum": "ajunta.meetings.models.ItemKind",
        "AttendanceKindEnum": "ajunta.meetings.models.AttendanceKind",
        "BookingStatusEnum": "ajunta.appointments.models.BookingStatus",
        "ExceptionKindEnum": "ajunta.appointments.models.ExceptionKind",
        "EdictKindEnum": "ajunta.noticeboard.models.EdictKind",
        "AddressKindEnum": "ajunta.persons.models.AddressKind",
        "PartyPreferredChannelEnum": "ajunta.registry.models.PreferredChannel",
        "PersonChannelEnum": "ajunta.persons.models.Channel",
    },
}

# --- Security headers ----------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_production = not DEBUG and not TESTING
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _production)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _production)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if _production else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _production)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Django's own console handler (DEBUG only) printed every django.* line a second time
        # through the root's: one handler is enough (there are no ADMINS to mail).
        "django": {"handlers": [], "propagate": True},
        # A task run in-process (no broker) logs "Task ... succeeded" after every page that queued
        # one, and kombu warns that the broker it never uses has no host name: noise there; a
        # worker (with a broker) keeps its usual log.
        **(
            {"celery.app.trace": {"level": "WARNING"}, "kombu.connection": {"level": "ERROR"}}
            if CELERY_TASK_ALWAYS_EAGER
            else {}
        ),
    },
}

# === Operations (issue 25: docs/operations.md; every variable in docs/configuration.md) ==========
# Kept in one block on purpose. Request ids and metrics wrap every other middleware.
# Background work people can see: imports and exports with progress (ajunta.jobs).
INSTALLED_APPS.append("ajunta.jobs")
# An upload with more rows than this runs as a background task with a progress page.
JOBS_BACKGROUND_ROWS = env_int("JOBS_BACKGROUND_ROWS", 500)
MIDDLEWARE.insert(0, "ajunta.core.metrics.MetricsMiddleware")
MIDDLEWARE.insert(0, "ajunta.core.logs.RequestIdMiddleware")
# PostgreSQL: give up connecting after this many seconds (a dead host never hangs a worker).
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5))
# A PostgreSQL replica for reports and exports (ajunta.core.replica, docs/scaling.md): reads
# inside reading_from_replica() go there, everything else to the primary.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0)
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ajunta.core.replica.ReplicaRouter"]
# /readyz: the time limit of each check (database, migrations, cache, broker, storage).
READYZ_TIMEOUT_SECONDS = float(env("READYZ_TIMEOUT_SECONDS", "3"))
# /metrics: with a token, `Authorization: Bearer <token>`; without, internal addresses talking to
# the app server directly (never through the proxy). Business counters are cached this long.
METRICS_TOKEN = env("METRICS_TOKEN")
METRICS_ALLOWED_NETWORKS = env_list(
    "METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"
)
METRICS_CACHE_SECONDS = env_int("METRICS_CACHE_SECONDS", 60)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", "celery")
# A Celery worker answers Prometheus on this port (0: it does not); its tasks and queue length.
CELERY_METRICS_PORT = env_int("CELERY_METRICS_PORT", 0)
CELERY_METRICS_ADDRESS = env("CELERY_METRICS_ADDRESS", "127.0.0.1")
# Logs: `text` (the message alone, as before) or `json` (one object per line, with the request id).
LOG_FORMAT = env("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be text or json.")
LOGGING["filters"] = {"request_id": {"()": "ajunta.core.logs.RequestIdFilter"}}
LOGGING["formatters"] = {
    "text": {"format": "%(message)s"},
    "json": {"()": "ajunta.core.logs.JSONFormatter"},
}
LOGGING["handlers"] = {
    "console": {
        "class": "logging.StreamHandler",
        "formatter": LOG_FORMAT,
        "filters": ["request_id"],
    }
}
# === end of Operations ===========================================================================
# --- Cybersecurity (issue 19, docs/security-posture.md) -------------------------------------------
# What a member with no services agreement in force sees: only these modules (fail closed).
MEMBER_DEFAULT_MODULES = env_list("MEMBER_DEFAULT_MODULES", "helpdesk")
# Where the scheduled imports read their data (a URL or a file path; empty: no scheduled import).
# endoflife.date's API v1 product pages, one per product: "{product}" is replaced.
SECURITY_EOL_URL = env("SECURITY_EOL_URL", "https://endoflife.date/api/v1/products/{product}/")
SECURITY_EOL_PRODUCTS = env_list(
    "SECURITY_EOL_PRODUCTS", "windows,windows-server,ubuntu,debian,fedora,macos,office"
)
SECURITY_KEV_URL = env(
    "SECURITY_KEV_URL",
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
)
# NVD CVE JSON 2.0: a file or URL of a feed (or API answer); empty by default (the NVD API wants
# an API key and paging: operators point this at a mirrored feed file).
SECURITY_NVD_URL = env("SECURITY_NVD_URL", "")
SECURITY_FEED_TIMEOUT = env_int("SECURITY_FEED_TIMEOUT", 60)
CELERY_BEAT_SCHEDULE.update(
    {
        # The same as `manage.py security_feeds_import` and `manage.py security_alerts`.
        "security-feeds-daily": {
            "task": "ajunta.security.tasks.security_feeds_import",
            "schedule": crontab(hour=5, minute=40),
        },
        "security-incident-clocks": {
            "task": "ajunta.security.tasks.security_incident_alerts",
            "schedule": crontab(minute="*/15"),
        },
    }
)
