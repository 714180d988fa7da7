"""The work-first dashboard: figures that link to the filtered list behind them, a fixed number of
queries however many rows, and recent activity written as sentences in the reader's language."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ajunta.core.models import Role
from ajunta.core.testing import make_user, speaking
from ajunta.helpdesk.tests.base import HelpdeskTestCase, at, frozen


class ProviderDashboardTests(HelpdeskTestCase):
    def test_the_provider_sees_its_queue_in_figures_each_a_link_to_the_list(self):
        with frozen(at(2026, 3, 10, 9)):
            self.open_ticket()
            self.open_ticket(org=self.org_b, actor=self.charlie)
        # Ten hours later the first SLA (priority 3: 240 minutes to resolve) has run out.
        with frozen(at(2026, 3, 10, 19)):
            page = speaking(self.login(self.paula), "en").get("/o/ccbages/")
        self.assertContains(page, 'href="/o/ccbages/helpdesk/?queue=unassigned"')
        self.assertContains(page, 'href="/o/ccbages/helpdesk/?queue=open&amp;sla=late"')
        figures = {
            str(f.label): f.value for g in page.context["figure_groups"] for f in g["figures"]
        }
        self.assertEqual(figures["Open tickets"], 2)
        self.assertEqual(figures["Unassigned"], 2)
        self.assertEqual(figures["SLA breached"], 2)
        self.assertEqual(figures["SLA at risk (due within 24 hours)"], 0)

    def test_the_sla_filter_lists_exactly_the_late_tickets(self):
        with frozen(at(2026, 3, 10, 9)):
            late = self.open_ticket()
        with frozen(at(2026, 3, 10, 12)):
            fresh = self.open_ticket(title="Una altra")
        with frozen(at(2026, 3, 10, 14)):
            page = self.login(self.paula).get("/o/ccbages/helpdesk/?queue=open&sla=late")
        self.assertContains(page, late.number)
        self.assertNotContains(page, fresh.number)

    def test_the_dashboard_takes_the_same_queries_with_more_tickets(self):
        client = self.login(self.paula)
        with frozen(at(2026, 3, 10, 9)):
            self.open_ticket()
            client.get("/o/ccbages/")  # warm the session
            with CaptureQueriesContext(connection) as first:
                client.get("/o/ccbages/")
            for n in range(5):
                self.open_ticket(title=f"Més {n}", org=self.org_b, actor=self.charlie)
            with self.assertNumQueries(len(first.captured_queries)):
                client.get("/o/ccbages/")
        # and not many: the shell, then one query or a few per module's figures
        self.assertLessEqual(len(first.captured_queries), 40)


class MunicipalDashboardTests(HelpdeskTestCase):
    def test_the_secretary_sees_what_is_due_and_figures_of_another_org_never_count(self):
        with frozen(at(2026, 3, 10, 9)):
            self.open_ticket(org=self.org_b, actor=self.charlie)
            page = speaking(self.login(self.alice), "en").get("/o/alpha/")
        groups = {str(g["title"]): g["figures"] for g in page.context["figure_groups"]}
        helpdesk = {str(f.label): f.value for f in groups["Helpdesk"]}
        self.assertEqual(helpdesk["My organization's open tickets"], 0)
        labels = [str(f.label) for f in groups["Case files"]]
        self.assertIn("Case deadlines this week", labels)
        self.assertIn("Decrees to sign", labels)
        self.assertContains(page, 'href="/o/alpha/cases/?overdue=on"')

    def test_staff_without_the_permission_see_no_figures_of_that_module(self):
        councillor = make_user("laia", self.org_a, Role.ELECTED_MEMBER)
        page = speaking(self.login(councillor), "en").get("/o/alpha/")
        titles = [str(g["title"]) for g in page.context["figure_groups"]]
        self.assertNotIn("Helpdesk", titles)
        self.assertNotIn("Registry", titles)
