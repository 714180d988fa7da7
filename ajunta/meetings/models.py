"""Collegiate bodies (the plenary, the local government board, committees), their members and
offices, sessions with their convocations, agenda items, attendance, votes and minutes.

Legal frame (docs/meetings.md): LRBRL (Ley 7/1985) art. 46 for periodicity, notice and quorum;
LOREG art. 179 for the legal number of councillors; ROF (RD 2568/1986) for agenda, urgency and
minutes. A decided agenda item and signed minutes are sealed records (core.integrity).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.core.integrity import SealedRecord
from ajunta.core.models import TenantModel


class BodyKind(models.TextChoices):
    PLENARY = "plenary", _("Plenary")
    BOARD = "board", _("Local government board")
    COMMITTEE = "committee", _("Committee")


class Body(TenantModel):
    kind = models.CharField(_("kind"), max_length=12, choices=BodyKind.choices)
    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(_("code"), max_length=20)
    # The legal number of members: for the plenary, the councillors by population (LOREG 179).
    legal_members = models.PositiveSmallIntegerField(_("legal number of members"))
    # The council's own rules, where stricter than the law (null: the law).
    own_quorum = models.PositiveSmallIntegerField(
        _("own quorum (members present)"), null=True, blank=True
    )
    own_period_months = models.PositiveSmallIntegerField(
        _("own periodicity of ordinary sessions (months)"), null=True, blank=True
    )
    weighted_voting = models.BooleanField(_("weighted voting"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("collegiate body")
        verbose_name_plural = _("collegiate bodies")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="meetings_body_code")
        ]

    def __str__(self) -> str:
        return self.name


class Office(models.TextChoices):
    MAYOR = "mayor", _("Mayor")
    DEPUTY_MAYOR = "deputy_mayor", _("Deputy mayor")
    COUNCILLOR = "councillor", _("Councillor")
    SECRETARY = "secretary", _("Secretary")


class Member(TenantModel):
    """A person's seat in a body for a period (a term of office)."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("user"),
    )  # fmt: skip
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    office = models.CharField(_("office"), max_length=16, choices=Office.choices)
    group = models.CharField(_("political group"), max_length=100, blank=True)
    weight = models.DecimalField(_("vote weight"), max_digits=6, decimal_places=2, default=1)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["body", "office", "name"]
        indexes = [models.Index(fields=["organization", "user"], name="meetings_member_user")]

    def __str__(self) -> str:
        return f"{self.name} · {self.get_office_display()}"

    @property
    def votes(self) -> bool:
        """The secretary attends and certifies, but is not a member who votes or makes quorum."""
        return self.office != Office.SECRETARY


class SessionKind(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    EXTRAORDINARY = "extraordinary", _("Extraordinary")
    URGENT = "urgent", _("Extraordinary and urgent")


class SessionMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    REMOTE = "remote", _("Remote")
    MIXED = "mixed", _("Mixed")


class SessionStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    CONVENED = "convened", _("Convened")
    OPEN = "open", _("In progress")
    CLOSED = "closed", _("Held")


class Session(TenantModel):
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=14, choices=SessionKind.choices)
    mode = models.CharField(
        _("mode"), max_length=10, choices=SessionMode.choices, default=SessionMode.IN_PERSON
    )
    remote_justification = models.TextField(_("reason for remote attendance"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    number = models.CharField(_("number"), max_length=40, blank=True)
    convened_at = models.DateTimeField(_("convened at"), null=True, blank=True)
    agenda_document = models.ForeignKey(
        "core.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("agenda and convocation"),
    )  # fmt: skip
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    stream_url = models.URLField(_("public streaming URL"), blank=True)
    recording_sha256 = models.CharField(_("recording hash (SHA-256)"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-starts_at"]
        indexes = [
            models.Index(fields=["organization", "starts_at"], name="meetings_session_start")
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.number or self.starts_at:%Y-%m-%d}"

    @property
    def allows_remote(self) -> bool:
        return self.mode in (SessionMode.REMOTE, SessionMode.MIXED)


class Convocation(TenantModel):
    """The convocation as sent to one member, and their acknowledgement of receipt."""

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="convocations")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="convocations")
    sent_at = models.DateTimeField(_("sent at"))
    sent_to = models.EmailField(_("sent to"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("convocation")
        verbose_name_plural = _("convocations")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "session", "member"], name="meetings_convocation_once"
            )
        ]


class ItemKind(models.TextChoices):
    MINUTES = "minutes", _("Approval of the minutes")
    PROPOSAL = "proposal", _("Proposal")
    URGENT = "urgent", _("Urgent motion")
    INFORMATION = "information", _("Information")
    QUESTIONS = "questions", _("Requests and questions")


class ItemStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed for review")
    INCLUDED = "included", _("On the agenda")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class VoteMethod(models.TextChoices):
    SHOW_OF_HANDS = "show_of_hands", _("Show of hands")
    ROLL_CALL = "roll_call", _("Roll call")
    SECRET = "secret", _("Secret ballot")


class ItemResult(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", pgettext_lazy("vote result", "Rejected")
    NOTED = "noted", _("Noted (no vote)")


# Kinds decided without a vote: what is read out and recorded.
UNVOTED_KINDS = frozenset({ItemKind.INFORMATION, ItemKind.QUESTIONS})


class AgendaItem(SealedRecord, TenantModel):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ItemKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.PROPOSED
    )
    title = models.CharField(_("title"), max_length=300)
    proposal = models.TextField(_("proposed agreement"), blank=True)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("case file"),
    )  # fmt: skip
    opinion = models.TextField(_("committee's opinion"), blank=True)
    minutes_of = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("minutes of the session"),
    )  # fmt: skip
    # An urgent motion is debated only after the body votes its urgency (ROF art. 91.4, 97.3).
    urgency_approved = models.BooleanField(_("urgency approved"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    # The decision (sealed once decided).
    deliberation = models.TextField(_("summary of the deliberation"), blank=True)
    vote_method = models.CharField(
        _("vote method"), max_length=14, choices=VoteMethod.choices, blank=True
    )
    votes_yes = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    votes_no = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    votes_abstain = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(0))
    present = models.PositiveSmallIntegerField(_("members present"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=ItemResult.choices, blank=True)
    agreement = models.TextField(
        pgettext_lazy("decision of a collegiate body", "agreement"), blank=True
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Seconds from the start of the recording: the video minutes' index.
    time_code = models.PositiveIntegerField(_("time code (s)"), null=True, blank=True)
    # Where the certificate of the agreement went in the case file (not part of the seal).
    certificate_document = models.ForeignKey(
        "core.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )  # fmt: skip

    SEALED_FIELDS = (
        "session_id", "position", "kind", "title", "proposal", "case_id", "minutes_of_id",
        "urgency_approved", "deliberation", "vote_method", "votes_yes", "votes_no",
        "votes_abstain", "present", "result", "agreement", "decided_at", "time_code",
    )  # fmt: skip

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["session", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.position or '-'}. {self.title}"

    def sealed_reference(self) -> str:
        return f"session {self.session_id} item {self.position}"

    def must_be_sealed(self) -> bool:
        return self.status == ItemStatus.DECIDED

    @property
    def is_voted(self) -> bool:
        return self.kind not in UNVOTED_KINDS


class Choice(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    ABSTAIN = "abstain", _("Abstain")


class Ballot(TenantModel):
    """One member's vote on an item (show of hands and roll call; a secret ballot keeps none)."""

    item = models.ForeignKey(AgendaItem, on_delete=models.PROTECT, related_name="ballots")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(_("vote"), max_length=8, choices=Choice.choices)
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "item", "member"], name="meetings_ballot_once"
            )
        ]


class AttendanceKind(models.TextChoices):
    ARRIVE = "arrive", _("Arrives")
    LEAVE = "leave", _("Leaves")


class AttendanceEvent(TenantModel):
    Kind = AttendanceKind

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    remote = models.BooleanField(_("remote"), default=False)
    # "video" when the join/leave endpoint recorded it, "secretary" when written by hand.
    source = models.CharField(max_length=10, default="secretary")

    class Meta:
        ordering = ["at", "pk"]


class MinutesStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SIGNED = "signed", _("Signed and numbered")


class Minutes(SealedRecord, TenantModel):
    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="minutes")
    status = models.CharField(
        _("status"), max_length=10, choices=MinutesStatus.choices, default=MinutesStatus.DRAFT
    )
    body = models.TextField(_("text of the minutes"))
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    approved_in = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("approved in session"),
    )  # fmt: skip
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    secretary_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    secretary_signed_at = models.DateTimeField(null=True, blank=True)
    mayor_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mayor_signed_at = models.DateTimeField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    number = models.CharField(_("number in the minutes book"), max_length=40, blank=True)
    document = models.ForeignKey(
        "core.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signature_provider = models.CharField(max_length=40, blank=True)
    certificate_signed = models.BooleanField(default=False)

    SEALED_FIELDS = (
        "session_id", "body", "approved_in_id", "approved_at", "secretary_signed_by_id",
        "secretary_signed_at", "mayor_signed_by_id", "mayor_signed_at", "year", "sequence",
        "number", "document_id", "document.sha256",
    )  # fmt: skip

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return self.number or f"minutes of session {self.session_id}"

    def sealed_reference(self) -> str:
        return self.number

    def must_be_sealed(self) -> bool:
        return self.status == MinutesStatus.SIGNED
