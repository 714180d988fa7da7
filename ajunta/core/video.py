"""Video rooms on the provider's Jitsi-compatible server: one helper for every module that meets by
video (council sessions, video appointments).

A room's name is derived from the organization and a caller-chosen name, with a keyed hash so a
room cannot be guessed from a session number. When the server uses token authentication (Jitsi's
`JWT` mode: `VIDEO_JWT_APP_ID` and `VIDEO_JWT_SECRET`), each join link carries a short-lived HS256
token with the person's name and e-mail and whether they moderate; otherwise the link is the bare
room address and access control is the room name's secrecy.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import jwt
from django.conf import settings


def video_enabled() -> bool:
    return bool(settings.VIDEO_SERVER_URL)


@dataclass(frozen=True)
class VideoRoom:
    server: str
    name: str

    @property
    def url(self) -> str:
        """The room's address without a token (for a public stream page or a server without JWT)."""
        return f"{self.server}/{quote(self.name)}"

    def join_url(self, user_name: str, email: str = "", *, moderator: bool = False) -> str:
        """The address one person joins by: with a token naming them when the server checks tokens."""
        if not (settings.VIDEO_JWT_APP_ID and settings.VIDEO_JWT_SECRET):
            return self.url
        now = int(time.time())
        claims = {
            "aud": "jitsi",
            "iss": settings.VIDEO_JWT_APP_ID,
            "sub": urlsplit(self.server).hostname or "*",
            "room": self.name,
            "iat": now,
            "nbf": now - 60,
            "exp": now + settings.VIDEO_JWT_TTL_SECONDS,
            "context": {"user": {"name": user_name, "email": email, "moderator": moderator}},
            "moderator": moderator,
        }
        token = jwt.encode(claims, settings.VIDEO_JWT_SECRET, algorithm="HS256")
        return f"{self.url}?jwt={token}"


def video_room(org: Any, name: str) -> VideoRoom | None:
    """The room for `name` (e.g. "plenary-2026-12") in `org`; None when no video server is set."""
    if not video_enabled():
        return None
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, f"{org.pk}:{name}".encode(), hashlib.sha256).hexdigest()[:12]
    slug = "".join(c if c.isalnum() else "-" for c in f"{org.slug}-{name}".lower()).strip("-")
    return VideoRoom(server=settings.VIDEO_SERVER_URL, name=f"{slug}-{digest}")
