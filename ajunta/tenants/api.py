from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ajunta.core.api import TenantAPIView
from ajunta.core.selectors import organizations_of_user
from ajunta.core.tenancy import TenantAPIRequest, user_roles_by_org
from ajunta.tenants import services
from ajunta.tenants.models import Organization


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "slug", "name", "kind", "is_provider", "ine_code", "dir3_code", "population",
            "population_year", "province_code", "autonomous_community_code", "comarca",
        ]  # fmt: skip
        read_only_fields = ["slug", "kind", "is_provider", "ine_code", "dir3_code"]


class MembershipSerializer(OrganizationSerializer):
    roles = serializers.SerializerMethodField()

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "roles"]

    def get_roles(self, org: Organization) -> list[str]:
        return sorted(self.context["roles"].get(org.pk, ()))


class MyOrganizationsView(APIView):
    """The organizations where the authenticated user holds roles, with those roles."""

    @extend_schema(responses=MembershipSerializer(many=True))
    def get(self, request: Request) -> Response:
        orgs = organizations_of_user(user=request.user)
        context = {"roles": user_roles_by_org(request.user)}
        return Response(MembershipSerializer(orgs, many=True, context=context).data)


class OrganizationDetailView(TenantAPIView):
    """This organization's profile. Administrators may correct population and comarca."""

    write_permission = "org.settings"

    @extend_schema(responses=OrganizationSerializer)
    def get(self, request: TenantAPIRequest, org_slug: str) -> Response:
        return Response(OrganizationSerializer(request.org).data)

    @extend_schema(request=OrganizationSerializer, responses=OrganizationSerializer)
    def patch(self, request: TenantAPIRequest, org_slug: str) -> Response:
        org: Any = request.org
        serializer = OrganizationSerializer(org, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        org = services.organization_update(org=org, actor=request.user, **serializer.validated_data)
        return Response(OrganizationSerializer(org).data)
