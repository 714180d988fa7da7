"""SIR rules at the service level: the A→B round trip, imports, refusals, limits, XSD validity."""

from __future__ import annotations

import base64
from unittest import mock

from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import override_settings

from ajunta.core.models import AuditEvent, Document
from ajunta.core.testing_archives import HOSTILE_UPLOADS
from ajunta.registry import selectors as registry_selectors
from ajunta.sir import selectors, services, sicres
from ajunta.sir.models import DirectoryEntry, Interchange, InterchangeEvent, Side, State
from ajunta.sir.sicres import SicresError
from ajunta.sir.tests.helpers import (
    A_OFFICE,
    B_OFFICE,
    EXTERNAL,
    FIXTURES,
    SirTestCase,
    outgoing,
)
from ajunta.tenants.testing import give_modules

FIXTURE = (FIXTURES / "generalitat_to_beta.xml").read_bytes()
GAMMA = "L01080033"


def rows_written() -> tuple[int, int, int, int]:
    return (Interchange.objects.count(), InterchangeEvent.objects.count(),
            Document.objects.count(), DirectoryEntry.objects.count())  # fmt: skip


class RoundTripTests(SirTestCase):
    def test_a_sends_b_accepts_and_a_sees_b_number(self):
        entry = outgoing(self.org_a, self.bob)
        sent = services.interchange_send(
            org=self.org_a, actor=self.bob, entry=entry, destination_code=B_OFFICE
        )
        self.assertRegex(sent.identifier, rf"^{A_OFFICE}_\d\d_00000001$")
        sent.refresh_from_db()
        self.assertEqual(sent.state, State.ACKNOWLEDGED)  # B's ACK came back at once
        pending = selectors.interchanges(org=self.org_b, tray="pending").get()
        self.assertEqual(pending.identifier, sent.identifier)
        self.assertEqual(pending.attachments.count(), 1)
        self.assertFalse(selectors.interchanges(org=self.org_a, tray="pending").exists())

        accepted = services.interchange_accept(
            org=self.org_b, actor=self.charlie, interchange=pending
        )
        b_entry = accepted.entry
        self.assertEqual(b_entry.organization, self.org_b)
        self.assertEqual(b_entry.direction, "in")
        self.assertEqual(b_entry.channel, "sir")
        self.assertTrue(b_entry.number.startswith("E/"))
        self.assertEqual(b_entry.parties.get().id_number, "12345678Z")
        self.assertEqual(b_entry.attachments.get().document.sha256,
                         entry.attachments.get().document.sha256)  # fmt: skip

        sent.refresh_from_db()
        self.assertEqual(sent.state, State.ACCEPTED)
        self.assertEqual(sent.destination_entry_number, b_entry.number)
        trace = list(sent.events.values_list("state", flat=True))
        self.assertEqual(trace, [State.SENT, State.ACKNOWLEDGED, State.ACCEPTED])
        self.assertTrue(AuditEvent.objects.filter(organization=self.org_a,
                                                  action="sir.interchange.confirmed").exists())  # fmt: skip
        self.assertEqual(self.outbox_files(), [])  # nothing left the platform
        from ajunta.core.audit import verify_all

        self.assertTrue(all(report.ok for report in verify_all([self.org_a, self.org_b])))

    def test_acceptance_routes_to_the_unit_named_by_its_dir3_code(self):
        from ajunta.registry import services as registry_services

        unit = registry_services.unit_create(org=self.org_b, actor=self.charlie,
                                             name="Urbanisme", dir3_code="L01080099")  # fmt: skip
        services.interchange_send(org=self.org_a, actor=self.bob, entry=outgoing(self.org_a, self.bob),
                                  destination_code=B_OFFICE, destination_unit_code="L01080099")  # fmt: skip
        pending = selectors.interchanges(org=self.org_b, tray="pending").get()
        accepted = services.interchange_accept(
            org=self.org_b, actor=self.charlie, interchange=pending
        )
        self.assertEqual(accepted.entry.destination_unit, unit)

    def test_a_refused_internal_delivery_shows_as_error_at_the_sender(self):
        entry = outgoing(self.org_a, self.bob)
        with mock.patch.object(services, "document_store", side_effect=ValidationError("type")):
            sent = services.interchange_send(org=self.org_a, actor=self.bob, entry=entry,
                                             destination_code=B_OFFICE)  # fmt: skip
        sent.refresh_from_db()
        self.assertEqual((sent.state, sent.error_code), (State.ERROR, sicres.ERROR_ATTACHMENTS))
        self.assertFalse(Interchange.objects.filter(organization=self.org_b).exists())

    def test_b_rejects_with_reason_and_a_sees_it(self):
        sent = services.interchange_send(
            org=self.org_a, actor=self.bob, entry=outgoing(self.org_a, self.bob),
            destination_code=B_OFFICE,
        )  # fmt: skip
        pending = selectors.interchanges(org=self.org_b, tray="pending").get()
        services.interchange_reject(
            org=self.org_b,
            actor=self.charlie,
            interchange=pending,
            reason="No és competència municipal",
        )
        sent.refresh_from_db()
        self.assertEqual(sent.state, State.REJECTED)
        self.assertEqual(sent.reason, "No és competència municipal")
        self.assertEqual(selectors.interchanges(org=self.org_a, tray="rejected").get(), sent)
        # the entry may be sent again once rejected
        self.assertTrue(
            selectors.sendable_entries(org=self.org_a).filter(pk=sent.entry_id).exists()
        )

    def test_rejection_needs_a_reason(self):
        services.interchange_send(org=self.org_a, actor=self.bob,
                                  entry=outgoing(self.org_a, self.bob), destination_code=B_OFFICE)  # fmt: skip
        pending = selectors.interchanges(org=self.org_b, tray="pending").get()
        with self.assertRaises(ValidationError):
            services.interchange_reject(
                org=self.org_b, actor=self.charlie, interchange=pending, reason=" "
            )

    def test_forward_to_external_office_writes_a_valid_file(self):
        services.interchange_send(org=self.org_a, actor=self.bob,
                                  entry=outgoing(self.org_a, self.bob), destination_code=B_OFFICE)  # fmt: skip
        pending = selectors.interchanges(org=self.org_b, tray="pending").get()
        with self.captureOnCommitCallbacks(execute=True):
            services.interchange_forward(org=self.org_b, actor=self.charlie, interchange=pending,
                                         destination_code=EXTERNAL, reason="Competència de l'Estat")  # fmt: skip
        pending.refresh_from_db()
        self.assertEqual(pending.state, State.FORWARDED)
        a_row = selectors.interchanges(org=self.org_a).get()
        self.assertEqual(a_row.state, State.FORWARDED)
        files = self.outbox_files()
        self.assertEqual(len(files), 1)
        _root, content = sicres.parse(files[0].read_bytes())
        self.assertEqual(
            content["De_Internos_Control"]["Tipo_Anotacion"], sicres.ANNOTATION_FORWARD
        )
        self.assertEqual(content["De_Destino"]["Codigo_Entidad_Registral_Destino"], EXTERNAL)

    def test_forward_to_a_third_member_which_accepts_and_confirms_to_the_origin(self):
        from ajunta.core.models import Role
        from ajunta.core.testing import make_org, make_user

        org_c = make_org("gamma", name="Ajuntament de Gamma", dir3_code="L01080033")
        give_modules(self.provider, org_c, ("registry", "sir"))
        dora = make_user("dora", org_c, Role.MUNICIPAL_STAFF)
        sent = services.interchange_send(org=self.org_a, actor=self.bob,
                                         entry=outgoing(self.org_a, self.bob), destination_code=B_OFFICE)  # fmt: skip
        pending = selectors.interchanges(org=self.org_b, tray="pending").get()
        services.interchange_forward(org=self.org_b, actor=self.charlie, interchange=pending,
                                     destination_code="L01080033", reason="Competència de Gamma")  # fmt: skip
        sent.refresh_from_db()
        self.assertEqual(sent.state, State.FORWARDED)
        at_c = selectors.interchanges(org=org_c, tray="pending").get()
        self.assertEqual(
            (at_c.identifier, at_c.annotation_type), (sent.identifier, sicres.ANNOTATION_FORWARD)
        )
        self.assertEqual(at_c.attachments.count(), 1)
        accepted = services.interchange_accept(org=org_c, actor=dora, interchange=at_c)
        sent.refresh_from_db()
        self.assertEqual(
            (sent.state, sent.destination_entry_number), (State.ACCEPTED, accepted.entry.number)
        )
        self.assertEqual(selectors.interchanges(org=self.org_b, tray="forwarded").get(), pending)

    def test_an_own_code_cannot_capture_another_members(self):
        with self.assertRaises(ValidationError):
            services.directory_entry_add(org=self.org_a, actor=self.alice, kind="office",
                                         code=self.org_b.dir3_code, name="Not mine", is_own=True)  # fmt: skip
        with self.assertRaises(ValidationError):
            services.directory_entry_add(org=self.org_a, actor=self.alice, kind="office",
                                         code=B_OFFICE, name="Not mine", is_own=True)  # fmt: skip

    def test_identifiers_are_gap_free_even_after_a_refusal(self):
        entry = outgoing(self.org_a, self.bob)
        with self.assertRaises(ValidationError):
            services.interchange_send(org=self.org_a, actor=self.bob, entry=entry,
                                      destination_code="bad")  # fmt: skip
        with mock.patch.object(services, "check_limits", side_effect=ValidationError("no")), \
                self.assertRaises(ValidationError):  # fmt: skip
            services.interchange_send(
                org=self.org_a, actor=self.bob, entry=entry, destination_code=B_OFFICE
            )
        first = services.interchange_send(
            org=self.org_a, actor=self.bob, entry=entry, destination_code=B_OFFICE
        )
        self.assertTrue(first.identifier.endswith("_00000001"))


class ExternalSendTests(SirTestCase):
    def test_export_validates_against_the_xsd(self):
        entry = outgoing(self.org_a, self.bob, attachments=2)
        with self.captureOnCommitCallbacks(execute=True):
            row = services.interchange_send(org=self.org_a, actor=self.bob, entry=entry,
                                            destination_code=EXTERNAL)  # fmt: skip
        self.assertEqual(row.state, State.SENT)
        (path,) = self.outbox_files()
        xml = path.read_bytes()
        # Validated by the XSD afresh, independently of our parser, with two validators.
        sicres.schema(sicres.INTERCHANGE_ROOT).validate(xmlschema_resource(xml))
        from lxml import etree

        xsd = etree.XMLSchema(etree.parse(str(sicres.DATA_DIR / "ficheroIntercambio.xsd")))
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        self.assertTrue(xsd.validate(etree.fromstring(xml, parser)), xsd.error_log)
        _root, content = sicres.parse(xml)
        annexes = content["De_Anexo"]
        self.assertEqual(len(annexes), 2)
        for annex in annexes:
            data = base64.b64decode(annex["Anexo"])
            self.assertEqual(annex["Hash"], sicres.content_hash(data))
        self.assertEqual(
            content["De_Interesado"][0]["Documento_Identificacion_Interesado"], "12345678Z"
        )

    def test_sir_limits_refuse_before_sending(self):
        entry = outgoing(self.org_a, self.bob, attachments=5)
        with (
            mock.patch.object(services, "MAX_ATTACHMENTS", 4),
            self.assertRaises(ValidationError) as caught,
        ):
            services.interchange_send(
                org=self.org_a, actor=self.bob, entry=entry, destination_code=EXTERNAL
            )
        self.assertIn("at most 4 attachments", caught.exception.messages[0])
        with (
            mock.patch.object(services, "MAX_TOTAL_BYTES", 100),
            self.assertRaises(ValidationError),
        ):
            services.interchange_send(
                org=self.org_a, actor=self.bob, entry=entry, destination_code=EXTERNAL
            )
        self.assertEqual(Interchange.objects.count(), 0)

    def test_only_outgoing_registered_entries_travel_once(self):
        entry = outgoing(self.org_a, self.bob)
        services.interchange_send(
            org=self.org_a, actor=self.bob, entry=entry, destination_code=EXTERNAL
        )
        with self.assertRaises(ValidationError):
            services.interchange_send(
                org=self.org_a, actor=self.bob, entry=entry, destination_code=EXTERNAL
            )
        with self.assertRaises(ValidationError):  # another organization's entry
            services.interchange_send(
                org=self.org_b, actor=self.charlie, entry=entry, destination_code=EXTERNAL
            )

    def test_transport_failure_marks_error(self):
        from ajunta.sir.transport import TransportError

        entry = outgoing(self.org_a, self.bob)
        with mock.patch("ajunta.sir.transport.OutboxTransport.send", side_effect=TransportError("down")), \
                self.captureOnCommitCallbacks(execute=True):  # fmt: skip
            row = services.interchange_send(
                org=self.org_a, actor=self.bob, entry=entry, destination_code=EXTERNAL
            )
        row.refresh_from_db()
        self.assertEqual(row.state, State.ERROR)


def xmlschema_resource(xml: bytes):
    import xmlschema
    from defusedxml.ElementTree import fromstring

    return xmlschema.XMLResource(fromstring(xml), allow="none")


class ImportTests(SirTestCase):
    def test_a_file_from_another_registry_imports(self):
        with self.captureOnCommitCallbacks(execute=True):
            row = services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        self.assertEqual((row.side, row.state), (Side.IN, State.RECEIVED))
        self.assertEqual(row.origin_entry_number, "GEN/2026/0012345")
        self.assertEqual(row.attachments.count(), 2)
        # an ACK went back through the transport, and it validates against mensaje.xsd
        (ack,) = self.outbox_files()
        root, message = sicres.parse(ack.read_bytes())
        self.assertEqual((root, message["Tipo_Mensaje"]), (sicres.MESSAGE_ROOT, sicres.MESSAGE_ACK))
        with self.captureOnCommitCallbacks(execute=True):
            row = services.interchange_accept(org=self.org_b, actor=self.charlie, interchange=row)
        entry = registry_selectors.entry_get(org=self.org_b, pk=row.entry_id)
        parties = list(entry.parties.all())
        self.assertEqual([p.role for p in parties], ["interested", "representative"])
        self.assertEqual(parties[0].person_type, "legal")
        self.assertEqual(parties[0].municipality_ine, "081136")
        self.assertEqual(parties[1].represents_id, parties[0].pk)
        self.assertEqual(entry.case_reference, "2026/URB/000321")
        confirmations = [sicres.parse(p.read_bytes())[1] for p in self.outbox_files()]
        confirmation = next(
            m for m in confirmations if m["Tipo_Mensaje"] == sicres.MESSAGE_CONFIRMATION
        )
        self.assertEqual(confirmation["Numero_Registro_Entrada_Destino"], entry.number)

    def test_rejecting_an_external_file_sends_it_back_and_takes_the_answers(self):
        row = services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        with self.captureOnCommitCallbacks(execute=True):
            services.interchange_reject(org=self.org_b, actor=self.charlie, interchange=row,
                                        reason="Adreceu-ho a Urbanisme de Manresa")  # fmt: skip
        back = [sicres.parse(p.read_bytes())[1] for p in self.outbox_files()]
        rejection = next(c for c in back if "De_Internos_Control" in c)
        control = rejection["De_Internos_Control"]
        self.assertEqual(control["Tipo_Anotacion"], sicres.ANNOTATION_REJECT)
        self.assertEqual(rejection["De_Destino"]["Codigo_Entidad_Registral_Destino"], "O00007777")
        self.assertEqual(len(rejection["De_Anexo"]), 2)  # returned whole, attachments included
        answer = {
            "Codigo_Entidad_Registral_Origen": "O00007777", "Codigo_Entidad_Registral_Destino": B_OFFICE,
            "Identificador_Intercambio": row.identifier, "Tipo_Mensaje": sicres.MESSAGE_ACK,
            "Indicador_Prueba": "0",
        }  # fmt: skip
        ack = services.sicres_import(
            org=self.org_b, actor=None, xml=sicres.build(sicres.MESSAGE_ROOT, answer)
        )
        self.assertEqual(ack.state, State.REJECTED)
        answer.update(Tipo_Mensaje=sicres.MESSAGE_ERROR, Codigo_Error="0039")
        error = services.sicres_import(
            org=self.org_b, actor=None, xml=sicres.build(sicres.MESSAGE_ROOT, answer)
        )
        self.assertEqual((error.pk, error.state, error.error_code), (row.pk, State.ERROR, "0039"))

    def test_a_party_without_identity_document_cannot_be_registered_and_says_why(self):
        xml = FIXTURE.replace(
            b"<Documento_Identificacion_Interesado>B58818501</Documento_Identificacion_Interesado>",
            b"",
        )
        row = services.sicres_import(org=self.org_b, actor=self.charlie, xml=xml)
        with self.assertRaises(ValidationError) as caught:
            services.interchange_accept(org=self.org_b, actor=self.charlie, interchange=row)
        self.assertIn("The registry cannot register it", caught.exception.messages[0])

    def test_same_file_twice_is_a_duplicate(self):
        services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        with self.assertRaises(SicresError) as caught:
            services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        self.assertEqual(caught.exception.code, sicres.ERROR_DUPLICATE)

    def test_a_duplicate_racing_past_the_check_is_refused_by_the_constraint(self):
        services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        before = rows_written()
        with (
            mock.patch.object(selectors, "in_interchange_exists", return_value=False),
            self.assertRaises(SicresError) as caught,
        ):
            services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        self.assertEqual(caught.exception.code, sicres.ERROR_DUPLICATE)
        self.assertEqual(rows_written(), before)

    def test_file_for_another_organization_is_refused(self):
        before = rows_written()
        with self.assertRaises(SicresError) as caught:
            services.sicres_import(org=self.org_a, actor=self.alice, xml=FIXTURE)
        self.assertEqual(caught.exception.code, sicres.ERROR_ENTRY)
        self.assertEqual(rows_written(), before)

    @override_settings(SIR_REFUSE_HASH_MISMATCH=True)
    def test_hash_mismatch_rejects_with_the_sicres_code_and_writes_nothing(self):
        bad = FIXTURE.replace(b"2IGrm9TBgP/R+CHOHwm7sJoU8hgMvIL+Id2xzXnx6yk=",
                              base64.b64encode(b"\x00" * 32))  # fmt: skip
        before = rows_written()
        with self.assertRaises(SicresError) as caught:
            services.sicres_import(org=self.org_b, actor=self.charlie, xml=bad)
        self.assertEqual(caught.exception.code, sicres.ERROR_ATTACHMENTS)
        self.assertEqual(rows_written(), before)
        self.assertEqual(self.stored_document_files(), [])
        # the sender is told, with the same code, in a message valid against mensaje.xsd
        (path,) = self.outbox_files()
        _root, message = sicres.parse(path.read_bytes())
        self.assertEqual((message["Tipo_Mensaje"], message["Codigo_Error"]),
                         (sicres.MESSAGE_ERROR, sicres.ERROR_ATTACHMENTS))  # fmt: skip

    def test_hostile_attachments_reject_with_the_sicres_code_and_write_nothing(self):
        text = b"SW5mb3JtZSB0w6hjbmljIGRlIGwnaW5zcGVjY2nDszogc2Vuc2UgaW5jaWTDqG5jaWVzLgo="
        text_hash = b"2IGrm9TBgP/R+CHOHwm7sJoU8hgMvIL+Id2xzXnx6yk="
        before = rows_written()
        for name, content in HOSTILE_UPLOADS.items():
            with self.subTest(name=name):
                xml = FIXTURE.replace(text, base64.b64encode(content)).replace(
                    text_hash, sicres.content_hash(content).encode()
                )
                with self.assertRaises(SicresError) as caught:
                    services.sicres_import(org=self.org_b, actor=self.charlie, xml=xml)
                self.assertEqual(caught.exception.code, sicres.ERROR_ATTACHMENTS)
                self.assertEqual(rows_written(), before)
                self.assertEqual(self.stored_document_files(), [])

    def stored_document_files(self) -> list[str]:
        from ajunta.core.testing import files_under

        return [f for f in files_under(self.media) if f.startswith("documents")]

    def test_malformed_oversized_and_entity_laden_files_are_refused_cleanly(self):
        laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
                  b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
                  b"<Fichero_Intercambio_SICRES_3>&lol3;</Fichero_Intercambio_SICRES_3>")  # fmt: skip
        external = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                    b"<De_Mensaje>&xxe;</De_Mensaje>")  # fmt: skip
        cases = {
            "malformed": FIXTURE[:-40],
            "not sicres": b"<html><body>hola</body></html>",
            "invalid": FIXTURE.replace(
                b"<Tipo_Registro>1</Tipo_Registro>", b"<Tipo_Registro>7</Tipo_Registro>"
            ),
            "billion laughs": laughs,
            "external entity": external,
            "bad date": FIXTURE.replace(b"20261120093015", b"20261320093015"),
        }
        before = rows_written()
        for name, xml in cases.items():
            with self.subTest(name), self.assertRaises(SicresError) as caught:
                services.sicres_import(org=self.org_b, actor=self.charlie, xml=xml)
            self.assertEqual(caught.exception.code, sicres.ERROR_XML, name)
        with self.settings(SIR_MAX_XML_BYTES=1000), self.assertRaises(SicresError) as caught:
            services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        self.assertIn("larger than", caught.exception.message)
        self.assertEqual(rows_written(), before)

    def test_an_error_message_marks_our_interchange(self):
        with self.captureOnCommitCallbacks(execute=True):
            row = services.interchange_send(org=self.org_a, actor=self.bob,
                                            entry=outgoing(self.org_a, self.bob), destination_code=EXTERNAL)  # fmt: skip
        message = sicres.build(sicres.MESSAGE_ROOT, {
            "Codigo_Entidad_Registral_Origen": EXTERNAL, "Codigo_Entidad_Registral_Destino": A_OFFICE,
            "Identificador_Intercambio": row.identifier, "Tipo_Mensaje": sicres.MESSAGE_ERROR,
            "Descripcion_Mensaje": "Oficina de destí inactiva", "Indicador_Prueba": "0", "Codigo_Error": "0039",
        })  # fmt: skip
        services.sicres_import(org=self.org_a, actor=self.alice, xml=message)
        row.refresh_from_db()
        self.assertEqual((row.state, row.error_code), (State.ERROR, "0039"))


class DirectoryTests(SirTestCase):
    def test_csv_import_all_or_nothing(self):
        good = "code,name,kind,parent\nE04990002,Oficina AGE Barcelona,office,E04990001\nA09001234,Servei Català,unit,\n"
        self.assertEqual(
            services.directory_import_csv(org=self.org_a, actor=self.alice, data=good.encode()), 2
        )
        bad = "code,name,kind\nE04990003,Una,office\nxx,Dues,office\n"
        with self.assertRaises(ValidationError):
            services.directory_import_csv(org=self.org_a, actor=self.alice, data=bad.encode())
        self.assertFalse(DirectoryEntry.objects.filter(code="E04990003").exists())
        codes = set(selectors.directory(org=self.org_a).values_list("code", flat=True))
        self.assertIn("E04990002", codes)
        self.assertIn(B_OFFICE, codes)  # members' own offices are public directory data
        self.assertNotIn(
            "E04990002", set(selectors.directory(org=self.org_b).values_list("code", flat=True))
        )

    def test_publish_registry_units(self):
        from ajunta.registry import services as registry_services

        registry_services.unit_create(
            org=self.org_b, actor=self.charlie, name="Urbanisme", dir3_code="L01080098"
        )
        registry_services.unit_create(org=self.org_b, actor=self.charlie, name="Sense codi")
        self.assertEqual(services.directory_publish_units(org=self.org_b, actor=self.charlie), 1)
        self.assertEqual(services.directory_publish_units(org=self.org_b, actor=self.charlie), 0)
        self.assertEqual(selectors.member_for_code("L01080098"), self.org_b)

    def test_member_resolution(self):
        self.assertEqual(selectors.member_for_code(B_OFFICE), self.org_b)
        self.assertEqual(selectors.member_for_code(self.org_b.dir3_code), self.org_b)
        self.assertIsNone(selectors.member_for_code(EXTERNAL))


class AtomicityTests(SirTestCase):
    def test_failed_acceptance_leaves_interchange_pending(self):
        services.sicres_import(org=self.org_b, actor=self.charlie, xml=FIXTURE)
        row = selectors.interchanges(org=self.org_b, tray="pending").get()
        refusal = ValidationError("no")
        with (
            mock.patch("ajunta.registry.services.registry_entry_create", side_effect=refusal),
            self.assertRaises(ValidationError),
            transaction.atomic(),
        ):
            services.interchange_accept(org=self.org_b, actor=self.charlie, interchange=row)
        row.refresh_from_db()
        self.assertEqual(row.state, State.RECEIVED)


class ModuleRoutingTests(SirTestCase):
    """Nothing is delivered into a module the receiver's agreement does not include (issue 14)."""

    def gamma(self, *modules: str, start=None, end=None):
        from ajunta.core.testing import make_org

        org_c = make_org(
            "gamma", name="Ajuntament de Gamma", dir3_code=GAMMA, agreement_modules=None
        )
        if modules:
            dates = {"start": start, "end": end} if start else {}
            give_modules(self.provider, org_c, modules, **dates)
        org_c.refresh_from_db()
        return org_c

    def assert_send_refused(self, org_c):
        entry = outgoing(self.org_a, self.bob)
        before = rows_written()
        with self.assertRaises(ValidationError) as caught:
            services.interchange_send(org=self.org_a, actor=self.bob, entry=entry,
                                      destination_code=GAMMA)  # fmt: skip
        (reason,) = caught.exception.message_dict["destination_code"]
        self.assertIn("Ajuntament de Gamma does not receive SIR interchanges", reason)
        self.assertEqual(rows_written(), before)
        self.assertFalse(Interchange.objects.filter(organization=org_c).exists())
        # No interchange number was taken: the next send is still the first.
        sent = services.interchange_send(org=self.org_a, actor=self.bob, entry=entry,
                                         destination_code=B_OFFICE)  # fmt: skip
        self.assertTrue(sent.identifier.endswith("_00000001"))

    def test_a_member_whose_agreement_lacks_sir_is_refused_with_the_reason(self):
        org_c = self.gamma("registry", "helpdesk")
        self.assertFalse(org_c.receives_module("sir"))
        self.assert_send_refused(org_c)

    def test_a_member_with_no_agreement_on_record_is_refused_not_waved_through(self):
        org_c = self.gamma()
        self.assertIsNone(org_c.agreement_modules)
        self.assertFalse(org_c.uses_module("sir"))  # navigation: only the default modules ...
        self.assertFalse(org_c.receives_module("sir"))  # ... and routing: unknown = refusal
        self.assert_send_refused(org_c)

    def test_a_member_whose_agreement_ended_is_refused(self):
        import datetime as dt

        import time_machine

        with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC), tick=False):
            org_c = self.gamma(
                "registry", "sir", start=dt.date(2020, 1, 1), end=dt.date(2025, 12, 31)
            )
            self.assertFalse(org_c.receives_module("sir"))
            self.assert_send_refused(org_c)

    def test_the_api_answers_400_with_the_reason(self):
        self.gamma("registry")
        entry = outgoing(self.org_a, self.bob)
        response = self.api(self.bob).post(
            "/api/v1/o/alpha/sir/interchanges/",
            {"entry": entry.pk, "destination_code": GAMMA},
            format="json",
        )
        self.assertEqual(response.status_code, 400, response.content)
        self.assertIn("does not receive SIR", str(response.json()["destination_code"]))
        self.assertFalse(Interchange.objects.exists())

    def test_a_member_with_sir_in_force_receives(self):
        org_c = self.gamma("registry", "sir")
        services.interchange_send(org=self.org_a, actor=self.bob,
                                  entry=outgoing(self.org_a, self.bob), destination_code=GAMMA)  # fmt: skip
        self.assertEqual(selectors.interchanges(org=org_c, tray="pending").count(), 1)

    def test_a_forward_to_a_member_without_sir_is_refused_and_stays_pending(self):
        self.gamma("registry")
        services.interchange_send(org=self.org_a, actor=self.bob,
                                  entry=outgoing(self.org_a, self.bob), destination_code=B_OFFICE)  # fmt: skip
        pending = selectors.interchanges(org=self.org_b, tray="pending").get()
        before = rows_written()
        with self.assertRaises(ValidationError) as caught:
            services.interchange_forward(org=self.org_b, actor=self.charlie, interchange=pending,
                                         destination_code=GAMMA, reason="Competència de Gamma")  # fmt: skip
        self.assertIn("does not receive SIR", caught.exception.message_dict["destination_code"][0])
        self.assertEqual(rows_written(), before)
        pending.refresh_from_db()
        self.assertEqual(pending.state, State.RECEIVED)

    def test_a_file_for_a_member_that_lost_sir_is_refused_and_answered(self):
        from ajunta.tenants import services as tenant_services
        from ajunta.tenants.models import Agreement

        agreement = Agreement.objects.get(member=self.org_b)
        tenant_services.agreement_annul(org=self.provider, actor=None, agreement=agreement,
                                        reason="Signed by mistake")  # fmt: skip
        self.org_b.refresh_from_db()
        before = rows_written()
        with self.assertRaises(SicresError) as caught:
            services.sicres_import(org=self.org_b, actor=None, xml=FIXTURE)
        self.assertEqual(caught.exception.code, sicres.ERROR_UNREACHABLE)
        self.assertIn("does not receive SIR", caught.exception.message)
        self.assertEqual(rows_written(), before)
        (answer,) = self.outbox_files()  # the sender is told why, as SIR would
        _root, content = sicres.parse(answer.read_bytes())
        self.assertEqual(content["Tipo_Mensaje"], sicres.MESSAGE_ERROR)
        self.assertIn("no recibe intercambios SIR", content["Descripcion_Mensaje"])  # Spanish
