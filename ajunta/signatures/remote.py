"""Remote qualified signatures through the Cloud Signature Consortium API v2 (CSC), the protocol of
cloud signing services such as Cl@ve Firma's back-ends and the qualified trust service providers'
remote signing (issue 18, item 1b).

The signer's key never leaves the provider: Ajunta computes the PDF's signed attributes, sends
their SHA-256 to `signatures/signHash` with the signer's authorization (PIN and one-time code, as
`credentials/authorize` asks), and embeds the returned signature value with pyHanko. The result is
then checked like any other signature (`verification.check_signed_pdf`): the certificate must be
trusted, valid and carry the signer's NIF.

Settings: `SIGNATURES_CSC_URL` (the service's base URL, ".../csc/v2" appended), and
`SIGNATURES_CSC_TOKEN` (the OAuth 2.0 bearer token Ajunta holds as a relying party); the signer is
identified to the service by their NIF (`userID`). Without SIGNATURES_CSC_URL the option is not
offered. Contract-tested against a local fake CSC server (tests/test_remote.py); the real service
is not reachable from the development machine.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import urllib.error
import urllib.request
from typing import Any

from asn1crypto import algos
from asn1crypto import x509 as asn1_x509
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SHA256_OID = "2.16.840.1.101.3.4.2.1"
SHA256_WITH_RSA_OID = "1.2.840.113549.1.1.11"
TIMEOUT = 20  # seconds per call: the signer waits on the page


class CscError(Exception):
    """The service answered with an error (its "error"/"error_description") or not at all."""


def configured() -> bool:
    return bool(settings.SIGNATURES_CSC_URL)


class CscClient:
    """The four calls Ajunta needs, as JSON over HTTPS with the bearer token."""

    def __init__(self, base_url: str | None = None, token: str | None = None) -> None:
        self.base_url = (base_url or settings.SIGNATURES_CSC_URL).rstrip("/")
        self.token = token if token is not None else settings.SIGNATURES_CSC_TOKEN

    def call(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 (an https URL from the settings)
            f"{self.base_url}/csc/v2/{method}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            try:
                detail = json.loads(error.read() or b"{}")
            except ValueError:
                detail = {}
            raise CscError(
                detail.get("error_description") or detail.get("error") or f"HTTP {error.code}"
            ) from error
        except (urllib.error.URLError, TimeoutError, ValueError) as error:
            raise CscError(str(error)) from error
        if not isinstance(answer, dict):
            raise CscError("Not a JSON object.")
        return answer

    def credentials_list(self, user_id: str) -> list[str]:
        answer = self.call("credentials/list", {"userID": user_id})
        return [str(c) for c in answer.get("credentialIDs", [])]

    def credentials_info(self, credential_id: str) -> dict[str, Any]:
        return self.call("credentials/info", {
            "credentialID": credential_id, "certificates": "chain", "certInfo": True,
            "authInfo": True,
        })  # fmt: skip

    def authorize(self, credential_id: str, hashes: list[str], pin: str, otp: str) -> str:
        body: dict[str, Any] = {
            "credentialID": credential_id, "numSignatures": len(hashes), "hashes": hashes,
            "hashAlgorithmOID": SHA256_OID,
        }  # fmt: skip
        if pin:
            body["PIN"] = pin
        if otp:
            body["OTP"] = otp
        return str(self.call("credentials/authorize", body)["SAD"])

    def sign_hash(self, credential_id: str, sad: str, hashes: list[str]) -> list[bytes]:
        answer = self.call("signatures/signHash", {
            "credentialID": credential_id, "SAD": sad, "hashes": hashes,
            "hashAlgorithmOID": SHA256_OID, "signAlgo": SHA256_WITH_RSA_OID,
        })  # fmt: skip
        return [base64.b64decode(s) for s in answer.get("signatures", [])]


def _remote_signer(client: CscClient, credential_id: str, pin: str, otp: str) -> Any:
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    info = client.credentials_info(credential_id)
    if info.get("key", {}).get("status", "enabled") != "enabled":
        raise CscError("The signing key is disabled.")
    chain = [asn1_x509.Certificate.load(base64.b64decode(c))
             for c in info.get("cert", {}).get("certificates", [])]  # fmt: skip
    if not chain:
        raise CscError("The credential has no certificate.")
    size = int(info.get("key", {}).get("len", 2048))

    class CscSigner(signers.Signer):
        async def async_sign_raw(
            self, data: bytes, digest_algorithm: str, dry_run: bool = False
        ) -> bytes:
            if dry_run:
                return bytes(size // 8)
            digest = base64.b64encode(hashlib.sha256(data).digest()).decode()
            sad = client.authorize(credential_id, [digest], pin, otp)
            signatures = client.sign_hash(credential_id, sad, [digest])
            if len(signatures) != 1:
                raise CscError("The service returned no signature.")
            return signatures[0]

    return CscSigner(
        signing_cert=chain[0],
        cert_registry=SimpleCertificateStore.from_certs(chain),
        signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
    )


def sign_pdf_remotely(pdf: bytes, *, user_id: str, pin: str, otp: str,
                      client: CscClient | None = None) -> bytes:  # fmt: skip
    """`pdf` with one more PAdES signature made by the user's remote credential."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers

    client = client or CscClient()
    credentials = client.credentials_list(user_id)
    if not credentials:
        raise CscError("No signing credential for this person.")
    signer = _remote_signer(client, credentials[0], pin, otp)
    count = len(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=f"Signature{count + 1}", md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
    )  # fmt: skip
    output = signers.sign_pdf(writer, metadata, signer=signer)
    return bytes(output.getvalue())


def step_sign_remotely(*, org: Any, actor: Any, step: Any, pin: str, otp: str) -> Any:
    """Sign `step` with the signer's remote credential; the same checks as any signature."""
    from ajunta.core.documents import document_open
    from ajunta.signatures import services
    from ajunta.signatures.models import SignatureMethod

    if not configured():
        raise ValidationError(_("No remote signing service is configured."))
    nif = (getattr(actor, "nif", "") or "").strip().upper()
    if not nif:
        raise ValidationError(_("Your account has no NIF: ask an administrator to record it."))
    if not services.step_is_open(step):
        raise ValidationError(_("This step cannot be signed now."))
    with document_open(org=org, document=step.workflow.document) as handle:
        pdf = handle.read()
    try:
        signed = sign_pdf_remotely(pdf, user_id=nif, pin=pin, otp=otp)
    except CscError as error:
        raise ValidationError(
            _("The remote signing service refused: %(reason)s") % {"reason": error}
        ) from error
    return services.step_sign(org=org, actor=actor, step=step, signed_pdf=signed,
                              method=SignatureMethod.REMOTE)  # fmt: skip
