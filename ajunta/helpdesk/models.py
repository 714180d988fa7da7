"""The helpdesk: tickets that member municipalities open to the provider, with their SLA clocks,
follow-ups, internal tasks, time spent, escalations, breaches and satisfaction surveys.

A ticket belongs to the municipality that asks (`organization`) and is served by the provider
(`provider`). The provider's own configuration (categories, technician groups, SLA targets,
escalation rules, settings) belongs to the provider organization. Nothing recorded is deleted:
tickets close, follow-ups stay, breaches and escalations are history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.core.models import ORGANIZATION_MODEL, Document, TenantModel

DEFAULT_SLA_LEVEL = "standard"


class TicketType(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    REQUEST = "request", _("Service request")


class Priority(models.IntegerChoices):
    VERY_LOW = 1, _("Very low")
    LOW = 2, _("Low")
    MEDIUM = 3, _("Medium")
    HIGH = 4, _("High")
    VERY_HIGH = 5, _("Very high")


# Urgency (from the requester) and impact (from the technician) share the same five steps.
Urgency = Priority
Impact = Priority


class TicketStatus(models.TextChoices):
    # A ticket is an "incidència" (feminine in Catalan, "incidencia" in Spanish): its statuses take
    # a context of their own, so that a case file's "Tancat" (masculine) never wins over "Tancada".
    NEW = "new", pgettext_lazy("ticket", "New")
    ASSIGNED = "assigned", pgettext_lazy("ticket", "Assigned")
    IN_PROGRESS = "in_progress", pgettext_lazy("ticket", "In progress")
    PENDING = "pending", pgettext_lazy("ticket", "Pending")
    SOLVED = "solved", pgettext_lazy("ticket", "Solved")
    CLOSED = "closed", pgettext_lazy("ticket", "Closed")


OPEN_STATUSES = (
    TicketStatus.NEW,
    TicketStatus.ASSIGNED,
    TicketStatus.IN_PROGRESS,
    TicketStatus.PENDING,
)
# While a ticket waits for the requester (pending) or for their acceptance (solved), the
# time-to-resolve clock stands still.
PAUSED_STATUSES = (TicketStatus.PENDING, TicketStatus.SOLVED)


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("API")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone (opened by the provider)")
    IMPORT = "import", _("Import of historical tickets")


class SlaKind(models.TextChoices):
    OWN = "own", _("Time to own")
    RESOLVE = "resolve", _("Time to resolve")


class EscalationAction(models.TextChoices):
    NOTIFY = "notify", _("Notify")
    REASSIGN = "reassign", _("Reassign to a group")
    RAISE_PRIORITY = "raise_priority", _("Raise the priority")


class NotificationEvent(models.TextChoices):
    CREATED = "created", _("A ticket is opened")
    ASSIGNED = "assigned", _("A ticket is assigned to me")
    FOLLOWUP = "followup", _("A ticket gets a follow-up")
    SOLVED = "solved", _("A ticket is solved")
    SLA_WARNING = "sla_warning", _("An SLA is about to be or has been breached")
    SURVEY = "survey", _("A satisfaction survey is waiting")


def default_priority_matrix() -> dict[str, int]:
    """'urgency-impact' -> priority: the rounded-up mean of the two, like GLPI's default."""
    return {f"{u}-{i}": (u + i + 1) // 2 for u in range(1, 6) for i in range(1, 6)}


class HelpdeskSettings(TenantModel):
    """The provider's helpdesk settings. Without a row, the defaults apply."""

    auto_close_business_days = models.PositiveSmallIntegerField(
        _("close solved tickets after (business days)"), default=5
    )
    priority_matrix = models.JSONField(_("priority matrix"), default=default_priority_matrix)
    survey_delay_hours = models.PositiveSmallIntegerField(
        _("send the satisfaction survey after (hours)"), default=24
    )
    survey_rate_percent = models.PositiveSmallIntegerField(
        _("closed tickets surveyed (%)"), default=100
    )

    class Meta:
        verbose_name = _("helpdesk settings")
        verbose_name_plural = _("helpdesk settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="helpdesk_settings_one_per_org")
        ]

    def __str__(self) -> str:
        return str(self.organization_id)


class Category(TenantModel):
    """A node of the provider's category tree (Hardware > Printers)."""

    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=120)
    # The names from the root down, joined: ordering and display without walking the tree.
    full_name = models.CharField(_("full name"), max_length=500, editable=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "full_name"], name="helpdesk_category_unique_path"
            )
        ]

    def __str__(self) -> str:
        return self.full_name


class TechnicianGroup(TenantModel):
    """A group of provider technicians that tickets can be assigned to (round-robin inside it)."""

    name = models.CharField(_("name"), max_length=120)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="helpdesk_groups",
        verbose_name=_("members"),
    )  # fmt: skip
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        verbose_name = _("technician group")
        verbose_name_plural = _("technician groups")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="helpdesk_group_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SlaTarget(TenantModel):
    """Time to own and to resolve, in business minutes, for one agreement level and priority."""

    level = models.CharField(_("agreement level"), max_length=40, default=DEFAULT_SLA_LEVEL)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    own_minutes = models.PositiveIntegerField(_("time to own (business minutes)"))
    resolve_minutes = models.PositiveIntegerField(_("time to resolve (business minutes)"))

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ["level", "-priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "level", "priority"], name="helpdesk_sla_unique_target"
            )
        ]

    def __str__(self) -> str:
        return f"{self.level} P{self.priority}"


class EscalationRule(TenantModel):
    """Act when `percent` of a clock's target has passed (100 = the breach, 150 = half again)."""

    kind = models.CharField(_("clock"), max_length=8, choices=SlaKind.choices)
    percent = models.PositiveSmallIntegerField(_("at % of the target"))
    action = models.CharField(_("action"), max_length=16, choices=EscalationAction.choices)
    group = models.ForeignKey(
        TechnicianGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("group to reassign to"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["kind", "percent"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "percent", "action"],
                name="helpdesk_escalation_unique_rule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.percent}% {self.action}"


class Ticket(TenantModel):
    """A request from a member municipality (`organization`) to the provider (`provider`)."""

    provider = models.ForeignKey(
        ORGANIZATION_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("provider")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=20)
    ticket_type = models.CharField(
        _("type"), max_length=10, choices=TicketType.choices, default=TicketType.INCIDENT
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("category"),
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=20000)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    urgency = models.PositiveSmallIntegerField(
        _("urgency"), choices=Priority.choices, default=Priority.MEDIUM
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"), choices=Priority.choices, default=Priority.MEDIUM
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=12, choices=TicketStatus.choices, default=TicketStatus.NEW
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("requester"),
    )  # fmt: skip
    requester_email = models.EmailField(_("requester's e-mail"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("opened by"),
    )  # fmt: skip
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("technician"),
    )  # fmt: skip
    assigned_group = models.ForeignKey(
        TechnicianGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("group"),
    )  # fmt: skip
    opened_at = models.DateTimeField(_("opened at"))
    # SLA: the level and targets in force, and the instants they give.
    sla_level = models.CharField(_("agreement level"), max_length=40, default=DEFAULT_SLA_LEVEL)
    own_target_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolve_target_minutes = models.PositiveIntegerField(null=True, blank=True)
    own_due_at = models.DateTimeField(_("own by"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    # The resolve clock: business seconds spent paused so far, and since when it is paused now.
    paused_business_seconds = models.PositiveIntegerField(default=0)
    paused_since = models.DateTimeField(null=True, blank=True)
    owned_at = models.DateTimeField(_("owned at"), null=True, blank=True)
    solved_at = models.DateTimeField(_("solved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("reopenings"), default=0)
    external_reference = models.CharField(_("external reference"), max_length=120, blank=True)
    # A ticket naming a catalogue service is a request for it (issue 8): the catalogue is the
    # provider's, so the ticket points at the provider's row, never at a copy.
    service = models.ForeignKey(
        "tenants.CatalogueService", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("service requested"),
    )  # fmt: skip
    # A client's Idempotency-Key (core.idempotency): a retried POST answers this ticket.
    idempotency_key = models.CharField(max_length=80, blank=True, default="", editable=False)
    idempotency_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "number"], name="helpdesk_ticket_unique_number"
            ),
            models.UniqueConstraint(
                fields=["provider", "year", "sequence"], name="helpdesk_ticket_unique_sequence"
            ),
            models.UniqueConstraint(
                fields=["provider", "created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="helpdesk_ticket_unique_idempotency",
            ),
        ]
        indexes = [
            # The queues: a member's tickets, and the provider's by status, technician, group.
            models.Index(fields=["organization", "-opened_at"], name="helpdesk_ticket_org_time"),
            models.Index(fields=["provider", "-opened_at"], name="helpdesk_ticket_provider_time"),
            models.Index(
                fields=["provider", "status", "-opened_at"], name="helpdesk_ticket_status"
            ),
            models.Index(fields=["provider", "assigned_to", "status"], name="helpdesk_ticket_mine"),
            models.Index(
                fields=["provider", "assigned_group", "status"], name="helpdesk_ticket_group"
            ),
            models.Index(fields=["status", "resolve_due_at"], name="helpdesk_ticket_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_paused(self) -> bool:
        return self.paused_since is not None

    @property
    def is_late(self) -> bool:
        """Open, its resolve clock running, and past its due instant."""
        return bool(
            self.is_open
            and not self.is_paused
            and self.resolve_due_at is not None
            and self.resolve_due_at < timezone.now()
        )


class TicketAsset(TenantModel):
    """An inventory asset a ticket names as affected. The organization is the ticket's member,
    which is also the asset's: a municipality never names another's equipment."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="affected_assets")
    # By string: helpdesk reads the inventory, the inventory never imports the helpdesk.
    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.PROTECT, related_name="+", verbose_name=_("asset")
    )

    class Meta:
        verbose_name = _("affected asset")
        verbose_name_plural = _("affected assets")
        ordering = ["ticket", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "ticket", "asset"], name="helpdesk_ticket_asset_unique"
            )
        ]
        indexes = [
            # An asset's tickets (the inventory's asset page).
            models.Index(fields=["organization", "asset"], name="helpdesk_ticket_asset_asset")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.asset_id}"


class FollowUp(TenantModel):
    """A message on a ticket. Private ones are for provider staff only. Time spent is in minutes."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Follow-up")
        SOLUTION = "solution", _("Solution")
        ACCEPTANCE = "acceptance", _("Solution accepted")
        REOPENING = "reopening", _("Reopened")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="followups")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.COMMENT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("author"),
    )  # fmt: skip
    body = models.TextField(_("text"), max_length=20000)
    is_private = models.BooleanField(_("private (provider staff only)"), default=False)
    minutes_spent = models.PositiveIntegerField(_("time spent (minutes)"), default=0)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["ticket", "created_at", "id"]
        indexes = [models.Index(fields=["organization", "created_at"], name="helpdesk_fu_time")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind}"


class TicketTask(TenantModel):
    """An internal piece of work on a ticket (never shown to the municipality)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="tasks")
    description = models.CharField(_("description"), max_length=500)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("technician"),
    )  # fmt: skip
    minutes_spent = models.PositiveIntegerField(_("time spent (minutes)"), default=0)
    is_done = models.BooleanField(_("done"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["ticket", "created_at", "id"]
        indexes = [models.Index(fields=["organization", "created_at"], name="helpdesk_task_time")]

    def __str__(self) -> str:
        return self.description


class TicketAttachment(TenantModel):
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="attachments")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    is_private = models.BooleanField(_("private (provider staff only)"), default=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(_("added at"))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["ticket", "added_at", "id"]

    def __str__(self) -> str:
        return self.document.name


class SlaBreach(TenantModel):
    """A clock that ran past its due instant: kept as history, never removed."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="breaches")
    kind = models.CharField(_("clock"), max_length=8, choices=SlaKind.choices)
    due_at = models.DateTimeField(_("due at"))
    detected_at = models.DateTimeField(_("detected at"))
    level = models.CharField(_("agreement level"), max_length=40)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)

    class Meta:
        verbose_name = _("SLA breach")
        verbose_name_plural = _("SLA breaches")
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "ticket", "kind", "due_at"],
                name="helpdesk_breach_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.due_at}"


class EscalationEvent(TenantModel):
    """One escalation rule fired for one ticket and one due instant (re-armed if the due moves)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="escalations")
    rule = models.ForeignKey(EscalationRule, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(_("fired at"))
    action = models.CharField(_("action"), max_length=16, choices=EscalationAction.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "ticket", "rule", "due_at"],
                name="helpdesk_escalation_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action}"


class Survey(TenantModel):
    """The satisfaction survey of one closed ticket: sent, then answered once."""

    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="survey")
    sent_at = models.DateTimeField(_("sent at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score (1-5)"), null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return str(self.ticket_id)


class NotificationPreference(TenantModel):
    """A user's choice for one e-mail event in one organization (no row: the e-mail is sent)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="helpdesk_preferences"
    )
    event = models.CharField(_("event"), max_length=16, choices=NotificationEvent.choices)
    enabled = models.BooleanField(_("send me an e-mail"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "event"], name="helpdesk_pref_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event} {self.enabled}"


class Article(TenantModel):
    """A knowledge-base article of the provider: public to municipal staff, or internal."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"), max_length=50000)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("category"),
    )  # fmt: skip
    is_public = models.BooleanField(_("visible to municipal staff"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tickets = models.ManyToManyField(Ticket, blank=True, related_name="articles")
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("knowledge-base article")
        verbose_name_plural = _("knowledge-base articles")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "title"], name="helpdesk_article_unique_title"
            )
        ]

    def __str__(self) -> str:
        return self.title


# --- telecom faults (issue 19): the operator's side of a ticket --------------------------------------
class TelecomOperator(TenantModel):
    """A telecom operator the provider escalates its members' faults to (the provider's row)."""

    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("fault reporting e-mail"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    sla_hours = models.PositiveIntegerField(
        _("operator's repair time (hours)"),
        default=24,
        help_text=_("What the contract with the operator promises, in clock hours."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("telecom operator")
        verbose_name_plural = _("telecom operators")
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="helpdesk_operator_name")
        ]

    def __str__(self) -> str:
        return self.name


class TelecomKind(models.TextChoices):
    FAULT = "fault", _("Fault")
    COVERAGE = "coverage", _("Coverage complaint")


class TelecomService(models.TextChoices):
    FIXED_LINE = "fixed_line", _("Fixed line")
    MOBILE_LINE = "mobile_line", _("Mobile line")
    INTERNET = "internet", _("Internet access")
    CIRCUIT = "circuit", _("Data circuit")
    OTHER = "other", _("Other")


class TelecomFault(TenantModel):
    """A ticket of the telecom kind: the operator, the affected service, the operator's reference
    and clock. `organization` is the member (as on its ticket)."""

    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="telecom")
    operator = models.ForeignKey(
        TelecomOperator, on_delete=models.PROTECT, related_name="+", verbose_name=_("operator")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=TelecomKind.choices, default=TelecomKind.FAULT
    )
    service = models.CharField(_("affected service"), max_length=12, choices=TelecomService.choices)
    service_id = models.CharField(
        _("line or circuit"), max_length=80, blank=True, help_text=_("Number or circuit id.")
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    operator_reference = models.CharField(_("operator's reference"), max_length=80, blank=True)
    sla_hours = models.PositiveIntegerField(_("operator's repair time (hours)"))
    escalated_at = models.DateTimeField(_("escalated to the operator"), null=True, blank=True)
    operator_due_at = models.DateTimeField(_("operator's deadline"), null=True, blank=True)
    operator_resolved_at = models.DateTimeField(_("operator solved it"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("telecom fault")
        verbose_name_plural = _("telecom faults")
        indexes = [models.Index(fields=["operator", "created_at"], name="helpdesk_telecom_op")]
