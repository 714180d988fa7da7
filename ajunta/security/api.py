"""Cybersecurity API, mounted under /api/v1/o/<org_slug>/security/: exposures (read), incidents
(list, create, read, the legal steps, the LUCÍA-field export)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ajunta.core.api import TenantViewSet
from ajunta.security import clocks, reports, selectors, services
from ajunta.security.models import Exposure, SecurityIncident

ERRORS = {400: OpenApiTypes.OBJECT}


def _service_errors(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    )


class ExposureSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.slug", read_only=True)
    asset = serializers.IntegerField(source="asset_id", read_only=True)
    asset_name = serializers.CharField(source="asset.__str__", read_only=True)
    cve = serializers.CharField(source="vulnerability.cve_id", read_only=True)
    known_exploited = serializers.BooleanField(
        source="vulnerability.known_exploited", read_only=True
    )
    ransomware = serializers.BooleanField(source="vulnerability.kev_ransomware", read_only=True)
    cvss_score = serializers.DecimalField(source="vulnerability.cvss_score", max_digits=3,
                                          decimal_places=1, read_only=True, allow_null=True)  # fmt: skip
    kev_due = serializers.DateField(source="vulnerability.kev_due", read_only=True, allow_null=True)

    class Meta:
        model = Exposure
        fields = ["id", "organization", "asset", "asset_name", "software", "version", "cpe",
                  "fix_version", "cve", "known_exploited", "ransomware", "cvss_score", "kev_due",
                  "first_seen"]  # fmt: skip


class ExposureViewSet(mixins.ListModelMixin, TenantViewSet):
    """Open exposures of the organization's devices (every member's under the provider), worst
    first: known exploited, ransomware use, CVSS score."""

    permission = "security.view"
    module = "security"
    serializer_class = ExposureSerializer

    def get_queryset(self) -> Any:
        return selectors.exposures(
            org=self.request.org,
            known_exploited=self.request.query_params.get("known_exploited") == "1",
        )

    @extend_schema(
        parameters=[OpenApiParameter("known_exploited", str, enum=["1"], required=False)]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)


class StepSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    due = serializers.DateTimeField()
    done_at = serializers.DateTimeField(allow_null=True)
    state = serializers.CharField(
        help_text="done, late (done after its due time), overdue or pending"
    )


class IncidentSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.slug", read_only=True)
    assets = serializers.ListField(
        child=serializers.IntegerField(), write_only=True, required=False
    )
    steps = serializers.SerializerMethodField()

    class Meta:
        model = SecurityIncident
        fields = ["id", "number", "organization", "title", "description", "category", "level",
                  "significant", "detected_at", "aware_at", "affected_services", "personal_data",
                  "personal_data_description", "status", "early_warning_at", "notification_at",
                  "final_report_at", "gdpr_notified_at", "closed_at", "assets", "steps"]  # fmt: skip
        read_only_fields = ["number", "status", "early_warning_at", "notification_at",
                            "final_report_at", "gdpr_notified_at", "closed_at"]  # fmt: skip
        extra_kwargs = {"aware_at": {"required": False}}

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, incident: SecurityIncident) -> list[dict[str, Any]]:
        return [
            {"code": s.code, "label": s.label, "due": s.due, "done_at": s.done_at, "state": s.state}
            for s in clocks.steps(incident, timezone.now())
        ]


class StepDoneSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=list(clocks.STEP_FIELDS))
    at = serializers.DateTimeField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=500)


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      TenantViewSet):  # fmt: skip
    """Security incidents with their legal clocks (`steps`). Create under a member's slug (or the
    provider's own); `assets` are ids of the organization's devices."""

    permission = "security.view"
    write_permission = "security.manage"
    module = "security"
    serializer_class = IncidentSerializer

    def get_queryset(self) -> Any:
        return selectors.incidents(org=self.request.org)

    @extend_schema(responses={201: IncidentSerializer, **ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        asset_ids = data.pop("assets", [])
        data.setdefault("aware_at", data["detected_at"])
        try:
            incident = services.incident_create(org=request.org, actor=request.user,  # type: ignore[attr-defined]
                                                asset_ids=asset_ids, **data)  # fmt: skip
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc
        return Response(IncidentSerializer(incident).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StepDoneSerializer, responses={200: IncidentSerializer, **ERRORS},
                   summary="Record a legal step sent (early warning, notification, final report, GDPR)")  # fmt: skip
    @action(detail=True, methods=["post"])
    def step(self, request: Request, org_slug: str, pk: str) -> Response:
        incident = self.get_object()
        serializer = StepDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.incident_step_done(org=incident.organization, actor=request.user,
                                        incident=incident, step=serializer.validated_data["step"],
                                        at=serializer.validated_data.get("at"),
                                        reference=serializer.validated_data.get("reference", ""))  # fmt: skip
        except DjangoValidationError as exc:
            raise _service_errors(exc) from exc
        incident.refresh_from_db()
        return Response(IncidentSerializer(incident).data)

    @extend_schema(responses={200: OpenApiTypes.OBJECT},
                   summary=gettext_lazy("The incident in CCN-CERT LUCÍA's notification fields"))  # fmt: skip
    @action(detail=True, methods=["get"])
    def lucia(self, request: Request, org_slug: str, pk: str) -> Response:
        incident = self.get_object()
        return Response(reports.incident_lucia(
            incident, list(selectors.incident_events(incident=incident)),
            selectors.incident_assets(incident=incident)))  # fmt: skip
