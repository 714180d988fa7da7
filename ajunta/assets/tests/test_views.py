"""IT inventory pages: access, what they show, the provider's view, and refusals."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ajunta.assets import posture, selectors, services
from ajunta.assets.models import AgentToken, Asset, AssetStatus, SecurityRecord
from ajunta.assets.samples import EXAMPLE, glpi_document, windows_10
from ajunta.core.models import Role
from ajunta.core.testing import (
    TenantIsolationMixin,
    TenantTestCase,
    make_org,
    make_user,
    speaking,
    verify_mfa,
)
from ajunta.tenants import services as tenant_services
from ajunta.tenants.testing import make_provider


def asset_ids(response: Any) -> set[str]:
    return set(re.findall(r'data-asset-id="(\d+)"', response.content.decode()))


@override_settings(LANGUAGE_CODE="en")
class AssetsPageTestCase(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.provider = make_provider(members=(cls.org_a, cls.org_b))
        cls.tech = make_user("tina", cls.provider, Role.PROVIDER_TECHNICIAN)
        cls.pc = services.inventory_import(org=cls.org_a, actor=None, document=windows_10()).asset
        cls.laptop = services.asset_create(
            org=cls.org_a, actor=cls.alice, kind="laptop", inventory_tag="AJ-0001",
            name="Portàtil alcaldia", warranty_end=timezone.localdate() + dt.timedelta(days=20),
        )  # fmt: skip
        cls.pc_b = services.inventory_import(
            org=cls.org_b, actor=None, document=glpi_document(deviceid="beta-1")
        ).asset

    def url(self, name: str, *args: Any, slug: str = "alpha") -> str:
        return reverse(name, args=[slug, *args])


class AssetPagesTests(TenantIsolationMixin, AssetsPageTestCase):
    def setUp(self) -> None:
        self.isolation_ids_a = {str(self.pc.pk), str(self.laptop.pk)}
        self.isolation_ids_b = {str(self.pc_b.pk)}

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        return [
            ("GET", reverse("assets_detail", args=[slug, self.pc.pk])),
            ("GET", reverse("assets_edit", args=[slug, self.pc.pk])),
            ("POST", reverse("assets_edit", args=[slug, self.pc.pk])),
        ]

    def isolation_list_urls(self, slug: str) -> list[tuple[str, Any]]:
        return [(reverse("assets_list", args=[slug]), asset_ids)]

    def test_list_shows_end_of_life_and_filters(self) -> None:
        response = self.login(self.bob).get(self.url("assets_list"))
        self.assertContains(response, "PC-SECRETARIA")
        self.assertContains(response, "End of life")
        response = self.client.get(self.url("assets_list") + "?issue=os_eol")
        self.assertEqual(asset_ids(response), {str(self.pc.pk)})
        response = self.client.get(self.url("assets_list") + "?q=AJ-0001")
        self.assertEqual(asset_ids(response), {str(self.laptop.pk)})
        response = self.client.get(self.url("assets_list") + "?kind=laptop")
        laptops = Asset.objects.filter(organization=self.org_a, kind="laptop").values_list("pk")
        self.assertEqual(asset_ids(response), {str(pk) for (pk,) in laptops})
        self.assertContains(response, '<select name="kind" id="id_kind">', html=False)
        self.assertContains(response, '<option value="laptop" selected>Laptop</option>')

    def test_htmx_gets_the_results_only(self) -> None:
        response = self.login(self.bob).get(
            self.url("assets_list") + "?q=AJ-0001", HTTP_HX_REQUEST="true"
        )
        self.assertNotContains(response, "<html")
        self.assertEqual(asset_ids(response), {str(self.laptop.pk)})
        self.assertIn("HX-Request", response["Vary"])

    def test_list_query_count_is_fixed(self) -> None:
        client = self.login(self.bob)
        client.get(self.url("assets_list"))
        with self.assertNumQueries(6) as first:  # session, user, roles, count, page, (nav)
            client.get(self.url("assets_list"))
        for index in range(12):
            services.asset_create(org=self.org_a, actor=self.alice, kind="desktop",
                                  name=f"PC-{index}")  # fmt: skip
        with self.assertNumQueries(len(first.captured_queries)):
            response = client.get(self.url("assets_list"))
        self.assertEqual(len(asset_ids(response)), 14)
        self.assertContains(response, self.url("assets_detail", self.laptop.pk))

    def test_list_rows_show_links_labels_and_dates_in_the_users_language(self) -> None:
        # 23:30 UTC on 4 March is 5 March in Madrid: the date is the local one, as |date gave it.
        seen = dt.datetime(2026, 3, 4, 23, 30, tzinfo=dt.UTC)
        Asset.objects.filter(pk=self.laptop.pk).update(last_inventory_at=seen)
        response = speaking(self.login(self.bob), "es").get(self.url("assets_list"))
        html = response.content.decode()
        laptop_row = html[html.index(f'data-asset-id="{self.laptop.pk}"') :].split("</tr>")[0]
        self.assertIn(f'<a href="{self.url("assets_detail", self.laptop.pk)}">', laptop_row)
        self.assertIn("Portàtil alcaldia", laptop_row)
        self.assertIn("<td>Portátil</td>", laptop_row)  # the kind, in Spanish
        self.assertIn("<td>En uso</td>", laptop_row)
        self.assertIn('<time datetime="2026-03-05T00:30:00+01:00">05/03/2026</time>', laptop_row)
        pc_row = html[html.index(f'data-asset-id="{self.pc.pk}"') :].split("</tr>")[0]
        self.assertIn(f'<a href="{self.url("assets_detail", self.pc.pk)}">PC-SECRETARIA', pc_row)
        self.assertIn('<span class="badge warn">Sin soporte</span>', pc_row)
        self.assertNotIn("badge", laptop_row)

    def test_detail_shows_posture_software_and_history(self) -> None:
        response = self.login(self.bob).get(self.url("assets_detail", self.pc.pk))
        self.assertContains(response, "Windows 10 is past its end of life")
        self.assertContains(response, "gnome-calculator")
        self.assertContains(response, "Created from an inventory")
        self.assertNotContains(response, self.url("assets_edit", self.pc.pk))  # staff: read only

    def test_detail_names_the_operating_system_once(self) -> None:
        # The GLPI agent's own example inventory, untouched: its full name carries the version.
        document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        asset = services.inventory_import(org=self.org_a, actor=None, document=document).asset
        self.assertEqual(
            (asset.os_name, asset.os_version),
            ("Fedora 31 (Workstation Edition)", "31 (Workstation Edition)"),
        )
        response = self.login(self.bob).get(self.url("assets_detail", asset.pk))
        self.assertContains(response, "<dd>Fedora 31 (Workstation Edition)")
        self.assertNotContains(response, "(Workstation Edition) 31")

    def test_staff_may_not_create(self) -> None:
        self.assertEqual(self.login(self.bob).get(self.url("assets_new")).status_code, 403)
        response = self.client.post(self.url("assets_new"), {"kind": "desktop"})
        self.assertEqual(response.status_code, 403)

    def test_create_and_edit(self) -> None:
        client = self.login(self.alice)
        response = client.post(
            self.url("assets_new"),
            {"kind": "printer", "inventory_tag": "AJ-0100", "name": "Impressora", "status": "in_use",
             "cost": "199.90"},
        )  # fmt: skip
        asset = Asset.objects.get(organization=self.org_a, inventory_tag="AJ-0100")
        self.assertRedirects(response, self.url("assets_detail", asset.pk))
        response = client.post(
            self.url("assets_edit", asset.pk),
            {"kind": "printer", "inventory_tag": "AJ-0100", "name": "Impressora",
             "status": AssetStatus.RETIRED},
        )  # fmt: skip
        asset.refresh_from_db()
        self.assertEqual(asset.status, AssetStatus.RETIRED)
        self.assertEqual(asset.changes.count(), 2)

    def test_duplicate_tag_and_bad_values_are_form_errors(self) -> None:
        client = self.login(self.alice)
        before = Asset.objects.count()
        response = client.post(
            self.url("assets_new"),
            {"kind": "desktop", "inventory_tag": "AJ-0001", "status": "in_use"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Another asset of this organization", status_code=400)
        response = client.post(
            self.url("assets_new"), {"kind": "spaceship", "status": "in_use", "cost": "-3"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Asset.objects.count(), before)


class ProviderPagesTests(AssetsPageTestCase):
    def provider_client(self) -> Client:
        client = Client()
        verify_mfa(client, self.tech)
        return client

    def test_provider_sees_every_members_assets(self) -> None:
        client = self.provider_client()
        response = client.get(self.url("assets_list", slug="consell"))
        self.assertEqual(
            asset_ids(response), {str(self.pc.pk), str(self.laptop.pk), str(self.pc_b.pk)}
        )
        response = client.get(
            self.url("assets_list", slug="consell") + f"?organization={self.org_b.pk}"
        )
        self.assertEqual(asset_ids(response), {str(self.pc_b.pk)})
        self.assertContains(response, f'<option value="{self.org_b.pk}" selected>')
        csv_url = self.url("assets_csv", slug="consell") + f"?organization={self.org_b.pk}"
        exported = b"".join(client.get(csv_url).streaming_content).decode()
        self.assertEqual([line.split(",")[0] for line in exported.splitlines()[1:]], ["beta"])
        response = client.get(self.url("assets_detail", self.pc_b.pk, slug="consell"))
        self.assertContains(response, "Ajuntament de Beta")

    def test_provider_list_names_each_assets_organization_in_fixed_queries(self) -> None:
        client = self.provider_client()
        client.get(self.url("assets_list", slug="consell"))
        with self.assertNumQueries(8) as first:  # + the MFA device and the members for the filter
            client.get(self.url("assets_list", slug="consell"))
        for index in range(5):
            services.asset_create(org=self.org_b, actor=self.charlie, kind="desktop",
                                  name=f"PC-B-{index}")  # fmt: skip
        with self.assertNumQueries(len(first.captured_queries)):
            response = client.get(self.url("assets_list", slug="consell"))
        self.assertEqual(len(asset_ids(response)), 8)
        html = response.content.decode()
        row = html[html.index(f'data-asset-id="{self.pc_b.pk}"') :].split("</tr>")[0]
        self.assertIn(self.url("assets_detail", self.pc_b.pk, slug="consell"), row)
        self.assertIn("<td>Ajuntament de Beta</td>", row)
        self.assertIn(f'<option value="{self.org_b.pk}">Ajuntament de Beta</option>', html)

    def test_provider_technician_has_no_access_through_a_members_slug(self) -> None:
        response = self.provider_client().get(self.url("assets_list", slug="alpha"))
        self.assertEqual(response.status_code, 404)

    def test_ranking_puts_the_worst_first(self) -> None:
        services.security_record_save(
            org=self.org_b, actor=self.charlie, backup_last_success=timezone.localdate(),
            backup_offline_copy=True, backup_last_restore_test=timezone.localdate(),
            mfa_coverage=100, ens_status="certified", security_officer="Marta",
        )  # fmt: skip
        response = self.provider_client().get(self.url("assets_posture", slug="consell"))
        order = re.findall(r'data-org-id="(\d+)"', response.content.decode())
        self.assertLess(order.index(str(self.org_a.pk)), order.index(str(self.org_b.pk)))
        self.assertContains(response, "<svg")

    def test_members_with_no_inventory_are_no_data_ranked_apart(self) -> None:
        from ajunta.core.modules import Figure

        empty = make_org("gamma", name="Ajuntament de Gamma")
        tenant_services.membership_enter(
            org=self.provider, actor=None, member=empty, start_date=dt.date(2020, 1, 1)
        )
        response = self.provider_client().get(self.url("assets_posture", slug="consell"))
        html = response.content.decode()
        scored = html[: html.index('id="no-data"')]
        self.assertNotIn(f'data-org-id="{empty.pk}"', scored)  # not among the scored ...
        self.assertIn(f'<li data-org-id="{empty.pk}">Ajuntament de Gamma</li>', html)  # ... apart
        self.assertIn(f'data-org-id="{self.org_a.pk}"', scored)
        figures = selectors.work_figures(
            org=self.provider, user=self.tech, roles=frozenset(), today=timezone.localdate()
        )
        by_label = {str(f.label): f for f in figures if isinstance(f, Figure)}
        self.assertEqual(by_label["Members with no inventory (no data)"].value, 1)
        worst = [name for name, _url, _score in by_label["The five worst postures"].items]
        self.assertNotIn("Ajuntament de Gamma", worst)
        own = selectors.work_figures(
            org=empty, user=self.tech, roles=frozenset(), today=timezone.localdate()
        )
        self.assertEqual(str(own[0].value), "no data")

    def test_provider_creates_a_members_asset_and_rotates_its_token(self) -> None:
        client = self.provider_client()
        response = client.post(
            self.url("assets_new", slug="consell"),
            {"owner": self.org_b.pk, "kind": "phone", "name": "Mòbil brigada", "status": "in_use"},
        )
        asset = Asset.objects.get(name="Mòbil brigada")
        self.assertEqual(asset.organization, self.org_b)
        self.assertRedirects(response, self.url("assets_detail", asset.pk, slug="consell"))
        response = client.post(
            self.url("assets_agent_token", slug="consell"), {"organization": self.org_b.pk}
        )
        self.assertContains(response, "ajt_")
        self.assertEqual(response["Cache-Control"], "private, no-store")
        self.assertTrue(AgentToken.objects.filter(organization=self.org_b).exists())


class PosturePagesTests(AssetsPageTestCase):
    def test_municipal_posture_lists_actions(self) -> None:
        response = self.login(self.bob).get(self.url("assets_posture"))
        self.assertContains(response, "1 device past its OS end of life")
        self.assertContains(response, "No security officer named")
        self.assertContains(response, 'class="issue-chart"')
        self.assertContains(response, "Issues among 2 active assets")
        self.assertContains(response, "In Ajunta itself: 0 of 2 people")
        self.assertContains(response, "PC-SECRETARIA")

    def test_security_record_form(self) -> None:
        client = self.login(self.alice)
        self.assertEqual(client.get(self.url("assets_security")).status_code, 200)
        response = client.post(
            self.url("assets_security"),
            {"mfa_coverage": "80", "ens_status": "in_progress", "security_officer": "Pere Vila",
             "backup_last_success": "2026-11-20", "ens_category": "basic"},
        )  # fmt: skip
        self.assertRedirects(response, self.url("assets_posture"))
        record = SecurityRecord.objects.get(organization=self.org_a)
        self.assertEqual(record.mfa_coverage, 80)
        response = client.post(self.url("assets_security"), {"mfa_coverage": "180",
                                                             "ens_status": "in_progress"})  # fmt: skip
        self.assertEqual(response.status_code, 400)
        record.refresh_from_db()
        self.assertEqual(record.mfa_coverage, 80)
        self.assertEqual(self.login(self.bob).get(self.url("assets_security")).status_code, 403)

    def test_alerts_page(self) -> None:
        old = timezone.now() - dt.timedelta(days=60)
        Asset.objects.filter(pk=self.pc.pk).update(last_inventory_at=old)
        response = self.login(self.bob).get(self.url("assets_alerts"))
        self.assertContains(response, "Portàtil alcaldia")  # warranty ends in 20 days
        content = response.content.decode()
        self.assertEqual(content.count(">PC-SECRETARIA<"), 2)  # end of life and silent

    def test_isolation_of_posture_and_alerts(self) -> None:
        response = self.login(self.charlie).get(self.url("assets_alerts", slug="beta"))
        self.assertNotContains(response, "PC-SECRETARIA")
        self.assertEqual(self.client.get(self.url("assets_posture")).status_code, 404)


class ImportPagesTests(AssetsPageTestCase):
    def test_csv_round_trip(self) -> None:
        client = self.login(self.alice)
        exported = b"".join(client.get(self.url("assets_csv")).streaming_content).decode()
        self.assertIn("AJ-0001", exported)
        self.assertNotIn("beta-1", exported)
        text = (
            "inventory_tag;kind;name;status;warranty_end;cost\n"
            "AJ-0001;laptop;Portàtil alcaldia (nou);in_use;2027-01-31;899,00\n"
            "AJ-0002;desktop;PC recepció;in_stock;;\n"
        )
        response = client.post(
            self.url("assets_import"),
            {"kind": "csv", "file": SimpleUploadedFile("a.csv", text.encode())},
        )
        self.assertRedirects(response, self.url("assets_list"))
        self.laptop.refresh_from_db()
        self.assertEqual(self.laptop.name, "Portàtil alcaldia (nou)")
        self.assertTrue(
            Asset.objects.filter(organization=self.org_a, inventory_tag="AJ-0002").exists()
        )

    def test_a_bad_row_refuses_the_whole_file(self) -> None:
        before = Asset.objects.count()
        text = "inventory_tag,kind,name\nAJ-0300,desktop,Bo\nAJ-0301,toaster,Dolent\n"
        response = self.login(self.alice).post(
            self.url("assets_import"),
            {"kind": "csv", "file": SimpleUploadedFile("a.csv", text.encode())},
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Row 3", status_code=400)
        self.assertEqual(Asset.objects.count(), before)

    def test_inventory_file_upload(self) -> None:
        import json

        body = json.dumps(glpi_document(deviceid="fitxer-1", serial="F1", uuid="f1")).encode()
        response = self.login(self.alice).post(
            self.url("assets_import"),
            {"kind": "inventory", "file": SimpleUploadedFile("inv.json", body)},
        )
        asset = Asset.objects.get(device_id="fitxer-1")
        self.assertRedirects(response, self.url("assets_detail", asset.pk))
        response = self.client.post(
            self.url("assets_import"),
            {"kind": "inventory", "file": SimpleUploadedFile("inv.json", b"{oops")},
        )
        self.assertContains(response, "not valid JSON", status_code=400)


class AgentTokenPageTests(AssetsPageTestCase):
    def test_admin_rotates_and_revokes(self) -> None:
        client = self.login(self.alice)
        response = client.post(self.url("assets_agent_token"))
        self.assertContains(response, "ajt_")
        self.assertContains(response, "/o/alpha/assets/agent/")
        client.post(self.url("assets_agent_token"), {"action": "revoke"})
        self.assertFalse(
            AgentToken.objects.filter(organization=self.org_a, revoked_at__isnull=True).exists()
        )

    def test_staff_and_other_organizations_may_not(self) -> None:
        self.assertEqual(self.login(self.bob).get(self.url("assets_agent_token")).status_code, 403)
        response = self.login(self.charlie).post(
            self.url("assets_agent_token", slug="beta"), {"organization": self.org_a.pk}
        )
        self.assertEqual(response.status_code, 200)  # a municipality acts on itself only
        self.assertFalse(AgentToken.objects.filter(organization=self.org_a).exists())

    def test_provider_imports_a_csv_for_a_member(self) -> None:
        client = Client()
        verify_mfa(client, self.tech)
        response = client.post(
            self.url("assets_import", slug="consell"),
            {"kind": "csv", "owner": self.org_b.pk,
             "file": SimpleUploadedFile("a.csv", b"inventory_tag,kind\nBE-9,server\n")},
        )  # fmt: skip
        self.assertRedirects(response, self.url("assets_list", slug="consell"))
        asset = Asset.objects.get(inventory_tag="BE-9")
        self.assertEqual(asset.organization, self.org_b)
        self.assertEqual(asset.changes.get().source, "csv")

    def test_search_by_installed_program(self) -> None:
        response = self.login(self.bob).get(self.url("assets_list") + "?software=calculator")
        self.assertEqual(asset_ids(response), {str(self.pc.pk)})
        response = self.login(self.charlie).get(
            self.url("assets_list", slug="beta") + "?software=calculator"
        )
        self.assertEqual(asset_ids(response), {str(self.pc_b.pk)})

    def test_csv_cells_never_run_as_formulas(self) -> None:
        services.asset_create(org=self.org_a, actor=self.alice, kind="desktop",
                              inventory_tag="AJ-7", name="=HYPERLINK(\"http://x\")")  # fmt: skip
        client = self.login(self.alice)
        exported = b"".join(client.get(self.url("assets_csv")).streaming_content).decode()
        self.assertIn("'=HYPERLINK", exported)
        lines = exported.lstrip("\ufeff").splitlines()
        text = "\n".join([lines[0], *[line for line in lines if "AJ-7" in line]])
        response = client.post(
            self.url("assets_import"),
            {"kind": "csv", "file": SimpleUploadedFile("a.csv", text.encode())},
        )
        self.assertRedirects(response, self.url("assets_list"))
        asset = Asset.objects.get(organization=self.org_a, inventory_tag="AJ-7")
        self.assertEqual(asset.name, '=HYPERLINK("http://x")')
        self.assertEqual(asset.changes.count(), 1)  # re-importing the export changed nothing


class EveryPageIsScopedTests(AssetsPageTestCase):
    PAGES = ("assets_list", "assets_csv", "assets_new", "assets_posture", "assets_security",
             "assets_alerts", "assets_import", "assets_agent_token")  # fmt: skip

    def test_another_organizations_pages_answer_404(self) -> None:
        client = self.login(self.charlie)
        for name in self.PAGES:
            for method in ("get", "post"):
                response = getattr(client, method)(self.url(name))
                self.assertEqual(response.status_code, 404, f"{method} {name}")

    def test_elected_members_get_403(self) -> None:
        councillor = make_user("laia", self.org_a, Role.ELECTED_MEMBER)
        client = self.login(councillor)
        for name in self.PAGES:
            self.assertEqual(client.get(self.url(name)).status_code, 403, name)


class AssetAtAGlanceTests(AssetsPageTestCase):
    """The asset page: state, posture, OS support and last inventory in a summary panel."""

    def summary(self, html: str) -> str:
        first = html.index('class="card summary-panel"')
        return html[first : html.index("</section>", first)]

    @time_machine.travel(dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC), tick=False)
    def test_the_summary_shows_status_posture_os_support_and_municipality(self) -> None:
        html = self.login(self.bob).get(self.url("assets_detail", self.pc.pk)).content.decode()
        self.assertNotIn("<details", html)  # the software list is no longer folded away
        summary = self.summary(html)
        self.assertIn(f'<span class="badge">{self.pc.get_status_display()}</span>', summary)
        score = posture.asset_posture(self.pc, on=dt.date(2026, 12, 31))
        self.assertEqual(score.level, "warn")  # Windows 10 past its end of life, and more
        self.assertIn(f'<span class="badge warn">{score.score}/100</span>', summary)
        self.assertIn('<span class="badge danger">Out of support</span>', summary)
        self.assertIn(f"<dd>{escape(self.org_a.name)}</dd>", summary)
        assert self.pc.last_inventory_at is not None
        stamp = timezone.localtime(self.pc.last_inventory_at).isoformat()
        self.assertIn(f'datetime="{stamp}"', summary)
        self.assertIn("Windows 10 is past its end of life", html)  # the reasons, beside it

    def test_an_asset_without_an_os_release_has_no_support_tag(self) -> None:
        html = self.login(self.bob).get(self.url("assets_detail", self.laptop.pk)).content.decode()
        summary = self.summary(html)
        self.assertIn("never", summary)
        for word in ("Out of support", "Support ends soon", ">Supported<"):
            self.assertNotIn(word, summary)

    def test_the_edit_action_is_a_visible_button_for_managers(self) -> None:
        html = self.login(self.alice).get(self.url("assets_detail", self.pc.pk)).content.decode()
        self.assertIn(
            f'<a class="btn btn-primary" href="{self.url("assets_edit", self.pc.pk)}">Edit</a>',
            html,
        )
