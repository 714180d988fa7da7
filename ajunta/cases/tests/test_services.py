"""Rules of the case services: numbering, deadlines (art. 30), status flow, documents, decrees."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from ajunta.cases import selectors, services
from ajunta.cases.models import Case, CaseDocument, CaseStatus, Decree, DecreeStatus, Procedure
from ajunta.cases.tests.factories import PARTY, CasesTestCase, make_case, pdf_upload
from ajunta.core.models import AuditEvent, LocalHoliday, Role
from ajunta.core.testing import make_org, make_user
from ajunta.registry import services as registry_services


class NumberingTests(CasesTestCase):
    def test_cases_get_consecutive_numbers_per_year(self) -> None:
        year = self.case_a.year
        self.assertEqual(self.case_a.number, f"{year}/000001")
        second = make_case(self.org_a, self.alice, self.procedure_a)
        self.assertEqual(second.number, f"{year}/000002")
        self.assertEqual(self.case_b.number, f"{year}/000001")  # B has its own series

    def test_refused_case_consumes_no_number(self) -> None:
        with self.assertRaises(ValidationError):
            make_case(self.org_a, self.alice, self.procedure_a, subject=" ")
        bad = {**PARTY, "id_number": "12345678A"}
        with self.assertRaises(ValidationError) as caught:
            make_case(self.org_a, self.alice, self.procedure_a, parties=[bad])
        self.assertIn("parties[0].id_number", caught.exception.message_dict)
        self.assertEqual(make_case(self.org_a, self.alice, self.procedure_a).sequence, 2)
        self.assertEqual(Case.objects.filter(organization=self.org_a).count(), 2)

    def test_number_format_is_configurable(self) -> None:
        services.cases_settings_set(
            org=self.org_a, actor=self.alice, number_format="EXP-{year}-{seq:04d}"
        )
        case = make_case(self.org_a, self.alice, self.procedure_a)
        self.assertEqual(case.number, f"EXP-{case.year}-0002")
        for bad in ("{seq}", "{year}/{seq}/{seq}", "{year}/{seq!r}", "{year}/{other}", "{"):
            with self.subTest(bad=bad), self.assertRaises(ValidationError):
                services.cases_settings_set(org=self.org_a, actor=self.alice, number_format=bad)

    def test_every_write_is_audited(self) -> None:
        actions = set(
            AuditEvent.objects.filter(organization=self.org_a).values_list("action", flat=True)
        )
        self.assertTrue({"cases.procedure.create", "cases.case.open"} <= actions)


class DeadlineTests(CasesTestCase):
    def test_deadline_from_registry_entry_counts_business_days_with_local_holidays(self) -> None:
        # Filed on Friday 2026-06-05; 10 business days; Monday 2026-06-08 is a local holiday.
        LocalHoliday.objects.create(organization=self.org_a, date=dt.date(2026, 6, 8), name="Festa")
        filed = dt.datetime(2026, 6, 5, 10, 0, tzinfo=dt.UTC)
        with mock.patch("django.utils.timezone.now", return_value=filed):
            entry = registry_services.registry_entry_create(
                org=self.org_a, actor=self.bob, direction="in", channel="electronic",
                epigraph="Sol·licitud", summary="Llicència d'obres", parties=[PARTY],
            )  # fmt: skip
        case = services.case_open_from_entry(
            org=self.org_a, actor=self.bob, entry=entry, procedure=self.procedure_a
        )
        self.assertEqual(case.start_date, dt.date(2026, 6, 5))
        # 9..12 (4, Monday 8 excluded), 15..19 (5), 22 (1): the tenth business day.
        self.assertEqual(case.due_date, dt.date(2026, 6, 22))
        self.assertEqual([p.id_number for p in case.parties.all()], ["12345678Z"])
        self.assertEqual(case.subject, "Llicència d'obres")
        self.assertEqual(case.origin_entry, entry)

    def test_months_run_date_to_date(self) -> None:
        procedure = services.procedure_create(
            org=self.org_a, actor=self.alice, code="M", name="Mesos", deadline_value=3,
            deadline_unit="months",
        )  # fmt: skip
        due = services.compute_due_date(self.org_a, dt.date(2026, 11, 30), 3, "months")
        self.assertEqual(due, dt.date(2027, 3, 1))  # 28 Feb 2027 is a Sunday
        self.assertIsNotNone(make_case(self.org_a, self.alice, procedure).due_date)

    def test_signal(self) -> None:
        case = self.case_a
        case.due_date = dt.date(2026, 6, 10)
        self.assertEqual(selectors.deadline_signal(case, dt.date(2026, 6, 12)).state, "overdue")
        self.assertEqual(selectors.deadline_signal(case, dt.date(2026, 6, 12)).overdue_days, 2)
        self.assertEqual(selectors.deadline_signal(case, dt.date(2026, 6, 10)).state, "today")
        self.assertEqual(selectors.deadline_signal(case, dt.date(2026, 6, 5)).state, "soon")
        self.assertEqual(selectors.deadline_signal(case, dt.date(2026, 5, 1)).state, "ok")

    def test_suspend_and_resume_move_the_due_date(self) -> None:
        case = self.case_a
        case.due_date = dt.date(2026, 6, 22)
        case.save(update_fields=["due_date"])
        services.case_suspend(org=self.org_a, actor=self.bob, case=case, reason="Esmena",
                              day=dt.date(2026, 6, 10))  # fmt: skip
        self.assertEqual(case.status, CaseStatus.SUSPENDED)
        with self.assertRaises(ValidationError):
            services.case_suspend(org=self.org_a, actor=self.bob, case=case, reason="again")
        services.case_resume(org=self.org_a, actor=self.bob, case=case, reason="Esmenat",
                             day=dt.date(2026, 6, 17))  # fmt: skip
        self.assertEqual(case.status, CaseStatus.OPEN)
        self.assertEqual(case.due_date, dt.date(2026, 6, 29))  # +7 days
        kinds = list(case.deadline_events.values_list("kind", flat=True))
        self.assertEqual(kinds, ["suspend", "resume"])

    def test_reason_is_required(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            services.case_suspend(org=self.org_a, actor=self.bob, case=self.case_a, reason=" ")
        self.assertIn("reason", caught.exception.message_dict)

    def test_extension_at_most_half_and_once(self) -> None:
        case = self.case_a
        with self.assertRaises(ValidationError):
            services.case_extend(org=self.org_a, actor=self.bob, case=case, reason="r", amount=6)
        before = case.due_date
        services.case_extend(org=self.org_a, actor=self.bob, case=case, reason="Informe", amount=5)
        self.assertGreater(case.due_date, before)
        self.assertTrue(case.extended)
        with self.assertRaises(ValidationError):
            services.case_extend(org=self.org_a, actor=self.bob, case=case, reason="r", amount=1)


class FlowTests(CasesTestCase):
    def test_phases_follow_the_procedure(self) -> None:
        case = self.case_a
        self.assertEqual(case.phase, "inici")
        with self.assertRaises(ValidationError):
            services.case_change_phase(org=self.org_a, actor=self.bob, case=case, phase="resolucio")
        services.case_change_phase(org=self.org_a, actor=self.bob, case=case, phase="instruccio")
        self.assertEqual(case.phase, "instruccio")

    def test_status_flow_never_goes_back(self) -> None:
        case = self.case_a
        with self.assertRaises(ValidationError):
            services.case_set_status(org=self.org_a, actor=self.bob, case=case, status="closed")
        for status in ("resolved", "closed", "archived"):
            services.case_set_status(org=self.org_a, actor=self.bob, case=case, status=status,
                                     override_reason="Desistiment")  # fmt: skip
        self.assertIsNotNone(case.archived_at)
        with self.assertRaises(ValidationError):
            services.case_party_add(org=self.org_a, actor=self.bob, case=case, **PARTY)

    def test_cases_and_tasks_go_only_to_people_of_the_organization(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            make_case(self.org_a, self.alice, self.procedure_a, responsible=self.charlie)
        self.assertIn("responsible", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            services.case_assign(org=self.org_a, actor=self.alice, case=self.case_a,
                                 responsible=self.charlie)  # fmt: skip
        with self.assertRaises(ValidationError):
            services.task_create(org=self.org_a, actor=self.alice, case=self.case_a, title="T",
                                 assignee=self.charlie)  # fmt: skip

    def test_another_organizations_case_is_refused(self) -> None:
        with self.assertRaises(Case.DoesNotExist):
            services.case_suspend(org=self.org_a, actor=self.alice, case=self.case_b, reason="x")
        with self.assertRaises(Case.DoesNotExist):
            services.case_relate(
                org=self.org_a, actor=self.alice, case=self.case_a, other=self.case_b
            )

    def test_procedure_templates_are_adopted_as_copies(self) -> None:
        provider = make_org("consorci", kind="consortium", is_provider=True)
        admin = make_user("pa", provider, Role.PROVIDER_ADMIN)
        template = services.procedure_create(
            org=provider, actor=admin, code="T-1", name="Plantilla", is_template=True,
            deadline_value=3, deadline_unit="months",
        )  # fmt: skip
        self.assertEqual(list(selectors.procedure_templates()), [template])
        with self.assertRaises(ValidationError):
            services.procedure_create(org=self.org_a, actor=self.alice, code="X", name="X",
                                      is_template=True)  # fmt: skip
        copy = services.procedure_adopt(org=self.org_a, actor=self.alice, template=template)
        self.assertEqual(
            (copy.organization, copy.code, copy.deadline_value), (self.org_a, "T-1", 3)
        )
        self.assertFalse(copy.is_template)
        with self.assertRaises(ValidationError):  # the code is taken now
            services.procedure_adopt(org=self.org_a, actor=self.alice, template=template)
        with self.assertRaises(Procedure.DoesNotExist):
            services.procedure_adopt(org=self.org_b, actor=self.charlie, template=self.procedure_a)


class DocumentTests(CasesTestCase):
    def test_versions_until_signed_then_immutable(self) -> None:
        row = services.case_document_add(
            org=self.org_a, actor=self.bob, case=self.case_a, uploaded_file=pdf_upload(),
            title="Informe", document_type="TD13",
        )  # fmt: skip
        self.assertEqual((row.position, row.version), (1, 1))
        services.case_document_new_version(
            org=self.org_a, actor=self.bob, case_document=row, uploaded_file=pdf_upload("v2")
        )
        self.assertEqual(row.version, 2)
        services.case_document_sign(org=self.org_a, actor=self.alice, case_document=row)
        row.refresh_from_db()
        self.assertTrue(row.is_signed)
        self.assertEqual(row.version, 3)
        self.assertTrue(row.document.is_registered)
        self.assertEqual(row.document.document_type, "TD13")
        with self.assertRaises(ValidationError):
            services.case_document_new_version(
                org=self.org_a, actor=self.bob, case_document=row, uploaded_file=pdf_upload("v4")
            )
        with self.assertRaises(ValidationError):
            services.case_document_sign(org=self.org_a, actor=self.alice, case_document=row)

    def test_only_pdfs_are_signed(self) -> None:
        text = SimpleUploadedFile("nota.txt", b"una nota")
        row = services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                          uploaded_file=text)  # fmt: skip
        with self.assertRaises(ValidationError):
            services.case_document_sign(org=self.org_a, actor=self.alice, case_document=row)

    def test_refused_upload_writes_nothing(self) -> None:
        html = SimpleUploadedFile("x.html", b"<!doctype html><script>alert(1)</script>")
        with self.assertRaises(ValidationError):
            services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                       uploaded_file=html)  # fmt: skip
        self.assertFalse(CaseDocument.objects.exists())

    def test_generated_document_merges_fields(self) -> None:
        row = services.case_document_generate(
            org=self.org_a, actor=self.bob, case=self.case_a, title="Requeriment",
            template_text="Expedient $case_number: $party_name",
        )  # fmt: skip
        self.assertEqual(row.document.content_type, "application/pdf")
        with self.assertRaises(ValidationError) as caught:
            services.case_document_generate(org=self.org_a, actor=self.bob, case=self.case_a,
                                            title="X", template_text="$unknown")  # fmt: skip
        self.assertIn("template_text", caught.exception.message_dict)
        self.assertEqual(CaseDocument.objects.count(), 1)

    def test_positions_follow_the_index(self) -> None:
        for n in range(3):
            services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                       uploaded_file=pdf_upload(f"doc {n}"))  # fmt: skip
        positions = list(self.case_a.documents.values_list("position", flat=True))
        self.assertEqual(positions, [1, 2, 3])


class TaskTests(CasesTestCase):
    def test_my_tasks_and_overdue(self) -> None:
        task = services.task_create(org=self.org_a, actor=self.alice, case=self.case_a,
                                    title="Informe tècnic", assignee=self.bob,
                                    due_date=dt.date(2026, 1, 2))  # fmt: skip
        self.assertEqual(list(selectors.tasks(org=self.org_a, assignee=self.bob)), [task])
        self.assertEqual(
            list(selectors.overdue_tasks(org=self.org_a, today=dt.date(2026, 1, 3))), [task]
        )
        self.assertEqual(list(selectors.tasks(org=self.org_b)), [])
        services.task_complete(org=self.org_a, actor=self.bob, task=task)
        self.assertEqual(
            list(selectors.overdue_tasks(org=self.org_a, today=dt.date(2026, 1, 3))), []
        )
        with self.assertRaises(ValidationError):
            services.task_complete(org=self.org_a, actor=self.bob, task=task)

    def test_alerts_mail_the_responsible_and_the_assignee(self) -> None:
        from django.core import mail

        services.task_create(org=self.org_a, actor=self.alice, case=self.case_a, title="T",
                             assignee=self.alice, due_date=dt.date(2026, 1, 2))  # fmt: skip
        future = self.case_a.due_date + dt.timedelta(days=1)
        sent = services.alerts_send(org=self.org_a, today=max(future, dt.date(2026, 1, 3)))
        self.assertEqual(sent, 2)
        self.assertEqual({m.to[0] for m in mail.outbox}, {"bob@example.org", "alice@example.org"})


class DecreeTests(CasesTestCase):
    def test_signed_and_noted_decree_gets_its_number_and_joins_the_case(self) -> None:
        decree = services.decree_create(org=self.org_a, actor=self.bob, title="Concessió",
                                        body="RESOLC concedir la llicència.", case=self.case_a)  # fmt: skip
        with self.assertRaises(ValidationError):
            services.decree_take_note(org=self.org_a, actor=self.alice, decree=decree)
        services.decree_sign(org=self.org_a, actor=self.bob, decree=decree)
        self.assertEqual(decree.status, DecreeStatus.SIGNED)
        self.assertEqual(decree.number, "")
        with self.assertRaises(ValidationError):  # the signer cannot take note of it too
            services.decree_take_note(org=self.org_a, actor=self.bob, decree=decree)
        services.decree_take_note(org=self.org_a, actor=self.alice, decree=decree)
        decree.refresh_from_db()
        self.assertEqual(decree.number, f"{decree.year}/0001")
        self.assertTrue(decree.document.is_registered)
        row = self.case_a.documents.get()
        self.assertTrue(row.is_signed)
        self.assertEqual(row.document, decree.document)
        book = selectors.decree_book(org=self.org_a)
        self.assertEqual(list(book), [decree])
        self.assertEqual(list(selectors.decree_book(org=self.org_b)), [])

    def test_a_failed_take_note_returns_the_number(self) -> None:
        decree = services.decree_create(org=self.org_a, actor=self.bob, title="A", body="B")
        services.decree_sign(org=self.org_a, actor=self.bob, decree=decree)
        with mock.patch("ajunta.cases.services.pdfs.decree_pdf", side_effect=RuntimeError), \
                self.assertRaises(RuntimeError):  # fmt: skip
            services.decree_take_note(org=self.org_a, actor=self.alice, decree=decree)
        decree = Decree.objects.get(pk=decree.pk)
        self.assertEqual(decree.status, DecreeStatus.SIGNED)
        services.decree_take_note(org=self.org_a, actor=self.alice, decree=decree)
        self.assertEqual(decree.sequence, 1)


class DocumentTemplateTests(CasesTestCase):
    def test_generate_from_a_template(self) -> None:
        template = services.document_template_save(
            org=self.org_a, actor=self.alice, name="Requeriment", document_type="TD06",
            body="Expedient $case_number: $party_name, aporteu la documentació.",
        )  # fmt: skip
        row = services.case_document_generate(org=self.org_a, actor=self.bob, case=self.case_a,
                                              title="Requeriment", template=template)  # fmt: skip
        self.assertEqual(row.document.document_type, "TD06")
        with self.assertRaises(ValidationError):
            services.document_template_save(org=self.org_a, actor=self.alice, name="Requeriment",
                                            body="Un altre")  # fmt: skip
        with self.assertRaises(ValidationError) as caught:
            services.document_template_save(org=self.org_a, actor=self.alice, name="X",
                                            body="$nope")  # fmt: skip
        self.assertIn("body", caught.exception.message_dict)
        other = services.document_template_save(org=self.org_b, actor=self.charlie, name="B",
                                                 body="B")  # fmt: skip
        with self.assertRaises(type(other).DoesNotExist):
            services.case_document_generate(org=self.org_a, actor=self.bob, case=self.case_a,
                                            title="X", template=other)  # fmt: skip
