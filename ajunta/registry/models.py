"""The general electronic registry (Ley 39/2015 art. 16): numbered, time-stamped entries of what
an organization receives and sends, with their interested parties and attachments.

Nothing registered changes: an entry is annulled or rectified (by a new entry), never edited or
deleted. Field sizes follow SICRES 3.0 where it sets them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ajunta.core.integrity import SealedRecord
from ajunta.core.models import Document, TenantModel
from ajunta.core.parties import IdType, PartyRole, PersonType
from ajunta.core.validators import validate_dir3_code, validate_ine_code

DEFAULT_NUMBER_FORMAT = "{direction}/{year}/{seq:06d}"


class Direction(models.TextChoices):
    IN = "in", _("Incoming")
    OUT = "out", _("Outgoing")


DIRECTION_LETTERS = {Direction.IN: "E", Direction.OUT: "S"}  # entrada / sortida (salida)


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ELECTRONIC = "electronic", _("Electronic")
    SIR = "sir", _("SIR (another administration)")
    POST = "post", _("Post")
    OTHER = "other", _("Other")


class EntryStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ANNULLED = "annulled", _("Annulled")


class Unit(TenantModel):
    """A unit inside the organization that registered entries are routed to (Secretaria, Urbanisme…)."""

    name = models.CharField(_("name"), max_length=120)
    dir3_code = models.CharField(
        _("DIR3 code"), max_length=9, blank=True, validators=[validate_dir3_code]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="registry_unit_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class RegistrySettings(TenantModel):
    """Per-organization registry settings. Without a row, the defaults apply."""

    number_format = models.CharField(
        _("number format"),
        max_length=60,
        default=DEFAULT_NUMBER_FORMAT,
        help_text=_(
            "Fields: {direction} (E or S), {year}, {seq}; e.g. {direction}/{year}/{seq:06d}."
        ),
    )

    class Meta:
        verbose_name = _("registry settings")
        verbose_name_plural = _("registry settings")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="registry_settings_one_per_org")
        ]

    def __str__(self) -> str:
        return self.number_format


class RegistryEntry(SealedRecord, TenantModel):
    # Legal content, sealed at filing (docs/security.md). Not sealed, as the law lets them change
    # through a service with its own audit event: the annulment (status, annulled_*), the unit's
    # acknowledgement (acknowledged_*), the receipt issued after the commit (its SHA-256 is in
    # its own event); nor what is derived or technical (search_document, idempotency_key).
    SEALED_FIELDS = (
        "direction", "year", "sequence", "number", "filed_at", "effective_at", "channel",
        "epigraph", "summary", "expone", "solicita", "addressee_name", "addressee_dir3",
        "destination_unit_id", "physical_documentation", "external_reference", "case_reference",
        "rectifies_id", "rectification_reason", "filer_id", "created_by_id",
    )  # fmt: skip

    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=40)
    filed_at = models.DateTimeField(_("filed at"))
    effective_at = models.DateTimeField(
        _("effective at"),
        help_text=_(
            "For deadlines: the next business day's first hour when filed on a non-business day (art. 31)."
        ),
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    epigraph = models.CharField(_("epigraph"), max_length=240)
    summary = models.CharField(_("summary"), max_length=240)
    expone = models.TextField(_("statement (expone)"), max_length=4000, blank=True)
    solicita = models.TextField(_("request (solicita)"), max_length=4000, blank=True)
    addressee_name = models.CharField(_("addressee"), max_length=200, blank=True)
    addressee_dir3 = models.CharField(
        _("addressee DIR3 code"), max_length=9, blank=True, validators=[validate_dir3_code]
    )
    destination_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="entries",
        verbose_name=_("destination unit"),
    )  # fmt: skip
    physical_documentation = models.BooleanField(_("physical documentation"), default=False)
    external_reference = models.CharField(_("external reference"), max_length=80, blank=True)
    case_reference = models.CharField(_("case file"), max_length=80, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=EntryStatus.choices, default=EntryStatus.REGISTERED
    )
    annulled_at = models.DateTimeField(_("annulled at"), null=True, blank=True)
    annulled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    annulment_reason = models.CharField(_("annulment reason"), max_length=500, blank=True)
    rectifies = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="rectifications",
        verbose_name=_("rectifies"),
    )  # fmt: skip
    rectification_reason = models.CharField(_("rectification reason"), max_length=500, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    receipt = models.OneToOneField(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("receipt"),
    )  # fmt: skip
    filer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="registry_filings", verbose_name=_("filed online by"),
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=80, blank=True)
    # SHA-256 of the request that came with the key: a retry with another body is refused (422).
    idempotency_digest = models.CharField(max_length=64, blank=True, default="", editable=False)
    # Lower-cased, accent-free number, subject, summary and parties: what full-text search reads.
    search_document = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("registry entry")
        verbose_name_plural = _("registry entries")
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "direction", "year", "sequence"],
                name="registry_entry_unique_sequence",
            ),
            models.UniqueConstraint(
                fields=["organization", "number"], name="registry_entry_unique_number"
            ),
            models.UniqueConstraint(
                fields=["organization", "created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="registry_entry_unique_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-filed_at", "-id"], name="registry_entry_org_time"),
            models.Index(fields=["organization", "direction", "-filed_at"], name="registry_entry_org_dir_time"),
            models.Index(fields=["organization", "destination_unit", "acknowledged_at"], name="registry_entry_org_unit_ack"),
            models.Index(fields=["filer", "-filed_at"], name="registry_entry_filer_time"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.number

    def sealed_reference(self) -> str:
        return self.number

    @property
    def is_annulled(self) -> bool:
        return self.status == EntryStatus.ANNULLED


class PreferredChannel(models.TextChoices):
    ELECTRONIC = "electronic", _("Electronic")
    POSTAL = "postal", _("Postal")
    # SICRES Canal_Preferente_Comunicacion 03: "comparecencia electrónica" (at the e-office)
    APPEARANCE = "appearance", _("Electronic appearance")


class InterestedParty(SealedRecord, TenantModel):
    SEALED_FIELDS = (
        "entry_id", "position", "role", "represents_id", "person_type", "id_type", "id_number",
        "name", "first_surname", "second_surname", "address", "postal_code", "municipality_ine",
        "province_code", "country_code", "email", "phone", "preferred_channel",
    )  # fmt: skip
    SEALED_RELATED = ("entry",)

    entry = models.ForeignKey(RegistryEntry, on_delete=models.PROTECT, related_name="parties")
    position = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(
        _("role"), max_length=16, choices=PartyRole.choices, default=PartyRole.INTERESTED
    )
    represents = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="representatives",
        verbose_name=_("represents"),
    )  # fmt: skip
    person_type = models.CharField(_("person type"), max_length=8, choices=PersonType.choices)
    id_type = models.CharField(_("identity document"), max_length=1, choices=IdType.choices)
    id_number = models.CharField(_("document number"), max_length=20)
    name = models.CharField(_("name or company name"), max_length=80)
    first_surname = models.CharField(_("first surname"), max_length=30, blank=True)
    second_surname = models.CharField(_("second surname"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=160, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    municipality_ine = models.CharField(
        _("municipality (INE code)"), max_length=6, blank=True, validators=[validate_ine_code]
    )
    province_code = models.CharField(_("province code"), max_length=2, blank=True)
    country_code = models.CharField(_("country code"), max_length=4, blank=True, default="724")
    email = models.EmailField(_("e-mail"), max_length=160, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=12, choices=PreferredChannel.choices, blank=True
    )
    # What else SICRES 3.0 carries of a party (kept when an entry arrives by SIR, sent on when it
    # leaves): a person's name AND a company name (Razon_Social beside Nombre), the DEH address
    # and the observations of the De_Interesado segment.
    company_name = models.CharField(_("company name"), max_length=80, blank=True)
    deh_email = models.EmailField(_("DEH e-mail address"), max_length=160, blank=True)
    observations = models.CharField(_("observations"), max_length=160, blank=True)
    # The register's person (persons app): today's data. The fields above are what was filed
    # (sealed); a merge of duplicates moves this reference, never the filed snapshot.
    person = models.ForeignKey(
        "persons.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("person"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("interested party")
        verbose_name_plural = _("interested parties")
        ordering = ["entry", "position"]
        indexes = [models.Index(fields=["organization", "id_number"], name="registry_party_org_id")]

    def __str__(self) -> str:
        return self.full_name

    def sealed_reference(self) -> str:
        return f"{self.entry.number} party {self.position + 1}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.name, self.first_surname, self.second_surname) if p)


class Validity(models.TextChoices):
    # SICRES Validez: 01 copy, 02 authentic copy, 03 original copy, 04 original
    COPY = "01", _("Copy")
    AUTHENTIC_COPY = "02", _("Authentic copy")
    ORIGINAL_COPY = "03", _("Original copy")
    ORIGINAL = "04", _("Original")


class AttachmentKind(models.TextChoices):
    # SICRES Tipo_Documento: 01 form, 02 document attached to the form, 03 internal technical file
    FORM = "01", _("Form")
    ATTACHED = "02", _("Attached document")
    TECHNICAL = "03", _("Internal technical file")


class EntryAttachment(SealedRecord, TenantModel):
    # The document's name, size and SHA-256 are what the receipt lists: sealed with the attachment.
    SEALED_FIELDS = (
        "entry_id", "document_id", "position", "validity", "kind",
        "document.name", "document.size", "document.sha256",
    )  # fmt: skip
    SEALED_RELATED = ("entry",)

    entry = models.ForeignKey(RegistryEntry, on_delete=models.PROTECT, related_name="attachments")
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    validity = models.CharField(
        _("validity"), max_length=2, choices=Validity.choices, default=Validity.COPY
    )
    kind = models.CharField(
        _("kind"), max_length=2, choices=AttachmentKind.choices, default=AttachmentKind.ATTACHED
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["entry", "position"]

    def __str__(self) -> str:
        return self.document.name

    def sealed_reference(self) -> str:
        return f"{self.entry.number} attachment {self.position + 1}"
