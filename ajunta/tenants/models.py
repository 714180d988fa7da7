"""Organizations: the provider and every member body served by this Ajunta deployment."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.core.validators import validate_dir3_code, validate_ine_code

two_digits = RegexValidator(r"^\d{2}$", _("Two digits, e.g. 08."))


class OrganizationKind(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    MUNICIPALITY = "municipality", _("Municipality")
    COUNTY_COUNCIL = "county_council", _("County council")
    PROVINCIAL_COUNCIL = "provincial_council", _("Provincial council")
    CONSORTIUM = "consortium", _("Consortium")
    OTHER_LOCAL_ENTITY = "other_local_entity", _("Other local entity")


class Organization(models.Model):
    kind = models.CharField(_("kind"), max_length=24, choices=OrganizationKind.choices)
    is_provider = models.BooleanField(
        _("runs this platform"),
        default=False,
        help_text=_("The supra-municipal body that provides Ajunta to its members."),
    )
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name (URL)"), max_length=60, unique=True)
    ine_code = models.CharField(
        _("INE code"), max_length=6, blank=True, validators=[validate_ine_code]
    )
    dir3_code = models.CharField(
        _("DIR3 code"), max_length=9, blank=True, validators=[validate_dir3_code]
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population year"), null=True, blank=True)
    province_code = models.CharField(
        _("province code"), max_length=2, blank=True, validators=[two_digits]
    )
    autonomous_community_code = models.CharField(
        _("autonomous community code"),
        max_length=2,
        validators=[two_digits],
        help_text=_(
            "INE code of the autonomous community (09 Catalonia); it selects the holidays."
        ),
    )
    comarca = models.CharField(_("comarca"), max_length=80, blank=True)
    # The language of its pages and content when the reader has not chosen one (core.languages).
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language of its pages and content for users who have not chosen one."),
    )
    # The terms and modules of this member's services agreements, copied here by the agreement
    # services (tenants.services) so that every page knows the member's modules without a query.
    # None: no services agreement on record (only the provider's default modules are on).
    agreement_modules = models.JSONField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["ine_code"],
                condition=~models.Q(ine_code="") & models.Q(kind="municipality"),
                name="tenants_org_unique_municipality_ine",
            ),
            models.UniqueConstraint(
                fields=["dir3_code"],
                condition=~models.Q(dir3_code=""),
                name="tenants_org_unique_dir3",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.ine_code and self.province_code and self.ine_code[:2] != self.province_code:
            errors["province_code"] = _(
                "The province code must match the INE code's first two digits."
            )
        if (
            self.kind == OrganizationKind.MUNICIPALITY
            and self.ine_code
            and self.dir3_code.startswith("L01")
            and self.dir3_code[3:] != self.ine_code
        ):
            errors["dir3_code"] = _("A town council's DIR3 code is L01 followed by its INE code.")
        if errors:
            raise ValidationError(errors)

    # --- which modules this organization's staff see (core.modules calls it) ----------------------
    def uses_module(self, code: str) -> bool:
        """The provider uses everything, "members" included; a member uses what its agreement gives.

        A member with a services agreement in force (or extended) uses the modules of the catalogue
        services the agreement lists. One with no agreement in force, none on record or all ended,
        uses only what the provider grants by default (settings.MEMBER_DEFAULT_MODULES, out of the
        box the helpdesk alone, so that it can still ask for help): not knowing what a member
        contracted is not a reason to show it everything (fail closed, issue 19).
        No query: it reads `agreement_modules`, which the agreement services keep up to date.
        """
        if self.is_provider:
            return True
        if code == MEMBERS_MODULE:
            return False
        codes = self.__dict__.get("_module_codes", _UNSET)
        if codes is _UNSET:
            codes = self.__dict__["_module_codes"] = modules_in_force(
                self.agreement_modules, timezone.localdate()
            )
        if not codes:
            return code in default_modules()
        return code in codes  # type: ignore[operator]

    def receives_module(self, code: str) -> bool:
        """Whether things may be delivered into this organization's module `code` (routing).

        The provider receives in every module; a member only in the modules of the agreement in
        force today. No agreement on record is a refusal here, unlike `uses_module`: what is
        delivered must land where this organization's staff can open it (core.modules).
        """
        if self.is_provider:
            return True
        codes = modules_in_force(self.agreement_modules, timezone.localdate())
        return codes is not None and code in codes


MEMBERS_MODULE = "members"
_UNSET = object()


def default_modules() -> frozenset[str]:
    """The modules a member with no services agreement in force uses (a setting)."""
    return frozenset(getattr(settings, "MEMBER_DEFAULT_MODULES", ("helpdesk",)))


def modules_in_force(spans: list | None, on: dt.date) -> frozenset[str] | None:
    """None with no services agreement on record, else the modules of the one in force on `on`.

    `spans` is Organization.agreement_modules: [[start, end, extended, [module, ...]], ...].
    """
    if spans is None:
        return None
    terms = {
        i: (dt.date.fromisoformat(start), dt.date.fromisoformat(end), bool(extended))
        for i, (start, end, extended, _modules) in enumerate(spans)
    }
    chosen = pick_in_force(terms, on)
    return frozenset(spans[chosen][3]) if chosen is not None else frozenset()


def pick_in_force(spans: dict[int, tuple[dt.date, dt.date, bool]], on: dt.date) -> int | None:
    """The agreement in force on `on`: the one whose term covers it, else an extended one whose
    term ended and that no later agreement replaced yet (an extension lasts until the new one)."""
    covering = [pk for pk, (start, end, _e) in spans.items() if start <= on <= end]
    if covering:
        return max(covering, key=lambda pk: spans[pk][0])
    started = [pk for pk, (start, _end, _e) in spans.items() if start <= on]
    if not started:
        return None
    latest = max(started, key=lambda pk: spans[pk][0])
    return latest if spans[latest][2] else None


# --- membership -------------------------------------------------------------------------------------
class MembershipStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    LEFT = "left", _("Left")
    REJECTED = "rejected", _("Rejected")


class Membership(models.Model):
    """A body's admission to the provider (adhesió). `organization` is the provider.

    An application from the public site records the applicant's details; the member organization
    is created (or found by INE code) only when the provider approves it.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships_held"
    )
    member = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("member"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=MembershipStatus.choices, db_index=True
    )
    applicant_name = models.CharField(_("name of the body"), max_length=200)
    applicant_kind = models.CharField(_("kind"), max_length=24, choices=OrganizationKind.choices)
    ine_code = models.CharField(
        _("INE code"), max_length=6, blank=True, validators=[validate_ine_code]
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    applied_on = models.DateField(_("applied on"))
    start_date = models.DateField(_("member since"), null=True, blank=True)
    end_date = models.DateField(_("left on"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["applicant_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "member"],
                condition=models.Q(member__isnull=False),
                name="tenants_membership_unique_member",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.applicant_name


class MembershipEvent(models.Model):
    """The membership's history: every change of status, with who, when and why."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(max_length=12, choices=MembershipStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=MembershipStatus.choices)
    on = models.DateField(_("date"))
    reason = models.TextField(_("reason"), blank=True)
    actor_repr = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} ({self.on})"


# --- services catalogue -----------------------------------------------------------------------------
class RequestableBy(models.TextChoices):
    ALL_MEMBERS = "all", _("Every member")
    MUNICIPALITIES = "municipalities", _("Municipalities")
    SMALL_MUNICIPALITIES = "small", _("Municipalities under 5,000 inhabitants")
    PROVIDER = "provider", _("Provider staff only")


class CatalogueService(models.Model):
    """An item of the provider's services catalogue. `module` switches an Ajunta module on."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    module = models.CharField(
        _("Ajunta module"),
        max_length=20,
        blank=True,
        help_text=_("The Ajunta module this service switches on for the members that receive it."),
    )
    requestable_by = models.CharField(
        _("who may request it"),
        max_length=16,
        choices=RequestableBy.choices,
        default=RequestableBy.ALL_MEMBERS,
    )
    included_in_membership = models.BooleanField(_("included in membership"), default=True)
    price = models.DecimalField(
        _("price (EUR)"), max_digits=10, decimal_places=2, null=True, blank=True,
        help_text=_("For value-added services not included in membership."),
    )  # fmt: skip
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("catalogue service")
        verbose_name_plural = _("catalogue services")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="tenants_service_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- agreements -------------------------------------------------------------------------------------
class AgreementKind(models.TextChoices):
    SERVICES = "services", _("Services agreement")
    SPONSORSHIP = "sponsorship", _("Sponsorship agreement")


class AgreementStatus(models.TextChoices):
    SIGNED = "signed", _("Signed")
    ANNULLED = "annulled", _("Annulled")


SLA_LEVELS = [("standard", _("Standard")), ("priority", pgettext_lazy("SLA level", "Priority"))]


class Agreement(models.Model):
    """A multi-year agreement (conveni) between the provider and a member or a sponsor.

    A services agreement lists the catalogue services the member receives; a sponsorship agreement
    makes `member` (e.g. a provincial council) the payer of fee rules that name it as sponsor.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="agreements", verbose_name=_("member")
    )
    kind = models.CharField(
        _("kind"), max_length=12, choices=AgreementKind.choices, default=AgreementKind.SERVICES
    )
    title = models.CharField(_("title"), max_length=200)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    extended = models.BooleanField(_("extended until a new one is signed"), default=False)
    services = models.ManyToManyField(
        CatalogueService, blank=True, related_name="agreements", verbose_name=_("services")
    )
    support_hours_per_year = models.PositiveIntegerField(
        _("support hours a year"), null=True, blank=True
    )
    sla_level = models.CharField(
        _("service level"), max_length=12, choices=SLA_LEVELS, default="standard"
    )
    scope = models.TextField(_("scope"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.SIGNED
    )
    annulment_reason = models.TextField(_("reason for annulment"), blank=True)
    # The day the provider was warned that this agreement is about to end: warned once only.
    expiry_alert_sent_on = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-start_date", "pk"]
        indexes = [
            models.Index(fields=["organization", "end_date"]),
            models.Index(fields=["member", "kind"]),
        ]

    def __str__(self) -> str:
        return self.title


# --- fees -------------------------------------------------------------------------------------------
class FeePayer(models.TextChoices):
    MEMBER = "member", _("The member")
    SPONSOR = "sponsor", _("A sponsor")


class FeeRule(models.Model):
    """The yearly fee of members in a population bracket, from a date on.

    For a year, each member gets the rule in force on 1 January that covers its population; when
    several do, the most recent one. Rules are never changed: a new rule with a later date replaces
    an old one, so past years keep their fees.
    """

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField(_("in force from"))
    min_population = models.PositiveIntegerField(_("from (inhabitants)"), default=0)
    max_population = models.PositiveIntegerField(
        _("up to (inhabitants)"), null=True, blank=True, help_text=_("Empty: no upper limit.")
    )
    amount = models.DecimalField(_("yearly fee (EUR)"), max_digits=10, decimal_places=2)
    payer = models.CharField(
        _("who pays"), max_length=8, choices=FeePayer.choices, default=FeePayer.MEMBER
    )
    sponsor = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sponsor"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fee rule")
        verbose_name_plural = _("fee rules")
        ordering = ["-valid_from", "min_population"]
        indexes = [models.Index(fields=["organization", "valid_from"])]

    def __str__(self) -> str:
        top = self.max_population if self.max_population is not None else "…"
        return f"{self.valid_from}: {self.min_population}-{top} · {self.amount}"

    def covers(self, population: int) -> bool:
        return self.min_population <= population and (
            self.max_population is None or population <= self.max_population
        )


# --- training sessions and visits -------------------------------------------------------------------
class SessionKind(models.TextChoices):
    GROUP = "group", _("Group training")
    INDIVIDUAL = "individual", _("Individual training")
    VISIT = "visit", _("Visit")


class TrainingSession(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=SessionKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("places"), null=True, blank=True)
    max_population = models.PositiveIntegerField(
        _("for members up to (inhabitants)"), null=True, blank=True,
        help_text=_("E.g. group sessions for councils under 500 inhabitants."),
    )  # fmt: skip
    visited = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("member visited"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["organization", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="enrolments"
    )
    member = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="enrolments")
    participants = models.PositiveSmallIntegerField(_("participants"), default=1)
    attended = models.BooleanField(_("attended"), null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "session", "member"], name="tenants_enrolment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.member_id}"


# --- public website ---------------------------------------------------------------------------------
class PageKind(models.TextChoices):
    PAGE = "page", _("Page")
    NEWS = "news", _("News")


class PublicPage(models.Model):
    """A page of the provider's public website in one language, written in Markdown."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(
        _("kind"), max_length=8, choices=PageKind.choices, default=PageKind.PAGE
    )
    slug = models.SlugField(_("address"), max_length=80)
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text (Markdown)"))
    menu_order = models.PositiveSmallIntegerField(
        _("menu position"), null=True, blank=True, help_text=_("Empty: not in the menu.")
    )
    published = models.BooleanField(_("published"), default=True)
    published_on = models.DateField(_("date"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("public page")
        verbose_name_plural = _("public pages")
        ordering = ["-published_on", "slug"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "slug", "language"], name="tenants_page_unique_slug"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Conformance(models.TextChoices):
    FULL = "full", _("fully compliant")
    PARTIAL = "partial", _("partially compliant")
    NONE = "none", _("not compliant")


class SiteIdentity(models.Model):
    """Who publishes the public website: the provider's name is its organization's; here are its
    coat of arms, address, contact, opening hours, social links, its data-protection officer and
    the facts of its accessibility statement (RD 1112/2018). One row per provider."""

    organization = models.OneToOneField(
        Organization, on_delete=models.PROTECT, related_name="site_identity"
    )
    logo = models.ForeignKey(
        "core.Document", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("logo or coat of arms"),
    )  # fmt: skip
    legal_name = models.CharField(
        _("legal name"), max_length=200, blank=True,
        help_text=_("As in the statutes, if it differs from the name."),
    )  # fmt: skip
    tax_id = models.CharField(_("NIF"), max_length=12, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    town = models.CharField(_("town"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    opening_hours = models.TextField(_("opening hours"), max_length=1000, blank=True)
    facebook = models.URLField(_("Facebook"), blank=True)
    instagram = models.URLField(_("Instagram"), blank=True)
    x = models.URLField(_("X (Twitter)"), blank=True)
    youtube = models.URLField(_("YouTube"), blank=True)
    linkedin = models.URLField(_("LinkedIn"), blank=True)
    mastodon = models.URLField(_("Mastodon"), blank=True)
    dpo_name = models.CharField(_("data-protection officer"), max_length=200, blank=True)
    dpo_email = models.EmailField(_("data-protection officer's e-mail"), blank=True)
    # The accessibility statement (the official model of Implementing Decision (EU) 2018/1523).
    accessibility_conformance = models.CharField(
        _("conformance with RD 1112/2018"), max_length=8, choices=Conformance.choices,
        default=Conformance.PARTIAL,
    )  # fmt: skip
    accessibility_exceptions = models.TextField(
        _("content that is not accessible"), max_length=4000, blank=True,
        help_text=_("One item per line: what is not accessible and why."),
    )  # fmt: skip
    accessibility_statement_date = models.DateField(
        _("date of the accessibility statement"), null=True, blank=True
    )
    accessibility_review_date = models.DateField(
        _("date of its last review"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("website identity")
        verbose_name_plural = _("website identities")

    def __str__(self) -> str:
        return self.legal_name or self.organization.name

    @property
    def social_links(self) -> list[tuple[str, str]]:
        names = {
            "facebook": "Facebook", "instagram": "Instagram", "x": "X", "youtube": "YouTube",
            "linkedin": "LinkedIn", "mastodon": "Mastodon",
        }  # fmt: skip
        return [
            (label, getattr(self, name)) for name, label in names.items() if getattr(self, name)
        ]
