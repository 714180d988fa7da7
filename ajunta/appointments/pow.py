"""A proof-of-work challenge for the booking form under load, without third parties.

The server signs a random challenge with a time stamp; the browser finds a nonce such that
SHA-256(challenge + ":" + nonce) starts with `bits` zero bits (about 2**bits hashes, a second or
two on a phone at 18 bits) and sends it with the form. A solved challenge is accepted once and
for ten minutes. Asked for when one address has made many attempts in the hour.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache

SALT = "appointments.pow"
MAX_AGE = 600


def new_challenge() -> str:
    return signing.dumps(
        {"r": secrets.token_hex(8), "b": settings.APPOINTMENTS_POW_BITS}, salt=SALT
    )


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        bits += 8 - byte.bit_length()
        break
    return bits


def solve(challenge: str, bits: int) -> str:
    """For tests and scripts: what the browser does."""
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)


def verify(challenge: str, nonce: str) -> bool:
    try:
        data = signing.loads(challenge, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return False
    digest = hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()
    if leading_zero_bits(digest) < int(data["b"]):
        return False
    # Once only.
    return cache.add(
        f"appointments-pow:{hashlib.sha256(challenge.encode()).hexdigest()}", 1, MAX_AGE
    )
