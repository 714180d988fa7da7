"""IT inventory API: assets (list, detail, create, update, software, history, CSV in and out,
inventory upload), the security posture, alerts, the security record and the agent token.

Thin: serializers check shapes and types, services.py holds every rule. Assets are never deleted
(retire them with `status: retired`), so there is no DELETE on them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponseBase, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FileUploadParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ajunta.assets import inventory, posture, selectors, services
from ajunta.assets.models import (
    AgentToken,
    Asset,
    AssetChange,
    AssetKind,
    AssetSource,
    AssetStatus,
    InstalledSoftware,
    NetworkInterface,
    NetworkPort,
    SecurityRecord,
)
from ajunta.assets.views import csv_rows
from ajunta.core.api import TenantViewSet
from ajunta.core.jsonbody import BoundedJSONParser

ERRORS_RESPONSE = OpenApiResponse(
    OpenApiTypes.OBJECT, description=gettext_lazy("Field messages; others under `detail`.")
)


def service_errors(exc: DjangoValidationError) -> ValidationError:
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({"detail": exc.messages})


class InventoryJSONParser(BoundedJSONParser):
    """An inventory may weigh what the agent endpoint takes; a stray NUL in it is dropped."""

    max_bytes = inventory.MAX_DOCUMENT_BYTES
    strip_nul = True


# --- serializers -----------------------------------------------------------------------------------
# `kind` and `status` are also the names of other apps' enums: plain strings in the schema, with
# the values in the description, so that drf-spectacular's enum components do not collide.
@extend_schema_field({"type": "string", "description": "One of: " + ", ".join(AssetKind.values)})
class AssetKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AssetKind.choices, **kwargs)


@extend_schema_field({"type": "string", "description": "One of: " + ", ".join(AssetStatus.values)})
class AssetStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AssetStatus.choices, **kwargs)


class InterfaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = NetworkInterface
        fields = ["name", "mac", "ipv4", "ipv6", "kind", "is_up"]


class PortSerializer(serializers.ModelSerializer):
    class Meta:
        model = NetworkPort
        fields = ["number", "name", "description", "alias", "mac", "kind", "speed", "mtu",
                  "is_up", "ips", "vlans", "connections"]  # fmt: skip


class SoftwareSerializer(serializers.ModelSerializer):
    class Meta:
        model = InstalledSoftware
        fields = ["name", "version", "publisher", "installed_on"]


class ChangeSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default="", read_only=True)

    class Meta:
        model = AssetChange
        fields = ["at", "source", "actor", "summary", "changes"]


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    points = serializers.IntegerField()
    text = serializers.CharField()
    action = serializers.CharField()


class PostureSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    level = serializers.CharField()
    reasons = ReasonSerializer(many=True)


class AssetRowSerializer(serializers.ModelSerializer):
    kind = AssetKindField(read_only=True)
    status = AssetStatusField(read_only=True)
    organization: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = Asset
        fields = [
            "id", "organization", "kind", "inventory_tag", "name", "serial", "manufacturer",
            "model", "status", "holder", "location", "os_name", "os_version", "os_eol_date",
            "last_inventory_at",
        ]  # fmt: skip
        read_only_fields = fields


class AssetDetailSerializer(AssetRowSerializer):
    interfaces = InterfaceSerializer(many=True, read_only=True)
    ports = PortSerializer(many=True, read_only=True)
    posture = serializers.SerializerMethodField()

    class Meta(AssetRowSerializer.Meta):
        fields = [
            *AssetRowSerializer.Meta.fields, "uuid", "device_id", "purchase_date", "warranty_end",
            "supplier", "cost", "notes", "os_eol_label", "software_eol_label",
            "software_eol_date", "antivirus_name", "antivirus_enabled",
            "antivirus_up_to_date", "firewall_enabled", "disk_encrypted", "secure_boot",
            "local_admins", "source", "raw_sections", "created_at", "updated_at", "interfaces",
            "posture", "firmware", "mac_address", "ip_address", "snmp_credentials",
            "snmp_community", "page_counters", "ports",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(PostureSerializer)
    def get_posture(self, asset: Asset) -> dict[str, Any]:
        return PostureSerializer(posture.asset_posture(asset)).data


class AssetWriteSerializer(serializers.ModelSerializer):
    """What people set on an asset. `organization` (a slug) only under the provider, on create."""

    organization = serializers.SlugField(required=False, write_only=True)
    kind = AssetKindField()
    status = AssetStatusField(required=False)

    class Meta:
        model = Asset
        fields = ["organization", *services.MANUAL_FIELDS]
        validators: list[Any] = []  # uniqueness is the service's to check


class SecurityRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = SecurityRecord
        fields = [*services.SECURITY_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"updated_at": {"allow_null": True}}  # null until the record is first saved
        validators: list[Any] = []


class CountsSerializer(serializers.Serializer):
    assets = serializers.IntegerField()
    os_eol = serializers.IntegerField()
    support_unknown = serializers.IntegerField(
        help_text=gettext_lazy("Devices whose operating system or firmware support is unknown.")
    )
    no_data = serializers.BooleanField(
        help_text=gettext_lazy("No active device inventoried: the score says nothing of devices.")
    )
    extra = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=gettext_lazy("Findings other modules count, e.g. known_exploited."),
    )
    software_eol = serializers.IntegerField()
    no_antivirus = serializers.IntegerField()
    firewall_off = serializers.IntegerField()
    unencrypted = serializers.IntegerField()
    silent = serializers.IntegerField()


class RankingRowSerializer(serializers.Serializer):
    organization = serializers.CharField(source="org.slug")
    name = serializers.CharField(source="org.name")
    counts = CountsSerializer()
    posture = PostureSerializer()


class AgentTokenSerializer(serializers.ModelSerializer):
    organization: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    token = serializers.SerializerMethodField(
        help_text=gettext_lazy("The token itself: shown in this answer only.")
    )

    class Meta:
        model = AgentToken
        fields = ["organization", "prefix", "created_at", "last_used_at", "token"]

    def get_token(self, token: AgentToken) -> str:
        return str(self.context.get("plain", ""))


class AgentTokenRequestSerializer(serializers.Serializer):
    organization = serializers.SlugField(
        required=False,
        help_text=gettext_lazy("Under the provider: the member whose token to rotate."),
    )


class AlertsSerializer(serializers.Serializer):
    warranty = AssetRowSerializer(many=True)
    os_eol = AssetRowSerializer(many=True)
    silent = AssetRowSerializer(many=True)


class CsvOutcomeSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class ImportOutcomeSerializer(serializers.Serializer):
    asset = serializers.IntegerField(source="asset.pk")
    created = serializers.BooleanField()
    changed = serializers.ListField(child=serializers.CharField())


class AssetFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=120)
    software = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=120,
        help_text=gettext_lazy("Assets with a program whose name contains this."),
    )
    kind = serializers.ChoiceField(choices=AssetKind.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=AssetStatus.choices, required=False, allow_blank=True)
    issue = serializers.ChoiceField(choices=selectors.ISSUES, required=False, allow_blank=True)
    organization = serializers.SlugField(
        required=False, help_text=gettext_lazy("Under the provider: one member's assets.")
    )


ALERT_LIMIT = 200


# --- the viewset -----------------------------------------------------------------------------------
@extend_schema(tags=["assets"])
@extend_schema_view(
    list=extend_schema(summary="List assets", parameters=[AssetFilterSerializer]),
    retrieve=extend_schema(
        summary="One asset",
        description="With its interfaces and its security posture (score and reasons).",
    ),
)
class AssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """This organization's assets; under the provider's slug, every member's."""

    permission = "assets.view"
    write_permission = "assets.manage"
    module = "assets"
    action_permissions = {
        "agent_token": "assets.agent_token",
        "import_csv": "assets.manage",
        "inventory": "assets.manage",
    }
    lookup_value_converter = "int"

    def get_serializer_class(self) -> Any:
        return AssetRowSerializer if self.action == "list" else AssetDetailSerializer

    def scope(self) -> dict[str, Any]:
        """The organizations this request may name (slug -> organization)."""
        return {o.slug: o for o in selectors.organizations_in_scope(self.request.org)}

    def target_org(self) -> Any:
        """The organization an import writes to: this one, or the member `?organization=` names
        under the provider's slug."""
        slug = self.request.query_params.get("organization", "")
        if not slug or slug == self.request.org.slug:
            return self.request.org
        owner = self.scope().get(slug)
        if owner is None:
            raise ValidationError({"organization": [_("Not an organization you can see.")]})
        return owner

    def get_queryset(self) -> QuerySet[Asset]:
        if getattr(self, "swagger_fake_view", False):
            return Asset.objects.none()
        filters = AssetFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = {k: v for k, v in filters.validated_data.items() if v}
        if "organization" in data:
            owner = self.scope().get(data["organization"])
            if owner is None:
                raise ValidationError({"organization": [_("Not an organization you can see.")]})
            data["organization"] = owner
        return selectors.assets(org=self.request.org, **data)

    def get_object(self) -> Asset:
        if not self.names_an_object():
            raise Http404
        try:
            return selectors.asset_get(org=self.request.org, pk=self.kwargs["pk"])
        except Asset.DoesNotExist as exc:
            raise Http404 from exc

    def detail_response(self, asset: Asset, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.asset_get(org=self.request.org, pk=asset.pk)
        return Response(AssetDetailSerializer(fresh).data, status=code)

    @extend_schema(
        summary="Create an asset",
        request=AssetWriteSerializer,
        responses={201: AssetDetailSerializer, 400: ERRORS_RESPONSE},
    )
    def create(self, request: Request, org_slug: str) -> Response:
        serializer = AssetWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        owner = request.org  # type: ignore[attr-defined]
        slug = fields.pop("organization", "")
        if slug:
            owner = self.scope().get(slug)
            if owner is None:
                raise ValidationError({"organization": [_("Not an organization you can see.")]})
        try:
            asset = services.asset_create(org=owner, actor=request.user, **fields)
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return self.detail_response(asset, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an asset",
        description="Only the fields sent change. Retire an asset with `status: retired`.",
        request=AssetWriteSerializer,
        responses={200: AssetDetailSerializer, 400: ERRORS_RESPONSE},
    )
    def partial_update(self, request: Request, org_slug: str, pk: int) -> Response:
        asset = self.get_object()
        serializer = AssetWriteSerializer(asset, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("organization", None)
        try:
            services.asset_update(org=asset.organization, actor=request.user, asset=asset, **fields)
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return self.detail_response(asset)

    @extend_schema(summary="Installed software", responses=SoftwareSerializer(many=True))
    @action(detail=True, methods=["get"])
    def software(self, request: Request, org_slug: str, pk: int) -> Response:
        rows = selectors.asset_software(asset=self.get_object())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(SoftwareSerializer(page, many=True).data)

    @extend_schema(summary="History of changes", responses=ChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, org_slug: str, pk: int) -> Response:
        rows = selectors.asset_changes(asset=self.get_object())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(ChangeSerializer(page, many=True).data)

    @extend_schema(
        summary="Export assets as CSV",
        parameters=[AssetFilterSerializer],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request: Request, org_slug: str) -> HttpResponseBase:
        response = StreamingHttpResponse(
            csv_rows(self.get_queryset()), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="inventari-{org_slug}.csv"'
        return response

    @extend_schema(
        summary="Import assets from CSV",
        description=gettext_lazy(
            "A CSV body (text/csv) or a multipart `file`. Rows are matched by inventory tag; "
            "one bad row refuses the whole file. Under the provider's slug, `?organization=` "
            "names the member."
        ),
        request={"text/csv": OpenApiTypes.BINARY, "multipart/form-data": OpenApiTypes.OBJECT},
        responses={200: CsvOutcomeSerializer, 400: ERRORS_RESPONSE},
    )
    @action(
        detail=False, methods=["post"], url_path="import-csv",
        parser_classes=[MultiPartParser, FileUploadParser],
    )  # fmt: skip
    def import_csv(self, request: Request, org_slug: str) -> Response:
        upload = request.data.get("file")
        if upload is None:
            raise ValidationError({"file": [_("Send the CSV as the body or as a `file` part.")]})
        if upload.size > 5 * 1024 * 1024:
            raise ValidationError({"file": [_("The file is larger than 5 MB.")]})
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": [_("The file is not UTF-8 text.")]}) from exc
        try:
            result = services.assets_import_csv(
                org=self.target_org(), actor=request.user, text=text
            )
        except DjangoValidationError as exc:
            raise service_errors(exc) from exc
        return Response(CsvOutcomeSerializer(result).data)

    @extend_schema(
        summary="Upload one agent inventory",
        description=gettext_lazy(
            "A GLPI-agent JSON inventory, as a logged-in user (agents use the token endpoint)."
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: ImportOutcomeSerializer, 201: ImportOutcomeSerializer,
                   400: ERRORS_RESPONSE},
    )  # fmt: skip
    @action(detail=False, methods=["post"], parser_classes=[InventoryJSONParser])
    def inventory(self, request: Request, org_slug: str) -> Response:
        try:
            outcome = services.inventory_import(
                org=self.target_org(),
                actor=request.user,
                document=request.data,
                source=AssetSource.FILE,
            )
        except inventory.InventoryError as exc:
            raise ValidationError({"detail": exc.messages}) from exc
        code = status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        return Response(ImportOutcomeSerializer(outcome).data, status=code)

    @extend_schema(
        summary="Security posture",
        description=gettext_lazy(
            "A municipality's score with its reasons; under the provider's slug, every member "
            "ranked, lowest score first."
        ),
        responses={200: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["get"])
    def posture(self, request: Request, org_slug: str) -> Response:
        org = request.org  # type: ignore[attr-defined]
        if selectors.is_provider(org):
            ranking = selectors.posture_ranking(provider=org)
            return Response({"ranking": RankingRowSerializer(ranking, many=True).data})
        result = selectors.org_posture(org=org)
        counts = selectors.posture_counts(orgs=[org])[org.pk]
        return Response({**PostureSerializer(result).data, "counts": CountsSerializer(counts).data})

    @extend_schema(summary="Alerts", responses=AlertsSerializer)
    @action(detail=False, methods=["get"])
    def alerts(self, request: Request, org_slug: str) -> Response:
        found = selectors.alerts(org=request.org)  # type: ignore[attr-defined]
        data = {key: list(rows[:ALERT_LIMIT]) for key, rows in found.items()}
        return Response(AlertsSerializer(data).data)

    @extend_schema(
        summary="Security record",
        description=gettext_lazy(
            "Backups, MFA coverage, ENS, security officer. PUT sets the fields it sends."
        ),
        request=SecurityRecordSerializer,
        responses={200: SecurityRecordSerializer, 400: ERRORS_RESPONSE},
    )
    @action(detail=False, methods=["get", "put"])
    def security(self, request: Request, org_slug: str) -> Response:
        org = request.org  # type: ignore[attr-defined]
        if request.method == "PUT":
            serializer = SecurityRecordSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            try:
                services.security_record_save(
                    org=org, actor=request.user, **serializer.validated_data
                )
            except DjangoValidationError as exc:
                raise service_errors(exc) from exc
        record = selectors.security_record(org=org) or SecurityRecord(organization=org)
        return Response(SecurityRecordSerializer(record).data)

    @extend_schema(
        summary="Rotate or revoke the agent token",
        description=gettext_lazy(
            "POST makes a new token (the old one stops working) and shows it once; DELETE "
            "revokes it. Under the provider's slug, `organization` names the member."
        ),
        request=AgentTokenRequestSerializer,
        responses={201: AgentTokenSerializer, 204: None},
    )
    @action(detail=False, methods=["post", "delete"], url_path="agent-token")
    def agent_token(self, request: Request, org_slug: str) -> Response:
        body = AgentTokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        target = request.org  # type: ignore[attr-defined]
        slug = body.validated_data.get("organization") or request.query_params.get(
            "organization", ""
        )
        if slug and slug != target.slug:
            if not selectors.is_provider(target):
                raise Http404
            target = self.scope().get(slug)
            if target is None:
                raise Http404
        if request.method == "DELETE":
            services.agent_token_revoke(org=target, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        token, plain = services.agent_token_rotate(org=target, actor=request.user)
        response = Response(
            AgentTokenSerializer(token, context={"plain": plain}).data,
            status=status.HTTP_201_CREATED,
        )
        response["Cache-Control"] = "private, no-store"
        return response
