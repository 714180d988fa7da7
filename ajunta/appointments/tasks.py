"""Periodic jobs (Celery beat entries in settings, and management commands for cron)."""

from __future__ import annotations

from celery import shared_task

from ajunta.appointments import services
from ajunta.appointments.models import ClosureCalendar


@shared_task
def send_reminders() -> int:
    return services.send_reminders()


@shared_task
def refresh_calendars() -> int:
    count = 0
    for calendar in ClosureCalendar.objects.exclude(url="").select_related("organization"):
        services.calendar_refresh(org=calendar.organization, actor=None, calendar=calendar)
        count += 1
    return count
