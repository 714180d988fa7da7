"""Case pages: tenancy (404 across organizations, 403 without permission), forms that refuse with
400 and write nothing, and the query counts of lists and of a case page with many documents."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from django.test import Client
from django.urls import reverse

from ajunta.cases import selectors, services
from ajunta.cases.models import Case, CaseDocument, Decree, Procedure
from ajunta.cases.tests.factories import PARTY, CasesTestCase, make_case, pdf_upload
from ajunta.core.models import Role
from ajunta.core.testing import TenantIsolationMixin, make_user, speaking, verify_mfa
from ajunta.core.testing_archives import HOSTILE_UPLOADS


def ids(attribute: str) -> Any:
    pattern = re.compile(rf'{attribute}="(\d+)"')
    return lambda response: set(pattern.findall(response.content.decode()))


class CasePagesIsolationTests(TenantIsolationMixin, CasesTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.task_a = services.task_create(org=cls.org_a, actor=cls.alice, case=cls.case_a,
                                          title="Informe", assignee=cls.alice)  # fmt: skip
        cls.task_b = services.task_create(org=cls.org_b, actor=cls.charlie, case=cls.case_b,
                                          title="Informe B", assignee=cls.charlie)  # fmt: skip
        cls.decree_a = services.decree_create(
            org=cls.org_a, actor=cls.bob, title="Decret A", body="Text"
        )
        cls.decree_b = services.decree_create(
            org=cls.org_b, actor=cls.charlie, title="Decret B", body="Text"
        )
        cls.isolation_ids_a = {str(cls.case_a.pk)}
        cls.isolation_ids_b = {str(cls.case_b.pk)}

    def setUp(self) -> None:
        super().setUp()
        self.doc_a = services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                                uploaded_file=pdf_upload())  # fmt: skip

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        case, doc = self.case_a.pk, self.doc_a.pk
        return [
            ("GET", reverse("cases_case", args=[slug, case])),
            ("POST", reverse("cases_case_action", args=[slug, case, "suspend"])),
            ("GET", reverse("cases_case_action", args=[slug, case, "assign"])),
            ("GET", reverse("cases_document", args=[slug, case, doc])),
            ("POST", reverse("cases_document", args=[slug, case, doc])),
            ("GET", reverse("cases_document_download", args=[slug, case, doc, 1])),
            ("POST", reverse("cases_task_done", args=[slug, self.task_a.pk])),
            ("GET", reverse("cases_procedure", args=[slug, self.procedure_a.pk])),
            ("GET", reverse("cases_decree", args=[slug, self.decree_a.pk])),
            ("POST", reverse("cases_decree", args=[slug, self.decree_a.pk])),
            ("GET", reverse("cases_decree_pdf", args=[slug, self.decree_a.pk])),
        ]

    def isolation_list_urls(self, slug: str) -> list[tuple[str, Any]]:
        return [
            (reverse("cases_list", args=[slug]), ids("data-case-id")),
            (reverse("cases_list", args=[slug]) + "?q=reforma", ids("data-case-id")),
        ]

    def test_other_lists_never_show_b(self) -> None:
        client = self.login(self.alice)
        tasks = client.get(reverse("cases_my_tasks", args=["alpha"]))
        self.assertEqual(ids("data-task-id")(tasks), {str(self.task_a.pk)})
        procedures = client.get(reverse("cases_procedures", args=["alpha"]))
        self.assertEqual(ids("data-procedure-id")(procedures), {str(self.procedure_a.pk)})
        decrees = client.get(reverse("cases_decrees", args=["alpha"]))
        self.assertEqual(ids("data-decree-id")(decrees), {str(self.decree_a.pk)})

    def test_every_page_of_b_is_404_for_charlie_with_a_slug(self) -> None:
        client = Client()
        client.force_login(self.charlie)
        for name in ("cases_list", "cases_new", "cases_my_tasks", "cases_procedures",
                     "cases_procedure_new", "cases_decrees", "cases_decrees_pdf",
                     "cases_decree_new", "cases_settings"):  # fmt: skip
            self.assertEqual(client.get(reverse(name, args=["alpha"])).status_code, 404, name)

    def test_roles_without_permission_get_403(self) -> None:
        member = make_user("regidor", self.org_a, Role.ELECTED_MEMBER)
        client = Client()
        client.force_login(member)
        self.assertEqual(client.get(reverse("cases_list", args=["alpha"])).status_code, 403)
        self.assertEqual(
            client.get(reverse("cases_case", args=["alpha", self.case_a.pk])).status_code, 403
        )
        self.assertEqual(client.get(reverse("cases_decrees", args=["alpha"])).status_code, 200)
        bob = self.login(self.bob)
        self.assertEqual(bob.get(reverse("cases_settings", args=["alpha"])).status_code, 403)
        response = bob.post(reverse("cases_document", args=["alpha", self.case_a.pk, self.doc_a.pk]),
                            {"sign": "1"})  # fmt: skip
        self.assertEqual(response.status_code, 403)
        technician = make_user("tecnic", self.org_a, Role.PROVIDER_TECHNICIAN)
        verify_mfa(client, technician)  # provider roles always need their second factor
        self.assertEqual(client.get(reverse("cases_list", args=["alpha"])).status_code, 403)


class CasePagesTests(CasesTestCase):
    def test_open_a_case_from_the_form(self) -> None:
        client = self.login(self.bob)
        url = reverse("cases_new", args=["alpha"])
        self.assertEqual(client.get(url).status_code, 200)
        data = {
            "procedure": self.procedure_a.pk, "subject": "Tala d'un arbre",
            **{f"party-{k}": v for k, v in PARTY.items()},
        }  # fmt: skip
        response = client.post(url, data)
        case = Case.objects.get(organization=self.org_a, subject="Tala d'un arbre")
        self.assertRedirects(response, reverse("cases_case", args=["alpha", case.pk]))
        self.assertEqual(case.parties.get().id_number, "12345678Z")

    def test_incoming_entries_wait_for_their_case(self) -> None:
        from ajunta.registry import services as registry_services

        entry = registry_services.registry_entry_create(
            org=self.org_a, actor=self.bob, direction="in", channel="electronic",
            epigraph="Instància", summary="Gual permanent", parties=[PARTY],
        )  # fmt: skip
        registry_services.registry_entry_create(
            org=self.org_b, actor=self.charlie, direction="in", channel="electronic",
            epigraph="Instància", summary="De Beta", parties=[PARTY],
        )  # fmt: skip
        client = self.login(self.bob)
        url = reverse("cases_new", args=["alpha"])
        page = client.get(url)
        self.assertContains(page, f'data-entry-id="{entry.pk}"')
        self.assertNotContains(page, "De Beta")
        form = client.get(url, {"entry": entry.number})
        self.assertContains(form, f'value="{entry.number}"')
        bad_party = {f"party-{k}": v for k, v in {**PARTY, "id_number": "87654321A"}.items()}
        refused = client.post(url, {"procedure": self.procedure_a.pk, "subject": "",
                                    "origin_entry_number": entry.number, **bad_party})  # fmt: skip
        self.assertEqual(refused.status_code, 400)
        self.assertTrue(refused.context["party"].has_error("id_number"))
        self.assertFalse(Case.objects.filter(origin_entry=entry).exists())
        response = client.post(url, {"procedure": self.procedure_a.pk, "subject": "",
                                     "origin_entry_number": entry.number})  # fmt: skip
        case = Case.objects.get(organization=self.org_a, origin_entry=entry)
        self.assertEqual(case.subject, "Gual permanent")
        self.assertRedirects(response, reverse("cases_case", args=["alpha", case.pk]))
        self.assertNotContains(client.get(url), f'data-entry-id="{entry.pk}"')

    def test_refusals_are_400_and_write_nothing(self) -> None:
        client = self.login(self.bob)
        url = reverse("cases_new", args=["alpha"])
        before = Case.objects.count()
        bad_party = {"procedure": self.procedure_a.pk, "subject": "X",
                     **{f"party-{k}": v for k, v in {**PARTY, "id_number": "12345678A"}.items()}}  # fmt: skip
        for data in (
            {"procedure": self.procedure_a.pk, "subject": ""},
            {"procedure": self.procedure_b.pk, "subject": "X"},  # B's procedure
            {"procedure": self.procedure_a.pk, "subject": "X", "origin_entry_number": "E/1/2"},
            bad_party,
        ):
            with self.subTest(data=data):
                self.assertEqual(client.post(url, data).status_code, 400)
        self.assertEqual(Case.objects.count(), before)
        action = reverse("cases_case_action", args=["alpha", self.case_a.pk, "extend"])
        response = client.post(action, {"extend-amount": "99", "extend-reason": "r"})
        self.assertEqual(response.status_code, 400)
        response = client.post(reverse("cases_case_action", args=["alpha", self.case_a.pk, "nope"]))
        self.assertEqual(response.status_code, 404)

    def test_case_actions(self) -> None:
        client = self.login(self.bob)
        case = self.case_a

        def act(action: str, data: dict[str, Any]) -> None:
            response = client.post(
                reverse("cases_case_action", args=["alpha", case.pk, action]), data
            )
            self.assertEqual(response.status_code, 302, response.content.decode()[:3000])

        act("phase", {"phase": "instruccio"})
        act("suspend", {"suspend-reason": "Esmena"})
        act("resume", {"resume-reason": "Esmenat"})
        act("extend", {"extend-amount": "3", "extend-reason": "Informe"})
        act("assign", {"assign-responsible": self.alice.pk})
        act("party", {f"party-{k}": v for k, v in {**PARTY, "id_number": "87654321X"}.items()})
        act("upload", {"upload-file": pdf_upload(), "upload-title": "Projecte", "upload-document_type": "TD99",
                       "upload-origin": "1", "upload-elaboration_state": "EE01", "upload-visibility": "internal"})  # fmt: skip
        act("generate", {"generate-title": "Requeriment", "generate-document_type": "TD06",
                         "generate-template_text": "Expedient $case_number"})  # fmt: skip
        act("task", {"task-title": "Revisar", "task-assignee": self.bob.pk})
        other = make_case(self.org_a, self.alice, self.procedure_a)
        act("relate", {"relate-number": other.number})
        act("status", {"status-status": "resolved", "status-override_reason": "Desistiment"})
        case.refresh_from_db()
        self.assertEqual(
            (case.status, case.phase, case.responsible), ("resolved", "instruccio", self.alice)
        )
        self.assertEqual(case.documents.count(), 2)
        self.assertEqual(list(case.related_cases.all()), [other])
        page = client.get(reverse("cases_case", args=["alpha", case.pk]))
        self.assertContains(page, "Requeriment")
        self.assertContains(page, "87654321X")

    def test_upload_of_a_refused_type_is_400(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = self.login(self.bob)
        response = client.post(
            reverse("cases_case_action", args=["alpha", self.case_a.pk, "upload"]),
            {"upload-file": SimpleUploadedFile("x.html", b"<html><script>x</script></html>"),
             "upload-document_type": "TD99", "upload-origin": "1",
             "upload-elaboration_state": "EE01", "upload-visibility": "internal"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertFalse(CaseDocument.objects.exists())

    def test_hostile_uploads_are_400_and_write_nothing(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = self.login(self.bob)
        for name, content in HOSTILE_UPLOADS.items():
            with self.subTest(name=name):
                response = client.post(
                    reverse("cases_case_action", args=["alpha", self.case_a.pk, "upload"]),
                    {"upload-file": SimpleUploadedFile(name, content),
                     "upload-document_type": "TD99", "upload-origin": "1",
                     "upload-elaboration_state": "EE01", "upload-visibility": "internal"},
                )  # fmt: skip
                self.assertEqual(response.status_code, 400)
                self.assertFalse(CaseDocument.objects.exists())

    def test_document_page_versions_and_signing(self) -> None:
        row = services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                         uploaded_file=pdf_upload())  # fmt: skip
        url = reverse("cases_document", args=["alpha", self.case_a.pk, row.pk])
        client = self.login(self.bob)
        self.assertEqual(client.get(url).status_code, 200)
        self.assertEqual(client.post(url, {"file": pdf_upload("v2")}).status_code, 302)
        self.assertEqual(client.post(url, {"visibility": "published"}).status_code, 302)
        client = self.login(self.alice)
        self.assertEqual(client.post(url, {"sign": "1"}).status_code, 302)
        row.refresh_from_db()
        self.assertEqual((row.version, row.visibility, row.is_signed), (3, "published", True))
        self.assertEqual(client.post(url, {"file": pdf_upload("v4")}).status_code, 400)
        download = client.get(
            reverse("cases_document_download", args=["alpha", self.case_a.pk, row.pk, 1])
        )
        self.assertEqual(download.status_code, 200)
        self.assertEqual(download["Content-Type"], "application/pdf")

    def test_case_page_with_fifty_documents_in_few_queries(self) -> None:
        for n in range(50):
            services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                       uploaded_file=pdf_upload(f"doc {n}"))  # fmt: skip
        client = self.login(self.bob)
        url = reverse("cases_case", args=["alpha", self.case_a.pk])
        client.get(url)
        # session, user, roles, case, parties, documents, tasks, deadline events, status events,
        # related, decrees, notifications, the organizations of the navigation (the forms that list the staff or
        # the document templates come on demand).
        with self.assertNumQueries(13):
            response = client.get(url)
        self.assertEqual(len(re.findall("data-document-id", response.content.decode())), 50)

    def test_rarely_used_forms_come_on_demand_and_work_without_javascript(self) -> None:
        client = self.login(self.bob)
        page = client.get(reverse("cases_case", args=["alpha", self.case_a.pk]))
        self.assertNotContains(page, 'name="assign-responsible"')
        for action in ("party", "upload", "generate", "task", "relate", "assign", "suspend",
                       "extend", "status"):  # fmt: skip
            url = reverse("cases_case_action", args=["alpha", self.case_a.pk, action])
            # A visible button loads its form into the action panel, or opens the form's own page.
            self.assertContains(
                page,
                f'<a class="btn btn-outline-primary btn-sm" href="{url}" hx-get="{url}"'
                if action != "status"
                else f'<a class="btn btn-primary btn-sm" href="{url}" hx-get="{url}"',
            )
            self.assertContains(page, f'hx-get="{url}" hx-target="#case-action"')
            fragment = client.get(url, headers={"HX-Request": "true"})
            self.assertNotContains(fragment, "<html")
            self.assertContains(fragment, f'action="{url}"')
            own_page = client.get(url)
            self.assertContains(own_page, "<html")
            self.assertContains(own_page, f'action="{url}"')
            self.assertContains(own_page, reverse("cases_case", args=["alpha", self.case_a.pk]))
        assign = client.get(reverse("cases_case_action", args=["alpha", self.case_a.pk, "assign"]))
        self.assertContains(assign, f'<option value="{self.bob.pk}" selected>')
        unknown = reverse("cases_case_action", args=["alpha", self.case_a.pk, "nothing"])
        self.assertEqual(client.get(unknown).status_code, 404)
        # A refused form comes back open on the case page, with its errors.
        url = reverse("cases_case_action", args=["alpha", self.case_a.pk, "suspend"])
        refused = client.post(url, {"suspend-reason": ""})
        self.assertEqual(refused.status_code, 400)
        self.assertContains(refused, 'name="suspend-reason"', status_code=400)
        self.assertContains(refused, 'class="errorsummary"', status_code=400)
        # ... in the action panel, under its heading, where the button would have put it
        self.assertContains(
            refused,
            '<div id="case-action" class="action-panel" aria-live="polite"><h2',
            status_code=400,
        )
        # Only those who may act on the case get the forms.
        viewer = make_user("consulta", self.org_a, Role.ELECTED_MEMBER)
        self.assertEqual(self.login(viewer).get(url).status_code, 403)

    def test_lists_in_a_fixed_number_of_queries(self) -> None:
        for _n in range(5):
            make_case(self.org_a, self.alice, self.procedure_a, responsible=self.bob)
        client = self.login(self.bob)
        url = reverse("cases_list", args=["alpha"])
        client.get(url)
        # session, user, roles, count, rows, two alert counts, navigation
        with self.assertNumQueries(8):
            client.get(url)
        for _n in range(5):
            make_case(self.org_a, self.alice, self.procedure_a, responsible=self.alice)
        with self.assertNumQueries(8):
            client.get(url)
        with self.assertNumQueries(5):  # the htmx partial has no navigation
            response = client.get(url, headers={"HX-Request": "true"})
        self.assertNotContains(response, "<html")

    def test_list_rows_show_number_link_status_and_deadline_in_the_users_language(self) -> None:
        # The rows are built in Python (cases.display): they must show what the template did.
        bob = self.bob
        bob.first_name, bob.last_name = "Bernat", "Obiols"
        bob.save(update_fields=["first_name", "last_name"])
        overdue = make_case(self.org_a, self.alice, self.procedure_a, subject="Tala d'arbres")
        Case.objects.filter(pk=overdue.pk).update(due_date=dt.date(2020, 1, 2))
        closed = make_case(self.org_a, self.alice, self.procedure_a, responsible=bob)
        Case.objects.filter(pk=closed.pk).update(status="closed")
        client = self.login(bob)
        page = speaking(client, "es").get(reverse("cases_list", args=["alpha"]))
        html = page.content.decode()
        self.assertEqual(len(re.findall("data-case-id", html)), 3)
        for case in (self.case_a, overdue, closed):
            url = reverse("cases_case", args=["alpha", case.pk])
            self.assertInHTML(f'<a href="{url}">{case.number}</a>', html)
        self.assertContains(page, "Bernat Obiols", count=2)
        self.assertContains(page, "Tala d&#x27;arbres")
        self.assertContains(page, "Llicència d&#x27;obres menors", count=3)
        self.assertContains(page, '<time datetime="2020-01-02">02/01/2020</time>')
        days = (selectors.today_for(self.org_a) - dt.date(2020, 1, 2)).days
        self.assertContains(page, f'<span class="badge warn">Vencido hace {days} días</span>')
        self.assertContains(page, '<span class="badge">Cerrado</span>')
        self.assertContains(page, "<td>Cerrado</td>")
        opened = overdue.opened_at.astimezone(ZoneInfo("Europe/Madrid"))
        self.assertContains(
            page,
            f'<time class="helptext" datetime="{opened.isoformat()}">{opened:%d/%m/%Y}</time>',
        )
        catalan = speaking(client, "ca").get(reverse("cases_list", args=["alpha"]))
        self.assertContains(catalan, f'<span class="badge warn">Vençut fa {days} dies</span>')
        self.assertContains(catalan, "<td>Tancat</td>")

    def test_provider_staff_find_the_templates_not_the_cases(self) -> None:
        from ajunta.core.modules import modules_for
        from ajunta.core.testing import make_org

        provider = make_org("consorci", kind="consortium", is_provider=True)
        admin = make_user("padmin", provider, Role.PROVIDER_ADMIN)
        codes = {m.code for m in modules_for(provider, frozenset({Role.PROVIDER_ADMIN}))}
        self.assertIn("procedure_templates", codes)
        self.assertNotIn("cases", codes)
        staff = {m.code for m in modules_for(self.org_a, frozenset({Role.MUNICIPAL_STAFF}))}
        self.assertIn("cases", staff)
        self.assertNotIn("procedure_templates", staff)
        client = Client()
        verify_mfa(client, admin)
        self.assertEqual(
            client.get(reverse("cases_procedures", args=["consorci"])).status_code, 200
        )
        self.assertEqual(client.get(reverse("cases_list", args=["consorci"])).status_code, 403)

    def test_procedures_create_and_adopt(self) -> None:
        from ajunta.core.testing import make_org

        provider = make_org("consorci", kind="consortium", is_provider=True)
        template = services.procedure_create(org=provider, actor=None, code="T-1", name="Plantilla",
                                             is_template=True)  # fmt: skip
        client = self.login(self.alice)
        response = client.post(reverse("cases_procedure_new", args=["alpha"]), {
            "code": "NOU", "name": "Nou", "deadline_unit": "months", "silence_effect": "negative",
            "initiation": "both", "confidentiality": "normal", "is_active": "on",
            "phases": "a: A\nb: B",
        })  # fmt: skip
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            Procedure.objects.get(organization=self.org_a, code="NOU").phases[1]["code"], "b"
        )
        duplicate = client.post(reverse("cases_procedure_new", args=["alpha"]), {
            "code": "NOU", "name": "Nou", "deadline_unit": "months", "silence_effect": "negative",
            "initiation": "both", "confidentiality": "normal",
        })  # fmt: skip
        self.assertEqual(duplicate.status_code, 400)
        page = client.get(reverse("cases_procedures", args=["alpha"]))
        self.assertContains(page, f'data-template-id="{template.pk}"')
        adopt = client.post(reverse("cases_procedure_adopt", args=["alpha", template.pk]))
        self.assertEqual(adopt.status_code, 302)
        self.assertTrue(
            Procedure.objects.filter(organization=self.org_a, adopted_from=template).exists()
        )
        bob = self.login(self.bob)
        self.assertEqual(
            bob.post(reverse("cases_procedure_adopt", args=["alpha", template.pk])).status_code, 403
        )
        # A member's procedure is not a template anyone may adopt.
        self.assertEqual(
            self.login(self.alice)
            .post(reverse("cases_procedure_adopt", args=["alpha", self.procedure_b.pk]))
            .status_code,
            404,
        )

    def test_decree_pages(self) -> None:
        mayor = make_user("alcalde", self.org_a, Role.ELECTED_MEMBER)
        client = self.login(self.bob)
        response = client.post(reverse("cases_decree_new", args=["alpha"]),
                               {"title": "Concessió", "body": "RESOLC", "case_number": self.case_a.number})  # fmt: skip
        decree = Decree.objects.get(organization=self.org_a)
        self.assertRedirects(response, reverse("cases_decree", args=["alpha", decree.pk]))
        self.assertEqual(client.post(reverse("cases_decree_new", args=["alpha"]),
                                     {"title": "X", "body": "Y", "case_number": "1999/999999"}).status_code, 400)  # fmt: skip
        url = reverse("cases_decree", args=["alpha", decree.pk])
        self.assertEqual(client.post(url, {"step": "sign"}).status_code, 403)
        mayor_client = Client()
        mayor_client.force_login(mayor)
        self.assertEqual(mayor_client.post(url, {"step": "sign"}).status_code, 302)
        self.assertEqual(mayor_client.post(url, {"step": "note"}).status_code, 403)
        self.assertEqual(self.login(self.alice).post(url, {"step": "note"}).status_code, 302)
        decree.refresh_from_db()
        self.assertTrue(decree.number.endswith("/0001"))
        book = self.client.get(reverse("cases_decrees", args=["alpha"]))
        self.assertContains(book, decree.number)
        pdf = self.client.get(reverse("cases_decrees_pdf", args=["alpha"]))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        signed = self.client.get(reverse("cases_decree_pdf", args=["alpha", decree.pk]))
        self.assertEqual(signed.status_code, 200)

    def test_settings(self) -> None:
        client = self.login(self.alice)
        url = reverse("cases_settings", args=["alpha"])
        self.assertEqual(client.get(url).status_code, 200)
        self.assertEqual(client.post(url, {"number_format": "{seq}"}).status_code, 400)
        self.assertEqual(client.post(url, {"number_format": "X{year}-{seq:05d}"}).status_code, 302)

    def test_alerts_on_the_case_list(self) -> None:
        client = self.login(self.bob)
        self.assertNotContains(client.get(reverse("cases_list", args=["alpha"])), "data-alerts")
        Case.objects.filter(pk=self.case_a.pk).update(due_date=dt.date(2020, 1, 2))
        services.task_create(org=self.org_a, actor=self.alice, case=self.case_a, title="T",
                             assignee=self.bob, due_date=dt.date(2020, 1, 2))  # fmt: skip
        page = client.get(reverse("cases_list", args=["alpha"]))
        self.assertContains(page, "data-alerts")
        self.assertContains(page, "?mine=on&amp;overdue=on")
        self.assertContains(page, reverse("cases_my_tasks", args=["alpha"]))

    def test_my_tasks(self) -> None:
        task = services.task_create(org=self.org_a, actor=self.alice, case=self.case_a,
                                    title="Revisar", assignee=self.bob)  # fmt: skip
        client = self.login(self.bob)
        url = reverse("cases_my_tasks", args=["alpha"])
        client.get(url)
        with self.assertNumQueries(6):  # session, user, roles, count, rows, navigation
            page = client.get(url)
        self.assertContains(page, "Revisar")
        done = client.post(reverse("cases_task_done", args=["alpha", task.pk]), {"next": "tasks"})
        self.assertRedirects(done, url)
        self.assertNotContains(client.get(url), "Revisar")


class NotificationAndExportPagesTests(CasesTestCase):
    def signed(self) -> CaseDocument:
        row = services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                         uploaded_file=pdf_upload())  # fmt: skip
        return services.case_document_sign(org=self.org_a, actor=self.alice, case_document=row)

    def test_notify_from_the_document_page(self) -> None:
        from ajunta.cases.models import Notification

        row = self.signed()
        party = self.case_a.parties.get()
        client = self.login(self.bob)
        url = reverse("cases_document", args=["alpha", self.case_a.pk, row.pk])
        self.assertContains(client.get(url), "notify-party")
        bad = client.post(url, {"notify": "1", "notify-party": self.case_b.parties.get().pk})
        self.assertEqual(bad.status_code, 400)
        response = client.post(url, {"notify": "1", "notify-party": party.pk})
        self.assertRedirects(response, reverse("cases_case", args=["alpha", self.case_a.pk]))
        notification = Notification.objects.get()
        page = client.get(reverse("cases_case", args=["alpha", self.case_a.pk]))
        self.assertContains(page, f'data-notification-id="{notification.pk}"')
        proof = client.get(reverse("cases_notification_proof", args=["alpha", notification.pk]))
        self.assertEqual(proof["Content-Type"], "application/pdf")
        charlie = Client()
        charlie.force_login(self.charlie)
        for slug in ("alpha", "beta"):
            self.assertEqual(
                charlie.get(
                    reverse("cases_notification_proof", args=[slug, notification.pk])
                ).status_code,
                404,
            )

    def test_index_and_eni_export(self) -> None:
        self.signed()
        client = self.login(self.bob)
        index = client.get(reverse("cases_case_index_pdf", args=["alpha", self.case_a.pk]))
        self.assertEqual(index["Content-Type"], "application/pdf")
        export = reverse("cases_case_eni", args=["alpha", self.case_a.pk])
        refused = client.post(export)
        self.assertRedirects(refused, reverse("cases_case", args=["alpha", self.case_a.pk]))
        for status in ("resolved", "closed"):
            services.case_set_status(
                org=self.org_a, actor=self.bob, case=self.case_a, status=status,
                override_reason="Desistiment",
            )  # fmt: skip
        response = client.post(export)
        self.assertEqual(response["Content-Type"], "application/zip")
        charlie = Client()
        charlie.force_login(self.charlie)
        for slug in ("alpha", "beta"):
            self.assertEqual(
                charlie.post(reverse("cases_case_eni", args=[slug, self.case_a.pk])).status_code,
                404,
            )
            self.assertEqual(
                charlie.get(
                    reverse("cases_case_index_pdf", args=[slug, self.case_a.pk])
                ).status_code,
                404,
            )


class DocumentTemplatePagesTests(CasesTestCase):
    def test_templates_pages_and_isolation(self) -> None:
        from ajunta.cases.models import DocumentTemplate

        client = self.login(self.alice)
        response = client.post(reverse("cases_template_new", args=["alpha"]),
                               {"name": "Requeriment", "document_type": "TD06",
                                "body": "Expedient $case_number", "is_active": "on"})  # fmt: skip
        self.assertRedirects(response, reverse("cases_templates", args=["alpha"]))
        template = DocumentTemplate.objects.get(organization=self.org_a)
        bad = client.post(reverse("cases_template_new", args=["alpha"]),
                          {"name": "Requeriment", "document_type": "TD06", "body": "x"})  # fmt: skip
        self.assertEqual(bad.status_code, 400)
        listing = client.get(reverse("cases_templates", args=["alpha"]))
        self.assertContains(listing, f'data-template-id="{template.pk}"')
        bob = self.login(self.bob)
        self.assertEqual(
            bob.get(reverse("cases_template", args=["alpha", template.pk])).status_code, 200
        )
        self.assertEqual(bob.post(reverse("cases_template", args=["alpha", template.pk]),
                                  {"name": "X", "document_type": "TD06", "body": "x"}).status_code, 403)  # fmt: skip
        action = reverse("cases_case_action", args=["alpha", self.case_a.pk, "generate"])
        response = bob.post(action, {"generate-title": "Req", "generate-template": template.pk})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.case_a.documents.get().document.document_type, "TD06")
        charlie = Client()
        charlie.force_login(self.charlie)
        for slug in ("alpha", "beta"):
            for method in ("get", "post"):
                response = getattr(charlie, method)(
                    reverse("cases_template", args=[slug, template.pk])
                )
                self.assertEqual(response.status_code, 404)
        self.assertEqual(charlie.get(reverse("cases_templates", args=["alpha"])).status_code, 404)
        self.assertNotContains(
            charlie.get(reverse("cases_templates", args=["beta"])), "data-template-id"
        )
