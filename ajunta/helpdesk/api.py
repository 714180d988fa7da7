"""Helpdesk API: tickets (list, open, detail and every action on them), categories, the time-spent
report and the knowledge base. Thin: serializers check shapes, helpdesk.services holds the rules.

Under a member's slug the caller sees that member's tickets (public follow-ups only); under the
provider's slug, provider staff see every member's. Tickets are never deleted: no DELETE.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from ajunta.assets import selectors as asset_selectors
from ajunta.core import idempotency
from ajunta.core.api import TenantAPIView, TenantViewSet
from ajunta.core.jsonbody import BoundedJSONParser
from ajunta.core.pagination import CappedPagination
from ajunta.core.tenancy import TenantAPIRequest
from ajunta.helpdesk import reports, selectors, services
from ajunta.helpdesk.models import (
    Article,
    Category,
    Channel,
    FollowUp,
    NotificationEvent,
    Priority,
    SlaTarget,
    TechnicianGroup,
    Ticket,
    TicketTask,
    TicketType,
)
from ajunta.tenants import selectors as tenant_selectors


# --- output -------------------------------------------------------------------------------------
class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "full_name", "parent", "is_active"]


class CategoryInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    parent_id = serializers.IntegerField(required=False, allow_null=True)


class SlaTargetSerializer(serializers.ModelSerializer):
    # A plain number: the service checks it, and the schema keeps a single 1-5 scale.
    priority = serializers.IntegerField(
        min_value=1, max_value=5, help_text="1 very low to 5 very high"
    )

    class Meta:
        model = SlaTarget
        fields = ["level", "priority", "own_minutes", "resolve_minutes"]


class FollowUpSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username", default=None)
    kind = serializers.CharField(
        read_only=True, help_text="comment, solution, acceptance, reopening"
    )

    class Meta:
        model = FollowUp
        fields = ["id", "kind", "author", "body", "is_private", "minutes_spent", "created_at"]


class TaskSerializer(serializers.ModelSerializer):
    technician = serializers.CharField(source="assigned_to.username", default=None)

    class Meta:
        model = TicketTask
        fields = ["id", "description", "technician", "minutes_spent", "is_done", "done_at"]


class TicketRowSerializer(serializers.ModelSerializer):
    municipality: serializers.SlugRelatedField = serializers.SlugRelatedField(source="organization", slug_field="slug", read_only=True)  # fmt: skip
    category = serializers.CharField(source="category.full_name", default=None)
    technician = serializers.CharField(source="assigned_to.username", default=None)
    group = serializers.CharField(source="assigned_group.name", default=None)
    requester = serializers.CharField(source="requester.username", default=None)
    # Plain types: `status`, `channel` and the 1-5 scales would clash with other apps' enums.
    status = serializers.CharField(
        read_only=True, help_text="new, assigned, in_progress, pending, solved, closed"
    )
    channel = serializers.CharField(read_only=True, help_text="web, api, email, phone, import")
    urgency = serializers.IntegerField(read_only=True, help_text="1 very low to 5 very high")
    impact = serializers.IntegerField(read_only=True, help_text="1 very low to 5 very high")
    priority = serializers.IntegerField(read_only=True, help_text="1 very low to 5 very high")
    service = serializers.CharField(
        source="service.code", default=None, help_text="The catalogue service requested (code)."
    )

    class Meta:
        model = Ticket
        fields = [
            "id", "number", "municipality", "ticket_type", "category", "title", "status",
            "urgency", "impact", "priority", "requester", "technician", "group", "channel",
            "opened_at", "own_due_at", "resolve_due_at", "owned_at", "solved_at", "closed_at",
            "reopen_count", "sla_level", "service",
        ]  # fmt: skip


def ticket_rows_data(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """TicketRowSerializer's output for rows of `selectors.ticket_api_rows`, written out: a page
    of 50 rows is 1,150 DRF fields, which cost more than the query. The serializer stays the
    schema and the reference; a test holds both to the same output."""
    field = serializers.DateTimeField()  # as the serializer writes them: time zone, format

    def moment(value: dt.datetime | None) -> str | None:
        return field.to_representation(value) if value else None

    return [
        {
            "id": row["id"],
            "number": row["number"],
            "municipality": row["organization_slug"],
            "ticket_type": row["ticket_type"],
            "category": row["category_full_name"],
            "title": row["title"],
            "status": row["status"],
            "urgency": row["urgency"],
            "impact": row["impact"],
            "priority": row["priority"],
            "requester": row["requester_username"],
            "technician": row["technician_username"],
            "group": row["group_name"],
            "channel": row["channel"],
            "opened_at": moment(row["opened_at"]),
            "own_due_at": moment(row["own_due_at"]),
            "resolve_due_at": moment(row["resolve_due_at"]),
            "owned_at": moment(row["owned_at"]),
            "solved_at": moment(row["solved_at"]),
            "closed_at": moment(row["closed_at"]),
            "reopen_count": row["reopen_count"],
            "sla_level": row["sla_level"],
            "service": row["service_code"],
        }
        for row in rows
    ]


class TicketDetailSerializer(TicketRowSerializer):
    followups = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    tasks = serializers.SerializerMethodField()
    assets = serializers.SerializerMethodField()
    paused = serializers.BooleanField(source="is_paused")

    class Meta(TicketRowSerializer.Meta):
        fields = [*TicketRowSerializer.Meta.fields, "description", "paused", "assets",
                  "followups", "attachments", "tasks"]  # fmt: skip

    def get_assets(self, ticket: Ticket) -> list[int]:
        """The ids of the inventory assets the ticket names (see /api/v1/o/<slug>/assets/)."""
        return [link.asset_id for link in ticket.affected_assets.all()]

    def get_followups(self, ticket: Ticket) -> list[dict[str, Any]]:
        return FollowUpSerializer(ticket.followups.all(), many=True).data  # type: ignore[return-value]

    def get_attachments(self, ticket: Ticket) -> list[dict[str, Any]]:
        return [
            {"id": a.pk, "name": a.document.name, "size": a.document.size,
             "sha256": a.document.sha256, "is_private": a.is_private}
            for a in ticket.attachments.all()
        ]  # fmt: skip

    def get_tasks(self, ticket: Ticket) -> list[dict[str, Any]]:
        if not self.context.get("staff"):
            return []
        return TaskSerializer(ticket.tasks.all(), many=True).data  # type: ignore[return-value]


# --- input --------------------------------------------------------------------------------------
class TicketCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    ticket_type = serializers.ChoiceField(choices=TicketType.choices, default=TicketType.INCIDENT)
    category = serializers.IntegerField(required=False, allow_null=True)
    urgency = serializers.IntegerField(min_value=1, max_value=5, default=Priority.MEDIUM)
    member = serializers.SlugField(
        required=False, help_text="Provider staff: the slug of the municipality that asks."
    )
    requester = serializers.CharField(
        required=False, help_text="Provider staff: the requester's user name there."
    )
    requester_email = serializers.EmailField(required=False)
    attachments = serializers.ListField(child=serializers.FileField(), required=False)
    assets = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=50,
        help_text="Ids of the municipality's inventory assets the ticket is about.",
    )  # fmt: skip
    service = serializers.SlugField(
        required=False, allow_blank=True, max_length=40,
        help_text="Code of a catalogue service the municipality may request: makes it a request.",
    )  # fmt: skip


class TicketAssetsSerializer(serializers.Serializer):
    assets = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=True, max_length=50,
        help_text="Ids of the municipality's assets; replaces the list.",
    )  # fmt: skip


class FollowUpInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000)
    is_private = serializers.BooleanField(default=False)
    minutes_spent = serializers.IntegerField(default=0, min_value=0)
    attachments = serializers.ListField(child=serializers.FileField(), required=False)


class AssignSerializer(serializers.Serializer):
    technician = serializers.CharField(required=False, help_text="User name of a technician.")
    group = serializers.IntegerField(required=False)
    round_robin = serializers.BooleanField(default=False)


class ClassifySerializer(serializers.Serializer):
    impact = serializers.IntegerField(min_value=1, max_value=5, required=False)
    urgency = serializers.IntegerField(min_value=1, max_value=5, required=False)
    category = serializers.IntegerField(required=False)
    ticket_type = serializers.ChoiceField(choices=TicketType.choices, required=False)


class StatusSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="in_progress or pending")


class SolveSerializer(serializers.Serializer):
    solution = serializers.CharField(max_length=20000)
    minutes_spent = serializers.IntegerField(default=0, min_value=0)


class CommentSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=20000, required=False, default="")


class ReopenReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=20000)


class TaskInputSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=500)
    technician = serializers.CharField(required=False)
    minutes_spent = serializers.IntegerField(default=0, min_value=0)


class SurveyInputSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=2000, required=False, default="")


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()


MAX_IMPORT_BYTES = 20 * 1024 * 1024


class TicketFilterSerializer(serializers.Serializer):
    queue = serializers.ChoiceField(choices=selectors.QUEUES, required=False, default="all")
    status = serializers.CharField(required=False, default="", help_text="A ticket status.")
    priority = serializers.IntegerField(min_value=1, max_value=5, required=False)
    service = serializers.SlugField(
        required=False, max_length=40, help_text="Provider staff: a catalogue service code."
    )
    q = serializers.CharField(required=False, default="", max_length=200)


def _validated(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _files(request: TenantAPIRequest) -> list[Any]:
    return list(request.FILES.getlist("attachments")) if hasattr(request, "FILES") else []


# --- views --------------------------------------------------------------------------------------
@extend_schema(tags=["helpdesk"])
@extend_schema_view(
    list=extend_schema(summary="List tickets", parameters=[TicketFilterSerializer]),
    retrieve=extend_schema(summary="One ticket", responses=TicketDetailSerializer),
)
class TicketViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Tickets this organization may see: its own, or every member's under the provider's slug."""

    module = "helpdesk"
    permission = "helpdesk.view"
    write_permission = "helpdesk.open"
    # Actions on one ticket need only a role here: the ticket is looked up first (404 when it is
    # not this organization's), then staff actions check the caller works for the provider (403).
    action_permissions = {
        "followups": "helpdesk.view",
        "accept": "helpdesk.view",
        "reopen": "helpdesk.view",
        "survey": "helpdesk.view",
        "assign": "helpdesk.view",
        "classify": "helpdesk.view",
        "set_status": "helpdesk.view",
        "solve": "helpdesk.view",
        "tasks": "helpdesk.view",
        "set_assets": "helpdesk.open",
        "import_csv": "helpdesk.settings",
    }
    lookup_value_converter = "int"
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]
    pagination_class = CappedPagination

    @property
    def staff(self) -> bool:
        return bool(getattr(self.request.org, "is_provider", False)) and self.can("helpdesk.work")

    def get_serializer_class(self) -> Any:
        return TicketRowSerializer if self.action == "list" else TicketDetailSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if hasattr(self.request, "org"):
            context["staff"] = self.staff
        return context

    def get_queryset(self) -> QuerySet[Ticket]:
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        filters = _validated(TicketFilterSerializer, self.request.query_params)
        if "service" in filters:
            code = filters.pop("service")
            provider = selectors.provider_for(org=self.request.org)
            service = selectors.catalogue_services(provider=provider).filter(code=code).first()
            if service is None:
                raise serializers.ValidationError({"service": [_("No such service.")]})
            filters["service"] = service
        return selectors.tickets(org=self.request.org, user=self.request.user, **filters)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The page's rows read as a few columns and written out (see ticket_rows_data). No
        # docstring: the schema describes the list with the class's.
        page = self.paginate_queryset(selectors.ticket_api_rows(self.get_queryset()))
        return self.get_paginated_response(ticket_rows_data(page or []))

    def get_object(self) -> Ticket:
        try:
            return selectors.ticket_get(
                org=self.request.org, pk=self.kwargs["pk"], staff=self.staff
            )
        except Ticket.DoesNotExist as exc:
            raise Http404 from exc

    def detail_response(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        ticket = selectors.ticket_get(org=self.request.org, pk=pk, staff=self.staff)
        return Response(self.get_serializer(ticket).data, status=code)

    def require_staff(self) -> None:
        if not self.staff:
            raise PermissionDenied

    def technician(self, username: str | None) -> Any:
        if not username:
            return None
        provider = selectors.provider_for(org=self.request.org)
        found = selectors.technicians(provider=provider).filter(username=username).first()
        if found is None:
            raise serializers.ValidationError(
                {"technician": [_("Not one of the provider's technicians.")]}
            )
        return found

    def category(self, pk: int | None) -> Category | None:
        if pk is None:
            return None
        provider = selectors.provider_for(org=self.request.org)
        found = selectors.categories(provider=provider).filter(pk=pk).first()
        if found is None:
            raise serializers.ValidationError({"category": [_("No such category.")]})
        return found

    @extend_schema(
        summary="Open a ticket", request=TicketCreateSerializer,
        parameters=[idempotency.parameter("ticket")],
        responses={
            201: TicketDetailSerializer,
            200: OpenApiResponse(
                TicketDetailSerializer,
                description="A retry with an Idempotency-Key already used by this user: the "
                "ticket opened the first time; nothing new is opened.",
            ),
            422: idempotency.CONFLICT_RESPONSE,
        },
    )  # fmt: skip
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        key = idempotency.idempotency_key(request)
        files = _files(request)
        digest = ""
        if key:
            payload = {k: v for k, v in request.data.items() if k != "attachments"}
            digest = idempotency.request_digest(payload, files)
            replay = self.replayed(key, digest)
            if replay is not None:
                return replay
        data = _validated(TicketCreateSerializer, request.data)
        arguments: dict[str, Any] = {
            "title": data["title"], "description": data["description"],
            "ticket_type": data["ticket_type"], "urgency": data["urgency"],
            "category": self.category(data.get("category")), "channel": Channel.API,
            "attachments": files, "assets": data.get("assets", []),
            "service": data.get("service") or None,
        }  # fmt: skip
        if getattr(request.org, "is_provider", False):
            member = (
                tenant_selectors.members(provider=request.org)
                .filter(slug=data.get("member", ""))
                .first()
            )
            if member is None:
                raise serializers.ValidationError({"member": [_("Give the municipality's slug.")]})
            requester = None
            if data.get("requester"):
                requester = (
                    selectors.member_users(org=member).filter(username=data["requester"]).first()
                )
                if requester is None:
                    raise serializers.ValidationError(
                        {"requester": [_("Nobody of that municipality has it.")]}
                    )
            arguments.update(member=member, requester=requester,
                             requester_email=data.get("requester_email", ""))  # fmt: skip
        try:
            ticket = services.ticket_create(
                org=request.org, actor=request.user, idempotency_key=key,
                idempotency_digest=digest, **arguments,
            )  # fmt: skip
        except services.IdempotencyKeyReused as exc:  # a racing retry with another body won
            raise self.conflict(exc.ticket) from exc
        return self.detail_response(ticket.pk, status.HTTP_201_CREATED)

    def conflict(self, ticket: Ticket) -> idempotency.IdempotencyKeyConflict:
        return idempotency.IdempotencyKeyConflict(
            _("This Idempotency-Key was already used for ticket %(number)s with a different "
              "body. Nothing was opened: send this ticket with a new key.")
            % {"number": ticket.number}
        )  # fmt: skip

    def replayed(self, key: str, digest: str) -> Response | None:
        """The answer to a retry: the ticket this user already opened with this key and body."""
        found = selectors.tickets_created_with_key(
            org=self.request.org, user=self.request.user, key=key
        )
        if found is None:
            return None
        if found.idempotency_digest != digest:
            raise self.conflict(found)
        return self.detail_response(found.pk)

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # An action on another organization's ticket answers 404 before its body is looked at.
        self.ticket: Ticket | None = None
        if self.detail and self.action != "retrieve" and request.method == "POST":
            self.ticket = self.get_object()

    def _act(self, pk: int, call: Any) -> Response:
        ticket = self.ticket or self.get_object()
        call(ticket)
        return self.detail_response(ticket.pk)

    @extend_schema(summary="Add a follow-up", request=FollowUpInputSerializer,
                   responses={200: TicketDetailSerializer})  # fmt: skip
    @action(detail=True, methods=["post"])
    def followups(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        data = _validated(FollowUpInputSerializer, request.data)
        return self._act(pk, lambda t: services.followup_add(
            org=request.org, actor=request.user, ticket=t, body=data["body"],
            is_private=data["is_private"], minutes_spent=data["minutes_spent"],
            attachments=_files(request),
        ))  # fmt: skip

    @extend_schema(summary="Name the affected assets (replaces the list)",
                   request=TicketAssetsSerializer, responses=TicketDetailSerializer)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="assets")
    def set_assets(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        # Provider staff under the provider's slug, or the member's own staff on its ticket.
        if getattr(request.org, "is_provider", False) and not self.staff:
            raise PermissionDenied
        data = _validated(TicketAssetsSerializer, request.data)
        return self._act(pk, lambda t: services.ticket_assets_set(
            org=request.org, actor=request.user, ticket=t, assets=data["assets"]))  # fmt: skip

    @extend_schema(summary="Assign", request=AssignSerializer, responses=TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        self.require_staff()
        data = _validated(AssignSerializer, request.data)
        group = None
        if data.get("group") is not None:
            group = TechnicianGroup.objects.filter(
                organization=request.org, pk=data["group"]
            ).first()
            if group is None:
                raise serializers.ValidationError({"group": [_("No such group.")]})
        technician = self.technician(data.get("technician"))
        return self._act(pk, lambda t: services.ticket_assign(
            org=request.org, actor=request.user, ticket=t, technician=technician,
            group=group, round_robin=data["round_robin"],
        ))  # fmt: skip

    @extend_schema(summary="Classify (impact, urgency, category, type)", request=ClassifySerializer,
                   responses=TicketDetailSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def classify(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        self.require_staff()
        data = _validated(ClassifySerializer, request.data)
        category = self.category(data.get("category"))
        return self._act(pk, lambda t: services.ticket_classify(
            org=request.org, actor=request.user, ticket=t, impact=data.get("impact"),
            urgency=data.get("urgency"), category=category, ticket_type=data.get("ticket_type"),
        ))  # fmt: skip

    @extend_schema(summary="Set in progress or pending", request=StatusSerializer,
                   responses=TicketDetailSerializer)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        self.require_staff()
        data = _validated(StatusSerializer, request.data)
        return self._act(pk, lambda t: services.ticket_set_status(
            org=request.org, actor=request.user, ticket=t, status=data["status"]))  # fmt: skip

    @extend_schema(summary="Solve", request=SolveSerializer, responses=TicketDetailSerializer)
    @action(detail=True, methods=["post"])
    def solve(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        self.require_staff()
        data = _validated(SolveSerializer, request.data)
        return self._act(pk, lambda t: services.ticket_solve(
            org=request.org, actor=request.user, ticket=t, solution=data["solution"],
            minutes_spent=data["minutes_spent"]))  # fmt: skip

    @extend_schema(summary="Accept the solution", request=CommentSerializer,
                   responses=TicketDetailSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def accept(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        data = _validated(CommentSerializer, request.data)
        return self._act(pk, lambda t: services.ticket_accept(
            org=request.org, actor=request.user, ticket=t, comment=data["comment"]))  # fmt: skip

    @extend_schema(summary="Reopen (refuse the solution)", request=ReopenReasonSerializer,
                   responses=TicketDetailSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def reopen(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        data = _validated(ReopenReasonSerializer, request.data)
        return self._act(pk, lambda t: services.ticket_reopen(
            org=request.org, actor=request.user, ticket=t, reason=data["reason"]))  # fmt: skip

    @extend_schema(summary="Add an internal task", request=TaskInputSerializer,
                   responses=TicketDetailSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def tasks(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        self.require_staff()
        data = _validated(TaskInputSerializer, request.data)
        technician = self.technician(data.get("technician"))
        return self._act(pk, lambda t: services.task_add(
            org=request.org, actor=request.user, ticket=t, description=data["description"],
            technician=technician, minutes_spent=data["minutes_spent"]))  # fmt: skip

    @extend_schema(
        summary="Import historical tickets (CSV)",
        description=(
            "Provider admins. A UTF-8 CSV with a header row: reference, municipality (slug or INE "
            "code), opened_at, closed_at, title, description, category (full name), type, "
            "urgency, impact, technician (user name), minutes. All rows or none."
        ),
        request={"multipart/form-data": ImportSerializer},
        responses={201: OpenApiTypes.OBJECT},
    )
    @action(detail=False, methods=["post"], url_path="import")
    def import_csv(self, request: TenantAPIRequest, org_slug: str) -> Response:
        if not getattr(request.org, "is_provider", False):
            raise PermissionDenied
        upload = _validated(ImportSerializer, request.data)["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise serializers.ValidationError({"file": [_("The file is too large.")]})
        try:
            text = upload.read().decode("utf-8-sig")
            rows = list(csv.DictReader(io.StringIO(text)))
        except (UnicodeDecodeError, csv.Error) as exc:
            raise serializers.ValidationError({"file": [_("Not a UTF-8 CSV file.")]}) from exc
        imported = services.tickets_import(org=request.org, actor=request.user, rows=rows)
        return Response(
            {"imported": len(imported), "numbers": [t.number for t in imported]},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(summary="Answer the satisfaction survey", request=SurveyInputSerializer,
                   responses=TicketDetailSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def survey(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        if self.staff:
            raise PermissionDenied
        data = _validated(SurveyInputSerializer, request.data)
        return self._act(pk, lambda t: services.survey_answer(
            org=request.org, actor=request.user, ticket=t, score=data["score"],
            comment=data["comment"]))  # fmt: skip


@extend_schema(tags=["helpdesk"])
@extend_schema_view(list=extend_schema(summary="List the provider's ticket categories"))
class CategoryViewSet(mixins.ListModelMixin, TenantViewSet):
    module = "helpdesk"
    permission = "helpdesk.view"
    write_permission = "helpdesk.settings"
    serializer_class = CategorySerializer

    @extend_schema(
        summary="Add a category (provider admins)",
        request=CategoryInputSerializer,
        responses={201: CategorySerializer},
    )
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = _validated(CategoryInputSerializer, request.data)
        parent = None
        if data.get("parent_id") is not None:
            parent = selectors.categories(provider=request.org).filter(pk=data["parent_id"]).first()
            if parent is None:
                raise serializers.ValidationError({"parent_id": [_("No such category.")]})
        category = services.category_create(
            org=request.org, actor=request.user, name=data["name"], parent=parent
        )
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)

    def get_queryset(self) -> QuerySet[Category]:
        if getattr(self, "swagger_fake_view", False):
            return Category.objects.none()
        provider = selectors.provider_for(org=self.request.org)
        if provider is None:
            return Category.objects.none()
        return selectors.categories(provider=provider, active_only=True)


class ArticleSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.full_name", default=None)

    class Meta:
        model = Article
        fields = ["id", "title", "body", "category", "is_public", "updated_at"]


@extend_schema(tags=["helpdesk"])
@extend_schema_view(
    list=extend_schema(summary="Search the knowledge base"),
    retrieve=extend_schema(summary="One knowledge-base article"),
)
class ArticleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    module = "helpdesk"
    permission = "helpdesk.view"
    serializer_class = ArticleSerializer
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[Article]:
        if getattr(self, "swagger_fake_view", False):
            return Article.objects.none()
        return selectors.articles(
            org=self.request.org, q=self.request.query_params.get("q", "")[:200]
        )


class TimeQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2200)
    month = serializers.IntegerField(min_value=1, max_value=12, required=False)
    member = serializers.SlugField(
        required=False, help_text="Provider staff: one municipality (its slug) and its hours."
    )


@extend_schema(tags=["helpdesk"])
class TimeReportView(TenantAPIView):
    """Minutes logged per month, municipality, technician and category (follow-ups and tasks)."""

    module = "helpdesk"
    permission = "helpdesk.reports"

    @extend_schema(
        summary="Time spent report",
        parameters=[TimeQuerySerializer],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: TenantAPIRequest, org_slug: str) -> Response:
        query = _validated(TimeQuerySerializer, request.query_params)
        member = None
        if getattr(request.org, "is_provider", False):
            if query.get("member"):
                member = (
                    tenant_selectors.members(provider=request.org)
                    .filter(slug=query["member"])
                    .first()
                )
                if member is None:
                    raise serializers.ValidationError({"member": [_("No such member.")]})
            subject = member
        else:
            subject = request.org
        rows = reports.time_spent(
            org=request.org, year=query["year"], month=query.get("month"), member=member
        )
        support = None
        if subject is not None:
            hours = reports.support_hours(org=request.org, member=subject, year=query["year"])
            support = {"agreed_hours": hours.agreed, "spent_minutes": hours.spent_minutes}
        return Response(
            {
                "year": query["year"],
                "month": query.get("month"),
                "support": support,
                "rows": [
                    {
                        "month": r.month.strftime("%Y-%m"),
                        "municipality": r.municipality,
                        "technician": r.technician,
                        "category": r.category,
                        "minutes": r.minutes,
                    }
                    for r in rows
                ],
            }
        )


class AssetTicketPageSerializer(serializers.Serializer):
    """The paginated answer of AssetTicketsView, for the schema."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = TicketRowSerializer(many=True)


@extend_schema(tags=["helpdesk"])
class AssetTicketsView(TenantAPIView):
    """The tickets that name one inventory asset: a member's own, or any member's for the
    provider. The asset must be one this organization sees in the inventory (404 otherwise)."""

    module = "helpdesk"
    permission = "helpdesk.view"

    @extend_schema(summary="Tickets naming an asset", responses=AssetTicketPageSerializer)
    def get(self, request: TenantAPIRequest, org_slug: str, asset_id: int) -> Response:
        if not asset_selectors.assets_for_ids(org=request.org, ids=[asset_id]):
            raise Http404
        rows = selectors.asset_tickets(org=request.org, asset_id=asset_id)
        paginator = CappedPagination()
        page = paginator.paginate_queryset(selectors.ticket_api_rows(rows), request, view=self)
        return paginator.get_paginated_response(ticket_rows_data(page or []))


@extend_schema(tags=["helpdesk"])
class SlaTargetsView(TenantAPIView):
    """The provider's SLA targets per agreement level and priority, in business minutes."""

    module = "helpdesk"
    permission = "helpdesk.work"
    write_permission = "helpdesk.settings"

    @extend_schema(summary="List the SLA targets", responses=SlaTargetSerializer(many=True))
    def get(self, request: TenantAPIRequest, org_slug: str) -> Response:
        if not getattr(request.org, "is_provider", False):
            raise Http404
        rows = selectors.sla_targets(provider=request.org)
        return Response(SlaTargetSerializer(rows, many=True).data)

    @extend_schema(
        summary="Set one SLA target (provider admins)",
        description="Open tickets under it get their due times recomputed, paused time kept.",
        request=SlaTargetSerializer,
        responses=SlaTargetSerializer,
    )
    def put(self, request: TenantAPIRequest, org_slug: str) -> Response:
        if not getattr(request.org, "is_provider", False):
            raise Http404
        data = _validated(SlaTargetSerializer, request.data)
        target = services.sla_target_set(org=request.org, actor=request.user, **data)
        return Response(SlaTargetSerializer(target).data)


class PreferencesSerializer(serializers.Serializer):
    created = serializers.BooleanField(required=False)
    assigned = serializers.BooleanField(required=False)
    followup = serializers.BooleanField(required=False)
    solved = serializers.BooleanField(required=False)
    sla_warning = serializers.BooleanField(required=False)
    survey = serializers.BooleanField(required=False)


@extend_schema(tags=["helpdesk"])
class PreferencesView(TenantAPIView):
    """Which helpdesk e-mails the caller gets in this organization (true unless switched off)."""

    module = "helpdesk"
    permission = "helpdesk.view"

    def current(self, request: TenantAPIRequest) -> dict[str, bool]:
        saved = selectors.notification_preferences(org=request.org, user=request.user)
        return {event: saved.get(event, True) for event in NotificationEvent.values}

    @extend_schema(summary="My e-mail notifications", responses=PreferencesSerializer)
    def get(self, request: TenantAPIRequest, org_slug: str) -> Response:
        return Response(self.current(request))

    @extend_schema(
        summary="Change my e-mail notifications",
        request=PreferencesSerializer,
        responses=PreferencesSerializer,
    )
    def patch(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = _validated(PreferencesSerializer, request.data)
        current = self.current(request)
        for event, enabled in data.items():
            if current[event] != enabled:
                services.notification_preference_set(
                    org=request.org, actor=request.user, event=event, enabled=enabled
                )
        return Response(self.current(request))
