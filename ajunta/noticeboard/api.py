"""Notice board API: the organization's edicts, publishing one, withdrawing it, its certificate.

Thin: the services in noticeboard.services hold every rule and refuse with a ValidationError,
which the API answers as 400 with field messages. Nothing is edited or deleted.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ajunta.cases import selectors as case_selectors
from ajunta.core.api import TenantViewSet, body_object
from ajunta.core.jsonbody import BoundedJSONParser
from ajunta.core.tenancy import TenantAPIRequest
from ajunta.noticeboard import selectors, services
from ajunta.noticeboard.models import Edict, EdictKind, PeriodUnit

ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Field messages of a refusal.")


class EdictSerializer(serializers.ModelSerializer):
    case = serializers.CharField(
        source="case.number", default=None, read_only=True, allow_null=True
    )
    state = serializers.SerializerMethodField(help_text="scheduled, in_force, ended or withdrawn")
    has_document = serializers.SerializerMethodField()
    certificate_code = serializers.SerializerMethodField(
        help_text="The CSV of the certificate of publication, once issued."
    )

    class Meta:
        model = Edict
        fields = [
            "id", "number", "kind", "title", "body", "reference", "case", "state", "starts_on",
            "ends_on", "period_days", "period_unit", "visible_from", "visible_until",
            "published_at", "withdrawn_at", "withdrawal_reason", "certified_at",
            "certificate_code", "has_document", "content_hash",
        ]  # fmt: skip
        read_only_fields = fields

    def get_state(self, edict: Edict) -> str:
        return edict.state()

    def get_has_document(self, edict: Edict) -> bool:
        return edict.document_id is not None

    def get_certificate_code(self, edict: Edict) -> str | None:
        certificate = edict.certificate if edict.certificate_id else None
        return certificate.verification_code if certificate is not None else None


class EdictCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EdictKind.choices)
    title = serializers.CharField(max_length=240)
    body = serializers.CharField(max_length=20000)
    reference = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    case = serializers.CharField(
        max_length=40, required=False, allow_blank=True,
        help_text="Number of a case file of this organization.",
    )  # fmt: skip
    starts_on = serializers.DateField()
    period_days = serializers.IntegerField(min_value=1, max_value=366, required=False)
    period_unit = serializers.ChoiceField(choices=PeriodUnit.choices, default=PeriodUnit.BUSINESS)
    ends_on = serializers.DateField(required=False)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class EdictViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The organization's notice board (`?state=in_force|scheduled|ended|withdrawn`)."""

    permission = "noticeboard.view"
    write_permission = "noticeboard.publish"
    action_permissions = {"withdraw": "noticeboard.withdraw", "certify": "noticeboard.publish"}
    serializer_class = EdictSerializer
    parser_classes = [BoundedJSONParser]
    module = "cases"

    def get_queryset(self) -> Any:
        state = self.request.query_params.get("state", "")
        if state and state not in selectors.STATES:
            raise ValidationError({"state": ["Use one of: " + ", ".join(selectors.STATES) + "."]})
        return selectors.edicts(org=self.request.org, state=state).select_related("certificate")

    @extend_schema(
        parameters=[OpenApiParameter("state", str, enum=list(selectors.STATES))],
        responses={200: EdictSerializer(many=True), 400: ERRORS},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=EdictCreateSerializer, responses={201: EdictSerializer, 400: ERRORS})
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = EdictCreateSerializer(data=body_object(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = None
        if values.get("case"):
            case = case_selectors.cases(org=request.org).filter(number=values["case"]).first()
            if case is None:
                raise ValidationError({"case": ["No case file has this number."]})
        edict = services.edict_publish(
            org=request.org, actor=request.user, kind=values["kind"], title=values["title"],
            body=values["body"], reference=values["reference"], case=case,
            starts_on=values["starts_on"], period_days=values.get("period_days"),
            period_unit=values["period_unit"], ends_on=values.get("ends_on"),
        )  # fmt: skip
        return Response(EdictSerializer(edict).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawSerializer, responses={200: EdictSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        edict = self.get_object()
        data = WithdrawSerializer(data=body_object(request))
        data.is_valid(raise_exception=True)
        services.edict_withdraw(
            org=request.org, actor=request.user, edict=edict, reason=data.validated_data["reason"]
        )
        return Response(EdictSerializer(edict).data)

    @extend_schema(request=None, responses={200: EdictSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def certify(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        edict = self.get_object()
        services.edict_certify(org=request.org, actor=request.user, edict=edict)
        return Response(EdictSerializer(edict).data)
