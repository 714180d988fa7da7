"""Walk one more demo ticket through its whole life, to its answered survey (DEBUG only)."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from ajunta.core.models import User
from ajunta.helpdesk import demo, selectors
from ajunta.tenants.models import Organization

WHO = {"requester": "staff.manresa", "technician": "provider.tech", "admin": "provider.admin"}


class Command(BaseCommand):
    help = (
        "Open a ticket in the demo's Manresa and take it to closed with an answered survey, so "
        "that the statistics and the survey show something (after seed_demo; DEBUG only)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("helpdesk_demo_ticket writes demo data: it runs only with DEBUG=1.")
        users = {role: User.objects.filter(username=name).first() for role, name in WHO.items()}
        member = Organization.objects.filter(slug="manresa").first()
        provider = selectors.provider_for(org=None)
        if member is None or provider is None or None in users.values():
            raise CommandError("Run `manage.py seed_demo` first: the demo users are missing.")
        # Like seed_demo: the made-up addresses get no mail.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            ticket = demo.walk_ticket(provider=provider, member=member, **users)
        self.stdout.write(
            f"Ticket {ticket.number}: {ticket.get_status_display()}; see /o/{member.slug}/helpdesk/"
            f"tickets/{ticket.pk}/ and /o/{provider.slug}/helpdesk/stats/"
        )
