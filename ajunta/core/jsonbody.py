"""Untrusted JSON, bounded before it is parsed: size, nesting depth and number of members.

Python's parser recurses once per level: a 2 KB body nested 1,000 deep raised RecursionError,
which nothing caught (a 500 on every JSON endpoint). `json_loads_bounded` looks at the raw text
first (strings blanked out, then brackets counted) and refuses what is too deep or too large
with a `JSONBodyError` whose message is translatable; only then does it parse, refusing NaN and
Infinity, numbers that do not fit, duplicate keys and NUL characters. `BoundedJSONParser` is the
same for DRF (REST_FRAMEWORK DEFAULT_PARSER_CLASSES); every other view that reads a JSON body
calls `json_loads_bounded`. Limits: JSON_MAX_BODY_BYTES, JSON_MAX_DEPTH, JSON_MAX_ITEMS.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

# A JSON string, escapes included (the "unrolled loop" form: linear, no backtracking).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
# `\u0000` written in a string, not preceded by an escaped backslash.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_BRACKETS = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
# What check_shape throws away: everything but brackets and commas.
_NOT_SKELETON = bytes(b for b in range(256) if b not in _BRACKETS and b != ord(","))


class JSONBodyError(ValueError):
    """A body that is not JSON this platform accepts; the message is for the client (HTTP 400)."""


class JSONBodyTooLarge(JSONBodyError):
    """A body larger than the limit (HTTP 413)."""


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def max_body_bytes() -> int:
    return int(settings.JSON_MAX_BODY_BYTES)


def too_large_message(limit: int) -> str:
    return _("The body is larger than %(limit)s, the most this endpoint takes.") % {
        "limit": filesizeformat(limit)
    }


def check_shape(raw: bytes, *, max_depth: int | None = None, max_items: int | None = None) -> None:
    """Refuse, without parsing, JSON nested deeper than `max_depth` or with more than `max_items`
    keys and array items (counted as commas and opening brackets, an upper bound)."""
    depth_limit = settings.JSON_MAX_DEPTH if max_depth is None else max_depth
    items_limit = settings.JSON_MAX_ITEMS if max_items is None else max_items
    skeleton = _STRING.sub(b'""', raw).translate(None, delete=_NOT_SKELETON)
    commas = skeleton.count(b",")
    brackets = skeleton.replace(b",", b"")
    if commas + brackets.count(b"[") + brackets.count(b"{") > items_limit:
        raise JSONBodyError(
            _("The JSON has more than %(limit)d keys and items, the most accepted.")
            % {"limit": items_limit}
        )
    if brackets and max(accumulate(_BRACKETS[b] for b in brackets)) > depth_limit:
        raise JSONBodyError(
            _("The JSON is nested more than %(limit)d levels deep, the most accepted.")
            % {"limit": depth_limit}
        )


def _refuse_constant(name: str) -> Any:
    raise JSONBodyError(_("%(value)s is not a number JSON allows.") % {"value": name})


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONBodyError(
            _("The number %(value)s is too large.") % {"value": text[:20] + "…" * (len(text) > 20)}
        )
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise JSONBodyError(
                _("The key “%(key)s” appears twice in the same object.") % {"key": key[:60]}
            )
        result[key] = value
    return result


def json_loads_bounded(
    raw: bytes | str,
    *,
    max_bytes: int | None = None,
    max_depth: int | None = None,
    max_items: int | None = None,
    strip_nul: bool = False,
) -> Any:
    """The JSON document in `raw` (UTF-8), or JSONBodyError saying what is wrong with it.

    `strip_nul` drops `\\u0000` from strings instead of refusing them (for machine-written
    documents such as inventories, where a stray NUL is noise, not an attack).
    """
    data = raw.encode() if isinstance(raw, str) else bytes(raw)
    limit = max_body_bytes() if max_bytes is None else max_bytes
    if len(data) > limit:
        raise JSONBodyTooLarge(too_large_message(limit))
    check_shape(data, max_depth=max_depth, max_items=max_items)
    if _NUL_ESCAPE.search(data):
        if not strip_nul:
            raise JSONBodyError(_("Text may not contain NUL characters."))
        data = _NUL_ESCAPE.sub(lambda match: match.group(0)[:-6], data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JSONBodyError(_("The body is not UTF-8 text.")) from exc
    try:
        return json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_keys,
        )
    except JSONBodyError:
        raise
    except RecursionError as exc:  # belt and braces: check_shape bounds the depth first
        raise JSONBodyError(_("The JSON is nested too deep.")) from exc
    except ValueError as exc:  # syntax, or an integer with more digits than Python converts
        raise JSONBodyError(
            _("The body is not valid JSON: %(error)s") % {"error": str(exc)[:200]}
        ) from exc


def read_bounded(stream: Any, *, content_length: str | None, limit: int) -> bytes:
    """At most `limit` bytes of `stream`, refusing a longer body from its Content-Length first."""
    try:
        declared = int(content_length or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise JSONBodyTooLarge(too_large_message(limit))
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise JSONBodyTooLarge(too_large_message(limit))
    return data


class BoundedJSONParser(BaseParser):
    """DRF's JSON parser, bounded: every JSON body of the API goes through json_loads_bounded.

    A subclass of BaseParser, not JSONParser, on purpose: DRF reads a JSONParser's whole body
    into memory first (request.body), which answers a too large body with an HTML 400.
    """

    media_type = "application/json"
    renderer_class = JSONRenderer
    max_bytes: int | None = None  # None: JSON_MAX_BODY_BYTES
    strip_nul = False

    def limit(self) -> int:
        return self.max_bytes if self.max_bytes is not None else max_body_bytes()

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        request = (parser_context or {}).get("request")
        limit = self.limit()
        meta = getattr(request, "META", {}) if request is not None else {}
        try:
            data = read_bounded(stream, content_length=meta.get("CONTENT_LENGTH"), limit=limit)
            return json_loads_bounded(data, max_bytes=limit, strip_nul=self.strip_nul)
        except JSONBodyTooLarge as exc:
            raise BodyTooLarge(str(exc)) from exc
        except JSONBodyError as exc:
            raise ParseError(str(exc)) from exc
