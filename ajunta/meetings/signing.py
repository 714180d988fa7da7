"""The one place where this app signs a PDF (minutes, certificates of agreements).

It goes through the case files' signing entry point (`ajunta.cases.signing.get_signer`, setting
`CASES_SIGNER`): today the organization's seal on the server; when personal signatures (AutoFirma,
remote signing) plug in there, the minutes and certificates get them with no change here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ajunta.cases.signing import get_signer


@dataclass(frozen=True)
class Signed:
    content: bytes
    provider: str
    certificate: bool


def sign_pdf(pdf: bytes, *, org: Any, actor: Any, reason: str) -> Signed:
    signer = get_signer()
    name = actor.get_full_name() or actor.get_username() if actor is not None else org.name
    signed = signer.sign(pdf, org=org, signer_name=name, reason=reason)
    return Signed(content=signed.content, provider=signer.code, certificate=signed.certificate)
