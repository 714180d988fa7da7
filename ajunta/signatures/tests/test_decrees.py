"""A decree signed by the mayor with a personal TEST certificate through the AutoFirma protocol
and attested by the secretary with hers: pyHanko shows two valid signatures by two persons, and the
secretary's signature enters the decree in the book (issue 18, "done when")."""

from __future__ import annotations

import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ajunta.cases import decree_signing, services
from ajunta.cases.models import Decree, DecreeStatus
from ajunta.core.documents import document_open
from ajunta.core.integrity import verify_records
from ajunta.core.models import Role
from ajunta.core.testing import make_user
from ajunta.signatures.models import SignatureStep, StepRole, WorkflowStatus
from ajunta.signatures.test_certificates import ensure_person_certificate
from ajunta.signatures.testing import FakeAutoFirma
from ajunta.signatures.tests.base import ALICE_NIF, SignaturesTestCase
from ajunta.signatures.verification import trusted_issuers

MAYOR_NIF = "11111111H"
MADRID = ZoneInfo("Europe/Madrid")


class PersonallySignedDecreeTests(SignaturesTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.mayor = make_user("alcaldessa", cls.org_a, Role.ELECTED_MEMBER, nif=MAYOR_NIF,
                              first_name="Laia", last_name="Soler")  # fmt: skip

    def setUp(self) -> None:
        super().setUp()
        ensure_person_certificate(self.mayor, self.authority)

    def sign(self, user: object, workflow: object) -> object:
        client = self.login(user)
        step = SignatureStep.objects.get(workflow=workflow, signer=user)
        panel = client.post(reverse("signatures_autofirma_start", args=[self.org_a.slug, step.pk]))
        body = panel.content.decode()
        launch = re.search(r'href="(afirma://[^"]+)"', body).group(1).replace("&amp;", "&")
        self.assertEqual(FakeAutoFirma(Client(), self.p12(user)).open(launch), "OK")
        return client.get(re.search(r'hx-get="([^"]+)"', body).group(1))

    def test_the_mayor_signs_the_secretary_attests_and_the_book_numbers_it(self) -> None:
        with time_machine.travel(dt.datetime(2026, 12, 7, 10, tzinfo=MADRID), tick=False):
            decree = services.decree_create(org=self.org_a, actor=self.bob, title="Concessió",
                                            body="RESOLC concedir la llicència.")  # fmt: skip
            client = self.login(self.alice)
            response = client.post(
                reverse("cases_decree_send_for_signature", args=[self.org_a.slug, decree.pk]),
                {"mayor": self.mayor.pk, "secretary": self.alice.pk, "mode": "sequential"},
            )
            workflow = decree_signing.decree_workflow(org=self.org_a, decree=decree)
            self.assertRedirects(response, f"/o/{self.org_a.slug}/signatures/{workflow.pk}/")
            with self.assertRaises(ValidationError):  # out for signature: no change
                services.decree_update(org=self.org_a, actor=self.bob, decree=decree,
                                       title="Una altra", body="x")  # fmt: skip
            self.assertEqual(self.sign(self.mayor, workflow).status_code, 204)
            decree.refresh_from_db()
            self.assertEqual((decree.status, decree.signed_by), (DecreeStatus.SIGNED, self.mayor))
            self.assertEqual(decree.number, "")
            self.assertEqual(self.sign(self.alice, workflow).status_code, 204)
        decree = Decree.objects.get(pk=decree.pk)
        self.assertEqual(decree.status, DecreeStatus.NUMBERED)
        self.assertEqual(decree.number, "2026/0001")
        self.assertEqual(decree.noted_by, self.alice)
        workflow.refresh_from_db()
        self.assertEqual(workflow.status, WorkflowStatus.COMPLETED)
        self.assertEqual(decree.document_id, workflow.document_id)
        with document_open(org=self.org_a, document=decree.document) as handle:
            content = handle.read()

        from pyhanko.pdf_utils.reader import PdfFileReader
        from pyhanko.sign.validation import validate_pdf_signature
        from pyhanko_certvalidator import ValidationContext

        reader = PdfFileReader(io.BytesIO(content), strict=False)
        context = ValidationContext(trust_roots=trusted_issuers(), allow_fetching=False)
        holders = []
        for signature in reader.embedded_signatures:
            status = validate_pdf_signature(signature, context)
            self.assertTrue(status.intact and status.valid and status.trusted, status)
            holders.append(status.signing_cert.subject.native["serial_number"])
        self.assertEqual(holders, [f"IDCES-{MAYOR_NIF}", f"IDCES-{ALICE_NIF}"])
        self.assertTrue(verify_records([self.org_a]).ok)  # the numbered decree is sealed
        page = self.login(self.alice).get(
            reverse("cases_decree", args=[self.org_a.slug, decree.pk])
        )
        self.assertContains(page, "2026/0001")

    def test_a_refusal_returns_the_decree_to_draft_with_the_reason(self) -> None:
        decree = services.decree_create(org=self.org_a, actor=self.bob, title="D", body="RESOLC")
        workflow = decree_signing.decree_send_for_signature(
            org=self.org_a, actor=self.alice, decree=decree, mayor=self.mayor, secretary=self.alice
        )
        self.assertEqual(self.sign(self.mayor, workflow).status_code, 204)
        step = SignatureStep.objects.get(workflow=workflow, role=StepRole.ATTEST)
        client = self.login(self.alice)
        client.post(reverse("signatures_reject", args=[self.org_a.slug, step.pk]),
                    {"reason": "Manca l'informe de secretaria"})  # fmt: skip
        decree.refresh_from_db()
        self.assertEqual((decree.status, decree.signed_by), (DecreeStatus.DRAFT, None))
        page = client.get(reverse("cases_decree", args=[self.org_a.slug, decree.pk]))
        self.assertContains(page, "Manca l&#x27;informe de secretaria")
        # it may be corrected and sent again
        services.decree_update(org=self.org_a, actor=self.bob, decree=decree, title="D2", body="R")

    def test_who_may_be_named(self) -> None:
        decree = services.decree_create(org=self.org_a, actor=self.bob, title="D", body="RESOLC")
        for mayor, secretary in ((self.bob, self.alice), (self.mayor, self.mayor),
                                 (self.alice, self.alice), (self.mayor, self.charlie)):  # fmt: skip
            with (
                self.subTest(mayor=mayor.username, secretary=secretary.username),
                self.assertRaises(ValidationError),
            ):
                decree_signing.decree_send_for_signature(
                    org=self.org_a, actor=self.alice, decree=decree, mayor=mayor,
                    secretary=secretary,
                )  # fmt: skip
        self.assertEqual(
            self.login(self.charlie)
            .post(
                reverse("cases_decree_send_for_signature", args=[self.org_a.slug, decree.pk]),
                {"mayor": self.mayor.pk, "secretary": self.alice.pk},
            )
            .status_code,
            404,
        )


class PersonallySignedCaseDocumentTests(SignaturesTestCase):
    def test_a_case_pdf_signed_in_person_becomes_its_last_version(self) -> None:
        from ajunta.cases import decree_signing
        from ajunta.cases.tests.factories import make_case, make_procedure, pdf_upload
        from ajunta.signatures import autofirma
        from ajunta.signatures import services as signature_services

        procedure = make_procedure(self.org_a, self.alice)
        case = make_case(self.org_a, self.alice, procedure)
        row = services.case_document_add(org=self.org_a, actor=self.bob, case=case,
                                         uploaded_file=pdf_upload("Informe"), title="Informe")  # fmt: skip
        from ajunta.core.testing import speaking

        client = speaking(self.login(self.alice), "en")
        page = client.get(reverse("cases_document", args=[self.org_a.slug, case.pk, row.pk]))
        self.assertContains(page, "Sign with personal certificates")
        response = client.post(
            reverse("cases_document_send_for_signature", args=[self.org_a.slug, case.pk, row.pk]),
            {"signer": self.bob.pk, "attester": self.alice.pk, "mode": "parallel"},
        )
        workflow = decree_signing.document_workflow(org=self.org_a, case_document=row)
        self.assertRedirects(response, f"/o/{self.org_a.slug}/signatures/{workflow.pk}/")
        with self.assertRaises(ValidationError):  # out for signature: no new version
            services.case_document_new_version(org=self.org_a, actor=self.bob, case_document=row,
                                               uploaded_file=pdf_upload("v2"))  # fmt: skip
        for user in (self.alice, self.bob):  # in any order: the secretary first
            step = SignatureStep.objects.get(workflow=workflow, signer=user)
            session = signature_services.autofirma_session_start(
                org=self.org_a, actor=user, step=step, retrieve_url="http://testserver/afirma/retrieve/",
                storage_url="http://testserver/afirma/storage/",
            )  # fmt: skip
            launch = autofirma.launch_url(file_id=session.file_id, key=session.key,
                                          retrieve_url="http://testserver/afirma/retrieve/")  # fmt: skip
            FakeAutoFirma(Client(), self.p12(user)).open(launch)
            self.assertEqual(signature_services.autofirma_session_finish(
                org=self.org_a, actor=user, session=session), "signed")  # fmt: skip
        row.refresh_from_db()
        self.assertTrue(row.is_signed)
        self.assertEqual((row.version, row.signature_provider), (2, "personal"))
        self.assertEqual(row.document_id, SignatureStep.objects.get(
            workflow=workflow, signer=self.bob).document_id)  # fmt: skip
