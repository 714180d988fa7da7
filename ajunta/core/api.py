"""Base API classes: one tenant-scoped viewset, bounded pagination, JSON errors, and core endpoints."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ajunta.core import selectors, services
from ajunta.core.authentication import token_expires_at
from ajunta.core.calendar import calendar_for
from ajunta.core.languages import activate_for_org
from ajunta.core.models import AuditEvent, LocalHoliday
from ajunta.core.modules import org_uses_module
from ajunta.core.tenancy import TenantAPIRequest, has_permission, resolve_org

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TenantAPIMixin:
    """Resolves /api/v1/o/<org_slug>/ into request.org and request.org_roles, and checks the permission.

    `permission` guards reads, `write_permission` writes; `action_permissions` may name one per action.
    Objects come only from `get_queryset()`, which subclasses build from a selector taking request.org,
    so another organization's object answers 404.
    """

    tenant_scoped = True
    permission: str = "org.view"
    write_permission: str | None = None
    module: str | None = None  # core.modules: 404 where the organization does not use it
    action_permissions: dict[str, str] = {}
    request: Any  # a TenantAPIRequest once initial() ran
    kwargs: dict[str, Any]

    def needed_permission(self, request: Request) -> str:
        action = getattr(self, "action", None)
        if action in self.action_permissions:
            return self.action_permissions[action]
        if request.method not in SAFE_METHODS and self.write_permission:
            return self.write_permission
        return self.permission

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        org, roles = resolve_org(
            request.user, self.kwargs["org_slug"], self.needed_permission(request)
        )
        if self.module and not org_uses_module(org, self.module):
            raise Http404
        tenant_request = cast(TenantAPIRequest, request)
        tenant_request.org, tenant_request.org_roles = org, roles
        activate_for_org(request, org)
        # OPTIONS: DRF describes each write on a clone of the request (clone_request), which reads
        # what it lacks from the same HttpRequest; without the tenant there, it answered a 500.
        http_request = cast(Any, request._request)
        http_request.org, http_request.org_roles = org, roles

    def can(self, permission: str) -> bool:
        return has_permission(self.request.org_roles, permission)


def body_object(request: Request) -> dict[str, Any]:
    """The request's body when it is a JSON object (or a form); a 400 for a list, a string..."""
    if not isinstance(request.data, dict):
        raise ValidationError({"detail": [_("Send a JSON object.")]})
    return request.data


class TenantViewSet(TenantAPIMixin, viewsets.GenericViewSet):
    # Every object is looked up by its numeric id: anything else in that place of the path matches
    # no endpoint (a JSON 404) instead of reaching a query that cannot take it.
    lookup_value_converter = "int"

    def get_object(self) -> Any:
        if not self.names_an_object():
            raise Http404
        return super().get_object()

    def names_an_object(self) -> bool:
        """False on a collection's own action: DRF's OPTIONS fetches the object of any action that
        takes a PUT (assets/security/), and there is none to fetch."""
        return (self.lookup_url_kwarg or self.lookup_field) in self.kwargs


class TenantAPIView(TenantAPIMixin, APIView):
    pass


# --- serializers ----------------------------------------------------------------------------------
class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    full_name = serializers.CharField(source="get_full_name")
    email = serializers.EmailField()
    preferred_language = serializers.CharField()


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_repr")

    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "action",
            "actor",
            "object_type",
            "object_id",
            "changes",
            "ip",
            "created_at",
            "hash",
        ]


class APITokenSerializer(serializers.Serializer):
    """A token without its key: whose, issued when, until when (null: never expires)."""

    user_id = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    full_name = serializers.CharField(source="user.get_full_name")
    created = serializers.DateTimeField()
    expires_at = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_expires_at(self, token: Any) -> str | None:
        expires_at = token_expires_at(token.created, provider=token.provider)
        return serializers.DateTimeField().to_representation(expires_at) if expires_at else None


class LocalHolidaySerializer(serializers.ModelSerializer):
    class Meta:
        model = LocalHoliday
        fields = ["id", "date", "name"]


class DeadlineQuerySerializer(serializers.Serializer):
    start = serializers.DateField(help_text=_("Day of notification or publication."))
    amount = serializers.IntegerField(min_value=1, max_value=3650)
    unit = serializers.ChoiceField(choices=["business_days", "calendar_days", "months", "years"])


# --- views ----------------------------------------------------------------------------------------
class MeView(APIView):
    """The authenticated user and the organizations where they hold roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class MyAPITokenView(APIView):
    """Your own API token (never its key): GET shows it, DELETE revokes it."""

    @extend_schema(summary="My API token", responses={200: APITokenSerializer, 404: None})
    def get(self, request: Request) -> Response:
        token = selectors.api_token_of(user=request.user)
        if token is None:
            raise Http404
        return Response(APITokenSerializer(token).data)

    @extend_schema(summary="Revoke my API token", responses={204: None, 404: None})
    def delete(self, request: Request) -> Response:
        if not services.api_token_revoke(org=None, actor=request.user, user=request.user):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)


class APITokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, TenantViewSet):
    """The API tokens of this organization's people, for its administrators; `{id}` is the
    user's id. Revoking one ends that user's API access everywhere."""

    permission = "org.settings"
    serializer_class = APITokenSerializer
    lookup_value_converter = "int"

    def get_queryset(self) -> Any:
        return selectors.api_tokens(org=self.request.org)

    def get_object(self) -> Any:
        try:
            return selectors.api_token_get(org=self.request.org, user_id=self.kwargs["pk"])
        except Token.DoesNotExist as exc:
            raise Http404 from exc

    def perform_destroy(self, instance: Any) -> None:
        services.api_token_revoke(org=self.request.org, actor=self.request.user, user=instance.user)


class AuditEventViewSet(mixins.ListModelMixin, TenantViewSet):
    permission = "audit.view"
    serializer_class = AuditEventSerializer

    def get_queryset(self) -> Any:
        return selectors.audit_events(
            org=self.request.org, action=self.request.query_params.get("action", "")
        )


class LocalHolidayViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TenantViewSet
):
    write_permission = "org.settings"
    serializer_class = LocalHolidaySerializer

    def get_queryset(self) -> Any:
        year = self.request.query_params.get("year")
        return selectors.local_holidays(
            org=self.request.org, year=int(year) if year and year.isdigit() else None
        )

    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        serializer = LocalHolidaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        holiday = services.local_holiday_add(
            org=request.org,
            actor=request.user,
            **serializer.validated_data,
        )
        return Response(LocalHolidaySerializer(holiday).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: LocalHoliday) -> None:
        services.local_holiday_remove(
            org=self.request.org, actor=self.request.user, holiday=instance
        )


class DeadlineView(TenantAPIView):
    """Compute a legal deadline with this organization's business calendar (Ley 39/2015 art. 30)."""

    @extend_schema(
        parameters=[DeadlineQuerySerializer],
        responses={200: OpenApiTypes.OBJECT},
        examples=[],
    )
    def get(self, request: TenantAPIRequest, org_slug: str) -> Response:
        query = DeadlineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start: dt.date = query.validated_data["start"]
        amount: int = query.validated_data["amount"]
        cal = calendar_for(request.org)
        compute = {
            "business_days": cal.add_business_days,
            "calendar_days": cal.add_calendar_days,
            "months": cal.add_months,
            "years": cal.add_years,
        }[query.validated_data["unit"]]
        due = compute(start, amount)
        return Response({**query.data, "due": due.isoformat()})


class BusinessDaysView(TenantAPIView):
    """Holidays and business days of this organization between two dates (at most a year)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description=_("Calendar year (default: this year).")),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: TenantAPIRequest, org_slug: str) -> Response:
        cal = calendar_for(request.org)
        raw = request.query_params.get("year", "")
        if raw and not (raw.isdigit() and 1900 < int(raw) < 2200):
            raise ValidationError({"year": [_("A year between 1901 and 2199.")]})
        year = int(raw) if raw else cal.today().year
        days = sorted(cal.holidays_in(year).items())
        return Response(
            {"year": year, "holidays": [{"date": d.isoformat(), "name": n} for d, n in days]}
        )
