"""A small cache-based rate limiter for public pages (verification codes, sign-up).

Fixed windows: each key counts its events in the current `window`-second slot. With several app
servers the cache must be shared (REDIS_URL), else each server counts on its own.
"""

from __future__ import annotations

import hashlib
import time

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The client's address, behind PROXY_COUNT trusted proxies (the same one the audit records)."""
    return get_client_ip_address(request) or request.META.get("REMOTE_ADDR", "") or "unknown"


def rate_limit_exceeded(key: str, *, limit: int, window: int) -> bool:
    """Count one event for `key`; True when it is more than `limit` in the current window."""
    slot = int(time.time() // window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{digest}:{window}:{slot}"
    if cache.add(cache_key, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add() and incr()
            cache.set(cache_key, 1, timeout=window + 5)
            count = 1
    return count > limit
