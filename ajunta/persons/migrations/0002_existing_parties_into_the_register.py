"""Move the interested parties already filed (registry entries and case files) into the register
of persons: one person per organization and identity number (the most recent filing gives the
names and contact), one address per distinct address filed, and every party pointed at its
person. The filed parties themselves are not changed (registry parties are sealed; `person_id`
is not a sealed column).
"""

import unicodedata

from django.db import migrations


def _norm(text):
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def forwards(apps, schema_editor):
    Person = apps.get_model("persons", "Person")
    Address = apps.get_model("persons", "Address")
    sources = [apps.get_model("registry", "InterestedParty"), apps.get_model("cases", "CaseParty")]
    # (organization, id_number) -> the parties, newest last
    groups = {}
    for model in sources:
        for party in model.objects.filter(person__isnull=True).order_by("id").iterator():
            key = (party.organization_id, (party.id_number or "").strip().upper())
            if key[1]:
                groups.setdefault(key, []).append(party)
    for (org_id, id_number), parties in groups.items():
        person = Person.objects.filter(
            organization_id=org_id, id_number=id_number, merged_into__isnull=True
        ).first()
        if person is None:
            latest = parties[-1]
            legal = latest.person_type == "legal"
            person = Person.objects.create(
                organization_id=org_id,
                person_type=latest.person_type or "natural",
                id_type=latest.id_type,
                id_number=id_number,
                name="" if legal else latest.name,
                company_name=latest.name if legal else "",
                first_surname="" if legal else latest.first_surname,
                second_surname="" if legal else latest.second_surname,
                email=next((p.email for p in reversed(parties) if p.email), ""),
                phone=next((p.phone for p in reversed(parties) if p.phone), ""),
                preferred_channel=next(
                    (getattr(p, "preferred_channel", "") for p in reversed(parties)
                     if getattr(p, "preferred_channel", "")), ""
                ),
            )
            person.search_document = " ".join(
                _norm(v) for v in (id_number, person.name, person.first_surname,
                                   person.second_surname, person.company_name, person.email)
                if v
            )
            person.save(update_fields=["search_document"])
            seen = set()
            for party in reversed(parties):
                street = (party.address or "").strip()
                if not street or _norm(street) in seen:
                    continue
                Address.objects.create(
                    organization_id=org_id, person=person, street=street,
                    postal_code=party.postal_code or "",
                    municipality_ine=getattr(party, "municipality_ine", "") or "",
                    province_code=getattr(party, "province_code", "") or "",
                    country_code=getattr(party, "country_code", "") or "724",
                    is_primary=not seen,
                )
                seen.add(_norm(street))
        for model in sources:
            ids = [p.pk for p in parties if isinstance(p, model)]
            if ids:
                model.objects.filter(pk__in=ids).update(person=person)


class Migration(migrations.Migration):
    dependencies = [
        ("persons", "0001_register_of_persons"),
        ("registry", "0009_party_references_the_register_of_persons"),
        ("cases", "0010_party_references_the_register_of_persons"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
