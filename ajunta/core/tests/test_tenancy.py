"""The tenancy rule: 404 for another organization, 403 for a missing permission, lists scoped."""

import datetime as dt

from django.test import override_settings

from ajunta.core import services
from ajunta.core.audit import audit_record
from ajunta.core.models import LocalHoliday, Role
from ajunta.core.tenancy import has_permission, resolve_org
from ajunta.core.testing import TenantIsolationMixin, TenantTestCase, api_ids, make_org, make_user


class ResolveOrgTests(TenantTestCase):
    def test_role_holder_gets_org_and_roles_in_one_query(self):
        with self.assertNumQueries(1):
            org, roles = resolve_org(self.alice, "alpha", "org.view")
        self.assertEqual(org, self.org_a)
        self.assertEqual(roles, {Role.MUNICIPAL_ADMIN})

    def test_no_role_and_missing_org_are_the_same_404(self):
        from django.http import Http404

        with self.assertRaises(Http404):
            resolve_org(self.charlie, "alpha", "org.view")
        with self.assertRaises(Http404):
            resolve_org(self.charlie, "does-not-exist", "org.view")

    def test_missing_permission_is_403(self):
        from django.core.exceptions import PermissionDenied

        with self.assertRaises(PermissionDenied):
            resolve_org(self.bob, "alpha", "audit.view")

    def test_provider_technician_does_not_read_documents(self):
        self.assertFalse(has_permission({Role.PROVIDER_TECHNICIAN}, "documents.view"))
        self.assertTrue(has_permission({Role.MUNICIPAL_STAFF}, "documents.view"))

    def test_unknown_permission_is_a_programming_error(self):
        with self.assertRaises(ValueError):
            has_permission({Role.MUNICIPAL_ADMIN}, "no.such.permission")


class DashboardTests(TenantTestCase):
    def test_member_sees_own_dashboard(self):
        response = self.login(self.alice).get("/o/alpha/")
        self.assertContains(response, "Ajuntament d&#x27;Alpha")
        self.assertContains(response, 'href="/o/alpha/audit/"')

    def test_staff_has_no_audit_link(self):
        response = self.login(self.bob).get("/o/alpha/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'href="/o/alpha/audit/"')

    def test_other_organization_gets_404(self):
        self.assertEqual(self.login(self.charlie).get("/o/alpha/").status_code, 404)

    def test_anonymous_is_sent_to_login(self):
        response = self.client.get("/o/alpha/")
        self.assertRedirects(
            response, "/accounts/login/?next=/o/alpha/", fetch_redirect_response=False
        )

    def test_home_goes_straight_to_the_only_organization(self):
        response = self.login(self.alice).get("/home/")
        self.assertRedirects(response, "/o/alpha/", fetch_redirect_response=False)

    def test_switcher_lists_every_organization_of_the_user_and_no_other(self):
        gamma = make_org("gamma", name="Ajuntament de Gamma")
        services.role_grant(org=gamma, actor=None, user=self.alice, role=Role.MUNICIPAL_STAFF)
        response = self.login(self.alice).get("/home/")
        self.assertContains(response, 'href="/o/alpha/"')
        self.assertContains(response, 'href="/o/gamma/"')
        self.assertNotContains(response, 'href="/o/beta/"')
        # the header switcher is on every page
        page = self.client.get("/o/gamma/")
        self.assertContains(page, 'href="/o/alpha/"')

    def test_citizen_without_roles_goes_to_their_own_area(self):
        citizen = make_user("citizen")
        response = self.login(citizen).get("/home/")
        self.assertRedirects(response, "/portal/", fetch_redirect_response=False)
        self.assertNotContains(self.client.get("/portal/"), "/o/")

    def test_dashboard_shows_a_non_business_day(self):
        # 2026-09-11 (Friday) is the National Day of Catalonia.
        from unittest import mock

        with mock.patch("django.utils.timezone.localdate", return_value=dt.date(2026, 9, 11)):
            response = self.login(self.alice).get("/o/alpha/")
        self.assertContains(
            response, "Dilluns, 14 de setembre de 2026"
        )  # next business day, in Catalan


class AuditLogPageTests(TenantTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for n in range(3):
            audit_record(org=cls.org_a, actor=cls.alice, action="test.alpha", object_id=str(n))
        audit_record(org=cls.org_b, actor=cls.charlie, action="test.beta-secret")

    def test_admin_reads_own_events_only(self):
        response = self.login(self.alice).get("/o/alpha/audit/")
        self.assertContains(response, "test.alpha", count=3)
        self.assertNotContains(response, "test.beta-secret")

    def test_staff_gets_403(self):
        self.assertEqual(self.login(self.bob).get("/o/alpha/audit/").status_code, 403)

    def test_filter_keeps_pagination_query(self):
        for n in range(60):
            audit_record(org=self.org_a, actor=None, action="bulk.row", object_id=str(n))
        response = self.login(self.alice).get("/o/alpha/audit/?action=bulk")
        self.assertContains(response, "action=bulk&amp;page=2")

    def test_query_count_does_not_grow_with_rows(self):
        self.login(self.alice)
        self.client.get("/o/alpha/audit/")  # warm the session
        # session, user, org + roles, count, switcher, page (the MFA check is cached by then)
        with self.assertNumQueries(6) as few:
            self.client.get("/o/alpha/audit/")
        for n in range(30):
            audit_record(org=self.org_a, actor=self.bob, action="more", object_id=str(n))
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get("/o/alpha/audit/")


class CoreApiIsolationTests(TenantIsolationMixin, TenantTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.holiday_a = LocalHoliday.objects.create(
            organization=cls.org_a, date=dt.date(2026, 6, 24), name="Sant Joan A"
        )
        cls.holiday_b = LocalHoliday.objects.create(
            organization=cls.org_b, date=dt.date(2026, 6, 24), name="Sant Joan B"
        )
        cls.isolation_ids_a = {str(cls.holiday_a.pk)}
        cls.isolation_ids_b = {str(cls.holiday_b.pk)}

    def isolation_object_urls(self, slug):
        return [
            ("GET", f"/api/v1/o/{slug}/holidays/{self.holiday_a.pk}/"),
            ("DELETE", f"/api/v1/o/{slug}/holidays/{self.holiday_a.pk}/"),
            ("POST", f"/o/{slug}/settings/calendar/holidays/{self.holiday_a.pk}/delete/"),
        ]

    def isolation_list_urls(self, slug):
        return [(f"/api/v1/o/{slug}/holidays/", api_ids())]

    def test_holiday_survives_the_attempts(self):
        self.test_other_organization_gets_404_on_objects()
        self.assertTrue(LocalHoliday.objects.filter(pk=self.holiday_a.pk).exists())


class AuditApiTests(TenantIsolationMixin, TenantTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.event_a = audit_record(org=cls.org_a, actor=cls.alice, action="test.a")
        cls.event_b = audit_record(org=cls.org_b, actor=cls.charlie, action="test.b")
        cls.isolation_ids_a = {cls.event_a.hash}
        cls.isolation_ids_b = {cls.event_b.hash}

    def isolation_object_urls(self, slug):
        return [("GET", f"/api/v1/o/{slug}/")] if slug == self.org_a.slug else []

    def isolation_list_urls(self, slug):
        return [(f"/api/v1/o/{slug}/audit-events/", api_ids("hash"))]

    def test_staff_gets_403_json(self):
        response = self.api(self.bob).get("/api/v1/o/alpha/audit-events/")
        self.assertEqual(response.status_code, 403)
        self.assertIn("detail", response.json())

    def test_anonymous_gets_401_or_403(self):
        response = self.api(None).get("/api/v1/o/alpha/audit-events/")
        self.assertIn(response.status_code, (401, 403))

    def test_pagination_is_bounded(self):
        for n in range(210):
            audit_record(org=self.org_a, actor=None, action="bulk", object_id=str(n))
        body = self.api(self.alice).get("/api/v1/o/alpha/audit-events/?page_size=5000").json()
        self.assertEqual(len(body["results"]), 200)
        self.assertIsNotNone(body["next"])

    def test_list_query_count_is_constant(self):
        client = self.api(self.alice)
        with self.assertNumQueries(3):  # roles+org, count, page
            client.get("/api/v1/o/alpha/audit-events/")
        for n in range(20):
            audit_record(org=self.org_a, actor=self.bob, action="more", object_id=str(n))
        with self.assertNumQueries(3):
            client.get("/api/v1/o/alpha/audit-events/")


class HolidayApiTests(TenantTestCase):
    def test_admin_adds_a_holiday_and_it_is_audited(self):
        response = self.api(self.alice).post(
            "/api/v1/o/alpha/holidays/", {"date": "2026-06-24", "name": "Sant Joan"}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        holiday = LocalHoliday.objects.get(organization=self.org_a)
        self.assertEqual(holiday.name, "Sant Joan")
        from ajunta.core.models import AuditEvent

        self.assertTrue(
            AuditEvent.objects.filter(
                organization=self.org_a, action="calendar.local_holiday.add"
            ).exists()
        )

    def test_duplicate_date_is_a_400_with_a_field_message(self):
        client = self.api(self.alice)
        client.post(
            "/api/v1/o/alpha/holidays/", {"date": "2026-06-24", "name": "Sant Joan"}, format="json"
        )
        response = client.post(
            "/api/v1/o/alpha/holidays/", {"date": "2026-06-24", "name": "Again"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("date", response.json())
        self.assertEqual(LocalHoliday.objects.filter(organization=self.org_a).count(), 1)

    def test_bad_date_is_a_400(self):
        response = self.api(self.alice).post(
            "/api/v1/o/alpha/holidays/", {"date": "2026-02-30", "name": "X"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("date", response.json())

    def test_staff_may_read_but_not_write(self):
        client = self.api(self.bob)
        self.assertEqual(client.get("/api/v1/o/alpha/holidays/").status_code, 200)
        response = client.post(
            "/api/v1/o/alpha/holidays/", {"date": "2026-06-24", "name": "X"}, format="json"
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(LocalHoliday.objects.exists())


class CalendarApiTests(TenantTestCase):
    def test_deadline_in_business_days_skips_epiphany(self):
        response = self.api(self.bob).get(
            "/api/v1/o/alpha/calendar/deadline/",
            {"start": "2026-01-02", "amount": 10, "unit": "business_days"},
        )
        self.assertEqual(response.json()["due"], "2026-01-19")

    def test_deadline_rejects_bad_input(self):
        response = self.api(self.bob).get(
            "/api/v1/o/alpha/calendar/deadline/", {"start": "x", "amount": 0, "unit": "weeks"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()), {"start", "amount", "unit"})

    def test_year_holidays_include_local_ones(self):
        LocalHoliday.objects.create(
            organization=self.org_a, date=dt.date(2026, 6, 24), name="Sant Joan local"
        )
        body = self.api(self.bob).get("/api/v1/o/alpha/calendar/", {"year": 2026}).json()
        days = {row["date"] for row in body["holidays"]}
        self.assertIn("2026-09-11", days)
        self.assertIn("2026-06-24", days)

    def test_bad_year_is_a_400(self):
        self.assertEqual(
            self.api(self.bob).get("/api/v1/o/alpha/calendar/", {"year": "abc"}).status_code, 400
        )

    @override_settings(LANGUAGE_CODE="en")
    def test_other_org_404(self):
        self.assertEqual(self.api(self.charlie).get("/api/v1/o/alpha/calendar/").status_code, 404)


class MfaRecheckTests(TenantTestCase):
    """The middleware trusts 'no second factor needed' for a bounded time, then asks again."""

    def test_a_provider_role_granted_mid_session_is_enforced_after_the_recheck_window(self):
        from unittest import mock

        from ajunta.core.middleware import MFA_RECHECK_SECONDS

        self.login(self.bob)
        self.assertEqual(self.client.get("/o/alpha/").status_code, 200)
        services.role_grant(
            org=self.org_a, actor=self.alice, user=self.bob, role=Role.PROVIDER_TECHNICIAN
        )
        self.assertEqual(self.client.get("/o/alpha/").status_code, 200)  # within the window
        later = __import__("time").time() + MFA_RECHECK_SECONDS + 1
        with mock.patch("ajunta.core.middleware.time.time", return_value=later):
            response = self.client.get("/o/alpha/")
        self.assertRedirects(
            response, "/accounts/mfa/?next=%2Fo%2Falpha%2F", fetch_redirect_response=False
        )
