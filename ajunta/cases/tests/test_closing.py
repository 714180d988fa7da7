"""Resolving and closing a case properly (issue 18, item 4): the procedure's rules are checked,
what is missing refuses the change with the list (service, page in the user's language, API), an
explicit override reason lets it through and is recorded; a closed case takes no action but
reopening, with a reason; the staff page shows when a notification was opened."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from ajunta.cases import services
from ajunta.cases.models import Case, CaseStatus, CaseStatusEvent
from ajunta.cases.tests.factories import CasesTestCase, make_case, make_procedure, pdf_upload
from ajunta.cases.tests.test_eni_notifications import SealedTestCase
from ajunta.core.models import AuditEvent
from ajunta.core.testing import make_user, speaking

NOON = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)


def url(slug: str, path: str) -> str:
    return f"/api/v1/o/{slug}/cases{path}"


class ClosingRulesTests(CasesTestCase):
    def codes(self, case: Case, status: str) -> list[tuple[str, dict[str, str]]]:
        return [(m.code, m.params) for m in services.case_missing_for(case, status)]

    def to_final_phase(self, case: Case) -> None:
        for phase in ("instruccio", "resolucio"):
            services.case_change_phase(org=self.org_a, actor=self.bob, case=case, phase=phase)

    def add_document(self, case: Case, title: str) -> None:
        services.case_document_add(org=self.org_a, actor=self.bob, case=case,
                                   uploaded_file=pdf_upload(title), title=title)  # fmt: skip

    def test_first_phase_without_documents_is_refused_with_the_list(self) -> None:
        with self.assertRaises(ValidationError) as caught, translation.override("en"):
            services.case_set_status(org=self.org_a, actor=self.bob, case=self.case_a,
                                     status="resolved")  # fmt: skip
        missing = caught.exception.message_dict["missing"]
        self.assertEqual(missing, [
            "The final phase has not been reached (the case is in: Inici).",
            "Required document missing: Projecte.",
            "Required document missing: Pressupost.",
        ])  # fmt: skip
        self.case_a.refresh_from_db()
        self.assertEqual(self.case_a.status, CaseStatus.OPEN)
        self.assertIsNone(self.case_a.resolved_at)
        self.assertFalse(CaseStatusEvent.objects.exists())

    def test_each_rule_in_turn(self) -> None:
        case = self.case_a
        self.assertIn(("phase", {"phase": "Inici"}), self.codes(case, "resolved"))
        self.to_final_phase(case)
        self.assertNotIn("phase", [code for code, _ in self.codes(case, "resolved")])
        # a title carrying the required name (any case, any accents) meets it
        self.add_document(case, "PROJECTE tècnic v2")
        self.assertEqual(self.codes(case, "resolved"), [("document", {"title": "Pressupost"})])
        self.add_document(case, "Pressupost")
        task = services.task_create(org=self.org_a, actor=self.bob, case=case,
                                    title="Informe tècnic", assignee=self.bob)  # fmt: skip
        self.assertEqual(self.codes(case, "resolved"), [("task", {"title": "Informe tècnic"})])
        services.task_complete(org=self.org_a, actor=self.bob, task=task)
        self.assertEqual(self.codes(case, "resolved"), [])
        services.case_set_status(org=self.org_a, actor=self.bob, case=case, status="resolved")
        services.case_set_status(org=self.org_a, actor=self.bob, case=case, status="closed")
        event = case.status_events.get(to_status="closed")
        self.assertEqual((event.reason, event.missing, event.is_override), ("", [], False))

    def test_a_middle_phase_is_not_final(self) -> None:
        services.case_change_phase(org=self.org_a, actor=self.bob, case=self.case_a,
                                   phase="instruccio")  # fmt: skip
        self.assertEqual(self.codes(self.case_a, "closed")[0], ("phase", {"phase": "Instrucció"}))

    def test_procedure_without_phases_or_documents_has_nothing_to_reach(self) -> None:
        plain = make_procedure(self.org_a, self.alice, code="SIMPLE", phases="",
                               required_documents="")  # fmt: skip
        case = make_case(self.org_a, self.alice, plain)
        self.assertEqual(self.codes(case, "resolved"), [])
        services.case_set_status(org=self.org_a, actor=self.bob, case=case, status="resolved")
        self.assertEqual(case.status, CaseStatus.RESOLVED)

    def test_override_reason_is_recorded_with_what_was_missing(self) -> None:
        case = self.case_a
        services.case_set_status(org=self.org_a, actor=self.bob, case=case, status="resolved",
                                 override_reason="  Desistiment de la persona interessada ")  # fmt: skip
        self.assertEqual(case.status, CaseStatus.RESOLVED)
        event = case.status_events.get()
        self.assertEqual(event.reason, "Desistiment de la persona interessada")
        self.assertEqual([m["code"] for m in event.missing], ["phase", "document", "document"])
        audit = AuditEvent.objects.filter(action="cases.case.resolved").latest("id")
        self.assertEqual(audit.changes["override_reason"], "Desistiment de la persona interessada")
        self.assertEqual(len(audit.changes["missing"]), 3)

    def test_override_reason_too_long_is_refused(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            services.case_set_status(org=self.org_a, actor=self.bob, case=self.case_a,
                                     status="resolved", override_reason="x" * 501)  # fmt: skip
        self.assertIn("override_reason", caught.exception.message_dict)

    def test_closed_case_takes_no_action_but_reopening(self) -> None:
        case = self.case_a
        task = services.task_create(org=self.org_a, actor=self.bob, case=case, title="Revisar",
                                    assignee=self.bob)  # fmt: skip
        other = make_case(self.org_a, self.alice, self.procedure_a)
        for status in ("resolved", "closed"):
            services.case_set_status(org=self.org_a, actor=self.bob, case=case, status=status,
                                     override_reason="Arxiu per caducitat")  # fmt: skip
        refused = [
            lambda: services.task_complete(org=self.org_a, actor=self.bob, task=task),
            lambda: services.case_assign(org=self.org_a, actor=self.bob, case=case,
                                         responsible=self.alice),
            lambda: services.case_relate(org=self.org_a, actor=self.bob, case=case, other=other),
            lambda: services.case_change_phase(org=self.org_a, actor=self.bob, case=case,
                                               phase="instruccio"),
        ]  # fmt: skip
        for attempt in refused:
            with self.assertRaises(ValidationError):
                attempt()
        with self.assertRaises(ValidationError) as caught:
            services.case_reopen(org=self.org_a, actor=self.bob, case=case, reason="  ")
        self.assertIn("reason", caught.exception.message_dict)
        services.case_reopen(org=self.org_a, actor=self.bob, case=case, reason="Recurs estimat")
        self.assertEqual((case.status, case.closed_at, case.resolved_at), ("open", None, None))
        self.assertEqual(case.status_events.last().reason, "Recurs estimat")
        self.assertTrue(AuditEvent.objects.filter(action="cases.case.reopen").exists())
        services.task_complete(org=self.org_a, actor=self.bob, task=task)

    def test_only_resolved_or_closed_cases_reopen(self) -> None:
        with self.assertRaises(ValidationError):
            services.case_reopen(org=self.org_a, actor=self.bob, case=self.case_a, reason="R")
        for status in ("resolved", "closed", "archived"):
            services.case_set_status(org=self.org_a, actor=self.bob, case=self.case_a,
                                     status=status, override_reason="Prova")  # fmt: skip
        with self.assertRaises(ValidationError):
            services.case_reopen(org=self.org_a, actor=self.bob, case=self.case_a, reason="R")

    def test_another_organizations_case_is_not_found(self) -> None:
        with self.assertRaises(Case.DoesNotExist):
            services.case_reopen(org=self.org_a, actor=self.bob, case=self.case_b, reason="R")


class NotificationRuleTests(SealedTestCase):
    def test_close_waits_for_the_notification_and_the_page_shows_when_it_was_opened(
        self,
    ) -> None:
        case = self.case_a
        for phase in ("instruccio", "resolucio"):
            services.case_change_phase(org=self.org_a, actor=self.bob, case=case, phase=phase)
        for title in ("Projecte", "Pressupost"):
            services.case_document_add(org=self.org_a, actor=self.bob, case=case,
                                       uploaded_file=pdf_upload(title), title=title)  # fmt: skip
        resolution = self.signed_row("Resolució")
        services.case_set_status(org=self.org_a, actor=self.bob, case=case, status="resolved")
        with time_machine.travel(NOON, tick=False), self.captureOnCommitCallbacks(execute=True):
            notification = services.notification_send(org=self.org_a, actor=self.bob,
                                                      case_document=resolution,
                                                      party=case.parties.get())  # fmt: skip
        missing = services.case_missing_for(case, "closed")
        self.assertEqual([(m.code, m.params["title"]) for m in missing],
                         [("notification", "Resolució")])  # fmt: skip
        with self.assertRaises(ValidationError):
            services.case_set_status(org=self.org_a, actor=self.bob, case=case, status="closed")
        staff = speaking(self.login(self.bob), "en")
        page = staff.get(reverse("cases_case", args=["alpha", case.pk]))
        self.assertContains(page, "not opened yet")
        citizen = make_user("citizen", nif="12345678Z")
        opened = NOON + dt.timedelta(days=2, hours=3)
        with time_machine.travel(opened, tick=False):
            services.notification_respond(actor=citizen, notification=notification, accept=True)
        services.case_set_status(org=self.org_a, actor=self.bob, case=case, status="closed")
        self.assertEqual(case.status, CaseStatus.CLOSED)
        page = staff.get(reverse("cases_case", args=["alpha", case.pk]))
        html = page.content.decode()
        local = timezone.localtime(opened).isoformat()
        self.assertIn(f'datetime="{local}" data-opened-at', html)


class ClosingPageTests(CasesTestCase):
    def action_url(self, action: str, case: Case | None = None) -> str:
        return reverse("cases_case_action", args=["alpha", (case or self.case_a).pk, action])

    def test_refusal_lists_what_is_missing_in_the_users_language(self) -> None:
        client = speaking(self.login(self.bob), "ca")
        response = client.post(self.action_url("status"), {"status-status": "resolved"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Falta el document requerit: Projecte.", status_code=400)
        self.assertContains(response, "No s&#x27;ha arribat a la fase final", status_code=400)
        self.case_a.refresh_from_db()
        self.assertEqual(self.case_a.status, CaseStatus.OPEN)

    def test_status_form_previews_the_missing_list_and_offers_only_the_next_status(self) -> None:
        client = speaking(self.login(self.bob), "en")
        response = client.get(self.action_url("status"), HTTP_HX_REQUEST="true")
        html = response.content.decode()
        self.assertIn("Required document missing: Pressupost.", html)
        self.assertEqual(re.findall(r'<option value="(\w+)"', html), ["resolved"])

    def test_override_from_the_page_then_the_closed_page_offers_only_reopening(self) -> None:
        client = speaking(self.login(self.bob), "en")
        services.task_create(org=self.org_a, actor=self.bob, case=self.case_a, title="Revisar",
                             assignee=self.bob)  # fmt: skip
        response = client.post(self.action_url("status"), {
            "status-status": "resolved", "status-override_reason": "Desistiment",
        })  # fmt: skip
        self.assertEqual(response.status_code, 302)
        response = client.post(self.action_url("status"), {
            "status-status": "closed", "status-override_reason": "Desistiment",
        })  # fmt: skip
        self.assertEqual(response.status_code, 302)
        page = client.get(reverse("cases_case", args=["alpha", self.case_a.pk]))
        html = page.content.decode()
        for action in ("assign", "relate", "party", "task", "upload", "suspend", "extend"):
            self.assertNotIn(self.action_url(action), html, action)
        self.assertNotIn("/done/", html)
        self.assertIn(self.action_url("reopen"), html)
        self.assertIn("Desistiment", html)  # the status history shows the override reason
        self.assertIn("Task not done: Revisar.", html)
        refused = client.post(self.action_url("reopen"), {"reopen-reason": ""})
        self.assertEqual(refused.status_code, 400)
        reopened = client.post(self.action_url("reopen"), {"reopen-reason": "Recurs"})
        self.assertEqual(reopened.status_code, 302)
        self.case_a.refresh_from_db()
        self.assertEqual(self.case_a.status, CaseStatus.OPEN)

    def test_another_organization_gets_404(self) -> None:
        client = self.login(self.charlie)
        self.assertEqual(
            client.post(self.action_url("reopen"), {"reopen-reason": "R"}).status_code, 404
        )


class ClosingApiTests(CasesTestCase):
    def test_refusal_is_a_400_with_the_list_and_override_goes_through(self) -> None:
        api = self.api(self.bob)
        path = url("alpha", f"/files/{self.case_a.pk}/status/")
        refused = api.post(path, {"status": "resolved"}, format="json")
        self.assertEqual(refused.status_code, 400)
        body = refused.json()
        self.assertEqual(len(body["missing"]), 3)
        self.assertIn("Falta el document requerit: Projecte.", body["missing"])
        done = api.post(path, {"status": "resolved", "override_reason": "Desistiment"},
                        format="json")  # fmt: skip
        self.assertEqual(done.status_code, 200)
        event = done.json()["status_events"][0]
        self.assertEqual((event["to_status"], event["reason"], event["overridden"]),
                         ("resolved", "Desistiment", True))  # fmt: skip
        self.assertEqual(len(event["missing"]), 3)

    def test_reopen(self) -> None:
        api = self.api(self.bob)
        reopen = url("alpha", f"/files/{self.case_a.pk}/reopen/")
        self.assertEqual(api.post(reopen, {"reason": "R"}, format="json").status_code, 400)
        services.case_set_status(org=self.org_a, actor=self.bob, case=self.case_a,
                                 status="resolved", override_reason="Prova")  # fmt: skip
        self.assertEqual(api.post(reopen, {}, format="json").status_code, 400)
        response = api.post(reopen, {"reason": "Recurs"}, format="json")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "open")
        other = url("alpha", f"/files/{self.case_b.pk}/reopen/")
        self.assertEqual(api.post(other, {"reason": "R"}, format="json").status_code, 404)
