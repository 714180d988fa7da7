"""How SICRES documents leave this platform for administrations that are not members.

A transport is any class with the `send` method of `Transport`. `SIR_TRANSPORT` (a dotted path,
read with getattr so a deployment without it works) picks one; the default, `OutboxTransport`,
writes each document as a file in `SIR_OUTBOX_DIR`, where an operator or a gateway process picks
it up. `SirWebServiceTransport` calls the SIR component (the CORE of the Ministry's gateway)
directly, with the operations RegWeb3 and AL SIGM use: `WS_SIR6_B.recepcionFicheroDeAplicacion`
for an interchange file and `WS_SIR7.recepcionMensajeDatosControlDeAplicacion` for a message
(WSDLs in data/). docs/sir.md says what a provider must request to be connected.

Members of this platform never go through a transport: services deliver to them directly.
"""

from __future__ import annotations

import os
import ssl
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import Protocol
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.module_loading import import_string


class TransportError(Exception):
    """The document could not be handed over; the interchange goes to state `error`."""


class Transport(Protocol):
    def send(self, *, kind: str, identifier: str, destination_code: str, content: bytes) -> str:
        """Hand `content` (a valid SICRES 3 document) over for `destination_code`.

        `kind` is "interchange" (Fichero_Intercambio_SICRES_3) or "message" (De_Mensaje);
        `identifier` the interchange identifier. Return a reference for the trace (a path, a
        gateway receipt). Raise TransportError when it was not handed over.
        """
        ...


def outbox_dir() -> Path:
    return Path(getattr(settings, "SIR_OUTBOX_DIR", Path(settings.MEDIA_ROOT) / "sir-outbox"))


class OutboxTransport:
    """File drop: `<SIR_OUTBOX_DIR>/<identifier>_<kind>_<n>.xml`, written atomically (a reader
    never sees half a file) and never overwritten."""

    def send(self, *, kind: str, identifier: str, destination_code: str, content: bytes) -> str:
        folder = outbox_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=".sending-", suffix=".xml")
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            for n in range(1, 1000):
                target = folder / f"{identifier}_{kind}_{n}.xml"
                try:
                    os.link(temporary, target)  # fails if the name exists: never overwrite
                except FileExistsError:
                    continue
                os.unlink(temporary)
                return str(target)
            os.unlink(temporary)
        except OSError as exc:
            raise TransportError(str(exc)) from exc
        raise TransportError(f"Too many files for {identifier} in {folder}.")


# --- the SIR web service --------------------------------------------------------------------------
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP_ENC = "http://schemas.xmlsoap.org/soap/encoding/"
SIR_NS = "http://impl.manager.cct.map.es"  # both WSDLs' target namespace
MAX_ANSWER_BYTES = 1024 * 1024


class SirWebServiceTransport:
    """The SIR component's SOAP operations, over HTTPS with the platform's client certificate.

    Settings (read with getattr; all set in production, see docs/sir.md):
    `SIR_WS_FICHERO_URL` (the WS_SIR6_B endpoint), `SIR_WS_MENSAJE_URL` (WS_SIR7),
    `SIR_WS_CLIENT_CERT` / `SIR_WS_CLIENT_KEY` (PEM files of the certificate SIR knows this
    platform by), `SIR_WS_CA_BUNDLE` (the CA of the SIR endpoints, else the system's),
    `SIR_WS_TIMEOUT` (seconds, 30). The answer `RespuestaWS.codigo` "00" is success; any other
    code, a SOAP fault or a network error raises TransportError with the code and description.
    """

    def send(self, *, kind: str, identifier: str, destination_code: str, content: bytes) -> str:
        text = content.decode("utf-8")
        if kind == "interchange":
            url = str(getattr(settings, "SIR_WS_FICHERO_URL", ""))
            body = rpc_encoded_request("recepcionFicheroDeAplicacion", "registro", text)
        else:
            url = str(getattr(settings, "SIR_WS_MENSAJE_URL", ""))
            body = document_literal_request(
                "recepcionMensajeDatosControlDeAplicacion", "mensaje", text
            )
        if not url:
            raise TransportError("SIR_WS_FICHERO_URL / SIR_WS_MENSAJE_URL is not set.")
        code, description = self._call(url, body)
        if code != "00":
            raise TransportError(f"SIR answered {code}: {description}")
        return f"SIR {code} {identifier} ({description})".strip()

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=getattr(settings, "SIR_WS_CA_BUNDLE", None))
        cert = getattr(settings, "SIR_WS_CLIENT_CERT", "")
        if cert:
            context.load_cert_chain(cert, getattr(settings, "SIR_WS_CLIENT_KEY", None) or None)
        return context

    def _call(self, url: str, body: bytes) -> tuple[str, str]:
        # HTTPS only (the CORE authenticates us by our certificate); plain HTTP to this machine
        # alone, for a local gateway or the contract test's fake.
        local = url.startswith(("http://127.0.0.1:", "http://localhost:"))
        if not (url.startswith("https://") or local):
            raise TransportError(f"SIR web service URL must be https: {url[:80]}")
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url, data=body, method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'},
        )  # fmt: skip
        timeout = float(getattr(settings, "SIR_WS_TIMEOUT", 30))
        try:
            context = self._context() if url.startswith("https:") else None
            with urllib.request.urlopen(  # noqa: S310 (scheme checked above)
                request, timeout=timeout, context=context
            ) as answer:
                data = answer.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:  # a SOAP fault comes as HTTP 500 with a body
            data = exc.read(MAX_ANSWER_BYTES + 1)
            if not data:
                raise TransportError(f"SIR web service: HTTP {exc.code}") from exc
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise TransportError(f"SIR web service unreachable: {exc}") from exc
        return parse_answer(data)


def rpc_encoded_request(operation: str, part: str, text: str) -> bytes:
    """A SOAP 1.1 RPC/encoded call (WS_SIR6_B is an Axis 1.4 service)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" '
        f'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body>"
        f'<impl:{operation} xmlns:impl="{SIR_NS}" soapenv:encodingStyle="{SOAP_ENC}">'
        f'<{part} xsi:type="xsd:string">{escape(text)}</{part}>'
        f"</impl:{operation}></soapenv:Body></soapenv:Envelope>"
    ).encode()


def document_literal_request(operation: str, part: str, text: str) -> bytes:
    """A SOAP 1.1 document/literal call (WS_SIR7: elementFormDefault qualified)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>'
        f'<impl:{operation} xmlns:impl="{SIR_NS}"><impl:{part}>{escape(text)}</impl:{part}>'
        f"</impl:{operation}></soapenv:Body></soapenv:Envelope>"
    ).encode()


def parse_answer(data: bytes) -> tuple[str, str]:
    """(codigo, descripcion) of a RespuestaWS, or TransportError for a fault or garbage."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    if len(data) > MAX_ANSWER_BYTES:
        raise TransportError("SIR web service: the answer is too large.")
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, SyntaxError) as exc:
        raise TransportError(f"SIR web service: unreadable answer ({exc}).") from exc
    values: dict[str, str] = {}
    for node in root.iter():
        local = node.tag.rsplit("}", 1)[-1]
        if local in ("codigo", "descripcion", "faultstring", "faultcode"):
            values.setdefault(local, (node.text or "").strip())
    if "faultstring" in values or "faultcode" in values:
        raise TransportError(
            f"SIR web service fault {values.get('faultcode', '')}: {values.get('faultstring', '')}"
        )
    if "codigo" not in values:
        raise TransportError("SIR web service: the answer has no RespuestaWS.codigo.")
    return values["codigo"], values.get("descripcion", "")


def get_transport() -> Transport:
    path = getattr(settings, "SIR_TRANSPORT", "ajunta.sir.transport.OutboxTransport")
    transport: Transport = import_string(path)()
    return transport
