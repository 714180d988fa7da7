"""Test helpers shared by every app: organizations, users with roles, and tenant-isolation checks.

Each test class starts from TenantTestCase: organization A ("alpha", a small Catalan town) with
Alice (municipal admin) and Bob (municipal staff), and organization B ("beta") with Charlie
(municipal admin there), who must have no access to anything of A's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.test import Client, TestCase
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from ajunta.core.models import Role, RoleAssignment, User
from ajunta.tenants.models import Organization, OrganizationKind

DEFAULTS: dict[str, Any] = {
    "kind": OrganizationKind.MUNICIPALITY,
    "autonomous_community_code": "09",
    "province_code": "08",
}


def all_modules_agreement() -> list[list[Any]]:
    """A services agreement in force from 2000 to 2999 listing every registered module, as the
    agreement services record it on the member (Organization.agreement_modules)."""
    from ajunta.core.modules import MODULES

    return [["2000-01-01", "2999-12-31", False, sorted(MODULES)]]


def make_org(slug: str, **fields: Any) -> Organization:
    """A municipality for tests. Unless told otherwise it holds a services agreement with every
    module (a member with none sees only the provider's default modules: tenants.models); pass
    `agreement_modules=None` for a member with no agreement on record, or sign a real one with
    tenants.testing.give_modules (which replaces this one)."""
    # Speaks the site's default language unless told: a test that sets LANGUAGE_CODE reads it.
    values = {
        **DEFAULTS,
        "name": slug.title(),
        "language": settings.LANGUAGE_CODE,
        "agreement_modules": all_modules_agreement(),
        **fields,
    }
    return Organization.objects.create(slug=slug, **values)


def make_user(username: str, org: Organization | None = None, *roles: str, **fields: Any) -> User:
    user = User.objects.create_user(
        username=username,
        password="correct horse battery staple",  # noqa: S106  (test users only)
        email=f"{username}@example.org",
        **fields,
    )
    if roles:
        assert org is not None, "roles are held in an organization"
        for role in roles:
            RoleAssignment.objects.create(organization=org, user=user, role=role)
    return user


def speaking(client: Client, language: str) -> Client:
    """`client` having chosen `language` with the switcher (the explicit choice: core.languages)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def verify_mfa(client: Client, user: User) -> TOTPDevice:
    """Log `user` in with a confirmed TOTP device already verified in this session."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="test", defaults={"confirmed": True}
    )
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


class TenantTestCase(TestCase):
    org_a: Organization
    org_b: Organization
    alice: User
    bob: User
    charlie: User

    @classmethod
    def setUpTestData(cls) -> None:
        cls.org_a = make_org("alpha", name="Ajuntament d'Alpha")
        cls.org_b = make_org("beta", name="Ajuntament de Beta")
        cls.alice = make_user("alice", cls.org_a, Role.MUNICIPAL_ADMIN)
        cls.bob = make_user("bob", cls.org_a, Role.MUNICIPAL_STAFF)
        cls.charlie = make_user("charlie", cls.org_b, Role.MUNICIPAL_ADMIN)

    def login(self, user: User) -> Client:
        self.client.force_login(user)
        return self.client

    def api(self, user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client


class TenantIsolationMixin:
    """Proves, for the endpoints a test class names, that organization B never sees A's data.

    Mix into a TenantTestCase and define:

    - `isolation_object_urls(slug)`: (method, path) pairs that address A's objects, built with
      `slug` as the organization. Charlie (role in B only) must get 404 both with A's slug (no
      role there) and with B's slug (the object belongs to another organization).
    - `isolation_list_urls(slug)`: (path, extract) pairs; `extract(response)` returns the ids
      a list shows. Alice's list of A must show A's rows (`isolation_ids_a`) and none of B's
      (`isolation_ids_b`); Charlie's list of B must show none of A's.

    Both paths are requested with the API client when they start with /api/, else as pages.
    """

    isolation_object_urls: Callable[[str], Iterable[tuple[str, str]]]
    isolation_list_urls: Callable[[str], Iterable[tuple[str, Callable[[Any], set]]]]
    isolation_ids_a: set
    isolation_ids_b: set

    def _client_for(self, user: User, path: str) -> Any:
        client: Any = APIClient() if path.startswith("/api/") else Client()
        if path.startswith("/api/"):
            client.force_authenticate(user)
        else:
            client.force_login(user)
        return client

    def test_other_organization_gets_404_on_objects(self) -> None:
        case: Any = self
        for slug in (case.org_a.slug, case.org_b.slug):
            for method, path in self.isolation_object_urls(slug):
                client = self._client_for(case.charlie, path)
                response = getattr(client, method.lower())(path)
                case.assertEqual(
                    response.status_code,
                    404,
                    f"{method} {path} as charlie (org B) answered {response.status_code}",
                )

    def test_lists_never_show_other_organizations_rows(self) -> None:
        case: Any = self
        for path, extract in self.isolation_list_urls(case.org_a.slug):
            response = self._client_for(case.alice, path).get(path)
            case.assertEqual(response.status_code, 200, path)
            shown = extract(response)
            case.assertTrue(self.isolation_ids_a <= shown, f"{path} misses A's rows")
            case.assertFalse(shown & self.isolation_ids_b, f"{path} shows B's rows")
        for path, extract in self.isolation_list_urls(case.org_b.slug):
            response = self._client_for(case.charlie, path).get(path)
            case.assertEqual(response.status_code, 200, path)
            case.assertFalse(
                extract(response) & self.isolation_ids_a, f"{path} shows A's rows to B"
            )


def api_ids(key: str = "id") -> Callable[[Any], set]:
    """Extractor for paginated API lists: the `key` of every row in `results`."""
    return lambda response: {str(row[key]) for row in response.json()["results"]}


# --- every URL is tenant-scoped or explicitly public ----------------------------------------------
# Reachable without logging in. Each entry is a deliberate decision: say why beside it.
PUBLIC_URL_NAMES = {
    "login", "login_shortcut", "password_reset", "password_reset_done", "password_reset_confirm",
    "password_reset_complete",  # authentication itself
    "set_language",  # the language switcher works before login
    "healthz",  # load balancer probe; reveals nothing
    "api-schema", "api-docs",  # the API's public description
    "api-not-found",  # a JSON 404 for /api/ paths that match no endpoint; reads nothing
    "verify", "verify_download",  # secure verification codes: anyone holding one may check it
    "portal_signup",  # citizens open an account before filing
}  # fmt: skip
# Logged-in pages about the user themself, across organizations: never show tenant data.
USER_SCOPED_URL_NAMES = {
    "home", "logout", "mfa", "api-me", "api-my-organizations", "api-my-token", "my_api_token",
    # the citizen's own area: only what the logged-in citizen filed
    "portal_home", "portal_file", "portal_filing", "portal_document", "oidc_authentication_init",
    # the citizen's notifications and case files: only rows whose party is the user's NIF
    "portal_notifications", "portal_notification", "portal_notification_document",
    "portal_notification_proof", "portal_cases", "portal_case", "portal_case_document",
    "portal_appointments",  # the citizen's own bookings: made as the user or with their NIF
    "oidc_authentication_callback", "oidc_logout",
}  # fmt: skip
# Django's admin: superusers only (platform operators), outside tenancy by design.
ALLOWED_NAMESPACES = {"admin"}


def walk_urls(
    patterns: Iterable[Any], prefix: str = "", namespace: str = ""
) -> Iterable[tuple[str, Any, str]]:
    """(route, pattern, namespace) for every endpoint under `patterns`."""
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk_urls(entry.url_patterns, route, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield route, entry, namespace


def find_unscoped_views(urlconf: str | None = None) -> list[str]:
    """Routes whose view is neither tenant-scoped (with <org_slug> in the URL) nor allow-listed."""
    from django.urls import get_resolver

    problems = []
    for route, pattern, namespace in walk_urls(get_resolver(urlconf).url_patterns):
        if namespace in ALLOWED_NAMESPACES:
            continue
        callback = pattern.callback
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        if view_class is not None and getattr(view_class, "tenant_scoped", False):
            if "<slug:org_slug>" not in route:
                problems.append(f"{route} (tenant-scoped view without <slug:org_slug> in its URL)")
            continue
        if pattern.name in PUBLIC_URL_NAMES | USER_SCOPED_URL_NAMES:
            continue
        if getattr(view_class or callback, "public_reason", ""):
            continue  # declared public by the view itself, with the reason (see core.views.public)
        problems.append(
            f"{route} (name={pattern.name!r}, view={callback.__module__}.{callback.__name__})"
        )
    return problems


# --- stored files -----------------------------------------------------------------------------------
def use_temporary_media(test: Any) -> str:
    """Give `test` an empty temporary file storage for its duration; return its path.

    Call it from setUp(): files written by one test never reach another, nor the repository.
    """
    import shutil
    import tempfile

    from django.conf import settings
    from django.test import override_settings

    media = tempfile.mkdtemp(prefix="ajunta-test-media-")
    test.addCleanup(shutil.rmtree, media, ignore_errors=True)
    storages = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": media},
        },
    }
    override = override_settings(STORAGES=storages, MEDIA_ROOT=media)
    override.enable()
    test.addCleanup(override.disable)
    return media


def files_under(media: str) -> list[str]:
    """Every file stored under `media`, relative to it, sorted."""
    import os

    return sorted(
        os.path.relpath(os.path.join(root, name), media)
        for root, _dirs, names in os.walk(media)
        for name in names
    )
