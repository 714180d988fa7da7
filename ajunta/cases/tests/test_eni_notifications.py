"""ENI export (validated against the official XSDs), signing with a real seal, the foliated index,
and electronic notifications with the art. 43 deemed rejection."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import tempfile
import zipfile
from pathlib import Path
from unittest import mock

import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import override_settings
from lxml import etree

from ajunta.cases import eni, selectors, services, tasks
from ajunta.cases.models import Notification, NotificationStatus
from ajunta.cases.tests.factories import CasesTestCase, pdf_upload
from ajunta.core.documents import document_open
from ajunta.core.models import AuditEvent
from ajunta.core.seal import verify_pdf_signature
from ajunta.core.selectors import document_by_code
from ajunta.registry.models import RegistryEntry


class SealedTestCase(CasesTestCase):
    def setUp(self) -> None:
        super().setUp()
        seal_dir = Path(tempfile.mkdtemp(prefix="ajunta-test-seals-"))
        self.addCleanup(shutil.rmtree, seal_dir, ignore_errors=True)
        override = override_settings(
            SEAL_DIR=seal_dir, SEAL_PASSPHRASE="", SEAL_PLATFORM_FALLBACK=True
        )
        override.enable()
        self.addCleanup(override.disable)
        call_command("make_test_seal", "--force", stdout=io.StringIO())

    def signed_row(self, title: str = "Resolució") -> object:
        row = services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                         uploaded_file=pdf_upload(title), title=title,
                                         document_type="TD01")  # fmt: skip
        return services.case_document_sign(org=self.org_a, actor=self.alice, case_document=row)


class SigningTests(SealedTestCase):
    def test_signed_pdf_verifies(self) -> None:
        row = self.signed_row()
        self.assertTrue(row.certificate_signed)
        self.assertEqual(row.signature_provider, "platform")
        with document_open(org=self.org_a, document=row.document) as handle:
            check = verify_pdf_signature(handle.read())
        self.assertTrue(check.ok, check)

    def test_decree_pdf_is_signed(self) -> None:
        decree = services.decree_create(org=self.org_a, actor=self.bob, title="D", body="RESOLC")
        services.decree_sign(org=self.org_a, actor=self.bob, decree=decree)
        services.decree_take_note(org=self.org_a, actor=self.alice, decree=decree)
        with document_open(org=self.org_a, document=decree.document) as handle:
            self.assertTrue(verify_pdf_signature(handle.read()).ok)

    def test_an_external_signer_plugs_in(self) -> None:
        from ajunta.cases.signing import SignedPdf

        class Portafirmes:
            code = "portafirmes"

            def sign(self, pdf: bytes, *, org: object, signer_name: str, reason: str) -> SignedPdf:
                return SignedPdf(content=pdf, certificate=True)

        row = services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                         uploaded_file=pdf_upload())  # fmt: skip
        services.case_document_sign(org=self.org_a, actor=self.alice, case_document=row,
                                    signer=Portafirmes())  # fmt: skip
        self.assertEqual(row.signature_provider, "portafirmes")


class EniExportTests(SealedTestCase):
    def close(self) -> None:
        for status in ("resolved", "closed"):
            services.case_set_status(
                org=self.org_a, actor=self.bob, case=self.case_a, status=status,
                override_reason="Desistiment",
            )  # fmt: skip

    def test_only_closed_cases_export(self) -> None:
        with self.assertRaises(ValidationError):
            services.case_export_eni(org=self.org_a, actor=self.bob, case=self.case_a)

    def test_export_validates_against_the_xsds(self) -> None:
        self.signed_row("Resolució")
        services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                   uploaded_file=pdf_upload("Informe"), title="Informe")  # fmt: skip
        self.close()
        package = services.case_export_eni(org=self.org_a, actor=self.bob, case=self.case_a)
        archive = zipfile.ZipFile(io.BytesIO(package))
        names = archive.namelist()
        self.assertIn("expediente.xml", names)
        self.assertIn("index.pdf", names)
        case_xml = archive.read("expediente.xml")
        eni.schema("expedienteEni.xsd").validate(io.BytesIO(case_xml))
        tree = etree.fromstring(case_xml)
        hashes = tree.findall(f".//{{{eni.NS['expcon']}}}ValorHuella")
        rows = list(self.case_a.documents.order_by("position"))
        import base64

        self.assertEqual(
            [h.text for h in hashes],
            [base64.b64encode(bytes.fromhex(r.document.sha256)).decode() for r in rows],
        )
        for row in rows:
            xml = archive.read(f"documents/{row.position:04d}_documento-eni.xml")
            eni.schema("documentoEni.xsd").validate(io.BytesIO(xml))
            import hashlib

            content = archive.read(eni.file_name(row))
            self.assertEqual(hashlib.sha256(content).hexdigest(), row.document.sha256)
        # The index is signed with a verification code that finds the stored index content.
        code = tree.find(f".//{{{eni.NS['ds']}}}ValorCSV").text
        stored = document_by_code(code)
        self.assertIsNotNone(stored)
        self.assertTrue(stored.is_registered)
        self.assertTrue(verify_pdf_signature(archive.read("index.pdf")).ok)
        # With a seal, a detached CAdES (TF04) of indice-contenido.xml, which verifies.
        self.assertEqual(
            [t.text for t in tree.iter(f"{{{eni.NS['ds']}}}TipoFirma")], ["TF01", "TF04"]
        )
        cades = base64.b64decode(tree.find(f".//{{{eni.NS['ds']}}}FirmaBase64").text)
        self.assertTrue(cades_verifies(archive.read("indice-contenido.xml"), cades))
        self.assertFalse(cades_verifies(archive.read("indice-contenido.xml") + b" ", cades))
        self.assertTrue(AuditEvent.objects.filter(action="cases.case.eni_export").exists())

    def test_foliated_index_counts_pages(self) -> None:
        services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                   uploaded_file=pdf_upload("U"))  # fmt: skip
        pdf = services.case_index_pdf(org=self.org_a, case=self.case_a)
        self.assertTrue(pdf.startswith(b"%PDF"))


class NotificationTests(SealedTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.row = self.signed_row()
        self.party = self.case_a.parties.get()
        self.citizen = self.make_citizen("12345678Z")

    def make_citizen(self, nif: str) -> object:
        from ajunta.core.testing import make_user

        return make_user(f"citizen{nif}", nif=nif)

    def send(self) -> Notification:
        with self.captureOnCommitCallbacks(execute=True):
            return services.notification_send(org=self.org_a, actor=self.bob,
                                              case_document=self.row, party=self.party)  # fmt: skip

    def test_sending_records_an_outgoing_entry_and_alerts(self) -> None:
        notification = self.send()
        entry = RegistryEntry.objects.get(pk=notification.registry_entry_id)
        self.assertEqual((entry.direction, entry.case_reference), ("out", self.case_a.number))
        self.assertEqual(entry.parties.get().id_number, "12345678Z")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["nuria@example.org"])
        notification.refresh_from_db()
        self.assertIsNotNone(notification.alerted_at)

    def test_a_failing_alert_leaves_the_notification_standing(self) -> None:
        with mock.patch("ajunta.cases.services.send_mail", side_effect=OSError("mail down")):
            notification = self.send()
        notification.refresh_from_db()
        self.assertEqual(notification.status, NotificationStatus.AVAILABLE)
        self.assertIsNone(notification.alerted_at)

    def test_sms_hook(self) -> None:
        self.party.phone = "600000000"
        self.party.save(update_fields=["phone"])
        with override_settings(CASES_SMS_HOOK="ajunta.cases.tests.test_eni_notifications.sms"):
            self.send()
        self.assertEqual(SENT_SMS[-1][0], "600000000")

    def test_only_signed_documents_of_the_case_to_its_parties(self) -> None:
        draft = services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                           uploaded_file=pdf_upload())  # fmt: skip
        with self.assertRaises(ValidationError):
            services.notification_send(org=self.org_a, actor=self.bob, case_document=draft,
                                       party=self.party)  # fmt: skip
        other_party = self.case_b.parties.get()
        with self.assertRaises(type(other_party).DoesNotExist):
            services.notification_send(org=self.org_a, actor=self.bob, case_document=self.row,
                                       party=other_party)  # fmt: skip
        self.assertFalse(Notification.objects.exists())

    def test_citizen_accepts(self) -> None:
        notification = self.send()
        self.assertEqual(list(selectors.citizen_notifications(user=self.citizen)), [notification])
        stranger = self.make_citizen("87654321X")
        self.assertEqual(list(selectors.citizen_notifications(user=stranger)), [])
        with self.assertRaises(Notification.DoesNotExist):
            services.notification_respond(actor=stranger, notification=notification, accept=True)
        services.notification_respond(actor=self.citizen, notification=notification, accept=True)
        self.assertEqual(notification.status, NotificationStatus.ACCEPTED)
        self.assertIsNotNone(notification.accessed_at)
        with self.assertRaises(ValidationError):
            services.notification_respond(
                actor=self.citizen, notification=notification, accept=False
            )

    def test_nobody_opens_it_so_the_job_deems_it_rejected_after_ten_days(self) -> None:
        notification = self.send()
        sent = notification.made_available_at
        self.assertEqual(
            services.notifications_expire(now=sent + dt.timedelta(days=9, hours=23)), 0
        )
        with mock.patch("django.utils.timezone.now", return_value=sent + dt.timedelta(days=10)):
            self.assertEqual(tasks.notifications_expire(), 1)
        notification.refresh_from_db()
        self.assertEqual(notification.status, NotificationStatus.DEEMED_REJECTED)
        self.assertEqual(notification.resolved_at, sent + dt.timedelta(days=10))
        with self.assertRaises(ValidationError):
            services.notification_respond(
                actor=self.citizen, notification=notification, accept=True
            )
        self.assertTrue(
            AuditEvent.objects.filter(action="cases.notification.deemed_rejected").exists()
        )

    def test_command_runs_the_same_job(self) -> None:
        notification = self.send()
        out = io.StringIO()
        # Eleven days later: a sent notification's dates are sealed, so the clock moves instead.
        with time_machine.travel(notification.made_available_at + dt.timedelta(days=11)):
            call_command("cases_notifications_expire", stdout=out)
        self.assertIn("1 notification", out.getvalue())

    def test_a_late_answer_finds_it_already_rejected(self) -> None:
        notification = self.send()
        later = notification.made_available_at + dt.timedelta(days=10, minutes=1)
        with time_machine.travel(later, tick=False), self.assertRaises(ValidationError):
            services.notification_respond(
                actor=self.citizen, notification=notification, accept=True
            )
        notification.refresh_from_db()
        self.assertEqual(notification.status, NotificationStatus.DEEMED_REJECTED)

    def test_alerts_command(self) -> None:
        out = io.StringIO()
        call_command("cases_alerts", "--org", "alpha", stdout=out)
        self.assertIn("alert message", out.getvalue())

    def test_the_sweep_alerts_a_party_a_failed_alert_left_unwarned_once(self) -> None:
        from ajunta.core.sweep import sweep_run

        with mock.patch("ajunta.cases.services.send_mail", side_effect=OSError("mail down")):
            notification = self.send()
        made = notification.made_available_at
        with override_settings(SWEEP_GRACE_SECONDS=600):
            early = sweep_run(now=made + dt.timedelta(minutes=5))
            self.assertEqual(early["cases.notification_alert"]["finished"], 0)
            self.assertEqual(len(mail.outbox), 0)
            for minutes in (11, 16):
                sweep_run(now=made + dt.timedelta(minutes=minutes))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["nuria@example.org"])
        notification.refresh_from_db()
        self.assertIsNotNone(notification.alerted_at)
        services.notification_alert_send(notification)  # the worker arriving late: nothing more
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(AuditEvent.objects.filter(action="cases.notification.alert").count(), 1)


SENT_SMS: list[tuple[str, str]] = []


def sms(*, phone: str, message: str) -> None:
    SENT_SMS.append((phone, message))


def cades_verifies(data: bytes, signature: bytes) -> bool:
    import asyncio

    from asn1crypto import cms
    from pyhanko.sign.validation import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    from ajunta.core.seal import installed_seal_certificates

    signed_data = cms.ContentInfo.load(signature)["content"]
    context = ValidationContext(trust_roots=installed_seal_certificates(), allow_fetching=False)
    status = asyncio.run(
        async_validate_detached_cms(data, signed_data, signer_validation_context=context)
    )
    return bool(status.intact and status.valid and status.trusted)
