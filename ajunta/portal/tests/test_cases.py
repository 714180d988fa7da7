"""The citizen's case files and notifications: only their own (by NIF), accept or reject, the
document only once accepted, and the proof of notification."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse

from ajunta.cases import services
from ajunta.cases.models import NotificationStatus
from ajunta.cases.tests.factories import PARTY, CasesTestCase, make_case, pdf_upload
from ajunta.core.testing import speaking
from ajunta.core.testing_archives import HOSTILE_UPLOADS
from ajunta.portal.tests.helpers import make_citizen


class PortalCaseTests(CasesTestCase):
    def setUp(self) -> None:
        super().setUp()
        row = services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                         uploaded_file=pdf_upload(), title="Resolució")  # fmt: skip
        self.row = services.case_document_sign(org=self.org_a, actor=self.alice, case_document=row)
        self.internal = services.case_document_add(
            org=self.org_a, actor=self.bob, case=self.case_a, uploaded_file=pdf_upload("intern"),
            title="Informe intern",
        )  # fmt: skip
        self.notification = services.notification_send(
            org=self.org_a, actor=self.bob, case_document=self.row,
            party=self.case_a.parties.get(),
        )  # fmt: skip
        self.citizen = make_citizen("nuria", nif="12345678Z")
        self.stranger = make_citizen("jordi", nif="87654321X")

    def test_the_citizen_sees_only_their_own(self) -> None:
        self.client.force_login(self.citizen)
        page = self.client.get(reverse("portal_notifications"))
        self.assertContains(page, f'data-notification-id="{self.notification.pk}"')
        other = make_case(self.org_a, self.bob, self.procedure_a,
                          parties=[{**PARTY, "id_number": "87654321X"}])  # fmt: skip
        cases = self.client.get(reverse("portal_cases"))
        self.assertContains(cases, f'data-case-id="{self.case_a.pk}"')
        self.assertContains(cases, f'data-case-id="{self.case_b.pk}"')  # she is a party in B too
        self.assertNotContains(cases, f'data-case-id="{other.pk}"')
        self.client.force_login(self.stranger)
        self.assertNotContains(
            self.client.get(reverse("portal_notifications")), "data-notification-id"
        )
        for name, args in [
            ("portal_notification", [self.notification.pk]),
            ("portal_notification_document", [self.notification.pk]),
            ("portal_notification_proof", [self.notification.pk]),
            ("portal_case", [self.case_a.pk]),
            ("portal_case_document", [self.case_a.pk, self.row.pk]),
        ]:
            with self.subTest(name=name):
                self.assertEqual(self.client.get(reverse(name, args=args)).status_code, 404)
        response = self.client.post(reverse("portal_notification", args=[self.notification.pk]),
                                    {"answer": "accept"})  # fmt: skip
        self.assertEqual(response.status_code, 404)

    def test_my_area_shows_a_banner_for_each_pending_notification_with_days_left(self) -> None:
        # Seven days and an hour after it was made available: three of the ten days are left.
        later = self.notification.made_available_at + dt.timedelta(days=7, hours=1)
        with time_machine.travel(later, tick=False):
            speaking(self.client, "en")
            self.client.force_login(self.citizen)
            page = self.client.get(reverse("portal_home"))
            self.assertContains(page, f'data-pending-notification="{self.notification.pk}"')
            self.assertContains(page, "3 days left to open it")
            self.assertContains(page, reverse("portal_notification", args=[self.notification.pk]))
            self.client.post(reverse("portal_notification", args=[self.notification.pk]),
                             {"answer": "accept"})  # fmt: skip
            self.assertNotContains(
                self.client.get(reverse("portal_home")), "data-pending-notification"
            )
            self.client.force_login(self.stranger)
            self.assertNotContains(
                self.client.get(reverse("portal_home")), "data-pending-notification"
            )

    def test_login_is_required(self) -> None:
        response = self.client.get(reverse("portal_notifications"))
        self.assertEqual(response.status_code, 302)

    def test_accept_then_download(self) -> None:
        self.client.force_login(self.citizen)
        url = reverse("portal_notification", args=[self.notification.pk])
        document = reverse("portal_notification_document", args=[self.notification.pk])
        self.assertEqual(self.client.get(document).status_code, 404)  # not before accepting
        self.assertEqual(self.client.post(url, {"answer": "maybe"}).status_code, 400)
        self.assertRedirects(self.client.post(url, {"answer": "accept"}), url)
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, NotificationStatus.ACCEPTED)
        self.assertEqual(self.client.get(document).status_code, 200)
        self.assertEqual(self.client.post(url, {"answer": "reject"}).status_code, 400)
        proof = self.client.get(reverse("portal_notification_proof", args=[self.notification.pk]))
        self.assertEqual(proof["Content-Type"], "application/pdf")

    def test_reject(self) -> None:
        self.client.force_login(self.citizen)
        url = reverse("portal_notification", args=[self.notification.pk])
        self.client.post(url, {"answer": "reject"})
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, NotificationStatus.REJECTED)

    def test_too_late(self) -> None:
        self.client.force_login(self.citizen)
        # Eleven days later: a sent notification's dates are sealed, so the clock moves instead.
        with time_machine.travel(self.notification.made_available_at + dt.timedelta(days=11)):
            response = self.client.post(
                reverse("portal_notification", args=[self.notification.pk]), {"answer": "accept"}
            )
        self.assertEqual(response.status_code, 400)
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, NotificationStatus.DEEMED_REJECTED)

    def test_only_published_documents_show(self) -> None:
        self.client.force_login(self.citizen)
        page = self.client.get(reverse("portal_case", args=[self.case_a.pk]))
        self.assertNotContains(page, "Resolució")
        self.assertNotContains(page, "Informe intern")
        services.case_document_set_visibility(org=self.org_a, actor=self.bob, case_document=self.row,
                                              visibility="published")  # fmt: skip
        page = self.client.get(reverse("portal_case", args=[self.case_a.pk]))
        self.assertContains(page, "Resolució")
        self.assertNotContains(page, "Informe intern")
        download = reverse("portal_case_document", args=[self.case_a.pk, self.row.pk])
        self.assertEqual(self.client.get(download).status_code, 200)
        hidden = reverse("portal_case_document", args=[self.case_a.pk, self.internal.pk])
        self.assertEqual(self.client.get(hidden).status_code, 404)

    def test_the_citizen_adds_a_document(self) -> None:
        from ajunta.cases.models import CaseDocument
        from ajunta.registry.models import RegistryEntry

        self.client.force_login(self.citizen)
        url = reverse("portal_case", args=[self.case_a.pk])
        response = self.client.post(url, {"title": "Al·legació", "file": pdf_upload("al·legació")})
        self.assertRedirects(response, url)
        row = CaseDocument.objects.get(case=self.case_a, title="Al·legació")
        self.assertEqual(row.visibility, "published")
        entry = RegistryEntry.objects.get(organization=self.org_a, direction="in",
                                          case_reference=self.case_a.number)  # fmt: skip
        self.assertEqual(entry.filer, self.citizen)
        self.assertEqual(entry.attachments.get().document, row.document)
        before = CaseDocument.objects.count()
        from django.core.files.uploadedfile import SimpleUploadedFile

        bad = self.client.post(
            url, {"title": "X", "file": SimpleUploadedFile("x.exe", b"MZ\x90\x00" + b"\x00" * 64)}
        )
        self.assertEqual(bad.status_code, 400)
        for name, content in HOSTILE_UPLOADS.items():
            with self.subTest(name=name):
                hostile = self.client.post(
                    url, {"title": "X", "file": SimpleUploadedFile(name, content)}
                )
                self.assertEqual(hostile.status_code, 400)
        self.assertEqual(
            self.client.post(url, {"title": "", "file": pdf_upload()}).status_code, 400
        )
        self.assertEqual(CaseDocument.objects.count(), before)
        self.client.force_login(self.stranger)
        self.assertEqual(
            self.client.post(url, {"title": "X", "file": pdf_upload()}).status_code, 404
        )
