"""The IT inventory API: assets, imports and exports, posture, alerts, security record, token."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import override_settings
from django.utils import timezone

from ajunta.assets import services
from ajunta.assets.models import AgentToken, Asset, AssetStatus, SecurityRecord
from ajunta.assets.samples import glpi_document, windows_10
from ajunta.core.models import Role
from ajunta.core.testing import TenantIsolationMixin, TenantTestCase, api_ids, make_org, make_user
from ajunta.tenants.testing import make_provider


@override_settings(LANGUAGE_CODE="en")
class AssetsApiTestCase(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.provider = make_provider(members=(cls.org_a, cls.org_b))
        cls.tech = make_user("tina", cls.provider, Role.PROVIDER_TECHNICIAN)
        cls.pc = services.inventory_import(org=cls.org_a, actor=None, document=windows_10()).asset
        cls.laptop = services.asset_create(
            org=cls.org_a, actor=cls.alice, kind="laptop", inventory_tag="AJ-0001",
            name="Portàtil", warranty_end=timezone.localdate() + dt.timedelta(days=10),
        )  # fmt: skip
        cls.pc_b = services.inventory_import(
            org=cls.org_b, actor=None, document=glpi_document(deviceid="beta-1")
        ).asset

    def url(self, tail: str = "", slug: str = "alpha") -> str:
        return f"/api/v1/o/{slug}/assets/{tail}"


class AssetApiTests(TenantIsolationMixin, AssetsApiTestCase):
    def setUp(self) -> None:
        self.isolation_ids_a = {str(self.pc.pk), str(self.laptop.pk)}
        self.isolation_ids_b = {str(self.pc_b.pk)}

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        base = f"/api/v1/o/{slug}/assets/{self.pc.pk}/"
        return [
            ("GET", base),
            ("PATCH", base),
            ("GET", base + "software/"),
            ("GET", base + "history/"),
        ]

    def isolation_list_urls(self, slug: str) -> list[tuple[str, Any]]:
        # Alerts and posture are checked in PostureApiTests (they are not plain lists).
        return [(f"/api/v1/o/{slug}/assets/", api_ids())]

    def test_list_and_detail(self) -> None:
        client = self.api(self.bob)
        rows = client.get(self.url()).json()["results"]
        self.assertEqual({row["id"] for row in rows}, {self.pc.pk, self.laptop.pk})
        detail = client.get(self.url(f"{self.pc.pk}/")).json()
        self.assertEqual(detail["os_eol_label"], "Windows 10")
        self.assertIn("os_eol", [reason["code"] for reason in detail["posture"]["reasons"]])
        self.assertTrue(detail["interfaces"])
        software = client.get(self.url(f"{self.pc.pk}/software/")).json()
        self.assertEqual(software["count"], 6)
        history = client.get(self.url(f"{self.pc.pk}/history/")).json()
        self.assertEqual(history["results"][0]["summary"], "Created from an inventory")

    def test_list_query_count_is_fixed(self) -> None:
        client = self.api(self.bob)
        with self.assertNumQueries(3):  # roles+org, count, page (with organization)
            client.get(self.url())
        for index in range(10):
            services.asset_create(
                org=self.org_a, actor=self.alice, kind="desktop", name=f"PC-{index}"
            )
        with self.assertNumQueries(3):
            response = client.get(self.url())
        self.assertEqual(response.json()["count"], 12)

    def test_create_patch_and_refusals(self) -> None:
        client = self.api(self.alice)
        response = client.post(
            self.url(),
            {"kind": "server", "inventory_tag": "SRV-1", "name": "Servidor"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        pk = response.json()["id"]
        response = client.patch(self.url(f"{pk}/"), {"status": "retired"}, format="json")
        self.assertEqual(response.json()["status"], AssetStatus.RETIRED)
        response = client.post(
            self.url(), {"kind": "server", "inventory_tag": "SRV-1"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("inventory_tag", response.json())
        response = client.post(self.url(), {"kind": "car"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(client.delete(self.url(f"{pk}/")).status_code, 405)
        self.assertEqual(self.api(self.bob).post(self.url(), {"kind": "server"}).status_code, 403)

    def test_filter_by_unknown_organization_is_a_400(self) -> None:
        response = self.api(self.bob).get(self.url("?organization=beta"))
        self.assertEqual(response.status_code, 400)

    def test_inventory_upload(self) -> None:
        client = self.api(self.alice)
        response = client.post(self.url("inventory/"), glpi_document(deviceid="api-1", serial="A1",
                                                                     uuid="a1"), format="json")  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        again = client.post(self.url("inventory/"), glpi_document(deviceid="api-1", serial="A1",
                                                                  uuid="a1"), format="json")  # fmt: skip
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["changed"], [])
        bad = glpi_document(deviceid="api-2")
        bad["content"]["bios"]["secure_boot"] = "maybe"
        response = client.post(self.url("inventory/"), bad, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("content.bios.secure_boot", response.json()["detail"][0])
        response = client.post(self.url("inventory/"), "{nope", content_type="application/json")
        self.assertEqual(response.status_code, 400)

    def test_csv_export_and_import(self) -> None:
        client = self.api(self.alice)
        response = client.get(self.url("export/"))
        body = b"".join(response.streaming_content).decode()
        self.assertIn("AJ-0001", body)
        csv_text = "inventory_tag,kind,name\nAJ-0500,tablet,Tauleta\n"
        response = client.post(
            self.url("import-csv/"),
            csv_text.encode(),
            content_type="text/csv",
            HTTP_CONTENT_DISPOSITION="attachment; filename=assets.csv",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json(), {"created": 1, "updated": 0, "unchanged": 0})
        response = client.post(
            self.url("import-csv/"),
            b"inventory_tag,kind\nAJ-0501,boat\n",
            content_type="text/csv",
            HTTP_CONTENT_DISPOSITION="attachment; filename=assets.csv",
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Asset.objects.filter(inventory_tag="AJ-0501").exists())


class PostureApiTests(AssetsApiTestCase):
    def test_municipal_posture_and_security_record(self) -> None:
        client = self.api(self.alice)
        before = client.get(self.url("posture/")).json()
        self.assertEqual(before["counts"]["os_eol"], 1)
        response = client.put(
            self.url("security/"),
            {"backup_last_success": timezone.localdate().isoformat(), "backup_offline_copy": True,
             "mfa_coverage": 100, "ens_status": "certified", "security_officer": "Pere",
             "backup_last_restore_test": timezone.localdate().isoformat()},
            format="json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 200, response.content)
        after = client.get(self.url("posture/")).json()
        self.assertGreater(after["score"], before["score"])
        response = client.put(self.url("security/"), {"mfa_coverage": 150}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(SecurityRecord.objects.get(organization=self.org_a).mfa_coverage, 100)
        self.assertEqual(self.api(self.bob).put(self.url("security/"), {}).status_code, 403)

    def test_provider_ranking_query_count(self) -> None:
        client = self.api(self.tech)
        # roles+org, members, counts, the security module's exploited-device counts, records
        with self.assertNumQueries(5):
            response = client.get(self.url("posture/", slug="consell"))
        ranking = response.json()["ranking"]
        self.assertEqual({row["organization"] for row in ranking}, {"consell", "alpha", "beta"})
        make_org("gamma")
        with self.assertNumQueries(5):
            client.get(self.url("posture/", slug="consell"))

    def test_alerts_are_scoped(self) -> None:
        Asset.objects.filter(pk__in=[self.pc.pk, self.pc_b.pk]).update(
            last_inventory_at=timezone.now() - dt.timedelta(days=90)
        )
        data = self.api(self.bob).get(self.url("alerts/")).json()
        self.assertEqual([row["id"] for row in data["warranty"]], [self.laptop.pk])
        self.assertEqual([row["id"] for row in data["silent"]], [self.pc.pk])
        data = self.api(self.charlie).get(self.url("alerts/", slug="beta")).json()
        self.assertEqual([row["id"] for row in data["silent"]], [self.pc_b.pk])
        self.assertEqual(self.api(self.charlie).get(self.url("alerts/")).status_code, 404)

    def test_agent_token_rotation(self) -> None:
        response = self.api(self.alice).post(self.url("agent-token/"), {}, format="json")
        self.assertEqual(response.status_code, 201)
        self.assertTrue(response.json()["token"].startswith("ajt_"))
        self.assertEqual(self.api(self.bob).post(self.url("agent-token/")).status_code, 403)
        # A municipality cannot name another organization; the provider can name a member.
        response = self.api(self.charlie).post(
            self.url("agent-token/", slug="beta"), {"organization": "alpha"}, format="json"
        )
        self.assertEqual(response.status_code, 404)
        response = self.api(self.tech).post(
            self.url("agent-token/", slug="consell"), {"organization": "beta"}, format="json"
        )
        self.assertEqual(response.json()["organization"], "beta")
        self.assertEqual(self.api(self.alice).delete(self.url("agent-token/")).status_code, 204)
        self.assertFalse(
            AgentToken.objects.filter(organization=self.org_a, revoked_at__isnull=True).exists()
        )

    def test_provider_lists_and_creates_members_assets(self) -> None:
        client = self.api(self.tech)
        rows = client.get(self.url("?organization=beta", slug="consell")).json()["results"]
        self.assertEqual([row["id"] for row in rows], [self.pc_b.pk])
        response = client.post(
            self.url(slug="consell"), {"organization": "beta", "kind": "firewall", "name": "FW"},
            format="json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["organization"], "beta")
        self.assertEqual(self.api(self.tech).get(self.url()).status_code, 404)

    def test_provider_imports_into_a_member(self) -> None:
        client = self.api(self.tech)
        response = client.post(
            self.url("import-csv/?organization=beta", slug="consell"),
            b"inventory_tag,kind,name\nBE-1,desktop,PC Beta\n",
            content_type="text/csv",
            HTTP_CONTENT_DISPOSITION="attachment; filename=assets.csv",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Asset.objects.get(inventory_tag="BE-1").organization, self.org_b)
        response = self.api(self.charlie).post(
            self.url("inventory/?organization=alpha", slug="beta"), windows_10(), format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(
            Asset.objects.filter(organization=self.org_a, name="PC-SECRETARIA")
            .exclude(pk=self.pc.pk)
            .exists()
        )


class EveryEndpointIsScopedTests(AssetsApiTestCase):
    ENDPOINTS = (
        ("get", ""), ("post", ""), ("get", "export/"), ("post", "import-csv/"),
        ("post", "inventory/"), ("get", "posture/"), ("get", "alerts/"), ("get", "security/"),
        ("put", "security/"), ("post", "agent-token/"), ("delete", "agent-token/"),
    )  # fmt: skip

    def test_another_organizations_endpoints_answer_404(self) -> None:
        client = self.api(self.charlie)
        for method, tail in self.ENDPOINTS:
            response = getattr(client, method)(self.url(tail))
            self.assertEqual(response.status_code, 404, f"{method} {tail}")

    def test_elected_members_get_403(self) -> None:
        councillor = make_user("laia", self.org_a, Role.ELECTED_MEMBER)
        for method, tail in self.ENDPOINTS:
            response = getattr(self.api(councillor), method)(self.url(tail))
            self.assertEqual(response.status_code, 403, f"{method} {tail}")
