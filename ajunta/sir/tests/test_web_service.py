"""Contract test of the SIR web service client (issue 16 item 3) against a local fake of the SIR
component, built from the WSDLs RegWeb3 publishes (ajunta/sir/data/WS_SIR6_B.wsdl, WS_SIR7.wsdl).

The fake reads each WSDL: its target namespace, its binding style (RPC/encoded for WS_SIR6_B,
document/literal for WS_SIR7), its operation and the names of the input parts (or the wrapper
element's child), and the endpoint path of its soap:address. It refuses (SOAP fault) any call
that does not match, checks that the payload is a valid SICRES document of the right kind, and
answers a RespuestaWS with the code a test asks for.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from defusedxml.ElementTree import fromstring
from django.test import override_settings

from ajunta.sir import services, sicres
from ajunta.sir.models import State
from ajunta.sir.tests.helpers import EXTERNAL, FIXTURES, SirTestCase, outgoing
from ajunta.sir.transport import SirWebServiceTransport, TransportError

DATA = Path(sicres.__file__).resolve().parent / "data"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
XSD = "http://www.w3.org/2001/XMLSchema"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


@dataclass
class Operation:
    path: str  # endpoint path, from soap:address
    namespace: str
    name: str
    style: str  # "rpc" or "document"
    parts: list[str]  # rpc: the message's part names; document: the wrapper's child elements
    root: str  # the SICRES document the payload must be


def operation_from_wsdl(path: Path, root: str) -> Operation:
    wsdl = fromstring(path.read_bytes())
    namespace = wsdl.get("targetNamespace")
    binding = wsdl.find(f"{{{WSDL}}}binding")
    style = binding.find(f"{{{WSDL_SOAP}}}binding").get("style")
    name = binding.find(f"{{{WSDL}}}operation").get("name")
    request = next(
        m for m in wsdl.findall(f"{{{WSDL}}}message") if m.get("name") == f"{name}Request"
    )
    if style == "rpc":
        parts = [p.get("name") for p in request.findall(f"{{{WSDL}}}part")]
    else:  # the part is an element: the wrapper whose sequence holds the parameters
        element = next(e for e in wsdl.iter(f"{{{XSD}}}element") if e.get("name") == name)
        parts = [e.get("name") for e in element.iter(f"{{{XSD}}}element") if e is not element]
    address = wsdl.find(f".//{{{WSDL_SOAP}}}address").get("location")
    return Operation(urlparse(address).path, namespace, name, style, parts, root)


OPERATIONS = [
    operation_from_wsdl(DATA / "WS_SIR6_B.wsdl", sicres.INTERCHANGE_ROOT),
    operation_from_wsdl(DATA / "WS_SIR7.wsdl", sicres.MESSAGE_ROOT),
]


@dataclass
class FakeSir:
    answer_code: str = "00"
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


def respuesta(code: str, description: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
        f'<ns:Response xmlns:ns="http://bean.cct.map.es"><ns:RespuestaWS>'
        f"<codigo>{code}</codigo><descripcion>{description}</descripcion>"
        f"</ns:RespuestaWS></ns:Response></soapenv:Body></soapenv:Envelope>"
    ).encode()


def fault(reason: str) -> bytes:
    return (
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>soapenv:Client</faultcode><faultstring>{reason}</faultstring>"
        f"</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    ).encode()


def make_handler(state: FakeSir) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            return

        def reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            operation = next((o for o in OPERATIONS if o.path == self.path), None)
            if operation is None:
                return self.reply(404, b"")
            if "text/xml" not in self.headers.get("Content-Type", ""):
                return self.reply(500, fault("SOAP 1.1 needs text/xml"))
            body = fromstring(data).find(f"{{{SOAP_ENV}}}Body")
            call = body[0] if body is not None and len(body) else None
            if call is None or call.tag != f"{{{operation.namespace}}}{operation.name}":
                return self.reply(500, fault(f"unknown operation {getattr(call, 'tag', '')}"))
            children = list(call)
            expected = [
                part if operation.style == "rpc" else f"{{{operation.namespace}}}{part}"
                for part in operation.parts
            ]
            if [c.tag for c in children] != expected:
                return self.reply(500, fault(f"parts {[c.tag for c in children]} != {expected}"))
            try:
                root, content = sicres.parse((children[0].text or "").encode("utf-8"))
            except sicres.SicresError as error:
                return self.reply(200, respuesta("0037", error.message_for_sir))
            if root != operation.root:
                return self.reply(200, respuesta("0037", f"{root} sent to {operation.name}"))
            state.calls.append((operation.name, root, content))
            return self.reply(
                200, respuesta(state.answer_code, "Exito" if state.answer_code == "00" else "ERROR")
            )

    return Handler


class SirWebServiceTests(SirTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.fake = FakeSir()
        server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self.fake))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        base = f"http://127.0.0.1:{server.server_address[1]}"
        override = override_settings(
            SIR_TRANSPORT="ajunta.sir.transport.SirWebServiceTransport",
            SIR_WS_FICHERO_URL=f"{base}{OPERATIONS[0].path}",
            SIR_WS_MENSAJE_URL=f"{base}{OPERATIONS[1].path}",
            SIR_WS_TIMEOUT=10,
        )
        override.enable()
        self.addCleanup(override.disable)

    def test_the_wsdls_say_what_the_client_speaks(self):
        self.assertEqual(
            [(o.name, o.style, o.parts, o.path) for o in OPERATIONS],
            [("recepcionFicheroDeAplicacion", "rpc", ["registro"], "/services/WS_SIR6_B"),
             ("recepcionMensajeDatosControlDeAplicacion", "document", ["mensaje"],
              "/services/WS_SIR7")],
        )  # fmt: skip

    def test_a_send_is_handed_to_recepcionFicheroDeAplicacion(self):
        with self.captureOnCommitCallbacks(execute=True):
            row = services.interchange_send(org=self.org_a, actor=self.bob,
                                            entry=outgoing(self.org_a, self.bob),
                                            destination_code=EXTERNAL)  # fmt: skip
        ((operation, root, content),) = self.fake.calls
        self.assertEqual(
            (operation, root), ("recepcionFicheroDeAplicacion", sicres.INTERCHANGE_ROOT)
        )
        self.assertEqual(
            content["De_Internos_Control"]["Identificador_Intercambio"], row.identifier
        )
        self.assertEqual(content["De_Internos_Control"]["Tipo_Anotacion"], "02")
        row.refresh_from_db()
        self.assertFalse(row.handover_pending)
        self.assertTrue(row.handover_reference.startswith("SIR 00"))
        self.assertEqual(self.outbox_files(), [])  # not the folder: the web service

    def test_the_ack_to_an_outside_sender_goes_to_recepcionMensajeDatosControl(self):
        xml = (FIXTURES / "generalitat_to_beta.xml").read_bytes()
        with self.captureOnCommitCallbacks(execute=True):
            services.sicres_route(xml=xml)
        ((operation, root, content),) = self.fake.calls
        self.assertEqual(
            (operation, root, content["Tipo_Mensaje"]),
            ("recepcionMensajeDatosControlDeAplicacion", sicres.MESSAGE_ROOT, "01"),
        )

    def test_a_code_other_than_00_puts_the_interchange_in_error(self):
        self.fake.answer_code = "0039"
        with self.captureOnCommitCallbacks(execute=True):
            row = services.interchange_send(org=self.org_a, actor=self.bob,
                                            entry=outgoing(self.org_a, self.bob),
                                            destination_code=EXTERNAL)  # fmt: skip
        row.refresh_from_db()
        self.assertEqual(row.state, State.ERROR)
        self.assertIn("0039", row.events.last().note)

    def fails(self, message: str, *, kind: str, content: bytes, **urls: str) -> None:
        with self.settings(**urls), self.assertRaisesMessage(TransportError, message):
            SirWebServiceTransport().send(
                kind=kind, identifier="x", destination_code=EXTERNAL, content=content
            )

    def test_faults_unreachable_and_plain_http_are_transport_errors(self):
        interchange = (FIXTURES / "generalitat_to_beta.xml").read_bytes()
        self.fails("HTTP 404", kind="message", content=b"<De_Mensaje/>",
                   SIR_WS_MENSAJE_URL=self.settings_url("/services/nowhere"))  # fmt: skip
        self.fails("SIR answered 0037", kind="message", content=interchange)  # wrong document
        self.fails("fault", kind="interchange", content=interchange,  # wrong operation
                   SIR_WS_FICHERO_URL=self.settings_url(OPERATIONS[1].path))  # fmt: skip
        self.fails("must be https", kind="interchange", content=b"<x/>",
                   SIR_WS_FICHERO_URL="http://sir.example.org/services/WS_SIR6_B")  # fmt: skip
        self.fails("unreachable", kind="interchange", content=b"<x/>",
                   SIR_WS_FICHERO_URL="http://127.0.0.1:9/services/WS_SIR6_B")  # fmt: skip

    def settings_url(self, path: str) -> str:
        from django.conf import settings

        return urlparse(settings.SIR_WS_MENSAJE_URL)._replace(path=path).geturl()
