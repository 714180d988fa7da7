"""ENI in, over the API: POST /api/v1/o/<slug>/cases/eni-import/ (multipart).

`file` is an ENI document (XML) or an ENI case file package (zip). With `case` (an id of the
organization's case files) its documents join that case; without it, the package becomes a new
case of `procedure` (a procedure code), numbered `number` (default: its ENI identifier). A
refusal is a 400 with the reason, and nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from ajunta.cases import eni_import
from ajunta.cases.models import Case, Procedure
from ajunta.core.api import TenantAPIView
from ajunta.core.tenancy import TenantAPIRequest

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class EniImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    case = serializers.IntegerField(required=False, help_text="Add to this case file.")
    procedure = serializers.CharField(
        required=False, max_length=40, help_text="Procedure code of a new case file."
    )
    number = serializers.CharField(required=False, max_length=40, allow_blank=True)
    subject = serializers.CharField(required=False, max_length=240, allow_blank=True)


class EniImportResultSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    number = serializers.CharField()
    documents = serializers.IntegerField(help_text="Documents of the case file after the import.")


class EniImportView(TenantAPIView):
    permission = "cases.manage"
    parser_classes = [MultiPartParser]

    @extend_schema(
        tags=["cases"],
        request={"multipart/form-data": EniImportRequestSerializer},
        responses={
            201: EniImportResultSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="Why the file was refused."),
        },
    )
    def post(self, request: TenantAPIRequest, org_slug: str) -> Response:
        data = EniImportRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = data.validated_data
        upload = values["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError({"file": [_("The package is larger than 200 MB.")]})
        content = upload.read()
        if values.get("case"):
            case = Case.objects.filter(organization=request.org, pk=values["case"]).first()
            if case is None:
                raise ValidationError({"case": [_("The case file does not exist.")]})
            eni_import.eni_document_import(
                org=request.org, actor=request.user, case=case, data=content
            )
        else:
            procedure = Procedure.objects.filter(
                organization=request.org, code=values.get("procedure", "")
            ).first()
            if procedure is None:
                raise ValidationError({"procedure": [_("Unknown procedure.")]})
            case = eni_import.eni_case_import(
                org=request.org, actor=request.user, procedure=procedure, data=content,
                number=values.get("number", ""), subject=values.get("subject", ""),
            )  # fmt: skip
        result = {"case": case.pk, "number": case.number, "documents": case.documents.count()}
        return Response(EniImportResultSerializer(result).data, status=status.HTTP_201_CREATED)
