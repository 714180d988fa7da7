"""PAdES electronic seals on the PDFs Ajunta issues (receipts, books, decrees).

An organization seals with its own seal certificate, installed by the operator as
`SEAL_DIR/<org-slug>.p12` (`make_test_seal --org <slug>` makes a TEST one). The platform's seal
(`SEAL_DIR/platform.p12`) stands in for a member without its own only when
`SEAL_PLATFORM_FALLBACK` is on (by default with DEBUG: development and the demo); otherwise the
PDF goes unsealed and can still be checked through its secure verification code. All files share
the passphrase `SEAL_PASSPHRASE`.

A seal file that exists but cannot be read (wrong passphrase, damaged file) is logged as an error
and treated as absent, so that the registry keeps issuing receipts: `seal_available()` tells the
caller, before it prints a line saying the document is sealed.
`python manage.py make_test_seal` creates a self-signed platform seal for development and tests.

pyHanko is imported on first use, not with this module: it weighs some 25 MB in every process,
and a web worker without a seal file, or whose receipts a Celery worker seals, never needs it.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, load_der_private_key, pkcs12
from django.conf import settings

if TYPE_CHECKING:
    from pyhanko.sign import signers

logger = logging.getLogger(__name__)

PLATFORM_SEAL = "platform"
SEAL_FIELD = "AjuntaSeal"
SEAL_RESERVED = 8192  # bytes for the CMS signature: a seal certificate with a two-level chain


def seal_path(org: Any) -> Path | None:
    """The seal file that `org`'s documents are sealed with: its own; the platform's only where
    `SEAL_PLATFORM_FALLBACK` allows it (development and the demo)."""
    directory = Path(settings.SEAL_DIR)
    slug = getattr(org, "slug", "") or ""
    names = [slug]
    if getattr(settings, "SEAL_PLATFORM_FALLBACK", False):
        names.append(PLATFORM_SEAL)
    for name in names:
        if name and (path := directory / f"{name}.p12").is_file():
            return path
    return None


def seal_is_own(org: Any) -> bool:
    """Whether `org` seals with its own certificate (not the platform's stand-in)."""
    path = seal_path(org)
    return path is not None and path.stem == (getattr(org, "slug", "") or "")


@functools.cache
def _seal_signer_class() -> Callable[[signers.SimpleSigner], signers.SimpleSigner]:
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class SealSigner(signers.SimpleSigner):
        """pyHanko's SimpleSigner parses its private key again for every signature, and checking
        an RSA key costs some 100 ms; this one keeps the parsed key for the life of the process."""

        def __init__(self, loaded: signers.SimpleSigner) -> None:
            super().__init__(
                signing_cert=loaded.signing_cert,
                signing_key=loaded.signing_key,
                cert_registry=loaded.cert_registry,
            )
            self._private_key = load_der_private_key(loaded.signing_key.dump(), password=None)

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            try:
                algorithm = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            except ValueError:
                algorithm = ""
            if algorithm == "rsassa_pkcs1v15" and isinstance(self._private_key, RSAPrivateKey):
                return self._private_key.sign(
                    data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm)
                )
            return super().sign_raw(data, digest_algorithm)

    return SealSigner


@functools.lru_cache(maxsize=64)
def _load_signer(path: str, modified_ns: int, passphrase: str) -> signers.SimpleSigner | None:
    """The signer in a PKCS#12 file, kept while the file is unchanged (decrypting it is slow)."""
    from pyhanko.sign import signers

    try:
        data = Path(path).read_bytes()
        loaded = signers.SimpleSigner.load_pkcs12_data(
            data, other_certs=[], passphrase=passphrase.encode() if passphrase else None
        )
        return _seal_signer_class()(loaded)
    except (OSError, ValueError, TypeError):
        logger.error("Seal file %s cannot be read: documents go unsealed", path, exc_info=True)
        return None


def _signer_for(org: Any) -> signers.SimpleSigner | None:
    path = seal_path(org)
    if path is None:
        return None
    try:
        modified_ns = path.stat().st_mtime_ns
    except OSError:
        return None
    return _load_signer(str(path), modified_ns, settings.SEAL_PASSPHRASE or "")


def seal_available(org: Any) -> bool:
    """Whether `seal_pdf` will seal `org`'s documents."""
    return _signer_for(org) is not None


def seal_holder(org: Any) -> str:
    """Who the seal certificate names (its organization, else its common name); "" unsealed."""
    signer = _signer_for(org)
    if signer is None or signer.signing_cert is None:
        return ""
    subject = signer.signing_cert.subject.native
    return str(subject.get("organization_name") or subject.get("common_name") or "")


def seal_pdf(pdf_bytes: bytes, *, org: Any, reason: str = "", location: str = "") -> bytes:
    """`pdf_bytes` with a PAdES (B-B) seal of `org`, or unchanged when no seal is configured."""
    signer = _signer_for(org)
    if signer is None:
        return pdf_bytes
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.general import SigningError

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=SEAL_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or None,
        name=getattr(org, "name", None),
    )
    try:
        # Reserving room for the signature skips pyHanko's trial signature (half the time).
        output = signers.sign_pdf(writer, metadata, signer=signer, bytes_reserved=SEAL_RESERVED)
    except SigningError:  # a certificate chain too long for that room: let pyHanko measure
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        output = signers.sign_pdf(writer, metadata, signer=signer)
    return bytes(output.getvalue())


# --- checking ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignatureCheck:
    """What a PDF's first signature says: present, bytes unchanged, cryptographically valid, and
    issued by a trusted certificate."""

    signed: bool
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    signer: str = ""

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.valid and self.trusted


def installed_seal_certificates() -> list[asn1_x509.Certificate]:
    """The certificates of every seal file in SEAL_DIR (the trust roots of a test setup)."""
    certificates = []
    passphrase = (settings.SEAL_PASSPHRASE or "").encode() or None
    for path in sorted(Path(settings.SEAL_DIR).glob("*.p12")):
        try:
            _key, certificate, _others = pkcs12.load_key_and_certificates(
                path.read_bytes(), passphrase
            )
        except (OSError, ValueError):
            continue
        if certificate is not None:
            certificates.append(asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER)))
    return certificates


def verify_pdf_signature(
    pdf_bytes: bytes, *, trust_roots: list[asn1_x509.Certificate] | None = None
) -> SignatureCheck:
    """Validate the first signature of a PDF with pyHanko, offline.

    `trust_roots` defaults to the installed seal certificates, so that a self-signed test seal
    validates; a real deployment passes its trust list.
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
    if not reader.embedded_signatures:
        return SignatureCheck(signed=False)
    roots = installed_seal_certificates() if trust_roots is None else trust_roots
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    signature = reader.embedded_signatures[0]
    status = validate_pdf_signature(signature, context)
    subject = status.signing_cert.subject.native if status.signing_cert else {}
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        signer=str(subject.get("organization_name") or subject.get("common_name") or ""),
    )
