"""Background jobs of the tenants app. Each is also a management command, so cron can run it."""

from celery import shared_task

from ajunta.tenants import services


@shared_task(name="tenants.agreement_expiry_alerts")
def agreement_expiry_alerts() -> int:
    """Warn providers, once, of agreements ending within 90 days (run daily)."""
    return services.agreement_expiry_alerts_send()
