"""Filing an application: any hour, the receipt, refusals that leave nothing, and who sees what."""

from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from ajunta.core.models import Counter, Document, LocalHoliday, Role
from ajunta.core.testing import make_org
from ajunta.core.testing_archives import HOSTILE_UPLOADS
from ajunta.portal import selectors as portal_selectors
from ajunta.portal.tests.helpers import (
    EXE,
    FILE_URL,
    HOME_URL,
    PortalTestCase,
    document_url,
    filing_url,
    pdf,
)
from ajunta.registry.models import RegistryEntry
from ajunta.tenants import selectors
from ajunta.tenants.models import OrganizationKind

MADRID = ZoneInfo("Europe/Madrid")
SATURDAY_2330 = dt.datetime(2026, 11, 28, 22, 30, tzinfo=dt.UTC)  # 23:30 in Madrid
MONDAY = dt.datetime(2026, 11, 30, tzinfo=MADRID)
TUESDAY = dt.datetime(2026, 12, 1, tzinfo=MADRID)


@override_settings(LANGUAGE_CODE="en")
class FilingTests(PortalTestCase):
    def post_file(self, data: dict, **extra: object):
        return self.client.post(FILE_URL, data, **extra)

    def file_on_saturday_night(self, **data: object) -> RegistryEntry:
        with mock.patch("django.utils.timezone.now", return_value=SATURDAY_2330):
            self.client.force_login(self.nuria)
            response = self.post_file(self.form_data(attachments=[pdf()], **data))
        # The session saved on that Saturday expires two weeks later: what follows runs on the real clock.
        self.client.force_login(self.nuria)
        entry = RegistryEntry.objects.get()
        self.assertRedirects(response, filing_url(entry), fetch_redirect_response=False)
        return entry

    def test_the_form_shows_the_limits_and_is_accessible(self) -> None:
        self.client.force_login(self.nuria)
        response = self.client.get(FILE_URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response, "Up to 5 files, at most 10.0\xa0MB each and 15.0\xa0MB in all"
        )
        self.assertContains(response, 'name="attachments"')
        self.assertContains(response, "multiple")
        self.assertContains(response, '<label for="id_declaration">')
        self.assertContains(response, 'aria-describedby="id_attachments_helptext"')
        self.assertNotContains(response, "<script>")
        self.assertNotContains(response, "style=")
        self.assertEqual(
            response["Cache-Control"], "max-age=0, no-cache, no-store, must-revalidate, private"
        )
        self.assertNotContains(response, 'name="nif"')  # Núria's profile has it

    def test_saturday_night_filing_counts_from_monday(self) -> None:
        entry = self.file_on_saturday_night()
        self.assertEqual(entry.organization, self.org_a)
        self.assertEqual(entry.filer, self.nuria)
        self.assertEqual(entry.created_by, self.nuria)
        self.assertEqual((entry.direction, entry.channel), ("in", "electronic"))
        self.assertEqual(entry.number, "E/2026/000001")
        self.assertEqual(entry.filed_at, SATURDAY_2330)
        self.assertEqual(entry.effective_at, MONDAY)
        self.assertEqual(entry.epigraph, "Request for a certificate")
        self.assertEqual(entry.summary, "Demano un certificat d'empadronament col·lectiu.")
        party = entry.parties.get()
        self.assertEqual(
            (party.id_type, party.id_number, party.name, party.first_surname, party.second_surname),
            ("N", "12345678Z", "Núria", "Puig", "Soler"),
        )
        self.assertEqual(party.email, "nuria@example.org")
        self.assertEqual([a.document.name for a in entry.attachments.all()], ["informe.pdf"])

        page = self.client.get(filing_url(entry))
        entry.refresh_from_db()  # the page issued the receipt if the worker had not yet
        self.assertContains(page, "E/2026/000001")
        self.assertContains(
            page, "Filed on Saturday, 28 November 2026 at 23:30, a non-business day"
        )
        self.assertContains(page, "as filed on Monday, 30 November 2026 at 00:00")
        self.assertContains(page, document_url(entry, entry.receipt))
        self.assertContains(page, entry.attachments.get().document.sha256)

    def test_when_monday_is_a_local_holiday_it_counts_from_tuesday(self) -> None:
        LocalHoliday.objects.create(
            organization=self.org_a, date=dt.date(2026, 11, 30), name="Festa major"
        )
        LocalHoliday.objects.create(  # another municipality's holiday changes nothing here
            organization=self.org_b, date=dt.date(2026, 12, 1), name="Sant Eloi"
        )
        entry = self.file_on_saturday_night()
        self.assertEqual(entry.effective_at, TUESDAY)

    def test_on_a_business_day_the_dates_are_the_same(self) -> None:
        wednesday = dt.datetime(2026, 11, 25, 9, 15, tzinfo=dt.UTC)
        with mock.patch("django.utils.timezone.now", return_value=wednesday):
            self.client.force_login(self.nuria)
            self.post_file(self.form_data())
            entry = RegistryEntry.objects.get()
            page = self.client.get(filing_url(entry))
        self.assertEqual(entry.effective_at, wednesday)
        self.assertNotContains(page, "non-business day")

    def test_the_receipt_and_the_attachments_download(self) -> None:
        entry = self.file_on_saturday_night()
        self.client.get(filing_url(entry))  # the citizen sees the filing, which has its receipt
        entry.refresh_from_db()
        response = self.client.get(document_url(entry, entry.receipt))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF"))
        attachment = entry.attachments.get().document
        response = self.client.get(document_url(entry, attachment))
        self.assertEqual(b"".join(response.streaming_content), pdf().read())

    def test_a_corrupted_file_is_not_served(self) -> None:
        entry = self.file_on_saturday_night()
        document = entry.attachments.get().document
        with open(f"{self.media}/{document.file.name}", "wb") as handle:
            handle.write(b"%PDF-1.4 tampered")
        self.assertEqual(self.client.get(document_url(entry, document)).status_code, 500)

    def test_other_subject_needs_a_summary_and_a_summary_is_used(self) -> None:
        self.client.force_login(self.nuria)
        response = self.post_file(self.form_data(epigraph="other"))
        self.assertContains(response, 'id="id_summary_error"', status_code=400)
        self.post_file(self.form_data(epigraph="other", summary="Gual  per al garatge"))
        entry = RegistryEntry.objects.get()
        self.assertEqual((entry.epigraph, entry.summary), ("Other", "Gual per al garatge"))

    def test_a_long_request_is_cut_for_the_summary(self) -> None:
        self.client.force_login(self.nuria)
        self.post_file(self.form_data(solicita="Demano " + "molt " * 100))
        summary = RegistryEntry.objects.get().summary
        self.assertEqual(len(summary), 240)
        self.assertTrue(summary.endswith("…"))

    def test_a_double_submit_files_once(self) -> None:
        self.client.force_login(self.nuria)
        data = self.form_data(idempotency_key="a1b2c3d4e5f6")
        first = self.post_file(data)
        second = self.post_file(data)
        entry = RegistryEntry.objects.get()
        self.assertEqual(first["Location"], filing_url(entry))
        self.assertEqual(second["Location"], filing_url(entry))

    def test_the_form_carries_a_fresh_idempotency_key(self) -> None:
        self.client.force_login(self.nuria)
        first = self.client.get(FILE_URL).context["form"]["idempotency_key"].value()
        second = self.client.get(FILE_URL).context["form"]["idempotency_key"].value()
        self.assertTrue(first and second and first != second)


@override_settings(LANGUAGE_CODE="en")
class RefusalTests(PortalTestCase):
    """A refused filing answers 400 with the reason, and leaves no entry, number, row or file."""

    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.nuria)
        self.first = self.file_for(self.nuria, attachments=[pdf("first.pdf")])
        self.files_before = self.stored_files()
        self.documents_before = Document.objects.count()

    def assert_nothing_left(self, response) -> None:
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(RegistryEntry.objects.all()), [self.first])
        self.assertEqual(Document.objects.count(), self.documents_before)
        self.assertEqual(
            list(
                Counter.objects.filter(organization=self.org_a).values_list("last_value", flat=True)
            ),
            [1],
        )
        self.assertEqual(self.stored_files(), self.files_before)
        # The next filing takes the next number: none was consumed.
        self.assertTrue(self.file_for(self.nuria).number.endswith("000002"))

    def test_a_file_type_that_is_not_accepted(self) -> None:
        data = self.form_data(
            attachments=[pdf("ok.pdf", b"%PDF-1.4 other\n"), pdf("virus.pdf", EXE)]
        )
        response = self.client.post(FILE_URL, data)
        self.assertContains(
            response, "virus.pdf: This type of file is not accepted", status_code=400
        )
        self.assertContains(response, 'id="id_attachments_error"', status_code=400)
        self.assert_nothing_left(response)

    def test_the_reason_is_given_in_the_users_language(self) -> None:
        data = self.form_data(attachments=[pdf("virus.pdf", EXE)], solicita="")
        response = self.client.post(FILE_URL, data, HTTP_ACCEPT_LANGUAGE="es")
        self.assertContains(response, "No se acepta este tipo de archivo", status_code=400)
        self.assertContains(response, "Este campo es obligatorio.", status_code=400)
        self.assert_nothing_left(response)

    @override_settings(REGISTRY_MAX_ATTACHMENT_BYTES=100)
    def test_a_file_too_large(self) -> None:
        response = self.client.post(
            FILE_URL, self.form_data(attachments=[pdf("big.pdf", b"%PDF-1.4\n" + b"0" * 200)])
        )
        self.assertContains(response, "big.pdf is larger than 100\xa0bytes", status_code=400)
        self.assert_nothing_left(response)

    @override_settings(REGISTRY_MAX_TOTAL_BYTES=100)
    def test_attachments_too_large_in_all(self) -> None:
        files = [pdf(f"{i}.pdf", b"%PDF-1.4\n" + bytes([48 + i]) * 60) for i in range(2)]
        response = self.client.post(FILE_URL, self.form_data(attachments=files))
        self.assertContains(response, "add up to more than 100\xa0bytes", status_code=400)
        self.assert_nothing_left(response)

    @override_settings(REGISTRY_MAX_ATTACHMENTS=1)
    def test_too_many_files(self) -> None:
        files = [pdf("a.pdf", b"%PDF-1.4 a\n"), pdf("b.pdf", b"%PDF-1.4 b\n")]
        response = self.client.post(FILE_URL, self.form_data(attachments=files))
        self.assertContains(response, "At most 1 attachments", status_code=400)
        self.assert_nothing_left(response)

    def test_missing_fields(self) -> None:
        data = self.form_data(solicita="", declaration=None, epigraph=None, municipality="")
        response = self.client.post(FILE_URL, data)
        for field in ("solicita", "declaration", "epigraph", "municipality"):
            self.assertContains(response, f'id="id_{field}_error"', status_code=400)
        self.assertContains(response, "The application was not filed", status_code=400)
        self.assert_nothing_left(response)

    def test_not_a_municipality(self) -> None:
        provider = make_org("consell", kind=OrganizationKind.COUNTY_COUNCIL, is_provider=True)
        response = self.client.post(FILE_URL, self.form_data(municipality=provider.pk))
        self.assertContains(response, "Choose one of the member municipalities", status_code=400)
        self.assert_nothing_left(response)

    def test_hostile_attachments_are_refused_on_the_form(self) -> None:
        for name, content in HOSTILE_UPLOADS.items():
            with self.subTest(name=name):
                data = self.form_data(attachments=[pdf(name, content)])
                response = self.client.post(FILE_URL, data)
                self.assertContains(response, f"{name}: The ", status_code=400)
                self.assertEqual(list(RegistryEntry.objects.all()), [self.first])
                self.assertEqual(Document.objects.count(), self.documents_before)
                self.assertEqual(self.stored_files(), self.files_before)
        self.assert_nothing_left(response)  # and the next filing takes the next number

    def test_a_refusal_by_the_registry_after_a_file_was_stored(self) -> None:
        # The form lets both through; document storage refuses the second after storing the first.
        files = [pdf("small.pdf", b"%PDF-1.4 small\n"), pdf("big.pdf", b"%PDF-1.4\n" + b"1" * 300)]
        with self.settings(DOCUMENT_MAX_BYTES=200):
            response = self.client.post(FILE_URL, self.form_data(attachments=files))
        self.assertContains(response, "larger than the maximum allowed size", status_code=400)
        self.assert_nothing_left(response)


@override_settings(LANGUAGE_CODE="en")
class AccessTests(PortalTestCase):
    """Only the filer sees a filing: other citizens and the municipality's staff get 404 here."""

    def setUp(self) -> None:
        super().setUp()
        self.entry = self.file_for(self.nuria, attachments=[pdf()])
        self.attachment = self.entry.attachments.get().document
        self.urls = [
            filing_url(self.entry),
            document_url(self.entry, self.entry.receipt),
            document_url(self.entry, self.attachment),
        ]

    def test_another_citizen_gets_404(self) -> None:
        self.client.force_login(self.pere)
        for url in self.urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_staff_of_that_municipality_get_404_here_too(self) -> None:
        self.client.force_login(self.alice)
        for url in self.urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_filer_sees_them(self) -> None:
        self.client.force_login(self.nuria)
        for url in self.urls:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_a_document_of_another_filing_gets_404_even_for_its_filer(self) -> None:
        other = self.file_for(self.nuria, attachments=[pdf("other.pdf", b"%PDF-1.4 other\n")])
        self.client.force_login(self.nuria)
        for document in (other.receipt, other.attachments.get().document):
            with self.subTest(document=document.name):
                url = document_url(self.entry, document)
                self.assertEqual(self.client.get(url).status_code, 404)

    def test_an_unknown_document_or_entry_gets_404(self) -> None:
        self.client.force_login(self.nuria)
        unknown = "00000000-0000-0000-0000-000000000000"
        self.assertEqual(
            self.client.get(f"{filing_url(self.entry)}documents/{unknown}/").status_code, 404
        )
        self.assertEqual(self.client.get("/portal/filings/999999/").status_code, 404)

    def test_anonymous_is_sent_to_log_in(self) -> None:
        for url in [HOME_URL, FILE_URL, *self.urls]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(f"/accounts/login/?next={url}"))
        response = self.client.post(FILE_URL, self.form_data())
        self.assertEqual(response.status_code, 302)
        self.assertEqual(RegistryEntry.objects.count(), 1)


@override_settings(LANGUAGE_CODE="en")
class HomeTests(PortalTestCase):
    def test_my_filings_newest_first_and_only_mine(self) -> None:
        older = self.file_for(self.nuria, summary="First")
        newer = self.file_for(self.nuria, org=self.org_b, summary="Second")
        self.file_for(self.pere, summary="Pere's own")
        self.client.force_login(self.nuria)
        response = self.client.get(HOME_URL)
        self.assertEqual(list(response.context["page"].object_list), [newer, older])
        self.assertContains(response, filing_url(newer))
        self.assertContains(response, "Ajuntament de Beta")
        self.assertContains(response, "Registered")
        self.assertNotContains(response, "Pere's own")

    def test_paginated(self) -> None:
        for index in range(21):
            self.file_for(self.nuria, summary=f"Filing {index}")
        self.client.force_login(self.nuria)
        first = self.client.get(HOME_URL)
        self.assertEqual(len(first.context["page"].object_list), 20)
        self.assertContains(first, 'rel="next"')
        second = self.client.get(HOME_URL, {"page": 2})
        self.assertEqual([e.summary for e in second.context["page"].object_list], ["Filing 0"])

    def test_query_count_does_not_grow_with_the_filings(self) -> None:
        self.client.force_login(self.nuria)
        self.file_for(self.nuria)
        self.client.get(HOME_URL)  # the session's first request may cache what middleware reads
        with CaptureQueriesContext(connection) as one:
            self.client.get(HOME_URL)
        for _ in range(4):
            self.file_for(self.nuria, org=self.org_b)
        with CaptureQueriesContext(connection) as five:
            self.client.get(HOME_URL)
        self.assertEqual(len(one), len(five))
        self.assertLessEqual(len(five), 8)

    def test_an_empty_area(self) -> None:
        self.client.force_login(self.pere)
        self.assertContains(self.client.get(HOME_URL), "You have not filed any application yet.")


@override_settings(LANGUAGE_CODE="en")
class StaffAsCitizenTests(PortalTestCase):
    """Staff file as citizens too; the form asks for what their profile lacks, and keeps it."""

    def test_staff_without_a_nif_is_asked_for_it(self) -> None:
        self.assertEqual(self.bob.nif, "")
        self.client.force_login(self.bob)
        page = self.client.get(FILE_URL)
        self.assertContains(page, 'name="nif"')
        self.assertContains(page, 'name="first_name"')
        response = self.client.post(FILE_URL, self.form_data(municipality=self.org_b.pk))
        self.assertContains(response, 'id="id_nif_error"', status_code=400)
        self.assertFalse(RegistryEntry.objects.exists())

        data = self.form_data(
            municipality=self.org_b.pk, nif="44444444a", first_name="Bob", surnames="Martí Roca"
        )
        response = self.client.post(FILE_URL, data)
        entry = RegistryEntry.objects.get()
        self.assertRedirects(response, filing_url(entry), fetch_redirect_response=False)
        self.assertEqual((entry.organization, entry.filer), (self.org_b, self.bob))
        self.bob.refresh_from_db()
        self.assertEqual(
            (self.bob.nif, self.bob.first_name, self.bob.last_name),
            ("44444444A", "Bob", "Martí Roca"),
        )
        self.assertNotContains(self.client.get(FILE_URL), 'name="nif"')

        # Their own filings only: not their organization's registry, not other people's.
        self.file_for(self.nuria)
        self.assertEqual(list(portal_selectors.citizen_filings(user=self.bob)), [entry])

    def test_a_nif_of_another_account_is_refused(self) -> None:
        self.client.force_login(self.bob)
        data = self.form_data(nif="12345678Z", first_name="Bob", surnames="Martí")
        response = self.client.post(FILE_URL, data)
        self.assertContains(response, "NIF/NIE already exists", status_code=400)
        self.assertFalse(RegistryEntry.objects.exists())

    def test_a_staff_role_gives_nothing_extra_here(self) -> None:
        entry = self.file_for(self.nuria)
        self.assertEqual(Role.MUNICIPAL_STAFF, self.bob.role_assignments.get().role)
        self.client.force_login(self.bob)
        self.assertEqual(self.client.get(filing_url(entry)).status_code, 404)
        self.assertNotContains(self.client.get(HOME_URL), entry.number)


@override_settings(LANGUAGE_CODE="en")
class MunicipalitySearchTests(PortalTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        make_org("manresa", name="Ajuntament de Manresa")
        make_org("mura", name="Ajuntament de Mura")
        make_org("consell", name="Consell Comarcal del Bages", kind=OrganizationKind.COUNTY_COUNCIL)

    def options(self, response) -> list[str]:
        return [
            name for _pk, name in response.context["form"].fields["municipality"].widget.choices
        ][1:]

    def test_a_short_list_is_offered_whole_without_other_bodies(self) -> None:
        self.client.force_login(self.nuria)
        response = self.client.get(FILE_URL)
        self.assertEqual(
            self.options(response),
            [
                "Ajuntament d'Alpha",
                "Ajuntament de Beta",
                "Ajuntament de Manresa",
                "Ajuntament de Mura",
            ],
        )

    def test_search_narrows_the_list(self) -> None:
        self.client.force_login(self.nuria)
        response = self.client.get(FILE_URL, {"q": "  mu "})
        self.assertEqual(self.options(response), ["Ajuntament de Mura"])
        self.assertContains(response, "<html")
        self.assertContains(response, "1 municipality matches “mu”.")

    def test_htmx_search_returns_only_the_field(self) -> None:
        self.client.force_login(self.nuria)
        response = self.client.get(FILE_URL, {"q": "man"}, HTTP_HX_REQUEST="true")
        self.assertNotContains(response, "<html")
        self.assertContains(response, '<div id="municipality-field">')
        self.assertContains(response, "Ajuntament de Manresa")
        self.assertNotContains(response, "Ajuntament de Mura")
        self.assertContains(response, 'hx-swap-oob="true"')
        self.assertIn("HX-Request", response["Vary"])

    def test_no_match(self) -> None:
        self.client.force_login(self.nuria)
        response = self.client.get(FILE_URL, {"q": "Barcelona"}, HTTP_HX_REQUEST="true")
        self.assertContains(response, "No municipality matches “Barcelona”.")

    def test_a_long_list_waits_for_a_search(self) -> None:
        self.client.force_login(self.nuria)
        with mock.patch.object(selectors, "municipality_search", side_effect=_limited):
            response = self.client.get(FILE_URL)
            self.assertEqual(self.options(response), [])
            self.assertContains(response, "Type part of its name")
            response = self.client.get(FILE_URL, {"q": "Ajuntament"})
            self.assertEqual(len(self.options(response)), 2)
            self.assertContains(response, "Only the first 2 matches are listed")

    def test_the_chosen_municipality_stays_offered_after_a_refusal(self) -> None:
        self.client.force_login(self.nuria)
        with mock.patch.object(selectors, "municipality_search", side_effect=_limited):
            org = selectors.municipalities().get(slug="mura")
            response = self.client.post(FILE_URL, self.form_data(municipality=org.pk, solicita=""))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.options(response), ["Ajuntament de Mura"])
        self.assertContains(response, f'<option value="{org.pk}" selected>', status_code=400)

    def test_a_link_may_preselect_the_municipality(self) -> None:
        self.client.force_login(self.nuria)
        org = selectors.municipalities().get(slug="manresa")
        response = self.client.get(FILE_URL, {"municipality": org.pk})
        self.assertContains(response, f'<option value="{org.pk}" selected>')


_real_search = selectors.municipality_search


def _limited(q: str = "") -> tuple[list, bool]:
    return _real_search(q=q, limit=2)
