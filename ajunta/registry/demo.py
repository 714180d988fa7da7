"""Demo data of the registry: units and a few entries for Manresa and a tiny council."""

from __future__ import annotations

from typing import Any

from ajunta.registry import services
from ajunta.registry.models import RegistryEntry, Unit

UNITS = {
    "manresa": ["Secretaria", "Urbanisme", "Serveis Socials", "Hisenda"],
    "mura": ["Secretaria"],
}
# The units' names in Spanish and English (Catalan above).
UNIT_NAMES = {
    "Secretaria": {"es": "Secretaría", "en": "Secretary's office"},
    "Urbanisme": {"es": "Urbanismo", "en": "Planning"},
    "Serveis Socials": {"es": "Servicios Sociales", "en": "Social Services"},
    "Hisenda": {"es": "Hacienda", "en": "Finance"},
}
FILINGS = [
    # (org, unit, channel, epigraph, summary, party)
    ("manresa", "Urbanisme", "in_person", "Llicència d'obres",
     "Sol·licitud de llicència d'obres menors per reformar la cuina", ("12345678Z", "Núria", "Puig")),
    ("manresa", "Serveis Socials", "electronic", "Instància genèrica",
     "Petició d'informe social per a l'ajut de menjador escolar", ("X1234567L", "Ahmed", "Benali")),
    ("manresa", "Hisenda", "post", "Recurs",
     "Recurs de reposició contra la liquidació de l'IBI 2026", ("87654321X", "Jordi", "Soler")),
    ("mura", "Secretaria", "in_person", "Instància genèrica",
     "Sol·licitud d'ús del local social per a la festa major", ("11111111H", "Marta", "Ferrer")),
]  # fmt: skip


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    clerks = {"manresa": users["staff.manresa"], "mura": users["secretaria.agrupada"]}
    for slug, names in UNITS.items():
        for name in names:
            if not Unit.objects.filter(organization=orgs[slug], name=name).exists():
                translations = {lang: {"name": text} for lang, text in UNIT_NAMES[name].items()}
                services.unit_create(
                    org=orgs[slug], actor=clerks[slug], name=name, translations=translations
                )
    for slug, unit_name, channel, epigraph, summary, (nif, name, surname) in FILINGS:
        org = orgs[slug]
        if RegistryEntry.objects.filter(organization=org, summary=summary).exists():
            continue
        services.registry_entry_create(
            org=org,
            actor=clerks[slug],
            direction="in",
            channel=channel,
            epigraph=epigraph,
            summary=summary,
            destination_unit=Unit.objects.get(organization=org, name=unit_name),
            parties=[
                {
                    "person_type": "natural",
                    "id_type": "E" if nif[0] in "XYZ" else "N",
                    "id_number": nif,
                    "name": name,
                    "first_surname": surname,
                }
            ],
        )
    manresa = orgs["manresa"]
    if not RegistryEntry.objects.filter(organization=manresa, direction="out").exists():
        services.registry_entry_create(
            org=manresa,
            actor=clerks["manresa"],
            direction="out",
            channel="electronic",
            epigraph="Comunicació",
            summary="Tramesa del conveni de col·laboració signat al Consell Comarcal",
            addressee_name="Consell Comarcal del Bages",
            parties=[],
        )
    stdout.write("  registry: units and sample entries for Manresa and Mura")
