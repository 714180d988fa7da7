"""The queue page and the API's ticket list build their rows from a few columns, not from model
instances: they must show exactly what the rendering from model instances showed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.forms import Select
from django.template import engines
from django.utils import timezone, translation

from ajunta.core.testing import speaking
from ajunta.helpdesk import forms, selectors, services
from ajunta.helpdesk.api import TicketRowSerializer
from ajunta.helpdesk.models import Ticket, TicketStatus
from ajunta.helpdesk.tests.base import frozen
from ajunta.helpdesk.tests.test_links import LinksTestCase

# One row of the queue as the template wrote it from a Ticket (before the rows were precomputed).
MODEL_ROW = """{% load i18n %}
      <tr data-ticket-id="{{ ticket.pk }}">
        <th scope="row"><a href="{{ queue_url }}tickets/{{ ticket.pk }}/">{{ ticket.number }}</a><br><span class="helptext">{{ ticket.get_ticket_type_display }}{% if ticket.service %} · {{ ticket.service.name }}{% endif %}</span></th>
        <td><strong>{{ ticket.title }}</strong><br><span class="helptext">{{ ticket.category.full_name|default:"" }}</span></td>
        {% if staff %}<td>{{ ticket.organization.name }}</td>{% endif %}
        <td><span class="badge{% if ticket.status == 'solved' or ticket.status == 'closed' %} ok{% elif ticket.status == 'pending' %} warn{% endif %}">{{ ticket.get_status_display }}</span></td>
        <td>{{ ticket.get_priority_display }}</td>
        <td>{{ ticket.assigned_to|default:"—" }}{% if ticket.assigned_group %}<br><span class="helptext">{{ ticket.assigned_group.name }}</span>{% endif %}</td>
        <td>{% if ticket.is_paused and ticket.is_open %}{% translate "Paused" %}{% elif ticket.resolve_due_at %}<time datetime="{{ ticket.resolve_due_at|date:'c' }}">{{ ticket.resolve_due_at|date:"SHORT_DATETIME_FORMAT" }}</time>{% if ticket.is_late %} <span class="badge warn">{% translate "Late" %}</span>{% endif %}{% else %}—{% endif %}</td>
      </tr>
"""


class QueueRowsTests(LinksTestCase):
    def make_tickets(self) -> list[Ticket]:
        """Tickets that between them use every cell: a service, a group, a technician with and
        without a name, no category, paused, late, solved, text to escape."""
        group = services.group_create(
            org=self.provider, actor=self.paula, name="Sistemes", members=[self.tomas]
        )
        request = self.open_ticket(service="backups", title='Còpia <nocturna> & "d\'avui"')
        services.ticket_assign(
            org=self.provider, actor=self.paula, ticket=request, technician=self.tomas, group=group
        )
        pending = self.open_ticket(title="Esperant", urgency=5)
        services.ticket_assign(
            org=self.provider, actor=self.paula, ticket=pending, technician=self.teresa
        )
        services.ticket_set_status(
            org=self.provider, actor=self.teresa, ticket=pending, status=TicketStatus.PENDING
        )
        solved = services.ticket_create(
            org=self.org_b, actor=self.charlie, title="Sense categoria", description="-", urgency=1
        )
        services.ticket_solve(
            org=self.provider, actor=self.tomas, ticket=solved, solution="Reiniciat."
        )
        plain = self.open_ticket(title="Sense tècnic")
        return [request, pending, solved, plain]

    def model_rows(self, tickets: list[Ticket], language: str) -> list[str]:
        template = engines["django"].from_string(MODEL_ROW)
        rows = selectors.tickets(org=self.provider).filter(pk__in=[t.pk for t in tickets])
        with translation.override(language):
            return [
                template.render(
                    {"ticket": ticket, "staff": True, "queue_url": "/o/ccbages/helpdesk/"}
                ).removeprefix("\n")
                for ticket in rows
            ]

    def test_queue_rows_show_what_the_model_rendering_showed(self) -> None:
        tickets = self.make_tickets()
        self.login(self.tomas)
        # Days later: the open, running tickets are late.
        with frozen(timezone.now() + dt.timedelta(days=6)):
            for language in ("ca", "es", "en"):
                response = speaking(self.client, language).get("/o/ccbages/helpdesk/?queue=all")
                self.assertEqual(response["Content-Language"], language)
                page = response.content.decode()
                expected = self.model_rows(tickets, language)
                self.assertEqual(len(expected), 4)
                for row in expected:
                    self.assertIn(row, page)
        self.assertIn("Late", expected[-1] + expected[0])
        self.assertIn("&lt;nocturna&gt; &amp; &quot;d&#x27;avui&quot;", page)
        self.assertIn("Service request · Còpies de seguretat", page)
        self.assertIn('<span class="badge ok">Solved</span>', page)
        self.assertIn('<span class="badge warn">Pending</span>', page)
        self.assertIn("<td>Paused</td>", page)
        self.assertIn(f'<a href="/o/ccbages/helpdesk/tickets/{tickets[0].pk}/">', page)

    def test_member_queue_rows_leave_the_municipality_out(self) -> None:
        tickets = self.make_tickets()
        self.client.force_login(self.bob)
        page = self.client.get("/o/alpha/helpdesk/").content.decode()
        self.assertIn(f'href="/o/alpha/helpdesk/tickets/{tickets[0].pk}/"', page)
        self.assertNotIn("<td>Ajuntament d", page)
        self.assertNotIn(f'data-ticket-id="{tickets[2].pk}"', page)  # Beta's

    def test_api_rows_are_the_serializers(self) -> None:
        tickets = self.make_tickets()
        rows = selectors.tickets(org=self.provider).filter(pk__in=[t.pk for t in tickets])
        expected = {row.pk: TicketRowSerializer(row).data for row in rows}
        response = self.api(self.tomas).get("/api/v1/o/ccbages/helpdesk/tickets/")
        got: dict[int, Any] = {row["id"]: row for row in response.json()["results"]}
        self.assertEqual(set(got), set(expected))
        for pk, row in expected.items():
            # Same keys in the same order, same values once through JSON.
            self.assertEqual(list(got[pk]), list(row))
            self.assertEqual(got[pk], json.loads(json.dumps(row)))
        self.assertEqual(got[tickets[0].pk]["service"], "backups")
        self.assertEqual(got[tickets[0].pk]["group"], "Sistemes")
        self.assertIsNone(got[tickets[2].pk]["category"])
        # The inventory's list of an asset's tickets writes the same rows.
        linked = self.open_ticket(assets=[self.pc_a], service="backups")
        url = f"/api/v1/o/alpha/helpdesk/assets/{self.pc_a.pk}/tickets/"
        (row,) = self.api(self.bob).get(url).json()["results"]
        expected_row = TicketRowSerializer(selectors.tickets(org=self.org_a).get(pk=linked.pk)).data
        self.assertEqual(row, json.loads(json.dumps(expected_row)))

    def test_queue_page_and_api_queries_do_not_grow_with_rows(self) -> None:
        self.make_tickets()
        self.login(self.tomas)
        # session, user, OTP device, role, count, organization switcher, the service filter's
        # choices, rows
        with self.assertNumQueries(8):
            first = self.client.get("/o/ccbages/helpdesk/?queue=all")
        self.make_tickets_more()
        with self.assertNumQueries(8):
            second = self.client.get("/o/ccbages/helpdesk/?queue=all")
        self.assertEqual(second.content.decode().count("<tr data-ticket-id"), 7)
        self.assertEqual(first.content.decode().count("<tr data-ticket-id"), 4)
        client = self.api(self.tomas)
        with self.assertNumQueries(3):  # role, count, rows
            response = client.get("/api/v1/o/ccbages/helpdesk/tickets/")
        self.assertEqual(response.json()["count"], 7)

    def make_tickets_more(self) -> None:
        group = services.group_create(org=self.provider, actor=self.paula, name="Xarxes")
        for n in range(3):
            ticket = self.open_ticket(service="backups", title=f"Més {n}")
            services.ticket_assign(
                org=self.provider, actor=self.paula, ticket=ticket, technician=self.teresa,
                group=group,
            )  # fmt: skip


class PlainSelectTests(LinksTestCase):
    def test_filter_selects_render_as_djangos_select(self) -> None:
        for data in (None, {"queue": "mine", "priority": "4", "service": "backups"},
                     {"status": "pending", "service": "nowhere", "member": "ningú"}):  # fmt: skip
            for language in ("ca", "en"):
                with translation.override(language):
                    form = forms.TicketFilterForm(data, org=self.provider, staff=True)
                    if form.is_bound:
                        form.is_valid()  # the errors' aria-invalid
                    for name in ("queue", "status", "priority", "service"):
                        field = form[name]
                        plain = str(field)
                        field.field.widget = Select(choices=field.field.widget.choices)
                        self.assertHTMLEqual(plain, str(form[name]))
                        self.assertEqual(plain.replace("\n", ""), str(form[name]).replace("\n", ""))
        self.assertIn('aria-invalid="true"', plain)  # the unknown service
