"""The registry's pages: who may open them, what they show, and how a refusal looks."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from ajunta.core.models import Document, Role
from ajunta.core.testing import (
    TenantIsolationMixin,
    TenantTestCase,
    make_user,
    speaking,
    verify_mfa,
)
from ajunta.core.testing_archives import HOSTILE_UPLOADS
from ajunta.registry import services
from ajunta.registry.models import EntryAttachment, EntryStatus, RegistryEntry, Validity
from ajunta.tenants import services as tenant_services
from ajunta.tenants.testing import make_provider

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
HX = {"HTTP_HX_REQUEST": "true"}
MEMORY_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
NURIA = {
    "person_type": "natural", "id_type": "N", "id_number": "12345678Z", "name": "Núria",
    "first_surname": "Puig",
}  # fmt: skip


def file_entry(org: Any, actor: Any, **overrides: Any) -> RegistryEntry:
    values: dict[str, Any] = {
        "direction": "in", "channel": "in_person", "epigraph": "Instància genèrica",
        "summary": "Sol·licitud de llicència d'obres menors", "parties": [NURIA],
    }  # fmt: skip
    values.update(overrides)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the receipt follows the commit
        return services.registry_entry_create(org=org, actor=actor, **values)


def pdf(name: str = "escrit.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def entry_ids(response: Any) -> set[str]:
    return set(re.findall(r'data-entry-id="(\d+)"', response.content.decode()))


def party_post(index: int, **values: str) -> dict[str, str]:
    defaults = {"role": "interested", "person_type": "natural", "id_type": "N"}
    return {f"parties-{index}-{name}": value for name, value in {**defaults, **values}.items()}


def entry_post(**overrides: Any) -> dict[str, Any]:
    """What the new-entry form posts: one interested party (Núria) and one blank row."""
    data: dict[str, Any] = {
        "direction": "in", "channel": "in_person", "epigraph": "Instància genèrica",
        "summary": "Petició d'un gual", "validity": Validity.COPY,
        "parties-TOTAL_FORMS": "2", "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0", "parties-MAX_NUM_FORMS": "10",
        **party_post(0, id_number="12345678Z", name="Núria", first_surname="Puig"),
        **party_post(1),
    }  # fmt: skip
    data.update(overrides)
    return data


# The assertions read the messages' English source text; the product default is Catalan.
@override_settings(LANGUAGE_CODE="en", STORAGES=MEMORY_STORAGES)
class RegistryViewTestCase(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.unit = services.unit_create(org=cls.org_a, actor=cls.alice, name="Urbanisme")
        cls.other_unit = services.unit_create(org=cls.org_a, actor=cls.alice, name="Hisenda")
        cls.unit_b = services.unit_create(org=cls.org_b, actor=cls.charlie, name="Secretaria")
        cls.entry = file_entry(
            cls.org_a, cls.bob, destination_unit=cls.unit,
            attachments=[{"file": pdf(), "validity": Validity.ORIGINAL}],
        )  # fmt: skip
        cls.outgoing = file_entry(
            cls.org_a, cls.bob, direction="out", channel="post", epigraph="Ofici",
            summary="Tramesa de l'informe d'urbanisme", parties=[],
            addressee_name="Diputació de Barcelona", destination_unit=cls.other_unit,
        )  # fmt: skip
        cls.ahmed = file_entry(
            cls.org_a, cls.bob, channel="electronic", summary="Informe social per al menjador",
            parties=[{**NURIA, "id_type": "E", "id_number": "X1234567L", "name": "Ahmed",
                      "first_surname": "Benali"}],
        )  # fmt: skip
        cls.entry_b = file_entry(
            cls.org_b, cls.charlie, summary="Sol·licitud de Beta", destination_unit=cls.unit_b
        )

    def url(self, name: str, *args: Any, org: Any = None) -> str:
        return reverse(name, args=[(org or self.org_a).slug, *args])


class PagesRenderTests(RegistryViewTestCase):
    def test_alice_opens_every_page(self) -> None:
        client = self.login(self.alice)
        for name, args in [
            ("registry_book", []),
            ("registry_entry_new", []),
            ("registry_entry", [self.entry.pk]),
            ("registry_entry_annul", [self.entry.pk]),
            ("registry_entry_rectify", [self.entry.pk]),
            ("registry_units", []),
            ("registry_unit", [self.unit.pk]),
            ("registry_settings", []),
        ]:
            with self.subTest(name):
                response = client.get(self.url(name, *args))
                self.assertEqual(response.status_code, 200)
                self.assertContains(response, "<h1>")

    def test_bob_opens_the_office_pages(self) -> None:
        client = self.login(self.bob)
        for name, args in [
            ("registry_book", []),
            ("registry_entry_new", []),
            ("registry_entry", [self.entry.pk]),
            ("registry_entry_rectify", [self.entry.pk]),
            ("registry_units", []),
            ("registry_unit", [self.unit.pk]),
        ]:
            with self.subTest(name):
                self.assertEqual(client.get(self.url(name, *args)).status_code, 200)

    def test_an_outgoing_entry_offers_sending_it_through_sir(self) -> None:
        client = self.login(self.bob)
        send = reverse("sir_send", args=["alpha"])
        outgoing = client.get(self.url("registry_entry", self.outgoing.pk))
        self.assertContains(outgoing, f"{send}?entry={self.outgoing.pk}")
        incoming = client.get(self.url("registry_entry", self.entry.pk))
        self.assertNotContains(incoming, send)

    def test_an_incoming_entry_offers_opening_a_case_file(self) -> None:
        client = self.login(self.bob)
        new_case = reverse("cases_new", args=["alpha"])
        incoming = client.get(self.url("registry_entry", self.entry.pk))
        self.assertContains(incoming, f"{new_case}?entry={self.entry.number}")
        outgoing = client.get(self.url("registry_entry", self.outgoing.pk))
        self.assertNotContains(outgoing, new_case)

    def test_a_member_whose_agreement_leaves_out_the_registry_does_not_see_it(self) -> None:
        provider = make_provider(members=(self.org_a,))
        helpdesk = tenant_services.catalogue_service_create(
            org=provider, actor=None, code="helpdesk", name="Suport", module="helpdesk"
        )
        tenant_services.agreement_create(
            org=provider, actor=None, member=self.org_a, title="Conveni",
            start_date=dt.date(2020, 1, 1), end_date=dt.date(2099, 12, 31), services=[helpdesk],
        )  # fmt: skip
        client = self.login(self.bob)
        self.assertEqual(client.get(self.url("registry_book")).status_code, 404)
        self.assertEqual(client.get(self.url("registry_entry", self.entry.pk)).status_code, 404)
        self.assertNotContains(client.get("/o/alpha/"), self.url("registry_book"))
        api = APIClient()
        api.force_authenticate(self.bob)
        self.assertEqual(api.get("/api/v1/o/alpha/registry/entries/").status_code, 404)
        # another member, with no agreement on record, keeps it
        self.assertEqual(self.login(self.charlie).get("/o/beta/registry/").status_code, 200)

    def test_the_entry_page_shows_everything(self) -> None:
        response = self.login(self.bob).get(self.url("registry_entry", self.entry.pk))
        attachment = self.entry.attachments.get()
        receipt = self.entry.receipt
        assert receipt is not None
        self.assertContains(response, self.entry.number)
        self.assertContains(response, "Núria Puig")
        self.assertContains(response, "12345678Z")
        self.assertContains(response, "Original")
        self.assertContains(response, self.url("document_download", attachment.document.pk))
        self.assertContains(response, self.url("document_download", receipt.pk))
        code = receipt.verification_code or ""
        self.assertContains(response, "-".join(code[i : i + 5] for i in range(0, len(code), 5)))
        self.assertContains(response, "Waiting for the unit")
        # Bob may acknowledge and rectify; annulling is the secretary's.
        self.assertContains(response, self.url("registry_entry_acknowledge", self.entry.pk))
        self.assertContains(response, self.url("registry_entry_rectify", self.entry.pk))
        self.assertNotContains(response, self.url("registry_entry_annul", self.entry.pk))

    def test_the_book_offers_exports_of_the_filtered_period(self) -> None:
        response = self.login(self.bob).get(self.url("registry_book"), {"date_from": "2026-01-01"})
        self.assertContains(response, f"{self.url('registry_book_csv')}?date_from=2026-01-01")
        self.assertContains(response, f"{self.url('registry_book_pdf')}?date_from=2026-01-01")


class PermissionTests(RegistryViewTestCase):
    def test_bob_cannot_annul_nor_change_settings_or_units(self) -> None:
        client = self.login(self.bob)
        self.assertEqual(
            client.get(self.url("registry_entry_annul", self.entry.pk)).status_code, 403
        )
        response = client.post(self.url("registry_entry_annul", self.entry.pk), {"reason": "No"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(client.get(self.url("registry_settings")).status_code, 403)
        self.assertEqual(client.post(self.url("registry_units"), {"name": "X"}).status_code, 403)
        response = client.post(self.url("registry_unit_active", self.unit.pk), {"is_active": "0"})
        self.assertEqual(response.status_code, 403)
        self.entry.refresh_from_db()
        self.unit.refresh_from_db()
        self.assertEqual(self.entry.status, EntryStatus.REGISTERED)
        self.assertTrue(self.unit.is_active)

    def test_provider_technician_and_elected_member_get_403_on_the_book(self) -> None:
        for role in (Role.PROVIDER_TECHNICIAN, Role.ELECTED_MEMBER):
            with self.subTest(role):
                user = make_user(f"only-{role}", self.org_a, role)
                verify_mfa(self.client, user)  # provider roles need the second factor first
                for name, args in [
                    ("registry_book", []),
                    ("registry_book_csv", []),
                    ("registry_entry", [self.entry.pk]),
                    ("registry_entry_new", []),
                    ("registry_units", []),
                ]:
                    response = self.client.get(self.url(name, *args))
                    self.assertEqual(response.status_code, 403, name)

    def test_anonymous_users_are_sent_to_log_in(self) -> None:
        response = self.client.get(self.url("registry_book"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("login"), response["Location"])


class IsolationTests(TenantIsolationMixin, RegistryViewTestCase):
    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        entry, unit = self.entry.pk, self.unit.pk
        base = f"/o/{slug}/registry"
        return [
            ("GET", f"{base}/entries/{entry}/"),
            ("GET", f"{base}/entries/{entry}/annul/"),
            ("POST", f"{base}/entries/{entry}/annul/"),
            ("GET", f"{base}/entries/{entry}/rectify/"),
            ("POST", f"{base}/entries/{entry}/rectify/"),
            ("POST", f"{base}/entries/{entry}/acknowledge/"),
            ("GET", f"{base}/units/{unit}/"),
            ("POST", f"{base}/units/{unit}/active/"),
        ]

    def isolation_list_urls(self, slug: str) -> list[tuple[str, Any]]:
        return [
            (f"/o/{slug}/registry/", entry_ids),
            (f"/o/{slug}/registry/?unit=&q=", entry_ids),
            (
                f"/o/{slug}/registry/units/{self.unit_b.pk if slug == 'beta' else self.unit.pk}/",
                entry_ids,
            ),
        ]

    @property
    def isolation_ids_a(self) -> set[str]:  # type: ignore[override]
        return {str(self.entry.pk)}

    @property
    def isolation_ids_b(self) -> set[str]:  # type: ignore[override]
        return {str(self.entry_b.pk)}

    def test_nothing_of_a_changed(self) -> None:
        self.test_other_organization_gets_404_on_objects()
        self.entry.refresh_from_db()
        self.assertEqual(self.entry.status, EntryStatus.REGISTERED)
        self.assertIsNone(self.entry.acknowledged_at)
        self.assertEqual(RegistryEntry.objects.filter(organization=self.org_a).count(), 3)

    def test_a_unit_of_another_organization_is_not_a_filter(self) -> None:
        response = self.login(self.alice).get(self.url("registry_book"), {"unit": self.unit_b.pk})
        self.assertContains(response, "Select a valid choice")
        self.assertFalse(entry_ids(response) & {str(self.entry_b.pk)})

    def test_a_unit_of_another_organization_cannot_be_the_destination(self) -> None:
        response = self.login(self.alice).post(
            self.url("registry_entry_new"), entry_post(destination_unit=self.unit_b.pk)
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(RegistryEntry.objects.filter(organization=self.org_a).count(), 3)


class BookFilterTests(RegistryViewTestCase):
    def shown(self, **params: Any) -> set[str]:
        response = self.login(self.bob).get(self.url("registry_book"), params)
        self.assertEqual(response.status_code, 200)
        return entry_ids(response)

    def test_filters(self) -> None:
        entry, outgoing, ahmed = (str(e.pk) for e in (self.entry, self.outgoing, self.ahmed))
        today = timezone.localdate()
        cases: list[tuple[dict[str, Any], set[str]]] = [
            ({}, {entry, outgoing, ahmed}),
            ({"direction": "out"}, {outgoing}),
            ({"direction": "in"}, {entry, ahmed}),
            ({"number": self.outgoing.number}, {outgoing}),
            ({"party": "X1234567L"}, {ahmed}),
            ({"party": "Núria"}, {entry}),
            ({"subject": "menjador"}, {ahmed}),
            ({"unit": self.unit.pk}, {entry}),
            ({"channel": "electronic"}, {ahmed}),
            ({"status": "annulled"}, set()),
            ({"date_from": today.isoformat()}, {entry, outgoing, ahmed}),
            ({"date_to": (today - dt.timedelta(days=1)).isoformat()}, set()),
        ]
        for params, expected in cases:
            with self.subTest(params):
                self.assertEqual(self.shown(**params), expected)

    def test_free_text_search(self) -> None:
        entry, ahmed = str(self.entry.pk), str(self.ahmed.pk)
        self.assertEqual(self.shown(q="llicencia obres"), {entry})  # without accents
        self.assertEqual(self.shown(q="Benali"), {ahmed})
        self.assertEqual(self.shown(q="x1234567l"), {ahmed})
        self.assertEqual(self.shown(q="informe menjador"), {ahmed})
        self.assertEqual(self.shown(q="nothing-like-this"), set())

    def test_an_invalid_filter_is_said_and_left_out(self) -> None:
        response = self.login(self.bob).get(
            self.url("registry_book"), {"date_from": "yesterday", "direction": "out"}
        )
        self.assertContains(response, "Enter a valid date.")
        self.assertEqual(entry_ids(response), {str(self.outgoing.pk)})

    def test_annulled_entries_stay_visible_and_marked(self) -> None:
        services.registry_entry_annul(
            org=self.org_a, actor=self.alice, entry=self.outgoing, reason="Duplicada"
        )
        response = self.login(self.bob).get(self.url("registry_book"))
        self.assertIn(str(self.outgoing.pk), entry_ids(response))
        self.assertContains(response, f"<s>{self.outgoing.number}</s>", html=False)
        self.assertEqual(self.shown(status="annulled"), {str(self.outgoing.pk)})

    def test_a_row_shows_the_entry_in_the_users_language(self) -> None:
        entry = file_entry(
            self.org_a, self.bob, destination_unit=self.unit, channel="electronic",
            parties=[NURIA, {**NURIA, "id_number": "87654321X", "name": "Jordi",
                             "role": "representative", "represents": 0}],
        )  # fmt: skip
        response = speaking(self.login(self.bob), "ca").get(self.url("registry_book"))
        row = re.search(
            rf'<tr data-entry-id="{entry.pk}">(.*?)</tr>', response.content.decode(), re.S
        )
        assert row is not None
        html = row.group(1)
        link = reverse("registry_entry", args=[self.org_a.slug, entry.pk])
        self.assertIn(f'<a href="{link}">{entry.number}</a>', html)
        self.assertIn("D&#x27;entrada", html)  # the direction, in Catalan (escaped)
        self.assertIn('Núria Puig <span class="mono">12345678Z</span> i 1 més', html)
        self.assertIn("Electrònic", html)
        self.assertIn(self.unit.name, html)
        local = timezone.localtime(entry.filed_at)
        self.assertIn(f'<time datetime="{local.isoformat()}">{local:%d/%m/%Y %H:%M}</time>', html)

    def test_htmx_gets_only_the_results(self) -> None:
        response = self.login(self.bob).get(self.url("registry_book"), {"direction": "out"}, **HX)
        html = response.content.decode()
        self.assertTrue(html.startswith('<section id="book-results"'))
        self.assertNotIn("<html", html)
        self.assertEqual(entry_ids(response), {str(self.outgoing.pk)})
        self.assertIn("HX-Request", response["Vary"])

    def test_the_query_count_does_not_grow_with_rows(self) -> None:
        client = self.login(self.bob)
        url = self.url("registry_book")
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for number in range(6):
            file_entry(
                self.org_a, self.bob, destination_unit=self.unit,
                parties=[NURIA, {**NURIA, "id_number": "87654321X", "name": f"Jordi {number}",
                                 "role": "representative", "represents": 0}],
            )  # fmt: skip
        with CaptureQueriesContext(connection) as many:
            response = client.get(url)
        self.assertEqual(len(entry_ids(response)), 9)
        self.assertEqual(len(many), len(few), [q["sql"] for q in many.captured_queries])

    def test_pages_of_fifty(self) -> None:
        RegistryEntry.objects.bulk_create(
            RegistryEntry(
                organization=self.org_a, direction="in", year=2020, sequence=n,
                number=f"E/2020/{n:06d}", filed_at=self.entry.filed_at - dt.timedelta(days=n),
                effective_at=self.entry.filed_at, channel="post", epigraph="Antic", summary="Antic",
            )
            for n in range(1, 60)
        )  # fmt: skip
        client = self.login(self.bob)
        first = client.get(self.url("registry_book"))
        self.assertEqual(len(entry_ids(first)), 50)
        self.assertContains(first, "page=2")
        second = client.get(self.url("registry_book"), {"page": 2, "channel": "post"})
        self.assertEqual(len(entry_ids(second)), 10)


class ExportTests(RegistryViewTestCase):
    def test_csv_is_a_download_of_the_filtered_rows(self) -> None:
        response = self.login(self.bob).get(self.url("registry_book_csv"), {"direction": "in"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.streaming)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        content = b"".join(response.streaming_content).decode("utf-8-sig")
        self.assertIn(self.entry.number, content)
        self.assertIn(self.ahmed.number, content)
        self.assertNotIn(self.outgoing.number, content)
        # B numbers its own entries from 1 too: its E/…/000001 would be a second line.
        self.assertEqual(content.count(self.entry.number), 1)
        self.assertNotIn("Beta", content)

    def test_pdf_is_a_download(self) -> None:
        today = timezone.localdate().isoformat()
        response = self.login(self.bob).get(
            self.url("registry_book_pdf"), {"date_from": today, "date_to": today}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn(f"-{today}-{today}.pdf", response["Content-Disposition"])
        self.assertTrue(response.content.startswith(b"%PDF"))


class NewEntryTests(RegistryViewTestCase):
    def counts(self) -> tuple[int, int]:
        return RegistryEntry.objects.count(), Document.objects.count()

    def test_registers_with_parties_representative_and_attachments(self) -> None:
        data = entry_post(
            destination_unit=self.unit.pk,
            validity=Validity.AUTHENTIC_COPY,
            attachments=[pdf("a.pdf"), pdf("b.pdf", PDF + b"b")],
            **party_post(1, role="representative", represents="1", id_number="87654321x",
                         name="Jordi", first_surname="Soler", email="jordi@example.org"),
        )  # fmt: skip
        response = self.login(self.bob).post(self.url("registry_entry_new"), data, follow=True)
        entry = RegistryEntry.objects.filter(organization=self.org_a).latest("pk")
        self.assertRedirects(response, self.url("registry_entry", entry.pk))
        self.assertContains(response, f"Entry {entry.number} registered.")
        parties = list(entry.parties.order_by("position"))
        self.assertEqual([p.id_number for p in parties], ["12345678Z", "87654321X"])
        self.assertEqual(parties[1].represents, parties[0])
        self.assertContains(response, "Represents Núria Puig")
        self.assertEqual(
            list(entry.attachments.values_list("validity", flat=True)),
            [Validity.AUTHENTIC_COPY, Validity.AUTHENTIC_COPY],
        )
        self.assertEqual(entry.destination_unit, self.unit)
        self.assertEqual(entry.created_by, self.bob)

    def test_a_resubmitted_form_registers_once(self) -> None:
        client = self.login(self.bob)
        data = entry_post(idempotency_key="form-123")
        first = client.post(self.url("registry_entry_new"), data)
        second = client.post(self.url("registry_entry_new"), data)
        self.assertEqual(first["Location"], second["Location"])
        self.assertEqual(RegistryEntry.objects.filter(organization=self.org_a).count(), 4)

    def test_refusals_show_on_their_field_with_400_and_nothing_written(self) -> None:
        cases = [
            (entry_post(**party_post(0, id_number="12345678A", name="Núria", first_surname="Puig")),
             "This NIF is not valid."),
            (entry_post(summary=""), "This field is required."),
            (entry_post(attachments=[pdf(f"{n}.pdf", PDF + bytes([n])) for n in range(6)]),
             "At most 5 attachments may be filed at once."),
            (entry_post(attachments=[pdf("ok.pdf"), pdf("virus.pdf", EXE)]),
             "This type of file is not accepted"),
            (entry_post(**party_post(0, id_number="", name="", first_surname="")),
             "An incoming entry needs at least one interested party."),
            (entry_post(direction="out"), "An outgoing entry needs its addressee."),
            (entry_post(**party_post(1, role="representative", id_number="87654321X",
                                     name="Jordi", first_surname="Soler")),
             "Say which interested party this person represents."),
        ]  # fmt: skip
        client = self.login(self.bob)
        before = self.counts()
        for data, message in cases:
            with self.subTest(message):
                response = client.post(self.url("registry_entry_new"), data)
                self.assertContains(response, message, status_code=400)
                self.assertContains(response, "The entry was not registered", status_code=400)
                self.assertEqual(self.counts(), before)
                self.assertFalse(
                    EntryAttachment.objects.exclude(entry__in=RegistryEntry.objects.all()).exists()
                )

    def test_hostile_attachments_are_refused_on_the_form(self) -> None:
        client = self.login(self.bob)
        before, documents = self.counts(), Document.objects.count()
        for name, content in HOSTILE_UPLOADS.items():
            with self.subTest(name=name):
                response = client.post(
                    self.url("registry_entry_new"), entry_post(attachments=[pdf(name, content)])
                )
                self.assertContains(response, name, status_code=400)
                self.assertContains(response, "The entry was not registered", status_code=400)
                self.assertEqual(self.counts(), before)
                self.assertEqual(Document.objects.count(), documents)

    def test_a_party_error_is_shown_on_its_row(self) -> None:
        data = entry_post(
            **party_post(0, id_number="12345678Z", name="Núria", first_surname="Puig"),
            **party_post(1, id_number="12345678A", name="Jordi", first_surname="Soler"),
        )
        response = self.login(self.bob).post(self.url("registry_entry_new"), data)
        html = response.content.decode()
        row_2 = html[html.index('id="party-2"') :]
        self.assertIn("This NIF is not valid.", row_2)
        self.assertNotIn(
            "This NIF is not valid.", html[html.index('id="party-1"') : html.index('id="party-2"')]
        )
        self.assertIn('href="#id_parties-1-id_number"', html)  # the summary links to the field

    def test_the_refusal_speaks_the_users_language(self) -> None:
        response = speaking(self.login(self.bob), "ca").post(
            self.url("registry_entry_new"), entry_post(summary="")
        )
        self.assertContains(response, "Aquest camp és obligatori.", status_code=400)

    def test_adding_a_party_row(self) -> None:
        client = self.login(self.bob)
        response = client.get(self.url("registry_entry_new"), {"party_row": "2"}, **HX)
        html = response.content.decode()
        self.assertTrue(html.startswith('<fieldset id="party-3"'))
        self.assertIn('name="parties-2-id_number"', html)
        self.assertIn('id="id_parties-TOTAL_FORMS" hx-swap-oob="true"', html)
        self.assertIn('value="3"', html)
        self.assertIn("party_row=3", html)
        too_far = client.get(self.url("registry_entry_new"), {"party_row": "10"}, **HX)
        self.assertEqual(too_far.status_code, 400)
        # Without JavaScript, the button posts the form: it comes back with one more row.
        response = client.post(self.url("registry_entry_new"), entry_post(add_party="1"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="parties-2-id_number"')
        self.assertContains(response, 'value="Petició d&#x27;un gual"')
        self.assertEqual(RegistryEntry.objects.filter(organization=self.org_a).count(), 3)

    def test_inactive_units_are_not_offered(self) -> None:
        services.unit_set_active(
            org=self.org_a, actor=self.alice, unit=self.other_unit, is_active=False
        )
        response = self.login(self.bob).get(self.url("registry_entry_new"))
        self.assertContains(response, "Urbanisme")
        self.assertNotContains(response, "Hisenda")


class AnnulTests(RegistryViewTestCase):
    def test_annul_flow(self) -> None:
        client = self.login(self.alice)
        url = self.url("registry_entry_annul", self.entry.pk)
        response = client.post(url, {"reason": ""})
        self.assertContains(response, "This field is required.", status_code=400)
        response = client.post(url, {"reason": "Presentada dues vegades"}, follow=True)
        self.assertRedirects(response, self.url("registry_entry", self.entry.pk))
        self.assertContains(response, f"Entry {self.entry.number} annulled.")
        self.assertContains(response, "Presentada dues vegades")
        self.entry.refresh_from_db()
        self.assertEqual(self.entry.status, EntryStatus.ANNULLED)
        self.assertEqual(self.entry.annulled_by, self.alice)
        # No more actions on it, and a second annulment is refused, not a 500.
        self.assertNotContains(response, self.url("registry_entry_rectify", self.entry.pk))
        self.assertNotContains(response, self.url("registry_entry_acknowledge", self.entry.pk))
        response = client.post(url, {"reason": "Una altra"})
        self.assertContains(response, "This entry is already annulled.", status_code=400)
        self.assertRedirects(client.get(url), self.url("registry_entry", self.entry.pk))


class RectifyTests(RegistryViewTestCase):
    def test_the_form_starts_from_the_original(self) -> None:
        response = self.login(self.bob).get(self.url("registry_entry_rectify", self.entry.pk))
        self.assertContains(response, "Sol·licitud de llicència d&#x27;obres menors")
        self.assertContains(response, 'value="12345678Z"')
        self.assertContains(response, 'name="reason"')

    def test_rectify_flow_creates_a_linked_entry(self) -> None:
        client = self.login(self.bob)
        url = self.url("registry_entry_rectify", self.entry.pk)
        data = entry_post(summary="Llicència d'obres majors", destination_unit=self.unit.pk)
        response = client.post(url, data)
        self.assertContains(response, "This field is required.", status_code=400)
        response = client.post(url, {**data, "reason": "Era una obra major"}, follow=True)
        new = RegistryEntry.objects.get(rectifies=self.entry)
        self.assertRedirects(response, self.url("registry_entry", new.pk))
        self.assertContains(response, f"it rectifies {self.entry.number}")
        self.assertEqual(new.summary, "Llicència d'obres majors")
        self.assertEqual(new.rectification_reason, "Era una obra major")
        original = client.get(self.url("registry_entry", self.entry.pk))
        self.assertContains(original, self.url("registry_entry", new.pk))
        self.entry.refresh_from_db()
        self.assertEqual(self.entry.summary, "Sol·licitud de llicència d'obres menors")

    def test_a_rectification_keeps_the_direction_and_may_leave_out_a_party(self) -> None:
        data = entry_post(
            direction="out",
            reason="Faltava el representant",
            **party_post(1, id_number="87654321X", name="Jordi", first_surname="Soler"),
            **{"parties-0-DELETE": "on"},
        )
        response = self.login(self.bob).post(
            self.url("registry_entry_rectify", self.entry.pk), data
        )
        new = RegistryEntry.objects.get(rectifies=self.entry)
        self.assertRedirects(response, self.url("registry_entry", new.pk))
        self.assertEqual(new.direction, "in")
        self.assertEqual(list(new.parties.values_list("id_number", flat=True)), ["87654321X"])

    def test_adding_a_party_without_javascript_stays_a_rectification(self) -> None:
        url = self.url("registry_entry_rectify", self.entry.pk)
        response = self.login(self.bob).post(url, entry_post(add_party="1", reason="x"))
        self.assertContains(response, f"Rectify entry {self.entry.number}")
        self.assertContains(response, 'name="parties-2-id_number"')
        self.assertFalse(RegistryEntry.objects.filter(rectifies=self.entry).exists())

    def test_an_annulled_entry_cannot_be_rectified(self) -> None:
        services.registry_entry_annul(
            org=self.org_a, actor=self.alice, entry=self.entry, reason="x"
        )
        client = self.login(self.bob)
        url = self.url("registry_entry_rectify", self.entry.pk)
        response = client.post(url, {**entry_post(), "reason": "y"}, follow=True)
        self.assertRedirects(response, self.url("registry_entry", self.entry.pk))
        self.assertContains(response, "An annulled entry cannot be rectified.")
        self.assertFalse(RegistryEntry.objects.filter(rectifies=self.entry).exists())


class AcknowledgeTests(RegistryViewTestCase):
    def test_acknowledge_flow(self) -> None:
        client = self.login(self.bob)
        unit_page = self.url("registry_unit", self.unit.pk)
        self.assertIn(str(self.entry.pk), entry_ids(client.get(unit_page)))
        url = self.url("registry_entry_acknowledge", self.entry.pk)
        response = client.post(url, {"next": unit_page})
        self.assertRedirects(response, unit_page)
        self.entry.refresh_from_db()
        self.assertEqual(self.entry.acknowledged_by, self.bob)
        self.assertNotIn(str(self.entry.pk), entry_ids(client.get(unit_page)))
        response = client.post(url, follow=True)
        self.assertContains(response, "This entry was already acknowledged.")

    def test_htmx_swaps_the_row(self) -> None:
        client = self.login(self.bob)
        url = self.url("registry_entry_acknowledge", self.entry.pk)
        response = client.post(url, **HX)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertTrue(html.startswith(f'<tr data-entry-id="{self.entry.pk}"'))
        self.assertIn("Acknowledged", html)
        again = client.post(url, **HX)
        self.assertContains(again, "already acknowledged", status_code=400)

    def test_an_entry_without_unit_cannot_be_acknowledged(self) -> None:
        response = self.login(self.bob).post(
            self.url("registry_entry_acknowledge", self.ahmed.pk), follow=True
        )
        self.assertContains(response, "This entry was not routed to a unit.")

    def test_get_is_not_allowed(self) -> None:
        response = self.login(self.bob).get(self.url("registry_entry_acknowledge", self.entry.pk))
        self.assertEqual(response.status_code, 405)


class UnitTests(RegistryViewTestCase):
    def test_units_show_what_waits_and_since_when(self) -> None:
        # Fifteen days later (a filed entry's dates are sealed: the clock moves instead).
        with time_machine.travel(timezone.now() + dt.timedelta(days=15), tick=False):
            response = self.login(self.bob).get(self.url("registry_units"))
        html = response.content.decode()
        row = html[html.index(f'data-unit-id="{self.unit.pk}"') :].split("</tr>")[0]
        self.assertIn("<td>1</td>", row)
        self.assertIn("Over 2 business days", row)
        self.assertNotContains(response, "Secretaria")  # B's unit
        self.assertNotContains(response, "Deactivate")  # Bob does not manage units

    def test_the_unit_page_lists_oldest_first_with_their_age(self) -> None:
        with time_machine.travel(timezone.now() + dt.timedelta(days=15), tick=False):
            newer = file_entry(self.org_a, self.bob, destination_unit=self.unit, summary="Recent")
            response = self.login(self.bob).get(self.url("registry_unit", self.unit.pk))
        html = response.content.decode()
        self.assertLess(
            html.index(f'data-entry-id="{self.entry.pk}"'),
            html.index(f'data-entry-id="{newer.pk}"'),
        )
        old_row = html[html.index(f'data-entry-id="{self.entry.pk}"') :].split("</tr>")[0]
        new_row = html[html.index(f'data-entry-id="{newer.pk}"') :].split("</tr>")[0]
        self.assertIn("Over 2 business days", old_row)
        self.assertIn("business days", old_row)
        self.assertNotIn("Over 2 business days", new_row)
        self.assertIn("0 business days", new_row)
        self.assertIn('hx-post="' + self.url("registry_entry_acknowledge", newer.pk), new_row)

    def test_the_query_count_does_not_grow_with_rows(self) -> None:
        client = self.login(self.bob)
        url = self.url("registry_unit", self.unit.pk)
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for _ in range(6):
            file_entry(self.org_a, self.bob, destination_unit=self.unit)
        with CaptureQueriesContext(connection) as many:
            response = client.get(url)
        self.assertEqual(len(entry_ids(response)), 7)
        self.assertEqual(len(many), len(few), [q["sql"] for q in many.captured_queries])
        units_url = self.url("registry_units")
        with CaptureQueriesContext(connection) as units_many:
            client.get(units_url)
        services.unit_create(org=self.org_a, actor=self.alice, name="Serveis Socials")
        with CaptureQueriesContext(connection) as units_more:
            client.get(units_url)
        self.assertEqual(len(units_more), len(units_many))

    def test_create_and_deactivate(self) -> None:
        client = self.login(self.alice)
        response = client.post(self.url("registry_units"), {"name": "Serveis Socials"}, follow=True)
        self.assertContains(response, "Unit “Serveis Socials” created.")
        response = client.post(self.url("registry_units"), {"name": "Urbanisme"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'class="errorlist', status_code=400)
        response = client.post(self.url("registry_units"), {"name": "Obres", "dir3_code": "bad"})
        self.assertContains(response, "A DIR3 code has 9 characters", status_code=400)
        response = client.post(
            self.url("registry_unit_active", self.unit.pk), {"is_active": "0"}, follow=True
        )
        self.assertContains(response, "Unit “Urbanisme” deactivated.")
        self.unit.refresh_from_db()
        self.assertFalse(self.unit.is_active)


class SettingsTests(RegistryViewTestCase):
    def test_shows_the_current_format_with_examples(self) -> None:
        year = timezone.localdate().year
        response = self.login(self.alice).get(self.url("registry_settings"))
        self.assertContains(response, 'value="{direction}/{year}/{seq:06d}"')
        self.assertContains(response, f"E/{year}/000001")
        self.assertContains(response, f"S/{year}/001234")

    def test_live_example(self) -> None:
        year = timezone.localdate().year
        client = self.login(self.alice)
        response = client.get(
            self.url("registry_settings"), {"number_format": "{year}-{direction}{seq:04d}"}, **HX
        )
        self.assertTrue(response.content.decode().startswith('<div id="number-examples"'))
        self.assertContains(response, f"{year}-E0001")
        for bad in ("{seq}", "{direction}{year}{seq.real}", "{direction}{year}{seq:999999999}"):
            response = client.get(self.url("registry_settings"), {"number_format": bad}, **HX)
            self.assertContains(response, "This format cannot number entries")

    def test_save(self) -> None:
        client = self.login(self.alice)
        response = client.post(self.url("registry_settings"), {"number_format": "{seq}"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Use {direction}, {year} and {seq}", status_code=400)
        response = client.post(
            self.url("registry_settings"), {"number_format": "RE-{direction}-{year}-{seq:05d}"}
        )
        self.assertRedirects(response, self.url("registry_settings"))
        entry = file_entry(self.org_a, self.bob)
        self.assertEqual(entry.number, f"RE-E-{entry.year}-00003")


@override_settings(REGISTRY_BOOK_PDF_MAX_ENTRIES=1, LANGUAGE_CODE="en")
class BookPdfLimitTests(TenantTestCase):
    def test_a_period_too_long_for_the_pdf_is_sent_back_to_the_book(self):
        for summary in ("first", "second"):
            services.registry_entry_create(
                org=self.org_a, actor=self.bob, direction="in", channel="post", epigraph="e",
                summary=summary, parties=[{"person_type": "legal", "id_type": "C",
                                           "id_number": "B12345674", "name": "Fusteria SL"}],
            )  # fmt: skip
        response = self.login(self.bob).get("/o/alpha/registry/book.pdf?direction=in")
        self.assertRedirects(
            response, "/o/alpha/registry/?direction=in", fetch_redirect_response=False
        )
        page = self.client.get("/o/alpha/registry/?direction=in")
        self.assertContains(page, "limited to 1 entries")
        ok = self.client.get("/o/alpha/registry/book.pdf?q=first")
        self.assertEqual(ok["Content-Type"], "application/pdf")


def _region(html: str, start: str, end: str) -> str:
    """The page's text from `start` to the first `end` after it (fails when `start` is missing)."""
    first = html.index(start)
    return html[first : html.index(end, first)]


class EntryAtAGlanceTests(RegistryViewTestCase):
    """The entry page: its state in a summary panel, its actions as visible buttons."""

    def test_the_actions_are_visible_buttons_not_inside_details(self) -> None:
        client = self.login(self.alice)
        html = client.get(self.url("registry_entry", self.entry.pk)).content.decode()
        self.assertNotIn("<details", html)
        bar = _region(html, '<nav class="action-bar"', "</nav>")
        annul = self.url("registry_entry_annul", self.entry.pk)
        # annulling opens its form in the action panel (htmx), or its own page (the href)
        self.assertIn(f'href="{annul}" hx-get="{annul}" hx-target="#entry-action"', bar)
        self.assertIn('<div id="entry-action" class="action-panel"', html)
        for url in (
            self.url("registry_entry_acknowledge", self.entry.pk),
            self.url("registry_entry_rectify", self.entry.pk),
            f"{reverse('cases_new', args=['alpha'])}?entry={self.entry.number}",
        ):
            self.assertIn(url, bar)
        self.assertEqual(bar.count('class="btn '), 4)
        outgoing = client.get(self.url("registry_entry", self.outgoing.pk)).content.decode()
        bar = _region(outgoing, '<nav class="action-bar"', "</nav>")
        self.assertIn(f"{reverse('sir_send', args=['alpha'])}?entry={self.outgoing.pk}", bar)

    def test_the_summary_shows_the_state_dates_unit_and_receipt(self) -> None:
        html = self.login(self.bob).get(self.url("registry_entry", self.entry.pk)).content.decode()
        summary = _region(html, 'class="card summary-panel"', "</section>")
        self.assertIn('<span class="badge ok">Valid</span>', summary)
        self.assertIn(self.entry.number, summary)
        filed = timezone.localtime(self.entry.filed_at).isoformat()
        self.assertIn(f'datetime="{filed}"', summary)
        self.assertIn("Effective at", summary)
        self.assertIn("Urbanisme", summary)
        self.assertIn("Waiting for the unit", summary)
        receipt = self.entry.receipt
        assert receipt is not None
        self.assertIn(self.url("document_download", receipt.pk), summary)

    def test_the_summary_says_annulled_or_rectified(self) -> None:
        client = self.login(self.alice)
        rectify = self.url("registry_entry_rectify", self.entry.pk)
        self.assertEqual(client.post(rectify, {**entry_post(), "reason": "x"}).status_code, 302)
        html = client.get(self.url("registry_entry", self.entry.pk)).content.decode()
        summary = _region(html, 'class="card summary-panel"', "</section>")
        self.assertIn('<span class="badge warn">Rectified</span>', summary)
        services.registry_entry_annul(
            org=self.org_a, actor=self.alice, entry=self.outgoing, reason="Duplicada"
        )
        html = client.get(self.url("registry_entry", self.outgoing.pk)).content.decode()
        summary = _region(html, 'class="card summary-panel"', "</section>")
        self.assertIn('<span class="badge danger">Annulled</span>', summary)
        self.assertNotIn('class="action-bar"', html)  # nothing left to do on it

    def test_the_annul_button_loads_only_the_form_with_htmx(self) -> None:
        client = self.login(self.alice)
        url = self.url("registry_entry_annul", self.entry.pk)
        partial = client.get(url, headers={"HX-Request": "true"})
        self.assertEqual(partial.status_code, 200)
        self.assertNotContains(partial, "<html")
        self.assertContains(partial, f'action="{url}"')
        self.assertContains(partial, 'name="reason"')
        self.assertIn("HX-Request", partial["Vary"])
        page = client.get(url)
        self.assertContains(page, "<html")
        self.assertContains(page, f"Annul entry {self.entry.number}")
