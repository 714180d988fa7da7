"""Collegiate bodies API under /api/v1/o/<org_slug>/meetings/: thin, every rule in services.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from ajunta.cases import selectors as case_selectors
from ajunta.core.api import TenantViewSet, body_object
from ajunta.core.tenancy import TenantAPIRequest
from ajunta.meetings import opendata, rules, selectors, services
from ajunta.meetings.models import (
    AgendaItem,
    AttendanceEvent,
    Body,
    BodyKind,
    Choice,
    Convocation,
    ItemKind,
    Member,
    Minutes,
    Office,
    Session,
    SessionKind,
    SessionMode,
    VoteMethod,
)


def _valid(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- serializers -----------------------------------------------------------------------------------
class BodySerializer(serializers.ModelSerializer):
    quorum = serializers.SerializerMethodField()

    class Meta:
        model = Body
        fields = ["id", "kind", "name", "code", "legal_members", "own_quorum",
                  "own_period_months", "weighted_voting", "quorum"]  # fmt: skip

    def get_quorum(self, body: Body) -> int:
        return rules.quorum(body.legal_members, body.own_quorum)


class BodyCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=BodyKind.choices)
    name = serializers.CharField(max_length=200)
    code = serializers.SlugField(max_length=20)
    legal_members = serializers.IntegerField(
        min_value=1, max_value=99, required=False, allow_null=True
    )
    own_quorum = serializers.IntegerField(
        min_value=1, max_value=99, required=False, allow_null=True
    )
    own_period_months = serializers.IntegerField(
        min_value=1, max_value=12, required=False, allow_null=True
    )
    weighted_voting = serializers.BooleanField(required=False, default=False)


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "body", "name", "office", "group", "weight", "start", "end", "user"]


class MemberCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    office = serializers.ChoiceField(choices=Office.choices)
    start = serializers.DateField()
    end = serializers.DateField(required=False, allow_null=True)
    group = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    weight = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, default=Decimal(1)
    )
    user = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class SessionSerializer(serializers.ModelSerializer):
    body_code = serializers.CharField(source="body.code", read_only=True)

    class Meta:
        model = Session
        fields = ["id", "body", "body_code", "kind", "mode", "remote_justification", "starts_at",
                  "place", "status", "number", "convened_at", "opened_at", "closed_at",
                  "stream_url", "recording_sha256"]  # fmt: skip


class SessionCreateSerializer(serializers.Serializer):
    body = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=SessionKind.choices)
    starts_at = serializers.DateTimeField()
    mode = serializers.ChoiceField(choices=SessionMode.choices, default=SessionMode.IN_PERSON)
    remote_justification = serializers.CharField(required=False, allow_blank=True, default="")
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    stream_url = serializers.URLField(required=False, allow_blank=True, default="")


class QuorumSerializer(serializers.Serializer):
    present = serializers.IntegerField()
    remote = serializers.IntegerField()
    required_present = serializers.IntegerField(source="required")
    chair = serializers.BooleanField()
    secretary = serializers.BooleanField()
    ok = serializers.BooleanField()


class ItemSerializer(serializers.ModelSerializer):
    case_number = serializers.SerializerMethodField()

    class Meta:
        model = AgendaItem
        fields = ["id", "session", "position", "kind", "status", "title", "proposal", "case",
                  "case_number", "opinion", "minutes_of", "urgency_approved", "deliberation",
                  "vote_method", "votes_yes", "votes_no", "votes_abstain", "present", "result",
                  "agreement", "decided_at", "time_code", "content_hash"]  # fmt: skip

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_case_number(self, item: AgendaItem) -> str | None:
        return item.case.number if item.case is not None else None


class ItemCreateSerializer(serializers.Serializer):
    session = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    title = serializers.CharField(max_length=300)
    proposal = serializers.CharField(required=False, allow_blank=True, default="")
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    case = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    minutes_of = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class ReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField()


class UrgencySerializer(serializers.Serializer):
    approved = serializers.BooleanField()


class CountsSerializer(serializers.Serializer):
    yes = serializers.IntegerField(min_value=0, default=0)
    no = serializers.IntegerField(min_value=0, default=0)
    abstain = serializers.IntegerField(min_value=0, default=0)


class BallotInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1)
    choice = serializers.ChoiceField(choices=Choice.choices)


class DecideSerializer(serializers.Serializer):
    vote_method = serializers.ChoiceField(
        choices=VoteMethod.choices, required=False, allow_blank=True, default=""
    )
    ballots = BallotInputSerializer(many=True, required=False)
    counts = CountsSerializer(required=False)
    agreement = serializers.CharField(required=False, allow_blank=True, default="")
    deliberation = serializers.CharField(required=False, allow_blank=True, default="")
    time_code = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttendanceEvent
        fields = ["id", "member", "kind", "at", "remote", "source"]


class AttendanceInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=AttendanceEvent.Kind.choices)
    remote = serializers.BooleanField(default=False)


class CloseSerializer(serializers.Serializer):
    recording_sha256 = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64
    )


class JoinSerializer(serializers.Serializer):
    url = serializers.URLField()


class ConvocationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Convocation
        fields = ["id", "session", "member", "sent_at", "acknowledged_at"]


class MinutesSerializer(serializers.ModelSerializer):
    class Meta:
        model = Minutes
        fields = ["id", "session", "status", "body", "revision", "approved_in", "approved_at",
                  "secretary_signed_at", "mayor_signed_at", "number", "content_hash"]  # fmt: skip


class AmendSerializer(serializers.Serializer):
    body = serializers.CharField()


# --- viewsets --------------------------------------------------------------------------------------
class MeetingsViewSet(TenantViewSet):
    module = "meetings"
    permission = "meetings.view"
    write_permission = "meetings.manage"

    def _get(self, getter: Any, pk: Any) -> Any:
        try:
            return getter(org=self.request.org, pk=pk)
        except ObjectDoesNotExist as exc:
            raise Http404 from exc


@extend_schema(tags=["meetings"])
@extend_schema_view(
    list=extend_schema(summary="Collegiate bodies"), retrieve=extend_schema(summary="One body")
)
class BodyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MeetingsViewSet):
    serializer_class = BodySerializer

    def get_queryset(self) -> QuerySet[Body]:
        if getattr(self, "swagger_fake_view", False):
            return Body.objects.none()
        return selectors.bodies(org=self.request.org).order_by("pk")

    @extend_schema(
        summary="Create a body", request=BodyCreateSerializer, responses={201: BodySerializer}
    )
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = _valid(BodyCreateSerializer, body_object(request))
        body = services.body_create(org=request.org, actor=request.user, **data)
        return Response(BodySerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Members of the body (every seat, past ones too)",
        responses=MemberSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path="seats", pagination_class=None)
    def members(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        body = self.get_object()
        return Response(
            MemberSerializer(selectors.members(org=request.org, body=body), many=True).data
        )

    @extend_schema(
        summary="Add a member", request=MemberCreateSerializer, responses={201: MemberSerializer}
    )
    @members.mapping.post
    def add_member(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        body = self.get_object()
        data = _valid(MemberCreateSerializer, body_object(request))
        if data.get("user"):
            data["user"] = self._get(
                lambda org, pk: selectors.org_people(org=org).get(pk=pk), data["user"]
            )
        member = services.member_add(org=request.org, actor=request.user, body=body, **data)
        return Response(MemberSerializer(member).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["meetings"])
@extend_schema_view(
    list=extend_schema(summary="Sessions"), retrieve=extend_schema(summary="One session")
)
class SessionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MeetingsViewSet):
    serializer_class = SessionSerializer
    # Members join the video room; the rest of the writes need meetings.manage.
    action_permissions = {"join": "meetings.view", "leave": "meetings.view"}

    def get_queryset(self) -> QuerySet[Session]:
        if getattr(self, "swagger_fake_view", False):
            return Session.objects.none()
        return selectors.sessions(org=self.request.org).order_by("-starts_at", "pk")

    def _done(self, session: Session) -> Response:
        session.refresh_from_db()
        return Response(SessionSerializer(session).data)

    @extend_schema(
        summary="Create a session",
        request=SessionCreateSerializer,
        responses={201: SessionSerializer},
    )
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = _valid(SessionCreateSerializer, body_object(request))
        data["body"] = self._get(selectors.body_get, data["body"])
        session = services.session_create(org=request.org, actor=request.user, **data)
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Convene (checks the notice; sends the convocations)",
        request=None,
        responses=SessionSerializer,
    )
    @action(detail=True, methods=["post"])
    def convene(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        session = self.get_object()
        services.session_convene(org=request.org, actor=request.user, session=session)
        return self._done(session)

    @extend_schema(
        summary="Open the session (checks the quorum)", request=None, responses=SessionSerializer
    )
    @action(detail=True, methods=["post"], url_path="open")
    def open_session(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        session = self.get_object()
        services.session_open(org=request.org, actor=request.user, session=session)
        return self._done(session)

    @extend_schema(
        summary="Close the session", request=CloseSerializer, responses=SessionSerializer
    )
    @action(detail=True, methods=["post"])
    def close(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        session = self.get_object()
        data = _valid(CloseSerializer, body_object(request))
        services.session_close(org=request.org, actor=request.user, session=session, **data)
        return self._done(session)

    @extend_schema(
        summary="Attendance: arrivals and departures", responses=AttendanceSerializer(many=True)
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def attendance(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        session = self.get_object()
        return Response(
            AttendanceSerializer(
                selectors.attendance(org=request.org, session=session), many=True
            ).data
        )

    @extend_schema(summary="Record an arrival or a departure", request=AttendanceInputSerializer,
                   responses={201: AttendanceSerializer})  # fmt: skip
    @attendance.mapping.post
    def record_attendance(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        session = self.get_object()
        data = _valid(AttendanceInputSerializer, body_object(request))
        data["member"] = self._get(selectors.member_get, data["member"])
        event = services.attendance_record(
            org=request.org, actor=request.user, session=session, **data
        )
        return Response(AttendanceSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Quorum now", responses=QuorumSerializer)
    @action(detail=True, methods=["get"])
    def quorum(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        session = self.get_object()
        found = selectors.session_quorum(org=request.org, session=session)
        return Response(QuorumSerializer({**found.__dict__, "ok": found.ok}).data)

    @extend_schema(
        summary="Join the video room (records the online arrival)",
        request=None,
        responses=JoinSerializer,
    )
    @action(detail=True, methods=["post"])
    def join(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        session = self.get_object()
        url = services.session_video_join(org=request.org, actor=request.user, session=session)
        return Response({"url": url})

    @extend_schema(
        summary="Leave the video room (records the departure)",
        request=None,
        responses={201: AttendanceSerializer},
    )
    @action(detail=True, methods=["post"])
    def leave(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        session = self.get_object()
        event = services.session_video_leave(org=request.org, actor=request.user, session=session)
        return Response(AttendanceSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Draft (or redraft) the minutes", request=None, responses={201: MinutesSerializer}
    )
    @action(detail=True, methods=["post"])
    def minutes(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        session = self.get_object()
        minutes = services.minutes_generate(org=request.org, actor=request.user, session=session)
        return Response(MinutesSerializer(minutes).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Open data of the session (Popolo JSON)", responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def popolo(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        return Response(opendata.session_popolo(org=request.org, session=self.get_object()))


@extend_schema(tags=["meetings"])
@extend_schema_view(
    list=extend_schema(summary="Agenda items"), retrieve=extend_schema(summary="One agenda item")
)
class ItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MeetingsViewSet):
    serializer_class = ItemSerializer

    def get_queryset(self) -> QuerySet[AgendaItem]:
        if getattr(self, "swagger_fake_view", False):
            return AgendaItem.objects.none()
        return (
            AgendaItem.objects.filter(organization=self.request.org)
            .select_related("case")
            .order_by("session", "position", "pk")
        )

    @extend_schema(summary="Propose an item (reviewed before the agenda is convened)",
                   request=ItemCreateSerializer, responses={201: ItemSerializer})  # fmt: skip
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = _valid(ItemCreateSerializer, body_object(request))
        data["session"] = self._get(selectors.session_get, data["session"])
        if data.get("case"):
            data["case"] = self._get(case_selectors.case_get_brief, data["case"])
        if data.get("minutes_of"):
            data["minutes_of"] = self._get(selectors.session_get, data["minutes_of"])
        item = services.item_propose(org=request.org, actor=request.user, **data)
        return Response(ItemSerializer(item).data, status=status.HTTP_201_CREATED)

    def _done(self, item: AgendaItem) -> Response:
        return Response(ItemSerializer(self._get(selectors.item_get, item.pk)).data)

    @extend_schema(
        summary="Review: put on the agenda or send back",
        request=ReviewSerializer,
        responses=ItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def review(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        item = self.get_object()
        data = _valid(ReviewSerializer, body_object(request))
        return self._done(
            services.item_review(org=request.org, actor=request.user, item=item, **data)
        )

    @extend_schema(
        summary="Vote the urgency of an urgent motion",
        request=UrgencySerializer,
        responses=ItemSerializer,
    )
    @action(detail=True, methods=["post"])
    def urgency(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        item = self.get_object()
        data = _valid(UrgencySerializer, body_object(request))
        return self._done(
            services.item_urgency_vote(org=request.org, actor=request.user, item=item, **data)
        )

    @extend_schema(summary="Record the vote and the agreement; the item is then locked",
                   request=DecideSerializer, responses=ItemSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def decide(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        item = self.get_object()
        data = _valid(DecideSerializer, body_object(request))
        ballots = {b["member"]: b["choice"] for b in data.pop("ballots", None) or []}
        counts = data.pop("counts", None)
        return self._done(services.item_decide(
            org=request.org, actor=request.user, item=item, ballots=ballots or None,
            counts=dict(counts) if counts is not None else None, **data,
        ))  # fmt: skip


@extend_schema(tags=["meetings"])
@extend_schema_view(list=extend_schema(summary="My convocations"))
class ConvocationViewSet(mixins.ListModelMixin, MeetingsViewSet):
    serializer_class = ConvocationSerializer
    write_permission = "meetings.view"

    def get_queryset(self) -> QuerySet[Convocation]:
        if getattr(self, "swagger_fake_view", False):
            return Convocation.objects.none()
        return Convocation.objects.filter(
            organization=self.request.org, member__user=self.request.user
        ).order_by("-sent_at", "pk")

    @extend_schema(summary="Acknowledge receipt", request=None, responses=ConvocationSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        convocation = self.get_object()
        done = services.convocation_acknowledge(
            org=request.org, actor=request.user, convocation=convocation
        )
        return Response(ConvocationSerializer(done).data)


@extend_schema(tags=["meetings"])
@extend_schema_view(retrieve=extend_schema(summary="Minutes"))
class MinutesViewSet(mixins.RetrieveModelMixin, MeetingsViewSet):
    serializer_class = MinutesSerializer
    action_permissions = {"sign": "meetings.view"}

    def get_queryset(self) -> QuerySet[Minutes]:
        if getattr(self, "swagger_fake_view", False):
            return Minutes.objects.none()
        return Minutes.objects.filter(organization=self.request.org)

    @extend_schema(summary="Amend the draft", request=AmendSerializer, responses=MinutesSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        minutes = self.get_object()
        data = _valid(AmendSerializer, body_object(request))
        return Response(
            MinutesSerializer(
                services.minutes_amend(org=request.org, actor=request.user, minutes=minutes, **data)
            ).data
        )

    @extend_schema(
        summary="Sign (the secretary and the mayor)", request=None, responses=MinutesSerializer
    )
    @action(detail=True, methods=["post"])
    def sign(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        minutes = self.get_object()
        if not request.user.is_authenticated:
            raise PermissionDenied
        return Response(
            MinutesSerializer(
                services.minutes_sign(org=request.org, actor=request.user, minutes=minutes)
            ).data
        )
