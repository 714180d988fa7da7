"""SIR API: send, trays, decisions, import, directory; tenancy, errors and query counts."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from ajunta.core.testing import TenantIsolationMixin, api_ids
from ajunta.sir import selectors, services
from ajunta.sir.models import Interchange, State
from ajunta.sir.tests.helpers import B_OFFICE, EXTERNAL, FIXTURES, SirTestCase, outgoing

FIXTURE = (FIXTURES / "generalitat_to_beta.xml").read_bytes()


class SirApiTests(TenantIsolationMixin, SirTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.a_row = services.interchange_send(
            org=cls.org_a, actor=cls.bob, entry=outgoing(cls.org_a, cls.bob, attachments=0),
            destination_code=EXTERNAL,
        )  # fmt: skip
        cls.b_row = services.interchange_send(
            org=cls.org_b, actor=cls.charlie, entry=outgoing(cls.org_b, cls.charlie, attachments=0),
            destination_code=EXTERNAL,
        )  # fmt: skip
        cls.isolation_ids_a = {str(cls.a_row.pk)}
        cls.isolation_ids_b = {str(cls.b_row.pk)}

    def isolation_object_urls(self, slug):
        base = f"/api/v1/o/{slug}/sir/interchanges/{self.a_row.pk}/"
        return [("GET", base), ("POST", base + "accept/"), ("POST", base + "reject/"),
                ("POST", base + "forward/")]  # fmt: skip

    def isolation_list_urls(self, slug):
        return [(f"/api/v1/o/{slug}/sir/interchanges/", api_ids())]

    def test_directory_lists_are_isolated(self):
        services.directory_import_csv(org=self.org_a, actor=self.alice,
                                      data=b"code,name,kind\nE04990005,Only A,office\n")  # fmt: skip
        a_codes = api_ids("code")(self.api(self.alice).get("/api/v1/o/alpha/sir/directory/"))
        b_codes = api_ids("code")(self.api(self.charlie).get("/api/v1/o/beta/sir/directory/"))
        self.assertIn("E04990005", a_codes)
        self.assertNotIn("E04990005", b_codes)
        client = self.api(self.charlie)
        for path in ("/api/v1/o/alpha/sir/directory/", "/api/v1/o/alpha/sir/directory/import/",
                     "/api/v1/o/alpha/sir/import/", "/api/v1/o/alpha/sir/interchanges/"):  # fmt: skip
            with self.subTest(path=path):
                self.assertEqual(client.post(path, {}, format="json").status_code, 404)
        self.assertEqual(client.get("/api/v1/o/alpha/sir/directory/").status_code, 404)

    def test_declare_own_offices_admin_only(self):
        body = {"kind": "office", "code": "O00009010", "name": "Registre auxiliar"}
        self.assertEqual(
            self.api(self.bob)
            .post("/api/v1/o/alpha/sir/directory/", body, format="json")
            .status_code,
            403,
        )
        created = self.api(self.alice).post("/api/v1/o/alpha/sir/directory/", body, format="json")
        self.assertEqual((created.status_code, created.json()["member"]), (201, "alpha"))
        again = self.api(self.alice).post("/api/v1/o/alpha/sir/directory/", body, format="json")
        self.assertEqual(again.status_code, 400)
        bad = self.api(self.alice).post(
            "/api/v1/o/alpha/sir/directory/",
            {**body, "kind": "x", "code": "O00009011"},
            format="json",
        )
        self.assertEqual(bad.status_code, 400)

    def test_round_trip_through_the_api(self):
        entry = outgoing(self.org_a, self.bob)
        response = self.api(self.bob).post("/api/v1/o/alpha/sir/interchanges/",
                                          {"entry": entry.pk, "destination_code": B_OFFICE}, format="json")  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        sent_id = response.json()["id"]
        self.assertEqual(response.json()["state"], State.ACKNOWLEDGED)
        pending = self.api(self.charlie).get("/api/v1/o/beta/sir/interchanges/?tray=pending").json()
        (row,) = pending["results"]
        accepted = self.api(self.charlie).post(
            f"/api/v1/o/beta/sir/interchanges/{row['id']}/accept/", {}, format="json"
        )
        self.assertEqual(accepted.status_code, 200, accepted.content)
        number = accepted.json()["destination_entry_number"]
        mine = self.api(self.bob).get(f"/api/v1/o/alpha/sir/interchanges/{sent_id}/").json()
        self.assertEqual((mine["state"], mine["destination_entry_number"]), ("accepted", number))
        self.assertEqual([e["state"] for e in mine["events"]], ["sent", "acknowledged", "accepted"])
        # B cannot read A's side of the same interchange
        self.assertEqual(
            self.api(self.charlie).get(f"/api/v1/o/beta/sir/interchanges/{sent_id}/").status_code,
            404,
        )

    def test_bad_input_answers_400(self):
        client = self.api(self.bob)
        entry = outgoing(self.org_a, self.bob, attachments=0)
        cases = [
            {"entry": entry.pk, "destination_code": "nope"},
            {"entry": 999999, "destination_code": B_OFFICE},
            {"entry": self.b_row.entry_id, "destination_code": B_OFFICE},
            {"destination_code": B_OFFICE},
        ]
        for body in cases:
            with self.subTest(body):
                response = client.post("/api/v1/o/alpha/sir/interchanges/", body, format="json")
                self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(Interchange.objects.filter(organization=self.org_a).count(), 1)
        response = client.post(
            f"/api/v1/o/alpha/sir/interchanges/{self.a_row.pk}/reject/",
            {"reason": "x"},
            format="json",
        )
        self.assertEqual(response.status_code, 400)  # not a pending interchange of ours

    def test_import_raw_and_multipart_and_refusals(self):
        client = self.api(self.charlie)
        refused = client.generic("POST", "/api/v1/o/beta/sir/import/", b"<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
                                 content_type="application/xml")  # fmt: skip
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(refused.json()["code"], "0037")
        response = client.generic(
            "POST", "/api/v1/o/beta/sir/import/", FIXTURE, content_type="application/xml"
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["state"], "received")
        self.assertEqual(len(response.json()["attachments"]), 2)
        duplicate = client.post("/api/v1/o/beta/sir/import/", {"file": SimpleUploadedFile("f.xml", FIXTURE)},
                                format="multipart")  # fmt: skip
        self.assertEqual((duplicate.status_code, duplicate.json()["code"]), (400, "0205"))
        self.assertEqual(
            client.post("/api/v1/o/beta/sir/import/", {}, format="multipart").status_code, 400
        )
        with self.settings(SIR_MAX_XML_BYTES=200):
            big = client.generic(
                "POST", "/api/v1/o/beta/sir/import/", FIXTURE, content_type="application/xml"
            )
        self.assertEqual(big.status_code, 400)
        # a staff member without office role in B cannot import there
        self.assertEqual(self.api(self.bob).generic("POST", "/api/v1/o/beta/sir/import/", FIXTURE,
                                                    content_type="application/xml").status_code, 404)  # fmt: skip

    def test_reject_and_forward(self):
        services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        row = selectors.interchanges(org=self.org_b, tray="pending").get()
        client = self.api(self.charlie)
        empty = client.post(
            f"/api/v1/o/beta/sir/interchanges/{row.pk}/reject/", {"reason": ""}, format="json"
        )
        self.assertEqual(empty.status_code, 400)
        own = client.post(
            f"/api/v1/o/beta/sir/interchanges/{row.pk}/forward/",
            {"destination_code": B_OFFICE},
            format="json",
        )
        self.assertEqual(own.status_code, 400)
        forwarded = client.post(f"/api/v1/o/beta/sir/interchanges/{row.pk}/forward/",
                                {"destination_code": "E04990077", "reason": "No competent"}, format="json")  # fmt: skip
        self.assertEqual((forwarded.status_code, forwarded.json()["state"]), (200, "forwarded"))

    def test_list_query_count_does_not_grow(self):
        for _ in range(4):
            services.interchange_send(org=self.org_a, actor=self.bob,
                                      entry=outgoing(self.org_a, self.bob, attachments=0), destination_code=EXTERNAL)  # fmt: skip
        client = self.api(self.bob)
        with self.assertNumQueries(3):
            response = client.get("/api/v1/o/alpha/sir/interchanges/?tray=sent")
        self.assertEqual(response.json()["count"], 5)
        with self.assertNumQueries(3):
            client.get("/api/v1/o/alpha/sir/directory/")

    def test_no_put_patch_delete(self):
        url = f"/api/v1/o/alpha/sir/interchanges/{self.a_row.pk}/"
        client = self.api(self.alice)
        for method in ("put", "patch", "delete"):
            self.assertEqual(getattr(client, method)(url, {}, format="json").status_code, 405)
