"""The OpenAPI schema says what the API answers (docs/security.md, "The API contract").

Three rules, applied to every operation here rather than view by view:

- **Tags by module.** An operation is tagged with the app that serves it (registry, sir, cases,
  helpdesk, assets, tenants, core), so the docs read by module.
- **Null and blank where they are answered.** A response field declared with `default=None` (a
  dotted source through an optional relation, such as a ticket's group) answers null when the
  relation is empty: the schema marks it nullable, as it does for `allow_null`. A read-only field
  of a model column with `blank=True` answers "" (DRF drops `allow_blank` from read-only fields):
  the schema allows "" beside its format or choices.
- **Every error answer documented, with one body.** All errors go through
  `ajunta.core.rest.exception_handler` and share one shape, the `Error` component. Which of them an
  operation can answer follows from the view: 401 when it authenticates, 403 when it checks a
  permission, 404 when its path names an organization or an object (or it pages a list), 400 when
  it reads a body or query parameters, 429 when it is throttled.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.permissions import AllowAny

ERROR_COMPONENT = "Error"
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Every error answer of the API. `detail` says what went wrong (a message, or the "
        "messages of a refusal that concerns no single field); a refused request also names "
        "each field it refuses, with that field's messages (a list of strings, or an object "
        "or list of objects for nested fields)."
    ),
    "properties": {
        "detail": {
            "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        },
        "code": {"type": "string", "description": "A machine-readable code, where one applies."},
    },
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {}}, {"type": "object"}, {"type": "string"}]
    },
}
ERROR_DESCRIPTIONS = {
    "400": "The request was refused: its fields' messages, or `detail`.",
    "401": "No valid credentials: the token is missing, wrong or expired.",
    "403": "Not allowed: no role in this organization grants this action.",
    "404": (
        "Not found: no such object, an object of another organization, an organization that "
        "does not use this module, or a page past the last one."
    ),
    "429": "Too many requests: wait the seconds that Retry-After says.",
}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# The answers the error handler gives whatever the view declares: a documented error body of
# another shape (a free-form object, or none) is replaced by the one Error component.
ERROR_STATUS_CODES = ("400", "401", "403", "404", "409", "413", "422", "429")


def module_tag(view: Any) -> str:
    """`ajunta.registry.api` -> `registry`: the app that serves the view."""
    parts = type(view).__module__.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "ajunta" else parts[0]


def answers_blank(field: Any) -> bool:
    """A read-only field of a ModelSerializer whose column may hold "" (DRF drops its allow_blank)."""
    parent = getattr(field, "parent", None)
    if not isinstance(parent, serializers.ModelSerializer) or "." in (field.source or "."):
        return False
    try:
        column = parent.Meta.model._meta.get_field(field.source)  # type: ignore[attr-defined]
    except FieldDoesNotExist:
        return False
    return isinstance(column, models.CharField | models.TextField) and column.blank


class AjuntaAutoSchema(AutoSchema):
    def get_tags(self) -> list[str]:
        return [module_tag(self.view)]

    def _map_serializer_field(
        self, field: Any, direction: str, bypass_extensions: bool = False
    ) -> dict[str, Any]:
        if (
            direction == "response"
            and field.read_only
            and hasattr(field, "allow_blank")
            and not field.allow_blank
            and answers_blank(field)
        ):
            field.allow_blank = True  # a schema-time instance: what the column may answer
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_serializer_field_meta(self, field: Any, direction: str) -> dict[str, Any]:
        meta = super()._get_serializer_field_meta(field, direction)
        if direction == "response" and field.default is None and field.default is not empty:
            meta["nullable"] = True
        return meta

    def error_status_codes(self, operation: dict[str, Any]) -> list[str]:
        view = self.view
        codes = []
        parameters = operation.get("parameters", [])
        if self.method in BODY_METHODS or any(p["in"] == "query" for p in parameters):
            codes.append("400")
        if view.get_authenticators():
            codes.append("401")
        if not all(isinstance(p, AllowAny) for p in view.get_permissions()):
            codes.append("403")
        if any(p["in"] == "path" for p in parameters) or any(
            p["in"] == "query" and p["name"] == "page" for p in parameters
        ):
            codes.append("404")
        if view.get_throttles():
            codes.append("429")
        return codes

    def error_ref(self) -> dict[str, Any]:
        component = ResolvedComponent(
            name=ERROR_COMPONENT,
            type=ResolvedComponent.SCHEMA,
            object=ERROR_COMPONENT,
            schema=ERROR_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return component.ref

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        content = {"application/json": {"schema": self.error_ref()}}
        for code in self.error_status_codes(operation):
            responses.setdefault(code, {"description": ERROR_DESCRIPTIONS[code]})
        for code, response in responses.items():
            if code in ERROR_STATUS_CODES:
                response["content"] = content
        operation["responses"] = dict(sorted(responses.items()))
        return operation
