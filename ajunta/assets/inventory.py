"""GLPI-agent (and FusionInventory JSON) inventories: decode the request body, check the document
against the inventory schema (data/inventory.schema.json), and read what the IT inventory keeps.

Nothing here touches the database: services.inventory_import writes what `read_inventory` found.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ajunta.assets import eol, fastschema
from ajunta.assets.models import AssetKind
from ajunta.core.jsonbody import JSONBodyError, json_loads_bounded

SCHEMA = Path(__file__).resolve().parent / "data" / "inventory.schema.json"
# A real inventory is tens of kilobytes; compressed bodies may not inflate beyond this.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
ZLIB_TYPES = {"application/x-compress-zlib", "application/x-zlib", "application/x-compress"}
GZIP_TYPES = {"application/x-compress-gzip", "application/gzip", "application/x-gzip"}

# Sections read into the asset's own fields and rows; every other one is kept raw, except these
# two: running processes and environment variables change at every run and may carry secrets.
MODELED_SECTIONS = frozenset(
    {
        "hardware", "bios", "operatingsystem", "softwares", "networks", "antivirus",
        "firewalls", "local_groups", "drives", "storages", "versionclient", "network_device",
        "network_ports", "pagecounters",
    }
)  # fmt: skip
# Which sections each field of the asset is read from: a partial inventory (the agent's daily
# delta, `"partial": true`) changes only the fields whose sections it carries.
FIELD_SECTIONS: dict[str, tuple[str, ...]] = {
    "name": ("hardware", "operatingsystem"),
    "uuid": ("hardware",),
    "serial": ("bios",),
    "manufacturer": ("bios",),
    "model": ("bios",),
    "secure_boot": ("bios",),
    "os_name": ("operatingsystem",),
    "os_version": ("operatingsystem",),
    "os_eol_label": ("operatingsystem",),
    "os_eol_date": ("operatingsystem",),
    "antivirus_name": ("antivirus",),
    "antivirus_enabled": ("antivirus",),
    "antivirus_up_to_date": ("antivirus",),
    "firewall_enabled": ("firewalls",),
    "disk_encrypted": ("drives", "storages"),
    "local_admins": ("local_groups",),
    "software_eol_label": ("softwares",),
    "software_eol_date": ("softwares",),
}
# Fields of network devices and printers (netinventory, netdiscovery).
NETWORK_FIELD_SECTIONS: dict[str, tuple[str, ...]] = {
    "name": ("network_device",),
    "serial": ("network_device",),
    "manufacturer": ("network_device",),
    "model": ("network_device",),
    "mac_address": ("network_device",),
    "ip_address": ("network_device",),
    "firmware": ("network_device", "firmwares"),
    "snmp_credentials": ("network_device",),
    "page_counters": ("pagecounters",),
}
NETWORK_ITEMTYPES = frozenset({"NetworkEquipment", "Printer"})
NETWORK_ACTIONS = frozenset({"netdiscovery", "netinventory"})
DROPPED_SECTIONS = frozenset({"processes", "envs"})
# Agent item types read into assets ("Unmanaged" is the schema's default: a computer's agent).
SUPPORTED_ITEMTYPES = frozenset({"Computer", "Phone", "Unmanaged", "NetworkEquipment", "Printer"})
# Serial numbers vendors leave in the firmware when they do not set one: never a match key.
PLACEHOLDER_SERIALS = frozenset(
    {
        "",
        "0",
        "00000000",
        "none",
        "n/a",
        "na",
        "default string",
        "to be filled by o.e.m",
        "system serial number",
        "not specified",
        "not applicable",
        "123456789",
        "0123456789",
        "invalid",
        "unknown",
        "chassis serial number",
    }
)  # fmt: skip  (compared lower case, without surrounding dots and spaces)
ADMIN_GROUP_NAMES = frozenset(
    {"administrators", "administradores", "administradors", "administrateurs", "administratoren",
     "admin", "sudo", "wheel"}
)  # fmt: skip
ADMIN_GROUP_SID = "S-1-5-32-544"
LAPTOP_CHASSIS = ("laptop", "notebook", "portable", "convertible", "detachable", "hand held")
SERVER_CHASSIS = ("server", "rack", "blade", "multi-system")
ENCRYPTED_WORDS = ("yes", "encrypted", "fullyencrypted", "on", "fully encrypted")


class InventoryError(ValidationError):
    """A body or document that is not an inventory this module accepts (HTTP 400)."""


# --- the request body ------------------------------------------------------------------------------
def _inflate(data: bytes, wbits: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        out = inflater.decompress(data, MAX_DOCUMENT_BYTES + 1)
    except zlib.error as exc:
        raise InventoryError(
            _("The body could not be decompressed: %(error)s") % {"error": exc}
        ) from exc
    if len(out) > MAX_DOCUMENT_BYTES or inflater.unconsumed_tail:
        raise InventoryError(_("The decompressed inventory is larger than 20 MB."))
    return out


def inflate_body(body: bytes, content_type: str = "", content_encoding: str = "") -> bytes:
    """The body an agent sent, decompressed: plain, zlib or gzip (by header or by magic)."""
    kind = content_type.split(";")[0].strip().lower()
    encoding = content_encoding.strip().lower()
    if encoding in {"gzip", "x-gzip"} or kind in GZIP_TYPES or body[:2] == b"\x1f\x8b":
        body = _inflate(body, 16 + zlib.MAX_WBITS)
    elif encoding == "deflate" or kind in ZLIB_TYPES or body[:1] == b"\x78":
        body = _inflate(body, zlib.MAX_WBITS)
    if not body.strip():
        raise InventoryError(_("The body is empty."))
    return body


def decode_json(body: bytes) -> Any:
    try:
        return json_loads_bounded(body, max_bytes=MAX_DOCUMENT_BYTES, strip_nul=True)
    except JSONBodyError as exc:
        raise InventoryError(str(exc)) from exc


def decode_body(body: bytes, content_type: str = "", content_encoding: str = "") -> Any:
    """The JSON inventory an agent sent; a FusionInventory XML message is converted to it
    (assets.fusion, GLPI's conversion rules)."""
    body = inflate_body(body, content_type, content_encoding)
    if body.lstrip()[:1] == b"<":
        from ajunta.assets import fusion  # fusion reads this module's schema path

        return fusion.xml_document(body)
    return decode_json(body)


# --- the schema ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _validator() -> Any:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def error_path(error: jsonschema.ValidationError) -> str:
    """'content.softwares[3].name' for the place an error is about; '(document)' for the root."""
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


@lru_cache(maxsize=1)
def _fast_check() -> fastschema.Check | None:
    try:
        return fastschema.compile_schema(json.loads(SCHEMA.read_text(encoding="utf-8")))
    except fastschema.UnsupportedSchema:
        return None


def validate_inventory(document: Any) -> None:
    """Raise InventoryError naming the path and the schema's message when `document` fails it.

    The compiled check answers for valid documents; jsonschema explains (and decides) the rest.
    """
    if not isinstance(document, dict):
        raise InventoryError(_("The inventory must be a JSON object."))
    fast = _fast_check()
    if fast is not None and fast(document):
        return
    error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
    if error is not None:
        raise InventoryError(
            _("The inventory does not follow the schema at %(path)s: %(message)s")
            % {"path": error_path(error), "message": error.message[:300]},
            code="schema",
            params={"path": error_path(error)},
        )


# --- what the inventory says ---------------------------------------------------------------------
@dataclass
class Software:
    name: str
    version: str
    publisher: str
    installed_on: dt.date | None


@dataclass
class Interface:
    name: str
    mac: str
    ipv4: str
    ipv6: str
    kind: str
    is_up: bool | None


@dataclass
class Port:
    """A port of a switch, router or printer (network inventory)."""

    number: int | None
    name: str
    description: str
    alias: str
    mac: str
    kind: int | None
    speed: int | None
    mtu: int | None
    is_up: bool | None
    ips: list[str]
    vlans: list[Any]
    connections: list[Any]


@dataclass
class Reading:
    """An inventory document, read into the fields the IT inventory keeps.

    A partial inventory's reading holds only the fields, rows and raw sections it carries:
    `software`, `interfaces` and `ports` are None when their section is absent (keep the rows).
    """

    device_id: str
    kind: str
    fields: dict[str, Any]
    software: list[Software] | None = field(default_factory=list)
    interfaces: list[Interface] | None = field(default_factory=list)
    ports: list[Port] | None = None
    software_hash: str = ""
    interfaces_hash: str = ""
    ports_hash: str = ""
    inventory_hash: str = ""
    partial: bool = False
    network: bool = False
    raw_sections: dict[str, Any] = field(default_factory=dict)

    @property
    def mac(self) -> str:
        return str(self.fields.get("mac_address", ""))

    @property
    def serial(self) -> str:
        return str(self.fields.get("serial", ""))

    @property
    def uuid(self) -> str:
        return str(self.fields.get("uuid", ""))


def _text(value: Any, limit: int) -> str:
    return str(value).strip()[:limit] if value not in (None, "") else ""


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _digest(rows: list[Any]) -> str:
    return hashlib.sha256(
        json.dumps(rows, default=str, sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()


def clean_serial(value: Any) -> str:
    serial = _text(value, 120)
    return "" if serial.lower().strip(" .") in PLACEHOLDER_SERIALS else serial


def asset_kind(itemtype: str, hardware: dict[str, Any], os_full_name: str) -> str:
    chassis = str(hardware.get("chassis_type", "")).lower()
    if itemtype == "Phone":
        return AssetKind.TABLET if "tablet" in chassis else AssetKind.PHONE
    if itemtype == "Printer":
        return AssetKind.PRINTER
    if itemtype == "NetworkEquipment":
        return AssetKind.NETWORK_DEVICE
    vm = str(hardware.get("vmsystem", "")).strip().lower()
    if vm and vm != "physical":
        return AssetKind.VIRTUAL_MACHINE
    if "tablet" in chassis:
        return AssetKind.TABLET
    if any(word in chassis for word in LAPTOP_CHASSIS):
        return AssetKind.LAPTOP
    if any(word in chassis for word in SERVER_CHASSIS) or "server" in os_full_name.lower():
        return AssetKind.SERVER
    return AssetKind.DESKTOP


def _antivirus(content: dict[str, Any], is_windows: bool) -> dict[str, Any]:
    products = content.get("antivirus")
    if products is None:
        # Windows always reports its registered antivirus products: none listed means none.
        if is_windows:
            return {"antivirus_name": "", "antivirus_enabled": False, "antivirus_up_to_date": False}
        return {"antivirus_name": "", "antivirus_enabled": None, "antivirus_up_to_date": None}
    enabled = [p for p in products if p.get("enabled")]
    shown = enabled or products
    return {
        "antivirus_name": _text(", ".join(str(p.get("name", "")) for p in shown), 160),
        "antivirus_enabled": bool(enabled),
        "antivirus_up_to_date": any(p.get("uptodate") for p in enabled),
    }


def _firewall(content: dict[str, Any]) -> bool | None:
    firewalls = content.get("firewalls")
    if not firewalls:
        return None
    return any(str(f.get("status", "")).lower() in {"on", "enabled"} for f in firewalls)


def _disk_encrypted(content: dict[str, Any]) -> bool | None:
    drives = [d for d in content.get("drives", []) if d.get("encrypt_status")]
    system = [d for d in drives if d.get("systemdrive")]
    statuses = [str(d["encrypt_status"]).strip().lower() for d in (system or drives)] or [
        str(s["encrypt_status"]).strip().lower()
        for s in content.get("storages", [])
        if s.get("encrypt_status")
    ]
    if not statuses:
        return None
    return all(status in ENCRYPTED_WORDS for status in statuses)


def _secure_boot(bios: dict[str, Any]) -> bool | None:
    value = str(bios.get("secure_boot", "")).lower()
    return {"enabled": True, "disabled": False, "unsupported": False}.get(value)


def _local_admins(content: dict[str, Any]) -> list[str]:
    members: list[str] = []
    for group in content.get("local_groups", []):
        if group.get("id") == ADMIN_GROUP_SID or str(group.get("name", "")).lower() in (
            ADMIN_GROUP_NAMES
        ):
            members.extend(str(m)[:120] for m in group.get("members", []))
    return sorted(set(members))[:100]


def _software(content: dict[str, Any]) -> list[Software]:
    seen: set[tuple[str, str, str]] = set()
    rows = []
    for item in content.get("softwares", []):
        name = _text(item.get("name"), 255)
        if not name:
            continue
        row = Software(
            name=name,
            version=_text(item.get("version"), 120),
            publisher=_text(item.get("publisher"), 255),
            installed_on=_date(item.get("install_date")),
        )
        key = (row.name, row.version, row.publisher)
        if key not in seen:
            seen.add(key)
            rows.append(row)
    rows.sort(key=lambda r: (r.name.lower(), r.version, r.publisher))
    return rows


def _interfaces(content: dict[str, Any]) -> list[Interface]:
    """One row per physical interface: the agent lists IPv4 and IPv6 addresses as separate items."""
    merged: dict[tuple[str, str], Interface] = {}
    for item in content.get("networks", []):
        kind = _text(item.get("type"), 40)
        if kind == "loopback" or str(item.get("description", "")).lower() == "lo":
            continue
        key = (_text(item.get("description"), 160), _text(item.get("mac"), 32).lower())
        row = merged.get(key)
        if row is None:
            status = str(item.get("status", "")).lower()
            row = merged[key] = Interface(
                name=key[0],
                mac=key[1],
                ipv4="",
                ipv6="",
                kind=kind,
                is_up={"up": True, "down": False}.get(status),
            )
        row.ipv4 = row.ipv4 or _text(item.get("ipaddress"), 15)
        row.ipv6 = row.ipv6 or _text(item.get("ipaddress6"), 45)
    return sorted(merged.values(), key=lambda r: (r.name, r.mac))


def _int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**62 else None


def _ports(content: dict[str, Any]) -> list[Port]:
    rows: dict[Any, Port] = {}
    for index, item in enumerate(content.get("network_ports", [])):
        if not isinstance(item, dict):
            continue
        number = _int(item.get("ifnumber"))
        status = _int(item.get("ifstatus"))
        row = Port(
            number=number,
            name=_text(item.get("ifname"), 160),
            description=_text(item.get("ifdescr"), 255),
            alias=_text(item.get("ifalias"), 255),
            mac=_text(item.get("mac"), 32).lower(),
            kind=_int(item.get("iftype")),
            speed=_int(item.get("ifspeed")),
            mtu=_int(item.get("ifmtu")),
            # IF-MIB ifOperStatus: 1 up, 2 down; other values (testing, dormant...) unknown.
            is_up={1: True, 2: False}.get(status) if status is not None else None,
            ips=[_text(ip, 45) for ip in item.get("ips", []) if ip][:20],
            vlans=list(item.get("vlans", []))[:200],
            connections=list(item.get("connections", []))[:50],
        )
        rows[number if number is not None else f"#{index}"] = row
    return sorted(rows.values(), key=lambda p: (p.number is None, p.number or 0, p.name))


def _firmware(content: dict[str, Any]) -> str:
    device = content.get("network_device", {})
    firmwares = [f for f in content.get("firmwares", []) if isinstance(f, dict)]
    main = [f for f in firmwares if str(f.get("type", "")).lower() == "device"] or firmwares
    if main and main[0].get("version"):
        name = _text(main[0].get("name"), 80)
        version = _text(main[0].get("version"), 80)
        return (f"{name} {version}" if name and name != version else version)[:200]
    return _text(device.get("firmware"), 200)


def _page_counters(content: dict[str, Any]) -> dict[str, int]:
    counters = content.get("pagecounters", {})
    return {
        key: number
        for key, value in sorted(counters.items())
        if (number := _int(value)) is not None
    }


def _network_fields(document: dict[str, Any]) -> dict[str, Any]:
    content: dict[str, Any] = document.get("content", {})
    device = content.get("network_device", {})
    ips = [str(ip) for ip in device.get("ips", []) if ip and not str(ip).startswith("127.")]
    return {
        "name": _text(device.get("name"), 120),
        "serial": clean_serial(device.get("serial")),
        "manufacturer": _text(device.get("manufacturer"), 120),
        "model": _text(device.get("model"), 120),
        "mac_address": _text(device.get("mac"), 32).lower(),
        "ip_address": _text(ips[0] if ips else "", 45),
        "firmware": _firmware(content),
        "snmp_credentials": _int(device.get("credentials")),
        "page_counters": _page_counters(content),
    }


def is_network_document(document: dict[str, Any]) -> bool:
    """A network discovery or inventory (SNMP): its device id is the scanning agent's, not the
    device's, so it never identifies the asset."""
    return (
        str(document.get("action", "")) in NETWORK_ACTIONS
        or str(document.get("itemtype", "")) in NETWORK_ITEMTYPES
    )


# The agent reports its own command line (versionprovider.perl_args), which carries the token
# when it was given as --password: never kept.
PASSWORD_ARGUMENT = re.compile(r"(--password[= ]|(?<!\S)-p ?)\S+")


def redact_arguments(text: str) -> str:
    return PASSWORD_ARGUMENT.sub(r"\1[redacted]", text)


def _raw(content: dict[str, Any]) -> dict[str, Any]:
    raw = {
        key: value
        for key, value in content.items()
        if key not in MODELED_SECTIONS and key not in DROPPED_SECTIONS
    }
    provider = raw.get("versionprovider")
    if isinstance(provider, dict) and isinstance(provider.get("perl_args"), str):
        raw["versionprovider"] = {**provider, "perl_args": redact_arguments(provider["perl_args"])}
    return raw


def read_network_inventory(document: dict[str, Any]) -> Reading:
    """A switch, router or printer seen by the agent's network inventory or discovery.

    A discovery (a sweep of the network) is partial by nature, as GLPI treats it: it only says
    what it saw, and never empties what a full network inventory found."""
    content: dict[str, Any] = document.get("content", {})
    itemtype = str(document.get("itemtype", ""))
    device_type = str(content.get("network_device", {}).get("type", ""))
    if itemtype == "Printer" or device_type == "Printer":
        kind = AssetKind.PRINTER
    elif itemtype == "NetworkEquipment" or device_type in {"Networking", "Storage", "Power"}:
        kind = AssetKind.NETWORK_DEVICE
    elif device_type == "Computer":
        kind = AssetKind.DESKTOP
    elif device_type == "Phone":
        kind = AssetKind.PHONE
    else:
        kind = AssetKind.OTHER
    partial = bool(document.get("partial")) or document.get("action") == "netdiscovery"
    fields = _network_fields(document)
    present = set(content)
    if partial:
        fields = {
            name: value
            for name, value in fields.items()
            if present.intersection(NETWORK_FIELD_SECTIONS[name])
        }
    ports = _ports(content) if (not partial or "network_ports" in content) else None
    return Reading(
        device_id="",
        kind=kind,
        fields=fields,
        software=None,
        interfaces=None,
        ports=ports,
        ports_hash=_digest([list(vars(p).values()) for p in ports]) if ports is not None else "",
        partial=partial,
        network=True,
        raw_sections=_raw(content),
    )


def read_inventory(document: dict[str, Any]) -> Reading:
    """What a (valid) inventory says, in the asset's terms. Call validate_inventory first.

    A partial inventory (`"partial": true`) reads only the sections it carries: the fields and
    rows read from the others are left out of the reading, so the import leaves them alone."""
    if is_network_document(document):
        return read_network_inventory(document)
    content: dict[str, Any] = document.get("content", {})
    partial = bool(document.get("partial"))
    hardware = content.get("hardware", {})
    bios = content.get("bios", {})
    os_info = content.get("operatingsystem", {})
    os_full = _text(os_info.get("full_name") or os_info.get("name"), 200)
    # Windows 11 may give only its build: keep the feature update it means (23H2), so that the
    # end of life can be looked up again later from what is stored.
    os_version = eol.windows_version(
        os_full, _text(os_info.get("version"), 120), _text(os_info.get("kernel_version"), 60)
    )[:120]
    release = eol.release_of(
        _text(os_info.get("name"), 200),
        os_full,
        os_version,
        _text(os_info.get("kernel_version"), 60),
    )
    is_windows = "windows" in os_full.lower() or os_info.get("kernel_name") == "MSWin32"
    kind = asset_kind(str(document.get("itemtype", "Computer")), hardware, os_full)
    fields: dict[str, Any] = {
        "name": _text(hardware.get("name") or os_info.get("fqdn"), 120),
        "serial": clean_serial(bios.get("ssn")),
        "uuid": _text(hardware.get("uuid"), 64).lower(),
        "manufacturer": _text(bios.get("smanufacturer") or bios.get("mmanufacturer"), 120),
        "model": _text(bios.get("smodel") or bios.get("mmodel"), 120),
        "os_name": os_full,
        "os_version": os_version,
        "os_eol_label": release.label if release else "",
        "os_eol_date": release.end_of_life if release else None,
        **_antivirus(content, is_windows),
        "firewall_enabled": _firewall(content),
        "disk_encrypted": _disk_encrypted(content),
        "secure_boot": _secure_boot(bios),
        "local_admins": _local_admins(content),
    }
    software: list[Software] | None = _software(content)
    interfaces: list[Interface] | None = _interfaces(content)
    assert software is not None
    old_software = eol.software_releases([row.name for row in software])
    fields["software_eol_label"] = ", ".join(r.label for r in old_software)[:200]
    fields["software_eol_date"] = old_software[0].end_of_life if old_software else None
    if partial:
        present = set(content)
        fields = {
            name: value
            for name, value in fields.items()
            if present.intersection(FIELD_SECTIONS[name])
        }
        if "softwares" not in content:
            software = None
        if "networks" not in content:
            interfaces = None
    return Reading(
        device_id=_text(document.get("deviceid"), 160),
        kind=kind,
        fields=fields,
        software=software,
        interfaces=interfaces,
        software_hash=(
            _digest([list(vars(s).values()) for s in software]) if software is not None else ""
        ),
        interfaces_hash=(
            _digest([list(vars(i).values()) for i in interfaces]) if interfaces is not None else ""
        ),
        partial=partial,
        raw_sections=_raw(content),
    )
