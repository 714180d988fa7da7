"""GLPI agents, fully: partial inventories, concurrent ones, the protocol's answers (JSON and
FusionInventory XML), a recorded GLPI Agent session played back, and Debian's real
fusioninventory-agent against a live server."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import threading
import zlib
from pathlib import Path
from typing import Any
from unittest import skipUnless

from django.core.cache import cache
from django.db import connection, connections
from django.test import Client, LiveServerTestCase, TransactionTestCase, override_settings
from django.urls import reverse

from ajunta.assets import agent, services
from ajunta.assets.models import Asset, AssetKind, InstalledSoftware
from ajunta.assets.samples import windows_10
from ajunta.core.models import Role
from ajunta.core.testing import TenantTestCase, make_org, make_user

SESSIONS = Path(__file__).resolve().parent / "corpus" / "sessions"
CORPUS = Path(__file__).resolve().parent / "corpus" / "glpi"


def partial(document: dict[str, Any], *sections: str) -> dict[str, Any]:
    """The agent's daily delta: only `sections` of `document`, marked partial."""
    return {
        **{key: value for key, value in document.items() if key != "content"},
        "partial": True,
        "content": {
            "versionclient": document["content"].get("versionclient", "GLPI-Agent_v1.11"),
            **{key: document["content"][key] for key in sections},
        },
    }


@override_settings(LANGUAGE_CODE="en")
class PartialInventoryTests(TenantTestCase):
    def test_a_partial_with_bios_and_hardware_leaves_programs_system_and_score_alone(self) -> None:
        full = windows_10()
        asset = services.inventory_import(org=self.org_a, actor=None, document=full).asset
        programs = InstalledSoftware.objects.filter(asset=asset).count()
        self.assertEqual(programs, 6)
        before = Asset.objects.get(pk=asset.pk)
        delta = partial(full, "bios", "hardware")
        delta["content"]["hardware"] = {**full["content"]["hardware"], "name": "PC-RENAMED"}
        outcome = services.inventory_import(org=self.org_a, actor=None, document=delta)
        after = Asset.objects.get(pk=asset.pk)
        self.assertEqual(after.name, "PC-RENAMED")
        self.assertEqual(InstalledSoftware.objects.filter(asset=asset).count(), programs)
        for name in ("os_name", "os_version", "os_eol_label", "antivirus_name",
                     "antivirus_enabled", "firewall_enabled", "disk_encrypted", "local_admins",
                     "software_hash", "interfaces_hash"):  # fmt: skip
            self.assertEqual(getattr(after, name), getattr(before, name), name)
        self.assertEqual(after.interfaces.count(), before.interfaces.count())
        self.assertEqual(set(after.raw_sections), set(before.raw_sections))
        self.assertEqual(outcome.changed, ["name"])
        from ajunta.assets import posture

        on = __import__("datetime").date(2026, 11, 23)
        self.assertEqual(
            posture.asset_posture(after, on).score, posture.asset_posture(before, on).score
        )

    def test_a_partial_with_programs_changes_only_programs(self) -> None:
        full = windows_10()
        asset = services.inventory_import(org=self.org_a, actor=None, document=full).asset
        delta = partial(full, "softwares")
        delta["content"]["softwares"] = [{"name": "LibreOffice", "version": "24.8"}]
        services.inventory_import(org=self.org_a, actor=None, document=delta)
        asset.refresh_from_db()
        self.assertEqual(
            list(InstalledSoftware.objects.filter(asset=asset).values_list("name", flat=True)),
            ["LibreOffice"],
        )
        self.assertEqual(asset.os_name, "Microsoft Windows 10 Pro")
        self.assertEqual(asset.antivirus_name, "Microsoft Defender")

    def test_a_partial_replaces_only_the_raw_sections_it_carries(self) -> None:
        full = windows_10()
        asset = services.inventory_import(org=self.org_a, actor=None, document=full).asset
        kept = dict(Asset.objects.get(pk=asset.pk).raw_sections)
        self.assertIn("batteries", kept)
        self.assertIn("monitors", kept)
        delta = partial(full, "batteries")
        delta["content"]["batteries"] = [{"name": "NEW BATTERY", "capacity": 1}]
        services.inventory_import(org=self.org_a, actor=None, document=delta)
        raw = Asset.objects.get(pk=asset.pk).raw_sections
        self.assertEqual(raw["batteries"], [{"name": "NEW BATTERY", "capacity": 1}])
        self.assertEqual(raw["monitors"], kept["monitors"])

    def test_the_upstream_partial_examples_keep_the_computer_whole(self) -> None:
        def load(name: str) -> dict[str, Any]:
            return json.loads((CORPUS / "json" / name).read_text(encoding="utf-8"))

        asset = services.inventory_import(
            org=self.org_a, actor=None, document=load("computer_1.json")
        ).asset
        programs = InstalledSoftware.objects.filter(asset=asset).count()
        os_name = asset.os_name
        for name in ("computer_1_partial_batteries.json", "computer_1_partial_cpu.json",
                     "computer_1_partial_memory.json", "computer_1_partial_volumes.json"):  # fmt: skip
            services.inventory_import(org=self.org_a, actor=None, document=load(name))
        asset.refresh_from_db()
        self.assertEqual(asset.os_name, os_name)
        self.assertEqual(InstalledSoftware.objects.filter(asset=asset).count(), programs)
        self.assertIn("cpus", asset.raw_sections)
        self.assertIn("batteries", asset.raw_sections)

    def test_a_full_inventory_still_replaces_everything(self) -> None:
        full = windows_10()
        services.inventory_import(org=self.org_a, actor=None, document=full)
        smaller = windows_10()
        del smaller["content"]["batteries"]
        smaller["content"]["softwares"] = smaller["content"]["softwares"][:2]
        asset = services.inventory_import(org=self.org_a, actor=None, document=smaller).asset
        self.assertEqual(InstalledSoftware.objects.filter(asset=asset).count(), 2)
        self.assertNotIn("batteries", Asset.objects.get(pk=asset.pk).raw_sections)


class ConcurrentInventoryTests(TransactionTestCase):
    """Two inventories of one machine at once (threads, each with its own connection): one
    asset and one row per program. Runs on PostgreSQL too (DATABASE_URL=postgres://...)."""

    def setUp(self) -> None:
        self.org = make_org("gamma", name="Ajuntament de Gamma")
        make_user("dora", self.org, Role.MUNICIPAL_ADMIN)

    def run_together(self, documents: list[dict[str, Any]]) -> list[BaseException]:
        barrier = threading.Barrier(len(documents))
        errors: list[BaseException] = []

        def work(document: dict[str, Any]) -> None:
            try:
                barrier.wait(timeout=10)
                services.inventory_import(org=self.org, actor=None, document=document)
            except BaseException as exc:  # reported to the test
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=work, args=(d,)) for d in documents]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return errors

    def test_two_first_inventories_of_one_machine(self) -> None:
        errors = self.run_together([windows_10(), windows_10()])
        self.assertEqual(errors, [])
        self.assertEqual(Asset.objects.filter(organization=self.org).count(), 1)
        self.assertEqual(InstalledSoftware.objects.filter(organization=self.org).count(), 6)

    def test_two_updates_of_one_machine_with_new_programs(self) -> None:
        services.inventory_import(org=self.org, actor=None, document=windows_10())
        first, second = windows_10(), windows_10()
        for document, version in ((first, "1.0"), (second, "2.0")):
            document["content"]["softwares"].append({"name": "Firefox", "version": "128.0"})
            document["content"]["softwares"].append({"name": "Tool", "version": version})
        errors = self.run_together([first, second, partial(first, "softwares")])
        self.assertEqual(errors, [])
        rows = list(
            InstalledSoftware.objects.filter(organization=self.org).values_list(
                "name", "version", "publisher"
            )
        )
        self.assertEqual(len(rows), len(set(rows)))
        self.assertEqual(len(rows), 8)
        self.assertIn(connection.vendor, {"sqlite", "postgresql"})


@override_settings(LANGUAGE_CODE="en")
class AgentProtocolTests(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        _token, cls.token = services.agent_token_rotate(org=cls.org_a, actor=cls.alice)

    def setUp(self) -> None:
        cache.clear()

    def post(self, body: bytes, content_type: str, **headers: str) -> Any:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        return Client().post(
            reverse("assets_agent", args=["alpha"]), body, content_type=content_type, **headers
        )

    def test_the_realm_has_no_charset_so_fusioninventory_reads_it(self) -> None:
        response = self.post(b"{}", "application/json", HTTP_AUTHORIZATION="")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["WWW-Authenticate"], 'Basic realm="Ajunta inventory"')

    def test_contact_configures_inventory_and_disables_what_it_does_not_run(self) -> None:
        contact = {"action": "contact", "deviceid": "pc-1",
                   "enabled-tasks": ["inventory", "deploy"]}  # fmt: skip
        answer = self.post(json.dumps(contact).encode(), "application/json").json()
        self.assertEqual(answer["status"], "ok")
        self.assertEqual(answer["expiration"], agent.CONTACT_EXPIRATION_HOURS)
        self.assertEqual(answer["tasks"]["inventory"]["server"], "glpi")
        self.assertEqual(answer["disabled"], "deploy")
        self.assertIn("deploy task not supported", answer["message"])

    def test_get_params_and_unsupported_queries(self) -> None:
        answer = self.post(b'{"action": "get_params", "deviceid": "pc-1"}', "application/json")
        self.assertEqual(answer.json(), {"status": "ok", "expiration": 24})
        refused = self.post(b'{"action": "deploy", "deviceid": "pc-1"}', "application/json")
        self.assertEqual(refused.status_code, 501)

    def test_fusioninventory_prolog_and_inventory_in_xml_compressed(self) -> None:
        prolog = (b'<?xml version="1.0" encoding="UTF-8" ?><REQUEST><DEVICEID>pc-1-2026</DEVICEID>'
                  b"<QUERY>PROLOG</QUERY><TOKEN>12345678</TOKEN></REQUEST>")  # fmt: skip
        response = self.post(zlib.compress(prolog), "application/x-compress")
        self.assertEqual(response.status_code, 200)
        reply = zlib.decompress(response.content).decode()
        self.assertIn("<PROLOG_FREQ>24</PROLOG_FREQ>", reply)
        self.assertIn("<RESPONSE>SEND</RESPONSE>", reply)
        body = (CORPUS / "xml" / "1.xml").read_bytes()
        response = self.post(zlib.compress(body), "application/x-compress")
        self.assertEqual(response.status_code, 200, response.content)
        self.assertIn(b"SEND", zlib.decompress(response.content))
        asset = Asset.objects.get(organization=self.org_a)
        self.assertEqual(asset.serial, "9E113232I")

    def test_a_refused_xml_message_answers_an_xml_error(self) -> None:
        body = (CORPUS / "xml" / "15.xml").read_bytes()
        response = self.post(body, "application/xml")
        self.assertEqual(response.status_code, 400)
        self.assertIn(b"<ERROR>", response.content)
        self.assertEqual(Asset.objects.count(), 0)

    def test_a_network_inventory_over_the_agent_endpoint(self) -> None:
        body = (CORPUS / "json" / "printer_1.json").read_bytes()
        response = self.post(zlib.compress(body), "application/x-compress-zlib")
        self.assertEqual(response.status_code, 200, response.content)
        printer = Asset.objects.get(organization=self.org_a)
        self.assertEqual((printer.kind, printer.page_counters["total"]), (AssetKind.PRINTER, 1802))


@override_settings(LANGUAGE_CODE="en")
class RecordedSessionTests(TenantTestCase):
    """Sessions recorded against this endpoint (corpus/sessions/*.json): each request is sent
    again as recorded (headers, compressed body) and must get the recorded status and answer."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        _token, cls.token = services.agent_token_rotate(org=cls.org_a, actor=cls.alice)

    def replay(self, name: str) -> list[Any]:
        cache.clear()
        session = json.loads((SESSIONS / name).read_text(encoding="utf-8"))
        answers = []
        for step in session["exchanges"]:
            headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in step["headers"].items()}
            if step.get("authenticated"):
                basic = base64.b64encode(f"agent:{self.token}".encode()).decode()
                headers["HTTP_AUTHORIZATION"] = f"Basic {basic}"
            body = base64.b64decode(step["body"])
            response = Client().post(
                reverse("assets_agent", args=["alpha"]),
                body,
                content_type=step["content_type"],
                **headers,
            )
            self.assertEqual(response.status_code, step["status"], step["what"])
            content = response.content
            if content[:1] == b"\x78":
                content = zlib.decompress(content)
            for expected in step.get("answer_contains", []):
                self.assertIn(expected, content.decode(), step["what"])
            answers.append(response)
        return answers

    def test_glpi_agent_session(self) -> None:
        self.replay("glpi-agent-1.11.json")
        asset = Asset.objects.get(organization=self.org_a)
        self.assertEqual(asset.device_id, "glpixps-2018-07-09-09-07-13")
        self.assertEqual(InstalledSoftware.objects.filter(asset=asset).count(), 6)

    def test_fusioninventory_agent_session(self) -> None:
        path = SESSIONS / "fusioninventory-agent-2.6.json"
        if not path.exists():
            self.skipTest("no recorded FusionInventory session")
        self.replay(path.name)
        self.assertEqual(Asset.objects.filter(organization=self.org_a).count(), 1)


AGENT = shutil.which("fusioninventory-agent")


@skipUnless(AGENT, "Debian's fusioninventory-agent is not installed (apt-get install it)")
@override_settings(LANGUAGE_CODE="en", ALLOWED_HOSTS=["*"])
class FusionInventoryAgentLiveTests(LiveServerTestCase):
    """The real agent (Debian's fusioninventory-agent 2.6) against a live server: it gets the
    401, reads the realm, authenticates, sends its PROLOG and its XML inventory, and this
    machine appears as an asset. Set RECORD_AGENT_SESSION=1 to write the exchange to
    corpus/sessions/fusioninventory-agent-2.6.json for RecordedSessionTests."""

    def setUp(self) -> None:
        cache.clear()
        self.org = make_org("delta", name="Ajuntament de Delta")
        _token, self.token = services.agent_token_rotate(org=self.org, actor=None)

    def test_the_agent_inventories_this_machine(self) -> None:
        url = f"{self.live_server_url}{reverse('assets_agent', args=['delta'])}"
        recorder = RecordRequests(self.token) if os.environ.get("RECORD_AGENT_SESSION") else None
        try:
            run = subprocess.run(
                [AGENT, "--server", url, "--user", "agent", "--password", self.token,
                 "--tasks", "inventory", "--no-httpd", "--no-category",
                 "process,environment,user,local_user,local_group", "--timeout", "60",
                 "--logger", "stderr", "--debug"],
                capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
        finally:
            if recorder is not None:
                recorder.stop(self.token)
        log = run.stdout + run.stderr
        self.assertEqual(run.returncode, 0, log[-3000:])
        assets = Asset.objects.filter(organization=self.org)
        self.assertEqual(assets.count(), 1, log[-3000:])
        asset = assets.get()
        self.assertTrue(asset.device_id)
        self.assertTrue(asset.name)
        self.assertTrue(asset.os_name, asset.raw_sections.keys())
        # The agent reports its own command line, --password included: the token is not kept.
        self.assertNotIn(self.token, json.dumps(asset.raw_sections))


class RecordRequests:
    """Wraps the agent view to keep each exchange, then writes them as a session file."""

    def __init__(self, token: str = "") -> None:
        self.token = token
        self.exchanges: list[dict[str, Any]] = []
        self.original = agent.AgentInventoryView.dispatch
        recorder = self

        def dispatch(view: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            body = request.body
            response = recorder.original(view, request, *args, **kwargs)
            # The agent reports its command line, token included: never in the recording.
            if recorder.token and body[:1] == b"\x78":
                plain = zlib.decompress(body)
                secret = recorder.token.encode()
                if secret in plain:
                    body = zlib.compress(plain.replace(secret, b"ajt_RECORDED-TOKEN-REMOVED"))
            content = response.content
            if content[:1] == b"\x78":
                content = zlib.decompress(content)
            recorder.exchanges.append(
                {
                    "what": f"{request.headers.get('User-Agent', '')} #{len(recorder.exchanges)}",
                    "content_type": request.headers.get("Content-Type", ""),
                    "headers": {"User-Agent": request.headers.get("User-Agent", "")},
                    "authenticated": "Authorization" in request.headers,
                    "body": base64.b64encode(body).decode(),
                    "status": response.status_code,
                    "answer_contains": [content.decode()[:200]]
                    if response.status_code != 401
                    else [],
                }
            )
            return response

        agent.AgentInventoryView.dispatch = dispatch  # type: ignore[method-assign]

    def stop(self, token: str) -> None:
        agent.AgentInventoryView.dispatch = self.original  # type: ignore[method-assign]
        SESSIONS.mkdir(parents=True, exist_ok=True)
        session = {
            "recorded_with": "Debian fusioninventory-agent 2.6-3 against ajunta's agent endpoint",
            "exchanges": self.exchanges,
        }
        text = json.dumps(session, indent=1)
        assert token not in text
        (SESSIONS / "fusioninventory-agent-2.6.json").write_text(text, encoding="utf-8")


class TokenNeverKeptTests(TenantTestCase):
    def test_the_agents_command_line_loses_its_password(self) -> None:
        document = windows_10()
        document["content"]["versionprovider"] = {
            "name": "GLPI", "perl_args": "--server https://x/ --user agent --password ajt_secret1 -p ajt_secret2 --debug",
        }  # fmt: skip
        asset = services.inventory_import(org=self.org_a, actor=None, document=document).asset
        stored = json.dumps(Asset.objects.get(pk=asset.pk).raw_sections)
        self.assertNotIn("ajt_secret", stored)
        self.assertIn("--password [redacted]", stored)
        self.assertIn("--debug", stored)

    def test_the_migration_redacts_tokens_kept_before(self) -> None:
        import importlib

        from django.apps import apps

        migration = importlib.import_module(
            "ajunta.assets.migrations.0005_network_devices_and_unique_software"
        )
        asset = services.inventory_import(org=self.org_a, actor=None, document=windows_10()).asset
        Asset.objects.filter(pk=asset.pk).update(
            raw_sections={"versionprovider": {"perl_args": "--password=ajt_old --debug"}}
        )
        migration.redact_agent_passwords(apps, None)
        stored = Asset.objects.get(pk=asset.pk).raw_sections["versionprovider"]["perl_args"]
        self.assertEqual(stored, "--password=[redacted] --debug")


@override_settings(LANGUAGE_CODE="en")
class OddXmlTests(TenantTestCase):
    def test_odd_shapes_are_400_never_500(self) -> None:
        from ajunta.assets import fusion, inventory

        for body in (
            b"<REQUEST><DEVICEID>x</DEVICEID><QUERY>SNMPQUERY</QUERY><CONTENT><DEVICE>t</DEVICE></CONTENT></REQUEST>",
            b"<REQUEST><DEVICEID>x</DEVICEID><CONTENT><DEVICE><INFO>t</INFO><COMPONENTS><COMPONENT>a</COMPONENT></COMPONENTS></DEVICE></CONTENT></REQUEST>",
            b"<REQUEST><DEVICEID><A>1</A></DEVICEID><CONTENT>x</CONTENT></REQUEST>",
            b"<!DOCTYPE r [<!ENTITY e 'x'>]><REQUEST><DEVICEID>&e;</DEVICEID></REQUEST>",
        ):
            with self.subTest(body[:60]):
                try:
                    document = fusion.xml_document(body)
                    services.inventory_import(org=self.org_a, actor=None, document=document)
                except inventory.InventoryError:
                    pass
        self.assertEqual(Asset.objects.count(), 0)
