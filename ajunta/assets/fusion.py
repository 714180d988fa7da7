"""The FusionInventory 2.x XML protocol (PROLOG, INVENTORY, SNMPQUERY, NETDISCOVERY), converted
to the JSON inventory format GLPI agents send, so that both go through the same import.

GLPI's own rules are the reference (glpi-project/inventory_format, `Converter`): element names
become lower case, empty elements are dropped, the old query names become actions (INVENTORY
inventory, SNMPQUERY/SNMP netinventory, NETDISCOVERY netdiscovery), a few sections are renamed
(FIREWALL firewalls, a local group's MEMBER members, a network's MACADDR mac, a program's
INSTALLDATE install_date, the network device's INFO network_device, PORTS/PORT network_ports,
IFINOCTETS ifinbytes, MODULEVERSION versionclient, PROCESSNUMBER jobid), dates written the
European way become ISO dates, and a network device's TYPE gives the item type (NETWORKING,
STORAGE, POWER, VIDEO, KVM a network equipment; PRINTER a printer).

Where GLPI keeps a list of which fields are numbers, booleans or lists, this module reads it
from the schema itself (data/inventory.schema.json): a value the schema wants as an integer is
cast when it is one and dropped when it is not, a single element where the schema wants a list
becomes a list of one, and a date in a format the schema does not take is converted or dropped.
What is left is checked against the schema like any JSON inventory.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import lru_cache
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from django.utils.translation import gettext as _

from ajunta.assets.inventory import SCHEMA, InventoryError

QUERY_ACTIONS = {
    "inventory": "inventory",
    "snmp": "netinventory",
    "snmpquery": "netinventory",
    "netdiscovery": "netdiscovery",
    "prolog": "prolog",
}
NETWORK_TYPES_ITEMTYPE = {
    "Computer": "Computer",
    "Phone": "Phone",
    "Printer": "Printer",
    "Unmanaged": "Unmanaged",
    "Networking": "NetworkEquipment",
    "Storage": "NetworkEquipment",
    "Power": "NetworkEquipment",
    "Video": "NetworkEquipment",
    "KVM": "NetworkEquipment",
}
# Sections GLPI no longer takes (registry keys, old OCS fields).
DROPPED_SECTIONS = ("registry", "userslist", "mib_applications", "mib_components", "jvms",
                    "accountinfo")  # fmt: skip
DATE_FORMATS = (
    "%a %b %d %H:%M:%S %Y",
    "%Y-%m-%dT%H:%M:%SZ",
    "%d/%m/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%Y-%m-%d",
    "%d.%m.%Y",
    "%Y%m%d",
)
MEMORY_UNITS = {"": 1, "mb": 1, "mib": 1, "m": 1, "gb": 1024, "gib": 1024, "g": 1024,
                "kb": 1 / 1024, "kib": 1 / 1024, "tb": 1024 * 1024}  # fmt: skip
DROP = object()


def is_xml(body: bytes) -> bool:
    return body.lstrip()[:1] == b"<"


# --- XML into nested dictionaries ----------------------------------------------------------------
def _element(node: Element) -> Any:
    children = list(node)
    if not children:
        return (node.text or "").strip()
    grouped: dict[str, list[Any]] = {}
    for child in children:
        value = _element(child)
        if value in ("", {}, []):
            continue  # GLPI removes empty nodes
        grouped.setdefault(str(child.tag).lower(), []).append(value)
    # One element is a value, repeated ones a list (as SimpleXML reads them).
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


def parse(body: bytes) -> dict[str, Any]:
    """The REQUEST element of a FusionInventory message, as lower-case nested dictionaries."""
    try:
        root = SafeET.fromstring(body)
    except Exception as exc:  # defusedxml raises ParseError and its own refusals
        raise InventoryError(
            _("The XML message could not be read: %(error)s") % {"error": str(exc)[:200]}
        ) from exc
    if str(root.tag).upper() != "REQUEST":
        raise InventoryError(_("The XML message must be a REQUEST."))
    data = _element(root)
    return data if isinstance(data, dict) else {}


# --- dates and memory ----------------------------------------------------------------------------
def convert_date(value: str, *, with_time: bool = False) -> str | None:
    value = value.strip()
    if not value or value.lower() in {"n/a", "boot_time"}:
        return None
    for pattern in DATE_FORMATS:
        try:
            parsed = dt.datetime.strptime(value, pattern)
        except ValueError:
            continue
        return parsed.strftime("%Y-%m-%d %H:%M:%S" if with_time else "%Y-%m-%d")
    return None


def convert_memory(value: Any) -> Any:
    match = re.fullmatch(r"\s*([\d.]+)\s*([a-zA-Z]*)\s*", str(value))
    if not match or match.group(2).lower() not in MEMORY_UNITS:
        return value
    return round(float(match.group(1)) * MEMORY_UNITS[match.group(2).lower()])


# --- the schema decides types and lists ----------------------------------------------------------
@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    if ref.startswith("#/definitions/"):
        return dict(_schema()["definitions"][ref.rsplit("/", 1)[1]])
    return schema


def coerce(value: Any, schema: dict[str, Any]) -> Any:
    """`value` cast to what `schema` wants where the XML could not say; DROP when it cannot be."""
    schema = _resolve(schema)
    kind = schema.get("type")
    if kind == "array":
        items = value if isinstance(value, list) else [value]
        item_schema = schema.get("items", {})
        if not isinstance(item_schema, dict) or "type" not in _resolve(item_schema):
            return items
        out = [coerce(item, item_schema) for item in items]
        return [item for item in out if item is not DROP]
    if isinstance(value, list) and kind in {"object", "string", "integer", "boolean", "number"}:
        value = value[0] if value else ""
    if kind == "object":
        if not isinstance(value, dict):
            return DROP
        properties = schema.get("properties", {})
        out_obj: dict[str, Any] = {}
        for key, item in value.items():
            if key in properties:
                item = coerce(item, properties[key])
                if item is DROP:
                    continue
            out_obj[key] = item
        return out_obj
    if kind == "integer":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        text = str(value).strip()
        return int(text) if re.fullmatch(r"-?\d+", text) else DROP
    if kind == "number":
        try:
            return float(str(value).replace(",", "."))
        except ValueError:
            return DROP
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        # As PHP casts a string: "", "0" false, anything else true.
        return str(value).strip() not in {"", "0"}
    if kind == "string":
        if isinstance(value, dict):
            return DROP
        text = str(value)
        pattern = schema.get("pattern")
        if pattern and not re.search(pattern, text):
            if "[0-9]{4}-[0-9]{2}-[0-9]{2}" in pattern:
                converted = convert_date(text, with_time=":" in pattern)
                if converted and re.search(pattern, converted):
                    return converted
                converted = convert_date(text)
                if converted and re.search(pattern, converted):
                    return converted
            lowered = text.lower()
            if re.search(pattern, lowered):
                return lowered
            return DROP
        return text
    return value


# --- GLPI's renames ------------------------------------------------------------------------------
def _as_list(value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    return value if isinstance(value, list) else [value]


def _wrapped(value: Any, inner: str) -> list[Any]:
    """PORTS/PORT, IPS/IP, VLANS/VLAN...: the list inside its wrapper element."""
    if isinstance(value, dict):
        return _as_list(value.get(inner))
    return _as_list(value)


def _network_discovery(device: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = dict(device.get("info") or {"type": "Unmanaged"})
    if device.get("snmphostname"):
        info["name"] = device["snmphostname"]
    elif device.get("netbiosname"):
        info["name"] = device["netbiosname"]
    elif device.get("dnshostname"):
        info["name"] = device["dnshostname"]
    ips = _wrapped(device.get("ips"), "ip") or _as_list(device.get("ip"))
    if ips:
        info["ips"] = ips
    for key in ("mac", "contact", "firmware", "location", "manufacturer", "model", "uptime",
                "type", "description", "serial", "assettag"):  # fmt: skip
        if key in device:
            info[key] = device[key]
    if "netportvendor" in device and "manufacturer" not in device:
        info["manufacturer"] = device["netportvendor"]
    if "authsnmp" in device:
        info["credentials"] = device["authsnmp"]
    out = {key: value for key, value in device.items() if key in {"firmwares", "ports"}}
    out["info"] = info
    return out


def _network_device(data: dict[str, Any]) -> None:
    content = data["content"]
    device = content.pop("device")
    if isinstance(device, list):
        device = device[0] if device else {}
    if not isinstance(device, dict):
        device = {}
    if data.get("action") == "netdiscovery":
        device = _network_discovery(device)
    if "moduleversion" in content:
        content.setdefault("versionclient", content.pop("moduleversion"))
    if "processnumber" in content:
        number = str(content.pop("processnumber"))
        if number.isdigit():
            data["jobid"] = int(number)
    info = dict(device.get("info") or {})
    if "comments" in info:
        info["description"] = info.pop("comments")
    info.pop("id", None)
    if "macaddr" in info:
        info["mac"] = info.pop("macaddr")
    if "ips" in info:
        info["ips"] = _wrapped(info["ips"], "ip")
    for key in ("memory", "ram"):
        if key in info:
            info[key] = convert_memory(info[key])
    if "type" in info:
        info["type"] = "KVM" if str(info["type"]).lower() == "kvm" else str(info["type"]).title()
    if info:
        content["network_device"] = info
        if not device.get("firmwares") and info.get("firmware"):
            content["firmwares"] = [{"name": info["firmware"], "version": info["firmware"]}]
        if "itemtype" not in data:
            data["itemtype"] = NETWORK_TYPES_ITEMTYPE.get(str(info.get("type")), "Unmanaged")
    ports = []
    for port in _wrapped(device.get("ports"), "port"):
        if not isinstance(port, dict):
            continue
        port = dict(port)
        if "vlans" in port:
            port["vlans"] = _wrapped(port["vlans"], "vlan")
        connections = port.get("connections")
        if isinstance(connections, dict):
            if "cdp" in connections:
                port["lldp"] = str(connections.pop("cdp")).strip() not in {"", "0"}
            port["connections"] = _wrapped(connections, "connection")
        for old, new in (("ifinoctets", "ifinbytes"), ("ifoutoctets", "ifoutbytes")):
            if old in port:
                port.setdefault(new, port.pop(old))
        if "aggregate" in port:
            port["aggregate"] = _wrapped(port["aggregate"], "port")
        if "ip" in port:
            port.setdefault("ips", {"ip": port.pop("ip")})
        if "ips" in port:
            port["ips"] = _wrapped(port["ips"], "ip")
        ports.append(port)
    if ports:
        content["network_ports"] = ports
    if device.get("firmwares"):
        content["firmwares"] = _as_list(content.get("firmwares")) + _as_list(device["firmwares"])
    components = _wrapped(device.get("components"), "component")
    if components:
        for component in components:
            if "containedinindex" in component:
                component.setdefault("contained_index", component.pop("containedinindex"))
            component.pop("revision", None)
            if "version" in component:
                component.setdefault("firmware", component.pop("version"))
        content["network_components"] = components
    for key in ("cartridges", "pagecounters", "drives", "error", "modems", "simcards"):
        if key in device:
            content[key] = device[key]
    if "versionclient" not in content and data.get("itemtype") == "Printer":
        content["versionclient"] = "missing"


def convert(data: dict[str, Any]) -> dict[str, Any]:
    """A FusionInventory REQUEST (as `parse` reads it) in the JSON inventory format."""
    data = dict(data)
    if not data.get("deviceid"):
        raise InventoryError(_("The XML message has no DEVICEID."))
    query = str(data.pop("query", "")).lower()
    content = data.get("content")
    if not isinstance(content, dict):
        content = {}
    data["content"] = content = dict(content)
    if "device" in content:
        data["action"] = QUERY_ACTIONS.get(query, "netinventory")
        _network_device(data)
    else:
        data["action"] = QUERY_ACTIONS.get(query, "inventory")
    for key in DROPPED_SECTIONS:
        content.pop(key, None)
    hardware = content.get("hardware")
    if isinstance(hardware, dict):
        if "versionclient" in hardware:
            content.setdefault("versionclient", hardware.pop("versionclient"))
        for key in ("memory", "swap"):
            if key in hardware:
                hardware[key] = convert_memory(hardware[key])
    if "firewall" in content:
        content["firewalls"] = content.pop("firewall")
    for group in _as_list(content.get("local_groups")):
        if isinstance(group, dict) and "member" in group:
            group["members"] = _as_list(group.pop("member"))
    for network in _as_list(content.get("networks")):
        if not isinstance(network, dict):
            continue
        if "macaddr" in network:
            network.setdefault("mac", network.pop("macaddr"))
        if "status" in network:
            network["status"] = str(network["status"]).lower()
        if "type" in network:
            network["type"] = str(network["type"]).lower().replace("local", "loopback")
    for env in _as_list(content.get("envs")):
        if isinstance(env, dict):
            env.setdefault("val", "")  # an empty value went with the empty nodes
    system = content.get("operatingsystem")
    if isinstance(system, dict) and isinstance(system.get("timezone"), dict):
        zone = system["timezone"]
        if re.fullmatch(r"[+-]\d{2}", str(zone.get("offset", ""))):
            zone["offset"] = f"{zone['offset']}00"  # "+02" is "+0200"
        if "offset" in zone:
            zone.setdefault("name", zone["offset"])
    for software in _as_list(content.get("softwares")):
        if isinstance(software, dict) and "installdate" in software:
            software.setdefault("install_date", software.pop("installdate"))
    for section in ("memories", "videos", "virtualmachines"):
        for item in _as_list(content.get(section)):
            key = "capacity" if section == "memories" else "memory"
            if isinstance(item, dict) and key in item:
                item[key] = convert_memory(item[key])
    data.setdefault("itemtype", "Computer")
    if "versionclient" not in content:
        content["versionclient"] = "FusionInventory (XML)"
    schema = _schema()
    # Only what the schema knows at the top (uuid, user, machineid... are GLPI's drops too).
    data = {key: value for key, value in data.items() if key in schema["properties"]}
    converted = coerce(data, schema)
    if converted is DROP or not isinstance(converted, dict):
        raise InventoryError(_("The XML message has no inventory."))
    return converted


def xml_document(body: bytes) -> dict[str, Any]:
    """The JSON inventory an XML message means (`action` "prolog" for a PROLOG).

    A message whose elements are not shaped as FusionInventory writes them (text where an element
    holds others, and the like) is refused as unreadable, never a server error."""
    data = parse(body)
    try:
        return convert(data)
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        raise InventoryError(
            _("The XML message could not be read: %(error)s")
            % {"error": _("its elements are not those of a FusionInventory message")}
        ) from exc


def reply(fields: dict[str, str]) -> bytes:
    """A FusionInventory REPLY: <REPLY><PROLOG_FREQ>24</PROLOG_FREQ>...</REPLY>."""
    from xml.sax.saxutils import escape

    inner = "".join(f"<{key}>{escape(value)}</{key}>" for key, value in fields.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<REPLY>{inner}</REPLY>\n'.encode()
