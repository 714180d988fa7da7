"""The endpoint GLPI agents post their inventories to: /o/<org_slug>/assets/agent/.

Configure the agent with `server = https://<host>/o/<slug>/assets/agent/` and the organization's
agent token, sent either as `Authorization: Bearer <token>` or as HTTP basic auth with any user
name and the token as the password (`glpi-agent --user=agent --password=<token>`; the agent sends
basic credentials after a 401 that asks for them, which is what a missing token gets).

The agent speaks GLPI's JSON protocol: a `contact` request first (answered with the tasks this
server runs: inventory only), then `inventory` with `deviceid`, `itemtype` and `content`, usually
zlib-compressed (Content-Type application/x-compress-zlib). Answers are JSON: `{"status": "ok",
"expiration": <hours until the next contact>}` or `{"status": "error", "message": ...}` with
status 400 (bad document), 401 (no or wrong token), 413 (too large) or 429 (more than 20 wrong
tokens from one address in 10 minutes; it then waits 10 minutes).
"""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ajunta.assets import inventory, services
from ajunta.assets.models import AssetSource
from ajunta.core.ratelimit import client_ip, rate_limit_exceeded

logger = logging.getLogger(__name__)
# Hours until the agent contacts us again (GLPI's default: once a day).
CONTACT_EXPIRATION_HOURS = 24
REALM = 'Basic realm="Ajunta inventory", charset="UTF-8"'
# Wrong tokens from one address before it must wait (a token cannot be guessed; this keeps a
# misconfigured or hostile client from hammering the database).
FAILURES_ALLOWED = 20
FAILURE_WINDOW_SECONDS = 600


def agent_error(message: str, status: int) -> JsonResponse:
    response = JsonResponse({"status": "error", "message": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = REALM
    return response


def presented_token(request: HttpRequest) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            return ""
        return decoded.partition(":")[2]
    return ""


@method_decorator(csrf_exempt, name="dispatch")
class AgentInventoryView(View):
    """Token-authenticated, not session-authenticated: the organization comes from the slug and
    the token must be that organization's active one."""

    tenant_scoped = True
    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        blocked_key = f"assets-agent-blocked:{client_ip(request)}"
        if cache.get(blocked_key):
            return agent_error(_("Too many wrong tokens from this address: try again later."), 429)
        org = services.agent_token_organization(org_slug=org_slug, token=presented_token(request))
        # A wrong slug and a wrong token answer alike: nothing tells which organizations exist.
        if org is None:
            if rate_limit_exceeded(
                f"assets-agent-failures:{client_ip(request)}",
                limit=FAILURES_ALLOWED,
                window=FAILURE_WINDOW_SECONDS,
            ):
                cache.set(blocked_key, 1, timeout=FAILURE_WINDOW_SECONDS)
            return agent_error(_("A valid agent token is required."), 401)
        try:
            body = request.body
        except RequestDataTooBig:
            return agent_error(_("The inventory is too large."), 413)
        try:
            document = inventory.decode_body(
                body,
                request.headers.get("Content-Type", ""),
                request.headers.get("Content-Encoding", ""),
            )
        except inventory.InventoryError as exc:
            return agent_error(exc.messages[0], 400)
        action = document.get("action", "inventory") if isinstance(document, dict) else ""
        if action == "contact":
            return JsonResponse(
                {
                    "status": "ok",
                    "expiration": CONTACT_EXPIRATION_HOURS,
                    "tasks": {"inventory": {"server": "ajunta", "version": "1.0"}},
                }
            )
        if action != "inventory":
            return agent_error(
                _("This server only takes inventories, not “%(action)s”.")
                % {"action": str(action)[:40]},
                400,
            )
        try:
            outcome = services.inventory_import(
                org=org, actor=None, document=document, source=AssetSource.AGENT
            )
        except inventory.InventoryError as exc:
            return agent_error(exc.messages[0], 400)
        logger.info(
            "Inventory of %s for %s: %s",
            outcome.asset.device_id,
            org.slug,
            "created" if outcome.created else ", ".join(outcome.changed) or "unchanged",
        )
        return JsonResponse({"status": "ok", "expiration": CONTACT_EXPIRATION_HOURS})


def agent_view() -> Any:
    return AgentInventoryView.as_view()
