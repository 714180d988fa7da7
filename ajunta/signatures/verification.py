"""Checking a personal signature before it counts (issue 18): the signed PDF is the document sent
plus one signature, that signature is intact and valid, its certificate was valid when it signed
and was issued by a trusted authority, and it is the signer's: the NIF in the certificate is the
NIF on the signer's account.

Trusted issuers are the CA certificates (PEM or DER) in `SIGNATURES_TRUSTED_CA_DIR`: in production
the qualified providers the organization accepts (FNMT-RCM, AOC, ...); in the demo and the tests,
the TEST authority `make_test_certificates` creates. Revocation (OCSP/CRL) is not fetched here: the
server validates offline, so a revoked-but-unexpired certificate is not caught yet (docs/signatures.md).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.es import nie, nif

# Spanish personal certificates carry the holder's NIF in the subject's serialNumber, as
# "IDCES-12345678Z" (ETSI EN 319 412-1 semantics) or bare "12345678Z".
_NIF_IN_SERIAL = re.compile(r"^(?:IDC?ES-)?([0-9XYZ][0-9]{7}[A-Z])$")


@dataclass(frozen=True)
class SignatureFacts:
    subject: str
    nif: str
    issuer: str
    serial: str
    not_after: dt.datetime
    signed_at: dt.datetime | None


def trusted_issuers() -> list[asn1_x509.Certificate]:
    """The CA certificates in SIGNATURES_TRUSTED_CA_DIR."""
    directory = Path(settings.SIGNATURES_TRUSTED_CA_DIR)
    roots: list[asn1_x509.Certificate] = []
    if not directory.is_dir():
        return roots
    for path in sorted(directory.iterdir()):
        if path.suffix.lower() not in (".pem", ".crt", ".cer", ".der"):
            continue
        data = path.read_bytes()
        try:
            if pem.detect(data):
                for _type, _headers, der in pem.unarmor(data, multiple=True):
                    roots.append(asn1_x509.Certificate.load(der))
            else:
                roots.append(asn1_x509.Certificate.load(data))
        except ValueError:
            continue
    return roots


def nif_of(certificate: asn1_x509.Certificate) -> str:
    """The holder's NIF or NIE in a personal certificate, "" when it carries none."""
    serial = str(certificate.subject.native.get("serial_number") or "").strip().upper()
    match = _NIF_IN_SERIAL.match(serial)
    if not match:
        return ""
    value = match.group(1)
    valid = nie.is_valid(value) if value[0] in "XYZ" else nif.is_valid(value)
    return value if valid else ""


def _name(name: asn1_x509.Name) -> str:
    return str(name.human_friendly)[:300]


def check_signed_pdf(*, original: bytes, signed: bytes, signer_nif: str) -> SignatureFacts:
    """Check the signature AutoFirma or a remote service returned for `original`; the facts of the
    new signature, or a ValidationError listing everything that is wrong."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    if not signed.startswith(original) or len(signed) <= len(original):
        # One incremental revision on top of the very bytes sent: nothing before it changed.
        raise ValidationError(
            _("The signed file is not the document sent for signature with a signature added.")
        )
    try:
        reader = PdfFileReader(io.BytesIO(signed), strict=False)
        signatures = list(reader.embedded_signatures)
    except Exception as error:  # pyHanko raises many types for a damaged PDF
        raise ValidationError(_("The signed file is not a readable PDF.")) from error
    before = len(PdfFileReader(io.BytesIO(original), strict=False).embedded_signatures)
    if len(signatures) != before + 1:
        raise ValidationError(_("The signed file must add exactly one signature."))
    roots = trusted_issuers()
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    problems = []
    for earlier in signatures[:-1]:  # checked when they arrived; still intact on top of them?
        status = validate_pdf_signature(
            earlier, ValidationContext(trust_roots=roots, allow_fetching=False)
        )
        if not (status.intact and status.valid):
            problems.append(_("An earlier signature no longer validates."))
    status = validate_pdf_signature(signatures[-1], context)
    certificate = status.signing_cert
    if not (status.intact and status.valid):
        problems.append(_("The signature does not match the document."))
    now = dt.datetime.now(dt.UTC)
    if certificate is None:
        raise ValidationError(_("The signature carries no certificate."))
    validity = certificate["tbs_certificate"]["validity"]
    not_before = validity["not_before"].native
    not_after = validity["not_after"].native
    if not (not_before <= now <= not_after):
        problems.append(
            _("The certificate is not valid today (valid from %(start)s to %(end)s).")
            % {"start": not_before.date().isoformat(), "end": not_after.date().isoformat()}
        )
    elif not status.trusted:
        problems.append(
            _("The certificate was not issued by a trusted authority (%(issuer)s).")
            % {"issuer": _name(certificate.issuer)}
        )
    holder = nif_of(certificate)
    wanted = (signer_nif or "").strip().upper()
    if not wanted:
        problems.append(_("Your account has no NIF: ask an administrator to record it."))
    elif holder != wanted:
        problems.append(
            _("The certificate belongs to %(holder)s, not to the signer (NIF %(nif)s).")
            % {"holder": _name(certificate.subject), "nif": wanted}
        )
    if problems:
        raise ValidationError(problems)
    return SignatureFacts(
        subject=_name(certificate.subject),
        nif=holder,
        issuer=_name(certificate.issuer),
        serial=format(certificate.serial_number, "x")[:64],
        not_after=not_after,
        signed_at=status.signer_reported_dt,
    )
