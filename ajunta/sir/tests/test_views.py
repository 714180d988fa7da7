"""SIR pages: trays, sending, deciding, importing, the directory; tenancy and query counts."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ajunta.core.models import Role
from ajunta.core.testing import TenantIsolationMixin, make_user
from ajunta.sir import selectors, services
from ajunta.sir.models import DirectoryEntry, Interchange, State
from ajunta.sir.tests.helpers import B_OFFICE, EXTERNAL, FIXTURES, SirTestCase, outgoing

FIXTURE = (FIXTURES / "generalitat_to_beta.xml").read_bytes()


def page_ids(attribute: str):
    import re

    pattern = re.compile(rf'data-{attribute}-id="(\d+)"')
    return lambda response: set(pattern.findall(response.content.decode()))


class SirPagesTests(TenantIsolationMixin, SirTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.a_entry = outgoing(cls.org_a, cls.bob, attachments=0)
        cls.a_row = services.interchange_send(
            org=cls.org_a, actor=cls.bob, entry=cls.a_entry, destination_code=EXTERNAL
        )
        cls.b_entry = outgoing(cls.org_b, cls.charlie, attachments=0)
        cls.b_row = services.interchange_send(
            org=cls.org_b, actor=cls.charlie, entry=cls.b_entry, destination_code=EXTERNAL
        )
        cls.isolation_ids_a = {str(cls.a_row.pk)}
        cls.isolation_ids_b = {str(cls.b_row.pk)}

    def isolation_object_urls(self, slug):
        base = f"/o/{slug}/sir/interchanges/{self.a_row.pk}/"
        return [("GET", base), ("POST", base + "accept/"), ("POST", base + "reject/"),
                ("POST", base + "forward/")]  # fmt: skip

    def isolation_list_urls(self, slug):
        return [(f"/o/{slug}/sir/?tray=sent", page_ids("interchange"))]

    def test_other_organization_gets_404_on_every_page_and_never_sees_a_directory(self):
        services.directory_import_csv(org=self.org_a, actor=self.alice,
                                      data=b"code,name,kind\nE04990044,Only for A,office\n")  # fmt: skip
        client = self.login(self.charlie)
        for method, path in [("get", "/o/alpha/sir/"), ("post", "/o/alpha/sir/"), ("get", "/o/alpha/sir/send/"),
                             ("post", "/o/alpha/sir/send/"), ("get", "/o/alpha/sir/directory/"),
                             ("post", "/o/alpha/sir/directory/"), ("get", "/o/alpha/sir/directory/search/?q=E0")]:  # fmt: skip
            with self.subTest(path=path, method=method):
                self.assertEqual(getattr(client, method)(path).status_code, 404)
        self.assertNotContains(client.get("/o/beta/sir/directory/"), "E04990044")
        self.assertNotContains(client.get("/o/beta/sir/directory/search/?q=E0499"), "E04990044")
        # A's outgoing entries are never offered to B
        self.assertNotContains(client.get("/o/beta/sir/send/"), self.a_entry.summary)
        refused = client.post(
            "/o/beta/sir/send/", {"entry": self.a_entry.pk, "destination_code": EXTERNAL}
        )
        self.assertEqual(refused.status_code, 400)
        self.assertContains(self.login(self.bob).get("/o/alpha/sir/directory/"), "E04990044")

    def test_trays_list_with_bounded_queries(self):
        client = self.login(self.bob)
        for _ in range(3):
            services.interchange_send(org=self.org_a, actor=self.bob,
                                      entry=outgoing(self.org_a, self.bob, attachments=0),
                                      destination_code=EXTERNAL)  # fmt: skip
        client.get("/o/alpha/sir/?tray=sent")  # warm caches (session, content types)
        with self.assertNumQueries(7):
            response = client.get("/o/alpha/sir/?tray=sent")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(page_ids("interchange")(response)), 4)
        partial = client.get("/o/alpha/sir/?tray=sent&q=00000001", HTTP_HX_REQUEST="true")
        self.assertNotContains(partial, "<html")
        self.assertEqual(page_ids("interchange")(partial), {str(self.a_row.pk)})

    def test_send_page_sends_and_refuses_with_a_form_error(self):
        client = self.login(self.bob)
        entry = outgoing(self.org_a, self.bob, attachments=0)
        page = client.get(f"/o/alpha/sir/send/?entry={entry.pk}")
        self.assertContains(page, entry.number)
        refused = client.post("/o/alpha/sir/send/", {"entry": entry.pk, "destination_code": "x"})
        self.assertEqual(refused.status_code, 400)
        own = client.post(
            "/o/alpha/sir/send/", {"entry": entry.pk, "destination_code": "L01080011"}
        )
        self.assertContains(own, "own code", status_code=400)
        response = client.post(
            "/o/alpha/sir/send/", {"entry": entry.pk, "destination_code": B_OFFICE}
        )
        row = Interchange.objects.get(organization=self.org_a, entry=entry)
        self.assertRedirects(response, f"/o/alpha/sir/interchanges/{row.pk}/")
        self.assertTrue(selectors.interchanges(org=self.org_b, tray="pending").exists())

    def test_receiver_accepts_from_the_page_and_sender_sees_number(self):
        entry = outgoing(self.org_a, self.bob)
        sent = services.interchange_send(org=self.org_a, actor=self.bob, entry=entry,
                                         destination_code=B_OFFICE)  # fmt: skip
        pending = selectors.interchanges(org=self.org_b, tray="pending").get()
        client = self.login(self.charlie)
        page = client.get(f"/o/beta/sir/interchanges/{pending.pk}/")
        self.assertContains(page, "Accept")
        response = client.post(f"/o/beta/sir/interchanges/{pending.pk}/accept/", {})
        self.assertRedirects(response, f"/o/beta/sir/interchanges/{pending.pk}/")
        pending.refresh_from_db()
        client = self.login(self.bob)
        page = client.get(f"/o/alpha/sir/interchanges/{sent.pk}/")
        self.assertContains(page, pending.destination_entry_number)
        self.assertContains(page, "Accepted")
        # deciding twice is refused with a message, not a 500
        client = self.login(self.charlie)
        again = client.post(f"/o/beta/sir/interchanges/{pending.pk}/reject/", {"reason": "tard"})
        self.assertEqual(again.status_code, 400)

    def test_the_senders_page_shows_the_parties_and_attachments_that_left(self):
        entry = outgoing(self.org_a, self.bob, attachments=2)
        sent = services.interchange_send(
            org=self.org_a, actor=self.bob, entry=entry, destination_code=EXTERNAL
        )
        client = self.login(self.bob)
        client.get(f"/o/alpha/sir/interchanges/{sent.pk}/")
        with self.assertNumQueries(11):
            page = client.get(f"/o/alpha/sir/interchanges/{sent.pk}/")
        self.assertContains(page, "Núria Puig")
        self.assertContains(page, "12345678Z")
        self.assertContains(page, "doc0.pdf")
        self.assertContains(page, "doc1.pdf")
        self.assertContains(page, "SHA-256")

    def test_reject_needs_reason_on_the_page(self):
        services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        pending = selectors.interchanges(org=self.org_b, tray="pending").get()
        client = self.login(self.charlie)
        response = client.post(f"/o/beta/sir/interchanges/{pending.pk}/reject/", {"reason": ""})
        self.assertEqual(response.status_code, 400)
        pending.refresh_from_db()
        self.assertEqual(pending.state, State.RECEIVED)

    def test_import_upload_in_the_pending_tray(self):
        client = self.login(self.charlie)
        bad = client.post("/o/beta/sir/", {"file": SimpleUploadedFile("x.xml", b"<a>")})
        self.assertContains(bad, "0037", status_code=400)
        good = client.post("/o/beta/sir/", {"file": SimpleUploadedFile("f.xml", FIXTURE)})
        row = Interchange.objects.get(organization=self.org_b, side="in")
        self.assertRedirects(good, f"/o/beta/sir/interchanges/{row.pk}/")
        with override_settings(SIR_MAX_XML_BYTES=100):
            big = client.post("/o/beta/sir/", {"file": SimpleUploadedFile("f.xml", FIXTURE)})
        self.assertContains(big, "larger than", status_code=400)

    def test_permissions(self):
        councillor = make_user("dani", self.org_a, Role.ELECTED_MEMBER)
        client = self.login(councillor)
        self.assertEqual(client.get("/o/alpha/sir/").status_code, 403)
        self.assertEqual(client.get("/o/alpha/sir/send/").status_code, 403)
        client = self.login(self.bob)
        self.assertEqual(
            client.post("/o/alpha/sir/directory/", {"kind": "office"}).status_code, 403
        )

    def test_directory_page_search_add_and_import(self):
        client = self.login(self.alice)
        page = client.get("/o/alpha/sir/directory/?q=Beta")
        self.assertContains(page, B_OFFICE)
        added = client.post(
            "/o/alpha/sir/directory/", {"kind": "unit", "code": "L01080012", "name": "Urbanisme"}
        )
        self.assertRedirects(added, "/o/alpha/sir/directory/")
        csv = SimpleUploadedFile("d.csv", b"code,name,kind\nE04990009,AGE,office\n")
        imported = client.post("/o/alpha/sir/directory/", {"action": "import", "file": csv})
        self.assertRedirects(imported, "/o/alpha/sir/directory/")
        bad = SimpleUploadedFile("d.csv", b"code,name\nnope,AGE\n")
        refused = client.post("/o/alpha/sir/directory/", {"action": "import", "file": bad})
        self.assertContains(refused, "Line 2", status_code=400)
        self.assertTrue(
            DirectoryEntry.objects.filter(organization=self.org_a, code="E04990009").exists()
        )
        published = client.post("/o/alpha/sir/directory/", {"action": "publish_units"})
        self.assertRedirects(published, "/o/alpha/sir/directory/")
        options = client.get(
            "/o/alpha/sir/directory/search/?destination_code=O0000", HTTP_HX_REQUEST="true"
        )
        self.assertContains(options, B_OFFICE)

    def test_detail_and_directory_pages_with_bounded_queries(self):
        services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        row = selectors.interchanges(org=self.org_b, tray="pending").get()
        client = self.login(self.charlie)
        client.get(f"/o/beta/sir/interchanges/{row.pk}/")
        with self.assertNumQueries(8):
            page = client.get(f"/o/beta/sir/interchanges/{row.pk}/")
        self.assertContains(page, "Construccions Bages SL")
        self.assertContains(page, "informe_sectorial.pdf")
        self.assertContains(page, "Urgent: termini de 10 dies")
        self.assertContains(page, "s&#x27;emet l&#x27;informe sectorial preceptiu")
        services.directory_import_csv(
            org=self.org_b, actor=self.charlie,
            data=("code,name,kind\n" + "".join(f"E0499{n:04d},Oficina {n},office\n" for n in range(30))).encode(),
        )  # fmt: skip
        client.get("/o/beta/sir/directory/")
        with self.assertNumQueries(8):
            page = client.get("/o/beta/sir/directory/")
        self.assertEqual(len(page_ids("directory")(page)), 32)

    def test_dashboard_and_navigation_show_the_module(self):
        response = self.login(self.bob).get("/o/alpha/")
        self.assertContains(response, "/o/alpha/sir/")
