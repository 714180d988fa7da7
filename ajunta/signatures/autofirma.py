"""The AutoFirma protocol, server side (the "storage" and "retrieve" servlets of Cliente @firma).

The Spanish government's signing application, AutoFirma, runs on the signer's computer with the
signer's certificate. A web page cannot talk to it directly; it opens an `afirma://` address and
the two meet on the server:

1. The server ciphers the request (operation, format, algorithm, the document in base64) with an
   8-digit key and keeps it under a random `file_id`. The page opens
   `afirma://sign?fileid=<file_id>&rtservlet=<retrieve URL>&key=<key>`.
2. AutoFirma asks the retrieve servlet for `op=get&v=1_0&id=<file_id>`, deciphers the XML
   (`<sign><e k="..." v="..."/>...</sign>`) and signs the document with the certificate the user
   picks (a PAdES signature for a PDF: the whole signed PDF comes back).
3. AutoFirma posts `op=put&v=1_0&id=<session id>&dat=<answer>` to the storage servlet (`stservlet`
   in the request); the answer is `<ciphered certificate>|<ciphered signature>`.
4. Meanwhile the page polls this server (htmx) until the answer has arrived; the server deciphers
   it, checks the signature and the certificate, and completes the signer's step.

Ciphering: DES in ECB mode with the key's 8 ASCII bytes, the data padded with zero bytes to a whole
block; written as `<number of padding bytes>.<URL-safe base64>`. DES is weak: the cipher only keeps
the document from being readable on the way; the protection is TLS, random single-use ids, a short
expiry, and the server checking the signature it gets back against the document it sent.

Servlet answers are plain text: "OK" once stored, the data when found, "ERR-xx:=message" else.
"""

from __future__ import annotations

import base64
import secrets
from urllib.parse import urlencode
from xml.sax.saxutils import quoteattr

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from defusedxml import ElementTree

BLOCK = 8
ERROR_MISSING_ID = "ERR-05:=Missing data id"
ERROR_INVALID_ID = "ERR-06:=Invalid data id"  # unknown, expired or already used: never which
ERROR_MISSING_DATA = "ERR-07:=Missing data"
ERROR_TOO_LARGE = "ERR-08:=Data too large"
ERROR_OPERATION = "ERR-03:=Unsupported operation"
ERROR_VERSION = "ERR-02:=Missing syntax version"
OK = "OK"


class ProtocolError(ValueError):
    """An answer that does not follow the protocol (bad cipher, bad XML, missing parts)."""


def new_key() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(8))


def new_id() -> str:
    return secrets.token_urlsafe(24)[:32]


def _des(key: str) -> Cipher:
    raw = key.encode("ascii")
    if len(raw) != BLOCK:
        raise ProtocolError("The cipher key must be 8 characters.")
    # Single DES, expressed as three-key DES with the same key three times (the library's way).
    return Cipher(TripleDES(raw * 3), modes.ECB())  # noqa: S305 (the protocol's own cipher)


def cipher(data: bytes, key: str) -> str:
    padding = (BLOCK - len(data) % BLOCK) % BLOCK
    encryptor = _des(key).encryptor()
    body = encryptor.update(data + b"\0" * padding) + encryptor.finalize()
    return f"{padding}.{base64.urlsafe_b64encode(body).decode('ascii')}"


def decipher(text: str, key: str) -> bytes:
    try:
        padding_text, body = text.strip().split(".", 1)
        padding = int(padding_text)
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError) as error:
        raise ProtocolError("Not a ciphered text.") from error
    if not 0 <= padding < BLOCK or len(raw) % BLOCK:
        raise ProtocolError("Not a ciphered text.")
    decryptor = _des(key).decryptor()
    data = decryptor.update(raw) + decryptor.finalize()
    return data[: len(data) - padding] if padding else data


def request_xml(params: dict[str, str]) -> bytes:
    """The request AutoFirma retrieves: `<sign><e k="name" v="value"/>...</sign>`."""
    entries = "".join(f"<e k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in params.items())
    return f"<sign>{entries}</sign>".encode()


def parse_request_xml(data: bytes) -> dict[str, str]:
    try:
        root = ElementTree.fromstring(data)
    except Exception as error:  # defusedxml refuses entities and DTDs; any parse error is ours
        raise ProtocolError("Not a request document.") from error
    if root.tag != "sign":
        raise ProtocolError("Not a request document.")
    params: dict[str, str] = {}
    for entry in root.findall("e"):
        name, value = entry.get("k"), entry.get("v")
        if name is None or value is None or name in params:
            raise ProtocolError("A malformed or repeated parameter.")
        params[name] = value
    return params


def launch_url(*, file_id: str, key: str, retrieve_url: str) -> str:
    """The `afirma://` address the page opens: where to fetch the request and how to read it."""
    return "afirma://sign?" + urlencode({"fileid": file_id, "rtservlet": retrieve_url, "key": key})


def answer(*, certificate: bytes, signature: bytes, key: str) -> str:
    """What AutoFirma stores: the signer's certificate and the signature, each ciphered."""
    return f"{cipher(certificate, key)}|{cipher(signature, key)}"


def read_answer(text: str, key: str) -> tuple[bytes, bytes]:
    """(certificate DER, signature) from a stored answer; ProtocolError for anything else (an
    error code such as "CANCEL" or "SAF_..." from the application included)."""
    text = text.strip()
    if "|" not in text:
        raise ProtocolError(text[:200] or "Empty answer.")
    certificate, signature = text.split("|", 1)
    return decipher(certificate, key), decipher(signature, key)
