"""Remote qualified signatures (CSC API v2) contract-tested against a local fake service: the PIN
and one-time code authorize exactly the hash signed, and the result passes the same checks."""

from __future__ import annotations

from django.test import override_settings
from django.urls import reverse

from ajunta.signatures import remote, services
from ajunta.signatures.models import SignatureStep, StepRole, StepStatus
from ajunta.signatures.test_certificates import person_certificate
from ajunta.signatures.tests.base import BOB_NIF, SignaturesTestCase
from ajunta.signatures.tests.fake_csc import FakeCscService


class RemoteSigningTests(SignaturesTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.service = FakeCscService()
        self.service.__enter__()
        self.addCleanup(self.service.__exit__)
        key, certificate = person_certificate(self.authority, nif=BOB_NIF, first_name="Bob",
                                              last_name="Remot")  # fmt: skip
        self.service.add(BOB_NIF, key, [certificate, self.authority.certificate])
        override = override_settings(SIGNATURES_CSC_URL=self.service.url,
                                     SIGNATURES_CSC_TOKEN="relying-party-token")  # fmt: skip
        override.enable()
        self.addCleanup(override.disable)
        self.workflow = services.workflow_start(
            org=self.org_a, actor=self.alice, document=self.stored_pdf(), title="Acta",
            signers=[(self.bob, StepRole.SIGN)],
        )  # fmt: skip
        self.step = SignatureStep.objects.get(workflow=self.workflow)

    def test_signs_through_the_service_with_pin_and_code(self) -> None:
        client = self.login(self.bob)
        page = client.get(reverse("signatures_workflow", args=[self.org_a.slug, self.workflow.pk]))
        self.assertContains(page, "Sign remotely")
        url = reverse("signatures_remote_sign", args=[self.org_a.slug, self.step.pk])
        self.assertRedirects(client.post(url, {"pin": "1234", "otp": "000000"}),
                             reverse("signatures_workflow", args=[self.org_a.slug, self.workflow.pk]))  # fmt: skip
        self.step.refresh_from_db()
        self.assertEqual((self.step.status, self.step.method), (StepStatus.SIGNED, "remote"))
        self.assertEqual(self.step.certificate_nif, BOB_NIF)
        self.assertEqual(self.service.calls, ["credentials/list", "credentials/info",
                                              "credentials/authorize", "signatures/signHash"])  # fmt: skip

    def test_a_wrong_pin_is_refused_with_the_services_reason(self) -> None:
        client = self.login(self.bob)
        url = reverse("signatures_remote_sign", args=[self.org_a.slug, self.step.pk])
        response = client.post(url, {"pin": "9999", "otp": "000000"})
        self.assertContains(response, "Invalid PIN or OTP", status_code=400)
        self.step.refresh_from_db()
        self.assertEqual(self.step.status, StepStatus.WAITING)

    def test_a_bad_token_or_no_credential(self) -> None:
        with self.assertRaises(remote.CscError):
            remote.CscClient(self.service.url, "wrong").credentials_list(BOB_NIF)
        self.assertEqual(remote.CscClient(self.service.url, "relying-party-token")
                         .credentials_list("00000000T"), [])  # fmt: skip

    def test_without_a_service_the_option_is_not_offered(self) -> None:
        with override_settings(SIGNATURES_CSC_URL=""):
            page = self.login(self.bob).get(
                reverse("signatures_workflow", args=[self.org_a.slug, self.workflow.pk])
            )
            self.assertNotContains(page, "Sign remotely")
