"""ENI in: an ENI document (documento-e) or an ENI case file (expediente-e with its index and
documents, as a zip) sent by another administration, taken into a case or as a new case.

What is checked, before anything is written (a refusal writes nothing):

- every XML against the official XSDs (cases/data/eni, the NTI distribution's files);
- each document's content: inline (`ValorBinario`, base64, or `DatosXML`) or referenced
  (`referenciaFichero`, a file of the zip); a reference to a file the zip lacks is refused;
- each indexed document's hash (`ValorHuella`, base64, with `FuncionResumen` SHA1, SHA256,
  SHA384, SHA512 or MD5) against the document's content, or against its ENI XML (systems differ
  on which bytes they hash; which one matched is recorded); an index entry with no document, or
  a hash that matches neither, is refused.

What is kept: the content as a case document with its ENI metadata (identifier, organ, capture
date, origin, elaboration state, document type), the original ENI XML of each document (which
carries its XAdES/CAdES signatures or CSV) and of the case file's index, stored unchanged next to
it (internal), and the signatures' types in the audit event. PAdES signatures travel inside the
PDF itself.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from lxml import etree

from ajunta.cases import eni
from ajunta.cases.models import Case, CaseDocument, Procedure, Visibility
from ajunta.core.audit import audit_record
from ajunta.core.documents import document_store
from ajunta.core.models import EniDocumentType, EniElaborationState, EniOrigin
from ajunta.core.numbering import next_number

MAX_PACKAGE_BYTES = 200 * 1024 * 1024
MAX_MEMBERS = 5000
HASHES = {"SHA1": "sha1", "SHA-1": "sha1", "SHA256": "sha256", "SHA-256": "sha256",
          "SHA384": "sha384", "SHA-384": "sha384", "SHA512": "sha512", "SHA-512": "sha512",
          "MD5": "md5"}  # fmt: skip
FORMAT_NAMES = {"PDF": "pdf", "PNG": "png", "JPEG": "jpg", "JPG": "jpg", "TIFF": "tiff",
                "XML": "xml", "TXT": "txt", "CSV": "csv", "ODT": "odt", "ODS": "ods"}  # fmt: skip


class EniImportError(ValidationError):
    """An ENI file this module refuses; the message says why (shown to the user, 400 in the API)."""


@dataclass
class EniDocument:
    identifier: str
    organ: str
    capture_date: dt.datetime | None
    origin: int
    elaboration_state: str
    document_type: str
    format_name: str
    content: bytes
    file_name: str
    xml: bytes
    signatures: list[str] = field(default_factory=list)
    hash_checked: str = ""  # "content" or "xml": which bytes the index's hash matched


@dataclass
class EniIndexEntry:
    identifier: str
    digest: str
    function: str
    added_at: dt.datetime | None
    order: int


@dataclass
class EniCaseFile:
    identifier: str
    organ: str
    opened_at: dt.datetime | None
    classification: str
    interested: list[str]
    index: list[EniIndexEntry]
    documents: list[EniDocument]
    xml: bytes
    signatures: list[str] = field(default_factory=list)


# --- reading and checking ------------------------------------------------------------------------
def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _parse(data: bytes, what: str) -> Any:
    try:
        return etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise EniImportError(
            _("%(what)s is not well-formed XML: %(error)s") % {"what": what, "error": exc}
        ) from exc


def _validate(root: Any, schema_name: str, what: str) -> None:
    errors = list(eni.schema(schema_name).iter_errors(root))
    if errors:
        first = errors[0]
        raise EniImportError(
            _("%(what)s does not follow the ENI schema (%(schema)s): %(error)s")
            % {"what": what, "schema": schema_name,
               "error": f"{getattr(first, 'path', '')}: {first.reason or first.message}"[:400]}
        )  # fmt: skip


def _text(root: Any, path: str) -> str:
    found = root.find(path, eni.NS)
    return (found.text or "").strip() if found is not None and found.text else ""


def _when(value: str) -> dt.datetime | None:
    if not value:
        return None
    moment = parse_datetime(value) or (
        dt.datetime.fromisoformat(value) if len(value) == 10 else None
    )
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _signatures(root: Any) -> list[str]:
    """The signature types a firmas element lists (TF01 CSV, TF02/TF03 XAdES, TF04/TF05 CAdES,
    TF06 PAdES)."""
    return [
        (element.text or "").strip()
        for element in root.iterfind(".//ds:firma/ds:TipoFirma", eni.NS)
        if element.text
    ]


def read_document(data: bytes, files: dict[str, bytes] | None = None) -> EniDocument:
    """An ENI document, checked against documentoEni.xsd, with its content found."""
    root = _parse(data, _("The ENI document"))
    if etree.QName(root).localname != "documento":
        raise EniImportError(_("This XML is not an ENI document (documento)."))
    _validate(root, "documentoEni.xsd", _("The ENI document"))
    meta = root.find("docmeta:metadatos", eni.NS)
    identifier = _text(meta, "docmeta:Identificador")
    format_name = _text(root, "file:contenido/file:NombreFormato").upper()
    binary = _text(root, "file:contenido/file:ValorBinario")
    reference = _text(root, "file:contenido/file:referenciaFichero")
    xml_data = root.find("file:contenido/file:DatosXML", eni.NS)
    if binary:
        try:
            content = base64.b64decode(binary, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise EniImportError(
                _("Document %(id)s: its content is not valid base64.") % {"id": identifier}
            ) from exc
    elif reference:
        files = files or {}
        key = reference.lstrip("./")
        if key not in files:
            raise EniImportError(
                _("Document %(id)s refers to the file “%(file)s”, which the package lacks.")
                % {"id": identifier, "file": reference}
            )
        content = files[key]
    elif xml_data is not None:
        content = b"".join(etree.tostring(child) for child in xml_data)
        format_name = format_name or "XML"
    else:
        raise EniImportError(_("Document %(id)s has no content.") % {"id": identifier})
    state = _text(meta, "docmeta:EstadoElaboracion/docmeta:ValorEstadoElaboracion")
    document_type = _text(meta, "docmeta:TipoDocumental")
    origin = _text(meta, "docmeta:OrigenCiudadanoAdministracion").lower()
    extension = FORMAT_NAMES.get(format_name, "pdf")
    base = reference.rsplit("/", 1)[-1] if reference else f"{identifier[-40:]}.{extension}"
    return EniDocument(
        identifier=identifier,
        organ=_text(meta, "docmeta:Organo"),
        capture_date=_when(_text(meta, "docmeta:FechaCaptura")),
        origin=EniOrigin.ADMINISTRATION if origin in {"true", "1"} else EniOrigin.CITIZEN,
        elaboration_state=state if state in EniElaborationState.values else "EE99",
        document_type=document_type if document_type in EniDocumentType.values else "TD99",
        format_name=format_name,
        content=content,
        file_name=base,
        xml=data,
        signatures=_signatures(root),
    )


def _check_hash(entry: EniIndexEntry, document: EniDocument) -> str:
    algorithm = HASHES.get(entry.function.upper().replace(" ", ""))
    if algorithm is None:
        raise EniImportError(
            _("Document %(id)s: the index uses the hash function %(function)s, which is not one of "
              "SHA1, SHA256, SHA384, SHA512 or MD5.") % {"id": entry.identifier,
                                                          "function": entry.function}
        )  # fmt: skip
    expected = entry.digest.strip()
    for label, data in (("content", document.content), ("xml", document.xml)):
        digest = hashlib.new(algorithm, data).digest()
        if expected in {base64.b64encode(digest).decode(), digest.hex(), digest.hex().upper(),
                        base64.b64encode(digest.hex().encode()).decode()}:  # fmt: skip
            return label
    raise EniImportError(
        _("Document %(id)s does not match its hash in the index: it is not the document that was "
          "indexed.") % {"id": entry.identifier}
    )  # fmt: skip


def _members(data: bytes) -> dict[str, bytes]:
    if len(data) > MAX_PACKAGE_BYTES:
        raise EniImportError(_("The package is larger than 200 MB."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise EniImportError(_("The file is neither an ENI XML nor a zip package.")) from exc
    infos = [info for info in archive.infolist() if not info.is_dir()]
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_PACKAGE_BYTES:
        raise EniImportError(_("The package holds too many or too large files."))
    return {info.filename.lstrip("./"): archive.read(info) for info in infos}


def read_case_file(data: bytes) -> EniCaseFile:
    """An ENI case file package: expediente XML, index, ENI documents and their files."""
    files = _members(data)
    case_roots: list[tuple[str, Any]] = []
    documents: list[EniDocument] = []
    for name, content in sorted(files.items()):
        if not name.lower().endswith(".xml") or content.lstrip()[:1] != b"<":
            continue
        try:
            root = etree.fromstring(content, parser=_parser())
        except etree.XMLSyntaxError:
            continue  # a document's own XML content, not an ENI file
        localname = etree.QName(root).localname
        namespace = etree.QName(root).namespace
        if localname == "expediente" and namespace == eni.NS["exp"]:
            case_roots.append((name, content))
        elif localname == "documento" and namespace == eni.NS["doc"]:
            documents.append(read_document(content, files))
    if len(case_roots) != 1:
        raise EniImportError(
            _("The package must hold exactly one ENI case file (expediente); it holds %(count)d.")
            % {"count": len(case_roots)}
        )
    name, content = case_roots[0]
    root = _parse(content, _("The ENI case file"))
    _validate(root, "expedienteEni.xsd", _("The ENI case file"))
    index = [
        EniIndexEntry(
            identifier=_text(item, "expcon:IdentificadorDocumento"),
            digest=_text(item, "expcon:ValorHuella"),
            function=_text(item, "expcon:FuncionResumen"),
            added_at=_when(_text(item, "expcon:FechaIncorporacionExpediente")),
            order=int(_text(item, "expcon:OrdenDocumentoExpediente") or 0),
        )
        for item in root.iterfind(".//expcon:DocumentoIndizado", eni.NS)
    ]
    by_id = {document.identifier: document for document in documents}
    ordered = []
    for entry in sorted(index, key=lambda e: e.order):
        document = by_id.get(entry.identifier)
        if document is None:
            raise EniImportError(
                _("The index lists document %(id)s, which the package lacks.")
                % {"id": entry.identifier}
            )
        document.hash_checked = _check_hash(entry, document)
        ordered.append(document)
    meta = root.find("expmeta:metadatosExp", eni.NS)
    return EniCaseFile(
        identifier=_text(meta, "expmeta:Identificador"),
        organ=_text(meta, "expmeta:Organo"),
        opened_at=_when(_text(meta, "expmeta:FechaAperturaExpediente")),
        classification=_text(meta, "expmeta:Clasificacion"),
        interested=[
            (e.text or "").strip() for e in meta.iterfind("expmeta:Interesado", eni.NS) if e.text
        ],
        index=index,
        documents=ordered,
        xml=content,
        signatures=_signatures(root.find("expind:indice", eni.NS)),
    )


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


# --- writing -------------------------------------------------------------------------------------
def _dir3(code: str) -> str:
    code = code.strip().upper()
    return code if len(code) == 9 and code[0].isalpha() and code.isalnum() else ""


def _store_document(org: Any, actor: Any, case: Case, document: EniDocument) -> CaseDocument:
    from ajunta.cases.services import _add_document  # the one way a document joins an index

    stored = document_store(
        org=org, actor=actor, uploaded_file=ContentFile(document.content, name=document.file_name),
        document_type=document.document_type, origin=document.origin,
        elaboration_state=document.elaboration_state, capture_date=document.capture_date,
        dir3_body=_dir3(document.organ),
    )  # fmt: skip
    row = _add_document(org, actor, case, stored, document.file_name, Visibility.INTERNAL)
    original = document_store(
        org=org, actor=actor,
        uploaded_file=ContentFile(document.xml, name=f"{document.identifier[-60:]}.xml"),
        document_type=EniDocumentType.TD99, capture_date=document.capture_date,
    )  # fmt: skip
    _add_document(
        org, actor, case, original,
        _("ENI document %(id)s (original XML)") % {"id": document.identifier},
        Visibility.INTERNAL,
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.document.eni_import", obj=row, changes={
        "case": case.number, "identifier": document.identifier, "organ": document.organ,
        "signatures": document.signatures, "hash_checked": document.hash_checked,
        "original_xml_sha256": original.sha256,
    })  # fmt: skip
    return row


def _writable(org: Any, case: Case) -> Case:
    if case.organization_id != org.pk:
        raise EniImportError(_("The case file does not exist."))
    locked = Case.objects.select_for_update().get(pk=case.pk, organization=org)
    if not locked.is_active:
        raise EniImportError(_("Documents can only be added to a case file still in progress."))
    return locked


@transaction.atomic
def eni_document_import(*, org: Any, actor: Any, case: Case, data: bytes) -> list[CaseDocument]:
    """An ENI document (XML) or case file (zip) into an existing case: its documents join the end
    of the index. Nothing is written when anything is refused."""
    current = _writable(org, case)
    documents = read_case_file(data).documents if is_zip(data) else [read_document(data)]
    return [_store_document(org, actor, current, document) for document in documents]


def _case_shell(
    org: Any, actor: Any, procedure: Procedure, *, number: str, subject: str,
    opened: dt.datetime, status: str, changes: dict[str, Any],
) -> Case:  # fmt: skip
    """A case carried over from another system: its own number and opening date, the next
    sequence of its opening year (the current year's numbering is not touched unless it is the
    opening year)."""
    from ajunta.cases.models import CaseStatus
    from ajunta.cases.services import CASE_SERIES, _first_phase

    if procedure.organization_id != org.pk:
        raise EniImportError(_("Unknown procedure."))
    number = number.strip()[:40]
    if not number:
        raise EniImportError(_("The case file needs a number."))
    if Case.objects.filter(organization=org, number=number).exists():
        raise EniImportError(
            _("A case file numbered %(number)s already exists.") % {"number": number}
        )
    if status and status not in CaseStatus.values:
        raise EniImportError(_("Unknown case status %(status)s.") % {"status": status})
    year = timezone.localtime(opened).year
    case = Case(
        organization=org, year=year, sequence=next_number(org=org, series=CASE_SERIES, year=year),
        number=number, procedure=procedure, subject=(subject or number)[:240],
        phase=_first_phase(procedure), opened_at=opened,
        start_date=timezone.localtime(opened).date(), status=status or CaseStatus.OPEN,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )  # fmt: skip
    if case.status in {CaseStatus.CLOSED, CaseStatus.ARCHIVED}:
        case.closed_at = opened
    case.search_document = f"{number} {case.subject}".lower()
    case.save(force_insert=True)
    audit_record(org=org, actor=actor, action="cases.case.import", obj=case, changes={
        "number": number, "opened_at": opened.isoformat(), "status": case.status, **changes,
    })  # fmt: skip
    return case


@transaction.atomic
def eni_case_import(
    *,
    org: Any,
    actor: Any,
    procedure: Procedure,
    data: bytes,
    subject: str = "",
    number: str = "",
    opened_at: dt.datetime | None = None,
    status: str = "",
) -> Case:
    """An ENI case file (zip) as a new case of `org`: its documents, their metadata and
    originals, the original case file XML. `number` and `opened_at` keep the sending system's (a
    migration); otherwise the ENI identifier and opening date are used. Nothing is written when
    anything is refused."""
    package = read_case_file(data)
    case = _case_shell(
        org, actor, procedure, number=number or package.identifier,
        subject=subject or package.identifier,
        opened=opened_at or package.opened_at or timezone.now(), status=status,
        changes={"identifier": package.identifier, "organ": package.organ,
                 "documents": len(package.documents), "index_signatures": package.signatures,
                 "interested": len(package.interested)},
    )  # fmt: skip
    for document in package.documents:
        _store_document(org, actor, case, document)
    index = document_store(
        org=org, actor=actor, uploaded_file=ContentFile(package.xml, name="expediente-eni.xml"),
        document_type=EniDocumentType.TD99,
    )  # fmt: skip
    from ajunta.cases.services import _add_document

    _add_document(org, actor, case, index, _("ENI case file (original XML)"),
                  Visibility.INTERNAL)  # fmt: skip
    return case


@transaction.atomic
def case_migrate(
    *,
    org: Any,
    actor: Any,
    procedure: Procedure,
    number: str,
    opened_at: dt.datetime,
    subject: str,
    files: list[tuple[str, bytes]],
    status: str = "",
) -> Case:
    """One case file of a council moving to Ajunta: an ENI case file package (one zip) keeps
    everything ENI says; otherwise each file is an ENI document (XML) or a plain document (PDF,
    ODT...), added in order. Number, opening date and status are the old system's."""
    if len(files) == 1 and is_zip(files[0][1]):
        return eni_case_import(
            org=org, actor=actor, procedure=procedure, data=files[0][1], subject=subject,
            number=number, opened_at=opened_at, status=status,
        )  # fmt: skip
    readings: list[EniDocument | tuple[str, bytes]] = []
    for name, content in files:
        if name.lower().endswith(".xml") and b"documento-e" in content[:2000]:
            readings.append(read_document(content))
        else:
            readings.append((name, content))
    case = _case_shell(
        org, actor, procedure, number=number, subject=subject, opened=opened_at, status=status,
        changes={"documents": len(files)},
    )  # fmt: skip
    from ajunta.cases.services import _add_document

    for reading in readings:
        if isinstance(reading, EniDocument):
            _store_document(org, actor, case, reading)
            continue
        name, content = reading
        stored = document_store(
            org=org, actor=actor, uploaded_file=ContentFile(content, name=name),
            capture_date=opened_at,
        )  # fmt: skip
        _add_document(org, actor, case, stored, name, Visibility.INTERNAL)
    return case
