"""ENI export of a case file (NTI de expediente electrónico): the index with each document's
hash, the case metadata, and one ENI document per file, all checked against the official XSDs
kept in cases/data/eni/ (copied unchanged from the NTI distribution).

The index is signed with a secure verification code (TF01): the index XML is stored as a
registered document carrying the code, so anyone can fetch and compare it at /verify/. When the
organization has a seal certificate, a detached CAdES signature of the same bytes (TF04) is added.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import io
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from lxml import etree

if TYPE_CHECKING:  # xmlschema loads on first use: some 10 MB a web worker rarely needs
    import xmlschema

SCHEMA_DIR = Path(__file__).resolve().parent / "data" / "eni"
NS = {
    "exp": "http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e",
    "expind": "http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e/indice-e",
    "expcon": "http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e/indice-e/contenido",
    "expmeta": "http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e/metadatos",
    "doc": "http://administracionelectronica.gob.es/ENI/XSD/v1.0/documento-e",
    "docmeta": "http://administracionelectronica.gob.es/ENI/XSD/v1.0/documento-e/metadatos",
    "file": "http://administracionelectronica.gob.es/ENI/XSD/v1.0/documento-e/contenido",
    "ds": "http://administracionelectronica.gob.es/ENI/XSD/v1.0/firma",
}
CASE_NTI_VERSION = "http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e"
DOCUMENT_NTI_VERSION = "http://administracionelectronica.gob.es/ENI/XSD/v1.0/documento-e"
CSV_REGULATION = "Ley 39/2015, art. 27.3.a; Ley 40/2015, art. 42.b"
FORMATS = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG",
           "image/tiff": "TIFF", "application/xml": "XML", "text/plain": "TXT", "text/csv": "CSV",
           "application/vnd.oasis.opendocument.text": "ODT",
           "application/vnd.oasis.opendocument.spreadsheet": "ODS"}  # fmt: skip


@functools.cache
def schema(name: str) -> xmlschema.XMLSchema:
    """An ENI schema by file name, its imports resolved inside SCHEMA_DIR only."""
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA_DIR / name), allow="local")


def _el(parent: Any, ns: str, name: str, text: str | None = None, **attrs: str) -> Any:
    element = etree.SubElement(parent, f"{{{NS[ns]}}}{name}", **attrs)
    if text is not None:
        element.text = text
    return element


def _iso(moment: dt.datetime) -> str:
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def organ_code(org: Any) -> str:
    return (getattr(org, "dir3_code", "") or org.slug.upper())[:9]


def case_identifier(case: Any) -> str:
    return f"ES_{organ_code(case.organization)}_{case.year}_EXP_{case.sequence:06d}"


def document_identifier(case: Any, row: Any) -> str:
    """The document's ENI identifier, from its first version: signing adds a version (a new
    stored file) but the document stays the same document, so its identifier must not change.
    `first_document_id` is annotated by the export; without it, the current version's."""
    first = getattr(row, "first_document_id", None) or row.document.pk
    return (
        f"ES_{organ_code(case.organization)}_{case.year}_{uuid.UUID(str(first)).hex[:30].upper()}"
    )


def file_name(row: Any) -> str:
    return f"documents/{row.position:04d}_{row.document.name}"


@dataclass(frozen=True)
class IndexSignature:
    code: str  # the secure verification code of the stored index (TF01)
    cades: bytes | None = None  # a detached CAdES of the index content, when a seal exists (TF04)


def index_content_xml(*, case: Any, rows: list[Any], when: dt.datetime) -> bytes:
    """The index content (IndiceContenido): what the signature covers."""
    root = etree.Element(f"{{{NS['expcon']}}}IndiceContenido", nsmap={"eniconexpind": NS["expcon"]},
                         Id="INDICE_CONTENIDO")  # fmt: skip
    _el(root, "expcon", "FechaIndiceElectronico", _iso(when))
    for row in rows:
        item = _el(root, "expcon", "DocumentoIndizado")
        _el(item, "expcon", "IdentificadorDocumento", document_identifier(case, row))
        _el(
            item,
            "expcon",
            "ValorHuella",
            base64.b64encode(bytes.fromhex(row.document.sha256)).decode(),
        )
        _el(item, "expcon", "FuncionResumen", "SHA256")
        _el(item, "expcon", "FechaIncorporacionExpediente", _iso(row.added_at))
        _el(item, "expcon", "OrdenDocumentoExpediente", str(row.position))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def case_xml(*, case: Any, index_content: bytes, signature: IndexSignature) -> bytes:
    """The ENI case file: the signed index and the case metadata."""
    nsmap = {"eniexp": NS["exp"], "eniexpind": NS["expind"], "eniconexpind": NS["expcon"],
             "eniexpmeta": NS["expmeta"], "enids": NS["ds"]}  # fmt: skip
    root = etree.Element(f"{{{NS['exp']}}}expediente", nsmap=nsmap)
    index = _el(root, "expind", "indice")
    content = etree.fromstring(index_content, parser=_safe_parser())
    content.tag = f"{{{NS['expind']}}}IndiceContenido"  # the same content, in the index's element
    index.append(content)
    signatures = _el(index, "ds", "firmas")
    signature_el = _el(signatures, "ds", "firma", ref="#INDICE_CONTENIDO")
    _el(signature_el, "ds", "TipoFirma", "TF01")
    csv = _el(_el(signature_el, "ds", "ContenidoFirma"), "ds", "CSV")
    _el(csv, "ds", "ValorCSV", signature.code)
    _el(csv, "ds", "RegulacionGeneracionCSV", CSV_REGULATION)
    if signature.cades is not None:
        # CAdES detached over the bytes of indice-contenido.xml, which the package carries.
        cades_el = _el(signatures, "ds", "firma", ref="#INDICE_CONTENIDO")
        _el(cades_el, "ds", "TipoFirma", "TF04")
        certificate = _el(_el(cades_el, "ds", "ContenidoFirma"), "ds", "FirmaConCertificado")
        _el(certificate, "ds", "FirmaBase64", base64.b64encode(signature.cades).decode())
    meta = _el(root, "expmeta", "metadatosExp")
    _el(meta, "expmeta", "VersionNTI", CASE_NTI_VERSION)
    _el(meta, "expmeta", "Identificador", case_identifier(case))
    _el(meta, "expmeta", "Organo", organ_code(case.organization))
    _el(meta, "expmeta", "FechaAperturaExpediente", _iso(case.opened_at))
    procedure = case.procedure
    _el(
        meta,
        "expmeta",
        "Clasificacion",
        procedure.sia_code or procedure.classification or procedure.code,
    )
    _el(meta, "expmeta", "Estado", "E02")
    for party in case.parties.all():
        _el(meta, "expmeta", "Interesado", party.id_number)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def document_xml(*, case: Any, row: Any) -> bytes:
    """One ENI document: its metadata, the content by reference to its file in the package."""
    nsmap = {"enidoc": NS["doc"], "enidocmeta": NS["docmeta"], "enifile": NS["file"]}
    root = etree.Element(f"{{{NS['doc']}}}documento", nsmap=nsmap)
    content = _el(root, "file", "contenido")
    _el(content, "file", "referenciaFichero", file_name(row))
    _el(content, "file", "NombreFormato", FORMATS.get(row.document.content_type, "PDF"))
    meta = _el(root, "docmeta", "metadatos")
    document = row.document
    _el(meta, "docmeta", "VersionNTI", DOCUMENT_NTI_VERSION)
    _el(meta, "docmeta", "Identificador", document_identifier(case, row))
    _el(meta, "docmeta", "Organo", (document.dir3_body or organ_code(case.organization))[:9])
    _el(meta, "docmeta", "FechaCaptura", _iso(document.capture_date))
    # false: citizen, true: administration (NTI de documento electrónico)
    _el(meta, "docmeta", "OrigenCiudadanoAdministracion", "true" if document.origin else "false")
    state = _el(meta, "docmeta", "EstadoElaboracion")
    _el(state, "docmeta", "ValorEstadoElaboracion", document.elaboration_state)
    _el(meta, "docmeta", "TipoDocumental", document.document_type)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def package(*, case_xml_bytes: bytes, index_content: bytes,
            documents: list[tuple[Any, bytes, bytes]], index_pdf: bytes) -> bytes:  # fmt: skip
    """The zip: expediente.xml, the signed index content as signed, the foliated index PDF, and
    per document its file and ENI XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("expediente.xml", case_xml_bytes)
        archive.writestr("indice-contenido.xml", index_content)
        archive.writestr("index.pdf", index_pdf)
        for row, content, xml in documents:
            archive.writestr(file_name(row), content)
            archive.writestr(f"documents/{row.position:04d}_documento-eni.xml", xml)
    return buffer.getvalue()
