"""A fake AutoFirma for tests: it speaks the protocol (ajunta.signatures.autofirma) over a Django
test client exactly as the real application does over HTTP, and signs with a PKCS#12 file
(a TEST personal certificate) through pyHanko, adding one PAdES signature to the PDF."""

from __future__ import annotations

import base64
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ajunta.signatures import autofirma


def sign_pdf_with_p12(pdf: bytes, p12: bytes, passphrase: str = "", *, reason: str = "") -> bytes:
    """`pdf` with one more PAdES signature (an incremental revision) made with the key in `p12`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load_pkcs12_data(
        p12, other_certs=[], passphrase=passphrase.encode() or None
    )
    count = len(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=f"Signature{count + 1}", md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES, reason=reason or None,
    )  # fmt: skip
    output = signers.sign_pdf(writer, metadata, signer=signer)
    return bytes(output.getvalue())


def certificate_der(p12: bytes, passphrase: str = "") -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    _key, certificate, _chain = pkcs12.load_key_and_certificates(p12, passphrase.encode() or None)
    assert certificate is not None
    return certificate.public_bytes(Encoding.DER)


class FakeAutoFirma:
    """Opens an `afirma://sign?...` address like the application: retrieves the request from the
    retrieve servlet, deciphers it, signs the document, stores the answer in the storage servlet.

    `client` is a django.test.Client (anonymous: the application never has the user's session).
    `tamper` may change the signed bytes before they are sent, to test the server's checks.
    """

    def __init__(self, client: Any, p12: bytes, passphrase: str = "", tamper: Any = None) -> None:
        self.client, self.p12, self.passphrase, self.tamper = client, p12, passphrase, tamper
        self.last_request: dict[str, str] = {}

    @staticmethod
    def _path(url: str) -> str:
        parts = urlsplit(url)
        return parts.path

    def open(self, afirma_url: str) -> str:
        parts = urlsplit(afirma_url)
        assert parts.scheme == "afirma" and parts.netloc == "sign", afirma_url
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        key = query["key"]
        response = self.client.post(
            self._path(query["rtservlet"]), {"op": "get", "v": "1_0", "id": query["fileid"]}
        )
        text = response.content.decode().strip()
        if text.startswith("ERR-"):
            return text
        params = autofirma.parse_request_xml(autofirma.decipher(text, key))
        self.last_request = params
        assert params["op"] == "sign" and params["format"] == "PAdES", params
        signed = sign_pdf_with_p12(base64.b64decode(params["dat"]), self.p12, self.passphrase)
        if self.tamper is not None:
            signed = self.tamper(signed)
        data = autofirma.answer(
            certificate=certificate_der(self.p12, self.passphrase), signature=signed, key=key
        )
        stored = self.client.post(
            self._path(params["stservlet"]),
            {"op": "put", "v": "1_0", "id": params["id"], "dat": data},
        )
        return stored.content.decode().strip()
