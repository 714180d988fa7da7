"""SIR interchange (SICRES 3.0): registry entries travelling between administrations.

Each side of an interchange keeps its own row: the sender an outgoing Interchange linked to its
outgoing registry entry, the receiver an incoming Interchange that waits in its pending tray and,
once accepted, links to the incoming entry registered with the receiver's own number. Both rows
carry the SICRES identifier, so messages (ACK, confirmation, rejection, error) find the row of the
organization they reach, and no organization ever reads the other side's row.

Every change of state appends an InterchangeEvent: the trace shown on both sides.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.core.models import Document, TenantModel
from ajunta.core.validators import validate_dir3_code


class Side(models.TextChoices):
    OUT = "out", _("Sent")
    IN = "in", _("Received")


class State(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RECEIVED = "received", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", pgettext_lazy("interchange state", "Rejected")
    FORWARDED = "forwarded", _("Forwarded")
    ERROR = "error", _("Error")


class Delivery(models.TextChoices):
    INTERNAL = "internal", _("On this platform")
    EXTERNAL = "external", _("SIR gateway")
    FILE = "file", _("Imported file")


class DirectoryKind(models.TextChoices):
    OFFICE = "office", _("Registry office")
    UNIT = "unit", _("Processing unit")


class DirectoryEntry(TenantModel):
    """A DIR3 office or unit. `is_own` rows are the organization's own offices and units: they are
    public directory data, found by every member when choosing a destination, and a message to
    their code is delivered to `organization` on this platform. Other rows are external bodies the
    organization imported from a CSV, visible to it alone."""

    kind = models.CharField(_("kind"), max_length=8, choices=DirectoryKind.choices)
    code = models.CharField(_("DIR3 code"), max_length=9, validators=[validate_dir3_code])
    name = models.CharField(_("name"), max_length=80)
    parent_code = models.CharField(_("body (DIR3)"), max_length=9, blank=True)
    is_own = models.BooleanField(_("own office or unit"), default=False)

    class Meta:
        verbose_name = _("DIR3 directory entry")
        verbose_name_plural = _("DIR3 directory")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="sir_directory_unique_code"
            ),
        ]
        indexes = [
            models.Index(fields=["code", "is_own"], name="sir_directory_code_own"),
            models.Index(fields=["organization", "name"], name="sir_directory_org_name"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Interchange(TenantModel):
    side = models.CharField(_("side"), max_length=3, choices=Side.choices)
    identifier = models.CharField(_("interchange identifier"), max_length=33)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    delivery = models.CharField(_("delivery"), max_length=10, choices=Delivery.choices)
    annotation_type = models.CharField(_("annotation type"), max_length=2, default="02")
    origin_code = models.CharField(_("origin office"), max_length=21)
    origin_name = models.CharField(_("origin office name"), max_length=80, blank=True)
    origin_unit_code = models.CharField(_("origin unit"), max_length=21, blank=True)
    origin_entry_number = models.CharField(_("origin entry number"), max_length=20)
    origin_entry_at = models.DateTimeField(_("origin entry date"))
    destination_code = models.CharField(_("destination office"), max_length=21)
    destination_name = models.CharField(_("destination office name"), max_length=80, blank=True)
    destination_unit_code = models.CharField(_("destination unit"), max_length=21, blank=True)
    destination_entry_number = models.CharField(
        _("destination entry number"), max_length=20, blank=True
    )
    destination_entry_at = models.DateTimeField(_("destination entry date"), null=True, blank=True)
    summary = models.CharField(_("summary"), max_length=240)
    # The SICRES content as received (parties, texts, control data), for the pending tray and
    # for acceptance. Attachments are stored documents (InterchangeAttachment), not in here.
    content = models.JSONField(_("content"), default=dict, blank=True)
    entry = models.ForeignKey(
        "registry.RegistryEntry", on_delete=models.PROTECT, null=True, blank=True,
        related_name="sir_interchanges", verbose_name=_("registry entry"),
    )  # fmt: skip
    reason = models.CharField(_("reason"), max_length=1024, blank=True)
    error_code = models.CharField(_("SICRES error code"), max_length=4, blank=True)
    is_test = models.BooleanField(_("test interchange"), default=False)
    # What we tolerated on receipt (more attachments than our own sending limits, an attachment
    # not inline, no interested party): shown on the entry, never a reason to refuse it.
    warnings = models.JSONField(_("warnings"), default=list, blank=True)
    # The SICRES file this side must hand to the transport (our send, rejection or forward), kept
    # until it is handed over: the sweep resends what a dead worker left (core.sweep).
    sicres_file = models.FileField(_("SICRES file"), upload_to="sir/out/%Y/", blank=True)
    handover_pending = models.BooleanField(_("hand-over pending"), default=False)
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    handover_reference = models.CharField(_("hand-over reference"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("interchange")
        verbose_name_plural = _("interchanges")
        ordering = ["-updated_at", "-id"]
        constraints = [
            # One identifier per sender; and an interchange waits or is accepted once per receiver
            # (after a rejection or forward it may come back).
            models.UniqueConstraint(
                fields=["organization", "identifier"], condition=models.Q(side="out"),
                name="sir_interchange_unique_sent",
            ),
            models.UniqueConstraint(
                fields=["organization", "identifier"],
                condition=models.Q(side="in", state__in=["received", "accepted"]),
                name="sir_interchange_unique_open_received",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["organization", "side", "state", "-updated_at"], name="sir_tray"),
            models.Index(fields=["organization", "identifier"], name="sir_identifier"),
            models.Index(
                fields=["updated_at"], condition=models.Q(handover_pending=True),
                name="sir_handover_pending",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.identifier

    @property
    def is_pending(self) -> bool:
        return self.side == Side.IN and self.state == State.RECEIVED


class InterchangeAttachment(TenantModel):
    interchange = models.ForeignKey(
        Interchange, on_delete=models.PROTECT, related_name="attachments"
    )
    # None: the file came without inline content (described, not yet received).
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    position = models.PositiveSmallIntegerField(default=0)
    file_identifier = models.CharField(_("file identifier"), max_length=50)
    validity = models.CharField(_("validity"), max_length=2, blank=True)
    kind = models.CharField(_("kind"), max_length=2)
    name = models.CharField(_("file name"), max_length=80, blank=True)
    content_type = models.CharField(_("MIME type"), max_length=80, blank=True)
    # Identificador_Documento_Firmado: the attachment a detached signature (.xsig) signs.
    signs_file_identifier = models.CharField(_("signs"), max_length=50, blank=True)
    hash_algorithm = models.CharField(_("hash algorithm"), max_length=8, blank=True)
    hash_encoding = models.CharField(_("hash encoding"), max_length=12, blank=True)

    @property
    def is_received(self) -> bool:
        return self.document_id is not None

    class Meta:
        verbose_name = _("interchange attachment")
        verbose_name_plural = _("interchange attachments")
        ordering = ["interchange", "position"]

    def __str__(self) -> str:
        return self.file_identifier


class InterchangeEvent(TenantModel):
    """One step of an interchange's trace: what happened, when, by whom, and why."""

    interchange = models.ForeignKey(Interchange, on_delete=models.PROTECT, related_name="events")
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=1024, blank=True)

    class Meta:
        verbose_name = _("interchange event")
        verbose_name_plural = _("interchange events")
        ordering = ["interchange", "at", "id"]
        indexes = [models.Index(fields=["organization", "interchange"], name="sir_event_org")]

    def __str__(self) -> str:
        return f"{self.interchange_id} {self.state}"
