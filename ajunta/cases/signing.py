"""Signing PDFs of case files and decrees behind a small interface.

`Signer.sign()` takes PDF bytes and returns them signed. The built-in `PlatformSealSigner` embeds a
PAdES seal with the organization's own seal certificate through core.seal (pyHanko; the platform's
seal stands in only where SEAL_PLATFORM_FALLBACK allows it). An external signature service plugs in
as another class named in the setting `CASES_SIGNER` ("package.module.ClassName").

Signatures by persons (the mayor, the secretary) with their own certificates do not go through
here: they are signature workflows (ajunta.signatures, cases.decree_signing; docs/signatures.md).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from ajunta.core.seal import seal_available, seal_path, seal_pdf

if TYPE_CHECKING:  # pyHanko loads on first use (see core.seal)
    from pyhanko.sign import signers

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignedPdf:
    content: bytes
    certificate: bool  # a certificate signature is embedded in `content`


class Signer(Protocol):
    code: str

    def sign(self, pdf: bytes, *, org: Any, signer_name: str, reason: str) -> SignedPdf: ...


class PlatformSealSigner:
    """The organization's seal certificate on the server, via pyHanko (core.seal)."""

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


def sign_detached(data: bytes, *, org: Any) -> bytes | None:
    """A detached CAdES (CMS) signature of `data` with the organization's seal certificate (the
    same file core.seal signs PDFs with), DER-encoded; None when no certificate is installed.

    For XML that must stay byte-exact, such as the ENI index (signature type TF04).
    """
    path = seal_path(org)
    if path is None:
        return None
    try:
        signer = _pkcs12_signer(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError, TypeError):
        logger.error("Seal file %s cannot be read: the index goes without CAdES", path)
        return None
    content_info = asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True))
    return bytes(content_info.dump())


@functools.lru_cache(maxsize=16)
def _pkcs12_signer(path: str, modified_ns: int) -> signers.SimpleSigner:
    """The signer in a seal file, kept while the file is unchanged (decrypting it is slow)."""
    from pyhanko.sign import signers

    passphrase = settings.SEAL_PASSPHRASE or ""
    loaded = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase.encode() or None)
    if loaded is None:
        raise ValueError(f"No signer in {path}")
    return loaded
