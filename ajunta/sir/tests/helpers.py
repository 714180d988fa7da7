"""Shared set-up of the SIR tests: two member towns with DIR3 codes and an outgoing entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from ajunta.core.testing import TenantTestCase, use_temporary_media
from ajunta.registry import services as registry_services
from ajunta.sir import services
from ajunta.tenants.models import Organization
from ajunta.tenants.services import module_codes
from ajunta.tenants.testing import give_modules, make_provider

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
A_CODE, A_OFFICE = "L01080011", "O00009001"
B_CODE, B_OFFICE = "L01080022", "O00009002"
EXTERNAL = "E04990001"
NURIA = {
    "person_type": "natural", "id_type": "N", "id_number": "12345678Z", "name": "Núria",
    "first_surname": "Puig", "email": "nuria@example.org", "municipality_ine": "081136",
}  # fmt: skip


def outgoing(org: Any, actor: Any, *, attachments: int = 1, **extra: Any) -> Any:
    return registry_services.registry_entry_create(
        org=org, actor=actor, direction="out", channel="electronic", epigraph="Comunicació",
        summary="Trasllat de la sol·licitud de llicència", addressee_name="Ajuntament de Beta",
        parties=[NURIA], expone="Exposa", solicita="Sol·licita",
        attachments=[{"file": SimpleUploadedFile(f"doc{i}.pdf", PDF + bytes([65 + i])), "kind": "02"}
                     for i in range(attachments)],
        **extra,
    )  # fmt: skip


@override_settings(LANGUAGE_CODE="en")
class SirTestCase(TenantTestCase):
    """A and B are members with DIR3 codes and one registry office each, and an agreement in force
    with every module (SIR included: without it nothing is delivered to them)."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        Organization.objects.filter(pk=cls.org_a.pk).update(dir3_code=A_CODE)
        Organization.objects.filter(pk=cls.org_b.pk).update(dir3_code=B_CODE)
        cls.provider = make_provider(members=(cls.org_a, cls.org_b))
        for member in (cls.org_a, cls.org_b):
            give_modules(cls.provider, member, tuple(module_codes()))
        cls.org_a.refresh_from_db()
        cls.org_b.refresh_from_db()
        services.directory_entry_add(org=cls.org_a, actor=cls.alice, kind="office",
                                     code=A_OFFICE, name="OAMR Alpha", is_own=True)  # fmt: skip
        services.directory_entry_add(org=cls.org_b, actor=cls.charlie, kind="office",
                                     code=B_OFFICE, name="OAMR Beta", is_own=True)  # fmt: skip

    def setUp(self) -> None:
        super().setUp()
        self.media = use_temporary_media(self)
        self.outbox = Path(self.media) / "outbox"
        override = override_settings(SIR_OUTBOX_DIR=str(self.outbox))
        override.enable()
        self.addCleanup(override.disable)

    def outbox_files(self) -> list[Path]:
        return sorted(self.outbox.glob("*.xml")) if self.outbox.exists() else []
