"""The notice board (tauler d'edictes): edicts and announcements published for a period, each
ending with a sealed certificate of its publication.

An edict is published when it is created: from then on its legal content (number, text, period,
attached document) is sealed and the database refuses to change it. It is visible on the public
board from `visible_from` to `visible_until`; it may be withdrawn early, with a reason, but never
deleted or edited. When its period is over (or it was withdrawn) the certificate of publication is
issued: a sealed PDF with the exact moments, verifiable by its CSV.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.core.integrity import SealedRecord
from ajunta.core.models import Document, TenantModel

EDICT_SERIES = "edict"
EDICT_NUMBER_FORMAT = "{year}/E{seq:04d}"


class EdictKind(models.TextChoices):
    EDICT = "edict", pgettext_lazy("notice board", "Edict")
    ANNOUNCEMENT = "announcement", _("Announcement")
    PUBLIC_INFORMATION = "public_information", _("Public information period")
    NOTIFICATION = "notification", _("Notice of a notification that could not be delivered")
    CEMETERY = "cemetery", _("Cemetery notice")
    PROCUREMENT = "procurement", _("Procurement notice")


class PeriodUnit(models.TextChoices):
    BUSINESS = "business", _("business days")
    CALENDAR = "calendar", _("calendar days")


class Edict(SealedRecord, TenantModel):
    SEALED_FIELDS = (
        "year", "sequence", "number", "kind", "title", "body", "reference", "case_id",
        "document_id", "document.sha256", "starts_on", "ends_on", "period_days", "period_unit",
        "visible_from", "visible_until", "published_by_id",
    )  # fmt: skip
    SEALED_RELATED = ("document",)

    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=EdictKind.choices)
    title = models.CharField(_("title"), max_length=240)
    body = models.TextField(_("text"), max_length=20000)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("case file"),
    )  # fmt: skip
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("document published"),
    )  # fmt: skip
    # The period as asked for, and as computed with the organization's business calendar.
    period_days = models.PositiveSmallIntegerField(_("period in days"), null=True, blank=True)
    period_unit = models.CharField(
        _("counted in"), max_length=10, choices=PeriodUnit.choices, default=PeriodUnit.BUSINESS
    )
    starts_on = models.DateField(_("first day on the board"))
    ends_on = models.DateField(_("last day on the board"))
    # The exact moments: what the certificate states.
    visible_from = models.DateTimeField(_("visible from"))
    visible_until = models.DateTimeField(_("visible until"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("published by"),
    )  # fmt: skip
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    # Not sealed: what happens to the edict afterwards.
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("withdrawn by"),
    )  # fmt: skip
    withdrawal_reason = models.CharField(_("reason for withdrawal"), max_length=500, blank=True)
    certificate = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("certificate of publication"),
    )  # fmt: skip
    certified_at = models.DateTimeField(_("certified at"), null=True, blank=True)

    class Meta:
        verbose_name = pgettext_lazy("notice board", "edict")
        verbose_name_plural = pgettext_lazy("notice board", "edicts")
        ordering = ["-visible_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "sequence"], name="noticeboard_edict_unique_number"
            ),
        ]
        indexes = [
            # The public board and the staff list: an organization's edicts by their period.
            models.Index(
                fields=["organization", "visible_until", "visible_from"],
                name="noticeboard_edict_period",
            ),
            # The certificates still to issue.
            models.Index(fields=["certified_at", "visible_until"], name="noticeboard_to_certify"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def sealed_reference(self) -> str:
        return self.number

    def state(self, now: object | None = None) -> str:
        """scheduled, in_force, ended or withdrawn (at `now`, default the current moment)."""
        moment = now or timezone.now()
        if self.withdrawn_at is not None:
            return "withdrawn"
        if moment < self.visible_from:  # type: ignore[operator]
            return "scheduled"
        if moment < self.visible_until:  # type: ignore[operator]
            return "in_force"
        return "ended"
