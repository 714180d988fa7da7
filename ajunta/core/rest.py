"""REST framework defaults named in settings (kept apart from api.py to avoid an import cycle)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ajunta.core.jsonbody import BodyTooLarge, too_large_message


class BoundedPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Services raise Django's ValidationError; the API answers it as a 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail=detail)
    # Django refuses these while reading a form or multipart body; left alone they would become
    # Django's HTML error page instead of the API's JSON.
    elif isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge(too_large_message(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = ParseError(_("The body has more fields or files than accepted."))
    return drf_exception_handler(exc, context)
