"""Core models: users and their roles per organization, the audit chain, numbering counters,
the business-calendar data each organization keeps, and stored documents.

`core` imports no other app of ours: the organization is referenced by the model label
in settings.AJUNTA_ORGANIZATION_MODEL.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

ORGANIZATION_MODEL = settings.AJUNTA_ORGANIZATION_MODEL


class User(AbstractUser):
    """A person who logs in. Staff hold roles per organization; a citizen holds none."""

    nif = models.CharField(_("NIF/NIE"), max_length=16, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Empty: no preference, the organization's language applies (core.languages).
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True, default=""
    )

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class TenantQuerySet(models.QuerySet):
    def for_org(self, org: Any) -> TenantQuerySet:
        return self.filter(organization=org)


class TenantModel(models.Model):
    """Base of every model owned by an organization. Read it only through selectors that take it."""

    organization = models.ForeignKey(
        ORGANIZATION_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Role(models.TextChoices):
    PROVIDER_ADMIN = "provider_admin", _("Provider administrator")
    PROVIDER_TECHNICIAN = "provider_technician", _("Provider technician")
    MUNICIPAL_ADMIN = "municipal_admin", _("Municipal administrator (secretary)")
    MUNICIPAL_STAFF = "municipal_staff", _("Municipal staff")
    ELECTED_MEMBER = "elected_member", _("Elected member")


PROVIDER_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.PROVIDER_TECHNICIAN})


class RoleAssignment(TenantModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user", "role"], name="core_role_unique_per_org_user"
            )
        ]
        indexes = [models.Index(fields=["user", "organization"], name="core_role_user_org")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class AuditEventQuerySet(models.QuerySet):
    """Audit events are append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Audit events are append-only.")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if kwargs.get("update_conflicts") or kwargs.get("ignore_conflicts"):
            raise PermissionError("Audit events are append-only.")
        return super().bulk_create(objs, *args, **kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")


class AuditChain(models.Model):
    """Head of one hash chain: one per organization, plus `platform` for events of no organization.

    Its row is locked while an event is appended, so each chain is strictly ordered without
    serializing writes of other organizations.
    """

    key = models.CharField(max_length=40, unique=True)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"{self.key} #{self.last_seq}"


class AuditEvent(models.Model):
    chain = models.CharField(max_length=40, editable=False)
    seq = models.BigIntegerField(editable=False)
    organization = models.ForeignKey(
        ORGANIZATION_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organization"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_repr = models.CharField(_("actor"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=80)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"))
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["chain", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="core_audit_chain_seq_unique")
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="core_audit_org_time"),
            models.Index(fields=["object_type", "object_id"], name="core_audit_object"),
        ]

    def __str__(self) -> str:
        return f"{self.chain}#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        # Never an UPDATE, even for an instance built with an existing primary key.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Audit events are append-only.")

    @property
    def sentence(self) -> str:
        """What happened, in the reader's language (core.activity)."""
        from ajunta.core.activity import event_sentence

        return event_sentence(self)


class Counter(TenantModel):
    """Last number handed out in one (organization, series, year). See core.numbering."""

    series = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "series", "year"], name="core_counter_unique_series_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.series}/{self.year}: {self.last_value}"


class LocalHoliday(TenantModel):
    """One of the municipality's own holidays (festes locals), on top of national and regional ones."""

    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=120)

    class Meta:
        verbose_name = _("local holiday")
        verbose_name_plural = _("local holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "date"], name="core_local_holiday_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class BusinessHours(TenantModel):
    """Opening hours on one weekday (0 = Monday). Several ranges a day are allowed."""

    weekday = models.PositiveSmallIntegerField(_("weekday"))
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        ordering = ["weekday", "opens"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "weekday", "opens"], name="core_business_hours_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")), name="core_business_hours_order"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__lte=6), name="core_business_hours_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.opens}-{self.closes}"


class EniDocumentType(models.TextChoices):
    """ENI document types (NTI de documento electrónico; metadatosDocumentoEni.xsd)."""

    TD01 = "TD01", _("Resolution")
    TD02 = "TD02", pgettext_lazy("ENI document type", "Agreement")
    TD03 = "TD03", _("Contract")
    TD04 = "TD04", pgettext_lazy("ENI document type", "Covenant")
    TD05 = "TD05", _("Declaration")
    TD06 = "TD06", _("Communication")
    TD07 = "TD07", _("Notification")
    TD08 = "TD08", _("Publication")
    TD09 = "TD09", _("Acknowledgement of receipt")
    TD10 = "TD10", _("Record (acta)")
    TD11 = "TD11", _("Certificate")
    TD12 = "TD12", _("Diligence")
    TD13 = "TD13", _("Report")
    TD14 = "TD14", _("Application")
    TD15 = "TD15", _("Complaint")
    TD16 = "TD16", _("Allegation")
    TD17 = "TD17", _("Appeals")
    TD18 = "TD18", _("Citizen communication")
    TD19 = "TD19", _("Invoice")
    TD20 = "TD20", _("Other seized documents")
    TD99 = "TD99", _("Other")


class EniOrigin(models.IntegerChoices):
    CITIZEN = 0, _("Citizen")
    ADMINISTRATION = 1, _("Administration")


class EniElaborationState(models.TextChoices):
    EE01 = "EE01", _("Original")
    EE02 = "EE02", _("Authentic copy, format change")
    EE03 = "EE03", _("Authentic copy, paper document")
    EE04 = "EE04", _("Authentic partial copy")
    EE99 = "EE99", _("Other")


def document_upload_path(instance: Document, filename: str) -> str:
    # Content-addressed: identical content in one organization shares one stored file.
    return f"documents/{instance.organization_id}/{instance.sha256[:2]}/{instance.sha256}"


class Document(TenantModel):
    """A stored file with its SHA-256, sniffed type and ENI metadata. Immutable once registered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(upload_to=document_upload_path, max_length=255)
    content_type = models.CharField(_("type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    document_type = models.CharField(
        _("document type"), max_length=4, choices=EniDocumentType.choices, default="TD99"
    )
    origin = models.PositiveSmallIntegerField(
        _("origin"), choices=EniOrigin.choices, default=EniOrigin.ADMINISTRATION
    )
    elaboration_state = models.CharField(
        _("elaboration state"),
        max_length=4,
        choices=EniElaborationState.choices,
        default=EniElaborationState.EE01,
    )
    capture_date = models.DateTimeField(_("capture date"))
    dir3_body = models.CharField(_("DIR3 body"), max_length=9, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    registered_at = models.DateTimeField(_("registered at"), null=True, blank=True)
    # Secure verification code (CSV) printed on the document: anyone holding it may fetch and
    # check the document at /verify/. Random and unguessable; set only on documents meant for it.
    verification_code = models.CharField(
        _("secure verification code"), max_length=32, null=True, blank=True, unique=True
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="core_document_org_time"),
            models.Index(fields=["organization", "sha256"], name="core_document_org_hash"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_registered(self) -> bool:
        return self.registered_at is not None


class StuckWork(TenantModel):
    """Work a dead or failing worker left pending, which the sweep (core.sweep) could not finish.

    One row per piece of work (`kind`, `object_id`), counting the sweep's failed attempts; it is
    deleted when the work is done. After SWEEP_ALERT_AFTER_ATTEMPTS the provider is alerted once
    (`alerted_at`). Operators read the rows in the admin.
    """

    kind = models.CharField(_("kind"), max_length=40)
    object_id = models.CharField(_("object"), max_length=64)
    label = models.CharField(_("what"), max_length=200, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    first_failed_at = models.DateTimeField(_("first failed at"))
    last_failed_at = models.DateTimeField(_("last failed at"))
    last_error = models.TextField(_("last error"), blank=True)
    alerted_at = models.DateTimeField(_("provider alerted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stuck work")
        verbose_name_plural = _("stuck work")
        ordering = ["-last_failed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "object_id"], name="core_stuckwork_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.label or self.object_id}"
