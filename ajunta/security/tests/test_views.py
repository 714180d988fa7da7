"""Pages and API of the cybersecurity module: scope, refusals, the module's visibility."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.test import Client
from django.urls import reverse

from ajunta.core.testing import TenantIsolationMixin, api_ids, speaking, verify_mfa
from ajunta.security import services
from ajunta.security.models import Exposure, SecurityIncident
from ajunta.security.tests.base import SecurityTestCase, feed
from ajunta.tenants.models import Organization

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
class SecurityPagesTests(TenantIsolationMixin, SecurityTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with time_machine.travel(NOW, tick=False):
            services.nvd_import(data=feed("nvd-excerpt.json"))
            services.kev_import(data=feed("kev-excerpt.json"))
            cls.incident = services.incident_create(
                org=cls.org_a, actor=cls.alice, title="Phishing", category="fraud",
                detected_at=NOW - dt.timedelta(hours=30),
            )  # fmt: skip
            cls.incident_b = services.incident_create(
                org=cls.org_b, actor=cls.charlie, title="DoS", category="availability",
                detected_at=NOW - dt.timedelta(hours=1),
            )  # fmt: skip
        cls.isolation_ids_a = {str(cls.incident.pk)}
        cls.isolation_ids_b = {str(cls.incident_b.pk)}

    def isolation_object_urls(self, slug: str):
        pk = self.incident.pk
        return [("GET", reverse("security_incident", args=[slug, pk])),
                ("GET", reverse("security_incident_pdf", args=[slug, pk])),
                ("GET", reverse("security_incident_export", args=[slug, pk])),
                ("GET", f"/api/v1/o/{slug}/security/incidents/{pk}/"),
                ("GET", f"/api/v1/o/{slug}/security/incidents/{pk}/lucia/")]  # fmt: skip

    def isolation_list_urls(self, slug: str):
        def rows(response):
            return set(re.findall(r'data-incident-id="(\d+)"', response.content.decode()))

        return [(reverse("security_incidents", args=[slug]), rows),
                (f"/api/v1/o/{slug}/security/incidents/", api_ids())]  # fmt: skip

    def provider_client(self) -> Client:
        client = Client()
        verify_mfa(client, self.tech)
        return client

    def test_member_pages_render_their_own_data(self) -> None:
        client = self.login(self.alice)
        for name in ("security_home", "security_exposures", "security_who_runs", "security_incidents",
                     "security_incident_new", "security_ens"):  # fmt: skip
            self.assertEqual(client.get(reverse(name, args=["alpha"])).status_code, 200, name)
        page = client.get(reverse("security_exposures", args=["alpha"])).content.decode()
        self.assertIn("CVE-2023-38831", page)
        self.assertIn("6.23", page)
        self.assertNotIn("PC-BETA", page)
        detail = client.get(reverse("security_incident", args=["alpha", self.incident.pk]))
        self.assertContains(detail, 'data-step="early_warning"')
        self.assertContains(detail, '<span class="badge danger">')  # the 24 h early warning

    def test_provider_sees_every_member_and_who_still_runs(self) -> None:
        client = self.provider_client()
        page = client.get(reverse("security_exposures", args=["consell"]) + "?known_exploited=1")
        self.assertContains(page, "PC-BETA")
        self.assertContains(page, "PC-SECRETARIA")
        who = client.get(
            reverse("security_who_runs", args=["consell"]), {"q": "7-zip"}
        ).content.decode()
        self.assertIn("Ajuntament de Beta", who)
        self.assertIn("23.01", who)
        self.assertIn("24.09", who)  # Alpha's patched one: who runs it, any version
        short = speaking(client, "en").get(
            reverse("security_who_runs", args=["consell"]), {"q": "x"}
        )
        self.assertContains(short, "at least two characters")

    def test_exposure_list_is_a_fixed_number_of_queries(self) -> None:
        client = self.provider_client()
        url = reverse("security_exposures", args=["consell"])
        client.get(url)
        with self.assertNumQueries(10) as first:
            client.get(url)
        services.exposures_refresh()
        from ajunta.security.tests.base import device

        for n in range(4):
            device(self.org_b, f"PC-B{n}", [("WinRAR 6.00", "6.00")])
        services.exposures_refresh()
        self.assertEqual(Exposure.objects.filter(resolved_at__isnull=True).count(), 6)
        with self.assertNumQueries(len(first.captured_queries)):
            client.get(url)

    def test_record_an_incident_and_its_steps_on_the_pages(self) -> None:
        client = self.login(self.alice)
        response = client.post(reverse("security_incident_new", args=["alpha"]), {
            "title": "Compte de correu compromès", "category": "intrusion", "level": "medium",
            "significant": "on", "detected_at": "2026-11-23T08:30", "assets": [self.patched.pk],
        })  # fmt: skip
        incident = SecurityIncident.objects.get(title="Compte de correu compromès")
        self.assertRedirects(response, reverse("security_incident", args=["alpha", incident.pk]))
        url = reverse("security_incident", args=["alpha", incident.pk])
        self.assertEqual(client.post(url, {"form": "step", "step": "early_warning",
                                           "reference": "LUCIA-1"}).status_code, 302)  # fmt: skip
        refused = speaking(client, "en").post(url, {"form": "step", "step": "early_warning"})
        self.assertEqual(refused.status_code, 400)
        self.assertContains(refused, "already recorded", status_code=400)
        self.assertEqual(client.post(url, {"form": "nope"}).status_code, 400)
        bad = client.post(reverse("security_incident_new", args=["alpha"]),
                          {"title": "x", "category": "other", "detected_at": "2030-01-01T00:00"})  # fmt: skip
        self.assertEqual(bad.status_code, 400)
        other = client.post(reverse("security_incident_new", args=["alpha"]),
                            {"title": "x", "category": "other", "detected_at": "2026-11-23T08:00",
                             "assets": [self.old_7zip_b.pk]})  # fmt: skip
        self.assertEqual(other.status_code, 400)  # B's device is not a choice

    def test_api_creates_and_records_steps(self) -> None:
        api = self.api(self.alice)
        response = api.post("/api/v1/o/alpha/security/incidents/", {
            "title": "Web defacement", "category": "intrusion", "detected_at": "2026-11-23T07:00:00Z",
            "personal_data": True, "personal_data_description": "Cap", "assets": [self.old_winrar.pk],
        }, format="json")  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        pk = response.json()["id"]
        self.assertEqual({s["code"] for s in response.json()["steps"]},
                         {"early_warning", "notification", "final_report", "gdpr"})  # fmt: skip
        step = api.post(
            f"/api/v1/o/alpha/security/incidents/{pk}/step/", {"step": "gdpr"}, format="json"
        )
        self.assertEqual(step.status_code, 200)
        self.assertIsNotNone(step.json()["gdpr_notified_at"])
        self.assertEqual(api.post(f"/api/v1/o/alpha/security/incidents/{pk}/step/", {"step": "gdpr"},
                                  format="json").status_code, 400)  # fmt: skip
        bad = api.post("/api/v1/o/alpha/security/incidents/", {"title": "x", "category": "other",
                       "detected_at": "2026-11-23T07:00:00Z", "assets": [self.old_7zip_b.pk]}, format="json")  # fmt: skip
        self.assertEqual(bad.status_code, 400)
        exposures = api.get("/api/v1/o/alpha/security/exposures/?known_exploited=1").json()[
            "results"
        ]
        self.assertEqual([e["cve"] for e in exposures], ["CVE-2023-38831"])
        self.assertEqual(exposures[0]["fix_version"], "6.23")

    def test_staff_without_the_permission_and_members_without_the_module(self) -> None:
        self.assertEqual(
            self.login(self.bob).get(reverse("security_home", args=["alpha"])).status_code, 403
        )
        Organization.objects.filter(pk=self.org_a.pk).update(agreement_modules=None)
        self.assertEqual(
            self.login(self.alice).get(reverse("security_home", args=["alpha"])).status_code, 404
        )
        self.assertEqual(
            self.api(self.alice).get("/api/v1/o/alpha/security/incidents/").status_code, 404
        )


class EnsTests(SecurityTestCase):
    def test_measures_follow_the_category_and_findings_link_to_them(self) -> None:
        from ajunta.assets import services as asset_services

        client = speaking(self.login(self.alice), "en")
        page = client.get(reverse("security_ens", args=["alpha"]))
        self.assertContains(page, "not recorded yet")
        self.assertEqual(client.get(reverse("security_ens_pdf", args=["alpha"])).status_code, 400)
        asset_services.security_record_save(org=self.org_a, actor=self.alice, ens_category="basic")
        page = client.get(reverse("security_ens", args=["alpha"])).content.decode()
        self.assertIn('id="m-op.exp.4"', page)
        self.assertNotIn('id="m-op.cont.2"', page)  # ALTA only
        self.assertIn("No successful backup recorded.", page)  # a finding on mp.info.6
        url = reverse("security_ens_measure", args=["alpha", "mp.info.6"])
        response = client.post(url, {"state": "applied", "evidence": "Còpia diària al NAS",
                                     "review_date": "2027-06-30"})  # fmt: skip
        self.assertEqual(response.status_code, 302)
        refused = client.post(reverse("security_ens_measure", args=["alpha", "org.1"]),
                              {"state": "not_applicable"})  # fmt: skip
        self.assertContains(refused, "Justify", status_code=400)
        self.assertEqual(
            client.get(reverse("security_ens_measure", args=["alpha", "xx.9"])).status_code, 404
        )
        pdf = client.get(reverse("security_ens_pdf", args=["alpha"]))
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        asset_services.security_record_save(org=self.org_a, actor=self.alice, ens_category="high")
        page = client.get(reverse("security_ens", args=["alpha"])).content.decode()
        self.assertIn('id="m-op.cont.2"', page)
