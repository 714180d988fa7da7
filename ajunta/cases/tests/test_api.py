"""Case API: tenancy on every endpoint, 400 on bad input with nothing written, query counts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from ajunta.cases import services
from ajunta.cases.models import Case, CaseDocument, Decree, Procedure
from ajunta.cases.tests.factories import PARTY, CasesTestCase, make_case, pdf_upload
from ajunta.core.models import Role
from ajunta.core.testing import TenantIsolationMixin, api_ids, make_org, make_user
from ajunta.core.testing_archives import HOSTILE_UPLOADS

BASE = "/api/v1/o/{slug}/cases"


def url(slug: str, path: str) -> str:
    return BASE.format(slug=slug) + path


class CaseApiIsolationTests(TenantIsolationMixin, CasesTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.task_a = services.task_create(org=cls.org_a, actor=cls.alice, case=cls.case_a,
                                          title="Informe", assignee=cls.alice)  # fmt: skip
        cls.task_b = services.task_create(org=cls.org_b, actor=cls.charlie, case=cls.case_b,
                                          title="Informe B", assignee=cls.charlie)  # fmt: skip
        cls.decree_a = services.decree_create(org=cls.org_a, actor=cls.bob, title="A", body="T")
        cls.decree_b = services.decree_create(org=cls.org_b, actor=cls.charlie, title="B", body="T")
        cls.isolation_ids_a = {str(cls.case_a.pk)}
        cls.isolation_ids_b = {str(cls.case_b.pk)}

    def setUp(self) -> None:
        super().setUp()
        self.doc_a = services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                                uploaded_file=pdf_upload())  # fmt: skip

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        case, doc = self.case_a.pk, self.doc_a.pk
        found = [("GET", url(slug, f"/files/{case}/"))]
        found += [("POST", url(slug, f"/files/{case}/{a}/")) for a in (
            "phase", "suspend", "resume", "extend", "status", "parties", "relate", "tasks", "documents",
        )]  # fmt: skip
        found += [
            ("GET", url(slug, f"/files/{case}/documents/{doc}/")),
            ("GET", url(slug, f"/files/{case}/documents/{doc}/download/")),
            ("POST", url(slug, f"/files/{case}/documents/{doc}/versions/")),
            ("POST", url(slug, f"/files/{case}/documents/{doc}/visibility/")),
            ("POST", url(slug, f"/files/{case}/documents/{doc}/sign/")),
            ("GET", url(slug, f"/procedures/{self.procedure_a.pk}/")),
            ("PATCH", url(slug, f"/procedures/{self.procedure_a.pk}/")),
            ("GET", url(slug, f"/tasks/{self.task_a.pk}/")),
            ("POST", url(slug, f"/tasks/{self.task_a.pk}/complete/")),
            ("GET", url(slug, f"/decrees/{self.decree_a.pk}/")),
            ("POST", url(slug, f"/decrees/{self.decree_a.pk}/sign/")),
            ("POST", url(slug, f"/decrees/{self.decree_a.pk}/take-note/")),
            ("GET", url(slug, f"/decrees/{self.decree_a.pk}/pdf/")),
        ]
        return found

    def isolation_list_urls(self, slug: str) -> list[tuple[str, Any]]:
        return [
            (url(slug, "/files/"), api_ids()),
            (url(slug, "/files/?q=reforma"), api_ids()),
            (url(slug, "/files/?party=12345678Z"), api_ids()),
            (url(slug, "/tasks/"), lambda r: {str(self.case_a.pk)} if any(
                row["id"] == self.task_a.pk for row in r.json()["results"]) else set()),
        ]  # fmt: skip

    def test_other_lists_never_show_b(self) -> None:
        api = self.api(self.alice)
        procedures = {row["id"] for row in api.get(url("alpha", "/procedures/")).json()["results"]}
        self.assertEqual(procedures, {self.procedure_a.pk})
        decrees = {row["id"] for row in api.get(url("alpha", "/decrees/")).json()["results"]}
        self.assertEqual(decrees, {self.decree_a.pk})
        tasks = {row["id"] for row in api.get(url("alpha", "/tasks/")).json()["results"]}
        self.assertEqual(tasks, {self.task_a.pk})

    def test_every_list_of_a_is_404_for_charlie(self) -> None:
        charlie = self.api(self.charlie)
        for path in ("/files/", "/procedures/", "/procedure-templates/", "/tasks/",
                     "/notifications/", "/decrees/", "/decrees/book-pdf/"):  # fmt: skip
            self.assertEqual(charlie.get(url("alpha", path)).status_code, 404, path)
        self.assertEqual(charlie.post(url("alpha", "/files/"), {}, format="json").status_code, 404)

    def test_permissions(self) -> None:
        member = make_user("regidor", self.org_a, Role.ELECTED_MEMBER)
        self.assertEqual(self.api(member).get(url("alpha", "/files/")).status_code, 403)
        self.assertEqual(self.api(member).get(url("alpha", "/decrees/")).status_code, 200)
        self.assertEqual(
            self.api(self.bob)
            .post(url("alpha", f"/files/{self.case_a.pk}/documents/{self.doc_a.pk}/sign/"))
            .status_code,
            403,
        )
        self.assertEqual(
            self.api(self.bob)
            .post(url("alpha", f"/decrees/{self.decree_a.pk}/take-note/"))
            .status_code,
            403,
        )
        self.assertIn(self.api(None).get(url("alpha", "/files/")).status_code, (401, 403))


class CaseApiTests(CasesTestCase):
    def test_open_a_case_with_parties_and_from_an_entry(self) -> None:
        from ajunta.registry import services as registry_services

        api = self.api(self.bob)
        response = api.post(url("alpha", "/files/"), {
            "procedure": self.procedure_a.pk, "subject": "Gual", "parties": [PARTY],
            "responsible": self.bob.pk,
        }, format="json")  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["parties"][0]["id_number"], "12345678Z")
        self.assertEqual(body["responsible"], "bob")
        self.assertEqual(body["deadline"]["state"], "ok")
        entry = registry_services.registry_entry_create(
            org=self.org_a, actor=self.bob, direction="in", channel="electronic",
            epigraph="Instància", summary="Sol·licitud de gual", parties=[PARTY],
        )  # fmt: skip
        before = Case.objects.count()
        refused = api.post(url("alpha", "/files/"), {
            "procedure": self.procedure_a.pk, "origin_entry": entry.number,
            "parties": [{**PARTY, "id_number": "12345678A"}],
        }, format="json")  # fmt: skip
        self.assertEqual(refused.status_code, 400)
        self.assertIn("parties[1].id_number", refused.json())
        self.assertEqual(Case.objects.count(), before)
        response = api.post(url("alpha", "/files/"), {
            "procedure": self.procedure_a.pk, "origin_entry": entry.number,
        }, format="json")  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["origin_entry"], entry.number)
        self.assertEqual(response.json()["subject"], "Sol·licitud de gual")

    def test_bad_input_is_400_and_writes_nothing(self) -> None:
        api = self.api(self.bob)
        before = Case.objects.count()
        bad = [
            {"procedure": self.procedure_b.pk, "subject": "X"},
            {"procedure": self.procedure_a.pk, "subject": ""},
            {"procedure": self.procedure_a.pk, "subject": "X", "origin_entry": "NOPE"},
            {
                "procedure": self.procedure_a.pk,
                "subject": "X",
                "parties": [{**PARTY, "id_number": "1"}],
            },
            {"procedure": self.procedure_a.pk, "subject": "X", "responsible": self.charlie.pk},
            {"procedure": "x"},
        ]
        for body in bad:
            with self.subTest(body=body):
                response = api.post(url("alpha", "/files/"), body, format="json")
                self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(Case.objects.count(), before)
        self.assertEqual(api.get(url("alpha", "/files/?status=bogus")).status_code, 400)
        case = self.case_a.pk
        for action, body in [
            ("extend", {"amount": 99, "reason": "r"}),
            ("extend", {"amount": "x"}),
            ("suspend", {"reason": ""}),
            ("phase", {"phase": "resolucio"}),
            ("status", {"status": "archived"}),
            ("status", {"status": "bogus"}),
            ("relate", {"number": "nope"}),
            ("tasks", {"title": "T", "assignee": self.charlie.pk}),
            ("resume", {"reason": "r"}),
        ]:
            with self.subTest(action=action, body=body):
                response = api.post(url("alpha", f"/files/{case}/{action}/"), body, format="json")
                self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(api.post(url("alpha", "/decrees/"), {"title": "T", "body": "B", "case": "nope"},
                                  format="json").status_code, 400)  # fmt: skip
        self.assertEqual(api.get(url("alpha", "/decrees/?book=1&from=nope")).status_code, 400)

    def test_case_actions(self) -> None:
        api = self.api(self.bob)
        case = self.case_a.pk
        steps = [
            ("phase", {"phase": "instruccio"}),
            ("suspend", {"reason": "Esmena", "day": "2026-06-10"}),
            ("resume", {"reason": "Esmenat", "day": "2026-06-12"}),
            ("extend", {"amount": 2, "reason": "Informe"}),
            ("parties", {**PARTY, "id_number": "87654321X"}),
            ("tasks", {"title": "Informe", "assignee": self.bob.pk, "due_date": "2026-07-01"}),
            ("relate", {"number": make_case(self.org_a, self.alice, self.procedure_a).number}),
            ("status", {"status": "resolved", "override_reason": "Desistiment"}),
        ]
        for action, body in steps:
            response = api.post(url("alpha", f"/files/{case}/{action}/"), body, format="json")
            self.assertEqual(response.status_code, 200, (action, response.content))
        body = response.json()
        self.assertEqual(body["status"], "resolved")
        self.assertEqual(
            [e["kind"] for e in body["deadline_events"]], ["suspend", "resume", "extend"]
        )
        self.assertEqual(len(body["parties"]), 2)
        self.assertEqual(body["tasks"][0]["title"], "Informe")

    def test_documents(self) -> None:
        api = self.api(self.bob)
        base = url("alpha", f"/files/{self.case_a.pk}/documents/")
        response = api.post(base, {"file": pdf_upload(), "title": "Informe", "document_type": "TD13",
                                   "visibility": "published"}, format="multipart")  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        row = response.json()
        self.assertEqual(
            (row["position"], row["document_type"], row["visibility"]), (1, "TD13", "published")
        )
        bad = api.post(base, {"file": pdf_upload(), "document_type": "TD77"}, format="multipart")
        self.assertEqual(bad.status_code, 400)
        html = api.post(
            base, {"file": _file("x.html", b"<html><script></script></html>")}, format="multipart"
        )
        self.assertEqual(html.status_code, 400)
        self.assertEqual(CaseDocument.objects.count(), 1)
        for name, content in HOSTILE_UPLOADS.items():
            with self.subTest(name=name):
                hostile = api.post(base, {"file": _file(name, content)}, format="multipart")
                self.assertEqual(hostile.status_code, 400)
                self.assertIn("file", hostile.json())
        self.assertEqual(CaseDocument.objects.count(), 1)
        doc = f"{base}{row['id']}/"
        self.assertEqual(
            api.post(doc + "versions/", {"file": pdf_upload("v2")}, format="multipart").status_code,
            200,
        )
        self.assertEqual(
            api.post(doc + "visibility/", {"visibility": "internal"}, format="json").status_code,
            200,
        )
        signed = self.api(self.alice).post(doc + "sign/")
        self.assertEqual(signed.status_code, 200, signed.content)
        self.assertEqual(signed.json()["version"], 3)
        self.assertIsNotNone(signed.json()["signed_at"])
        self.assertEqual(
            api.post(doc + "versions/", {"file": pdf_upload("v4")}, format="multipart").status_code,
            400,
        )
        download = api.get(doc + "download/")
        self.assertEqual(download.status_code, 200)
        self.assertEqual(api.get(doc).json()["sha256"], signed.json()["sha256"])

    def test_procedures_and_templates(self) -> None:
        provider = make_org("consorci", kind="consortium", is_provider=True)
        padmin = make_user("padmin", provider, Role.PROVIDER_ADMIN)
        from ajunta.core.testing import verify_mfa

        provider_api = self.api(padmin)
        verify_mfa(self.client, padmin)
        response = provider_api.post(url("consorci", "/procedures/"), {
            "code": "T-1", "name": "Plantilla", "is_template": True, "deadline_value": 3,
            "deadline_unit": "months", "phases": [{"code": "a", "name": "A", "next": ["b"]}, {"code": "b"}],
        }, format="json")  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        template_id = response.json()["id"]
        api = self.api(self.alice)
        templates = api.get(url("alpha", "/procedure-templates/")).json()["results"]
        self.assertEqual([t["id"] for t in templates], [template_id])
        adopted = api.post(
            url("alpha", f"/procedure-templates/{template_id}/adopt/"), {}, format="json"
        )
        self.assertEqual(adopted.status_code, 201, adopted.content)
        self.assertEqual(adopted.json()["adopted_from"], template_id)
        again = api.post(
            url("alpha", f"/procedure-templates/{template_id}/adopt/"), {}, format="json"
        )
        self.assertEqual(again.status_code, 400)
        self.assertEqual(api.post(url("alpha", f"/procedure-templates/{self.procedure_b.pk}/adopt/"),
                                  {}, format="json").status_code, 404)  # fmt: skip
        patched = api.patch(url("alpha", f"/procedures/{self.procedure_a.pk}/"), {"deadline_value": 20},
                            format="json")  # fmt: skip
        self.assertEqual(patched.json()["deadline_value"], 20)
        bad = api.patch(url("alpha", f"/procedures/{self.procedure_a.pk}/"),
                        {"phases": [{"code": "a", "next": ["zz"]}]}, format="json")  # fmt: skip
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(api.post(url("alpha", "/procedures/"), {"code": "X", "name": "X", "is_template": True},
                                  format="json").status_code, 400)  # fmt: skip
        self.assertEqual(self.api(self.bob).post(url("alpha", "/procedures/"), {"code": "Y", "name": "Y"},
                                                 format="json").status_code, 403)  # fmt: skip
        self.assertFalse(Procedure.objects.filter(code__in=["X", "Y"]).exists())

    def test_decrees_flow_and_book(self) -> None:
        mayor = make_user("alcalde", self.org_a, Role.ELECTED_MEMBER)
        created = self.api(self.bob).post(url("alpha", "/decrees/"), {
            "title": "Concessió", "body": "RESOLC", "case": self.case_a.number}, format="json")  # fmt: skip
        self.assertEqual(created.status_code, 201, created.content)
        pk = created.json()["id"]
        self.assertEqual(
            self.api(mayor).post(url("alpha", f"/decrees/{pk}/sign/")).status_code, 200
        )
        noted = self.api(self.alice).post(url("alpha", f"/decrees/{pk}/take-note/"))
        self.assertEqual(noted.status_code, 200, noted.content)
        number = noted.json()["number"]
        self.assertEqual(number, f"{dt.date.today().year}/0001")
        again = self.api(self.alice).post(url("alpha", f"/decrees/{pk}/take-note/"))
        self.assertEqual(again.status_code, 400)
        book = self.api(self.alice).get(url("alpha", "/decrees/?book=1")).json()["results"]
        self.assertEqual([d["number"] for d in book], [number])
        pdf = self.api(self.alice).get(url("alpha", "/decrees/book-pdf/"))
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertEqual(
            self.api(self.alice).get(url("alpha", f"/decrees/{pk}/pdf/")).status_code, 200
        )
        self.assertEqual(Decree.objects.get(pk=pk).case, self.case_a)

    def test_long_lists_cap_their_count(self) -> None:
        from unittest import mock

        for _n in range(3):
            make_case(self.org_a, self.alice, self.procedure_a)
        api = self.api(self.bob)
        body = api.get(url("alpha", "/files/")).json()
        self.assertEqual((body["count"], body["count_capped"]), (4, False))
        with mock.patch("ajunta.core.pagination.COUNT_CAP", 2):
            body = api.get(url("alpha", "/files/")).json()
            self.assertEqual((body["count"], body["count_capped"]), (3, True))
            page = self.login(self.bob).get("/o/alpha/cases/")
            self.assertContains(page, "data-count-capped")

    def test_overdue_filter(self) -> None:
        late = make_case(self.org_a, self.alice, self.procedure_a)
        Case.objects.filter(pk=late.pk).update(due_date=dt.date(2020, 1, 2))
        Case.objects.filter(pk=self.case_b.pk).update(due_date=dt.date(2020, 1, 2))
        rows = self.api(self.bob).get(url("alpha", "/files/?overdue=1")).json()["results"]
        self.assertEqual([row["id"] for row in rows], [late.pk])
        self.assertEqual(rows[0]["deadline"]["state"], "overdue")
        page = self.login(self.bob).get("/o/alpha/cases/?overdue=on")
        self.assertContains(page, f'data-case-id="{late.pk}"')
        self.assertNotContains(page, f'data-case-id="{self.case_a.pk}"')

    def test_list_query_count(self) -> None:
        for _n in range(5):
            make_case(self.org_a, self.alice, self.procedure_a, responsible=self.bob)
        api = self.api(self.bob)
        with self.assertNumQueries(3):  # roles, count, rows
            api.get(url("alpha", "/files/"))
        for _n in range(5):
            make_case(self.org_a, self.alice, self.procedure_a, responsible=self.alice)
        with self.assertNumQueries(3):
            response = api.get(url("alpha", "/files/"))
        self.assertEqual(response.json()["count"], 11)
        services.task_create(
            org=self.org_a, actor=self.alice, case=self.case_a, title="T", assignee=self.bob
        )
        with self.assertNumQueries(3):
            api.get(url("alpha", "/tasks/?mine=1"))
        services.decree_create(
            org=self.org_a, actor=self.bob, title="D", body="T", case=self.case_a
        )
        with self.assertNumQueries(3):
            api.get(url("alpha", "/decrees/"))

    def test_list_rows_are_what_the_generic_serializer_gives(self) -> None:
        # CaseListSerializer writes its fields out: it must give what DRF's walk over them does.
        from rest_framework import serializers

        from ajunta.cases import selectors
        from ajunta.cases.api import CaseListSerializer

        late = make_case(self.org_a, self.alice, self.procedure_a, subject="Tala")
        Case.objects.filter(pk=late.pk).update(due_date=dt.date(2020, 1, 2), extended=True)
        nobody = make_case(self.org_a, self.alice, self.procedure_a)
        Case.objects.filter(pk=nobody.pk).update(due_date=None, status="closed", phase="inici")
        body = self.api(self.bob).get(url("alpha", "/files/")).json()
        context = {"today": selectors.today_for(self.org_a)}
        serializer = CaseListSerializer(context=context)
        full_rows = selectors.cases(org=self.org_a)
        expected = [
            serializers.ModelSerializer.to_representation(serializer, case) for case in full_rows
        ]
        self.assertEqual(body["results"], json.loads(json.dumps(expected, cls=DjangoJSONEncoder)))
        by_id = {row["id"]: row for row in body["results"]}
        self.assertEqual(by_id[late.pk]["deadline"]["state"], "overdue")
        self.assertEqual(
            (by_id[late.pk]["due_date"], by_id[late.pk]["extended"]), ("2020-01-02", True)
        )
        self.assertEqual(
            (by_id[nobody.pk]["responsible"], by_id[nobody.pk]["due_date"]), (None, None)
        )
        self.assertEqual(by_id[self.case_a.pk]["responsible"], "bob")
        self.assertEqual(by_id[self.case_a.pk]["procedure"], "LLIC-OBRES")

    def test_case_detail_with_fifty_documents_in_few_queries(self) -> None:
        for n in range(50):
            services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                       uploaded_file=pdf_upload(f"doc {n}"))  # fmt: skip
        # roles, case, parties, documents, tasks, deadline events, status events, related cases,
        # decrees, notifications
        with self.assertNumQueries(10):
            response = self.api(self.bob).get(url("alpha", f"/files/{self.case_a.pk}/"))
        self.assertEqual(len(response.json()["documents"]), 50)


def _file(name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


class NotificationAndExportApiTests(CasesTestCase):
    def test_notify_index_export_and_isolation(self) -> None:
        row = services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                         uploaded_file=pdf_upload())  # fmt: skip
        services.case_document_sign(org=self.org_a, actor=self.alice, case_document=row)
        party = self.case_a.parties.get()
        api = self.api(self.bob)
        case_url = url("alpha", f"/files/{self.case_a.pk}/")
        self.assertEqual(api.get(case_url).json()["parties"][0]["id"], party.pk)
        bad = api.post(
            case_url + "notify/",
            {"document": row.pk, "party": self.case_b.parties.get().pk},
            format="json",
        )
        self.assertEqual(bad.status_code, 400)
        sent = api.post(
            case_url + "notify/", {"document": row.pk, "party": party.pk}, format="json"
        )
        self.assertEqual(sent.status_code, 201, sent.content)
        self.assertEqual(sent.json()["status"], "available")
        pk = sent.json()["id"]
        listed = api.get(url("alpha", "/notifications/")).json()["results"]
        self.assertEqual([n["id"] for n in listed], [pk])
        self.assertEqual(
            self.api(self.charlie).get(url("beta", "/notifications/")).json()["results"], []
        )
        proof = api.get(url("alpha", f"/notifications/{pk}/proof/"))
        self.assertEqual(proof["Content-Type"], "application/pdf")
        for slug in ("alpha", "beta"):
            charlie = self.api(self.charlie)
            self.assertEqual(charlie.get(url(slug, f"/notifications/{pk}/")).status_code, 404)
            self.assertEqual(charlie.get(url(slug, f"/notifications/{pk}/proof/")).status_code, 404)
            self.assertEqual(
                charlie.post(url(slug, f"/files/{self.case_a.pk}/notify/"), {}).status_code, 404
            )
            self.assertEqual(
                charlie.get(url(slug, f"/files/{self.case_a.pk}/index-pdf/")).status_code, 404
            )
            self.assertEqual(
                charlie.post(url(slug, f"/files/{self.case_a.pk}/eni-export/")).status_code, 404
            )
        index = api.get(case_url + "index-pdf/")
        self.assertEqual(index["Content-Type"], "application/pdf")
        self.assertEqual(api.post(case_url + "eni-export/").status_code, 400)
        for status in ("resolved", "closed"):
            services.case_set_status(
                org=self.org_a, actor=self.bob, case=self.case_a, status=status,
                override_reason="Desistiment",
            )  # fmt: skip
        export = api.post(case_url + "eni-export/")
        self.assertEqual(export.status_code, 200)
        self.assertEqual(export["Content-Type"], "application/zip")


class DocumentTemplateApiTests(CasesTestCase):
    def test_templates_and_generate(self) -> None:
        api = self.api(self.alice)
        created = api.post(url("alpha", "/document-templates/"),
                           {"name": "Requeriment", "document_type": "TD06", "body": "Exp. $case_number"},
                           format="json")  # fmt: skip
        self.assertEqual(created.status_code, 201, created.content)
        pk = created.json()["id"]
        patched = api.patch(
            url("alpha", f"/document-templates/{pk}/"), {"body": "Nou $subject"}, format="json"
        )
        self.assertEqual(patched.json()["body"], "Nou $subject")
        self.assertEqual(api.patch(url("alpha", f"/document-templates/{pk}/"), {"body": "$x"},
                                   format="json").status_code, 400)  # fmt: skip
        self.assertEqual(self.api(self.bob).post(url("alpha", "/document-templates/"),
                                                 {"name": "Y", "body": "y"}, format="json").status_code, 403)  # fmt: skip
        generated = self.api(self.bob).post(url("alpha", f"/files/{self.case_a.pk}/generate/"),
                                            {"title": "Req", "template": pk}, format="json")  # fmt: skip
        self.assertEqual(generated.status_code, 201, generated.content)
        self.assertEqual(generated.json()["document_type"], "TD06")
        self.assertEqual(self.api(self.bob).post(url("alpha", f"/files/{self.case_a.pk}/generate/"),
                                                 {"title": "Req", "template": 999}, format="json").status_code, 400)  # fmt: skip
        charlie = self.api(self.charlie)
        for slug in ("alpha", "beta"):
            self.assertEqual(charlie.get(url(slug, f"/document-templates/{pk}/")).status_code, 404)
            self.assertEqual(
                charlie.patch(
                    url(slug, f"/document-templates/{pk}/"), {}, format="json"
                ).status_code,
                404,
            )
        self.assertEqual(charlie.get(url("beta", "/document-templates/")).json()["results"], [])
        self.assertEqual(charlie.get(url("alpha", "/document-templates/")).status_code, 404)
