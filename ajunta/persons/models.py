"""The organization's register of persons (terceros): one row per natural or legal person the
organization deals with, with their addresses, contact, preferred channel, consent to electronic
notification and representatives.

Registry entries' and case files' parties point at a person and keep, besides, the snapshot of
what was filed (a registered party never changes); the person holds the current data, which is
what a new filing proposes. Duplicates are merged, never deleted: the merged row stays, pointing
at the one it was merged into.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ajunta.core.models import TenantModel
from ajunta.core.parties import IdType, PersonType
from ajunta.core.validators import validate_ine_code


class Channel(models.TextChoices):
    # The same codes as the registry party's preferred channel (SICRES Canal_Preferente).
    ELECTRONIC = "electronic", _("Electronic")
    POSTAL = "postal", _("Postal")


class Person(TenantModel):
    person_type = models.CharField(_("person type"), max_length=8, choices=PersonType.choices)
    id_type = models.CharField(_("identity document"), max_length=1, choices=IdType.choices)
    # Normalized (python-stdnum's compact form for NIF, NIE and CIF).
    id_number = models.CharField(_("document number"), max_length=20)
    # A natural person's given name; SICRES keeps both names and the company name apart.
    name = models.CharField(_("name"), max_length=80, blank=True)
    first_surname = models.CharField(_("first surname"), max_length=30, blank=True)
    second_surname = models.CharField(_("second surname"), max_length=30, blank=True)
    company_name = models.CharField(_("company name"), max_length=80, blank=True)
    email = models.EmailField(_("e-mail"), max_length=160, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    mobile = models.CharField(_("mobile phone"), max_length=20, blank=True)
    # The address of the Dirección Electrónica Habilitada (DEH) where notices are alerted.
    deh_email = models.EmailField(_("DEH e-mail"), max_length=160, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=12, choices=Channel.choices, blank=True
    )
    electronic_consent = models.BooleanField(
        _("consents to electronic notification"), default=False
    )
    electronic_consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    observations = models.TextField(_("observations"), max_length=2000, blank=True)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_from",
        verbose_name=_("merged into"),
    )  # fmt: skip
    merged_at = models.DateTimeField(_("merged at"), null=True, blank=True)
    # Lower-cased, accent-free id number, names and e-mail: what the list's search reads.
    search_document = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["first_surname", "company_name", "name", "id"]
        constraints = [
            # One live person per identity number in an organization (merged ones step aside).
            models.UniqueConstraint(
                fields=["organization", "id_number"],
                condition=models.Q(merged_into__isnull=True),
                name="persons_person_one_per_id",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "id_number"], name="persons_person_org_id"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        if self.person_type == PersonType.LEGAL:
            return self.company_name or self.name
        return " ".join(p for p in (self.name, self.first_surname, self.second_surname) if p)

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class AddressKind(models.TextChoices):
    HOME = "home", _("Residence")
    NOTIFICATION = "notification", _("For notifications")
    BUSINESS = "business", _("Registered office")
    OTHER = "other", _("Other")


class Address(TenantModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="addresses")
    kind = models.CharField(
        _("kind"), max_length=12, choices=AddressKind.choices, default=AddressKind.HOME
    )
    street = models.CharField(_("address"), max_length=160)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    municipality_ine = models.CharField(
        _("municipality (INE code)"), max_length=6, blank=True, validators=[validate_ine_code]
    )
    province_code = models.CharField(_("province code"), max_length=2, blank=True)
    country_code = models.CharField(_("country code"), max_length=4, default="724")
    # The address a new filing proposes (one per person).
    is_primary = models.BooleanField(_("main address"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["person", "-is_primary", "id"]

    def __str__(self) -> str:
        return self.street


class PowerKind(models.TextChoices):
    GENERAL = "general", _("General power of attorney")
    SPECIFIC = "specific", _("Power for specific procedures")
    APUD_ACTA = "apud_acta", _("Apud acta (before the administration)")
    LEGAL = "legal", _("Legal representative (guardian, administrator)")
    OTHER = "other", _("Other")


class Representation(TenantModel):
    """A person acts for another: the kind of power and how long it is valid."""

    representative = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="represents",
        verbose_name=_("representative"),
    )  # fmt: skip
    represented = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="represented_by",
        verbose_name=_("represented person"),
    )  # fmt: skip
    kind = models.CharField(_("kind of power"), max_length=10, choices=PowerKind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    document_reference = models.CharField(_("document of the power"), max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("representation")
        verbose_name_plural = _("representations")
        ordering = ["-valid_from", "id"]

    def __str__(self) -> str:
        return f"{self.representative} → {self.represented}"
