"""REST framework defaults named in settings (kept apart from api.py to avoid an import cycle)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import NotFound, ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ajunta.core.jsonbody import BodyTooLarge, too_large_message


class BoundedPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every error of the API, in one shape (the schema's `Error` component, ajunta.core.schema).

    Services raise Django's ValidationError; the API answers it as a 400 with field messages.
    An error is always JSON, also where the client asked for a file (`?format=file`, Accept: */*):
    a download's own renderer would send the error with the file's media type, or none.
    """
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail=detail)
    # Django refuses these while reading a form or multipart body; left alone they would become
    # Django's HTML error page instead of the API's JSON.
    elif isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge(too_large_message(settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = ParseError(_("The body has more fields or files than accepted."))
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    if response is not None and request is not None:
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is not None and not isinstance(renderer, JSONRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
    return response


@csrf_exempt  # as the API's views: a POST to a wrong path is a 404, not the HTML CSRF page
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """/api/ paths that match no endpoint (an id that is not a number, a typo): a JSON 404 in the
    Error shape, as every other API answer, instead of the HTML page."""
    return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
