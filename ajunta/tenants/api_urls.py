from django.urls import path
from rest_framework.routers import SimpleRouter

from ajunta.tenants import api

router = SimpleRouter(use_regex_path=False)
members = "o/<slug:org_slug>/members"
router.register(f"{members}/memberships", api.MembershipViewSet, basename="member-membership")
router.register(f"{members}/catalogue", api.CatalogueServiceViewSet, basename="member-service")
router.register(f"{members}/agreements", api.AgreementViewSet, basename="member-agreement")
router.register(f"{members}/fee-rules", api.FeeRuleViewSet, basename="member-fee-rule")
router.register(f"{members}/training", api.TrainingSessionViewSet, basename="member-session")
router.register(f"{members}/pages", api.PublicPageViewSet, basename="member-page")
router.register("o/<slug:org_slug>/training", api.MemberTrainingViewSet, basename="training")

urlpatterns = [
    path("organizations/", api.MyOrganizationsView.as_view(), name="api-my-organizations"),
    path("o/<slug:org_slug>/", api.OrganizationDetailView.as_view(), name="api-organization"),
    path("o/<slug:org_slug>/members/fees/", api.FeeListView.as_view(), name="api-member-fees"),
    path(
        "o/<slug:org_slug>/members/dashboard/",
        api.DashboardView.as_view(),
        name="api-member-dashboard",
    ),
    path("site/members/", api.PublicMembersView.as_view(), name="api-site-members"),
    path("site/services/", api.PublicServicesView.as_view(), name="api-site-services"),
    *router.urls,
]
