"""Idempotent creation over the API: a client that lost the answer to a POST (a dropped
connection, a worker killed under the request) sends it again with the same `Idempotency-Key`
header, and gets what the first request created instead of a second copy.

The key is the client's (at most 80 characters, e.g. a UUID per operation), kept on the created
row with the SHA-256 of the request (`request_digest`); a retry by the same user with the same
key and body answers 200 with that row, the same key with another body answers 422
(`IdempotencyKeyConflict`) and creates nothing. The registry's filings and the helpdesk's tickets
use it; a unique constraint on (organization, creator, key) settles two retries racing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request

HEADER = "Idempotency-Key"
MAX_LENGTH = 80


def idempotency_key(request: Request) -> str:
    """The request's key ("" without one); a 400 when it is longer than a key may be."""
    key = (request.headers.get(HEADER) or "").strip()
    if len(key) > MAX_LENGTH:
        raise ValidationError(
            {HEADER: [_("At most %(limit)d characters.") % {"limit": MAX_LENGTH}]}
        )
    return key


def request_digest(payload: Any, files: Iterable[Any] = ()) -> str:
    """SHA-256 of a request as parsed (key order and spacing do not count) and of its files."""
    digest = hashlib.sha256(
        json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                   default=str).encode()
    )  # fmt: skip
    for upload in files:
        digest.update(f"\n{upload.name}\n{upload.size}\n".encode())
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
    return digest.hexdigest()


class IdempotencyKeyConflict(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"


def parameter(what: str) -> OpenApiParameter:
    """The header's description in the OpenAPI schema, for an operation that creates `what`."""
    return OpenApiParameter(
        HEADER, str, OpenApiParameter.HEADER, required=False,
        description=(
            f"Optional, at most {MAX_LENGTH} characters. A retry with the same key and the same "
            f"body by the same user creates nothing new and answers 200 with the {what} the first "
            f"request created. The same key with a different body answers 422 and creates "
            f"nothing. Use a fresh key (e.g. a UUID) per {what}."
        ),
    )  # fmt: skip


CONFLICT_RESPONSE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=gettext_lazy(
        "The Idempotency-Key was already used by this user with a different body; nothing new "
        "is created."
    ),
)
