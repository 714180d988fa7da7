"""Demo data of SIR: registry offices for Manresa and Mura, a few external DIR3 offices, and
interchanges to click through: one waiting in Mura's pending tray, one accepted by Mura (Manresa
sees Mura's number), and one sent to the State's registry through the outbox."""

from __future__ import annotations

from typing import Any

from ajunta.registry import services as registry_services
from ajunta.sir import services
from ajunta.sir.models import DirectoryEntry, Interchange

OFFICES = {
    # slug: (office code, name)
    "manresa": ("O00009081", "Oficina d'Atenció Ciutadana de Manresa"),
    "mura": ("O00009082", "Registre General de Mura"),
}
EXTERNAL_CSV = (
    "code,name,kind,parent\n"
    "O00001234,Oficina de Registre de la Subdelegació del Govern a Barcelona,office,E04990001\n"
    "O00007777,Oficina de Registre del Departament de Territori,office,A09002970\n"
    "A09006789,Servei Territorial d'Urbanisme a la Catalunya Central,unit,A09002970\n"
    "L02000008,Diputació de Barcelona,unit,\n"
)
SENDS = [
    # (summary, destination slug or external code, accept?)
    ("Trasllat de la sol·licitud d'ajut per a la rehabilitació de façanes", "mura", False),
    ("Comunicació de l'acord de cessió del local social", "mura", True),
    ("Remissió de l'expedient de ruïna a la Subdelegació del Govern", "O00001234", False),
]


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    clerks = {"manresa": users["staff.manresa"], "mura": users["secretaria.agrupada"]}
    for slug, (code, name) in OFFICES.items():
        if not DirectoryEntry.objects.filter(organization=orgs[slug], code=code).exists():
            services.directory_entry_add(
                org=orgs[slug], actor=clerks[slug], kind="office", code=code, name=name, is_own=True
            )
    manresa = orgs["manresa"]
    if Interchange.objects.filter(organization=manresa).exists():
        return  # seeded before: a second run adds nothing
    services.directory_import_csv(
        org=manresa, actor=users["secretaria.manresa"], data=EXTERNAL_CSV.encode()
    )
    for summary, destination, accept in SENDS:
        entry = registry_services.registry_entry_create(
            org=manresa, actor=clerks["manresa"], direction="out", channel="electronic",
            epigraph="Comunicació", summary=summary, addressee_name="Ajuntament de Mura",
            parties=[{"person_type": "natural", "id_type": "N", "id_number": "12345678Z",
                      "name": "Núria", "first_surname": "Puig"}],
            expone="Es trasllada la documentació per a la seva tramitació.",
        )  # fmt: skip
        code = OFFICES[destination][0] if destination in OFFICES else destination
        services.interchange_send(org=manresa, actor=clerks["manresa"], entry=entry,
                                  destination_code=code)  # fmt: skip
        if accept:
            pending = Interchange.objects.get(
                organization=orgs[destination], side="in", origin_entry_number=entry.number
            )
            services.interchange_accept(org=orgs[destination], actor=clerks[destination],
                                        interchange=pending)  # fmt: skip
    stdout.write("  sir: offices, external DIR3 directory, interchanges Manresa → Mura and State")
