"""Signing PDFs of case files and decrees behind a small interface.

`Signer.sign()` takes PDF bytes and returns them signed. The built-in `PlatformSealSigner` embeds a
PAdES signature with the organization's certificate through core.seal (pyHanko). An external
signature service (a qualified-signature portal, Portafirmes, @firma) plugs in as another class
named in the setting `CASES_SIGNER` ("package.module.ClassName").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from ajunta.core.seal import seal_available, seal_pdf


@dataclass(frozen=True)
class SignedPdf:
    content: bytes
    certificate: bool  # a certificate signature is embedded in `content`


class Signer(Protocol):
    code: str

    def sign(self, pdf: bytes, *, org: Any, signer_name: str, reason: str) -> SignedPdf: ...


class PlatformSealSigner:
    """The organization's certificate (else the platform's) on the server, via pyHanko."""

    code = "platform"

    def sign(self, pdf: bytes, *, org: Any, signer_name: str, reason: str) -> SignedPdf:
        if not seal_available(org):
            return SignedPdf(content=pdf, certificate=False)
        signed = seal_pdf(pdf, org=org, reason=f"{reason} ({signer_name})"[:200])
        return SignedPdf(content=signed, certificate=True)


def get_signer() -> Signer:
    path = getattr(settings, "CASES_SIGNER", "")
    if not path:
        return PlatformSealSigner()
    signer: Signer = import_string(path)()
    return signer
