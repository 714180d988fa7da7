"""The IT inventory of member municipalities: assets with their installed software, network
interfaces and history, the inventory agent's token, and each organization's security records.

An asset belongs to one organization (the municipality that uses it); the provider keeps the
inventory for all of them. Assets are never deleted: a machine that leaves service is retired.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.core.models import TenantModel


class AssetKind(models.TextChoices):
    DESKTOP = "desktop", _("Desktop computer")
    LAPTOP = "laptop", _("Laptop")
    SERVER = "server", _("Server")
    VIRTUAL_MACHINE = "virtual_machine", _("Virtual machine")
    PHONE = "phone", pgettext_lazy("asset kind", "Phone")  # not the phone number of a person
    TABLET = "tablet", _("Tablet")
    PRINTER = "printer", _("Printer")
    NETWORK_DEVICE = "network_device", _("Network device")
    FIREWALL = "firewall", _("Firewall")
    OTHER = "other", _("Other")


# Kinds whose operating system, antivirus and firewall the posture looks at.
COMPUTER_KINDS = frozenset(
    {AssetKind.DESKTOP, AssetKind.LAPTOP, AssetKind.SERVER, AssetKind.VIRTUAL_MACHINE}
)
MOBILE_KINDS = frozenset({AssetKind.PHONE, AssetKind.TABLET})


class AssetStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    IN_STOCK = "in_stock", _("In stock")
    IN_REPAIR = "in_repair", _("In repair")
    RETIRED = "retired", _("Retired")


class AssetSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    AGENT = "agent", _("Inventory agent")
    FILE = "file", _("Inventory file")
    CSV = "csv", _("CSV import")


class Asset(TenantModel):
    kind = models.CharField(_("type"), max_length=20, choices=AssetKind.choices)
    inventory_tag = models.CharField(
        _("inventory tag"), max_length=60, blank=True, help_text=_("Unique in the organization.")
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    serial = models.CharField(_("serial number"), max_length=120, blank=True)
    uuid = models.CharField(_("hardware UUID"), max_length=64, blank=True)
    device_id = models.CharField(_("agent device id"), max_length=160, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=120, blank=True)
    model = models.CharField(_("model"), max_length=120, blank=True)
    location = models.CharField(_("location"), max_length=120, blank=True)
    holder = models.CharField(_("holder"), max_length=120, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=AssetStatus.choices, default=AssetStatus.IN_USE
    )
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    supplier = models.CharField(_("supplier"), max_length=120, blank=True)
    cost = models.DecimalField(
        _("cost (EUR)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    notes = models.TextField(_("notes"), blank=True)
    # --- what the inventory says (or a technician records by hand) ---
    os_name = models.CharField(_("operating system"), max_length=200, blank=True)
    os_version = models.CharField(_("OS version"), max_length=120, blank=True)
    os_eol_label = models.CharField(_("OS release"), max_length=80, blank=True)
    os_eol_date = models.DateField(_("OS end of life"), null=True, blank=True)
    # Installed programs past (or near) their end of support, from data/software_end_of_life.json.
    software_eol_label = models.CharField(_("unsupported software"), max_length=200, blank=True)
    software_eol_date = models.DateField(_("software end of life"), null=True, blank=True)
    # None: unknown (no inventory says either way).
    antivirus_name = models.CharField(_("antivirus"), max_length=160, blank=True)
    antivirus_enabled = models.BooleanField(_("antivirus enabled"), null=True, blank=True)
    antivirus_up_to_date = models.BooleanField(_("antivirus up to date"), null=True, blank=True)
    firewall_enabled = models.BooleanField(_("firewall on"), null=True, blank=True)
    disk_encrypted = models.BooleanField(_("disk encrypted"), null=True, blank=True)
    secure_boot = models.BooleanField(_("Secure Boot"), null=True, blank=True)
    local_admins = models.JSONField(_("local administrators"), default=list, blank=True)
    last_inventory_at = models.DateTimeField(_("last inventory"), null=True, blank=True)
    inventory_hash = models.CharField(max_length=64, blank=True, editable=False)
    software_hash = models.CharField(max_length=64, blank=True, editable=False)
    interfaces_hash = models.CharField(max_length=64, blank=True, editable=False)
    # --- network devices and printers (the agent's network inventory, SNMP) ---
    firmware = models.CharField(_("firmware"), max_length=200, blank=True)
    mac_address = models.CharField(_("MAC address"), max_length=32, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    # The id of the SNMP credential the agent used (GLPI's numbering, from the agent's task).
    snmp_credentials = models.PositiveIntegerField(_("SNMP credential"), null=True, blank=True)
    # The SNMP community the device answers to, when someone records it ("public" is a finding).
    snmp_community = models.CharField(_("SNMP community"), max_length=64, blank=True)
    # Printers' page counters as the agent reads them: total, black, color, rectoverso...
    page_counters = models.JSONField(_("page counters"), default=dict, blank=True)
    ports_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Sections of the agent's inventory this module does not model, kept as sent.
    raw_sections = models.JSONField(_("other inventory sections"), default=dict, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=AssetSource.choices, default=AssetSource.MANUAL
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "inventory_tag"],
                condition=~models.Q(inventory_tag=""),
                name="assets_asset_unique_tag",
            ),
            models.UniqueConstraint(
                fields=["organization", "device_id"],
                condition=~models.Q(device_id=""),
                name="assets_asset_unique_device",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "name", "id"], name="assets_asset_org_name"),
            models.Index(fields=["organization", "status"], name="assets_asset_org_status"),
            models.Index(fields=["organization", "serial"], name="assets_asset_org_serial"),
            models.Index(fields=["organization", "uuid"], name="assets_asset_org_uuid"),
            models.Index(fields=["organization", "mac_address"], name="assets_asset_org_mac"),
            models.Index(fields=["name", "id"], name="assets_asset_name"),
        ]

    def __str__(self) -> str:
        return self.name or self.inventory_tag or self.serial or f"#{self.pk}"

    @property
    def is_computer(self) -> bool:
        return self.kind in COMPUTER_KINDS

    @property
    def os_label(self) -> str:
        return os_label(self.os_name, self.os_version)


def os_label(name: str, version: str) -> str:
    """The operating system as people write it. The agent's full name often carries the version
    already ("Fedora 31 (Workstation Edition)" with version "31 (Workstation Edition)"): it is
    not said twice, nor Ubuntu's ("Ubuntu 22.04.4 LTS" with "22.04.4 LTS (Jammy Jellyfish)").
    Windows' full name lacks the feature update: "Microsoft Windows 11 Pro" + "23H2"."""
    name, version = name.strip(), version.strip()
    number = version.split()[0] if version else ""
    if not number or re.search(rf"(?<![\w.]){re.escape(number)}(?![\w.])", name, re.IGNORECASE):
        return name
    return f"{name} {version}".strip()


class InstalledSoftware(TenantModel):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="software")
    name = models.CharField(_("name"), max_length=255)
    version = models.CharField(_("version"), max_length=120, blank=True)
    publisher = models.CharField(_("publisher"), max_length=255, blank=True)
    installed_on = models.DateField(_("installed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("installed software")
        verbose_name_plural = _("installed software")
        indexes = [models.Index(fields=["organization", "name"], name="assets_sw_org_name")]
        constraints = [
            # Two inventories of one machine at once cannot list a program twice.
            models.UniqueConstraint(
                fields=["asset", "name", "version", "publisher"], name="assets_sw_unique_per_asset"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


class NetworkInterface(TenantModel):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="interfaces")
    name = models.CharField(_("name"), max_length=160, blank=True)
    mac = models.CharField(_("MAC address"), max_length=32, blank=True)
    ipv4 = models.CharField(_("IPv4 address"), max_length=15, blank=True)
    ipv6 = models.CharField(_("IPv6 address"), max_length=45, blank=True)
    kind = models.CharField(_("type"), max_length=40, blank=True)
    is_up = models.BooleanField(_("up"), null=True)

    class Meta:
        verbose_name = _("network interface")
        verbose_name_plural = _("network interfaces")
        indexes = [models.Index(fields=["organization", "mac"], name="assets_nic_org_mac")]

    def __str__(self) -> str:
        return self.name or self.mac


class NetworkPort(TenantModel):
    """A port of a switch, router or printer, as the agent's network inventory reads it (IF-MIB)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="ports")
    number = models.PositiveIntegerField(_("index"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=160, blank=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    alias = models.CharField(_("alias"), max_length=255, blank=True)
    mac = models.CharField(_("MAC address"), max_length=32, blank=True)
    kind = models.PositiveIntegerField(_("type (IANA ifType)"), null=True, blank=True)
    speed = models.PositiveBigIntegerField(_("speed (bit/s)"), null=True, blank=True)
    mtu = models.PositiveIntegerField(_("MTU"), null=True, blank=True)
    is_up = models.BooleanField(_("up"), null=True)
    ips = models.JSONField(_("IP addresses"), default=list, blank=True)
    vlans = models.JSONField(_("VLANs"), default=list, blank=True)
    connections = models.JSONField(_("connected devices"), default=list, blank=True)

    class Meta:
        verbose_name = _("network port")
        verbose_name_plural = _("network ports")
        indexes = [models.Index(fields=["asset", "number"], name="assets_port_asset_number")]

    def __str__(self) -> str:
        return self.name or self.description or str(self.number or "")


class AssetChange(TenantModel):
    """One change to an asset, for its history page: who or what changed which fields, when."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=8, choices=AssetSource.choices)
    # What happened, as a code rendered in the reader's language (core.activity, assets.activity).
    code = models.CharField(_("what happened"), max_length=60)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("asset change")
        verbose_name_plural = _("asset changes")
        indexes = [models.Index(fields=["asset", "-at"], name="assets_change_asset_at")]

    @property
    def summary(self) -> str:
        """The history line in the reader's language: "Created from an inventory"."""
        from ajunta.core.activity import sentence

        return sentence(self.code, self.changes if isinstance(self.changes, dict) else {})


class AgentToken(TenantModel):
    """The secret an organization's inventory agents send. Only its SHA-256 is kept."""

    token_hash = models.CharField(max_length=64)
    prefix = models.CharField(_("begins with"), max_length=12)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("agent token")
        verbose_name_plural = _("agent tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(revoked_at__isnull=True),
                name="assets_token_one_active_per_org",
            ),
            models.UniqueConstraint(
                fields=["organization", "token_hash"], name="assets_token_unique_hash"
            ),
        ]


class EnsCategory(models.TextChoices):
    """Esquema Nacional de Seguridad (Real Decreto 311/2022) system category."""

    NONE = "", _("Not categorised")
    BASIC = "basic", _("Basic")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class EnsStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("Adaptation in progress")
    DECLARED = "declared", _("Declaration of conformity")
    CERTIFIED = "certified", _("Certified")


class SecurityRecord(TenantModel):
    """What an organization records by hand about its security: backups, MFA, ENS, officer."""

    backup_last_success = models.DateField(_("last successful backup"), null=True, blank=True)
    backup_offline_copy = models.BooleanField(
        _("offline or immutable copy"),
        default=False,
        help_text=_("A copy ransomware cannot reach: offline, off-site or immutable."),
    )
    backup_last_restore_test = models.DateField(_("last restore test"), null=True, blank=True)
    mfa_coverage = models.PositiveSmallIntegerField(
        _("MFA coverage (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Share of staff accounts (e-mail, remote access) with a second factor."),
    )
    ens_category = models.CharField(
        _("ENS category"), max_length=8, choices=EnsCategory.choices, blank=True
    )
    ens_status = models.CharField(
        _("ENS status"), max_length=12, choices=EnsStatus.choices, default=EnsStatus.NOT_STARTED
    )
    security_officer = models.CharField(_("security officer"), max_length=120, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("security record")
        verbose_name_plural = _("security records")
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="assets_security_one_per_org")
        ]


class EolCycle(models.Model):
    """One release cycle of a product as endoflife.date publishes it (https://endoflife.date):
    reference data shared by every organization, imported on a schedule (services.eol_import).

    `eol` None with `is_eol` False: supported, no end date announced yet."""

    product = models.CharField(_("product"), max_length=80)
    cycle = models.CharField(_("release cycle"), max_length=80)
    label = models.CharField(_("label"), max_length=160)
    product_label = models.CharField(_("product label"), max_length=160, blank=True)
    release_date = models.DateField(_("release date"), null=True, blank=True)
    eol = models.DateField(_("end of life"), null=True, blank=True)
    is_eol = models.BooleanField(_("end of life reached"), default=False)
    latest = models.CharField(_("latest version"), max_length=80, blank=True)
    imported_at = models.DateTimeField(_("imported at"))
    source = models.CharField(_("source"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("end-of-life release cycle")
        verbose_name_plural = _("end-of-life release cycles")
        constraints = [
            models.UniqueConstraint(fields=["product", "cycle"], name="assets_eolcycle_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.cycle}"
