import datetime as dt
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from ajunta.core.api import TenantAPIView, TenantViewSet
from ajunta.core.rest import BoundedPagination
from ajunta.core.selectors import organizations_of_user
from ajunta.core.tenancy import TenantAPIRequest, user_roles_by_org
from ajunta.tenants import selectors, services
from ajunta.tenants.models import (
    Agreement,
    AgreementKind,
    CatalogueService,
    Enrolment,
    FeeRule,
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    PublicPage,
    TrainingSession,
)


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "slug", "name", "kind", "is_provider", "ine_code", "dir3_code", "population",
            "population_year", "province_code", "autonomous_community_code", "comarca",
        ]  # fmt: skip
        read_only_fields = ["slug", "kind", "is_provider", "ine_code", "dir3_code"]


class MembershipSerializer(OrganizationSerializer):
    roles = serializers.SerializerMethodField()

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "roles"]

    def get_roles(self, org: Organization) -> list[str]:
        return sorted(self.context["roles"].get(org.pk, ()))


class MyOrganizationsView(APIView):
    """The organizations where the authenticated user holds roles, with those roles."""

    @extend_schema(responses=MembershipSerializer(many=True))
    def get(self, request: Request) -> Response:
        orgs = organizations_of_user(user=request.user)
        context = {"roles": user_roles_by_org(request.user)}
        return Response(MembershipSerializer(orgs, many=True, context=context).data)


class OrganizationDetailView(TenantAPIView):
    """This organization's profile. Administrators may correct population and comarca."""

    write_permission = "org.settings"

    @extend_schema(responses=OrganizationSerializer)
    def get(self, request: TenantAPIRequest, org_slug: str) -> Response:
        return Response(OrganizationSerializer(request.org).data)

    @extend_schema(request=OrganizationSerializer, responses=OrganizationSerializer)
    def patch(self, request: TenantAPIRequest, org_slug: str) -> Response:
        org: Any = request.org
        serializer = OrganizationSerializer(org, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        org = services.organization_update(org=org, actor=request.user, **serializer.validated_data)
        return Response(OrganizationSerializer(org).data)


# === the members module ============================================================================
class MembersAPIMixin:
    module: str | None = "members"
    permission: str = "members.view"
    write_permission: str | None = "members.manage"


class MembershipRecordSerializer(serializers.ModelSerializer):
    member: Any = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Membership
        fields = [
            "id", "member", "status", "applicant_name", "applicant_kind", "ine_code", "population",
            "contact_name", "contact_email", "contact_phone", "notes", "applied_on", "start_date",
            "end_date", "decision_reason",
        ]  # fmt: skip
        read_only_fields = [
            "id", "member", "status", "applied_on", "start_date", "end_date", "decision_reason",
        ]  # fmt: skip


class MembershipStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[s for s in MembershipStatus.values if s != MembershipStatus.APPLIED]
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False, allow_null=True, default=None)


class MemberImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=True)


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    imported = serializers.BooleanField()
    rows = serializers.IntegerField()
    bad_rows = serializers.SerializerMethodField()
    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())

    def get_bad_rows(self, report: services.ImportReport) -> list[dict[str, Any]]:
        return [{"line": line, "reason": reason} for line, reason in report.errors]


class MembershipViewSet(
    MembersAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet
):
    """Members and applications. Filters: `status`, `kind`, `q` (name or INE code)."""

    serializer_class = MembershipRecordSerializer

    def get_queryset(self) -> Any:
        params = self.request.query_params
        status_ = params.get("status", "")
        kind = params.get("kind", "")
        return selectors.memberships(
            org=self.request.org,
            status=status_ if status_ in MembershipStatus.values else "",
            q=params.get("q", ""),
            kind=kind if kind in OrganizationKind.values else "",
        )

    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        """Enter an application received on paper or by email."""
        serializer = MembershipRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_apply(
            org=request.org, actor=request.user, **serializer.validated_data
        )
        return Response(MembershipRecordSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MembershipStatusSerializer, responses=MembershipRecordSerializer)
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: TenantAPIRequest, org_slug: str, pk: str) -> Response:
        """Approve, reject, suspend, reinstate or record leaving, with a reason."""
        membership = self.get_object()
        serializer = MembershipStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_set_status(
            org=request.org, actor=request.user, membership=membership, **serializer.validated_data
        )
        return Response(MembershipRecordSerializer(membership).data)

    @extend_schema(request=MemberImportSerializer, responses=ImportReportSerializer)
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_csv(self, request: TenantAPIRequest, org_slug: str) -> Response:
        """CSV (ine_code, name, population). Dry run by default; 400 with every bad row."""
        serializer = MemberImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        if upload.size > services.IMPORT_MAX_BYTES:
            raise ValidationError({"file": [_("The file is larger than 2 MB.")]})
        report = services.members_import_csv(
            org=request.org,
            actor=request.user,
            content=upload.read(),
            dry_run=serializer.validated_data["dry_run"],
        )
        code = status.HTTP_400_BAD_REQUEST if report.errors else status.HTTP_200_OK
        return Response(ImportReportSerializer(report).data, status=code)


class CatalogueServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogueService
        fields = [
            "id", "code", "name", "description", "module", "requestable_by",
            "included_in_membership", "price", "is_active",
        ]  # fmt: skip


class CatalogueServiceViewSet(
    MembersAPIMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    TenantViewSet,
):
    """The provider's services catalogue."""

    serializer_class = CatalogueServiceSerializer

    def get_queryset(self) -> Any:
        return selectors.catalogue_services(org=self.request.org, active_only=False)

    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        serializer = CatalogueServiceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service = services.catalogue_service_create(
            org=request.org, actor=request.user, **serializer.validated_data
        )
        return Response(CatalogueServiceSerializer(service).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: TenantAPIRequest, org_slug: str, pk: str) -> Response:
        service = self.get_object()
        serializer = CatalogueServiceSerializer(service, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = {k: v for k, v in serializer.validated_data.items() if k != "code"}
        service = services.catalogue_service_update(
            org=request.org, actor=request.user, service=service, **fields
        )
        return Response(CatalogueServiceSerializer(service).data)


class AgreementSerializer(serializers.ModelSerializer):
    member = serializers.SlugRelatedField(slug_field="slug", queryset=Organization.objects.all())
    services = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=CatalogueService.objects.none(), required=False
    )

    class Meta:
        model = Agreement
        fields = [
            "id", "member", "kind", "title", "start_date", "end_date", "extended", "services",
            "support_hours_per_year", "sla_level", "scope", "status", "annulment_reason",
        ]  # fmt: skip
        read_only_fields = ["id", "extended", "status", "annulment_reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.context.get("org")
        if org is not None:
            self.fields["services"].child_relation.queryset = selectors.catalogue_services(org=org)  # type: ignore[attr-defined]
            self.fields["member"].queryset = selectors.other_organizations(org=org)  # type: ignore[attr-defined]


class AnnulReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class AgreementViewSet(
    MembersAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet
):
    """Agreements with members and sponsors. Filters: `member` (slug), `kind`, `expiring_before`."""

    serializer_class = AgreementSerializer

    def get_queryset(self) -> Any:
        params = self.request.query_params
        member = None
        if params.get("member"):
            member = Organization.objects.filter(slug=params["member"]).first()
            if member is None:
                return Agreement.objects.none()
        expiring = params.get("expiring_before", "")
        try:
            expiring_before = dt.date.fromisoformat(expiring) if expiring else None
        except ValueError as exc:
            raise ValidationError({"expiring_before": [_("A date as YYYY-MM-DD.")]}) from exc
        kind = params.get("kind", "")
        return selectors.agreements(
            org=self.request.org,
            member=member,
            kind=kind if kind in AgreementKind.values else "",
            expiring_before=expiring_before,
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "org": self.request.org}

    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        serializer = AgreementSerializer(data=request.data, context={"org": request.org})
        serializer.is_valid(raise_exception=True)
        agreement = services.agreement_create(
            org=request.org, actor=request.user, **serializer.validated_data
        )
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AgreementSerializer)
    @action(detail=True, methods=["post"])
    def extend(self, request: TenantAPIRequest, org_slug: str, pk: str) -> Response:
        """Keep the agreement in force until a new one is signed."""
        agreement = services.agreement_extend(
            org=request.org, actor=request.user, agreement=self.get_object()
        )
        return Response(AgreementSerializer(agreement).data)

    @extend_schema(request=AnnulReasonSerializer, responses=AgreementSerializer)
    @action(detail=True, methods=["post"])
    def annul(self, request: TenantAPIRequest, org_slug: str, pk: str) -> Response:
        agreement = self.get_object()
        serializer = AnnulReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        agreement = services.agreement_annul(
            org=request.org, actor=request.user, agreement=agreement, **serializer.validated_data
        )
        return Response(AgreementSerializer(agreement).data)


class FeeRuleSerializer(serializers.ModelSerializer):
    sponsor = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = FeeRule
        fields = [
            "id", "valid_from", "min_population", "max_population", "amount", "payer", "sponsor",
        ]  # fmt: skip
        read_only_fields = ["id"]


class FeeRuleViewSet(
    MembersAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet
):
    """Fee rules by population bracket. Never changed: a later rule replaces an earlier one."""

    serializer_class = FeeRuleSerializer

    def get_queryset(self) -> Any:
        return selectors.fee_rules(org=self.request.org)

    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        serializer = FeeRuleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = services.fee_rule_create(
            org=request.org, actor=request.user, **serializer.validated_data
        )
        return Response(FeeRuleSerializer(rule).data, status=status.HTTP_201_CREATED)


class FeeLineSerializer(serializers.Serializer):
    member = serializers.CharField(source="member.slug")
    member_name = serializers.CharField(source="member.name")
    ine_code = serializers.CharField(source="member.ine_code")
    population = serializers.IntegerField(allow_null=True)
    rule = serializers.IntegerField(source="rule.pk", allow_null=True, default=None)
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    payer = serializers.CharField(source="payer.slug", allow_null=True, default=None)
    member_amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    sponsored = serializers.BooleanField()


class FeeListView(MembersAPIMixin, TenantAPIView):
    """Each member's fee for `year` (default this year) and who pays it, paginated."""

    pagination_class = BoundedPagination  # so that the schema describes the page it answers

    @extend_schema(
        parameters=[OpenApiParameter("year", int)], responses=FeeLineSerializer(many=True)
    )
    def get(self, request: TenantAPIRequest, org_slug: str) -> Response:
        raw = request.query_params.get("year", "")
        if raw and not (raw.isdigit() and 2000 <= int(raw) <= 2100):
            raise ValidationError({"year": [_("A year between 2000 and 2100.")]})
        year = int(raw) if raw else timezone.localdate().year
        lines = selectors.fees_for_year(org=request.org, year=year)
        paginator = BoundedPagination()
        page: list[selectors.FeeLine] | None = paginator.paginate_queryset(
            lines,  # type: ignore[arg-type]
            request,
            view=self,
        )
        return paginator.get_paginated_response(FeeLineSerializer(page, many=True).data)


class DashboardView(MembersAPIMixin, TenantAPIView):
    """The provider's figures: members by status and size bracket, fees of `year`, agreements
    ending within six months, and how many members receive each service."""

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: OpenApiTypes.OBJECT})
    def get(self, request: TenantAPIRequest, org_slug: str) -> Response:
        today = timezone.localdate()
        raw = request.query_params.get("year", "")
        if raw and not (raw.isdigit() and 2000 <= int(raw) <= 2100):
            raise ValidationError({"year": [_("A year between 2000 and 2100.")]})
        year = int(raw) if raw else today.year
        figures = selectors.dashboard_figures(org=request.org, year=year, today=today)
        return Response(
            {
                "year": year,
                "members_by_status": dict(
                    zip(MembershipStatus.values, (n for _l, n in figures["by_status"]), strict=True)
                ),
                "active_members_by_population": dict(figures["by_size"]),
                "active_members_without_population": figures["size_unknown"],
                "fees": {  # amounts as strings, like the fee list, so no cent is lost to floats
                    "total": str(figures["fees_total"]),
                    "paid_by_members": str(figures["fees_by_members"]),
                    "paid_by_sponsors": str(figures["fees_by_sponsors"]),
                    "members_charged": figures["fee_lines"],
                },
                "agreements_ending": [
                    {"id": a.pk, "title": a.title, "member": a.member.slug, "end_date": a.end_date}
                    for a in figures["expiring"]
                ],
                "services_in_use": {s.code: s.members for s in figures["services_in_use"]},
            }
        )


class TrainingSessionSerializer(serializers.ModelSerializer):
    visited = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organization.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = TrainingSession
        fields = [
            "id", "kind", "title", "description", "starts_at", "ends_at", "place", "capacity",
            "max_population", "visited",
        ]  # fmt: skip


class EnrolmentSerializer(serializers.ModelSerializer):
    member = serializers.SlugRelatedField(slug_field="slug", queryset=Organization.objects.all())

    class Meta:
        model = Enrolment
        fields = ["id", "member", "participants", "attended"]
        read_only_fields = ["id", "attended"]


class AttendanceSerializer(serializers.Serializer):
    enrolment = serializers.IntegerField()
    attended = serializers.BooleanField()


class TrainingSessionViewSet(
    MembersAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet
):
    """Training sessions and visits. Filters: `from`, `to` (dates)."""

    serializer_class = TrainingSessionSerializer
    write_permission = "training.manage"

    def get_queryset(self) -> Any:
        params = self.request.query_params
        try:
            start = dt.date.fromisoformat(params["from"]) if params.get("from") else None
            end = dt.date.fromisoformat(params["to"]) if params.get("to") else None
        except ValueError as exc:
            raise ValidationError({"from": [_("A date as YYYY-MM-DD.")]}) from exc
        return selectors.training_sessions(org=self.request.org, start=start, end=end)

    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        serializer = TrainingSessionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = services.training_session_create(
            org=request.org, actor=request.user, **serializer.validated_data
        )
        return Response(TrainingSessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnrolmentSerializer, responses=EnrolmentSerializer(many=True))
    # All of a session's enrolments at once (a session holds a room's worth): no page.
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def enrolments(self, request: TenantAPIRequest, org_slug: str, pk: str) -> Response:
        """The members enrolled (GET) or enrol one more (POST)."""
        session = self.get_object()
        if request.method == "POST":
            serializer = EnrolmentSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            enrolment = services.enrolment_add(
                org=request.org, actor=request.user, session=session, **serializer.validated_data
            )
            return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)
        rows = selectors.enrolments(org=request.org, session=session)
        return Response(EnrolmentSerializer(rows, many=True).data)

    @extend_schema(request=AttendanceSerializer, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def attendance(self, request: TenantAPIRequest, org_slug: str, pk: str) -> Response:
        session = self.get_object()
        serializer = AttendanceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enrolment = get_object_or_404(
            selectors.enrolments(org=request.org, session=session),
            pk=serializer.validated_data["enrolment"],
        )
        enrolment = services.attendance_record(
            org=request.org,
            actor=request.user,
            enrolment=enrolment,
            attended=serializer.validated_data["attended"],
        )
        return Response(EnrolmentSerializer(enrolment).data)


class PublicPageSerializer(serializers.ModelSerializer):
    class Meta:
        model = PublicPage
        fields = [
            "id", "slug", "language", "kind", "title", "body", "menu_order", "published",
            "published_on", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "updated_at"]
        validators: list = []  # (organization, slug, language) is an upsert key here


class PublicPageViewSet(
    MembersAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet
):
    """Pages of the public website. POST creates a language version or replaces it (same slug and
    language). Filter: `language`."""

    serializer_class = PublicPageSerializer
    permission = "site.edit"
    write_permission = "site.edit"

    def get_queryset(self) -> Any:
        language = self.request.query_params.get("language", "")
        return selectors.public_pages(org=self.request.org, language=language)

    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        serializer = PublicPageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        page = services.public_page_save(
            org=request.org,
            actor=request.user,
            slug=data.pop("slug"),
            language=data.pop("language"),
            **data,
        )
        return Response(PublicPageSerializer(page).data, status=status.HTTP_201_CREATED)


class MemberSessionSerializer(TrainingSessionSerializer):
    provider = serializers.CharField(source="organization.slug")
    enrolled = serializers.BooleanField()

    class Meta(TrainingSessionSerializer.Meta):
        fields = [*TrainingSessionSerializer.Meta.fields, "provider", "enrolled"]


class MemberTrainingViewSet(mixins.ListModelMixin, TenantViewSet):
    """A member's side: its providers' sessions, and enrolment of the member itself."""

    module = "training"
    permission = "training.enrol"
    serializer_class = MemberSessionSerializer

    def get_queryset(self) -> Any:
        return selectors.sessions_for_member(member=self.request.org).filter(
            starts_at__gte=timezone.now() - dt.timedelta(days=30)
        )

    @extend_schema(request=None, responses=EnrolmentSerializer)
    @action(detail=True, methods=["post"])
    def enrol(self, request: TenantAPIRequest, org_slug: str, pk: str) -> Response:
        session = get_object_or_404(selectors.sessions_for_member(member=request.org), pk=pk)
        enrolment = services.enrolment_add(
            org=session.organization, actor=request.user, session=session, member=request.org
        )
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


# --- the public website's open data ----------------------------------------------------------------
class PublicMemberSerializer(serializers.Serializer):
    name = serializers.CharField(source="member.name")
    kind = serializers.CharField(source="member.kind")
    ine_code = serializers.CharField(source="member.ine_code")
    population = serializers.IntegerField(source="member.population", allow_null=True)
    member_since = serializers.DateField(source="start_date")


class PublicServiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogueService
        fields = [
            "code",
            "name",
            "description",
            "requestable_by",
            "included_in_membership",
            "price",
        ]


class PublicListView(generics.ListAPIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]

    def provider(self) -> Organization:
        provider = selectors.site_provider()
        if provider is None:
            raise Http404
        return provider


class PublicMembersView(PublicListView):
    """Transparency: the provider's active members with population and joining date. Filter: `q`."""

    public_reason = "transparency: the member list is published on the public website too"
    serializer_class = PublicMemberSerializer

    def get_queryset(self) -> Any:
        q = self.request.query_params.get("q", "")[:100]
        return selectors.public_members(org=self.provider(), q=q)


class PublicServicesView(PublicListView):
    """The provider's services catalogue, as on the public website."""

    public_reason = "the services catalogue is published on the public website too"
    serializer_class = PublicServiceSerializer

    def get_queryset(self) -> Any:
        return selectors.catalogue_services(org=self.provider())
