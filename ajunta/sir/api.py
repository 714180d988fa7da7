"""SIR API: interchanges (trays, detail with trace, send, accept, reject, forward), SICRES file import,
and the DIR3 directory (search, CSV import).

Thin: serializers check shapes, services.py holds every rule. A service's ValidationError answers
400 with field messages (core.rest); a refused SICRES document answers 400 with its SICRES error
code under `code` and the reason under `detail`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ajunta.core.api import TenantAPIView, TenantViewSet
from ajunta.registry import selectors as registry_selectors
from ajunta.sir import selectors, services, sicres
from ajunta.sir.models import DirectoryEntry, Interchange, InterchangeAttachment, InterchangeEvent
from ajunta.sir.selectors import TRAYS
from ajunta.sir.sicres import SicresError

SICRES_ERROR_RESPONSE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=gettext_lazy('A refused SICRES document: {"code": "0037", "detail": "..."}.'),
)


# --- serializers ----------------------------------------------------------------------------------
class EventSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = InterchangeEvent
        fields = ["state", "at", "actor", "note"]

    def get_actor(self, event: InterchangeEvent) -> str:
        return event.actor.get_username() if event.actor else ""


class InterchangeAttachmentSerializer(serializers.ModelSerializer):
    """An attachment; one that came without its content (`received` false) has no size, SHA-256
    nor document, only what the sender described."""

    name = serializers.SerializerMethodField()
    size = serializers.IntegerField(source="document.size", allow_null=True)
    sha256 = serializers.CharField(source="document.sha256", allow_null=True)
    document = serializers.UUIDField(source="document.pk", allow_null=True)
    received = serializers.BooleanField(source="is_received")

    class Meta:
        model = InterchangeAttachment
        fields = [
            "file_identifier", "name", "size", "sha256", "validity", "kind", "document",
            "received", "hash_algorithm", "hash_encoding", "signs_file_identifier",
        ]  # fmt: skip

    def get_name(self, attachment: InterchangeAttachment) -> str:
        return attachment.document.name if attachment.document else attachment.name


class InterchangeRowSerializer(serializers.ModelSerializer):
    entry = serializers.SerializerMethodField()

    class Meta:
        model = Interchange
        fields = [
            "id", "identifier", "side", "state", "delivery", "origin_code", "origin_name",
            "origin_entry_number", "origin_entry_at", "destination_code", "destination_name",
            "destination_unit_code", "destination_entry_number", "destination_entry_at",
            "summary", "reason", "error_code", "is_test", "entry", "created_at", "updated_at",
        ]  # fmt: skip

    def get_entry(self, row: Interchange) -> str | None:
        return row.entry.number if row.entry_id and row.entry else None


class InterchangeDetailSerializer(InterchangeRowSerializer):
    events = EventSerializer(many=True)
    attachments = InterchangeAttachmentSerializer(many=True)
    parties = serializers.SerializerMethodField()

    class Meta(InterchangeRowSerializer.Meta):
        fields = [*InterchangeRowSerializer.Meta.fields, "parties", "attachments", "events"]

    def get_parties(self, row: Interchange) -> list[dict[str, str]]:
        """The De_Interesado segments as received (SICRES element names)."""
        parties: list[dict[str, str]] = row.content.get("De_Interesado", [])
        return parties


class SendSerializer(serializers.Serializer):
    entry = serializers.IntegerField(help_text=gettext_lazy("Id of a registered outgoing entry."))
    destination_code = serializers.CharField(max_length=9)
    destination_unit_code = serializers.CharField(max_length=9, required=False, allow_blank=True)
    is_test = serializers.BooleanField(default=False)


class AcceptSerializer(serializers.Serializer):
    destination_unit = serializers.IntegerField(
        required=False, allow_null=True, help_text=gettext_lazy("Registry unit id to route to.")
    )


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=services.REJECTION_REASON_MAX)


class ForwardSerializer(serializers.Serializer):
    destination_code = serializers.CharField(max_length=9)
    destination_unit_code = serializers.CharField(max_length=9, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=80, required=False, allow_blank=True)


class DirectorySerializer(serializers.ModelSerializer):
    # A plain string in the schema: `kind` names other enums too (drf-spectacular would warn).
    kind = serializers.CharField(help_text="office or unit")
    member = serializers.SerializerMethodField()

    class Meta:
        model = DirectoryEntry
        fields = ["id", "code", "name", "kind", "parent_code", "is_own", "member"]

    def get_member(self, row: DirectoryEntry) -> str | None:
        """The member organization it delivers to on this platform (its slug), if any."""
        return row.organization.slug if row.is_own else None


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


# --- parsers --------------------------------------------------------------------------------------
class SicresXmlParser(BaseParser):
    """A raw SICRES document as the body, read from the stream up to the cap (never past it)."""

    media_type = "application/xml"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = sicres.max_xml_bytes()
        data = stream.read(limit + 1) if stream is not None else b""
        return {"xml": data}


class TextXmlParser(SicresXmlParser):
    media_type = "text/xml"


def _sicres_refusal(error: SicresError) -> Response:
    return Response(
        {"code": error.code, "detail": error.message}, status=status.HTTP_400_BAD_REQUEST
    )


# --- views ----------------------------------------------------------------------------------------
class InterchangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Interchanges of this organization, sent and received. No PUT, PATCH or DELETE: an
    interchange only moves on through its states."""

    permission = "sir.view"
    module = "sir"
    action_permissions = {"create": "sir.send", "accept": "sir.receive",
                          "reject": "sir.receive", "forward": "sir.receive"}  # fmt: skip

    def get_queryset(self) -> Any:
        params = self.request.query_params
        if self.action == "list":
            return selectors.interchanges(
                org=self.request.org, tray=params.get("tray", "all"), q=params.get("q", "")[:80]
            )
        return selectors.interchanges(org=self.request.org)

    def get_serializer_class(self) -> Any:
        return InterchangeRowSerializer if self.action == "list" else InterchangeDetailSerializer

    def get_object(self) -> Interchange:
        try:
            return selectors.interchange_get(org=self.request.org, pk=int(self.kwargs["pk"]))
        except (Interchange.DoesNotExist, ValueError) as exc:
            raise Http404 from exc

    def _detail(self, row: Interchange, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.interchange_get(org=self.request.org, pk=row.pk)
        response = Response(InterchangeDetailSerializer(fresh).data, status=code)
        response["Location"] = reverse(
            "sir-interchange-detail", args=[self.request.org.slug, row.pk]
        )
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "tray", str, enum=list(TRAYS), description=gettext_lazy("Default: all.")
            ),
            OpenApiParameter(
                "q", str, description=gettext_lazy("Identifier, entry number or summary.")
            ),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=SendSerializer,
        responses={201: InterchangeDetailSerializer, 400: OpenApiTypes.OBJECT},
    )
    def create(self, request: Request, org_slug: str) -> Response:
        """Send an outgoing registry entry to a DIR3 destination."""
        data = SendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = self.request.org
        try:
            entry = registry_selectors.entries(org=org).get(pk=data.validated_data["entry"])
        except ObjectDoesNotExist as exc:
            raise ValidationError(
                {"entry": [gettext_lazy("No such entry in this organization.")]}
            ) from exc
        row = services.interchange_send(
            org=org, actor=request.user, entry=entry,
            destination_code=data.validated_data["destination_code"],
            destination_unit_code=data.validated_data.get("destination_unit_code", ""),
            is_test=data.validated_data["is_test"],
        )  # fmt: skip
        return self._detail(row, status.HTTP_201_CREATED)

    @extend_schema(request=AcceptSerializer, responses={200: InterchangeDetailSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, org_slug: str, pk: str) -> Response:
        """Register the pending interchange here and confirm the number to the sender."""
        row = self.get_object()
        data = AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        unit = None
        unit_id = data.validated_data.get("destination_unit")
        if unit_id:
            unit = (
                registry_selectors.units(org=self.request.org, active_only=True)
                .filter(pk=unit_id)
                .first()
            )
            if unit is None:
                raise ValidationError(
                    {
                        "destination_unit": [
                            gettext_lazy("Choose one of this organization's active units.")
                        ]
                    }
                )
        row = services.interchange_accept(org=self.request.org, actor=request.user, interchange=row,
                                          destination_unit=unit)  # fmt: skip
        return self._detail(row)

    @extend_schema(request=RejectSerializer, responses={200: InterchangeDetailSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, org_slug: str, pk: str) -> Response:
        """Return the pending interchange to its sender with a reason."""
        row = self.get_object()
        data = RejectSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.interchange_reject(org=self.request.org, actor=request.user, interchange=row,
                                          reason=data.validated_data["reason"])  # fmt: skip
        return self._detail(row)

    @extend_schema(request=ForwardSerializer, responses={200: InterchangeDetailSerializer})
    @action(detail=True, methods=["post"])
    def forward(self, request: Request, org_slug: str, pk: str) -> Response:
        """Pass the pending interchange on to a third office."""
        row = self.get_object()
        data = ForwardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.interchange_forward(org=self.request.org, actor=request.user, interchange=row,
                                           **data.validated_data)  # fmt: skip
        return self._detail(row)


class SicresImportView(TenantAPIView):
    """Import a SICRES 3 document: the raw XML as the body (application/xml), or a multipart
    `file`. An interchange file lands in the pending tray; a rejection or a message updates the
    interchange it answers. Refused documents write nothing."""

    permission = "sir.receive"
    module = "sir"
    parser_classes = [SicresXmlParser, TextXmlParser, MultiPartParser]

    @extend_schema(
        request={
            "application/xml": OpenApiTypes.BINARY,
            "multipart/form-data": FileUploadSerializer,
        },
        responses={201: InterchangeDetailSerializer, 400: SICRES_ERROR_RESPONSE},
    )
    def post(self, request: Request, org_slug: str) -> Response:
        org = self.request.org
        data = request.data
        xml = data.get("xml") if isinstance(data, dict) else None
        if xml is None:
            upload = request.FILES.get("file")
            if upload is None:
                raise ValidationError(
                    {"file": [gettext_lazy("Send the SICRES XML as the body or as `file`.")]}
                )
            xml = upload.read(sicres.max_xml_bytes() + 1)
        try:
            row = services.sicres_import(org=org, actor=request.user, xml=xml)
        except SicresError as error:
            return _sicres_refusal(error)
        fresh = selectors.interchange_get(org=org, pk=row.pk)
        return Response(InterchangeDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)


class OwnDirectoryEntrySerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="office or unit")
    code = serializers.CharField(max_length=9)
    name = serializers.CharField(max_length=80)


class DirectoryViewSet(mixins.ListModelMixin, TenantViewSet):
    """The DIR3 directory this organization may send to: members' own offices and units, and the
    external ones it imported."""

    permission = "sir.view"
    module = "sir"
    serializer_class = DirectorySerializer
    action_permissions = {"import_csv": "registry.settings", "create": "registry.settings"}

    def get_queryset(self) -> Any:
        return selectors.directory(
            org=self.request.org, q=self.request.query_params.get("q", "")[:80]
        )

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description=gettext_lazy("Code or name."))]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=OwnDirectoryEntrySerializer, responses={201: DirectorySerializer})
    def create(self, request: Request, org_slug: str) -> Response:
        """Declare one of this organization's own offices or units."""
        data = OwnDirectoryEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.directory_entry_add(
            org=self.request.org, actor=request.user, is_own=True, **data.validated_data
        )
        return Response(DirectorySerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": FileUploadSerializer}, responses={200: OpenApiTypes.OBJECT}
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_csv(self, request: Request, org_slug: str) -> Response:
        """Add or rename external offices and units from a CSV (code,name,kind,parent)."""
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": [gettext_lazy("Send the CSV as `file`.")]})
        if upload.size > 2 * 1024 * 1024:
            raise ValidationError({"file": [gettext_lazy("The CSV may be at most 2 MB.")]})
        count = services.directory_import_csv(
            org=self.request.org, actor=request.user, data=upload.read()
        )
        return Response({"rows": count})
