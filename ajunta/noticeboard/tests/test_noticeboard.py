"""The notice board: periods by the business calendar, sealed edicts, the public board, withdrawal
and the sealed certificate of publication at the end of the period."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pypdf
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from ajunta.cases.tests.factories import CasesTestCase
from ajunta.core.documents import document_open
from ajunta.core.integrity import verify_records
from ajunta.core.models import AuditEvent, Role
from ajunta.core.seal import verify_pdf_signature
from ajunta.core.testing import TenantIsolationMixin, api_ids, make_user, speaking
from ajunta.noticeboard import selectors, services
from ajunta.noticeboard.models import Edict

MADRID = ZoneInfo("Europe/Madrid")
# Monday 7 December 2026, 10:00 in Madrid; Tuesday 8 December is a national holiday.
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=MADRID)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


class BoardTestCase(CasesTestCase):
    def setUp(self) -> None:
        super().setUp()
        traveller = time_machine.travel(MONDAY, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def publish(self, org=None, actor=None, **fields) -> Edict:  # type: ignore[no-untyped-def]
        values = {
            "kind": "public_information", "title": "Informació pública del projecte d'obres",
            "body": "Es sotmet a **informació pública** el projecte.",
            "starts_on": MONDAY.date(), "period_days": 5, "period_unit": "business",
        }  # fmt: skip
        values.update(fields)
        return services.edict_publish(org=org or self.org_a, actor=actor or self.bob, **values)


class PeriodTests(BoardTestCase):
    def test_business_days_count_from_the_next_day_and_skip_the_holiday(self) -> None:
        # 5 business days after Monday 7: Wed 9, Thu 10, Fri 11, Mon 14, Tue 15 (8th a holiday).
        edict = self.publish()
        self.assertEqual(edict.ends_on, dt.date(2026, 12, 15))
        # Visible at once (it starts today) until the end of its last day, Madrid time.
        self.assertEqual(edict.visible_from, MONDAY)
        self.assertEqual(edict.visible_until, dt.datetime(2026, 12, 16, tzinfo=MADRID))

    def test_calendar_days_and_a_future_start(self) -> None:
        edict = self.publish(starts_on=dt.date(2026, 12, 10), period_days=5, period_unit="calendar")
        self.assertEqual(edict.ends_on, dt.date(2026, 12, 15))
        self.assertEqual(edict.visible_from, dt.datetime(2026, 12, 10, tzinfo=MADRID))
        self.assertEqual(edict.state(), "scheduled")

    def test_an_explicit_last_day(self) -> None:
        edict = self.publish(period_days=None, ends_on=dt.date(2026, 12, 31))
        self.assertEqual(edict.ends_on, dt.date(2026, 12, 31))

    def test_bad_periods_are_refused_with_nothing_written(self) -> None:
        cases = [
            ({"starts_on": dt.date(2026, 12, 6)}, "starts_on"),
            ({"period_days": None}, "period_days"),
            ({"period_days": 0}, "period_days"),
            ({"period_days": 400}, "period_days"),
            ({"period_days": None, "ends_on": dt.date(2026, 12, 6), "starts_on": MONDAY.date()},
             "ends_on"),
            ({"title": "  "}, "title"),
            ({"kind": "rumour"}, "kind"),
            ({"case": self.case_b}, "case"),
        ]  # fmt: skip
        for fields, field in cases:
            with self.subTest(fields=fields), self.assertRaises(ValidationError) as raised:
                self.publish(**fields)
            self.assertIn(field, raised.exception.message_dict)
        self.assertFalse(Edict.objects.exists())


class SealTests(BoardTestCase):
    def test_numbered_sealed_audited_and_the_database_refuses_changes(self) -> None:
        first, second = self.publish(), self.publish(title="Segon edicte")
        self.assertEqual((first.number, second.number), ("2026/E0001", "2026/E0002"))
        self.assertEqual(len(first.content_hash), 64)
        event = AuditEvent.objects.get(action="noticeboard.edict.publish", object_id=str(first.pk))
        self.assertEqual(event.changes["seals"][0]["sha256"], first.content_hash)
        for statement in (
            "UPDATE noticeboard_edict SET title = 'Altered' WHERE id = %s",
            "UPDATE noticeboard_edict SET ends_on = '2027-01-31' WHERE id = %s",
            "DELETE FROM noticeboard_edict WHERE id = %s",
        ):
            with (
                self.subTest(statement=statement),
                self.assertRaises(DatabaseError),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement, [first.pk])
        first.refresh_from_db()
        self.assertEqual(first.title, "Informació pública del projecte d'obres")
        self.assertTrue(verify_records([self.org_a]).ok)


class PublicBoardTests(BoardTestCase):
    def test_only_edicts_in_force_are_public(self) -> None:
        live = self.publish(title="En vigor")
        later = self.publish(title="Més endavant", starts_on=dt.date(2026, 12, 14))
        withdrawn = self.publish(title="Retirat")
        services.edict_withdraw(
            org=self.org_a, actor=self.alice, edict=withdrawn, reason="Error en el text publicat"
        )
        other = self.publish(org=self.org_b, actor=self.charlie, title="De Beta")
        board = self.client.get("/board/alpha/")
        self.assertContains(board, "En vigor")
        for hidden in ("Més endavant", "Retirat", "De Beta"):
            self.assertNotContains(board, hidden)
        page = self.client.get(f"/board/alpha/{live.pk}/")
        self.assertContains(page, "<strong>informació pública</strong>", html=True)
        for pk in (later.pk, withdrawn.pk, other.pk):
            self.assertEqual(self.client.get(f"/board/alpha/{pk}/").status_code, 404)
        self.assertEqual(self.client.get("/board/nowhere/").status_code, 404)
        index = self.client.get("/board/?q=alpha")
        self.assertContains(index, 'href="/board/alpha/"')
        with time_machine.travel(dt.datetime(2026, 12, 16, 0, 0, 1, tzinfo=MADRID), tick=False):
            self.assertEqual(self.client.get(f"/board/alpha/{live.pk}/").status_code, 404)
            self.assertNotContains(self.client.get("/board/alpha/"), "En vigor")

    def test_the_published_document_is_public_while_in_force(self) -> None:
        from ajunta.cases.tests.factories import pdf_upload

        edict = self.publish(uploaded_file=pdf_upload("Projecte bàsic", name="projecte.pdf"))
        response = self.client.get(f"/board/alpha/{edict.pk}/document/")
        self.assertEqual(response.status_code, 200)
        self.assertIn(b"%PDF", b"".join(response.streaming_content))  # type: ignore[attr-defined]
        with time_machine.travel(dt.datetime(2026, 12, 20, tzinfo=MADRID), tick=False):
            self.assertEqual(self.client.get(f"/board/alpha/{edict.pk}/document/").status_code, 404)


class WithdrawTests(BoardTestCase):
    def test_withdrawal_needs_a_reason_and_only_before_the_end(self) -> None:
        edict = self.publish()
        with self.assertRaises(ValidationError):
            services.edict_withdraw(org=self.org_a, actor=self.alice, edict=edict, reason="no")
        services.edict_withdraw(
            org=self.org_a, actor=self.alice, edict=edict, reason="Substituït per l'edicte 2"
        )
        edict.refresh_from_db()
        self.assertEqual(edict.state(), "withdrawn")
        with self.assertRaises(ValidationError):
            services.edict_withdraw(
                org=self.org_a, actor=self.alice, edict=edict, reason="Una altra vegada, no"
            )
        ended = self.publish()
        with (
            time_machine.travel(dt.datetime(2026, 12, 17, tzinfo=MADRID), tick=False),
            self.assertRaises(ValidationError),
        ):
            services.edict_withdraw(
                org=self.org_a, actor=self.alice, edict=ended, reason="Massa tard per retirar"
            )


@override_settings(SITE_URL="https://ajunta.example.org")
class CertificateTests(BoardTestCase):
    def test_the_certificate_is_issued_at_the_end_and_joins_the_case(self) -> None:
        edict = self.publish(case=self.case_a, reference="Exp. obres")
        with self.assertRaises(ValidationError):
            services.edict_certify(org=self.org_a, actor=self.alice, edict=edict)
        self.assertEqual(services.edicts_certify_due(), 0)
        after = dt.datetime(2026, 12, 16, 0, 5, tzinfo=MADRID)
        with time_machine.travel(after, tick=False):
            out = io.StringIO()
            call_command("noticeboard_certify", stdout=out)
            self.assertIn("1 certificate", out.getvalue())
            self.assertEqual(services.edicts_certify_due(), 0)  # once only
        edict.refresh_from_db()
        certificate = edict.certificate
        assert certificate is not None
        self.assertTrue(certificate.is_registered)
        with document_open(org=self.org_a, document=certificate) as handle:
            text = pdf_text(handle.read())
        for expected in ("2026/E0001", "Exp. obres", self.case_a.number, "10:00:00",
                         edict.content_hash[:20], "https://ajunta.example.org/verify/"):  # fmt: skip
            self.assertIn(expected, text.replace("\n", " "))
        # The verification page finds it by its code; the case file holds the same document.
        verify = self.client.get("/verify/", {"code": certificate.verification_code})
        self.assertEqual(verify.status_code, 200)
        self.assertTrue(self.case_a.documents.filter(document__sha256=certificate.sha256).exists())
        with self.assertRaises(ValidationError):
            services.edict_certify(org=self.org_a, actor=self.alice, edict=edict)

    def test_a_withdrawn_edict_is_certified_with_its_reason(self) -> None:
        edict = self.publish()
        services.edict_withdraw(
            org=self.org_a, actor=self.alice, edict=edict, reason="Error en el text publicat"
        )
        services.edict_certify(org=self.org_a, actor=self.alice, edict=edict)
        with document_open(org=self.org_a, document=edict.certificate) as handle:  # type: ignore[arg-type]
            self.assertIn("Error en el text publicat", pdf_text(handle.read()))

    def test_with_a_seal_the_certificate_is_sealed(self) -> None:
        import shutil
        import tempfile
        from pathlib import Path

        seal_dir = Path(tempfile.mkdtemp(prefix="ajunta-test-seals-"))
        self.addCleanup(shutil.rmtree, seal_dir, ignore_errors=True)
        with override_settings(SEAL_DIR=seal_dir, SEAL_PASSPHRASE="", SEAL_PLATFORM_FALLBACK=True):
            call_command("make_test_seal", "--force", stdout=io.StringIO())
            edict = self.publish()
            with time_machine.travel(dt.datetime(2026, 12, 16, 1, 0, tzinfo=MADRID), tick=False):
                services.edicts_certify_due()
            edict.refresh_from_db()
            with document_open(org=self.org_a, document=edict.certificate) as handle:  # type: ignore[arg-type]
                self.assertTrue(verify_pdf_signature(handle.read()).signed)


class PageTests(BoardTestCase):
    def test_publish_from_a_case_with_the_laws_period(self) -> None:
        client = self.login(self.bob)
        form = client.get(
            f"/o/alpha/noticeboard/new/?kind=public_information&case={self.case_a.number}"
        )
        self.assertContains(form, 'value="20"')
        self.assertContains(form, f'value="{self.case_a.number}"')
        response = client.post("/o/alpha/noticeboard/new/", {
            "kind": "public_information", "title": "Informació pública", "body": "Text.",
            "case_number": self.case_a.number, "starts_on": "2026-12-07", "period_days": "20",
            "period_unit": "business",
        })  # fmt: skip
        edict = Edict.objects.get()
        self.assertRedirects(response, f"/o/alpha/noticeboard/{edict.pk}/")
        self.assertEqual(edict.case, self.case_a)
        page = client.get(f"/o/alpha/noticeboard/{edict.pk}/")
        self.assertContains(page, "2026/E0001")
        self.assertNotContains(page, "Withdraw from the board")  # staff may not withdraw

    def test_errors_in_the_users_language(self) -> None:
        client = speaking(self.login(self.bob), "ca")
        response = client.post("/o/alpha/noticeboard/new/", {
            "kind": "edict", "title": "Edicte", "body": "Text.", "starts_on": "2026-12-01",
            "period_days": "10", "period_unit": "business", "case_number": "2099/999999",
        })  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Cap expedient té aquest número.", status_code=400)
        self.assertFalse(Edict.objects.exists())

    def test_the_secretary_withdraws_in_place(self) -> None:
        edict = self.publish()
        client = self.login(self.alice)
        partial = client.get(f"/o/alpha/noticeboard/{edict.pk}/withdraw/", HTTP_HX_REQUEST="true")
        self.assertContains(partial, 'name="reason"')
        bad = client.post(f"/o/alpha/noticeboard/{edict.pk}/withdraw/", {"reason": "x"})
        self.assertEqual(bad.status_code, 400)
        done = client.post(
            f"/o/alpha/noticeboard/{edict.pk}/withdraw/", {"reason": "Error en la data d'inici"}
        )
        self.assertRedirects(done, f"/o/alpha/noticeboard/{edict.pk}/")
        self.assertEqual(self.login(self.bob).post(
            f"/o/alpha/noticeboard/{edict.pk}/withdraw/", {"reason": "Error en la data d'inici"}
        ).status_code, 403)  # fmt: skip

    def test_the_board_lists_in_constant_queries(self) -> None:
        client = self.login(self.bob)
        self.publish(case=self.case_a)
        client.get("/o/alpha/noticeboard/?state=all")
        with CaptureQueriesContext(connection) as few:
            client.get("/o/alpha/noticeboard/?state=all")
        for n in range(5):
            self.publish(title=f"Edicte {n}", case=self.case_a)
        with CaptureQueriesContext(connection) as many:
            response = client.get("/o/alpha/noticeboard/?state=all")
        self.assertEqual(len(few), len(many))
        self.assertContains(response, "Edicte 4")
        with CaptureQueriesContext(connection) as public:
            Client().get("/board/alpha/")
        self.assertLessEqual(len(public), 4, [q["sql"] for q in public.captured_queries])

    def test_an_elected_member_reads_but_does_not_publish(self) -> None:
        mayor = make_user("mayor", self.org_a, Role.ELECTED_MEMBER)
        client = self.login(mayor)
        self.assertEqual(client.get("/o/alpha/noticeboard/").status_code, 200)
        self.assertEqual(client.get("/o/alpha/noticeboard/new/").status_code, 403)


class ApiTests(TenantIsolationMixin, BoardTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.edict_a = self.publish()
        self.edict_b = self.publish(org=self.org_b, actor=self.charlie)
        self.isolation_ids_a = {str(self.edict_a.pk)}
        self.isolation_ids_b = {str(self.edict_b.pk)}

    def isolation_object_urls(self, slug: str):  # type: ignore[no-untyped-def]
        base = f"/api/v1/o/{slug}/noticeboard/edicts/{self.edict_a.pk}/"
        return [("GET", base), ("GET", f"/o/{slug}/noticeboard/{self.edict_a.pk}/"),
                ("POST", f"{base}certify/")]  # fmt: skip

    def isolation_list_urls(self, slug: str):  # type: ignore[no-untyped-def]
        return [(f"/api/v1/o/{slug}/noticeboard/edicts/", api_ids())]

    def test_publish_withdraw_and_certify(self) -> None:
        api = self.api(self.bob)
        created = api.post("/api/v1/o/alpha/noticeboard/edicts/", {
            "kind": "edict", "title": "Edicte de cobrament", "body": "Text.",
            "starts_on": "2026-12-07", "period_days": 10, "case": self.case_a.number,
        }, format="json")  # fmt: skip
        self.assertEqual(created.status_code, 201, created.content)
        self.assertEqual(created.json()["state"], "in_force")
        self.assertEqual(created.json()["ends_on"], "2026-12-22")
        bad = api.post("/api/v1/o/alpha/noticeboard/edicts/", {
            "kind": "edict", "title": "x", "body": "y", "starts_on": "2026-12-07",
        }, format="json")  # fmt: skip
        self.assertEqual(bad.status_code, 400)
        self.assertIn("period_days", bad.json())
        pk = created.json()["id"]
        self.assertEqual(
            api.post(f"/api/v1/o/alpha/noticeboard/edicts/{pk}/withdraw/",
                     {"reason": "Error de text"}, format="json").status_code, 403,
        )  # fmt: skip
        withdrawn = self.api(self.alice).post(
            f"/api/v1/o/alpha/noticeboard/edicts/{pk}/withdraw/", {"reason": "Error de text"},
            format="json",
        )  # fmt: skip
        self.assertEqual(withdrawn.json()["state"], "withdrawn")
        certified = api.post(f"/api/v1/o/alpha/noticeboard/edicts/{pk}/certify/")
        self.assertEqual(certified.status_code, 200)
        self.assertEqual(len(certified.json()["certificate_code"]), 20)
        listed = api.get("/api/v1/o/alpha/noticeboard/edicts/?state=withdrawn")
        self.assertEqual([row["id"] for row in listed.json()["results"]], [pk])
        self.assertEqual(api.get("/api/v1/o/alpha/noticeboard/edicts/?state=x").status_code, 400)
        self.assertEqual(selectors.edicts(org=self.org_a, state="in_force").count(), 1)
