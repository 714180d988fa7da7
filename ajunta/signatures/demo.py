"""Demo data: each demo council gets its own TEST seal (its receipts and books are sealed in its
own name, not the platform's), the mayor and the secretary of Manresa get NIFs and TEST personal
certificates (SEAL_DIR/persons/<username>.p12, to load into AutoFirma), and a decree of Manresa
waits for the mayor's signature. Runs before the registry's and the cases' demo (INSTALLED_APPS)."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.management import call_command

from ajunta.signatures.models import SignatureWorkflow

DEMO_NIFS = {"secretaria.manresa": "40000001B", "regidora.manresa": "40000002N"}
COUNCILS = ("manresa", "mura", "talamanca", "rajadell", "almazan")


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    for username, nif in DEMO_NIFS.items():
        user = users.get(username)
        if user is not None and not user.nif:
            user.nif = nif
            user.save(update_fields=["nif"])
    if not getattr(settings, "TESTING", False):  # the tests keep their files in temporary dirs
        call_command("make_test_certificates", "--force", "--org-seals",
                     *[slug for slug in COUNCILS if slug in orgs], stdout=io.StringIO())  # fmt: skip
    manresa = orgs.get("manresa")
    mayor, secretary = users.get("regidora.manresa"), users.get("secretaria.manresa")
    if manresa is None or mayor is None or secretary is None:
        return
    if SignatureWorkflow.objects.filter(organization=manresa).exists():
        stdout.write("  signatures: already seeded")
        return
    from ajunta.cases import decree_signing
    from ajunta.cases import services as case_services

    decree = case_services.decree_create(
        org=manresa, actor=secretary, title="Aprovació de la convocatòria d'ajuts al lloguer 2027",
        body="RESOLC:\n\nPrimer. Aprovar la convocatòria d'ajuts al pagament del lloguer per al "
        "2027.\n\nSegon. Publicar-la al tauler d'edictes.",
    )  # fmt: skip
    decree_signing.decree_send_for_signature(
        org=manresa, actor=secretary, decree=decree, mayor=mayor, secretary=secretary
    )
    stdout.write("  signatures: council seals, personal TEST certificates, a decree to sign")
