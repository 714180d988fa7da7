"""SICRES 3.0 documents: build, parse safely, validate against the XSD.

Two documents travel: the interchange file (`Fichero_Intercambio_SICRES_3`) and the message
(`De_Mensaje`: ACK, confirmation, error). Both are handled here as plain nested dicts keyed by the
SICRES element names, in which every value is a string (base64 fields stay base64 text): what the
XSD calls `De_Interesado` is `content["De_Interesado"]`, a list of dicts. The order of elements is
read from the schema itself, so the builder cannot put them out of order.

Untrusted XML is refused before parsing when larger than the cap, parsed with defusedxml (no DTD,
no entities, no external references: a billion-laughs or XXE file is refused, never expanded),
then validated against the XSD. Nothing here touches the database.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

if TYPE_CHECKING:  # xmlschema loads on first use: some 10 MB a web worker rarely needs
    import xmlschema

DATA_DIR = Path(__file__).resolve().parent / "data"
INTERCHANGE_ROOT = "Fichero_Intercambio_SICRES_3"
MESSAGE_ROOT = "De_Mensaje"
APPLICATION_VERSION = "1.0"  # Aplicacion_Version_Emisora: at most 4 characters

# Tipo_Anotacion
ANNOTATION_SEND = "01"
ANNOTATION_FORWARD = "02"
ANNOTATION_REJECT = "03"
# Tipo_Mensaje
MESSAGE_ACK = "01"
MESSAGE_CONFIRMATION = "02"
MESSAGE_ERROR = "03"
# SICRES error codes (Codigo_Error), as the SIR components use them
ERROR_XML = "0037"  # the file is not valid SICRES 3 XML
ERROR_ATTACHMENTS = "0045"  # an attachment is wrong: its hash does not match its content
ERROR_DUPLICATE = "0205"  # this interchange already arrived here
ERROR_ENTRY = "0065"  # the entry cannot be processed (e.g. no such destination here)

BASE64_FIELDS = frozenset(
    {"Timestamp_Entrada", "Certificado", "Firma_Documento", "TimeStamp",
     "Validacion_OCSP_Certificado", "Hash", "Anexo"}
)  # fmt: skip
# Characters XML 1.0 cannot carry: stripped from what we write rather than producing bad XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DATE_FORMAT = "%Y%m%d%H%M%S"  # SICRES dates: 14 digits, local time of the registry


class SicresError(Exception):
    """A SICRES document refused: `code` is the SICRES error code, `message` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def max_xml_bytes() -> int:
    """The largest SICRES file accepted: 15 MB of attachments in base64 plus room for the rest."""
    return int(getattr(settings, "SIR_MAX_XML_BYTES", 22 * 1024 * 1024))


@cache
def schema(root: str) -> xmlschema.XMLSchema10:
    name = "ficheroIntercambio.xsd" if root == INTERCHANGE_ROOT else "mensaje.xsd"
    import xmlschema

    return xmlschema.XMLSchema10(str(DATA_DIR / name), allow="sandbox")


# --- dates and hashes ---------------------------------------------------------------------------
def format_date(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime(DATE_FORMAT)


def parse_date(text: str) -> dt.datetime:
    try:
        naive = dt.datetime.strptime(text, DATE_FORMAT)
    except ValueError as exc:
        raise SicresError(
            ERROR_XML,
            _("The date %(value)s is not in the SICRES form yyyyMMddHHmmss.") % {"value": text},
        ) from exc
    return timezone.make_aware(naive)


def content_hash(data: bytes) -> str:
    """SICRES `Hash`: the SHA-256 of the attachment's bytes, base64-encoded."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


def decode_base64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SicresError(
            ERROR_XML, _("%(field)s is not valid base64.") % {"field": field}
        ) from exc


# --- building -----------------------------------------------------------------------------------
def _clean_text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _fill(parent: ET.Element, xsd_element: Any, data: dict[str, Any]) -> None:
    """Append the children of `xsd_element` found in `data`, in the schema's order."""
    for child in xsd_element.type.content.iter_elements():
        value = data.get(child.name)
        if value is None or value == "" or value == []:
            if child.min_occurs == 0 or not child.type.is_simple():
                continue
            value = ""  # a required text may be empty (Expone, Solicita)
        values: list[Any] = value if isinstance(value, list) else [value]
        for item in values:
            node = ET.SubElement(parent, child.name)
            if child.type.is_simple():
                node.text = _clean_text(str(item))
            else:
                _fill(node, child, item)


def build(root: str, data: dict[str, Any]) -> bytes:
    """The document `root` holding `data`, validated; a ValueError names the first XSD error."""
    xsd = schema(root)
    element = ET.Element(root)
    _fill(element, xsd.elements[root], data)
    error = first_error(xsd, element)
    if error is not None:
        raise ValueError(describe(error))
    body: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return body


def first_error(xsd: xmlschema.XMLSchema10, element: ET.Element) -> Any:
    # An in-memory tree: the resource may load nothing at all (no schemaLocation, no includes).
    import xmlschema

    resource = xmlschema.XMLResource(element, allow="none")
    return next(iter(xsd.iter_errors(resource)), None)


def describe(error: Any) -> str:
    path = getattr(error, "path", "") or ""
    reason = getattr(error, "reason", None) or str(error).splitlines()[0]
    return f"{path}: {reason}" if path else str(reason)


# --- parsing ------------------------------------------------------------------------------------
def _read(element: ET.Element, xsd_element: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    children = {c.name: c for c in xsd_element.type.content.iter_elements()}
    for node in element:
        child = children[node.tag]
        value: Any = (node.text or "").strip() if child.type.is_simple() else _read(node, child)
        if child.max_occurs is None or child.max_occurs > 1:
            data.setdefault(node.tag, []).append(value)
        else:
            data[node.tag] = value
    return data


def parse(xml: bytes) -> tuple[str, dict[str, Any]]:
    """(root name, content) of an untrusted SICRES document, or SicresError with code 0037."""
    limit = max_xml_bytes()
    if len(xml) > limit:
        raise SicresError(
            ERROR_XML,
            _("The file is larger than %(limit)s, the most a SICRES file may be.")
            % {"limit": filesizeformat(limit)},
        )
    try:
        element = defused_fromstring(
            xml, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise SicresError(
            ERROR_XML,
            _(
                "The file declares a DTD or entities, which a SICRES file never does; it was not read."
            ),
        ) from exc
    except ET.ParseError as exc:
        raise SicresError(
            ERROR_XML, _("The file is not well-formed XML (%(error)s).") % {"error": exc}
        ) from exc
    root = element.tag
    if root not in (INTERCHANGE_ROOT, MESSAGE_ROOT):
        raise SicresError(
            ERROR_XML,
            _("This is not a SICRES 3 file: its root element is %(root)s.") % {"root": root[:80]},
        )
    xsd = schema(root)
    error = first_error(xsd, element)
    if error is not None:
        raise SicresError(
            ERROR_XML,
            _("The file does not follow the SICRES 3 schema: %(error)s")
            % {"error": describe(error)},
        )
    return root, _read(element, xsd.elements[root])
