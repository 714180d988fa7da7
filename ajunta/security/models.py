"""Cybersecurity for members: known vulnerabilities matched to the fleet, security incidents with
their legal clocks, and ENS conformity.

Vulnerability data (CISA KEV, NVD CVE 2.0) is reference data shared by every organization;
what it means for a member (an exposure of one of its assets) is tenant data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.core.models import TenantModel


# --- vulnerabilities -------------------------------------------------------------------------------
class Vulnerability(models.Model):
    """A CVE as NVD describes it, marked when CISA lists it as known exploited (KEV)."""

    cve_id = models.CharField(_("CVE"), max_length=24, unique=True)
    description = models.TextField(_("description"), blank=True)
    cvss_score = models.DecimalField(
        _("CVSS base score"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    severity = models.CharField(_("severity"), max_length=12, blank=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    nvd_modified = models.DateTimeField(_("NVD last modified"), null=True, blank=True)
    known_exploited = models.BooleanField(_("known exploited (CISA KEV)"), default=False)
    kev_added = models.DateField(_("in KEV since"), null=True, blank=True)
    kev_due = models.DateField(_("KEV due date"), null=True, blank=True)
    kev_ransomware = models.BooleanField(_("known ransomware use"), default=False)
    kev_vendor = models.CharField(_("vendor"), max_length=120, blank=True)
    kev_product = models.CharField(_("product"), max_length=160, blank=True)
    kev_name = models.CharField(_("name"), max_length=300, blank=True)
    required_action = models.TextField(_("required action"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")
        indexes = [models.Index(fields=["known_exploited", "kev_added"], name="sec_vuln_kev")]

    def __str__(self) -> str:
        return self.cve_id


class VulnerableRange(models.Model):
    """One vulnerable CPE match of a CVE's NVD configurations: a product and a version range."""

    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="ranges"
    )
    part = models.CharField(max_length=1)  # a (application), o (operating system), h (hardware)
    vendor = models.CharField(max_length=120)
    product = models.CharField(max_length=160)
    version = models.CharField(max_length=80, blank=True)  # exact version, "" for any ("*")
    start_including = models.CharField(max_length=80, blank=True)
    start_excluding = models.CharField(max_length=80, blank=True)
    end_including = models.CharField(max_length=80, blank=True)
    end_excluding = models.CharField(max_length=80, blank=True)
    criteria = models.CharField(max_length=300)

    class Meta:
        verbose_name = _("vulnerable version range")
        verbose_name_plural = _("vulnerable version ranges")
        indexes = [models.Index(fields=["vendor", "product"], name="sec_range_product")]

    def __str__(self) -> str:
        return self.criteria


class Exposure(TenantModel):
    """An asset that runs a product version a vulnerability affects. Resolved, not deleted, when
    the asset no longer runs it (upgraded, uninstalled, retired)."""

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="+")
    vulnerability = models.ForeignKey(Vulnerability, on_delete=models.PROTECT, related_name="+")
    software = models.CharField(_("software"), max_length=255)
    version = models.CharField(_("version"), max_length=120, blank=True)
    cpe = models.CharField(_("CPE"), max_length=300, blank=True)
    fix_version = models.CharField(_("fixed in"), max_length=80, blank=True)
    first_seen = models.DateTimeField(_("first seen"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # When the member and the provider were told (known exploited vulnerabilities only).
    alerted_at = models.DateTimeField(_("alerted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("exposure")
        verbose_name_plural = _("exposures")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "asset", "vulnerability", "software"],
                name="sec_exposure_unique",
            )
        ]
        indexes = [models.Index(fields=["organization", "resolved_at"], name="sec_exp_org_open")]


# --- incidents ---------------------------------------------------------------------------------------
class IncidentCategory(models.TextChoices):
    """The national taxonomy of cybersecurity incidents (Guía CCN-STIC 817, shared by the
    CSIRTs under RD 43/2021 and NIS2), top-level classes."""

    ABUSIVE = "abusive_content", _("Abusive content")
    MALWARE = "malicious_code", _("Malicious code (malware, ransomware)")
    GATHERING = "information_gathering", _("Information gathering")
    INTRUSION_ATTEMPT = "intrusion_attempt", _("Intrusion attempt")
    INTRUSION = "intrusion", _("Intrusion")
    AVAILABILITY = "availability", _("Availability (DoS, outage)")
    INFORMATION = "information_compromise", _("Information compromise")
    FRAUD = "fraud", _("Fraud (phishing, impersonation)")
    VULNERABLE = "vulnerable", _("Vulnerable system")
    OTHER = "other", _("Other")


class IncidentLevel(models.TextChoices):
    """Dangerousness (CCN-STIC 817): from low to critical."""

    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")
    CRITICAL = "critical", _("Critical")


class IncidentStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("incident", "Open")
    CONTAINED = "contained", pgettext_lazy("incident", "Contained")
    CLOSED = "closed", pgettext_lazy("incident", "Closed")


class SecurityIncident(TenantModel):
    number = models.CharField(_("number"), max_length=24)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=24, choices=IncidentCategory.choices)
    level = models.CharField(
        _("dangerousness"), max_length=10, choices=IncidentLevel.choices, default="medium"
    )
    significant = models.BooleanField(
        _("significant incident (NIS2)"),
        default=True,
        help_text=_("Significant incidents must be notified to the CSIRT within the legal terms."),
    )
    detected_at = models.DateTimeField(_("detected at"))
    aware_at = models.DateTimeField(
        _("became aware at"), help_text=_("The legal clocks run from this moment.")
    )
    affected_services = models.TextField(_("affected services"), blank=True)
    assets = models.ManyToManyField("assets.Asset", blank=True, related_name="+")
    personal_data = models.BooleanField(_("personal data involved"), default=False)
    personal_data_description = models.TextField(_("personal data affected"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    early_warning_at = models.DateTimeField(_("early warning sent"), null=True, blank=True)
    notification_at = models.DateTimeField(_("notification sent"), null=True, blank=True)
    final_report_at = models.DateTimeField(_("final report sent"), null=True, blank=True)
    gdpr_notified_at = models.DateTimeField(_("GDPR notice sent"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    alerted_steps = models.JSONField(default=list, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("security incident")
        verbose_name_plural = _("security incidents")
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="sec_incident_number")
        ]
        indexes = [models.Index(fields=["organization", "-aware_at"], name="sec_inc_org_aware")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class IncidentEvent(TenantModel):
    """A line of the incident's timeline: what happened or was done, when, by whom. Stored as a
    code with parameters and the person's own text, rendered in the reader's language."""

    incident = models.ForeignKey(SecurityIncident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"))
    code = models.CharField(_("what"), max_length=40)
    text = models.TextField(_("text"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    @property
    def summary(self) -> str:
        """The line in the reader's language: what happened, then the person's own text."""
        from ajunta.security.activity import event_label

        label = event_label(self.code)
        return f"{label}: {self.text}" if self.text and label else (self.text or label)

    class Meta:
        verbose_name = _("incident event")
        verbose_name_plural = _("incident events")
        indexes = [models.Index(fields=["incident", "at"], name="sec_event_incident_at")]


# --- ENS conformity ------------------------------------------------------------------------------------
class EnsMeasureState(models.TextChoices):
    NOT_APPLIED = "not_applied", pgettext_lazy("ENS measure", "Not applied")
    PARTIAL = "partial", pgettext_lazy("ENS measure", "Partially applied")
    APPLIED = "applied", pgettext_lazy("ENS measure", "Applied")
    NOT_APPLICABLE = "not_applicable", pgettext_lazy("ENS measure", "Not applicable (justified)")


class EnsMeasure(TenantModel):
    """The state of one RD 311/2022 Annex II measure in a member (codes from data/ens_measures.json)."""

    code = models.CharField(_("measure"), max_length=16)
    state = models.CharField(
        _("state"), max_length=16, choices=EnsMeasureState.choices, default="not_applied"
    )
    evidence = models.TextField(_("evidence"), blank=True)
    documents = models.ManyToManyField("core.Document", blank=True, related_name="+")
    review_date = models.DateField(_("next review"), null=True, blank=True)
    justification = models.TextField(_("justification"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ENS measure")
        verbose_name_plural = _("ENS measures")
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="sec_ens_measure_code")
        ]
