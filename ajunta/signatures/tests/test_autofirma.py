"""AutoFirma end to end: the page's button, the servlets, a fake AutoFirma speaking the protocol
with a TEST personal certificate, htmx polling, and every check the server makes."""

from __future__ import annotations

import io
import re

from django.urls import reverse

from ajunta.core.documents import document_open
from ajunta.core.models import AuditEvent
from ajunta.signatures import autofirma, selectors, services
from ajunta.signatures.models import SignatureStep, StepRole, StepStatus, WorkflowStatus
from ajunta.signatures.test_certificates import new_authority, person_certificate, pkcs12_bytes
from ajunta.signatures.testing import FakeAutoFirma
from ajunta.signatures.tests.base import ALICE_NIF, SignaturesTestCase


def signers_of(content: bytes) -> list[str]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(content), strict=False)
    return [s.signer_cert.subject.native["serial_number"] for s in reader.embedded_signatures]


class CipherTests(SignaturesTestCase):
    def test_cipher_round_trip_and_refusals(self) -> None:
        for data in (b"", b"1234567", b"12345678", b"x" * 1001):
            self.assertEqual(
                autofirma.decipher(autofirma.cipher(data, "12345678"), "12345678"), data
            )
        with self.assertRaises(autofirma.ProtocolError):
            autofirma.decipher("9.AAAA", "12345678")
        with self.assertRaises(autofirma.ProtocolError):
            autofirma.read_answer("CANCEL", "12345678")
        with self.assertRaises(autofirma.ProtocolError):
            autofirma.parse_request_xml(
                b"<!DOCTYPE x [<!ENTITY e 'x'>]><sign><e k='a' v='&e;'/></sign>"
            )


class AutofirmaFlowTests(SignaturesTestCase):
    def start(self, mode: str = "sequential") -> object:
        return services.workflow_start(
            org=self.org_a, actor=self.alice, document=self.stored_pdf(), title="Decret de prova",
            signers=[(self.bob, StepRole.SIGN), (self.alice, StepRole.ATTEST)], mode=mode,
        )  # fmt: skip

    def sign_through_the_page(self, user: object, workflow: object, **fake: object) -> object:
        client = self.login(user)
        step = SignatureStep.objects.get(workflow=workflow, signer=user)
        page = client.get(reverse("signatures_workflow", args=[self.org_a.slug, workflow.pk]))
        self.assertContains(page, "Sign with AutoFirma")
        panel = client.post(
            reverse("signatures_autofirma_start", args=[self.org_a.slug, step.pk]),
            HTTP_HX_REQUEST="true",
        )
        self.assertEqual(panel.status_code, 200)
        launch = re.search(r'href="(afirma://[^"]+)"', panel.content.decode()).group(1)
        poll = re.search(r'hx-get="([^"]+)"', panel.content.decode()).group(1)
        self.assertIn('hx-trigger="every 2s"', panel.content.decode())
        self.assertContains(client.get(poll), "Waiting for AutoFirma")  # nothing yet
        from django.test import Client

        application = FakeAutoFirma(Client(), self.p12(user), **fake)
        self.assertEqual(application.open(launch.replace("&amp;", "&")), "OK")
        return client.get(poll)

    def test_two_people_sign_in_order_and_the_pdf_shows_both(self) -> None:
        workflow = self.start()
        answer = self.sign_through_the_page(self.bob, workflow)
        self.assertEqual(answer.status_code, 204)
        self.assertEqual(answer["HX-Redirect"], f"/o/{self.org_a.slug}/signatures/{workflow.pk}/")
        answer = self.sign_through_the_page(self.alice, workflow)
        self.assertEqual(answer.status_code, 204)
        workflow.refresh_from_db()
        self.assertEqual(workflow.status, WorkflowStatus.COMPLETED)
        with document_open(org=self.org_a, document=workflow.document) as handle:
            content = handle.read()
        self.assertEqual(signers_of(content), ["IDCES-87654321X", f"IDCES-{ALICE_NIF}"])
        steps = list(workflow.steps.order_by("position"))
        self.assertEqual([s.certificate_nif for s in steps], ["87654321X", ALICE_NIF])
        self.assertEqual([s.method for s in steps], ["autofirma", "autofirma"])
        # the signed versions keep the document's ENI capture date
        self.assertEqual(workflow.document.capture_date, workflow.original.capture_date)
        actions = set(AuditEvent.objects.filter(action__startswith="signatures.")
                      .values_list("action", flat=True))  # fmt: skip
        self.assertLessEqual({"signatures.workflow.start", "signatures.autofirma.retrieve",
                              "signatures.autofirma.store", "signatures.step.sign",
                              "signatures.workflow.complete"}, actions)  # fmt: skip

    def test_in_order_the_second_waits_for_the_first(self) -> None:
        workflow = self.start()
        step = SignatureStep.objects.get(workflow=workflow, signer=self.alice)
        client = self.login(self.alice)
        page = client.get(reverse("signatures_workflow", args=[self.org_a.slug, workflow.pk]))
        self.assertNotContains(page, "Sign with AutoFirma")
        answer = client.post(reverse("signatures_autofirma_start", args=[self.org_a.slug, step.pk]))
        self.assertEqual(answer.status_code, 400)

    def test_in_any_order_the_secretary_may_sign_first(self) -> None:
        workflow = self.start("parallel")
        self.assertEqual(self.sign_through_the_page(self.alice, workflow).status_code, 204)
        self.assertEqual(self.sign_through_the_page(self.bob, workflow).status_code, 204)
        workflow.refresh_from_db()
        self.assertEqual(workflow.status, WorkflowStatus.COMPLETED)

    def test_someone_elses_certificate_is_refused(self) -> None:
        workflow = self.start()
        client = self.login(self.bob)
        step = SignatureStep.objects.get(workflow=workflow, signer=self.bob)
        panel = client.post(reverse("signatures_autofirma_start", args=[self.org_a.slug, step.pk]))
        launch = re.search(r'href="(afirma://[^"]+)"', panel.content.decode()).group(1)
        from django.test import Client

        FakeAutoFirma(Client(), self.p12(self.alice)).open(launch.replace("&amp;", "&"))
        session = step.sessions.get()
        answer = client.get(
            reverse("signatures_autofirma_status", args=[self.org_a.slug, session.pk])
        )
        self.assertContains(answer, "not to the signer")
        step.refresh_from_db()
        self.assertEqual(step.status, StepStatus.WAITING)

    def test_untrusted_expired_or_tampered_signatures_are_refused(self) -> None:
        import datetime as dt

        stranger = new_authority("Somebody else's CA")
        key, certificate = person_certificate(stranger, nif="87654321X", first_name="Bob",
                                              last_name="Fals")  # fmt: skip
        untrusted = pkcs12_bytes(key, certificate, [stranger.certificate], "")
        now = dt.datetime.now(dt.UTC)
        key, certificate = person_certificate(
            self.authority, nif="87654321X", first_name="Bob", last_name="Caducat",
            not_before=now - dt.timedelta(days=800), not_after=now - dt.timedelta(days=1),
        )  # fmt: skip
        expired = pkcs12_bytes(key, certificate, [self.authority.certificate], "")
        cases = [
            (untrusted, None, "not issued by a trusted authority"),
            (expired, None, "not valid today"),
            (self.p12(self.bob), lambda pdf: pdf.replace(b"Decret", b"Decreu", 1),
             "not the document sent"),
        ]  # fmt: skip
        for p12, tamper, message in cases:
            with self.subTest(message):
                workflow = self.start()
                step = SignatureStep.objects.get(workflow=workflow, signer=self.bob)
                session = services.autofirma_session_start(
                    org=self.org_a, actor=self.bob, step=step, retrieve_url="http://testserver/afirma/retrieve/",
                    storage_url="http://testserver/afirma/storage/",
                )  # fmt: skip
                launch = autofirma.launch_url(file_id=session.file_id, key=session.key,
                                              retrieve_url="http://testserver/afirma/retrieve/")  # fmt: skip
                from django.test import Client

                FakeAutoFirma(Client(), p12, tamper=tamper).open(launch)
                state = services.autofirma_session_finish(org=self.org_a, actor=self.bob,
                                                          session=session)  # fmt: skip
                self.assertEqual(state, "failed")
                session.refresh_from_db()
                self.assertIn(message, session.error)

    def test_servlets_answer_one_use_only_and_never_say_why(self) -> None:
        workflow = self.start()
        step = SignatureStep.objects.get(workflow=workflow, signer=self.bob)
        session = services.autofirma_session_start(
            org=self.org_a, actor=self.bob, step=step, retrieve_url="r", storage_url="s"
        )
        retrieve = reverse("signatures_autofirma_retrieve")
        self.assertEqual(self.client.post(retrieve, {"op": "get", "id": session.file_id}).content,
                         autofirma.ERROR_VERSION.encode())  # fmt: skip
        first = self.client.post(retrieve, {"op": "get", "v": "1_0", "id": session.file_id})
        self.assertTrue(first.content.decode().startswith("0.") or "." in first.content.decode())
        again = self.client.post(retrieve, {"op": "get", "v": "1_0", "id": session.file_id})
        unknown = self.client.post(retrieve, {"op": "get", "v": "1_0", "id": "nope"})
        self.assertEqual(again.content, unknown.content)
        storage = reverse("signatures_autofirma_storage")
        self.assertEqual(self.client.post(storage, {"op": "put", "v": "1_0", "id": "nope",
                                                    "dat": "x"}).content.decode(),
                         autofirma.ERROR_INVALID_ID)  # fmt: skip
        self.assertEqual(self.client.post(storage, {"op": "put", "v": "1_0",
                                                    "id": session.session_id}).content.decode(),
                         autofirma.ERROR_MISSING_DATA)  # fmt: skip
        self.assertEqual(self.client.delete(storage).status_code, 405)

    def test_servlets_are_rate_limited_per_address(self) -> None:
        from ajunta.signatures import views

        retrieve = reverse("signatures_autofirma_retrieve")
        for _ in range(views.SERVLET_LIMIT):
            self.client.post(retrieve, {"op": "get", "v": "1_0", "id": "guess"})
        answer = self.client.post(retrieve, {"op": "get", "v": "1_0", "id": "guess"})
        self.assertEqual(answer.status_code, 429)

    def test_refusing_needs_a_reason_and_stops_the_workflow(self) -> None:
        workflow = self.start()
        step = SignatureStep.objects.get(workflow=workflow, signer=self.bob)
        client = self.login(self.bob)
        url = reverse("signatures_reject", args=[self.org_a.slug, step.pk])
        self.assertEqual(client.post(url, {"reason": " "}).status_code, 400)
        self.assertRedirects(client.post(url, {"reason": "Falta l'informe tècnic"}),
                             reverse("signatures_workflow", args=[self.org_a.slug, workflow.pk]))  # fmt: skip
        workflow.refresh_from_db()
        self.assertEqual(workflow.status, WorkflowStatus.REJECTED)
        self.assertEqual(workflow.rejected_reason, "Falta l'informe tècnic")
        self.assertTrue(AuditEvent.objects.filter(action="signatures.step.reject").exists())

    def test_other_organizations_and_other_people_see_nothing(self) -> None:
        workflow = self.start()
        step = SignatureStep.objects.get(workflow=workflow, signer=self.bob)
        charlie = self.login(self.charlie)
        for url in (reverse("signatures_workflow", args=[self.org_a.slug, workflow.pk]),
                    reverse("signatures_document", args=[self.org_a.slug, workflow.pk])):  # fmt: skip
            self.assertEqual(charlie.get(url).status_code, 404)
        self.assertEqual(charlie.get(reverse("signatures_workflow",
                                             args=[self.org_b.slug, workflow.pk])).status_code, 404)  # fmt: skip
        alice = self.login(self.alice)  # in org A, but not this step's signer
        url = reverse("signatures_autofirma_start", args=[self.org_a.slug, step.pk])
        self.assertEqual(alice.post(url).status_code, 403)

    def test_my_signatures_lists_what_waits_for_me(self) -> None:
        workflow = self.start()
        page = self.login(self.bob).get(reverse("signatures_mine", args=[self.org_a.slug]))
        self.assertContains(page, workflow.title)
        self.assertEqual(list(selectors.steps_waiting_for(org=self.org_b, user=self.bob)), [])


class QueryCountTests(SignaturesTestCase):
    def queries_for(self, url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = self.login(self.bob)
        client.get(url)  # warm the session and caches
        with CaptureQueriesContext(connection) as captured:
            self.assertEqual(client.get(url).status_code, 200)
        return len(captured)

    def start(self, n: int) -> list[object]:
        return [
            services.workflow_start(
                org=self.org_a,
                actor=self.alice,
                document=self.stored_pdf(f"Doc {i}"),
                title=f"Doc {i}",
                signers=[(self.bob, StepRole.SIGN), (self.alice, StepRole.ATTEST)],
            )
            for i in range(n)
        ]

    def test_my_signatures_and_a_workflow_do_not_grow_with_rows(self) -> None:
        mine = reverse("signatures_mine", args=[self.org_a.slug])
        first = self.start(1)[0]
        one = self.queries_for(mine)
        detail_one = self.queries_for(
            reverse("signatures_workflow", args=[self.org_a.slug, first.pk])
        )
        self.start(4)
        self.assertEqual(self.queries_for(mine), one)
        self.assertEqual(
            self.queries_for(reverse("signatures_workflow", args=[self.org_a.slug, first.pk])),
            detail_one,
        )
