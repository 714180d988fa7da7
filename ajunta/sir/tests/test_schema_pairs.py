"""Our own outgoing SICRES files (send, rejection, forward, ACK, confirmation, error) validate
against both official schema pairs: RegWeb3's ficheroIntercambio.xsd/mensaje.xsd and the PAE's
SICRES3_INTERCAMBIO_APL.xsd/SICRES3_MENSAJE_APL.xsd (issue 16, "done when")."""

from __future__ import annotations

from pathlib import Path

import xmlschema
from defusedxml.ElementTree import fromstring

from ajunta.sir import services, sicres
from ajunta.sir.tests.helpers import EXTERNAL, FIXTURES, SirTestCase, outgoing

DATA = Path(sicres.__file__).resolve().parent / "data"
PAIRS = {
    "regweb3": ("ficheroIntercambio.xsd", "mensaje.xsd"),
    "pae": ("SICRES3_INTERCAMBIO_APL.xsd", "SICRES3_MENSAJE_APL.xsd"),
}


class SchemaPairsTests(SirTestCase):
    def test_every_file_we_write_validates_against_both_pairs(self):
        fixture = (FIXTURES / "generalitat_to_beta.xml").read_bytes()
        with self.captureOnCommitCallbacks(execute=True):
            services.interchange_send(org=self.org_a, actor=self.bob,
                                      entry=outgoing(self.org_a, self.bob, attachments=2),
                                      destination_code=EXTERNAL)  # fmt: skip
        with self.captureOnCommitCallbacks(execute=True):
            first = services.sicres_import(org=self.org_b, actor=None, xml=fixture)  # ACK
        with self.captureOnCommitCallbacks(execute=True):
            services.interchange_reject(org=self.org_b, actor=self.charlie, interchange=first,
                                        reason="No és competència municipal")  # fmt: skip
        again = fixture.replace(b"O00007777_26_00004567", b"O00007777_26_00004568")
        with self.captureOnCommitCallbacks(execute=True):
            second = services.sicres_import(org=self.org_b, actor=None, xml=again)
        with self.captureOnCommitCallbacks(execute=True):
            services.interchange_forward(org=self.org_b, actor=self.charlie, interchange=second,
                                         destination_code="E04990002")  # fmt: skip
        third = fixture.replace(b"O00007777_26_00004567", b"O00007777_26_00004569")
        with self.captureOnCommitCallbacks(execute=True):
            row = services.sicres_import(org=self.org_b, actor=None, xml=third)
        with self.captureOnCommitCallbacks(execute=True):
            services.interchange_accept(org=self.org_b, actor=self.charlie, interchange=row)
        bad = fixture.replace(b"<Tipo_Anotacion>01</Tipo_Anotacion>",
                              b"<Tipo_Anotacion>09</Tipo_Anotacion>")  # fmt: skip
        with self.assertRaises(sicres.SicresError):
            services.sicres_import(org=self.org_b, actor=None, xml=bad, delivery="external")
        documents = [fromstring(path.read_bytes()) for path in self.outbox_files()]
        kinds = sorted(
            d.findtext("De_Internos_Control/Tipo_Anotacion") or f"m{d.findtext('Tipo_Mensaje')}"
            for d in documents
        )
        # send, rejection, forward; ACK x3, confirmation, error
        self.assertEqual(kinds, ["02", "03", "04", "m01", "m01", "m01", "m02", "m03"])
        for name, (interchange_xsd, message_xsd) in PAIRS.items():
            schemas = {
                sicres.INTERCHANGE_ROOT: xmlschema.XMLSchema10(str(DATA / interchange_xsd)),
                sicres.MESSAGE_ROOT: xmlschema.XMLSchema10(str(DATA / message_xsd)),
            }
            for document in documents:
                with self.subTest(pair=name, root=document.tag):
                    errors = list(schemas[document.tag].iter_errors(
                        xmlschema.XMLResource(document, allow="none")))  # fmt: skip
                    self.assertEqual(errors, [])
