"""Reading a public data feed (JSON) from a URL or a file: endoflife.date, CISA KEV, NVD.

One helper so that every scheduled import is offline-capable the same way: a setting holds a URL
(https://...) or a path; a file works with no network at all. Size-capped and time-limited.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from django.conf import settings

MAX_BYTES = 200 * 1024 * 1024  # the whole NVD year feed is ~150 MB unzipped


class FeedError(ValueError):
    """The feed could not be read or is not JSON; the message says why."""


def read_feed(source: str, *, timeout: int | None = None) -> Any:
    """The JSON at `source`: an http(s) URL or a file path."""
    source = source.strip()
    if not source:
        raise FeedError("no source given")
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(  # noqa: S310 (http and https only, checked above)
            source, headers={"User-Agent": "Ajunta feed reader"}
        )
        limit = timeout or getattr(settings, "SECURITY_FEED_TIMEOUT", 60)
        try:
            with urllib.request.urlopen(request, timeout=limit) as answer:  # noqa: S310 (http(s) only)
                raw = answer.read(MAX_BYTES + 1)
        except OSError as exc:
            raise FeedError(f"{source}: {exc}") from exc
    else:
        path = Path(source)
        try:
            if path.stat().st_size > MAX_BYTES:
                raise FeedError(f"{source}: larger than {MAX_BYTES} bytes")
            raw = path.read_bytes()
        except OSError as exc:
            raise FeedError(f"{source}: {exc}") from exc
    if len(raw) > MAX_BYTES:
        raise FeedError(f"{source}: larger than {MAX_BYTES} bytes")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise FeedError(f"{source}: not JSON ({exc})") from exc
