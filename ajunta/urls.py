from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ajunta.core import health, metrics, verify_views
from ajunta.core import views as core_views
from ajunta.core.rest import api_not_found
from ajunta.signatures.urls import servlet_urlpatterns as signature_servlets

accounts = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=core_views.LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("mfa/", core_views.MFAView.as_view(), name="mfa"),
    path("api-token/", core_views.MyAPITokenView.as_view(), name="my_api_token"),
    path("password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("home/", core_views.HomeView.as_view(), name="home"),
    # Operations (docs/operations.md): liveness, readiness, Prometheus metrics.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("theme.css", core_views.theme_stylesheet, name="theme_css"),
    path("verify/", verify_views.verify, name="verify"),
    path("verify/<str:code>/download/", verify_views.verify_download, name="verify_download"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include(accounts)),
    # The address people guess first; the login page itself stays where Django expects it.
    path(
        "login/",
        RedirectView.as_view(pattern_name="login", query_string=True),
        name="login_shortcut",
    ),
    path("admin/", admin.site.urls),
    path("o/<slug:org_slug>/", include("ajunta.core.urls")),
    path("o/<slug:org_slug>/", include("ajunta.tenants.urls")),
    path("portal/appointments/", include("ajunta.appointments.portal_urls")),
    path("portal/", include("ajunta.portal.urls")),
    path("o/<slug:org_slug>/registry/", include("ajunta.registry.urls")),
    path("o/<slug:org_slug>/persons/", include("ajunta.persons.urls")),
    path("o/<slug:org_slug>/sir/", include("ajunta.sir.urls")),
    path("o/<slug:org_slug>/cases/", include("ajunta.cases.urls")),
    path("o/<slug:org_slug>/signatures/", include("ajunta.signatures.urls")),
    path("", include(signature_servlets)),
    path("o/<slug:org_slug>/helpdesk/", include("ajunta.helpdesk.urls")),
    path("o/<slug:org_slug>/assets/", include("ajunta.assets.urls")),
    path("o/<slug:org_slug>/noticeboard/", include("ajunta.noticeboard.urls")),
    path("board/", include("ajunta.noticeboard.public_urls")),
    path("o/<slug:org_slug>/jobs/", include("ajunta.jobs.urls")),
    path("o/<slug:org_slug>/security/", include("ajunta.security.urls")),
    path("o/<slug:org_slug>/meetings/", include("ajunta.meetings.urls")),
    path("public/<slug:org_slug>/meetings/", include("ajunta.meetings.public_urls")),
    path("o/<slug:org_slug>/appointments/", include("ajunta.appointments.urls")),
    path("appointments/<slug:org_slug>/", include("ajunta.appointments.public_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/v1/", include("ajunta.core.api_urls")),
    path("api/v1/", include("ajunta.tenants.api_urls")),
    path("api/v1/", include("ajunta.registry.api_urls")),
    path("api/v1/", include("ajunta.persons.api_urls")),
    path("api/v1/", include("ajunta.sir.api_urls")),
    path("api/v1/", include("ajunta.cases.api_urls")),
    path("api/v1/", include("ajunta.helpdesk.api_urls")),
    path("api/v1/", include("ajunta.assets.api_urls")),
    path("api/v1/", include("ajunta.noticeboard.api_urls")),
    path("api/v1/", include("ajunta.security.api_urls")),
    path("api/v1/", include("ajunta.meetings.api_urls")),
    path("api/v1/", include("ajunta.appointments.api_urls")),
    # Anything else under /api/ answers a JSON 404, not the site's HTML page.
    re_path(r"^api/", api_not_found, name="api-not-found"),
    # The provider's public website (home, who we are, members, services, news): last, at the root.
    path("", include("ajunta.tenants.public_urls")),
]
