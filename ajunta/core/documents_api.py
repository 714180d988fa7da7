"""Documents API: list, upload (multipart), detail and download of an organization's documents."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.http import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ajunta.core import selectors
from ajunta.core.api import TenantViewSet
from ajunta.core.documents import DocumentIntegrityError, document_open, document_store
from ajunta.core.documents_views import document_file_response
from ajunta.core.models import Document, EniDocumentType, EniElaborationState, EniOrigin


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = [
            "id", "name", "size", "sha256", "content_type", "document_type", "origin",
            "elaboration_state", "capture_date", "dir3_body", "created_at", "registered_at",
        ]  # fmt: skip
        read_only_fields = fields


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_("The document. Its type is detected from the content, never from the name.")
    )
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=1000,
        help_text=_("File name to keep (default: the uploaded file's name)."),
    )  # fmt: skip
    document_type = serializers.ChoiceField(
        choices=EniDocumentType.choices, default=EniDocumentType.TD99
    )
    origin = serializers.ChoiceField(choices=EniOrigin.choices, default=EniOrigin.ADMINISTRATION)
    elaboration_state = serializers.ChoiceField(
        choices=EniElaborationState.choices, default=EniElaborationState.EE01
    )
    capture_date = serializers.DateTimeField(required=False, help_text=_("Default: now."))
    dir3_body = serializers.CharField(
        required=False, allow_blank=True, max_length=9,
        help_text=_("DIR3 code of the body (default: the organization's)."),
    )  # fmt: skip


class DocumentIntegrityFailed(APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = _("This document failed its integrity check and cannot be served.")
    default_code = "integrity_error"


# A download answers the document's own media type (served_content_type), whatever it is.
DOCUMENT_DOWNLOAD_RESPONSE = OpenApiResponse(
    OpenApiTypes.BINARY, description="The stored bytes, with the document's own media type."
)


class PassthroughRenderer(BaseRenderer):
    """Lets a client ask for the file's own type; the FileResponse itself is never rendered."""

    media_type = "*/*"
    format = "file"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        # Only errors (404, 403) reach here: answer them as JSON bytes.
        return json.dumps(data).encode() if data is not None else b""


@extend_schema_view(
    list=extend_schema(summary="List documents", description="Newest first."),
    retrieve=extend_schema(summary="One document's metadata"),
)
class DocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Documents of this organization, content-addressed by SHA-256, with their ENI metadata."""

    permission = "documents.view"
    write_permission = "documents.upload"
    serializer_class = DocumentSerializer
    lookup_value_converter = "uuid"
    parser_classes = [MultiPartParser]  # the only write is the multipart upload

    def get_queryset(self) -> Any:
        return selectors.documents(org=self.request.org)  # type: ignore[attr-defined]

    @extend_schema(
        summary="Upload a document",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={
            201: DocumentSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="Field messages: empty, too large, type not accepted.",
            ),
        },
    )
    def create(self, request: Request, org_slug: str) -> Response:
        upload = DocumentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        values = dict(upload.validated_data)
        document = document_store(
            org=request.org,  # type: ignore[attr-defined]
            actor=request.user,
            uploaded_file=values.pop("file"),
            **values,
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Download a document",
        description="The stored bytes, after checking their SHA-256. Always an attachment.",
        responses={
            (200, "*/*"): DOCUMENT_DOWNLOAD_RESPONSE,
            404: OpenApiResponse(description="No such document in this organization."),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PassthroughRenderer])
    def download(self, request: Request, org_slug: str, pk: UUID) -> HttpResponseBase:
        document = self.get_object()
        try:
            handle = document_open(org=request.org, document=document)  # type: ignore[attr-defined]
        except DocumentIntegrityError as exc:
            raise DocumentIntegrityFailed from exc
        return document_file_response(document, handle)
