"""ENI in: an ENI case file exported by Ajunta itself and an ENI document and case file written the
way other systems write them (inline content, SHA-1 hashes, CSV signatures) are taken in, with
hashes checked, metadata mapped and originals kept; what fails is refused with nothing written."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path

from django.core.management import call_command
from django.test import override_settings

from ajunta.cases import eni_import, services
from ajunta.cases.models import Case, CaseDocument
from ajunta.cases.tests.factories import CasesTestCase, pdf_upload
from ajunta.core.documents import document_open
from ajunta.core.models import AuditEvent, Document

CORPUS = Path(__file__).resolve().parent / "corpus" / "eni"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def other_system_document(identifier: str = "ES_L01080193_2025_000000000000000000000042",
                          content: bytes = PDF) -> bytes:  # fmt: skip
    """An ENI document as other administrations' systems write it: content inline in base64, a
    CSV signature (TF01), a citizen's document scanned into an authentic copy (EE03)."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<enidoc:documento xmlns:enidoc="http://administracionelectronica.gob.es/ENI/XSD/v1.0/documento-e"
 xmlns:enidocmeta="http://administracionelectronica.gob.es/ENI/XSD/v1.0/documento-e/metadatos"
 xmlns:enifile="http://administracionelectronica.gob.es/ENI/XSD/v1.0/documento-e/contenido"
 xmlns:enids="http://administracionelectronica.gob.es/ENI/XSD/v1.0/firma">
 <enifile:contenido Id="CONTENIDO">
  <enifile:ValorBinario>{base64.b64encode(content).decode()}</enifile:ValorBinario>
  <enifile:NombreFormato>PDF</enifile:NombreFormato>
 </enifile:contenido>
 <enidocmeta:metadatos>
  <enidocmeta:VersionNTI>http://administracionelectronica.gob.es/ENI/XSD/v1.0/documento-e</enidocmeta:VersionNTI>
  <enidocmeta:Identificador>{identifier}</enidocmeta:Identificador>
  <enidocmeta:Organo>L01080193</enidocmeta:Organo>
  <enidocmeta:FechaCaptura>2025-03-14T10:20:30</enidocmeta:FechaCaptura>
  <enidocmeta:OrigenCiudadanoAdministracion>false</enidocmeta:OrigenCiudadanoAdministracion>
  <enidocmeta:EstadoElaboracion>
   <enidocmeta:ValorEstadoElaboracion>EE03</enidocmeta:ValorEstadoElaboracion>
  </enidocmeta:EstadoElaboracion>
  <enidocmeta:TipoDocumental>TD02</enidocmeta:TipoDocumental>
 </enidocmeta:metadatos>
 <enids:firmas>
  <enids:firma Id="FIRMA_1" ref="#CONTENIDO">
   <enids:TipoFirma>TF01</enids:TipoFirma>
   <enids:ContenidoFirma><enids:CSV>
    <enids:ValorCSV>ABCD-1234-EFGH-5678</enids:ValorCSV>
    <enids:RegulacionGeneracionCSV>Resolució de 1 de gener de 2020</enids:RegulacionGeneracionCSV>
   </enids:CSV></enids:ContenidoFirma>
  </enids:firma>
 </enids:firmas>
</enidoc:documento>
""".encode()


def other_system_case(documents: list[bytes], *, digests: list[str] | None = None) -> bytes:
    """A case file package as another system writes it: SHA-1 hashes of the document XML, in
    hexadecimal, and a CSV-signed index."""
    entries = ""
    for order, xml in enumerate(documents, start=1):
        identifier = xml.split(b"<enidocmeta:Identificador>")[1].split(b"<")[0].decode()
        digest = digests[order - 1] if digests else hashlib.sha1(xml).hexdigest()
        entries += f"""<eniconexpind:DocumentoIndizado>
   <eniconexpind:IdentificadorDocumento>{identifier}</eniconexpind:IdentificadorDocumento>
   <eniconexpind:ValorHuella>{digest}</eniconexpind:ValorHuella>
   <eniconexpind:FuncionResumen>SHA1</eniconexpind:FuncionResumen>
   <eniconexpind:FechaIncorporacionExpediente>2025-03-14T10:21:00</eniconexpind:FechaIncorporacionExpediente>
   <eniconexpind:OrdenDocumentoExpediente>{order}</eniconexpind:OrdenDocumentoExpediente>
  </eniconexpind:DocumentoIndizado>"""
    case = f"""<?xml version="1.0" encoding="UTF-8"?>
<eniexp:expediente xmlns:eniexp="http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e"
 xmlns:eniexpind="http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e/indice-e"
 xmlns:eniconexpind="http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e/indice-e/contenido"
 xmlns:eniexpmeta="http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e/metadatos"
 xmlns:enids="http://administracionelectronica.gob.es/ENI/XSD/v1.0/firma">
 <eniexpind:indice>
  <eniexpind:IndiceContenido Id="INDICE">
   <eniconexpind:FechaIndiceElectronico>2025-03-15T09:00:00</eniconexpind:FechaIndiceElectronico>
   {entries}
  </eniexpind:IndiceContenido>
  <enids:firmas><enids:firma Id="FIRMA_INDICE" ref="#INDICE">
   <enids:TipoFirma>TF01</enids:TipoFirma>
   <enids:ContenidoFirma><enids:CSV><enids:ValorCSV>WXYZ-0000</enids:ValorCSV>
    <enids:RegulacionGeneracionCSV>Resolució de 1 de gener de 2020</enids:RegulacionGeneracionCSV>
   </enids:CSV></enids:ContenidoFirma>
  </enids:firma></enids:firmas>
 </eniexpind:indice>
 <eniexpmeta:metadatosExp>
  <eniexpmeta:VersionNTI>http://administracionelectronica.gob.es/ENI/XSD/v1.0/expediente-e</eniexpmeta:VersionNTI>
  <eniexpmeta:Identificador>ES_L01080193_2025_EXP_000123</eniexpmeta:Identificador>
  <eniexpmeta:Organo>L01080193</eniexpmeta:Organo>
  <eniexpmeta:FechaAperturaExpediente>2025-02-01T08:30:00</eniexpmeta:FechaAperturaExpediente>
  <eniexpmeta:Clasificacion>OBRES-MENORS</eniexpmeta:Clasificacion>
  <eniexpmeta:Estado>E02</eniexpmeta:Estado>
  <eniexpmeta:Interesado>12345678Z</eniexpmeta:Interesado>
 </eniexpmeta:metadatosExp>
</eniexp:expediente>
""".encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("expediente.xml", case)
        for order, xml in enumerate(documents, start=1):
            archive.writestr(f"doc{order}.xml", xml)
    return buffer.getvalue()


@override_settings(LANGUAGE_CODE="en")
class EniImportTests(CasesTestCase):
    def written(self) -> tuple[int, int, int, int]:
        return (Case.objects.count(), CaseDocument.objects.count(), Document.objects.count(),
                AuditEvent.objects.count())  # fmt: skip

    def test_an_ajunta_export_imports_as_a_new_case_with_hashes_checked(self) -> None:
        services.case_document_add(org=self.org_a, actor=self.bob, case=self.case_a,
                                   uploaded_file=pdf_upload("Informe"), title="Informe",
                                   document_type="TD11")  # fmt: skip
        for status in ("resolved", "closed"):
            services.case_set_status(org=self.org_a, actor=self.bob, case=self.case_a,
                                     status=status,
                                     override_reason="Prova: l'expedient es tanca sense tràmits")  # fmt: skip
        package = services.case_export_eni(org=self.org_a, actor=self.bob, case=self.case_a)
        case = eni_import.eni_case_import(
            org=self.org_b, actor=self.charlie, procedure=self.procedure_b, data=package
        )
        self.assertEqual(case.organization, self.org_b)
        rows = list(case.documents.select_related("document").order_by("position"))
        # the document, its original ENI XML, and the original case file XML
        self.assertEqual(len(rows), 3)
        self.assertEqual(rows[0].document.document_type, "TD11")
        original = rows[0].document
        with document_open(org=self.org_a, document=self.case_a.documents.get().document) as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), original.sha256)
        event = AuditEvent.objects.filter(action="cases.document.eni_import").latest("id")
        self.assertEqual(event.changes["hash_checked"], "content")

    def test_another_systems_case_file_keeps_number_dates_metadata_and_signatures(self) -> None:
        documents = [
            other_system_document(),
            other_system_document(
                "ES_L01080193_2025_000000000000000000000043", PDF.replace(b"1.4", b"1.7")
            ),
        ]
        case = eni_import.eni_case_import(
            org=self.org_a, actor=self.alice, procedure=self.procedure_a,
            data=other_system_case(documents), number="2025/OM-123",
        )  # fmt: skip
        self.assertEqual(case.number, "2025/OM-123")
        self.assertEqual((case.year, case.opened_at.date().isoformat()), (2025, "2025-02-01"))
        first = case.documents.select_related("document").order_by("position").first()
        assert first is not None
        self.assertEqual(first.document.document_type, "TD02")
        self.assertEqual(first.document.elaboration_state, "EE03")
        self.assertEqual(first.document.origin, 0)
        self.assertEqual(first.document.dir3_body, "L01080193")
        self.assertEqual(first.document.capture_date.date().isoformat(), "2025-03-14")
        event = AuditEvent.objects.filter(action="cases.document.eni_import").latest("id")
        self.assertEqual(event.changes["signatures"], ["TF01"])
        self.assertEqual(event.changes["hash_checked"], "xml")
        # The original XML (with its signature) is kept byte for byte.
        xml_row = case.documents.select_related("document").order_by("position")[1]
        with document_open(org=self.org_a, document=xml_row.document) as handle:
            self.assertEqual(handle.read(), documents[0])

    def test_a_single_eni_document_joins_an_open_case(self) -> None:
        rows = eni_import.eni_document_import(
            org=self.org_a, actor=self.bob, case=self.case_a, data=other_system_document()
        )
        self.assertEqual(len(rows), 1)
        self.assertEqual(self.case_a.documents.count(), 2)  # the document and its original XML

    def test_refusals_write_nothing(self) -> None:
        good = other_system_document()
        tampered = other_system_case([good], digests=["0" * 40])
        broken = good.replace(b"enidocmeta:TipoDocumental>", b"enidocmeta:Tipo>")
        missing = other_system_case([good])
        with zipfile.ZipFile(io.BytesIO(missing)) as archive:
            only_case = io.BytesIO()
            with zipfile.ZipFile(only_case, "w") as out:
                out.writestr("expediente.xml", archive.read("expediente.xml"))
        cases = [
            (tampered, "does not match its hash"),
            (only_case.getvalue(), "which the package lacks"),
            (b"not a file", "neither an ENI XML nor a zip"),
        ]
        before = self.written()
        for data, message in cases:
            with self.subTest(message), self.assertRaises(eni_import.EniImportError) as caught:
                eni_import.eni_case_import(
                    org=self.org_a, actor=self.alice, procedure=self.procedure_a, data=data
                )
            self.assertIn(message, caught.exception.messages[0])
        with self.assertRaises(eni_import.EniImportError) as caught:
            eni_import.eni_document_import(
                org=self.org_a, actor=self.bob, case=self.case_a, data=broken
            )
        self.assertIn("ENI schema", caught.exception.messages[0])
        self.assertEqual(self.written(), before)

    def test_another_organizations_case_is_refused(self) -> None:
        with self.assertRaises(eni_import.EniImportError):
            eni_import.eni_document_import(
                org=self.org_a, actor=self.bob, case=self.case_b, data=other_system_document()
            )


class EniCorpusTests(CasesTestCase):
    """Every file of corpus/eni (see its README) imports as a new case."""

    def test_every_corpus_file_imports(self) -> None:
        files = sorted(CORPUS.glob("*.zip"))
        self.assertTrue(files)
        for path in files:
            with self.subTest(path.name):
                case = eni_import.eni_case_import(
                    org=self.org_a, actor=self.alice, procedure=self.procedure_a,
                    data=path.read_bytes(), number=path.stem[:40],
                )  # fmt: skip
                self.assertGreater(case.documents.count(), 1)


class EniMigrationCommandTests(CasesTestCase):
    def test_bulk_migration_is_resumable_and_reports_what_it_could_not_take(self) -> None:
        folder = Path(self.media) / "migration"
        folder.mkdir(parents=True)
        (folder / "a.zip").write_bytes(other_system_case([other_system_document()]))
        (folder / "bad.zip").write_bytes(other_system_case([other_system_document()],
                                                           digests=["1" * 40]))  # fmt: skip
        (folder / "plain.pdf").write_bytes(PDF)
        (folder / "index.csv").write_text(
            "number,opened_at,subject,procedure,files,status\n"
            "2019/0001,2019-05-02,Llicència d'obres,LLIC-OBRES,a.zip,closed\n"
            "2019/0002,2019-06-03,Guals,LLIC-OBRES,bad.zip,\n"
            "2019/0003,2019-07-04,Queixa,LLIC-OBRES,plain.pdf,\n",
            encoding="utf-8",
        )
        out = io.StringIO()
        call_command("cases_migrate", str(folder / "index.csv"), "--org", "alpha", stdout=out)
        numbers = set(Case.objects.filter(organization=self.org_a).values_list("number", flat=True))
        self.assertIn("2019/0001", numbers)
        self.assertIn("2019/0003", numbers)
        self.assertNotIn("2019/0002", numbers)
        self.assertIn("2019/0002", out.getvalue())
        migrated = Case.objects.get(organization=self.org_a, number="2019/0001")
        self.assertEqual((migrated.opened_at.year, migrated.status), (2019, "closed"))
        # Run again: what was taken is skipped, not duplicated.
        call_command("cases_migrate", str(folder / "index.csv"), "--org", "alpha", stdout=out)
        self.assertEqual(
            Case.objects.filter(organization=self.org_a, number="2019/0001").count(), 1
        )
        self.assertTrue((folder / "index.csv.report.csv").exists())


@override_settings(LANGUAGE_CODE="en")
class EniImportApiTests(CasesTestCase):
    url = "/api/v1/o/alpha/cases/eni-import/"

    def upload(self, data: bytes, name: str) -> object:
        from django.core.files.uploadedfile import SimpleUploadedFile

        return SimpleUploadedFile(name, data)

    def test_a_package_becomes_a_case_and_a_document_joins_one(self) -> None:
        client = self.api(self.alice)
        response = client.post(self.url, {
            "file": self.upload(other_system_case([other_system_document()]), "exp.zip"),
            "procedure": "LLIC-OBRES", "number": "2025/OM-9",
        }, format="multipart")  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["number"], "2025/OM-9")
        response = client.post(self.url, {
            "file": self.upload(other_system_document(), "doc.xml"), "case": self.case_a.pk,
        }, format="multipart")  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)

    def test_refusals_are_400_and_other_organizations_cases_unknown(self) -> None:
        client = self.api(self.alice)
        response = client.post(self.url, {
            "file": self.upload(other_system_case([other_system_document()], digests=["0" * 40]),
                                "exp.zip"), "procedure": "LLIC-OBRES",
        }, format="multipart")  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertIn("hash", str(response.json()))
        response = client.post(self.url, {
            "file": self.upload(other_system_document(), "doc.xml"), "case": self.case_b.pk,
        }, format="multipart")  # fmt: skip
        self.assertEqual(response.status_code, 400)
        # A user of another organization: the organization does not exist for them.
        outsider = self.api(self.charlie).post(self.url, {}, format="multipart")
        self.assertEqual(outsider.status_code, 404)


@override_settings(LANGUAGE_CODE="en")
class EniImportPageTests(CasesTestCase):
    def test_the_page_takes_a_package_in_and_shows_a_refusal(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        client = self.login(self.alice)
        url = "/o/alpha/cases/eni-import/"
        self.assertEqual(client.get(url).status_code, 200)
        bad = other_system_case([other_system_document()], digests=["0" * 40])
        response = client.post(url, {"file": SimpleUploadedFile("e.zip", bad),
                                     "procedure": self.procedure_a.pk})  # fmt: skip
        self.assertContains(response, "does not match its hash", status_code=400)
        good = other_system_case([other_system_document()])
        response = client.post(url, {"file": SimpleUploadedFile("e.zip", good),
                                     "procedure": self.procedure_a.pk, "number": "X/1"})  # fmt: skip
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Case.objects.filter(organization=self.org_a, number="X/1").exists())
        self.assertEqual(self.login(self.charlie).get(url).status_code, 404)

    def test_the_page_and_its_refusals_speak_catalan_and_spanish(self) -> None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from ajunta.core.testing import speaking

        client = speaking(self.login(self.alice), "ca")
        url = "/o/alpha/cases/eni-import/"
        self.assertContains(client.get(url), "Incorpora un fitxer ENI")
        bad = other_system_case([other_system_document()], digests=["0" * 40])
        response = client.post(url, {"file": SimpleUploadedFile("e.zip", bad),
                                     "procedure": self.procedure_a.pk})  # fmt: skip
        self.assertContains(response, "no coincideix amb la seva empremta", status_code=400)
        self.assertContains(speaking(client, "es").get(url), "Incorporar un fichero ENI")

    def test_the_case_list_links_to_the_page(self) -> None:
        self.assertContains(
            self.login(self.alice).get("/o/alpha/cases/"), "/o/alpha/cases/eni-import/"
        )
