"""The agents' endpoint: token, protocol (contact, inventory), compression and refusals."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from ajunta.assets import agent, services
from ajunta.assets.models import AgentToken, Asset
from ajunta.assets.samples import windows_10
from ajunta.core.models import AuditEvent
from ajunta.core.testing import TenantTestCase


@override_settings(LANGUAGE_CODE="en")
class AgentEndpointTests(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        _token, cls.token_a = services.agent_token_rotate(org=cls.org_a, actor=cls.alice)
        _token, cls.token_b = services.agent_token_rotate(org=cls.org_b, actor=cls.charlie)

    def setUp(self) -> None:
        cache.clear()  # the wrong-token counter is per address, and every test client is 127.0.0.1

    def post(
        self,
        body: bytes | dict[str, Any],
        *,
        token: str | None = None,
        slug: str = "alpha",
        content_type: str = "application/x-compress-zlib",
        **headers: str,
    ) -> Any:
        if isinstance(body, dict):
            raw = json.dumps(body).encode()
            body = zlib.compress(raw) if "zlib" in content_type else raw
        if token is None:
            token = self.token_a
        if token:
            headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
        return Client().post(
            reverse("assets_agent", args=[slug]), body, content_type=content_type, **headers
        )

    def test_contact_then_inventory_as_the_agent_sends_them(self) -> None:
        contact = {
            "action": "contact",
            "deviceid": "PC-SECRETARIA-2024-01-01-10-00-00",
            "name": "GLPI-Agent_v1.11",
            "installed-tasks": ["inventory", "netdiscovery"],
            "enabled-tasks": ["inventory"],
        }
        response = self.post(contact)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "ok")
        self.assertIn("inventory", response.json()["tasks"])
        document = {**windows_10(), "action": "inventory", "itemtype": "Computer"}
        response = self.post(document)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"status": "ok", "expiration": 24})
        asset = Asset.objects.get(organization=self.org_a)
        self.assertEqual(asset.name, "PC-SECRETARIA")
        # Re-sending the same inventory updates, never duplicates.
        self.assertEqual(self.post(document).status_code, 200)
        self.assertEqual(Asset.objects.filter(organization=self.org_a).count(), 1)

    def test_plain_json_and_basic_auth(self) -> None:
        basic = base64.b64encode(f"agent:{self.token_a}".encode()).decode()
        response = self.post(
            windows_10(),
            token="",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Basic {basic}",
        )
        self.assertEqual(response.status_code, 200, response.content)

    def test_the_token_decides_the_organization(self) -> None:
        # B's token on A's URL: refused; A's data never lands in B.
        response = self.post(windows_10(), token=self.token_b, slug="alpha")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(Asset.objects.count(), 0)
        self.assertEqual(self.post(windows_10(), token=self.token_b, slug="beta").status_code, 200)
        self.assertEqual(Asset.objects.get().organization, self.org_b)

    def test_a_known_machines_inventory_is_a_fixed_handful_of_queries(self) -> None:
        self.assertEqual(self.post(windows_10()).status_code, 200)
        document = windows_10()
        document["content"]["softwares"][0]["version"] = "99.0"  # one program updated
        # Token and organization, the asset by device id, its software rows, one out and one
        # in, the asset, history, audit chain (3), in a savepoint (2), the imported end-of-life
        # cycles of its OS (endoflife.date data, one query).
        with self.assertNumQueries(13):
            self.assertEqual(self.post(document).status_code, 200)
        with self.assertNumQueries(6):  # nothing changed: the heartbeat only (and the OS cycles)
            self.assertEqual(self.post(document).status_code, 200)

    def test_missing_wrong_or_revoked_token_answers_401(self) -> None:
        response = self.post(windows_10(), token="")
        self.assertEqual(response.status_code, 401)
        self.assertIn("Basic", response["WWW-Authenticate"])
        self.assertEqual(self.post(windows_10(), token="ajt_wrong").status_code, 401)
        self.assertEqual(self.post(windows_10(), slug="no-such-org").status_code, 401)
        services.agent_token_revoke(org=self.org_a, actor=self.alice)
        self.assertEqual(self.post(windows_10()).status_code, 401)
        self.assertEqual(Asset.objects.count(), 0)

    def test_rotation_retires_the_old_token(self) -> None:
        _token, fresh = services.agent_token_rotate(org=self.org_a, actor=self.alice)
        self.assertEqual(self.post(windows_10()).status_code, 401)
        self.assertEqual(self.post(windows_10(), token=fresh).status_code, 200)
        self.assertEqual(AgentToken.objects.filter(organization=self.org_a).count(), 2)
        self.assertNotIn(fresh, AgentToken.objects.values_list("token_hash", flat=True))

    def test_malformed_json_is_a_400_with_the_reason(self) -> None:
        response = self.post(zlib.compress(b'{"deviceid": "x", "content": {'))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["status"], "error")
        self.assertIn("not valid JSON", response.json()["message"])

    def test_schema_failure_is_a_400_with_the_path_and_nothing_written(self) -> None:
        document = windows_10()
        document["content"]["hardware"]["memory"] = "lots"
        events = AuditEvent.objects.count()
        response = self.post(document)
        self.assertEqual(response.status_code, 400)
        self.assertIn("content.hardware.memory", response.json()["message"])
        self.assertEqual(Asset.objects.count(), 0)
        self.assertEqual(AuditEvent.objects.count(), events)

    def test_other_actions_and_methods(self) -> None:
        response = self.post({"action": "netdiscovery", "deviceid": "x"})
        self.assertEqual(response.status_code, 400)
        url = reverse("assets_agent", args=["alpha"])
        self.assertEqual(Client().get(url).status_code, 405)

    def test_csrf_is_not_required(self) -> None:
        client = Client(enforce_csrf_checks=True)
        response = client.post(
            reverse("assets_agent", args=["alpha"]),
            json.dumps(windows_10()),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.token_a}",
        )
        self.assertEqual(response.status_code, 200)

    def test_too_many_wrong_tokens_make_the_address_wait(self) -> None:
        for _attempt in range(agent.FAILURES_ALLOWED):
            self.assertEqual(self.post(windows_10(), token="ajt_guess").status_code, 401)
        self.assertEqual(self.post(windows_10(), token="ajt_guess").status_code, 401)
        # Blocked now, even with the right token.
        response = self.post(windows_10())
        self.assertEqual(response.status_code, 429)
        self.assertEqual(Asset.objects.count(), 0)
