"""TEST certificates for personal signatures: a TEST certification authority and, for each person,
a certificate shaped like a Spanish qualified personal certificate (subject serialNumber
"IDCES-<NIF>", given name, surname, C=ES) issued by it. For development, the demo and the tests
only: `manage.py make_test_certificates` writes them; nobody outside trusts them.

Files: SEAL_DIR/test-ca.p12 (the authority, kept to issue more), SIGNATURES_TRUSTED_CA_DIR/
ajunta-test-ca.pem (what the server trusts), SEAL_DIR/persons/<username>.p12 (each person's, with
the passphrase SEAL_PASSPHRASE): what the person loads into AutoFirma.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

CA_FILE = "test-ca.p12"
TRUSTED_FILE = "ajunta-test-ca.pem"
PERSONS_DIR = "persons"


@dataclass(frozen=True)
class Authority:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate


# TEST material is valid from well before it is made: a demo or a test that travels back in time
# (time-machine; CI moves the clock 18 months ahead) still finds the certificates in force.
TEST_BACKDATING = dt.timedelta(days=3 * 365)


def _encryption(passphrase: str) -> serialization.KeySerializationEncryption:
    if passphrase:
        return serialization.BestAvailableEncryption(passphrase.encode())
    return serialization.NoEncryption()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    temporary.replace(path)


def new_authority(name: str = "Ajunta TEST personal certificates CA — not valid") -> Authority:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ajunta TEST"),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ])  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - TEST_BACKDATING)
        .not_valid_after(now + dt.timedelta(days=10 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return Authority(key=key, certificate=certificate)


def person_certificate(
    authority: Authority, *, nif: str, first_name: str, last_name: str,
    not_before: dt.datetime | None = None, not_after: dt.datetime | None = None,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:  # fmt: skip
    """A personal signing certificate for `nif` issued by `authority`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    full = f"{first_name} {last_name}".strip().upper()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IDCES-{nif}"),
        x509.NameAttribute(NameOID.GIVEN_NAME, first_name.upper() or "-"),
        x509.NameAttribute(NameOID.SURNAME, last_name.upper() or "-"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{full} - {nif}"[:64]),
    ])  # fmt: skip
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(authority.certificate.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - TEST_BACKDATING)
        .not_valid_after(not_after or now + dt.timedelta(days=2 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            authority.key.public_key()), critical=False)
        .sign(authority.key, hashes.SHA256())
    )  # fmt: skip
    return key, certificate


def pkcs12_bytes(
    key: rsa.RSAPrivateKey, certificate: x509.Certificate, chain: list[x509.Certificate],
    passphrase: str, name: str = "Ajunta TEST",
) -> bytes:  # fmt: skip
    return pkcs12.serialize_key_and_certificates(
        name.encode(), key, certificate, chain or None, _encryption(passphrase)
    )


def load_or_create_authority() -> Authority:
    """The TEST authority of this installation (SEAL_DIR/test-ca.p12), created on first use; its
    certificate is (re)written into the trusted CA directory."""
    path = Path(settings.SEAL_DIR) / CA_FILE
    passphrase = settings.SEAL_PASSPHRASE or ""
    if path.is_file():
        key, certificate, _others = pkcs12.load_key_and_certificates(
            path.read_bytes(), passphrase.encode() or None
        )
        assert isinstance(key, rsa.RSAPrivateKey) and certificate is not None
        authority = Authority(key=key, certificate=certificate)
    else:
        authority = new_authority()
        _write(path, pkcs12_bytes(authority.key, authority.certificate, [], passphrase,
                                  "Ajunta TEST CA"))  # fmt: skip
    trusted = Path(settings.SIGNATURES_TRUSTED_CA_DIR) / TRUSTED_FILE
    _write(trusted, authority.certificate.public_bytes(serialization.Encoding.PEM))
    return authority


def person_file(username: str) -> Path:
    return Path(settings.SEAL_DIR) / PERSONS_DIR / f"{username}.p12"


def ensure_person_certificate(user: object, authority: Authority) -> Path | None:
    """SEAL_DIR/persons/<username>.p12 for `user` (kept when it exists); None without a NIF."""
    nif = str(getattr(user, "nif", "") or "").strip().upper()
    if not nif:
        return None
    path = person_file(user.get_username())  # type: ignore[attr-defined]
    if path.is_file():
        return path
    key, certificate = person_certificate(
        authority, nif=nif, first_name=getattr(user, "first_name", ""),
        last_name=getattr(user, "last_name", ""),
    )  # fmt: skip
    _write(path, pkcs12_bytes(key, certificate, [authority.certificate],
                              settings.SEAL_PASSPHRASE or ""))  # fmt: skip
    return path
