"""The endpoint GLPI agents post their inventories to: /o/<org_slug>/assets/agent/.

Configure the agent with `server = https://<host>/o/<slug>/assets/agent/` and the organization's
agent token, sent either as `Authorization: Bearer <token>` or as HTTP basic auth with any user
name and the token as the password (`glpi-agent --user=agent --password=<token>`; the agent sends
basic credentials after a 401 that asks for them, which is what a missing token gets). The 401's
`WWW-Authenticate: Basic realm="Ajunta inventory"` carries no other parameter: FusionInventory
agents (2.6, Debian's package) read the realm up to the end of the header and a `charset` after
it made them look for the wrong realm.

Two protocols, answered as GLPI answers them:

- GLPI Agent's JSON: `contact` (answered with `expiration` in hours and, for each task the agent
  says is enabled, the task's configuration, or `disabled` and a message for the tasks this
  server does not run), `get_params`, then `inventory`, `netinventory` or `netdiscovery` with
  `deviceid`, `itemtype` and `content`, usually zlib-compressed. Answers are JSON:
  `{"status": "ok", "expiration": 24}` or `{"status": "error", "message": ...}`.
- FusionInventory 2.x XML: `PROLOG` (answered `<REPLY><PROLOG_FREQ>24</PROLOG_FREQ><RESPONSE>
  SEND</RESPONSE></REPLY>`), then `INVENTORY`, `SNMPQUERY` or `NETDISCOVERY`, converted to the
  JSON format by assets.fusion; answers are XML, compressed as the request was.

Errors: 400 (bad document), 401 (no or wrong token), 413 (too large), 429 (more than 20 wrong
tokens from one address in 10 minutes; it then waits 10 minutes), 501 (a query this server does
not handle: deploy, collect, ESX, wake-on-LAN).
"""

from __future__ import annotations

import base64
import binascii
import logging
import zlib
from typing import Any

from django.core.cache import cache
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ajunta.assets import fusion, inventory, services
from ajunta.assets.models import AssetSource
from ajunta.core.ratelimit import client_ip, rate_limit_exceeded

logger = logging.getLogger(__name__)
# Hours until the agent contacts us again (GLPI's default: once a day).
CONTACT_EXPIRATION_HOURS = 24
REALM = 'Basic realm="Ajunta inventory"'
# Wrong tokens from one address before it must wait (a token cannot be guessed; this keeps a
# misconfigured or hostile client from hammering the database).
FAILURES_ALLOWED = 20
FAILURE_WINDOW_SECONDS = 600


def agent_error(message: str, status: int) -> JsonResponse:
    response = JsonResponse({"status": "error", "message": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = REALM
    return response


# Tasks whose results this server takes. GLPI's own server configures only the inventory task
# (network discovery and inventory need its plugin's task lists); so does this one, and it also
# takes the network inventories that `glpi-netinventory`/`glpi-injector` send it.
CONFIGURED_TASKS = frozenset({"inventory"})
# The GLPI version whose agent protocol this endpoint speaks (GLPI Agent asks for 10 or later
# before it sends partial inventories).
GLPI_PROTOCOL_VERSION = "10.0.18"
IMPORT_ACTIONS = frozenset({"inventory", "netinventory", "netdiscovery", "injector"})
# Standard queries of the protocol this server does not run (GLPI answers them 501 too).
UNSUPPORTED_ACTIONS = frozenset(
    {"register", "config", "esx", "collect", "deploy", "wakeonlan", "wol", "remoteinventory"}
)


def xml_answer(fields: dict[str, str], *, compressed: bool, status: int = 200) -> HttpResponse:
    body = fusion.reply(fields)
    if compressed:
        return HttpResponse(
            zlib.compress(body), status=status, content_type="application/x-compress-zlib"
        )
    return HttpResponse(body, status=status, content_type="application/xml; charset=utf-8")


def contact_answer(document: dict[str, Any]) -> dict[str, Any]:
    """What GLPI answers a `contact`: when to come back, and each enabled task's configuration."""
    answer: dict[str, Any] = {"status": "ok", "expiration": CONTACT_EXPIRATION_HOURS}
    tasks: dict[str, Any] = {}
    enabled = document.get("enabled-tasks", [])
    for task in enabled if isinstance(enabled, list) else []:
        task = str(task)[:40]
        if task in CONFIGURED_TASKS:
            tasks[task] = {"server": "glpi", "version": GLPI_PROTOCOL_VERSION}
        else:
            answer.update({"message": f"{task} task not supported", "disabled": task})
    if tasks:
        answer["tasks"] = tasks
    return answer


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
            raw = inventory.inflate_body(
                body,
                request.headers.get("Content-Type", ""),
                request.headers.get("Content-Encoding", ""),
            )
        except inventory.InventoryError as exc:
            return agent_error(exc.messages[0], 400)
        if fusion.is_xml(raw):
            return self.xml_message(org, raw, compressed=raw is not body)
        try:
            document = inventory.decode_json(raw)
        except inventory.InventoryError as exc:
            return agent_error(exc.messages[0], 400)
        action = document.get("action", "inventory") if isinstance(document, dict) else ""
        if not isinstance(action, str):
            action = ""  # an object or a list where the action goes: not a query we know
        if action == "contact":
            return JsonResponse(contact_answer(document))
        if action == "get_params":
            return JsonResponse({"status": "ok", "expiration": CONTACT_EXPIRATION_HOURS})
        if action in UNSUPPORTED_ACTIONS:
            return agent_error(_("Query “%(action)s” is not supported.") % {"action": action}, 501)
        if action not in IMPORT_ACTIONS:
            return agent_error(
                _("This server only takes inventories, not “%(action)s”.")
                % {"action": str(action)[:40]},
                400,
            )
        try:
            self.import_document(org, document)
        except inventory.InventoryError as exc:
            return agent_error(exc.messages[0], 400)
        return JsonResponse({"status": "ok", "expiration": CONTACT_EXPIRATION_HOURS})

    def import_document(self, org: Any, document: Any) -> None:
        outcome = services.inventory_import(
            org=org, actor=None, document=document, source=AssetSource.AGENT
        )
        logger.info(
            "Inventory of %s for %s: %s",
            outcome.asset.device_id or outcome.asset.serial or outcome.asset.mac_address,
            org.slug,
            "created" if outcome.created else ", ".join(outcome.changed) or "unchanged",
        )

    def xml_message(self, org: Any, raw: bytes, *, compressed: bool) -> HttpResponse:
        """A FusionInventory agent's message: PROLOG, INVENTORY, SNMPQUERY, NETDISCOVERY."""
        try:
            document = fusion.xml_document(raw)
        except inventory.InventoryError as exc:
            return xml_answer({"ERROR": exc.messages[0]}, compressed=compressed, status=400)
        if document.get("action") == "prolog":
            return xml_answer(
                {"PROLOG_FREQ": str(CONTACT_EXPIRATION_HOURS), "RESPONSE": "SEND"},
                compressed=compressed,
            )
        try:
            self.import_document(org, document)
        except inventory.InventoryError as exc:
            return xml_answer({"ERROR": exc.messages[0]}, compressed=compressed, status=400)
        return xml_answer({"RESPONSE": "SEND"}, compressed=compressed)


def agent_view() -> Any:
    return AgentInventoryView.as_view()
