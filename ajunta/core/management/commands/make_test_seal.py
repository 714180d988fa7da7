"""Create a self-signed TEST seal certificate as SEAL_DIR/platform.p12 (development and tests only).

Documents sealed with it show a valid, intact seal in a validator told to trust it, and an
untrusted one anywhere else: it proves the sealing works, never who issued a document.
Production installs a real seal certificate (a qualified electronic seal of the provider or of
each organization) in SEAL_DIR instead.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.core.seal import PLATFORM_SEAL

VALID_DAYS = 5 * 365
# A seal signs (digital signature + non-repudiation); being its own root, it also signs itself.
SEAL_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=True, key_encipherment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
    encipher_only=False, decipher_only=False,
)  # fmt: skip
# A seal signs (digital signature + non-repudiation); being its own root, it also signs itself.
SEAL_KEY_USAGE = x509.KeyUsage(
    digital_signature=True, content_commitment=True, key_encipherment=False,
    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
    encipher_only=False, decipher_only=False,
)  # fmt: skip


def provider_name() -> str:
    """The organization that runs this deployment, for the certificate's O=; "Ajunta" before one
    exists."""
    organization = apps.get_model(settings.AJUNTA_ORGANIZATION_MODEL)
    provider = organization.objects.filter(is_provider=True).order_by("pk").first()
    return str(provider.name) if provider else "Ajunta"


def make_seal_file(path: Path, *, organization: str, passphrase: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ES"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization[:64]),
            x509.NameAttribute(NameOID.COMMON_NAME, "Ajunta TEST seal — not valid"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(SEAL_KEY_USAGE, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    data = pkcs12.serialize_key_and_certificates(
        b"Ajunta TEST seal", key, certificate, None, encryption
    )
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_suffix(".p12.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    temporary.replace(path)


class Command(BaseCommand):
    help = (
        "Create a self-signed TEST seal certificate as SEAL_DIR/platform.p12 (or <org>.p12). "
        "Only with DEBUG=1 unless --force; does nothing when the file already exists."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="run even without DEBUG (a test setup)"
        )
        parser.add_argument(
            "--org", default="", help="create SEAL_DIR/<slug>.p12, an organization's own seal"
        )
        parser.add_argument(
            "--organization-name", default="", help="the certificate's O= (default: the provider)"
        )

    def handle(
        self, *args: Any, force: bool, org: str, organization_name: str, **options: Any
    ) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "make_test_seal creates a seal nobody should trust: it runs only with DEBUG=1 "
                "(or --force for a test setup)."
            )
        path = Path(settings.SEAL_DIR) / f"{org or PLATFORM_SEAL}.p12"
        if path.exists():
            self.stdout.write(f"{path} already exists; left as it is.")
            return
        make_seal_file(
            path,
            organization=organization_name or provider_name(),
            passphrase=settings.SEAL_PASSPHRASE or "",
        )
        self.stdout.write(self.style.SUCCESS(f"Created the TEST seal {path}."))
