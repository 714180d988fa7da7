"""API of the register of persons: /api/v1/o/<org>/persons/ (list with ?q= and ?id_number=,
detail, create, partial update, merge, export). Thin: the rules live in services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from ajunta.core.api import TenantViewSet
from ajunta.core.jsonbody import BoundedJSONParser
from ajunta.core.parties import IdType, PersonType
from ajunta.core.tenancy import TenantAPIRequest
from ajunta.persons import selectors, services
from ajunta.persons.models import Address, Channel, Person

ERRORS = OpenApiResponse(OpenApiTypes.OBJECT, description="Field messages of a refusal.")


class AddressSerializer(serializers.ModelSerializer):
    class Meta:
        model = Address
        fields = ["id", "kind", "street", "postal_code", "municipality_ine", "province_code",
                  "country_code", "is_primary"]  # fmt: skip


class PersonSerializer(serializers.ModelSerializer):
    person_type = serializers.ChoiceField(choices=PersonType.choices)
    id_type = serializers.ChoiceField(choices=IdType.choices)
    preferred_channel = serializers.ChoiceField(
        choices=[("", ""), *Channel.choices], required=False, allow_blank=True
    )
    full_name = serializers.CharField(read_only=True)
    addresses = AddressSerializer(many=True, read_only=True)
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True, allow_null=True)

    class Meta:
        model = Person
        fields = [
            "id", "person_type", "id_type", "id_number", "full_name", "name", "first_surname",
            "second_surname", "company_name", "email", "phone", "mobile", "deh_email",
            "preferred_channel", "electronic_consent", "electronic_consent_at", "observations",
            "addresses", "merged_into", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["electronic_consent_at", "created_at", "updated_at"]
        extra_kwargs: dict[str, Any] = {
            "email": {"validators": []},
            "deh_email": {"validators": []},
        }


class PersonCreateSerializer(PersonSerializer):
    address = AddressSerializer(required=False, write_only=True)

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "address"]


class MergeSerializer(serializers.Serializer):
    duplicate = serializers.IntegerField(help_text="Id of the person merged into this one.")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)


FILTERS = [
    OpenApiParameter("q", str, description="Words in the number, names or e-mail."),
    OpenApiParameter("id_number", str, description="Exactly this identity number (NIF lookup)."),
]


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """The organization's register of persons (merged persons are left out of the list)."""

    permission = "persons.view"
    write_permission = "persons.manage"
    action_permissions = {"merge": "persons.merge"}
    parser_classes = [BoundedJSONParser]
    serializer_class = PersonSerializer

    def get_queryset(self) -> Any:
        params = self.request.query_params
        org = self.request.org
        if self.action != "list":
            return selectors.persons(org=org, include_merged=True).prefetch_related("addresses")
        id_number = params.get("id_number", "")[:20]
        if id_number:
            person = selectors.person_by_id_number(org=org, id_number=id_number)
            if person is None:
                return Person.objects.none()
            return Person.objects.filter(pk=person.pk).prefetch_related("addresses")
        return selectors.persons(org=org, q=params.get("q", "")[:100]).prefetch_related("addresses")

    @extend_schema(parameters=FILTERS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PersonCreateSerializer, responses={201: PersonSerializer, 400: ERRORS})
    def create(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = PersonCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        person = services.person_create(org=request.org, actor=request.user, **values)
        fresh = selectors.person_get(org=request.org, pk=person.pk)
        return Response(PersonSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PersonSerializer, responses={200: PersonSerializer, 400: ERRORS})
    def partial_update(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        person = self.get_object()
        data = PersonSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.person_update(org=request.org, actor=request.user, person=person,
                               **data.validated_data)  # fmt: skip
        fresh = selectors.person_get(org=request.org, pk=person.pk)
        return Response(PersonSerializer(fresh).data)

    @extend_schema(request=MergeSerializer, responses={200: PersonSerializer, 400: ERRORS})
    @action(detail=True, methods=["post"])
    def merge(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        into = self.get_object()
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        duplicate = (
            selectors.persons(org=request.org).filter(pk=data.validated_data["duplicate"]).first()
        )
        if duplicate is None:
            raise ValidationError({"duplicate": [_("Nobody in the register has this id.")]})
        services.person_merge(org=request.org, actor=request.user, duplicate=duplicate,
                              into=into, reason=data.validated_data.get("reason", ""))  # fmt: skip
        fresh = selectors.person_get(org=request.org, pk=into.pk)
        return Response(PersonSerializer(fresh).data)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"])
    def export(self, request: TenantAPIRequest, org_slug: str, pk: int) -> Response:
        """Everything the organization holds about the person (GDPR access), as JSON."""
        person = self.get_object()
        return Response(services.person_export(org=request.org, actor=request.user, person=person))
