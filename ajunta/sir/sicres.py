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
import mimetypes
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

if TYPE_CHECKING:  # xmlschema loads on first use: some 10 MB a web worker rarely needs
    import xmlschema

DATA_DIR = Path(__file__).resolve().parent / "data"
INTERCHANGE_ROOT = "Fichero_Intercambio_SICRES_3"
MESSAGE_ROOT = "De_Mensaje"
APPLICATION_VERSION = "1.0"  # Aplicacion_Version_Emisora: at most 4 characters

# Tipo_Anotacion (SICRES 3.0, as RegWeb3 and ALSIGM use them). A receiver takes 01 like 02: some
# systems write their first send as "pending" (pending of acceptance by the destination).
ANNOTATION_PENDING = "01"
ANNOTATION_SEND = "02"
ANNOTATION_FORWARD = "03"
ANNOTATION_REJECT = "04"
ANNOTATION_NAMES = {
    ANNOTATION_PENDING: "Pendiente", ANNOTATION_SEND: "Envío", ANNOTATION_FORWARD: "Reenvío",
    ANNOTATION_REJECT: "Rechazo",
}  # fmt: skip
# Tipo_Mensaje
MESSAGE_ACK = "01"
MESSAGE_ERROR = "02"
MESSAGE_CONFIRMATION = "03"
# SICRES error codes (Codigo_Error), as the SIR components use them (RegWeb3's Errores)
ERROR_XML = "0037"  # ERROR EN LA VALIDACION FORMATO XML: the file breaks the schema or the rules
ERROR_UNREACHABLE = "0039"  # ERROR, NO SE PUEDE ALCANZAR EL DESTINO: no such office here
ERROR_UNCONTROLLED = "0063"  # an error the receiver did not foresee
ERROR_ENTRY = "0065"  # ERROR EN EL ASIENTO: the entry cannot be processed
ERROR_DUPLICATE = "0205"  # this interchange already arrived here (answered with an ACK again)
# An attachment that is not what it says (its hash, its type): a validation error of the file.
ERROR_ATTACHMENTS = ERROR_XML
ERROR_NAMES = {
    ERROR_XML: "ERROR EN LA VALIDACION FORMATO XML",
    ERROR_UNREACHABLE: "ERROR, NO SE PUEDE ALCANZAR EL DESTINO",
    ERROR_UNCONTROLLED: "ERROR NO CONTROLADO",
    ERROR_ENTRY: "ERROR EN EL ASIENTO",
    ERROR_DUPLICATE: "ASIENTO DUPLICADO",
}
# SIR's common language: what we write to other registries (error texts, our rejections).
SIR_LANGUAGE = "es"

BASE64_FIELDS = frozenset(
    {"Timestamp_Entrada", "Certificado", "Firma_Documento", "TimeStamp",
     "Validacion_OCSP_Certificado", "Hash", "Anexo"}
)  # fmt: skip
# Characters XML 1.0 cannot carry: stripped from what we write rather than producing bad XML.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DATE_FORMAT = "%Y%m%d%H%M%S"  # SICRES dates: 14 digits, local time of the registry


class SicresError(Exception):
    """A SICRES document refused: `code` is the SICRES error code, `message` says why in the
    active language (for the screen), `message_for_sir` in Spanish (for the other registry)."""

    def __init__(self, code: str, message: str, message_for_sir: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_for_sir = message_for_sir or message


def refusal(code: str, template: str, /, **params: Any) -> SicresError:
    """A SicresError whose text (`template`, marked with gettext_noop) is rendered twice: in the
    user's language and in Spanish, SIR's common language, for the message to the sender."""
    message = _(template) % params if params else _(template)
    with translation.override(SIR_LANGUAGE):
        spanish = _(template) % params if params else _(template)
    return SicresError(code, message, f"{ERROR_NAMES.get(code, '')}: {spanish}".lstrip(": "))


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
        raise refusal(
            ERROR_XML,
            gettext_noop("The date %(value)s is not in the SICRES form yyyyMMddHHmmss."),
            value=text,
        ) from exc
    return timezone.make_aware(naive)


def content_hash(data: bytes) -> str:
    """SICRES `Hash`: the SHA-256 of the attachment's bytes, base64-encoded."""
    return base64.b64encode(hashlib.sha256(data).digest()).decode("ascii")


HASH_ALGORITHMS = ("sha256", "sha1", "md5")  # SHA-256 first: what we write and most send


def match_hash(data: bytes, value: str) -> tuple[str, str] | None:
    """(algorithm, encoding) with which `value` (a SICRES Hash) is the hash of `data`, or None.

    Registries write the hash several ways: the raw digest in base64 (the standard's, ours), the
    hex digest in base64 (some Java registries base64 the hex text), or the bare hex text; with
    SHA-256, SHA-1 or MD5. Each is tried; the one that matches is recorded on the attachment.
    """
    text = "".join((value or "").split())
    if not text:
        return None
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    for name in HASH_ALGORITHMS:
        digest = hashlib.new(name, data)
        if decoded and decoded == digest.digest():
            return name, "base64"
        hexdigest = digest.hexdigest()
        if decoded and decoded.strip().lower() == hexdigest.encode():
            return name, "base64-hex"
        if text.lower() == hexdigest:
            return name, "hex"
    return None


def decode_base64(text: str, field: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise refusal(
            ERROR_XML, gettext_noop("%(field)s is not valid base64."), field=field
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
        raise refusal(
            ERROR_XML,
            gettext_noop("The file is larger than %(limit)s, the most a SICRES file may be."),
            limit=f"{limit // (1024 * 1024)} MB",
        )
    try:
        element = defused_fromstring(
            xml, forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise refusal(
            ERROR_XML,
            gettext_noop(
                "The file declares a DTD or entities, which a SICRES file never does; it was not read."
            ),
        ) from exc
    except ET.ParseError as exc:
        raise refusal(
            ERROR_XML, gettext_noop("The file is not well-formed XML (%(error)s)."), error=exc
        ) from exc
    root = element.tag
    if root not in (INTERCHANGE_ROOT, MESSAGE_ROOT):
        raise refusal(
            ERROR_XML,
            gettext_noop("This is not a SICRES 3 file: its root element is %(root)s."),
            root=root[:80],
        )
    xsd = schema(root)
    error = first_error(xsd, element)
    if error is not None:
        raise refusal(
            ERROR_XML,
            gettext_noop("The file does not follow the SICRES 3 schema: %(error)s"),
            error=describe(error),
        )
    return root, _read(element, xsd.elements[root])


# --- the standard's rules beyond the schema -------------------------------------------------------
# What SICRES 3.0 requires that the XSD does not say (every element there is a bare string): the
# rules the SIR certification plan checks on receipt ("plan de pruebas integradas SICRES", cases
# SIR-RC-PR-001..134; AL SIGM's and RegWeb3's validarFicheroIntercambio). A file that breaks one is
# refused with 0037. Nothing else is: what another registry may send is taken in.
TRANSPORT_TYPES = frozenset({"01", "02", "03", "04", "05", "06", "07"})
ID_TYPES = frozenset({"N", "C", "P", "E", "X", "O"})
CHANNELS = frozenset({"01", "02", "03"})
VALIDITIES = frozenset({"01", "02", "03", "04"})
ATTACHMENT_KINDS = frozenset({"01", "02", "03"})
SPAIN = frozenset({"724", "0724"})
_IDENTIFIER = re.compile(r"^([A-Z0-9]{1,21})_(\d{2})_(\d{8})$")
_FILE_NAME_FORBIDDEN = re.compile(r'[\\/?*:|<>";&]')


def _rule(template: str, **params: Any) -> SicresError:
    return refusal(ERROR_XML, template, **params)


def check_interchange(content: dict[str, Any]) -> None:
    """Refuse (0037) an interchange file that breaks a rule of the standard the XSD cannot say."""
    origin = content.get("De_Origen_o_Remitente", {})
    destination = content.get("De_Destino", {})
    control = content.get("De_Internos_Control", {})
    required = (
        (origin, "Codigo_Entidad_Registral_Origen"), (origin, "Numero_Registro_Entrada"),
        (origin, "Fecha_Hora_Entrada"), (destination, "Codigo_Entidad_Registral_Destino"),
        (content.get("De_Asunto", {}), "Resumen"), (control, "Identificador_Intercambio"),
        (control, "Tipo_Anotacion"), (control, "Codigo_Entidad_Registral_Inicio"),
    )  # fmt: skip
    for segment, field in required:
        if not str(segment.get(field, "")).strip():
            raise _rule(gettext_noop("%(field)s must not be empty."), field=field)
    identifier = control["Identificador_Intercambio"]
    match = _IDENTIFIER.match(identifier)
    if match is None or match.group(1) != control["Codigo_Entidad_Registral_Inicio"]:
        raise _rule(
            gettext_noop(
                "Identificador_Intercambio %(value)s is not <Codigo_Entidad_Registral_Inicio>_<yy>_"
                "<8 digits>."
            ),
            value=identifier[:40],
        )
    transport = control.get("Tipo_Transporte_Entrada", "")
    if transport and transport not in TRANSPORT_TYPES:
        raise _rule(gettext_noop("%(field)s has an unknown code %(value)s."),
                    field="Tipo_Transporte_Entrada", value=transport[:4])  # fmt: skip
    unit = origin.get("Codigo_Unidad_Tramitacion_Origen", "")
    parties = [p for p in content.get("De_Interesado", []) if _filled(p)]
    if not parties and not unit:
        # No interested party is fine between administrations: the origin unit is the sender.
        raise _rule(
            gettext_noop(
                "An entry without interested party must name its origin unit "
                "(Codigo_Unidad_Tramitacion_Origen)."
            )
        )
    for party in parties:
        _check_party(party, unit=unit)
    for annex in content.get("De_Anexo", []):
        _check_annex(annex, identifier)


def _filled(segment: dict[str, Any]) -> bool:
    return any(isinstance(value, str) and value.strip() for value in segment.values())


def _check_party(party: dict[str, str], *, unit: str) -> None:
    for suffix in ("Interesado", "Representante"):
        id_type = party.get(f"Tipo_Documento_Identificacion_{suffix}", "")
        if id_type and id_type not in ID_TYPES:
            raise _rule(gettext_noop("%(field)s has an unknown code %(value)s."),
                        field=f"Tipo_Documento_Identificacion_{suffix}", value=id_type[:4])  # fmt: skip
        channel = party.get(f"Canal_Preferente_Comunicacion_{suffix}", "")
        if channel and channel not in CHANNELS:
            raise _rule(gettext_noop("%(field)s has an unknown code %(value)s."),
                        field=f"Canal_Preferente_Comunicacion_{suffix}", value=channel[:4])  # fmt: skip
        if channel == "01":  # postal address: country, address, and in Spain a postcode or town
            if not party.get(f"Pais_{suffix}") or not party.get(f"Direccion_{suffix}"):
                raise _rule(gettext_noop("A postal channel needs %(field)s."),
                            field=f"Pais_{suffix} / Direccion_{suffix}")  # fmt: skip
            if party.get(f"Pais_{suffix}") in SPAIN and not (
                party.get(f"Codigo_Postal_{suffix}")
                or (party.get(f"Provincia_{suffix}") and party.get(f"Municipio_{suffix}"))
            ):
                raise _rule(gettext_noop("A postal channel needs %(field)s."),
                            field=f"Codigo_Postal_{suffix}")  # fmt: skip
        if channel == "02" and not party.get(f"Direccion_Electronica_Habilitada_{suffix}"):
            raise _rule(gettext_noop("An electronic address channel needs %(field)s."),
                        field=f"Direccion_Electronica_Habilitada_{suffix}")  # fmt: skip
    if not unit and not (
        party.get("Razon_Social_Interesado")
        or (party.get("Nombre_Interesado") and party.get("Primer_Apellido_Interesado"))
    ):
        raise _rule(
            gettext_noop(
                "An interested party needs Razon_Social_Interesado or Nombre_Interesado and "
                "Primer_Apellido_Interesado."
            )
        )


_MIME_ALIASES = {
    "text/xml": "application/xml", "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg",
    "application/x-pdf": "application/pdf", "application/x-zip-compressed": "application/zip",
}  # fmt: skip
FORBIDDEN_NAME_CHARACTERS = _FILE_NAME_FORBIDDEN


def mime_contradicts(declared: str, name: str) -> bool:
    """Whether the MIME type `declared` contradicts the extension of `name` (both known)."""
    declared = _MIME_ALIASES.get(declared.lower(), declared.lower())
    guessed = mimetypes.guess_type(name)[0] or ""
    guessed = _MIME_ALIASES.get(guessed, guessed)
    generic = ("", "application/octet-stream")
    return declared not in generic and guessed not in generic and declared != guessed


def _check_annex(annex: dict[str, str], identifier: str) -> None:
    name = annex.get("Nombre_Fichero_Anexado", "")
    if not name or _FILE_NAME_FORBIDDEN.search(name):
        raise _rule(gettext_noop("Nombre_Fichero_Anexado %(value)s is empty or has forbidden "
                                 "characters."), value=name[:80])  # fmt: skip
    file_identifier = annex.get("Identificador_Fichero", "")
    rest = file_identifier[len(identifier) + 1 :] if file_identifier.startswith(identifier) else ""
    if not re.fullmatch(r"\d{2}_\d{1,4}\.[^._]+", rest):
        raise _rule(
            gettext_noop(
                "Identificador_Fichero %(value)s is not <Identificador_Intercambio>_<nn>_<sequence>."
                "<extension>."
            ),
            value=file_identifier[:50],
        )
    declared = annex.get("Tipo_MIME", "")
    if mime_contradicts(declared, name):
        raise _rule(
            gettext_noop("Tipo_MIME %(value)s does not match the file %(name)s."),
            value=declared[:20], name=name[:80],
        )  # fmt: skip
    validity = annex.get("Validez_Documento", "")
    if validity and validity not in VALIDITIES:
        raise _rule(gettext_noop("%(field)s has an unknown code %(value)s."),
                    field="Validez_Documento", value=validity[:4])  # fmt: skip
    if annex.get("Tipo_Documento", "") not in ATTACHMENT_KINDS:
        raise _rule(gettext_noop("%(field)s has an unknown code %(value)s."),
                    field="Tipo_Documento", value=annex.get("Tipo_Documento", "")[:4])  # fmt: skip
