"""Case API: procedures and the provider's templates, case files with their actions, documents
of a case (upload, versions, signing, download), tasks, and the decrees book.

Thin: serializers check shapes, the services in cases.services hold every rule and answer a
refusal with a ValidationError, which the API gives back as 400 with field messages.
Nothing is deleted: cases close, documents are superseded by versions, decrees are numbered.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ajunta.cases import pdfs, selectors, services
from ajunta.cases.models import (
    Case,
    CaseDocument,
    CaseParty,
    CaseStatus,
    CaseStatusEvent,
    CaseTask,
    DeadlineEvent,
    Decree,
    DocumentTemplate,
    IdType,
    Notification,
    PartyRole,
    PersonType,
    Procedure,
    Visibility,
)
from ajunta.core.api import TenantViewSet, body_object
from ajunta.core.documents import DocumentIntegrityError, document_open
from ajunta.core.documents_api import (
    DOCUMENT_DOWNLOAD_RESPONSE,
    DocumentIntegrityFailed,
    PassthroughRenderer,
)
from ajunta.core.documents_views import document_file_response
from ajunta.core.jsonbody import BoundedJSONParser
from ajunta.core.models import EniDocumentType, EniElaborationState, EniOrigin
from ajunta.core.pagination import CappedPagination
from ajunta.core.tenancy import TenantAPIRequest
from ajunta.registry import selectors as registry_selectors

ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Field messages of a refusal.")


def _object(getter: Any, **kwargs: Any) -> Any:
    try:
        return getter(**kwargs)
    except (Case.DoesNotExist, Procedure.DoesNotExist, CaseDocument.DoesNotExist,
            CaseTask.DoesNotExist, Decree.DoesNotExist, DocumentTemplate.DoesNotExist, Notification.DoesNotExist,
            ValueError) as exc:  # fmt: skip
        raise Http404 from exc


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _download(org: Any, document: Any) -> HttpResponseBase:
    try:
        handle = document_open(org=org, document=document)
    except DocumentIntegrityError as exc:
        raise DocumentIntegrityFailed from exc
    return document_file_response(document, handle)


# --- serializers ---------------------------------------------------------------------------------
class CasePhaseSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=120, required=False)
    next = serializers.ListField(child=serializers.CharField(max_length=40), required=False)


class CaseProcedureSerializer(serializers.ModelSerializer):
    phases = CasePhaseSerializer(many=True, required=False)
    required_documents = serializers.CharField(
        required=False, allow_blank=True, max_length=4000,
        help_text="One required document per line.",
    )  # fmt: skip

    class Meta:
        model = Procedure
        fields = [
            "id", "code", "sia_code", "name", "classification", "description",
            "deadline_value", "deadline_unit", "silence_effect", "required_documents", "phases",
            "initiation", "confidentiality", "is_template", "is_active", "adopted_from",
        ]  # fmt: skip
        read_only_fields = ["id", "adopted_from"]


class CaseTemplateSerializer(CaseProcedureSerializer):
    provider = serializers.CharField(source="organization.name", read_only=True)

    class Meta(CaseProcedureSerializer.Meta):
        fields = [*CaseProcedureSerializer.Meta.fields, "provider"]


class CaseAdoptSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=30, required=False, allow_blank=True)


class CasePartySerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(choices=PartyRole.choices, default=PartyRole.INTERESTED)
    person_type = serializers.ChoiceField(choices=PersonType.choices)
    id_type = serializers.ChoiceField(choices=IdType.choices)

    class Meta:
        model = CaseParty
        read_only_fields = ["id"]
        fields = [
            "id",
            "role", "person_type", "id_type", "id_number", "name", "first_surname",
            "second_surname", "address", "postal_code", "email", "phone",
        ]  # fmt: skip
        extra_kwargs: dict[str, Any] = {"email": {"validators": []}}


class CaseDeadlineSerializer(serializers.Serializer):
    state = serializers.CharField()
    days = serializers.IntegerField(allow_null=True)


class CaseListSerializer(serializers.ModelSerializer):
    procedure = serializers.CharField(source="procedure.code")
    responsible = serializers.CharField(source="responsible.username", default=None)
    status = serializers.CharField(help_text="open, suspended, resolved, closed or archived")
    deadline = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "number", "subject", "procedure", "status", "phase", "opened_at",
            "start_date", "due_date", "extended", "responsible", "deadline",
        ]  # fmt: skip

    @extend_schema_field(CaseDeadlineSerializer)
    def get_deadline(self, case: Case) -> dict[str, Any]:
        signal = selectors.deadline_signal(case, self.context["today"])
        return {"state": signal.state, "days": signal.days}

    @cached_property
    def date_fields(self) -> tuple[serializers.DateTimeField, serializers.DateField]:
        """What the model's date and time fields map to (ModelSerializer builds the same ones),
        without building every field of the serializer, which costs more than the page."""
        return serializers.DateTimeField(), serializers.DateField()

    def to_representation(self, instance: Case) -> dict[str, Any]:
        """What the generic walk over the fields gives (a test compares both), written out: a
        page of the list is 50 cases, and the walk cost more than reading them. Dates and times
        still go through DRF's fields, for the time zone and the format."""
        case, responsible = instance, instance.responsible
        datetimes, dates = self.date_fields
        return {
            "id": case.pk,
            "number": case.number,
            "subject": case.subject,
            "procedure": case.procedure.code,
            "status": case.status,
            "phase": case.phase,
            "opened_at": datetimes.to_representation(case.opened_at),
            "start_date": dates.to_representation(case.start_date),
            "due_date": dates.to_representation(case.due_date) if case.due_date else None,
            "extended": case.extended,
            "responsible": responsible.username if responsible is not None else None,
            "deadline": self.get_deadline(case),
        }


class CaseDocumentRowSerializer(serializers.ModelSerializer):
    document_id = serializers.UUIDField(source="document.pk")
    name = serializers.CharField(source="document.name")
    sha256 = serializers.CharField(source="document.sha256")
    size = serializers.IntegerField(source="document.size")
    content_type = serializers.CharField(source="document.content_type")
    document_type = serializers.CharField(source="document.document_type")
    elaboration_state = serializers.CharField(source="document.elaboration_state")
    origin = serializers.IntegerField(source="document.origin")
    capture_date = serializers.DateTimeField(source="document.capture_date")
    dir3_body = serializers.CharField(source="document.dir3_body")
    signed_by = serializers.CharField(source="signed_by.username", default=None)

    class Meta:
        model = CaseDocument
        fields = [
            "id", "position", "title", "version", "visibility", "signed_at", "signed_by",
            "signature_provider", "certificate_signed", "document_id", "name", "sha256", "size",
            "content_type", "document_type", "elaboration_state", "origin", "capture_date",
            "dir3_body",
        ]  # fmt: skip


class CaseDeadlineEventSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(help_text="suspend, resume or extend")

    class Meta:
        model = DeadlineEvent
        fields = ["kind", "day", "reason", "previous_due_date", "new_due_date", "created_at"]


class CaseTaskSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    case_id = serializers.IntegerField(read_only=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True)

    class Meta:
        model = CaseTask
        fields = ["id", "case", "case_id", "title", "assignee", "due_date", "done_at"]


class CaseStatusEventSerializer(serializers.ModelSerializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    overridden = serializers.BooleanField(source="is_override")
    missing = serializers.SerializerMethodField()

    class Meta:
        model = CaseStatusEvent
        fields = ["from_status", "to_status", "reason", "overridden", "missing", "created_at"]

    def get_missing(self, event: CaseStatusEvent) -> list[str]:
        return [
            services.missing_message(item.get("code", ""), item.get("params", {}))
            for item in event.missing
        ]


class CaseDetailSerializer(CaseListSerializer):
    parties = CasePartySerializer(many=True)
    documents = CaseDocumentRowSerializer(many=True)
    tasks = CaseTaskSerializer(many=True)
    deadline_events = CaseDeadlineEventSerializer(many=True)
    status_events = CaseStatusEventSerializer(many=True)
    origin_entry = serializers.CharField(source="origin_entry.number", default=None)
    related_cases: Any = serializers.SlugRelatedField(
        slug_field="number", many=True, read_only=True
    )
    required_documents = serializers.ListField(source="procedure.required_document_list")

    def to_representation(self, instance: Case) -> dict[str, Any]:
        # The generic walk over every field (the list's written-out version covers only its own).
        return serializers.ModelSerializer.to_representation(self, instance)

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields, "origin_entry", "resolved_at", "closed_at",
            "archived_at", "parties", "documents", "tasks", "deadline_events", "status_events",
            "related_cases", "required_documents",
        ]  # fmt: skip


class CaseCreateSerializer(serializers.Serializer):
    procedure = serializers.IntegerField()
    subject = serializers.CharField(max_length=240, required=False, allow_blank=True)
    origin_entry = serializers.CharField(
        max_length=40, required=False, allow_blank=True,
        help_text="Number of a registry entry of this organization; its parties come along.",
    )  # fmt: skip
    responsible = serializers.IntegerField(required=False, allow_null=True)
    parties = CasePartySerializer(many=True, required=False)


class CaseReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    day = serializers.DateField(required=False)


class CaseExtendSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
    amount = serializers.IntegerField(min_value=1, max_value=3650)


class CasePhaseChangeSerializer(serializers.Serializer):
    phase = serializers.CharField(max_length=40)


class CaseStatusChangeSerializer(serializers.Serializer):
    status = serializers.CharField(max_length=10, help_text="resolved, closed or archived")
    override_reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True,
        help_text=(
            "Resolving and closing check the procedure's rules (final phase, required documents, "
            "tasks done, notifications accepted or rejected); what is missing refuses the change "
            "with 400 and the list under `missing`, unless this reason is given, which is recorded."
        ),
    )  # fmt: skip


class CaseReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CaseRelateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)


class CaseDocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.INTERNAL)
    document_type = serializers.ChoiceField(
        choices=EniDocumentType.choices, default=EniDocumentType.TD99
    )
    origin = serializers.ChoiceField(choices=EniOrigin.choices, default=EniOrigin.ADMINISTRATION)
    elaboration_state = serializers.ChoiceField(
        choices=EniElaborationState.choices, default=EniElaborationState.EE01
    )


class CaseVersionUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class CaseVisibilitySerializer(serializers.Serializer):
    visibility = serializers.ChoiceField(choices=Visibility.choices)


class CaseTaskCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    assignee = serializers.IntegerField()
    due_date = serializers.DateField(required=False, allow_null=True)


class CaseNotificationSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", read_only=True)
    document = serializers.IntegerField(source="case_document_id", read_only=True)
    party = serializers.IntegerField(source="party_id", read_only=True)
    registry_entry = serializers.CharField(source="registry_entry.number", read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="available, accepted, rejected or deemed_rejected"
    )

    class Meta:
        model = Notification
        fields = [
            "id", "case", "document", "party", "id_number", "registry_entry", "status",
            "made_available_at", "alerted_at", "accessed_at", "resolved_at",
        ]  # fmt: skip
        read_only_fields = fields


class CaseNotifySerializer(serializers.Serializer):
    document = serializers.IntegerField(help_text="Id of a signed document of the case.")
    party = serializers.IntegerField(help_text="Id of an interested party of the case.")


class CaseDocumentTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentTemplate
        fields = ["id", "name", "document_type", "body", "is_active"]
        read_only_fields = ["id"]


class CaseGenerateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    template = serializers.IntegerField(required=False, allow_null=True,
                                        help_text="Id of a document template.")  # fmt: skip
    template_text = serializers.CharField(max_length=20000, required=False, allow_blank=True,
                                          help_text="The text; the template's when empty.")  # fmt: skip
    document_type = serializers.ChoiceField(choices=EniDocumentType.choices, required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, default=Visibility.INTERNAL)


class CaseDecreeSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", default=None, read_only=True)
    signed_by = serializers.CharField(source="signed_by.username", default=None, read_only=True)
    noted_by = serializers.CharField(source="noted_by.username", default=None, read_only=True)
    status = serializers.CharField(read_only=True, help_text="draft, signed or numbered")

    class Meta:
        model = Decree
        fields = [
            "id", "number", "year", "sequence", "status", "title", "body", "case", "signed_at",
            "signed_by", "noted_at", "noted_by",
        ]  # fmt: skip
        read_only_fields = fields


class CaseDecreeCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=240)
    body = serializers.CharField(max_length=20000)
    case = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                 help_text="Number of a case file of this organization.")  # fmt: skip


# --- procedures ----------------------------------------------------------------------------------
class ProcedureViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """This organization's procedure catalogue."""

    permission = "procedures.view"
    write_permission = "procedures.manage"
    serializer_class = CaseProcedureSerializer
    module = "cases"

    def get_queryset(self) -> Any:
        return selectors.procedures(org=self.request.org).order_by("name", "pk")

    @extend_schema(
        request=CaseProcedureSerializer, responses={201: CaseProcedureSerializer, 400: ERRORS}
    )
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = CaseProcedureSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        procedure = services.procedure_create(
            org=request.org,
            actor=request.user,
            **data.validated_data,
        )
        return Response(CaseProcedureSerializer(procedure).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CaseProcedureSerializer, responses={200: CaseProcedureSerializer, 400: ERRORS}
    )
    def partial_update(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        procedure = self.get_object()
        data = CaseProcedureSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        procedure = services.procedure_update(
            org=request.org, actor=request.user, procedure=procedure,
            **data.validated_data,
        )  # fmt: skip
        return Response(CaseProcedureSerializer(procedure).data)


class TemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The provider's procedure templates, which a member adopts into its own catalogue."""

    permission = "procedures.view"
    action_permissions = {"adopt": "procedures.manage"}
    serializer_class = CaseTemplateSerializer
    module = "cases"

    def get_queryset(self) -> Any:
        return selectors.procedure_templates()

    @extend_schema(
        request=CaseAdoptSerializer, responses={201: CaseProcedureSerializer, 400: ERRORS}
    )
    @action(detail=True, methods=["post"])
    def adopt(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        template = self.get_object()
        data = CaseAdoptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        procedure = services.procedure_adopt(
            org=request.org, actor=request.user, template=template,
            code=data.validated_data.get("code", ""),
        )  # fmt: skip
        return Response(CaseProcedureSerializer(procedure).data, status=status.HTTP_201_CREATED)


# --- case files ----------------------------------------------------------------------------------
CASE_FILTERS = [
    OpenApiParameter("q", str, description="Words in the number, subject, procedure or parties."),
    OpenApiParameter("status", str, description="open, suspended, resolved, closed, archived"),
    OpenApiParameter("mine", bool, description="Only cases I am responsible for."),
    OpenApiParameter("party", str, description="Identity document number of a party."),
    OpenApiParameter("overdue", bool, description="Only open cases past their due date."),
]


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Case files of this organization, newest first."""

    permission = "cases.view"
    write_permission = "cases.manage"
    module = "cases"
    parser_classes = [BoundedJSONParser, MultiPartParser]
    pagination_class = CappedPagination

    def get_serializer_class(self) -> Any:
        return CaseDetailSerializer if self.action != "list" else CaseListSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "today": selectors.today_for(self.request.org)}

    def get_queryset(self) -> Any:
        params = self.request.query_params
        status_filter = params.get("status", "")
        if status_filter and status_filter not in CaseStatus.values:
            raise ValidationError({"status": [_("Unknown status.")]})
        rows = selectors.cases(
            org=self.request.org,
            q=params.get("q", "")[:100],
            status=status_filter,
            responsible=self.request.user if params.get("mine") in ("1", "true") else None,
            party_id_number=params.get("party", "")[:20],
            overdue_on=selectors.today_for(self.request.org)
            if params.get("overdue") in ("1", "true")
            else None,
        )
        # The list reads only what CaseListSerializer shows, not every column of three tables.
        return selectors.case_api_list_rows(rows) if self.action == "list" else rows

    def get_object(self) -> Case:
        return _object(selectors.case_get, org=self.request.org, pk=self.kwargs["pk"])

    def detail_response(self, case: Case, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.case_get(org=self.request.org, pk=case.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(parameters=CASE_FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseDetailSerializer, 400: ERRORS})
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        org = request.org
        procedure = selectors.procedures(org=org).filter(pk=values["procedure"]).first()
        if procedure is None:
            raise ValidationError({"procedure": [_("Unknown procedure.")]})
        responsible = None
        if values.get("responsible"):
            responsible = selectors.staff(org=org).filter(pk=values["responsible"]).first()
            if responsible is None:
                raise ValidationError({"responsible": [_("Nobody with a role here has this id.")]})
        arguments = {
            "org": org, "actor": request.user, "procedure": procedure,
            "subject": values.get("subject", ""), "responsible": responsible,
        }  # fmt: skip
        parties = values.get("parties", [])
        if values.get("origin_entry"):
            entry = (
                registry_selectors.entries(org=org).filter(number=values["origin_entry"]).first()
            )
            if entry is None:
                raise ValidationError({"origin_entry": [_("No registry entry has this number.")]})
            case = services.case_open_from_entry(entry=entry, parties=parties, **arguments)
        else:
            case = services.case_open(parties=parties, **arguments)
        return self.detail_response(case, status.HTTP_201_CREATED)

    def _run(self, serializer_class: Any, run: Any) -> Response:
        case = self.get_object()
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        run(case, dict(data.validated_data))
        return self.detail_response(case)

    def _kw(self) -> dict[str, Any]:
        return {"org": self.request.org, "actor": self.request.user}

    @extend_schema(
        request=CasePhaseChangeSerializer, responses={200: CaseDetailSerializer, 400: ERRORS}
    )
    @action(detail=True, methods=["post"])
    def phase(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        return self._run(CasePhaseChangeSerializer,
                         lambda c, v: services.case_change_phase(case=c, **v, **self._kw()))  # fmt: skip

    @extend_schema(request=CaseReasonSerializer, responses={200: CaseDetailSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def suspend(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        return self._run(CaseReasonSerializer,
                         lambda c, v: services.case_suspend(case=c, **v, **self._kw()))  # fmt: skip

    @extend_schema(request=CaseReasonSerializer, responses={200: CaseDetailSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def resume(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        return self._run(CaseReasonSerializer,
                         lambda c, v: services.case_resume(case=c, **v, **self._kw()))  # fmt: skip

    @extend_schema(request=CaseExtendSerializer, responses={200: CaseDetailSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def extend(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        return self._run(CaseExtendSerializer,
                         lambda c, v: services.case_extend(case=c, **v, **self._kw()))  # fmt: skip

    @extend_schema(
        request=CaseStatusChangeSerializer, responses={200: CaseDetailSerializer, 400: ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="status")
    def change_status(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        return self._run(CaseStatusChangeSerializer,
                         lambda c, v: services.case_set_status(case=c, **v, **self._kw()))  # fmt: skip

    @extend_schema(request=CaseReopenSerializer, responses={200: CaseDetailSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def reopen(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        return self._run(CaseReopenSerializer,
                         lambda c, v: services.case_reopen(case=c, **v, **self._kw()))  # fmt: skip

    @extend_schema(request=CasePartySerializer, responses={200: CaseDetailSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def parties(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        return self._run(CasePartySerializer,
                         lambda c, v: services.case_party_add(case=c, **v, **self._kw()))  # fmt: skip

    @extend_schema(request=CaseRelateSerializer, responses={200: CaseDetailSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def relate(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        def run(case: Case, values: dict[str, Any]) -> None:
            other = selectors.cases(org=self.request.org).filter(number=values["number"]).first()
            if other is None:
                raise ValidationError({"number": [_("No case file has this number.")]})
            services.case_relate(case=case, other=other, **self._kw())

        return self._run(CaseRelateSerializer, run)

    @extend_schema(
        request=CaseTaskCreateSerializer, responses={200: CaseDetailSerializer, 400: ERRORS}
    )
    @action(detail=True, methods=["post"])
    def tasks(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        def run(case: Case, values: dict[str, Any]) -> None:
            assignee = selectors.staff(org=self.request.org).filter(pk=values["assignee"]).first()
            if assignee is None:
                raise ValidationError({"assignee": [_("Nobody with a role here has this id.")]})
            services.task_create(case=case, title=values["title"], assignee=assignee,
                                 due_date=values.get("due_date"), **self._kw())  # fmt: skip

        return self._run(CaseTaskCreateSerializer, run)

    @extend_schema(
        request={"multipart/form-data": CaseDocumentUploadSerializer},
        responses={201: CaseDocumentRowSerializer, 400: ERRORS},
    )
    @action(detail=True, methods=["post"])
    def documents(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        case = self.get_object()
        data = CaseDocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        row = services.case_document_add(
            case=case, uploaded_file=values.pop("file"), **values, **self._kw()
        )
        return Response(CaseDocumentRowSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CaseGenerateSerializer, responses={201: CaseDocumentRowSerializer, 400: ERRORS}
    )
    @action(detail=True, methods=["post"])
    def generate(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        """Write a PDF document from a template or a text with merge fields."""
        case = self.get_object()
        data = CaseGenerateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        template = None
        if values.get("template"):
            template = (
                selectors.document_templates(org=request.org).filter(pk=values["template"]).first()
            )
            if template is None:
                raise ValidationError({"template": [_("Unknown template.")]})
        values["template"] = template
        row = services.case_document_generate(case=case, **values, **self._kw())
        return Response(CaseDocumentRowSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CaseNotifySerializer, responses={201: CaseNotificationSerializer, 400: ERRORS}
    )
    @action(detail=True, methods=["post"])
    def notify(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        """Notify a signed document of the case to one of its parties (art. 43)."""
        case = self.get_object()
        data = CaseNotifySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = next(
            (d for d in case.documents.all() if d.pk == data.validated_data["document"]), None
        )
        party = next((p for p in case.parties.all() if p.pk == data.validated_data["party"]), None)
        if row is None or party is None:
            raise ValidationError(
                {"document" if row is None else "party": [_("Not in this case file.")]}
            )
        notification = services.notification_send(case_document=row, party=party, **self._kw())
        return Response(
            CaseNotificationSerializer(notification).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="index-pdf",
            renderer_classes=[JSONRenderer, PassthroughRenderer])  # fmt: skip
    def index_pdf(self, request: TenantAPIRequest, org_slug: str, pk: int) -> HttpResponseBase:
        """The foliated index of the case."""
        case = self.get_object()
        try:
            content = services.case_index_pdf(org=request.org, case=case)
        except DocumentIntegrityError as exc:
            raise DocumentIntegrityFailed from exc
        return _attachment(content, "application/pdf", f"index-{case.year}-{case.sequence}.pdf")

    @extend_schema(
        request=None, responses={(200, "application/zip"): OpenApiTypes.BINARY, 400: ERRORS}
    )
    @action(detail=True, methods=["post"], url_path="eni-export",
            renderer_classes=[JSONRenderer, PassthroughRenderer])  # fmt: skip
    def eni_export(self, request: TenantAPIRequest, org_slug: str, pk: int) -> HttpResponseBase:
        """A closed case as an ENI package: signed index, metadata, documents, foliated index."""
        case = self.get_object()
        try:
            content = services.case_export_eni(case=case, **self._kw())
        except DocumentIntegrityError as exc:
            raise DocumentIntegrityFailed from exc
        return _attachment(content, "application/zip", f"eni-{case.year}-{case.sequence}.zip")


class CaseDocumentViewSet(mixins.RetrieveModelMixin, TenantViewSet):
    """One document of a case: its versions, a new version, visibility, signing, download."""

    permission = "cases.view"
    write_permission = "cases.manage"
    action_permissions = {"sign": "cases.sign"}
    serializer_class = CaseDocumentRowSerializer
    module = "cases"
    parser_classes = [BoundedJSONParser, MultiPartParser]

    def get_object(self) -> CaseDocument:
        case = _object(selectors.case_get, org=self.request.org, pk=self.kwargs["case_pk"])
        return _object(
            selectors.case_document_get, org=self.request.org, case=case, pk=self.kwargs["pk"]
        )

    def get_queryset(self) -> Any:  # for the schema only; objects come from get_object()
        return CaseDocument.objects.none()

    def _kw(self) -> dict[str, Any]:
        return {"org": self.request.org, "actor": self.request.user}

    @extend_schema(
        request={"multipart/form-data": CaseVersionUploadSerializer},
        responses={200: CaseDocumentRowSerializer, 400: ERRORS},
    )
    @action(detail=True, methods=["post"])
    def versions(self, request: TenantAPIRequest, org_slug: str, case_pk: int, pk: int) -> Response:
        row = self.get_object()
        data = CaseVersionUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_document_new_version(
            case_document=row, uploaded_file=data.validated_data["file"], **self._kw()
        )
        return Response(CaseDocumentRowSerializer(row).data)

    @extend_schema(
        request=CaseVisibilitySerializer, responses={200: CaseDocumentRowSerializer, 400: ERRORS}
    )
    @action(detail=True, methods=["post"])
    def visibility(
        self, request: TenantAPIRequest, org_slug: str, case_pk: int, pk: int
    ) -> Response:
        row = self.get_object()
        data = CaseVisibilitySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.case_document_set_visibility(
            case_document=row, **data.validated_data, **self._kw()
        )
        return Response(CaseDocumentRowSerializer(row).data)

    @extend_schema(request=None, responses={200: CaseDocumentRowSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def sign(self, request: TenantAPIRequest, org_slug: str, case_pk: int, pk: int) -> Response:
        row = self.get_object()
        services.case_document_sign(case_document=row, **self._kw())
        return Response(CaseDocumentRowSerializer(row).data)

    @extend_schema(
        summary="Download the current version",
        responses={(200, "*/*"): DOCUMENT_DOWNLOAD_RESPONSE},
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PassthroughRenderer])
    def download(
        self, request: TenantAPIRequest, org_slug: str, case_pk: int, pk: int
    ) -> HttpResponseBase:
        return _download(request.org, self.get_object().document)


# --- tasks ---------------------------------------------------------------------------------------
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Tasks of this organization's cases; `?mine=1` for mine, `?open=1` for pending ones."""

    permission = "cases.view"
    write_permission = "cases.manage"
    serializer_class = CaseTaskSerializer
    module = "cases"

    def get_queryset(self) -> Any:
        params = self.request.query_params
        return selectors.tasks(
            org=self.request.org,
            assignee=self.request.user if params.get("mine") in ("1", "true") else None,
            open_only=params.get("open") in ("1", "true"),
        )

    @extend_schema(parameters=[OpenApiParameter("mine", bool), OpenApiParameter("open", bool)])
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=None, responses={200: CaseTaskSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def complete(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        task = self.get_object()
        services.task_complete(org=request.org, actor=request.user, task=task)
        return Response(CaseTaskSerializer(task).data)


# --- decrees -------------------------------------------------------------------------------------
class DecreeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Decrees: drafts, signed ones and the book (`?book=1&from=&to=`, in number order)."""

    permission = "decrees.view"
    write_permission = "decrees.create"
    action_permissions = {"sign": "decrees.sign", "take_note": "decrees.note"}
    serializer_class = CaseDecreeSerializer
    module = "cases"

    def _period(self) -> dict[str, Any]:
        field = serializers.DateField()
        period = {}
        for param, key in (("from", "date_from"), ("to", "date_to")):
            raw = self.request.query_params.get(param)
            if raw:
                try:
                    period[key] = field.to_internal_value(raw)
                except serializers.ValidationError as exc:
                    raise ValidationError({param: exc.detail}) from exc
        return period

    def get_queryset(self) -> Any:
        if self.request.query_params.get("book") in ("1", "true"):
            return selectors.decree_book(org=self.request.org, **self._period())
        return selectors.decrees(org=self.request.org)

    @extend_schema(parameters=[
        OpenApiParameter("book", bool, description="Only numbered decrees, in book order."),
        OpenApiParameter("from", OpenApiTypes.DATE), OpenApiParameter("to", OpenApiTypes.DATE),
    ])  # fmt: skip
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=CaseDecreeCreateSerializer, responses={201: CaseDecreeSerializer, 400: ERRORS}
    )
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = CaseDecreeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = None
        if values.get("case"):
            case = selectors.cases(org=request.org).filter(number=values["case"]).first()
            if case is None:
                raise ValidationError({"case": [_("No case file has this number.")]})
        decree = services.decree_create(
            org=request.org, actor=request.user, title=values["title"],
            body=values["body"], case=case,
        )  # fmt: skip
        return Response(CaseDecreeSerializer(decree).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CaseDecreeSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def sign(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        decree = self.get_object()
        services.decree_sign(org=request.org, actor=request.user, decree=decree)
        return Response(CaseDecreeSerializer(decree).data)

    @extend_schema(request=None, responses={200: CaseDecreeSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"], url_path="take-note")
    def take_note(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        decree = self.get_object()
        services.decree_take_note(org=request.org, actor=request.user, decree=decree)
        return Response(CaseDecreeSerializer(decree).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PassthroughRenderer])
    def pdf(self, request: TenantAPIRequest, org_slug: str, pk: int) -> HttpResponseBase:
        decree = self.get_object()
        if decree.document is None:
            raise Http404
        return _download(request.org, decree.document)

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE),
            OpenApiParameter("to", OpenApiTypes.DATE),
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], url_path="book-pdf",
            renderer_classes=[JSONRenderer, PassthroughRenderer])  # fmt: skip
    def book_pdf(self, request: TenantAPIRequest, org_slug: str) -> HttpResponseBase:
        period = self._period()
        rows = selectors.decree_book(org=request.org, **period)
        content = pdfs.decree_book_pdf(
            org=request.org, decrees=rows,
            date_from=period.get("date_from"), date_to=period.get("date_to"),
        )  # fmt: skip
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="decrets-{org_slug}.pdf"'
        return response


# --- notifications -------------------------------------------------------------------------------
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Notifications sent from this organization's cases, newest first."""

    permission = "cases.view"
    serializer_class = CaseNotificationSerializer
    module = "cases"

    def get_queryset(self) -> Any:
        return selectors.notifications(org=self.request.org)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PassthroughRenderer])
    def proof(self, request: TenantAPIRequest, org_slug: str, pk: int) -> HttpResponseBase:
        """The proof of notification (PDF)."""
        notification = _object(selectors.notification_get, org=request.org, pk=pk)
        content = services.notification_proof(org=request.org, notification=notification)
        return _attachment(content, "application/pdf", f"notification-{notification.pk}.pdf")


# --- document templates --------------------------------------------------------------------------
class DocumentTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Texts with merge fields that case documents are written from."""

    permission = "cases.view"
    write_permission = "procedures.manage"
    serializer_class = CaseDocumentTemplateSerializer
    module = "cases"

    def get_queryset(self) -> Any:
        return selectors.document_templates(org=self.request.org)

    @extend_schema(
        request=CaseDocumentTemplateSerializer,
        responses={201: CaseDocumentTemplateSerializer, 400: ERRORS},
    )
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = CaseDocumentTemplateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        template = services.document_template_save(
            org=request.org, actor=request.user, **data.validated_data
        )
        return Response(
            CaseDocumentTemplateSerializer(template).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=CaseDocumentTemplateSerializer,
        responses={200: CaseDocumentTemplateSerializer, 400: ERRORS},
    )
    def partial_update(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        template = self.get_object()
        current = CaseDocumentTemplateSerializer(template).data
        data = CaseDocumentTemplateSerializer(data={**current, **body_object(request)})
        data.is_valid(raise_exception=True)
        template = services.document_template_save(
            org=request.org, actor=request.user, template=template, **data.validated_data
        )
        return Response(CaseDocumentTemplateSerializer(template).data)
