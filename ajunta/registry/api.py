"""Registry API: the book of entries (list, file, detail, annul, rectify, acknowledge, receipt) and units.

Thin: serializers check shapes and types, the services in registry.services hold every rule.
Nothing registered changes, so entries have no PUT, PATCH or DELETE (they answer 405).
A filing arrives as JSON with base64 attachments, or as multipart/form-data with the same JSON in a
`data` part and the files as `attachments` parts. Attachment counts and sizes are checked before
any base64 is decoded, and a body too large to be a valid filing is refused before it is read.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import QuerySet
from django.http import Http404, HttpResponseBase
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from ajunta.core import idempotency
from ajunta.core.api import TenantViewSet
from ajunta.core.documents import DocumentIntegrityError, document_open
from ajunta.core.documents_api import DocumentIntegrityFailed, PassthroughRenderer
from ajunta.core.documents_views import document_file_response
from ajunta.core.idempotency import HEADER as IDEMPOTENCY_KEY_HEADER
from ajunta.core.idempotency import idempotency_key
from ajunta.core.idempotency import request_digest as filing_digest
from ajunta.core.jsonbody import BoundedJSONParser, JSONBodyError, json_loads_bounded
from ajunta.core.languages import with_translations
from ajunta.registry import selectors, services
from ajunta.registry.models import (
    AttachmentKind,
    Channel,
    Direction,
    EntryAttachment,
    EntryStatus,
    IdType,
    InterestedParty,
    PartyRole,
    PersonType,
    PreferredChannel,
    RegistryEntry,
    Unit,
    Validity,
)

# Room for everything in a filing but its attachments (texts, parties, JSON and multipart framing).
FILING_OVERHEAD_BYTES = 1024 * 1024

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_KEY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=gettext_lazy(
        "Optional, at most 80 characters. A retry with the same key and the same body by the same "
        "user registers nothing new and answers 200 with the entry the first request registered. "
        "The same key with a different body answers 422 and registers nothing. Two retries "
        "racing each other may both answer 201, with that same entry. Use a fresh key (e.g. a "
        "UUID) per filing."
    ),
)
ERRORS_RESPONSE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=gettext_lazy(
        'Field messages, e.g. {"summary": [...], "parties[0].id_number": [...], '
        '"attachments[1]": [...]}; messages not about one field come under "detail".'
    ),
)
NOT_FOUND_RESPONSE = OpenApiResponse(
    description=gettext_lazy("No such entry in this organization.")
)
KIND_HELP = "01 form, 02 document attached to the form, 03 internal technical file (SICRES)."


class IdempotencyKeyConflict(idempotency.IdempotencyKeyConflict):
    def __init__(self, number: str) -> None:
        super().__init__(
            _(
                "This Idempotency-Key was already used for entry %(number)s with a different "
                "body. Nothing was registered: send this filing with a new key."
            )
            % {"number": number}
        )


IDEMPOTENCY_CONFLICT_RESPONSE = idempotency.CONFLICT_RESPONSE


class FilingTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request is larger than any filing may be.")
    default_code = "too_large"


@extend_schema_field({"type": "string", "description": KIND_HELP})
class AttachmentKindField(serializers.ChoiceField):
    """Attachment kind (SICRES Tipo_Documento). A plain string in the schema: `kind` is also an
    organization's field, and two enums sharing a property name make drf-spectacular warn."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AttachmentKind.choices, **kwargs)


# --- output serializers ----------------------------------------------------------------------------
class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "dir3_code", "is_active"]
        read_only_fields = ["id", "is_active"]


class UnitRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name"]


class EntryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegistryEntry
        fields = ["id", "number"]


class RepresentativeSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    full_name = serializers.CharField()
    id_type = serializers.CharField()
    id_number = serializers.CharField()


class PartySerializer(serializers.ModelSerializer):
    """An interested party or representative. `represents` and `representatives` are positions in
    the entry's list of parties, as in the filing."""

    full_name = serializers.CharField(read_only=True)
    represents = serializers.SerializerMethodField()
    representatives = serializers.SerializerMethodField()

    class Meta:
        model = InterestedParty
        fields = [
            "id", "position", "role", "represents", "representatives", "person_type", "id_type",
            "id_number", "name", "first_surname", "second_surname", "full_name", "address",
            "postal_code", "municipality_ine", "province_code", "country_code", "email", "phone",
            "preferred_channel",
        ]  # fmt: skip
        read_only_fields = fields

    def _siblings(self) -> list[InterestedParty]:
        return self.context.get("parties", [])

    def get_represents(self, party: InterestedParty) -> int | None:
        for other in self._siblings():
            if other.pk == party.represents_id:
                return other.position
        return None

    @extend_schema_field(RepresentativeSerializer(many=True))
    def get_representatives(self, party: InterestedParty) -> list[dict[str, Any]]:
        return [
            {
                "position": other.position,
                "full_name": other.full_name,
                "id_type": other.id_type,
                "id_number": other.id_number,
            }
            for other in self._siblings()
            if other.represents_id == party.pk
        ]


def _absolute(request: Request | None, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


class AttachmentSerializer(serializers.ModelSerializer):
    document = serializers.UUIDField(source="document_id", read_only=True)
    name = serializers.CharField(source="document.name", read_only=True)
    size = serializers.IntegerField(source="document.size", read_only=True)
    sha256 = serializers.CharField(source="document.sha256", read_only=True)
    content_type = serializers.CharField(source="document.content_type", read_only=True)
    kind = AttachmentKindField(read_only=True)
    download_url = serializers.SerializerMethodField(
        help_text=gettext_lazy("The file through the documents API, its SHA-256 checked.")
    )

    class Meta:
        model = EntryAttachment
        fields = [
            "position", "document", "name", "size", "sha256", "content_type", "validity", "kind",
            "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, attachment: EntryAttachment) -> str:
        path = reverse("document-download", args=[self.context["org_slug"], attachment.document_id])
        return _absolute(self.context.get("request"), path)


class ReceiptSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    verification_code = serializers.CharField(
        help_text=gettext_lazy("The secure verification code printed on the receipt.")
    )
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    download_url = serializers.CharField(
        help_text=gettext_lazy("The receipt PDF, its SHA-256 checked before it is served.")
    )


ROW_FIELDS = (
    "number", "direction", "filed_at", "effective_at", "channel", "epigraph", "summary",
    *with_translations("destination_unit__name"), "status", "acknowledged_at",
)  # fmt: skip


class EntryRowSerializer(serializers.ModelSerializer):
    destination_unit = UnitRefSerializer(read_only=True, allow_null=True)
    parties = serializers.SerializerMethodField(
        help_text=gettext_lazy("Display names of the parties, in order.")
    )

    class Meta:
        model = RegistryEntry
        fields = [
            "id", "number", "direction", "filed_at", "effective_at", "channel", "epigraph",
            "summary", "destination_unit", "status", "acknowledged_at", "parties",
        ]  # fmt: skip
        read_only_fields = fields

    def get_parties(self, entry: RegistryEntry) -> list[str]:
        return [party.full_name for party in entry.parties.all()]


class EntryDetailSerializer(serializers.ModelSerializer):
    destination_unit = UnitRefSerializer(read_only=True, allow_null=True)
    annulled_by: Any = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    acknowledged_by: Any = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    rectifies = EntryRefSerializer(read_only=True, allow_null=True)
    rectified_by = EntryRefSerializer(source="rectifications", many=True, read_only=True)
    parties = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    receipt = serializers.SerializerMethodField()

    class Meta:
        model = RegistryEntry
        fields = [
            "id", "number", "direction", "year", "sequence", "filed_at", "effective_at",
            "channel", "epigraph", "summary", "expone", "solicita", "addressee_name",
            "addressee_dir3", "destination_unit", "physical_documentation", "external_reference",
            "case_reference", "status", "annulled_at", "annulled_by", "annulment_reason",
            "rectifies", "rectification_reason", "rectified_by", "acknowledged_at",
            "acknowledged_by", "parties", "attachments", "receipt",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(PartySerializer(many=True))
    def get_parties(self, entry: RegistryEntry) -> Any:
        parties = list(entry.parties.all())
        return PartySerializer(parties, many=True, context={"parties": parties}).data

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, entry: RegistryEntry) -> Any:
        return AttachmentSerializer(entry.attachments.all(), many=True, context=self.context).data

    @extend_schema_field(ReceiptSerializer(allow_null=True))
    def get_receipt(self, entry: RegistryEntry) -> dict[str, Any] | None:
        receipt = entry.receipt
        if receipt is None:
            return None
        path = reverse("registry-entry-receipt", args=[self.context["org_slug"], entry.pk])
        return {
            "id": receipt.pk,
            "verification_code": receipt.verification_code or "",
            "sha256": receipt.sha256,
            "size": receipt.size,
            "download_url": _absolute(self.context.get("request"), path),
        }


# --- input serializers -------------------------------------------------------------------------------
class PartyInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=PartyRole.choices, default=PartyRole.INTERESTED)
    represents = serializers.IntegerField(
        required=False, allow_null=True, min_value=0,
        help_text=gettext_lazy("For a representative: the position (from 0) of the party represented."),
    )  # fmt: skip
    person_type = serializers.ChoiceField(choices=PersonType.choices)
    id_type = serializers.ChoiceField(choices=IdType.choices)
    id_number = serializers.CharField(allow_blank=True, help_text=gettext_lazy("NIF, NIE, CIF…"))
    name = serializers.CharField(allow_blank=True, help_text=gettext_lazy("Name or company name."))
    first_surname = serializers.CharField(required=False, allow_blank=True)
    second_surname = serializers.CharField(required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    postal_code = serializers.CharField(required=False, allow_blank=True)
    municipality_ine = serializers.CharField(required=False, allow_blank=True)
    province_code = serializers.CharField(required=False, allow_blank=True)
    country_code = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    preferred_channel = serializers.ChoiceField(
        choices=PreferredChannel.choices, required=False, allow_blank=True
    )


class AttachmentInputSerializer(serializers.Serializer):
    name = serializers.CharField(
        required=False, max_length=255,
        help_text=gettext_lazy("File name. Required with content_base64; a file part's own name otherwise."),
    )  # fmt: skip
    content_base64 = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text=gettext_lazy(
            "The content in standard base64 (JSON requests). Leave out when the file is sent "
            "as a multipart `attachments` part."
        ),
    )
    validity = serializers.ChoiceField(choices=Validity.choices, default=Validity.COPY)
    kind = AttachmentKindField(default=AttachmentKind.ATTACHED)


class EntryCreateSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=Direction.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    epigraph = serializers.CharField(max_length=240)
    summary = serializers.CharField(max_length=240)
    expone = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    solicita = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    addressee_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    addressee_dir3 = serializers.CharField(required=False, allow_blank=True, max_length=9)
    destination_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.none(),
        required=False,
        allow_null=True,
        error_messages={
            "does_not_exist": gettext_lazy("Choose one of this organization's units."),
            "incorrect_type": gettext_lazy("Choose one of this organization's units."),
        },
    )
    physical_documentation = serializers.BooleanField(default=False)
    external_reference = serializers.CharField(required=False, allow_blank=True, max_length=80)
    case_reference = serializers.CharField(required=False, allow_blank=True, max_length=80)
    parties = PartyInputSerializer(many=True, required=False)
    attachments = AttachmentInputSerializer(many=True, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org = self.context.get("org")
        if org is not None:
            unit_field: Any = self.fields["destination_unit"]
            unit_field.queryset = selectors.units(org=org)


class EntryRectifySerializer(EntryCreateSerializer):
    direction = serializers.ChoiceField(
        choices=Direction.choices,
        required=False,
        help_text=gettext_lazy("Default: the rectified entry's."),
    )
    reason = serializers.CharField(allow_blank=True, help_text=gettext_lazy("Why it is rectified."))


class EntryMultipartSerializer(serializers.Serializer):
    """The multipart form of a filing (schema only). The metaclass turns `data` into a field, so
    it does not hide Serializer.data at run time; only the type checker sees a clash."""

    data = EntryCreateSerializer(  # type: ignore[assignment]
        help_text=gettext_lazy("The filing as JSON, attachments given as metadata only.")
    )
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        help_text=gettext_lazy("The files, in the order of data.attachments when it is given."),
    )


class EntryRectifyMultipartSerializer(EntryMultipartSerializer):
    data = EntryRectifySerializer(  # type: ignore[assignment]
        help_text=gettext_lazy("The rectifying filing as JSON, attachments given as metadata only.")
    )


class AnnulSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=500)


class EntryFilterSerializer(serializers.Serializer):
    number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    date_from = serializers.DateField(
        required=False, help_text=gettext_lazy("Filed on or after this day.")
    )
    date_to = serializers.DateField(
        required=False, help_text=gettext_lazy("Filed on or before this day.")
    )
    direction = serializers.ChoiceField(choices=Direction.choices, required=False, allow_blank=True)
    party = serializers.CharField(
        required=False, allow_blank=True, max_length=80,
        help_text=gettext_lazy("Document number (exact), name or first surname (contains)."),
    )  # fmt: skip
    subject = serializers.CharField(
        required=False, allow_blank=True, max_length=240,
        help_text=gettext_lazy("Contained in the epigraph or the summary."),
    )  # fmt: skip
    unit = serializers.IntegerField(
        required=False, min_value=1, help_text=gettext_lazy("Destination unit id.")
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=EntryStatus.choices, required=False, allow_blank=True)
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text=gettext_lazy("Every word in the number, subject, summary or parties."),
    )  # fmt: skip


# --- reading a filing ---------------------------------------------------------------------------------
def flatten_errors(errors: Any, prefix: str = "") -> dict[str, Any]:
    """{"parties": [{}, {"id_number": [...]}]} -> {"parties[1].id_number": [...]}, as the services name them."""
    if isinstance(errors, dict):
        flat: dict[str, Any] = {}
        for key, value in errors.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY and prefix:
                name = prefix
            elif isinstance(key, int) or str(key).isdigit():  # an item of a list
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
        return flat
    if isinstance(errors, list) and errors and all(isinstance(e, dict) for e in errors):
        flat = {}
        for index, item in enumerate(errors):
            flat.update(flatten_errors(item, f"{prefix}[{index}]"))
        return flat
    return {prefix: errors}


def _base64_size(text: str) -> int:
    """The decoded size of well-formed base64 text, without decoding it."""
    return len(text) * 3 // 4 - text[-2:].count("=")


def check_body_size(request: Any) -> None:
    """Refuse, from its Content-Length and before reading it, a body larger than any filing."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > filing_max_bytes():
        raise FilingTooLarge


def filing_max_bytes() -> int:
    _most, _each, total = services.limits()
    return total * 4 // 3 + FILING_OVERHEAD_BYTES


class FilingJSONParser(BoundedJSONParser):
    """The bounded JSON parser, sized for a filing: REGISTRY_MAX_TOTAL_BYTES of attachments,
    4/3 larger as base64, may weigh more than JSON_MAX_BODY_BYTES."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        if request is not None:
            check_body_size(request)
        return super().parse(stream, media_type, parser_context)

    def limit(self) -> int:
        return filing_max_bytes()


def _read_body(request: Request) -> tuple[Any, list[Any]]:
    """The filing's JSON and, for multipart, its file parts."""
    check_body_size(request)
    try:
        data = request.data
    except RequestDataTooBig as exc:  # a multipart `data` part above DATA_UPLOAD_MAX_MEMORY_SIZE
        raise FilingTooLarge from exc
    if not (request.content_type or "").startswith("multipart/"):
        return data, []
    raw: Any = data.get("data")
    if hasattr(raw, "read"):  # the JSON sent as a file part
        raw = raw.read()
    if not raw:
        raise ValidationError({"data": [_("Send the filing as JSON in the `data` part.")]})
    try:
        payload = json_loads_bounded(raw, max_bytes=filing_max_bytes())
    except JSONBodyError as exc:
        raise ValidationError(
            {"data": [_("The `data` part is not valid JSON."), str(exc)]}
        ) from exc
    return payload, list(request.FILES.getlist("attachments"))


def _attachment_uploads(metadata: list[dict[str, Any]], files: list[Any]) -> list[dict[str, Any]]:
    """Attachments as the service takes them ({"file", "validity", "kind"}).

    Count and sizes are checked before any base64 is decoded; the service checks them again.
    """
    most, each, total = services.limits()
    count = len(files) if files else len(metadata)
    if count > most:
        raise ValidationError({"attachments": [
            _("At most %(count)d attachments may be filed at once.") % {"count": most}
        ]})  # fmt: skip
    if files and metadata and len(metadata) != len(files):
        raise ValidationError({"attachments": [
            _("Give metadata for every file part, in the same order, or for none.")
        ]})  # fmt: skip
    errors: dict[str, list[str]] = {}
    pending: list[tuple[dict[str, Any], Any, int]] = []  # (metadata, upload or base64 text, size)
    for index in range(count):
        meta = metadata[index] if metadata else {}
        key = f"attachments[{index}]"
        if files:
            upload = files[index]
            if "content_base64" in meta:
                errors[f"{key}.content_base64"] = [
                    _("Send each file either as a part or as base64, not both.")
                ]
            if meta.get("name"):
                upload.name = meta["name"]
            pending.append((meta, upload, upload.size))
        elif "content_base64" not in meta:
            errors[f"{key}.content_base64"] = [_("This field is required.")]
        elif not meta.get("name"):
            errors[f"{key}.name"] = [_("This field is required.")]
        else:
            text = "".join(meta["content_base64"].split())
            pending.append((meta, text, _base64_size(text)))
    if errors:
        raise ValidationError(errors)
    for index, (meta, content, size) in enumerate(pending):
        if size > each:
            name = meta.get("name") or getattr(content, "name", "")
            errors[f"attachments[{index}]"] = [
                _("%(name)s is larger than %(limit)s, the most one attachment may be.")
                % {"name": name, "limit": filesizeformat(each)}
            ]
    if not errors and sum(size for _meta, _content, size in pending) > total:
        errors["attachments"] = [
            _("The attachments add up to more than %(limit)s.") % {"limit": filesizeformat(total)}
        ]
    if errors:
        raise ValidationError(errors)
    uploads = []
    for index, (meta, content, _size) in enumerate(pending):
        upload = content
        if isinstance(content, str):
            try:
                decoded = base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                errors[f"attachments[{index}].content_base64"] = [_("This is not valid base64.")]
                continue
            if not decoded:
                errors[f"attachments[{index}].content_base64"] = [_("The file is empty.")]
                continue
            upload = SimpleUploadedFile(meta["name"], decoded)
        uploads.append({"file": upload, "validity": meta.get("validity"), "kind": meta.get("kind")})
    if errors:
        raise ValidationError(errors)
    return uploads


def read_filing(
    request: Request, serializer_class: type[EntryCreateSerializer], payload: Any, files: list[Any]
) -> dict[str, Any]:
    """The keyword arguments of registry_entry_create (or _rectify) from a JSON or multipart request."""
    serializer = serializer_class(data=payload, context={"org": request.org})  # type: ignore[attr-defined]
    if not serializer.is_valid():
        raise ValidationError(flatten_errors(serializer.errors))
    fields = dict(serializer.validated_data)
    fields["parties"] = [dict(party) for party in fields.get("parties", [])]
    fields["attachments"] = _attachment_uploads(
        [dict(meta) for meta in fields.get("attachments", [])], files
    )
    return fields


# --- views --------------------------------------------------------------------------------------------
FILING_REQUEST = {
    "application/json": EntryCreateSerializer,
    "multipart/form-data": EntryMultipartSerializer,
}
FILING_DESCRIPTION = gettext_lazy(
    "JSON with attachments as base64 (`content_base64`), or multipart/form-data with that JSON "
    "in a `data` part and the files as `attachments` parts. Parties: a representative's "
    "`represents` is the position (from 0) of the party it acts for. Errors name the field as "
    "the services do: `parties[0].id_number`, `attachments[1]`. The receipt is rendered right "
    "after the entry is registered: with a background worker, `receipt` may still be null in "
    "this answer; reading the entry or its receipt issues it at once."
)


@extend_schema(tags=["registry"])
@extend_schema_view(
    list=extend_schema(
        summary="List registry entries",
        description="The registry book, newest first, filtered.",
        parameters=[EntryFilterSerializer],
    ),
    retrieve=extend_schema(
        summary="One registry entry",
        description="With parties, attachments, receipt, annulment, rectifications and acknowledgement.",
        responses={200: EntryDetailSerializer, 404: NOT_FOUND_RESPONSE},
    ),
)
class EntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The registry book of this organization (Ley 39/2015 art. 16). Entries are never edited or deleted."""

    module = "registry"
    permission = "registry.view"
    write_permission = "registry.create"
    action_permissions = {
        "annul": "registry.annul",
        "rectify": "registry.create",
        "acknowledge": "registry.acknowledge",
    }
    lookup_value_converter = "int"
    parser_classes = [FilingJSONParser, MultiPartParser]

    def get_serializer_class(self) -> Any:
        return EntryRowSerializer if self.action == "list" else EntryDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "org_slug": self.kwargs.get("org_slug", "")}

    def get_queryset(self) -> QuerySet[RegistryEntry]:
        if getattr(self, "swagger_fake_view", False):
            return RegistryEntry.objects.none()
        filters = EntryFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        rows = selectors.entries(org=self.request.org, **filters.validated_data)
        # A row prints a few columns: the long texts (statement, request, search words) stay unread.
        return selectors.with_row_parties(rows.only(*ROW_FIELDS))

    def get_object(self) -> RegistryEntry:
        try:
            return selectors.entry_get(org=self.request.org, pk=self.kwargs["pk"])
        except RegistryEntry.DoesNotExist as exc:
            raise Http404 from exc

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        # The platform issues the receipt by itself: whoever looks first gets it rendered.
        services.registry_entry_receipt_issue(org=self.request.org, actor=None, entry=entry)
        return Response(self.get_serializer(entry).data)

    def detail_response(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        entry = selectors.entry_get(org=self.request.org, pk=pk)
        return Response(self.get_serializer(entry).data, status=code)

    def replayed(self, key: str, digest: str) -> Response | None:
        """The answer to a retry: the entry this user already registered with this key and body."""
        if not key:
            return None
        found = (
            selectors.entries(org=self.request.org)
            .filter(created_by=self.request.user, idempotency_key=key)
            .values_list("pk", "number", "idempotency_digest")
            .first()
        )
        if found is None:
            return None
        pk, number, stored_digest = found
        if stored_digest and stored_digest != digest:
            raise IdempotencyKeyConflict(number)
        return self.detail_response(pk)

    def file(self, request: Request, serializer_class: Any, **extra: Any) -> Response:
        """Register (or replay) the filing in `request`; `extra` names the entry rectified."""
        key = idempotency_key(request)
        payload, files = _read_body(request)
        digest = filing_digest(payload, files) if key else ""
        replay = self.replayed(key, digest)
        if replay is not None:
            return replay
        fields = read_filing(request, serializer_class, payload, files)
        create = services.registry_entry_rectify if extra else services.registry_entry_create
        try:
            entry = create(
                org=self.request.org,
                actor=request.user,
                idempotency_key=key,
                idempotency_digest=digest,
                **extra,
                **fields,
            )
        except services.IdempotencyKeyReused as exc:  # a racing retry with another body won
            raise IdempotencyKeyConflict(exc.entry.number) from exc
        return self.detail_response(entry.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Register an entry",
        description=FILING_DESCRIPTION,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=FILING_REQUEST,
        responses={
            201: EntryDetailSerializer,
            200: OpenApiResponse(
                EntryDetailSerializer,
                description="A retry with an Idempotency-Key already used by this user: the "
                "entry registered the first time; nothing new is registered.",
            ),
            400: ERRORS_RESPONSE,
            413: OpenApiResponse(description="The body is larger than any filing may be."),
            422: IDEMPOTENCY_CONFLICT_RESPONSE,
        },
    )
    def create(self, request: Request, org_slug: str) -> Response:
        return self.file(request, EntryCreateSerializer)

    @extend_schema(
        summary="Rectify an entry",
        description=gettext_lazy(
            "Registers a new entry that corrects this one, which stays as it was. Same body as "
            "registering, plus the reason; `direction` defaults to the rectified entry's."
        ),
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request={
            "application/json": EntryRectifySerializer,
            "multipart/form-data": EntryRectifyMultipartSerializer,
        },
        responses={
            201: EntryDetailSerializer,
            200: OpenApiResponse(
                EntryDetailSerializer,
                description="A retry with an Idempotency-Key already used by this user.",
            ),
            400: ERRORS_RESPONSE,
            404: NOT_FOUND_RESPONSE,
            413: OpenApiResponse(description="The body is larger than any filing may be."),
            422: IDEMPOTENCY_CONFLICT_RESPONSE,
        },
    )
    @action(detail=True, methods=["post"])
    def rectify(self, request: Request, org_slug: str, pk: int) -> Response:
        return self.file(request, EntryRectifySerializer, entry=self.get_object())

    @extend_schema(
        summary="Annul an entry",
        description=gettext_lazy(
            "The entry keeps its number and stays in the book, marked annulled."
        ),
        request=AnnulSerializer,
        responses={200: EntryDetailSerializer, 400: ERRORS_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def annul(self, request: Request, org_slug: str, pk: int) -> Response:
        entry = self.get_object()
        serializer = AnnulSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.registry_entry_annul(
            org=self.request.org,
            actor=request.user,
            entry=entry,
            reason=serializer.validated_data["reason"],
        )
        return self.detail_response(entry.pk)

    @extend_schema(
        summary="Acknowledge an entry",
        description=gettext_lazy("Its destination unit confirms it has received the entry."),
        request=None,
        responses={200: EntryDetailSerializer, 400: ERRORS_RESPONSE, 404: NOT_FOUND_RESPONSE},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, org_slug: str, pk: int) -> Response:
        entry = services.registry_entry_acknowledge(
            org=self.request.org, actor=request.user, entry=self.get_object()
        )
        return self.detail_response(entry.pk)

    @extend_schema(
        summary="Download the receipt",
        description=gettext_lazy(
            "The receipt (justificant) PDF, its SHA-256 checked before it is served. An attachment."
        ),
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            404: NOT_FOUND_RESPONSE,
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PassthroughRenderer])
    def receipt(self, request: Request, org_slug: str, pk: int) -> HttpResponseBase:
        entry = self.get_object()
        receipt = services.registry_entry_receipt_issue(
            org=self.request.org, actor=None, entry=entry
        )
        try:
            handle = document_open(org=self.request.org, document=receipt)
        except DocumentIntegrityError as exc:
            raise DocumentIntegrityFailed from exc
        return document_file_response(receipt, handle)


@extend_schema(tags=["registry"])
@extend_schema_view(list=extend_schema(summary="List units", description="By name."))
class UnitViewSet(mixins.ListModelMixin, TenantViewSet):
    """The units of this organization that registered entries are routed to."""

    module = "registry"
    permission = "registry.view"
    write_permission = "registry.settings"
    serializer_class = UnitSerializer

    def get_queryset(self) -> QuerySet[Unit]:
        if getattr(self, "swagger_fake_view", False):
            return Unit.objects.none()
        return selectors.units(org=self.request.org)

    @extend_schema(
        summary="Create a unit",
        request=UnitSerializer,
        responses={201: UnitSerializer, 400: ERRORS_RESPONSE},
    )
    def create(self, request: Request, org_slug: str) -> Response:
        serializer = UnitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        unit = services.unit_create(
            org=self.request.org, actor=request.user, **serializer.validated_data
        )
        return Response(UnitSerializer(unit).data, status=status.HTTP_201_CREATED)
