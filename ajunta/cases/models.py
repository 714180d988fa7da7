"""Case files (expedients): the procedure catalogue, case files with their interested parties,
legal deadline and its history, the ordered documents with their versions, tasks, and the decrees book.

What is registered or signed never changes: a signed document is immutable, a numbered decree is
never renumbered, a case is closed rather than deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.core.integrity import SealedRecord
from ajunta.core.models import Document, EniDocumentType, TenantModel
from ajunta.core.parties import IdType, PartyRole, PersonType

DEFAULT_NUMBER_FORMAT = "{year}/{seq:06d}"
DECREE_NUMBER_FORMAT = "{year}/{seq:04d}"
CASE_SERIES = "cases.case"
DECREE_SERIES = "cases.decree"


class DeadlineUnit(models.TextChoices):
    BUSINESS_DAYS = "business_days", _("business days")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    MONTHS = "months", _("months")


class SilenceEffect(models.TextChoices):
    POSITIVE = "positive", _("Positive (granted)")
    NEGATIVE = "negative", _("Negative (refused)")
    NONE = "none", _("Not applicable")


class Confidentiality(models.TextChoices):
    NORMAL = "normal", _("Normal")
    RESTRICTED = "restricted", _("Restricted")
    CONFIDENTIAL = "confidential", _("Confidential")


class Initiation(models.TextChoices):
    STAFF = "staff", _("Staff only (ex officio)")
    CITIZEN = "citizen", _("Citizens online")
    BOTH = "both", _("Citizens online and staff")


class CasesSettings(TenantModel):
    """Per-organization case settings. Without a row, the defaults apply."""

    number_format = models.CharField(
        _("case number format"),
        max_length=60,
        default=DEFAULT_NUMBER_FORMAT,
        help_text=_("Fields: {year}, {seq}; e.g. {year}/{seq:06d} gives 2026/000045."),
    )

    class Meta:
        verbose_name = _("case settings")
        verbose_name_plural = _("case settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="cases_settings_one_per_org")
        ]

    def __str__(self) -> str:
        return self.number_format


class Procedure(TenantModel):
    """A type of case: its phases, legal deadline, silence, required documents.

    In the provider's organization a procedure marked as a template is offered to the members,
    who adopt it by copying it into their own catalogue (and may then change their copy).
    """

    code = models.CharField(_("code"), max_length=30)
    sia_code = models.CharField(_("SIA code"), max_length=20, blank=True)
    name = models.CharField(_("name"), max_length=200)
    classification = models.CharField(_("classification"), max_length=120, blank=True)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    deadline_value = models.PositiveSmallIntegerField(_("legal deadline"), null=True, blank=True)
    deadline_unit = models.CharField(
        _("deadline unit"),
        max_length=16,
        choices=DeadlineUnit.choices,
        default=DeadlineUnit.MONTHS,
    )
    silence_effect = models.CharField(
        _("effect of silence"),
        max_length=10,
        choices=SilenceEffect.choices,
        default=SilenceEffect.NEGATIVE,
    )
    # One required document per line: a checklist shown on every case of the procedure.
    required_documents = models.TextField(_("required documents"), max_length=4000, blank=True)
    # The ordered workflow: a list of {"code": ..., "name": ..., "next": [codes]}; an empty "next"
    # allows only the following phase.
    phases = models.JSONField(_("phases"), default=list, blank=True)
    initiation = models.CharField(
        _("who may start it"), max_length=8, choices=Initiation.choices, default=Initiation.BOTH
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=12,
        choices=Confidentiality.choices,
        default=Confidentiality.NORMAL,
    )
    is_template = models.BooleanField(_("offered to members as a template"), default=False)
    adopted_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("adopted from"),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="cases_procedure_code")
        ]
        indexes = [models.Index(fields=["is_template", "organization"], name="cases_proc_tpl")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def required_document_list(self) -> list[str]:
        return [line.strip() for line in self.required_documents.splitlines() if line.strip()]


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUSPENDED = "suspended", pgettext_lazy("case file", "Suspended")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


# A case is active (its deadline runs or is suspended) in these statuses.
ACTIVE_STATUSES = frozenset({CaseStatus.OPEN, CaseStatus.SUSPENDED})


class Case(TenantModel):
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40)
    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="cases", verbose_name=_("procedure")
    )
    subject = models.CharField(_("subject"), max_length=240)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    phase = models.CharField(_("phase"), max_length=40, blank=True)
    # Origin: the registry entry that started it (same organization), or none when ex officio.
    origin_entry = models.ForeignKey(
        "registry.RegistryEntry", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("origin (registry entry)"),
    )  # fmt: skip
    responsible_unit = models.ForeignKey(
        "registry.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("responsible unit"),
    )  # fmt: skip
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("responsible person"),
    )  # fmt: skip
    related_cases = models.ManyToManyField("self", blank=True, verbose_name=_("related cases"))
    opened_at = models.DateTimeField(_("opened at"))
    # The day the deadline counts from (the filing's effective day, or the opening day).
    start_date = models.DateField(_("deadline counts from"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    suspended_since = models.DateField(_("suspended since"), null=True, blank=True)
    extended = models.BooleanField(_("deadline extended"), default=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Lower-cased, accent-free number, subject and parties: what search reads.
    search_document = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "sequence"], name="cases_case_unique_sequence"
            ),
            models.UniqueConstraint(fields=["organization", "number"], name="cases_case_number"),
        ]
        indexes = [
            models.Index(fields=["organization", "-opened_at", "-id"], name="cases_case_org_time"),
            models.Index(fields=["organization", "status", "due_date"], name="cases_case_org_due"),
            models.Index(fields=["organization", "responsible"], name="cases_case_org_resp"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class DeadlineEventKind(models.TextChoices):
    SUSPEND = "suspend", pgettext_lazy("deadline", "Suspended")
    RESUME = "resume", _("Resumed")
    EXTEND = "extend", _("Extended")


class DeadlineEvent(TenantModel):
    """One change of a case's deadline, with its reason: the history the due date comes from."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="deadline_events")
    kind = models.CharField(_("kind"), max_length=8, choices=DeadlineEventKind.choices)
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=500)
    previous_due_date = models.DateField(null=True, blank=True)
    new_due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["case", "created_at", "id"]


class CaseStatusEvent(TenantModel):
    """One change of a case's status (resolve, close, archive, reopen) with its reason: what the
    case page shows, and, for a close that the procedure's rules refused, the explicit override
    reason and what was missing at that moment (also in the audit chain)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="status_events")
    from_status = models.CharField(_("from"), max_length=10, choices=CaseStatus.choices)
    to_status = models.CharField(_("to"), max_length=10, choices=CaseStatus.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    # The rules that were not met when an override reason let the change through (codes and the
    # words shown then); empty when every rule was met.
    missing = models.JSONField(_("missing when overridden"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["case", "created_at", "id"]

    @property
    def is_override(self) -> bool:
        return bool(self.missing)


class CaseParty(TenantModel):
    """An interested party of a case: the registry's party fields, held by the case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parties")
    position = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(
        _("role"), max_length=16, choices=PartyRole.choices, default=PartyRole.INTERESTED
    )
    person_type = models.CharField(_("person type"), max_length=8, choices=PersonType.choices)
    id_type = models.CharField(_("identity document"), max_length=1, choices=IdType.choices)
    id_number = models.CharField(_("document number"), max_length=20)
    name = models.CharField(_("name or company name"), max_length=80)
    first_surname = models.CharField(_("first surname"), max_length=30, blank=True)
    second_surname = models.CharField(_("second surname"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=160, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    email = models.EmailField(_("e-mail"), max_length=160, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # The register's person (persons app): today's data; the fields above are what was filed.
    person = models.ForeignKey(
        "persons.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("person"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("interested party")
        verbose_name_plural = _("interested parties")
        ordering = ["case", "position"]
        indexes = [models.Index(fields=["organization", "id_number"], name="cases_party_org_id")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.name, self.first_surname, self.second_surname) if p)


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    PUBLISHED = "published", _("Published to the interested parties")


class CaseDocument(TenantModel):
    """A place in the case's ordered index. Its content is the latest version until it is signed;
    once signed, `document` is the signed PDF (registered, immutable) and no version may follow."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents")
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("file")
    )
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signature_provider = models.CharField(_("signature service"), max_length=40, blank=True)
    # Whether a certificate signature is embedded (False: no certificate configured; the
    # signature is recorded by the platform only).
    certificate_signed = models.BooleanField(_("certificate signature"), default=False)
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "case", "position"], name="cases_document_position"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class CaseDocumentVersion(TenantModel):
    """Every version a case document had, the signed one last."""

    case_document = models.ForeignKey(
        CaseDocument, on_delete=models.PROTECT, related_name="versions"
    )
    version = models.PositiveSmallIntegerField(_("version"))
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["case_document", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "case_document", "version"], name="cases_document_version"
            )
        ]


class CaseTask(TenantModel):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("assigned to"),
    )  # fmt: skip
    due_date = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["done_at", "due_date", "id"]
        indexes = [
            models.Index(fields=["organization", "assignee", "done_at", "due_date"],
                         name="cases_task_org_assignee"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.title


class DecreeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed by the mayor")
    NUMBERED = "numbered", _("In the decrees book")


class Decree(SealedRecord, TenantModel):
    """A resolution: drafted, signed by the mayor, then taken note of by the secretary, which
    gives it its number in the decrees book (its own gap-free yearly series)."""

    # Sealed when it enters the book (decree_take_note); a draft or a signed decree still waiting
    # for its number has no seal yet. The signed PDF's SHA-256 is sealed with it.
    SEALED_FIELDS = (
        "case_id", "title", "body", "status", "year", "sequence", "number", "signed_at",
        "signed_by_id", "noted_at", "noted_by_id", "document_id", "document.sha256",
    )  # fmt: skip

    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="decrees",
        verbose_name=_("case file"),
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=240)
    body = models.TextField(_("text of the resolution"), max_length=20000)
    status = models.CharField(
        _("status"), max_length=10, choices=DecreeStatus.choices, default=DecreeStatus.DRAFT
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    number = models.CharField(_("number"), max_length=40, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("signed by"),
    )  # fmt: skip
    noted_at = models.DateTimeField(_("taken note at"), null=True, blank=True)
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("taken note of by"),
    )  # fmt: skip
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("signed PDF"),
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("decree")
        verbose_name_plural = _("decrees")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year", "sequence"],
                condition=models.Q(sequence__isnull=False),
                name="cases_decree_unique_sequence",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "noted_at"], name="cases_decree_book"),
        ]

    def __str__(self) -> str:
        return self.number or self.title

    def sealed_reference(self) -> str:
        return self.number

    def must_be_sealed(self) -> bool:
        return self.status == DecreeStatus.NUMBERED


class NotificationStatus(models.TextChoices):
    AVAILABLE = "available", _("Made available")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", pgettext_lazy("notification", "Rejected")
    DEEMED_REJECTED = "deemed_rejected", _("Deemed rejected (not opened in 10 days)")


class Notification(SealedRecord, TenantModel):
    """An electronic notification of a signed case document to one interested party (art. 43).

    Made available in the citizen portal and recorded as an outgoing registry entry; the party
    accepts (opens) or rejects it, and with no access in 10 calendar days it is deemed rejected.
    """

    # Sealed when sent: what was notified, to whom, under which entry and when. Its outcome
    # (status, alerted_at, accessed_at, resolved_at) is written later by the services.
    SEALED_FIELDS = (
        "case_id", "case_document_id", "party_id", "id_number", "registry_entry_id",
        "made_available_at", "created_by_id",
    )  # fmt: skip
    SEALED_RELATED = ("registry_entry",)

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notifications")
    case_document = models.ForeignKey(
        CaseDocument, on_delete=models.PROTECT, related_name="notifications",
        verbose_name=_("document"),
    )  # fmt: skip
    party = models.ForeignKey(
        CaseParty, on_delete=models.PROTECT, related_name="notifications",
        verbose_name=_("interested party"),
    )  # fmt: skip
    # The party's identity number as notified: how the citizen portal finds it (user.nif).
    id_number = models.CharField(_("document number"), max_length=20)
    registry_entry = models.ForeignKey(
        "registry.RegistryEntry", on_delete=models.PROTECT, related_name="+",
        verbose_name=_("outgoing registry entry"),
    )  # fmt: skip
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=NotificationStatus.choices,
        default=NotificationStatus.AVAILABLE,
    )
    made_available_at = models.DateTimeField(_("made available at"))
    alerted_at = models.DateTimeField(_("alert sent at"), null=True, blank=True)
    accessed_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("accepted or rejected at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-made_available_at", "-id"]
        indexes = [
            models.Index(fields=["status", "made_available_at"], name="cases_notif_status_time"),
            models.Index(fields=["id_number", "-made_available_at"], name="cases_notif_party"),
            models.Index(fields=["organization", "case"], name="cases_notif_org_case"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.pk}"

    def sealed_reference(self) -> str:
        return f"{self.registry_entry.number} notification"


class EniExport(TenantModel):
    """One ENI export of a closed case: its signed index (a registered document with a secure
    verification code, so that anyone holding the code can check it)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="eni_exports")
    index_document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]


class DocumentTemplate(TenantModel):
    """A text with merge fields ($case_number, $party_name, ...) that a case document is written
    from: a requirement letter, a resolution proposal, a report."""

    name = models.CharField(_("name"), max_length=120)
    document_type = models.CharField(
        _("document type"), max_length=4, choices=EniDocumentType.choices, default="TD99"
    )
    body = models.TextField(_("text"), max_length=20000)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="cases_template_name")
        ]

    def __str__(self) -> str:
        return self.name


class DecreeBookClosure(SealedRecord, TenantModel):
    """The yearly decrees book closed with the secretary's diligence: how many decrees it holds,
    from which number to which, and the sealed PDF of the book with the diligence at its end
    (registered, with a secure verification code). Sealed: the database refuses changes."""

    SEALED_FIELDS = (
        "year", "decree_count", "first_number", "last_number", "closed_at", "closed_by_id",
        "document_id", "document.sha256",
    )  # fmt: skip
    SEALED_RELATED = ("document",)

    year = models.PositiveSmallIntegerField(_("year"))
    decree_count = models.PositiveIntegerField(_("decrees"))
    first_number = models.CharField(_("first number"), max_length=40, blank=True)
    last_number = models.CharField(_("last number"), max_length=40, blank=True)
    closed_at = models.DateTimeField(_("closed at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("closed by"),
    )  # fmt: skip
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+", verbose_name=_("closed book (PDF)")
    )

    class Meta:
        verbose_name = _("decrees book closure")
        verbose_name_plural = _("decrees book closures")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="cases_book_closure_year")
        ]

    def __str__(self) -> str:
        return str(self.year)

    def sealed_reference(self) -> str:
        return f"decrees book {self.year}"
