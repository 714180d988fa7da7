"""Appointments API: staff endpoints are tenant-scoped (offices, services, desks, bookings and
their actions, closures); the public ones (free slots, e-mail verification, booking, the private
link) take no account, are throttled per address and identify the person by NIF/NIE and a code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from ajunta.appointments import selectors, services
from ajunta.appointments.models import Booking, CalendarException, Desk, Office, Service
from ajunta.appointments.services import BookingRefused
from ajunta.appointments.slots import compute_slots, slot_times
from ajunta.core.api import TenantViewSet, body_object
from ajunta.core.modules import org_uses_module
from ajunta.core.tenancy import TenantAPIRequest, organization_model
from ajunta.core.views import public

MAX_RANGE_DAYS = 62


class OfficeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Office
        fields = ["id", "name", "address", "accessibility", "map_url", "phone", "is_active",
                  "min_notice_hours", "horizon_days", "cancel_until_hours", "reminder_hours"]  # fmt: skip


class ServiceSerializer(serializers.ModelSerializer):
    # Plain text, not an enum: "channel" names other choice sets in the schema (registry, helpdesk).
    channel = serializers.CharField(read_only=True, help_text="in_person, phone or video")

    class Meta:
        model = Service
        fields = ["id", "name", "description", "documents_to_bring", "duration_minutes", "channel",
                  "capacity", "max_per_person", "limit_period_days", "is_active"]  # fmt: skip


class DeskSerializer(serializers.ModelSerializer):
    services: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Desk
        fields = ["id", "office", "name", "services", "is_active"]


class BookingSerializer(serializers.ModelSerializer):
    service_name = serializers.CharField(source="service.name", read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "locator", "office", "desk", "service", "service_name", "starts", "ends",
                  "status", "name", "identifier", "email", "phone", "walk_in", "turn",
                  "created_at", "checked_in_at", "called_at", "finished_at", "cancelled_at"]  # fmt: skip
        read_only_fields = fields


class ClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarException
        fields = ["id", "kind", "office", "desk", "starts", "ends", "reason"]


class AgendaFilterSerializer(serializers.Serializer):
    day = serializers.DateField(required=False, help_text="The day (default: today).")
    office = serializers.IntegerField(required=False)


def _refusal(error: ValidationError) -> DRFValidationError:
    return DRFValidationError(
        {"detail": error.messages, "code": getattr(error, "code", None) or "refused"}
    )


@extend_schema(tags=["appointments"])
class OfficeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Offices where appointments are given."""

    module = "appointments"
    permission = "appointments.view"
    serializer_class = OfficeSerializer

    def get_queryset(self) -> QuerySet[Office]:
        if getattr(self, "swagger_fake_view", False):
            return Office.objects.none()
        return selectors.offices(org=self.request.org).order_by("name", "pk")


@extend_schema(tags=["appointments"])
class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Services that may be booked."""

    module = "appointments"
    permission = "appointments.view"
    serializer_class = ServiceSerializer

    def get_queryset(self) -> QuerySet[Service]:
        if getattr(self, "swagger_fake_view", False):
            return Service.objects.none()
        return selectors.services(org=self.request.org).order_by("name", "pk")


@extend_schema(tags=["appointments"])
class DeskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Desks (or staff) and the services each serves."""

    module = "appointments"
    permission = "appointments.view"
    serializer_class = DeskSerializer

    def get_queryset(self) -> QuerySet[Desk]:
        if getattr(self, "swagger_fake_view", False):
            return Desk.objects.none()
        return selectors.desks(org=self.request.org).prefetch_related("services").order_by("pk")


@extend_schema(tags=["appointments"])
@extend_schema_view(
    list=extend_schema(summary="The day's agenda", parameters=[AgendaFilterSerializer])
)
class BookingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Bookings: the day's agenda, and the actions at the office."""

    module = "appointments"
    permission = "appointments.view"
    write_permission = "appointments.attend"
    serializer_class = BookingSerializer

    def get_queryset(self) -> QuerySet[Booking]:
        if getattr(self, "swagger_fake_view", False):
            return Booking.objects.none()
        if self.action != "list":
            return selectors.bookings(org=self.request.org)
        params = AgendaFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        office = None
        if "office" in params.validated_data:
            office = (
                selectors.offices(org=self.request.org)
                .filter(pk=params.validated_data["office"])
                .first()
            )
            if office is None:
                raise DRFValidationError({"office": [_("No such office.")]})
        day = params.validated_data.get("day") or timezone.localdate()
        if not dt.date(1900, 1, 1) <= day <= dt.date(9000, 1, 1):
            raise DRFValidationError({"day": [_("Give a date within the calendar.")]})
        return selectors.agenda(org=self.request.org, day=day, office=office)

    def _act(self, name: str) -> Response:
        booking = self.get_object()
        try:
            if name == "cancel":
                booking = services.booking_cancel(
                    org=self.request.org, actor=self.request.user, booking=booking, by_citizen=False
                )
            else:
                function = {"check_in": services.booking_check_in, "call": services.booking_call,
                            "serve": services.booking_serve, "no_show": services.booking_no_show}[name]  # fmt: skip
                booking = function(org=self.request.org, actor=self.request.user, booking=booking)
        except ValidationError as error:
            raise _refusal(error) from error
        booking = selectors.bookings(org=self.request.org).get(pk=booking.pk)
        return Response(BookingSerializer(booking).data)

    @extend_schema(
        summary="The person arrived (gives a turn number)",
        request=None,
        responses=BookingSerializer,
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act("check_in")

    @extend_schema(summary="Call the person to the desk", request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def call(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act("call")

    @extend_schema(summary="Served", request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def serve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act("serve")

    @extend_schema(summary="Did not come", request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act("no_show")

    @extend_schema(summary="Cancel (by the office)", request=None, responses=BookingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._act("cancel")


class ClosureInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["closed", "open"], default="closed")
    office = serializers.IntegerField(required=False, allow_null=True)
    starts = serializers.DateTimeField()
    ends = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


@extend_schema(tags=["appointments"])
class ClosureViewSet(mixins.ListModelMixin, TenantViewSet):
    """One-off closures and openings typed in (imported calendars' events are not listed)."""

    module = "appointments"
    permission = "appointments.view"
    write_permission = "appointments.settings"
    serializer_class = ClosureSerializer

    def get_queryset(self) -> QuerySet[CalendarException]:
        if getattr(self, "swagger_fake_view", False):
            return CalendarException.objects.none()
        return selectors.exceptions(org=self.request.org).order_by("starts", "pk")

    @extend_schema(summary="Close (or open) an office on some dates", request=ClosureInputSerializer,
                   responses={201: ClosureSerializer})  # fmt: skip
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = ClosureInputSerializer(data=body_object(request))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        office_id = values.pop("office", None)
        office = None
        if office_id is not None:
            office = selectors.offices(org=request.org).filter(pk=office_id).first()
            if office is None:
                raise DRFValidationError({"office": [_("No such office.")]})
        try:
            closure = services.exception_create(
                org=request.org, actor=request.user, office=office, **values
            )
        except ValidationError as error:
            raise DRFValidationError({"detail": error.messages}) from error
        return Response(ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)


# --- public -----------------------------------------------------------------------------------------
class PublicThrottle(AnonRateThrottle):
    scope = "anon"

    def get_rate(self) -> str:
        return str(settings.APPOINTMENTS_PUBLIC_API_RATE)

    def get_cache_key(self, request: Any, view: Any) -> str:
        # Logged-in callers are throttled too (AnonRateThrottle would let them through).
        return self.cache_format % {"scope": "appointments", "ident": self.get_ident(request)}


def _public_org(slug: str) -> Any:
    org = organization_model().objects.filter(slug=slug).first()
    if org is None or not org_uses_module(org, "appointments"):
        raise Http404
    return org


class SlotQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day (default: today).", required=False)
    end = serializers.DateField(help_text="Last day (at most 62 days after start).", required=False)


class SlotSerializer(serializers.Serializer):
    starts = serializers.DateTimeField()
    ends = serializers.DateTimeField()
    free = serializers.IntegerField()


class PublicAPIView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]


@extend_schema(tags=["appointments"], summary="Free times of a service", parameters=[SlotQuerySerializer],
               responses=SlotSerializer(many=True))  # fmt: skip
@public("public appointments API: throttled per address")
class PublicSlotsView(PublicAPIView):
    def get(self, request: Request, org_slug: str, service_id: int) -> Response:
        org = _public_org(org_slug)
        service = selectors.services(org=org, active_only=True).filter(pk=service_id).first()
        if service is None:
            raise Http404
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        today = timezone.localdate()
        start = query.validated_data.get("start") or today
        if abs((start - today).days) > 3660:
            raise DRFValidationError({"start": [_("Give a date within ten years of today.")]})
        end = query.validated_data.get("end") or start + dt.timedelta(days=13)
        if end < start or (end - start).days > MAX_RANGE_DAYS:
            raise DRFValidationError({"end": [_("The range is from 0 to 62 days.")]})
        rows = slot_times(compute_slots(org=org, service=service, first_day=start, last_day=end))
        return Response(SlotSerializer(rows, many=True).data)


class VerificationInputSerializer(serializers.Serializer):
    service = serializers.IntegerField()
    starts = serializers.DateTimeField()
    name = serializers.CharField(max_length=200)
    identifier = serializers.CharField(max_length=20, help_text="DNI/NIF or NIE.")
    email = serializers.EmailField()
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")


class VerificationSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it back with the code the e-mail carries.")


class CodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=6, min_length=6)


class PublicBookingSerializer(serializers.Serializer):
    locator = serializers.CharField()
    access_token = serializers.CharField(help_text="The private link's key: keep it secret.")
    service = serializers.CharField(source="service.name")
    office = serializers.CharField(source="office.name")
    starts = serializers.DateTimeField()
    ends = serializers.DateTimeField()
    status = serializers.CharField()


@extend_schema(tags=["appointments"], summary="Ask for a booking: a code is e-mailed",
               request=VerificationInputSerializer, responses={201: VerificationSerializer})  # fmt: skip
@public("public appointments API: throttled per address")
class PublicVerificationView(PublicAPIView):
    def post(self, request: Request, org_slug: str) -> Response:
        org = _public_org(org_slug)
        data = VerificationInputSerializer(data=body_object(request))
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not selectors.services(org=org, active_only=True).filter(pk=values["service"]).exists():
            raise DRFValidationError({"service": [_("That service is not offered.")]})
        try:
            identifier = services.normalize_identifier(values["identifier"])
        except BookingRefused as error:
            raise DRFValidationError({"identifier": error.messages}) from error
        verification = services.verification_start(
            org=org, email=values["email"],
            draft={**{k: v for k, v in values.items() if k != "starts"},
                   "starts": values["starts"].isoformat(), "identifier": identifier,
                   "language": translation.get_language() or "ca"},
        )  # fmt: skip
        return Response({"token": verification.token}, status=status.HTTP_201_CREATED)


@extend_schema(tags=["appointments"], summary="Confirm with the code: the booking is made",
               request=CodeInputSerializer, responses={201: PublicBookingSerializer})  # fmt: skip
@public("public appointments API: throttled per address")
class PublicConfirmView(PublicAPIView):
    def post(self, request: Request, org_slug: str, token: str) -> Response:
        org = _public_org(org_slug)
        data = CodeInputSerializer(data=body_object(request))
        if not data.is_valid():
            # The refusal's `code` is the machine-readable reason (the error schema): the field
            # that carries the citizen's code cannot lend its name to the messages.
            messages = [str(m) for errors in data.errors.values() for m in errors]
            raise DRFValidationError({"detail": messages, "code": "invalid_code"})
        try:
            verification = services.verification_check(
                org=org, token=token, code=data.validated_data["code"]
            )
            draft = verification.draft
            service = selectors.services(org=org, active_only=True).get(pk=draft["service"])
            booking = services.booking_create(
                org=org, actor=None, service=service, starts=dt.datetime.fromisoformat(draft["starts"]),
                name=draft["name"], identifier=draft["identifier"], email=draft["email"],
                phone=draft.get("phone", ""), language=draft.get("language", "ca"),
            )  # fmt: skip
        except Service.DoesNotExist as error:
            raise DRFValidationError({"service": [_("That service is not offered.")]}) from error
        except ValidationError as error:
            raise _refusal(error) from error
        return Response(PublicBookingSerializer(booking).data, status=status.HTTP_201_CREATED)
