"""The registry's rules, at the service level."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from unittest import mock
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import TestCase, TransactionTestCase, override_settings

from ajunta.core.audit import verify_chain
from ajunta.core.models import AuditEvent, Counter, Document, LocalHoliday, Role
from ajunta.core.testing import (
    TenantTestCase,
    files_under,
    make_org,
    make_user,
    use_temporary_media,
)
from ajunta.registry import selectors, services
from ajunta.registry.models import EntryStatus, RegistryEntry

MADRID = ZoneInfo("Europe/Madrid")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NURIA = {
    "person_type": "natural", "id_type": "N", "id_number": "12345678z", "name": "Núria",
    "first_surname": "Puig", "email": "nuria@example.org",
}  # fmt: skip


def pdf(name: str = "a.pdf", content: bytes = PDF) -> dict:
    return {"file": SimpleUploadedFile(name, content)}


def file_entry(org, actor, **overrides):
    values = {
        "direction": "in", "channel": "in_person", "epigraph": "Instància genèrica",
        "summary": "Sol·licitud de llicència d'obres menors", "parties": [NURIA],
    }  # fmt: skip
    values.update(overrides)
    # The receipt is issued right after the filing commits: let that happen inside the test.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.registry_entry_create(org=org, actor=actor, **values)


class MediaMixin:
    """A temporary file storage per test, so that stored files can be counted."""

    def setUp(self):
        super().setUp()
        self._media = use_temporary_media(self)

    def stored_files(self) -> list[str]:
        return files_under(self._media)


class CreateTests(MediaMixin, TenantTestCase):
    def test_numbers_per_organization_direction_and_year(self):
        year = dt.date.today().year
        first = file_entry(self.org_a, self.bob)
        second = file_entry(self.org_a, self.bob)
        out = file_entry(
            self.org_a, self.bob, direction="out", addressee_name="Diputació de Barcelona"
        )
        other = file_entry(self.org_b, self.charlie)
        self.assertEqual([first.number, second.number], [f"E/{year}/000001", f"E/{year}/000002"])
        self.assertEqual(out.number, f"S/{year}/000001")
        self.assertEqual(other.number, f"E/{year}/000001")

    def test_entry_records_parties_attachments_receipt_and_audit(self):
        entry = file_entry(self.org_a, self.bob, attachments=[pdf("plànol.pdf")])
        party = entry.parties.get()
        self.assertEqual(party.id_number, "12345678Z")  # normalized by python-stdnum
        attachment = entry.attachments.get()
        self.assertEqual(attachment.document.name, "plànol.pdf")
        self.assertEqual(attachment.document.sha256, __import__("hashlib").sha256(PDF).hexdigest())
        self.assertIsNotNone(entry.receipt.verification_code)
        self.assertEqual(entry.receipt.content_type, "application/pdf")
        event = AuditEvent.objects.get(action="registry.entry.create")
        self.assertEqual(event.changes["number"], entry.number)
        self.assertEqual(event.changes["attachments"][0]["sha256"], attachment.document.sha256)
        self.assertTrue(verify_chain(event.chain).ok)

    def test_representative_points_to_the_party(self):
        agent = {
            **NURIA,
            "id_number": "X1234567L",
            "id_type": "E",
            "name": "Joan",
            "role": "representative",
            "represents": 0,
        }
        entry = file_entry(self.org_a, self.bob, parties=[NURIA, agent])
        nuria, joan = entry.parties.order_by("position")
        self.assertEqual(joan.represents, nuria)

    def test_number_format_is_configurable_per_organization(self):
        services.registry_settings_set(
            org=self.org_a, actor=self.alice, number_format="RG{direction}-{year}-{seq:05d}"
        )
        self.assertEqual(
            file_entry(self.org_a, self.bob).number, f"RGE-{dt.date.today().year}-00001"
        )
        self.assertTrue(file_entry(self.org_b, self.charlie).number.startswith("E/"))
        for bad in (
            "{nope}",
            "{seq.real}/{year}/{direction}",
            "{direction}/{seq:999999999}/{year}",
            "{year}/{seq:06d}",
            "{direction}/{year}/{seq}/{seq}",
            "{direction}/{year}/{seq!r}",
            "{",
        ):
            with self.subTest(bad=bad), self.assertRaises(ValidationError):
                services.registry_settings_set(org=self.org_a, actor=self.alice, number_format=bad)

    def test_search_by_words_party_and_filters(self):
        wanted = file_entry(self.org_a, self.bob, summary="Llicència d'obres al carrer Major")
        file_entry(
            self.org_a,
            self.bob,
            summary="Queixa per sorolls",
            parties=[{**NURIA, "id_number": "87654321X", "name": "Pere"}],
        )
        file_entry(self.org_b, self.charlie, summary="Llicència d'obres a Beta")
        self.assertEqual(list(selectors.entries(org=self.org_a, q="llicencia MAJOR")), [wanted])
        self.assertEqual(list(selectors.entries(org=self.org_a, party="12345678Z")), [wanted])
        self.assertEqual(list(selectors.entries(org=self.org_a, party="puig")).count(wanted), 1)
        self.assertEqual(selectors.entries(org=self.org_a, direction="out").count(), 0)
        self.assertEqual(selectors.entries(org=self.org_a).count(), 2)


class EffectiveTimeTests(MediaMixin, TenantTestCase):
    """Art. 31: a filing on a non-business day takes effect at 00:00 of the next business day."""

    def filed_at(self, local: dt.datetime, org=None):
        with mock.patch("django.utils.timezone.now", return_value=local.astimezone(dt.UTC)):
            return file_entry(org or self.org_a, self.bob, channel="electronic")

    def test_saturday_night_counts_from_monday(self):
        entry = self.filed_at(dt.datetime(2026, 11, 28, 23, 30, tzinfo=MADRID))
        self.assertEqual(entry.effective_at, dt.datetime(2026, 11, 30, 0, 0, tzinfo=MADRID))
        self.assertEqual(entry.filed_at, dt.datetime(2026, 11, 28, 23, 30, tzinfo=MADRID))

    def test_monday_local_holiday_moves_it_to_tuesday(self):
        LocalHoliday.objects.create(
            organization=self.org_a, date=dt.date(2026, 11, 30), name="Festa local"
        )
        entry = self.filed_at(dt.datetime(2026, 11, 28, 23, 30, tzinfo=MADRID))
        self.assertEqual(entry.effective_at, dt.datetime(2026, 12, 1, 0, 0, tzinfo=MADRID))
        other = self.filed_at(dt.datetime(2026, 11, 28, 23, 31, tzinfo=MADRID), org=self.org_b)
        self.assertEqual(other.effective_at, dt.datetime(2026, 11, 30, 0, 0, tzinfo=MADRID))

    def test_business_day_filing_is_effective_at_once(self):
        entry = self.filed_at(dt.datetime(2026, 11, 25, 10, 15, tzinfo=MADRID))
        self.assertEqual(entry.effective_at, entry.filed_at)


class RefusalTests(MediaMixin, TenantTestCase):
    """A refused filing consumes no number, writes no row and leaves no file."""

    def assert_nothing_written(self):
        self.assertFalse(RegistryEntry.objects.exists())
        self.assertFalse(Document.objects.exists())
        self.assertFalse(Counter.objects.filter(last_value__gt=0).exists())
        self.assertEqual(self.stored_files(), [])

    def test_bad_nif(self):
        with self.assertRaises(ValidationError) as caught:
            file_entry(self.org_a, self.bob, parties=[{**NURIA, "id_number": "12345678A"}])
        self.assertIn("parties[0].id_number", caught.exception.message_dict)
        self.assert_nothing_written()

    def test_incoming_without_party_and_outgoing_without_addressee(self):
        with self.assertRaises(ValidationError) as caught:
            file_entry(self.org_a, self.bob, parties=[])
        self.assertIn("parties", caught.exception.message_dict)
        with self.assertRaises(ValidationError) as caught:
            file_entry(self.org_a, self.bob, direction="out")
        self.assertIn("addressee_name", caught.exception.message_dict)
        self.assert_nothing_written()

    def test_summary_longer_than_sicres_allows(self):
        with self.assertRaises(ValidationError) as caught:
            file_entry(self.org_a, self.bob, summary="x" * 241)
        self.assertIn("summary", caught.exception.message_dict)
        self.assert_nothing_written()

    @override_settings(REGISTRY_MAX_ATTACHMENTS=2)
    def test_too_many_attachments(self):
        with self.assertRaises(ValidationError) as caught:
            file_entry(self.org_a, self.bob, attachments=[pdf(), pdf(), pdf()])
        self.assertIn("attachments", caught.exception.message_dict)
        self.assert_nothing_written()

    @override_settings(
        REGISTRY_MAX_ATTACHMENT_BYTES=len(PDF) + 10, REGISTRY_MAX_TOTAL_BYTES=len(PDF) * 2 + 5
    )
    def test_attachment_and_total_size(self):
        with self.assertRaises(ValidationError):
            file_entry(self.org_a, self.bob, attachments=[pdf(content=PDF + b" " * 20)])
        with self.assertRaises(ValidationError) as caught:
            file_entry(
                self.org_a,
                self.bob,
                attachments=[pdf(), pdf("b.pdf"), pdf("d.pdf")],
            )
        self.assert_nothing_written()
        self.assertTrue(caught.exception.message_dict)

    def test_disallowed_type_found_late_leaves_no_file_and_no_number(self):
        # The first attachment is stored before the second is refused by its content type.
        with self.assertRaises(ValidationError):
            file_entry(
                self.org_a, self.bob, attachments=[pdf(), pdf("virus.pdf", b"MZ\x90\x00 not a pdf")]
            )
        self.assert_nothing_written()
        self.assertEqual(file_entry(self.org_a, self.bob).sequence, 1)

    def test_unit_of_another_organization(self):
        unit_b = services.unit_create(org=self.org_b, actor=self.charlie, name="Secretaria")
        with self.assertRaises(ValidationError) as caught:
            file_entry(self.org_a, self.bob, destination_unit=unit_b)
        self.assertIn("destination_unit", caught.exception.message_dict)


class NothingRegisteredChangesTests(MediaMixin, TenantTestCase):
    def test_annulment_keeps_the_number_which_is_never_reused(self):
        first = file_entry(self.org_a, self.bob)
        services.registry_entry_annul(
            org=self.org_a, actor=self.alice, entry=first, reason="Duplicada"
        )
        second = file_entry(self.org_a, self.bob)
        first.refresh_from_db()
        self.assertEqual(first.status, EntryStatus.ANNULLED)
        self.assertEqual(second.sequence, 2)
        self.assertIn(first, selectors.entries(org=self.org_a))  # still in the book
        self.assertEqual(
            AuditEvent.objects.filter(action="registry.entry.annul").get().changes["reason"],
            "Duplicada",
        )

    def test_annulment_needs_a_reason_and_happens_once(self):
        entry = file_entry(self.org_a, self.bob)
        with self.assertRaises(ValidationError):
            services.registry_entry_annul(
                org=self.org_a, actor=self.alice, entry=entry, reason="  "
            )
        services.registry_entry_annul(org=self.org_a, actor=self.alice, entry=entry, reason="Error")
        with self.assertRaises(ValidationError):
            services.registry_entry_annul(
                org=self.org_a, actor=self.alice, entry=entry, reason="Again"
            )

    def test_rectification_is_a_new_linked_entry(self):
        original = file_entry(self.org_a, self.bob, summary="Sumari amb errada")
        fixed = services.registry_entry_rectify(
            org=self.org_a, actor=self.bob, entry=original, reason="Sumari equivocat",
            channel="in_person", epigraph="Instància genèrica", summary="Sumari correcte", parties=[NURIA],
        )  # fmt: skip
        original.refresh_from_db()
        self.assertEqual(fixed.rectifies, original)
        self.assertEqual(original.summary, "Sumari amb errada")
        self.assertEqual(fixed.sequence, original.sequence + 1)

    def test_another_organizations_entry_cannot_be_acted_on(self):
        entry_b = file_entry(self.org_b, self.charlie)
        with self.assertRaises(RegistryEntry.DoesNotExist):
            services.registry_entry_annul(
                org=self.org_a, actor=self.alice, entry=entry_b, reason="x"
            )
        with self.assertRaises(RegistryEntry.DoesNotExist):
            services.registry_entry_rectify(org=self.org_a, actor=self.alice, entry=entry_b, reason="x",
                                            channel="post", epigraph="e", summary="s", parties=[NURIA])  # fmt: skip

    def test_acknowledgement_by_the_unit(self):
        unit = services.unit_create(org=self.org_a, actor=self.alice, name="Urbanisme")
        entry = file_entry(self.org_a, self.bob, destination_unit=unit)
        self.assertEqual(
            list(selectors.pending_acknowledgement(org=self.org_a, unit=unit)), [entry]
        )
        services.registry_entry_acknowledge(org=self.org_a, actor=self.bob, entry=entry)
        self.assertFalse(selectors.pending_acknowledgement(org=self.org_a).exists())
        with self.assertRaises(ValidationError):
            services.registry_entry_acknowledge(org=self.org_a, actor=self.bob, entry=entry)

    def test_idempotency_key_registers_once_per_user(self):
        first = file_entry(self.org_a, self.bob, idempotency_key="req-1")
        again = file_entry(self.org_a, self.bob, idempotency_key="req-1", summary="Different body")
        self.assertEqual(again.pk, first.pk)
        by_alice = file_entry(self.org_a, self.alice, idempotency_key="req-1")
        self.assertNotEqual(by_alice.pk, first.pk)
        self.assertEqual(RegistryEntry.objects.count(), 2)


class ProviderTechnicianTests(TenantTestCase):
    def test_registry_permissions_exclude_provider_staff_and_councillors(self):
        from ajunta.core.tenancy import has_permission

        for role in (Role.PROVIDER_TECHNICIAN, Role.PROVIDER_ADMIN, Role.ELECTED_MEMBER):
            self.assertFalse(has_permission({role}, "registry.view"), role)
        self.assertTrue(has_permission({Role.MUNICIPAL_STAFF}, "registry.create"))
        self.assertFalse(has_permission({Role.MUNICIPAL_STAFF}, "registry.annul"))


class ConcurrentFilingTests(MediaMixin, TransactionTestCase):
    """Eight parallel writers produce a gap-free, duplicate-free series, and retried keys register once."""

    WRITERS, EACH = 8, 12

    def setUp(self):
        super().setUp()
        self.org = make_org("gamma")
        self.clerk = make_user("clerk", self.org, Role.MUNICIPAL_STAFF)

    def run_writers(self, work):
        errors = []

        def worker(n):
            try:
                work(n)
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(self.WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])

    def test_parallel_writers_leave_no_gap(self):
        def work(n):
            for i in range(self.EACH):
                if i % 10 == 9:  # a refused filing in the middle of the stream
                    with contextlib.suppress(ValidationError):
                        file_entry(self.org, self.clerk, parties=[{**NURIA, "id_number": "bad"}])
                    continue
                file_entry(self.org, self.clerk, summary=f"writer {n} filing {i}")

        self.run_writers(work)
        sequences = sorted(
            RegistryEntry.objects.filter(organization=self.org).values_list("sequence", flat=True)
        )
        expected = self.WRITERS * (self.EACH - self.EACH // 10)
        self.assertEqual(sequences, list(range(1, expected + 1)))
        by_time = list(
            RegistryEntry.objects.filter(organization=self.org)
            .order_by("filed_at", "id")
            .values_list("sequence", flat=True)
        )
        self.assertEqual(by_time, sorted(by_time))  # numbers follow the time of receipt
        self.assertTrue(verify_chain(f"org:{self.org.pk}").ok)

    def test_concurrent_retries_with_one_key_register_once(self):
        def work(n):
            file_entry(self.org, self.clerk, idempotency_key="same-request")

        self.run_writers(work)
        self.assertEqual(RegistryEntry.objects.filter(organization=self.org).count(), 1)
        self.assertEqual(
            Counter.objects.get(organization=self.org, series="registry.in").last_value, 1
        )
        self.assertEqual(len(self.stored_files()), 1)  # one receipt, no orphans from the losers


class AtomicityTests(MediaMixin, TenantTestCase):
    def test_a_failure_after_storing_files_rolls_everything_back(self):
        with (
            mock.patch(
                "ajunta.registry.services.audit_record", side_effect=RuntimeError("disk full")
            ),
            self.assertRaises(RuntimeError),
        ):
            file_entry(self.org_a, self.bob, attachments=[pdf()])
        self.assertFalse(RegistryEntry.objects.exists())
        self.assertFalse(Document.objects.exists())
        self.assertEqual(self.stored_files(), [])
        with transaction.atomic():
            self.assertEqual(file_entry(self.org_a, self.bob).sequence, 1)
