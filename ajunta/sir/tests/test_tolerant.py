"""SICRES 3.0 by the standard, liberal in what it accepts (issue 16 item 1).

Codes as the standard defines them (Tipo_Anotacion 01 pending, 02 send, 03 forward, 04 rejection;
Tipo_Mensaje 01 ACK, 02 error, 03 confirmation); on receipt, what another registry may send is
taken in with a warning, never refused for our own sending limits.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib
from typing import Any

from django.apps import apps
from django.test import override_settings

from ajunta.sir import selectors, services, sicres
from ajunta.sir.models import Interchange, InterchangeAttachment, Side, State
from ajunta.sir.sicres import SicresError
from ajunta.sir.tests.helpers import B_OFFICE, EXTERNAL, FIXTURES, SirTestCase, outgoing
from ajunta.sir.tests.test_services import rows_written

FIXTURE = (FIXTURES / "generalitat_to_beta.xml").read_bytes()
TEXT = "Informe tècnic de l'inspecció: sense incidències.\n".encode()


def fixture_content() -> dict[str, Any]:
    _root, content = sicres.parse(FIXTURE)
    return copy.deepcopy(content)


def build(content: dict[str, Any]) -> bytes:
    return sicres.build(sicres.INTERCHANGE_ROOT, content)


def annex(position: int, data: bytes, *, hash_text: str | None = None, **extra: str) -> dict:
    return {
        "Nombre_Fichero_Anexado": f"annex{position}.txt",
        "Identificador_Fichero": f"O00007777_26_00004567_01_{position:04d}.txt",
        "Validez_Documento": "01", "Tipo_Documento": "02",
        "Hash": sicres.content_hash(data) if hash_text is None else hash_text,
        "Tipo_MIME": "text/plain",
        "Anexo": base64.b64encode(data).decode("ascii"),
        **extra,
    }  # fmt: skip


class StandardCodesTests(SirTestCase):
    def outbox_documents(self) -> list[dict[str, Any]]:
        return [sicres.parse(path.read_bytes())[1] for path in self.outbox_files()]

    def test_a_send_is_02_and_a_received_rejection_04_closes_it(self):
        with self.captureOnCommitCallbacks(execute=True):
            sent = services.interchange_send(org=self.org_a, actor=self.bob,
                                             entry=outgoing(self.org_a, self.bob),
                                             destination_code=EXTERNAL)  # fmt: skip
        (document,) = self.outbox_documents()
        self.assertEqual(document["De_Internos_Control"]["Tipo_Anotacion"], "02")
        # The other registry rejects it (04), from its own office.
        document["De_Destino"] = {"Codigo_Entidad_Registral_Destino": sent.origin_code}
        document["De_Origen_o_Remitente"]["Codigo_Entidad_Registral_Origen"] = EXTERNAL
        document["De_Internos_Control"].update(
            Tipo_Anotacion="04", Descripcion_Tipo_Anotacion="No és competència nostra"
        )
        services.sicres_import(org=self.org_a, actor=None, xml=build(document))
        sent.refresh_from_db()
        self.assertEqual((sent.state, sent.reason), (State.REJECTED, "No és competència nostra"))
        self.assertIn(EXTERNAL, sent.events.last().note)

    def test_messages_are_01_ack_02_error_03_confirmation(self):
        xml = FIXTURE.replace(b"<Tipo_Anotacion>01</Tipo_Anotacion>",
                              b"<Tipo_Anotacion>02</Tipo_Anotacion>")  # fmt: skip
        with self.captureOnCommitCallbacks(execute=True):
            row = services.sicres_import(org=self.org_b, actor=self.charlie, xml=xml)
        with self.captureOnCommitCallbacks(execute=True):
            services.interchange_accept(org=self.org_b, actor=self.charlie, interchange=row)
        kinds = [m["Tipo_Mensaje"] for m in self.outbox_documents()]
        self.assertEqual(sorted(kinds), ["01", "03"])  # ACK, then confirmation

    def test_our_rejection_comes_from_us_with_04_and_a_forward_is_03(self):
        row = services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        with self.captureOnCommitCallbacks(execute=True):
            services.interchange_reject(org=self.org_b, actor=self.charlie, interchange=row,
                                        reason="No és competència municipal")  # fmt: skip
        rejection = next(d for d in self.outbox_documents() if "De_Internos_Control" in d)
        control = rejection["De_Internos_Control"]
        self.assertEqual(control["Tipo_Anotacion"], sicres.ANNOTATION_REJECT)
        self.assertEqual(control["Tipo_Anotacion"], "04")
        self.assertEqual(
            rejection["De_Origen_o_Remitente"]["Codigo_Entidad_Registral_Origen"], B_OFFICE
        )
        self.assertEqual(rejection["De_Destino"]["Codigo_Entidad_Registral_Destino"], "O00007777")
        self.assertEqual(control["Nombre_Usuario"], self.charlie.get_full_name()
                         or self.charlie.get_username())  # fmt: skip
        # it still validates against both official schema pairs (sicres.parse validates one)
        self.assertEqual(sicres.ANNOTATION_FORWARD, "03")

    def test_our_own_files_pass_the_standards_rules_whatever_the_names(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from ajunta.registry import services as registry_services
        from ajunta.sir.tests.helpers import NURIA, PDF

        entry = registry_services.registry_entry_create(
            org=self.org_a, actor=self.bob, direction="out", channel="electronic",
            epigraph="Comunicació", summary="Trasllat", addressee_name="Ajuntament de Beta",
            parties=[{**NURIA, "preferred_channel": "electronic"}],  # no DEH address
            attachments=[{"file": SimpleUploadedFile('Informe: "final"; v2.pdf', PDF),
                          "kind": "02"}],
        )  # fmt: skip
        sent = services.interchange_send(org=self.org_a, actor=self.bob, entry=entry,
                                         destination_code=B_OFFICE)  # fmt: skip
        sent.refresh_from_db()
        self.assertEqual(sent.state, State.ACKNOWLEDGED)  # B took it in: no 0037
        received = selectors.interchanges(org=self.org_b, tray="pending").get()
        annex_row = received.content["De_Anexo"][0]
        self.assertNotRegex(annex_row["Nombre_Fichero_Anexado"], r'[:;"]')
        party = received.content["De_Interesado"][0]
        self.assertEqual(party.get("Canal_Preferente_Comunicacion_Interesado", ""), "")

    def test_a_pending_01_from_another_system_is_taken_as_a_send(self):
        row = services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        self.assertEqual((row.annotation_type, row.state), ("01", State.RECEIVED))
        self.assertIn("Received from", row.events.get().note)

    def test_an_unknown_annotation_type_is_refused_with_0037_and_nothing_written(self):
        xml = FIXTURE.replace(b"<Tipo_Anotacion>01</Tipo_Anotacion>",
                              b"<Tipo_Anotacion>09</Tipo_Anotacion>")  # fmt: skip
        before = rows_written()
        with self.assertRaises(SicresError) as caught:
            services.sicres_import(org=self.org_b, actor=self.charlie, xml=xml)
        self.assertEqual(caught.exception.code, "0037")
        self.assertEqual(rows_written(), before)


class TolerantReceiptTests(SirTestCase):
    def test_hashes_of_every_algorithm_and_encoding_are_verified_and_recorded(self):
        cases = {
            ("sha256", "base64"): base64.b64encode(hashlib.sha256(TEXT).digest()).decode(),
            ("sha1", "base64"): base64.b64encode(hashlib.sha1(TEXT).digest()).decode(),
            ("md5", "base64"): base64.b64encode(hashlib.md5(TEXT).digest()).decode(),
            ("sha256", "base64-hex"): base64.b64encode(
                hashlib.sha256(TEXT).hexdigest().encode()
            ).decode(),
            ("md5", "hex"): hashlib.md5(TEXT).hexdigest(),
        }
        for n, (expected, hash_text) in enumerate(cases.items()):
            with self.subTest(expected=expected):
                content = fixture_content()
                identifier = f"O00007777_26_9000000{n}"
                content["De_Internos_Control"]["Identificador_Intercambio"] = identifier
                content["De_Anexo"] = [
                    annex(
                        1,
                        TEXT,
                        hash_text=hash_text,
                        Identificador_Fichero=f"{identifier}_01_0001.txt",
                    )
                ]
                row = services.sicres_import(org=self.org_b, actor=None, xml=build(content))
                attachment = row.attachments.get()
                self.assertEqual((attachment.hash_algorithm, attachment.hash_encoding), expected)

    def test_a_wrong_hash_is_kept_with_a_warning_not_verified(self):
        content = fixture_content()
        content["De_Anexo"] = [annex(1, TEXT, hash_text=sicres.content_hash(b"other"))]
        row = services.sicres_import(org=self.org_b, actor=None, xml=build(content))
        attachment = row.attachments.get()
        self.assertTrue(attachment.is_received)
        self.assertEqual((attachment.hash_algorithm, attachment.hash_encoding), ("", "mismatch"))
        self.assertEqual([w["code"] for w in row.warnings], ["hash_mismatch"])

    @override_settings(SIR_REFUSE_HASH_MISMATCH=True)
    def test_a_wrong_hash_is_refused_in_spanish_toward_the_sender_and_english_on_screen(self):
        content = fixture_content()
        content["De_Anexo"] = [annex(1, TEXT, hash_text=sicres.content_hash(b"other"))]
        before = rows_written()
        with self.assertRaises(SicresError) as caught:
            services.sicres_import(org=self.org_b, actor=None, xml=build(content))
        self.assertEqual(caught.exception.code, "0037")
        self.assertIn("does not match its content", caught.exception.message)
        self.assertEqual(rows_written(), before)
        (path,) = self.outbox_files()
        _root, message = sicres.parse(path.read_bytes())
        self.assertEqual((message["Tipo_Mensaje"], message["Codigo_Error"]), ("02", "0037"))
        self.assertIn("no coincide con su contenido", message["Descripcion_Mensaje"])
        self.assertTrue(message["Descripcion_Mensaje"].startswith("ERROR EN LA VALIDACION"))

    def test_more_attachments_than_our_limits_are_received_with_a_warning_and_accepted(self):
        content = fixture_content()
        # Documents and their detached signatures: 4 + 4 = 8, more than our 5.
        annexes = []
        for n in range(1, 5):
            data = TEXT + bytes([64 + n])
            annexes.append(annex(n, data))
            annexes.append(annex(n + 10, b"<xsig/>" + bytes([64 + n]), Tipo_Documento="03",
                                 Identificador_Documento_Firmado=annexes[-1]["Identificador_Fichero"],
                                 Nombre_Fichero_Anexado=f"annex{n}.xsig"))  # fmt: skip
        content["De_Anexo"] = annexes
        row = services.sicres_import(org=self.org_b, actor=None, xml=build(content))
        self.assertEqual(row.attachments.count(), 8)
        self.assertEqual([w["code"] for w in row.warnings], ["limits"])
        self.assertIn("received all the same", services.warning_texts(row)[0])
        signature = row.attachments.get(name="annex1.xsig")
        self.assertEqual(signature.signs_file_identifier, "O00007777_26_00004567_01_0001.txt")
        accepted = services.interchange_accept(org=self.org_b, actor=self.charlie, interchange=row)
        self.assertEqual(accepted.entry.attachments.count(), 8)

    def test_an_attachment_without_inline_content_is_kept_as_described_not_received(self):
        content = fixture_content()
        described = annex(2, TEXT)
        del described["Anexo"]
        content["De_Anexo"] = [annex(1, TEXT), described]
        row = services.sicres_import(org=self.org_b, actor=None, xml=build(content))
        missing = row.attachments.get(position=1)
        self.assertFalse(missing.is_received)
        self.assertEqual((missing.name, missing.hash_algorithm), ("annex2.txt", ""))
        self.assertEqual([w["code"] for w in row.warnings], ["not_received"])
        accepted = services.interchange_accept(org=self.org_b, actor=self.charlie, interchange=row)
        self.assertEqual(accepted.entry.attachments.count(), 1)
        # the API says so too, with nulls where there is no stored document
        data = (
            self.api(self.charlie)
            .get(f"/api/v1/o/{self.org_b.slug}/sir/interchanges/{row.pk}/")
            .json()
        )
        described = data["attachments"][1]
        self.assertEqual(
            (described["name"], described["received"], described["document"], described["size"]),
            ("annex2.txt", False, None, None),
        )
        self.assertEqual(data["attachments"][0]["hash_algorithm"], "sha256")
        # detail page shows it as not received
        self.client.force_login(self.charlie)
        page = self.client.get(f"/o/{self.org_b.slug}/sir/interchanges/{row.pk}/")
        self.assertContains(page, "annex2.txt")
        self.assertContains(page, "Not received")

    def test_an_entry_between_administrations_without_parties_is_accepted(self):
        content = fixture_content()
        content["De_Interesado"] = [{}]
        row = services.sicres_import(org=self.org_b, actor=None, xml=build(content))
        self.assertEqual([w["code"] for w in row.warnings], ["no_party"])
        accepted = services.interchange_accept(org=self.org_b, actor=self.charlie, interchange=row)
        self.assertEqual(accepted.entry.parties.count(), 0)
        self.assertEqual(accepted.state, State.ACCEPTED)

    def test_a_party_keeps_every_sicres_field_and_sends_them_on(self):
        content = fixture_content()
        content["De_Interesado"] = [{
            "Tipo_Documento_Identificacion_Interesado": "N",
            "Documento_Identificacion_Interesado": "12345678Z",
            "Razon_Social_Interesado": "Construccions Bages SL",
            "Nombre_Interesado": "Núria", "Primer_Apellido_Interesado": "Puig",
            "Segundo_Apellido_Interesado": "Vila", "Pais_Interesado": "724",
            "Provincia_Interesado": "08", "Municipio_Interesado": "08113",
            "Direccion_Interesado": "Carrer del Born, 12", "Codigo_Postal_Interesado": "08241",
            "Correo_Electronico_Interesado": "nuria@example.org",
            "Telefono_Contacto_Interesado": "938000000",
            "Direccion_Electronica_Habilitada_Interesado": "nuria.deh@example.org",
            "Canal_Preferente_Comunicacion_Interesado": "03",
            "Observaciones": "Actua en nom de l'empresa",
        }]  # fmt: skip
        row = services.sicres_import(org=self.org_b, actor=None, xml=build(content))
        entry = services.interchange_accept(
            org=self.org_b, actor=self.charlie, interchange=row
        ).entry
        party = entry.parties.get()
        self.assertEqual(
            (party.person_type, party.name, party.first_surname, party.second_surname,
             party.company_name, party.municipality_ine, party.province_code, party.country_code,
             party.deh_email, party.preferred_channel, party.observations, party.phone),
            ("natural", "Núria", "Puig", "Vila", "Construccions Bages SL", "081136", "08", "724",
             "nuria.deh@example.org", "appearance", "Actua en nom de l'empresa", "938000000"),
        )  # fmt: skip
        # and they travel on when this entry's party is sent by SIR (an outgoing entry copy)
        sicres_party = services._parties_to_sicres([party])[0]
        self.assertEqual(sicres_party["Razon_Social_Interesado"], "Construccions Bages SL")
        self.assertEqual(sicres_party["Nombre_Interesado"], "Núria")
        self.assertEqual(sicres_party["Direccion_Electronica_Habilitada_Interesado"],
                         "nuria.deh@example.org")  # fmt: skip
        self.assertEqual(sicres_party["Canal_Preferente_Comunicacion_Interesado"], "03")
        self.assertEqual(sicres_party["Observaciones"], "Actua en nom de l'empresa")
        self.client.force_login(self.charlie)
        page = self.client.get(f"/o/{self.org_b.slug}/sir/interchanges/{row.pk}/")
        self.assertContains(page, "Núria Puig Vila · Construccions Bages SL")
        self.assertContains(page, "nuria.deh@example.org")

    def test_a_duplicate_from_outside_is_answered_with_the_ack_again(self):
        with self.captureOnCommitCallbacks(execute=True):
            services.sicres_import(org=self.org_b, actor=None, xml=FIXTURE, delivery="external")
        with self.assertRaises(SicresError) as caught:
            services.sicres_import(org=self.org_b, actor=None, xml=FIXTURE, delivery="external")
        self.assertEqual(caught.exception.code, "0205")
        kinds = [sicres.parse(p.read_bytes())[1]["Tipo_Mensaje"] for p in self.outbox_files()]
        self.assertEqual(kinds, ["01", "01"])


@override_settings(LANGUAGE_CODE="en")
class AnnotationMigrationTests(SirTestCase):
    def test_stored_interchanges_move_to_the_standard_codes_and_back(self):
        migration = importlib.import_module(
            "ajunta.sir.migrations.0002_handover_mark_tolerant_attachments_annotation_codes"
        )
        rows = {}
        for old in ("01", "02", "03"):
            row = services.sicres_import(
                org=self.org_b, actor=None,
                xml=FIXTURE.replace(b"O00007777_26_00004567", f"O00007777_26_000000{old}".encode()),
            )  # fmt: skip
            content = {**row.content, "De_Internos_Control": {
                **row.content["De_Internos_Control"], "Tipo_Anotacion": old}}  # fmt: skip
            Interchange.objects.filter(pk=row.pk).update(annotation_type=old, content=content)
            rows[old] = row.pk
        migration.to_standard_codes(apps, None)
        for old, new in (("01", "02"), ("02", "03"), ("03", "04")):
            row = Interchange.objects.get(pk=rows[old])
            self.assertEqual(row.annotation_type, new)
            self.assertEqual(row.content["De_Internos_Control"]["Tipo_Anotacion"], new)
        migration.to_old_codes(apps, None)
        self.assertEqual(Interchange.objects.get(pk=rows["02"]).annotation_type, "02")
        self.assertEqual(
            sorted(
                Interchange.objects.filter(side=Side.IN).values_list("annotation_type", flat=True)
            ),
            ["01", "02", "03"],
        )
        self.assertEqual(
            InterchangeAttachment.objects.filter(interchange_id__in=rows.values()).count(), 6
        )
        self.assertTrue(selectors.interchanges(org=self.org_b, tray="pending").exists())
