"""Organizations: identifier validation, audited writes, the API and the settings pages."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from ajunta.core import services as core_services
from ajunta.core.audit import chain_key, verify_chain
from ajunta.core.models import AuditEvent, BusinessHours, LocalHoliday, Role
from ajunta.core.testing import TenantTestCase, make_user
from ajunta.core.validators import validate_dir3_code, validate_ine_code
from ajunta.tenants import services
from ajunta.tenants.models import Organization, OrganizationKind

DATA = Path(__file__).resolve().parents[1] / "data"
MANRESA = {
    "name": "Manresa",
    "kind": OrganizationKind.MUNICIPALITY,
    "ine_code": "081136",
    "dir3_code": "L01081136",
    "province_code": "08",
    "autonomous_community_code": "09",
}


def events(org: Organization, action: str = "") -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(organization=org)
    return list(rows.filter(action=action) if action else rows)


class IdentifierValidationTests(TestCase):
    def test_every_catalan_municipality_code_validates(self):
        with open(DATA / "catalunya_municipis_comarques.csv", encoding="utf-8", newline="") as f:
            codes = [row["codi"] for row in csv.DictReader(f)]
        self.assertEqual(len(codes), 947)
        for code in codes:
            with self.subTest(code=code):
                validate_ine_code(code)

    def test_wrong_ine_codes_fail(self):
        for code in ("081137", "08113", "0811366", "08113a", ""):
            with self.subTest(code=code), self.assertRaises(ValidationError):
                validate_ine_code(code)

    def test_dir3_codes(self):
        validate_dir3_code("L01081136")
        for code in ("l01081136", "L0108113", "L01-81136", "L010811366", ""):
            with self.subTest(code=code), self.assertRaises(ValidationError):
                validate_dir3_code(code)

    def test_a_municipalitys_dir3_must_carry_its_own_ine_code(self):
        Organization(slug="manresa", **MANRESA).full_clean()
        org = Organization(slug="manresa", **{**MANRESA, "dir3_code": "L01080018"})
        with self.assertRaises(ValidationError) as caught:
            org.full_clean()
        self.assertIn("dir3_code", caught.exception.message_dict)

    def test_other_bodies_may_use_another_dir3(self):
        Organization(
            slug="ccbages", **{**MANRESA, "kind": OrganizationKind.COUNTY_COUNCIL, "ine_code": ""}
        ).full_clean()

    def test_province_code_must_match_the_ine_code(self):
        org = Organization(slug="manresa", **{**MANRESA, "province_code": "25"})
        with self.assertRaises(ValidationError) as caught:
            org.full_clean()
        self.assertIn("province_code", caught.exception.message_dict)


class OrganizationServiceTests(TenantTestCase):
    def test_create_is_audited_in_the_new_organizations_chain(self):
        org = services.organization_create(actor=self.alice, slug="manresa", **MANRESA)
        [event] = events(org)
        self.assertEqual(event.action, "organization.create")
        self.assertEqual(event.chain, chain_key(org))
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(event.changes["ine_code"], "081136")
        self.assertEqual(event.changes["slug"], "manresa")
        self.assertTrue(verify_chain(chain_key(org)).ok)

    def test_update_records_changed_fields_only(self):
        org = services.organization_update(
            org=self.org_a, actor=self.alice, population=1200, comarca=""
        )
        [event] = events(org, "organization.update")
        self.assertEqual(event.changes, {"population": [None, 1200]})
        org.refresh_from_db()
        self.assertEqual(org.population, 1200)

    def test_update_without_changes_records_nothing(self):
        before = len(events(self.org_a))
        services.organization_update(
            org=self.org_a, actor=self.alice, name=self.org_a.name, population=None
        )
        self.assertEqual(len(events(self.org_a)), before)

    def test_invalid_create_writes_nothing(self):
        orgs, audit = Organization.objects.count(), AuditEvent.objects.count()
        with self.assertRaises(ValidationError):
            services.organization_create(
                actor=self.alice, slug="manresa", **{**MANRESA, "ine_code": "081137"}
            )
        with self.assertRaises(ValidationError):
            services.organization_create(actor=self.alice, slug="alpha", **MANRESA)  # slug taken
        self.assertEqual(Organization.objects.count(), orgs)
        self.assertEqual(AuditEvent.objects.count(), audit)

    def test_invalid_update_writes_nothing(self):
        org = Organization.objects.get(pk=self.org_a.pk)
        with self.assertRaises(ValidationError):
            services.organization_update(org=org, actor=self.alice, ine_code="081137")
        self.org_a.refresh_from_db()
        self.assertEqual(self.org_a.ine_code, "")
        self.assertEqual(events(self.org_a), [])

    def test_unknown_field_is_refused(self):
        with self.assertRaises(ValueError):
            services.organization_update(org=self.org_a, actor=self.alice, slug="other")


class OrganizationAPITests(TenantTestCase):
    url = "/api/v1/o/alpha/"

    def test_staff_can_read(self):
        response = self.api(self.bob).get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["slug"], "alpha")
        self.assertEqual(response.json()["name"], "Ajuntament d'Alpha")

    def test_admin_can_correct_population(self):
        response = self.api(self.alice).patch(
            self.url, {"population": 1500, "population_year": 2024}, format="json"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["population"], 1500)
        self.org_a.refresh_from_db()
        self.assertEqual((self.org_a.population, self.org_a.population_year), (1500, 2024))
        [event] = events(self.org_a, "organization.update")
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(
            event.changes, {"population": [None, 1500], "population_year": [None, 2024]}
        )

    def test_staff_cannot_write(self):
        response = self.api(self.bob).patch(self.url, {"population": 1500}, format="json")
        self.assertEqual(response.status_code, 403)
        self.org_a.refresh_from_db()
        self.assertIsNone(self.org_a.population)

    def test_other_organizations_admin_gets_404(self):
        response = self.api(self.charlie).patch(self.url, {"population": 1500}, format="json")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.api(self.charlie).get(self.url).status_code, 404)
        self.org_a.refresh_from_db()
        self.assertIsNone(self.org_a.population)

    def test_invalid_values_answer_400_and_change_nothing(self):
        for data, field in (
            ({"population": -5}, "population"),
            ({"population_year": "abc"}, "population_year"),
            ({"name": ""}, "name"),
            ({"province_code": "8"}, "province_code"),
        ):
            with self.subTest(data=data):
                response = self.api(self.alice).patch(self.url, data, format="json")
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.json())
        self.org_a.refresh_from_db()
        self.assertIsNone(self.org_a.population)
        self.assertEqual(self.org_a.name, "Ajuntament d'Alpha")
        self.assertEqual(events(self.org_a), [])

    def test_model_validation_answers_400(self):
        Organization.objects.filter(pk=self.org_a.pk).update(ine_code="081136")
        response = self.api(self.alice).patch(self.url, {"province_code": "25"}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("province_code", response.json())
        self.org_a.refresh_from_db()
        self.assertEqual(self.org_a.province_code, "08")

    def test_read_only_fields_are_not_changed(self):
        response = self.api(self.alice).patch(
            self.url,
            {"ine_code": "081136", "dir3_code": "L01081136", "slug": "x", "is_provider": True},
            format="json",
        )
        self.assertEqual(response.status_code, 200)
        self.org_a.refresh_from_db()
        self.assertEqual(
            (self.org_a.ine_code, self.org_a.dir3_code, self.org_a.slug, self.org_a.is_provider),
            ("", "", "alpha", False),
        )
        self.assertEqual(events(self.org_a), [])


class ProfilePageTests(TenantTestCase):
    url = "/o/alpha/profile/"
    valid = {
        "name": "Ajuntament d'Alpha",
        "population": "980",
        "population_year": "2024",
        "comarca": "Bages",
        "language": "ca",
    }

    def test_staff_sees_the_profile_without_a_form(self):
        response = self.login(self.bob).get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertIsNone(response.context["form"])
        self.assertNotContains(response, 'name="population"')
        self.assertContains(response, "Ajuntament d&#x27;Alpha")

    def test_staff_cannot_post(self):
        response = self.login(self.bob).post(self.url, self.valid)
        self.assertEqual(response.status_code, 403)
        self.org_a.refresh_from_db()
        self.assertIsNone(self.org_a.population)

    def test_other_organization_gets_404(self):
        self.assertEqual(self.login(self.charlie).get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url, self.valid).status_code, 404)

    def test_admin_saves_valid_data(self):
        response = self.login(self.alice).post(self.url, self.valid)
        self.assertRedirects(response, self.url)
        self.org_a.refresh_from_db()
        self.assertEqual(
            (self.org_a.population, self.org_a.population_year, self.org_a.comarca),
            (980, 2024, "Bages"),
        )
        [event] = events(self.org_a, "organization.update")
        self.assertEqual(
            event.changes,
            {"population": [None, 980], "population_year": [None, 2024], "comarca": ["", "Bages"]},
        )

    def test_invalid_data_rerenders_with_400(self):
        for field, value in (("population", "-5"), ("population_year", "abc"), ("name", "")):
            with self.subTest(field=field):
                response = self.login(self.alice).post(self.url, {**self.valid, field: value})
                self.assertEqual(response.status_code, 400)
                self.assertIn(field, response.context["form"].errors)
        self.org_a.refresh_from_db()
        self.assertIsNone(self.org_a.population)
        self.assertEqual(events(self.org_a), [])


class CalendarSettingsTests(TenantTestCase):
    url = "/o/alpha/settings/calendar/"
    holiday = {"date": "2026-05-11", "name": "Festa Major", "add_holiday": ""}

    def test_admin_adds_a_local_holiday(self):
        response = self.login(self.alice).post(self.url, self.holiday)
        self.assertRedirects(response, f"{self.url}?year=2026")
        holiday = LocalHoliday.objects.get(organization=self.org_a)
        self.assertEqual((holiday.date, holiday.name), (dt.date(2026, 5, 11), "Festa Major"))
        self.assertContains(self.client.get(f"{self.url}?year=2026"), "Festa Major")
        [event] = events(self.org_a, "calendar.local_holiday.add")
        self.assertEqual(event.changes, {"date": "2026-05-11", "name": "Festa Major"})

    def test_same_date_twice_answers_400_with_a_form_error(self):
        self.login(self.alice).post(self.url, self.holiday)
        response = self.client.post(self.url, {**self.holiday, "name": "Una altra"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("date", response.context["holiday_form"].errors)
        self.assertEqual(LocalHoliday.objects.filter(organization=self.org_a).count(), 1)

    def test_the_same_date_in_another_organization_is_fine(self):
        core_services.local_holiday_add(
            org=self.org_b, actor=self.charlie, date=dt.date(2026, 5, 11), name="Beta"
        )
        response = self.login(self.alice).post(self.url, self.holiday)
        self.assertEqual(response.status_code, 302)

    def test_invalid_holiday_form_answers_400(self):
        for data in ({"date": "not a date", "name": "X"}, {"date": "2026-05-11", "name": "  "}):
            with self.subTest(data=data):
                response = self.login(self.alice).post(self.url, data)
                self.assertEqual(response.status_code, 400)
        self.assertFalse(LocalHoliday.objects.filter(organization=self.org_a).exists())

    def test_staff_sees_but_cannot_add(self):
        response = self.login(self.bob).get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(response.context["can_edit"])
        self.assertEqual(self.client.post(self.url, self.holiday).status_code, 403)
        self.assertFalse(LocalHoliday.objects.filter(organization=self.org_a).exists())

    def test_other_organization_gets_404(self):
        self.assertEqual(self.login(self.charlie).post(self.url, self.holiday).status_code, 404)
        self.assertFalse(LocalHoliday.objects.exists())

    def test_admin_removes_a_holiday(self):
        holiday = core_services.local_holiday_add(
            org=self.org_a, actor=self.alice, date=dt.date(2026, 5, 11), name="Festa Major"
        )
        delete_url = f"{self.url}holidays/{holiday.pk}/delete/"
        self.assertEqual(self.login(self.bob).post(delete_url).status_code, 403)
        self.assertEqual(self.login(self.charlie).post(delete_url).status_code, 404)
        beta_url = f"/o/beta/settings/calendar/holidays/{holiday.pk}/delete/"
        self.assertEqual(self.client.post(beta_url).status_code, 404)
        self.assertTrue(LocalHoliday.objects.filter(pk=holiday.pk).exists())

        response = self.login(self.alice).post(delete_url)
        self.assertRedirects(response, f"{self.url}?year=2026")
        self.assertFalse(LocalHoliday.objects.filter(pk=holiday.pk).exists())
        self.assertEqual(len(events(self.org_a, "calendar.local_holiday.remove")), 1)

    def hours(self) -> list[tuple[int, dt.time, dt.time]]:
        return sorted(
            BusinessHours.objects.filter(organization=self.org_a).values_list(
                "weekday", "opens", "closes"
            )
        )

    def test_business_hours_are_saved(self):
        response = self.login(self.alice).post(
            self.url, {"save_hours": "1", "day_0": "08:00-14:00, 16:00-18:00"}
        )
        self.assertRedirects(response, self.url)
        self.assertEqual(
            self.hours(),
            [(0, dt.time(8), dt.time(14)), (0, dt.time(16), dt.time(18))],
        )
        self.assertEqual(len(events(self.org_a, "calendar.business_hours.set")), 1)
        response = self.client.get(self.url)
        self.assertEqual(
            response.context["hours_form"].initial["day_0"], "08:00-14:00, 16:00-18:00"
        )

    def test_invalid_business_hours_answer_400_and_keep_the_rows(self):
        core_services.business_hours_set(
            org=self.org_a, actor=self.alice, ranges=[(1, dt.time(9), dt.time(13))]
        )
        before = self.hours()
        self.login(self.alice)
        for text in ("18:00-08:00", "abc", "25:00-26:00", "08:00-14:00, 13:00-15:00"):
            with self.subTest(text=text):
                response = self.client.post(self.url, {"save_hours": "1", "day_0": text})
                self.assertEqual(response.status_code, 400)
                self.assertTrue(response.context["hours_form"].errors)
        self.assertEqual(self.hours(), before)

    def test_staff_cannot_set_business_hours(self):
        response = self.login(self.bob).post(self.url, {"save_hours": "1", "day_0": "08:00-14:00"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.hours(), [])


class PeoplePageTests(TenantTestCase):
    url = "/o/alpha/people/"

    def test_admin_sees_the_organizations_people_only(self):
        response = self.login(self.alice).get(self.url)
        self.assertEqual(response.status_code, 200)
        shown = {a.user.username for a in response.context["assignments"]}
        self.assertEqual(shown, {"alice", "bob"})
        self.assertContains(response, "bob@example.org")
        self.assertNotContains(response, "charlie")

    def test_staff_gets_403_and_others_404(self):
        self.assertEqual(self.login(self.bob).get(self.url).status_code, 403)
        self.assertEqual(self.login(self.charlie).get(self.url).status_code, 404)

    def test_query_count_does_not_grow_with_people(self):
        self.login(self.alice)
        self.client.get(self.url)  # the session's first request caches what the middleware reads
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url)
        for n in range(5):
            make_user(f"person{n}", self.org_a, Role.MUNICIPAL_STAFF)
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(self.url)
        self.assertEqual(len(response.context["assignments"]), 7)
        self.assertEqual(len(many), len(few))
