"""Signing adds a signature and a version, never new ENI metadata (issue 18, item 2).

A document captured at 23:51 and signed at 00:00:04 the next day keeps its capture date, origin,
elaboration state and ENI identifier on the signed version and in the ENI export."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from zoneinfo import ZoneInfo

import time_machine
from lxml import etree

from ajunta.cases import eni, services
from ajunta.cases.tests.factories import pdf_upload
from ajunta.cases.tests.test_eni_notifications import SealedTestCase

MADRID = ZoneInfo("Europe/Madrid")


class SigningKeepsEniMetadataTests(SealedTestCase):
    def test_capture_date_origin_and_identifier_survive_signing_and_export(self) -> None:
        captured = dt.datetime(2026, 3, 4, 23, 51, tzinfo=MADRID)
        with time_machine.travel(captured, tick=False):
            row = services.case_document_add(
                org=self.org_a, actor=self.bob, case=self.case_a, uploaded_file=pdf_upload("Sol"),
                title="Sol·licitud", document_type="TD02", origin=0, elaboration_state="EE02",
            )  # fmt: skip
        before = row.document
        identifier_before = eni.document_identifier(self.case_a, row)
        with time_machine.travel(dt.datetime(2026, 3, 5, 0, 0, 4, tzinfo=MADRID), tick=False):
            services.case_document_sign(org=self.org_a, actor=self.alice, case_document=row)
        row.refresh_from_db()
        after = row.document
        self.assertNotEqual(after.pk, before.pk)  # a new version, signed ...
        self.assertEqual(row.version, 2)
        for field in ("capture_date", "origin", "elaboration_state", "document_type", "dir3_body"):
            self.assertEqual(getattr(after, field), getattr(before, field), field)  # ... same ENI
        self.assertEqual(after.capture_date, captured)

        for status in ("resolved", "closed"):
            services.case_set_status(org=self.org_a, actor=self.bob, case=self.case_a,
                                     status=status,
                                     override_reason="Prova: l'expedient es tanca sense tràmits")  # fmt: skip
        package = services.case_export_eni(org=self.org_a, actor=self.bob, case=self.case_a)
        archive = zipfile.ZipFile(io.BytesIO(package))
        xml = archive.read(f"documents/{row.position:04d}_documento-eni.xml")
        eni.schema("documentoEni.xsd").validate(io.BytesIO(xml))
        meta = etree.fromstring(xml)

        def text(name: str) -> str:
            return meta.find(f".//{{{eni.NS['docmeta']}}}{name}").text

        self.assertEqual(text("FechaCaptura"), "2026-03-04T23:51:00+01:00")
        self.assertEqual(text("OrigenCiudadanoAdministracion"), "false")
        self.assertEqual(text("ValorEstadoElaboracion"), "EE02")
        self.assertEqual(text("TipoDocumental"), "TD02")
        self.assertEqual(text("Identificador"), identifier_before)
        index = etree.fromstring(archive.read("indice-contenido.xml"))
        self.assertEqual(
            index.find(f".//{{{eni.NS['expcon']}}}IdentificadorDocumento").text, identifier_before
        )
