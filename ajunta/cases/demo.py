"""Demo data of the case module: provider templates, adopted procedures, case files with
documents, tasks, a decree and a notification waiting for the demo citizen in the portal."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile

from ajunta.cases import pdfs, services
from ajunta.cases.models import Case, Procedure
from ajunta.registry import selectors as registry_selectors

TEMPLATES = [
    # code, name, classification, deadline, unit, silence, phases, required documents
    ("OBRES-MENORS", "Llicència d'obres menors", "Urbanisme", 1, "months", "positive",
     "inici: Inici\ninforme: Informe tècnic\nresolucio: Resolució", "Memòria de l'obra\nPressupost"),
    ("AJUT-URGENCIA", "Ajut d'urgència social", "Serveis socials", 3, "months", "negative",
     "inici: Inici\nvaloracio: Valoració social\nresolucio: Resolució", "Informe social"),
    ("QUEIXA", "Queixa o suggeriment", "Atenció ciutadana", 30, "business_days", "none",
     "inici: Recepció\nresposta: Resposta", ""),
]  # fmt: skip
# The templates' names and descriptions in every language (code: {language: (name, description)}):
# a member in Soria reads them in Spanish, an English-speaking user in English.
TEMPLATE_TEXTS = {
    "OBRES-MENORS": {
        "ca": ("Llicència d'obres menors", "Obres que no afecten l'estructura ni la façana de l'edifici."),
        "es": ("Licencia de obras menores", "Obras que no afectan a la estructura ni a la fachada del edificio."),
        "en": ("Minor works licence", "Works that do not affect the building's structure or façade."),
    },
    "AJUT-URGENCIA": {
        "ca": ("Ajut d'urgència social", "Ajut econòmic puntual per a necessitats bàsiques."),
        "es": ("Ayuda de urgencia social", "Ayuda económica puntual para necesidades básicas."),
        "en": ("Emergency social aid", "One-off financial help for basic needs."),
    },
    "QUEIXA": {
        "ca": ("Queixa o suggeriment", "Una queixa o un suggeriment sobre els serveis municipals."),
        "es": ("Queja o sugerencia", "Una queja o una sugerencia sobre los servicios municipales."),
        "en": ("Complaint or suggestion", "A complaint or a suggestion about municipal services."),
    },
    "VIA-PUBLICA": {
        "ca": ("Ocupació de la via pública", "Terrasses, bastides i altres ocupacions temporals."),
        "es": ("Ocupación de la vía pública", "Terrazas, andamios y otras ocupaciones temporales."),
        "en": ("Use of the public highway", "Terraces, scaffolding and other temporary uses."),
    },
}  # fmt: skip


def texts(code: str) -> dict:
    """procedure_create's arguments for the text: Catalan given, Spanish and English translated."""
    by_language = TEMPLATE_TEXTS[code]
    return {
        "name": by_language["ca"][0],
        "description": by_language["ca"][1],
        "translations": {
            language: {"name": name, "description": description}
            for language, (name, description) in by_language.items()
            if language != "ca"
        },
    }


def _template(provider: Any, admin: Any, row: tuple) -> Procedure:
    code, _name, classification, value, unit, silence, phases, required = row
    existing = Procedure.objects.filter(organization=provider, code=code).first()
    if existing is not None:
        return existing
    return services.procedure_create(
        org=provider, actor=admin, code=code, **texts(code), classification=classification,
        deadline_value=value, deadline_unit=unit, silence_effect=silence, phases=phases,
        required_documents=required, is_template=True,
    )  # fmt: skip


def _adopt(org: Any, actor: Any, template: Procedure) -> Procedure:
    existing = Procedure.objects.filter(organization=org, code=template.code).first()
    return existing or services.procedure_adopt(org=org, actor=actor, template=template)


def _entry(org: Any, summary: str) -> Any:
    return registry_selectors.entries(org=org).filter(summary=summary).first()


def _pdf(org: Any, title: str, text: str) -> ContentFile:
    return ContentFile(
        pdfs.generated_document_pdf(org=org, title=title, text=text), name=f"{title}.pdf"
    )


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    provider, manresa, mura = orgs["ccbages"], orgs["manresa"], orgs["mura"]
    if Case.objects.filter(organization=manresa).exists():
        stdout.write("  cases: already seeded")
        return
    secretary, clerk, councillor = (
        users["secretaria.manresa"],
        users["staff.manresa"],
        users["regidora.manresa"],
    )
    templates = [_template(provider, users["provider.admin"], row) for row in TEMPLATES]
    works, social, complaint = (_adopt(manresa, secretary, t) for t in templates)
    street = services.procedure_create(
        org=manresa, actor=secretary, code="VIA-PUBLICA", **texts("VIA-PUBLICA"),
        classification="Via pública", deadline_value=15, deadline_unit="business_days",
        silence_effect="positive", phases="inici: Inici\nresolucio: Resolució",
    )  # fmt: skip

    requirement = services.document_template_save(
        org=manresa, actor=secretary, name="Requeriment d'esmena", document_type="TD06",
        body="Expedient $case_number ($subject)\n\nBenvolgut/da $party_name,\n\nUs requerim que en "
        "el termini de 10 dies hàbils aporteu la documentació que falta (art. 68 de la Llei "
        "39/2015). Si no ho feu, se us tindrà per desistit de la vostra sol·licitud.\n\n"
        "$organization, $today",
    )  # fmt: skip

    # A citizen's application from the registry opens a case: its deadline counts business days
    # from the filing on Manresa's calendar, local holidays included.
    entry = _entry(manresa, "Sol·licitud de llicència d'obres menors per reformar la cuina")
    if entry is not None:
        works_case = services.case_open_from_entry(
            org=manresa, actor=clerk, entry=entry, procedure=works, responsible=clerk
        )
    else:
        works_case = services.case_open(
            org=manresa, actor=clerk, procedure=works, responsible=clerk,
            subject="Reforma de la cuina",
            parties=[{"person_type": "natural", "id_type": "N", "id_number": "12345678Z",
                      "name": "Núria", "first_surname": "Puig"}],
        )  # fmt: skip
    services.case_change_phase(org=manresa, actor=clerk, case=works_case, phase="informe")
    services.case_document_add(
        org=manresa, actor=clerk, case=works_case, title="Memòria de l'obra",
        uploaded_file=_pdf(manresa, "Memoria de l'obra", "Substitució del paviment i dels mobles de la cuina."),
        document_type="TD14", origin=0,
    )  # fmt: skip
    services.task_create(
        org=manresa, actor=secretary, case=works_case, title="Informe tècnic de l'arquitecta",
        assignee=clerk, due_date=dt.date.today() + dt.timedelta(days=5),
    )  # fmt: skip

    aid = services.case_open(
        org=manresa, actor=clerk, procedure=social, subject="Ajut per al pagament del lloguer",
        responsible=secretary,
        parties=[{"person_type": "natural", "id_type": "E", "id_number": "X1234567L",
                  "name": "Ahmed", "first_surname": "Benali"}],
    )  # fmt: skip
    services.case_document_generate(org=manresa, actor=clerk, case=aid,
                                    title="Requeriment d'esmena", template=requirement)  # fmt: skip
    services.case_suspend(org=manresa, actor=clerk, case=aid,
                          reason="Requeriment d'esmena: falta l'informe social")  # fmt: skip
    services.task_create(
        org=manresa, actor=secretary, case=aid, title="Revisar l'esmena quan arribi",
        assignee=clerk, due_date=dt.date.today() - dt.timedelta(days=2),
    )  # fmt: skip

    terrace = services.case_open(
        org=manresa, actor=clerk, procedure=street, subject="Terrassa del bar de la plaça Major",
        responsible=clerk,
        parties=[{"person_type": "legal", "id_type": "C", "id_number": "B58378431",
                  "name": "Cafè Plaça SL"}],
    )  # fmt: skip
    services.case_relate(org=manresa, actor=clerk, case=terrace, other=works_case)
    services.case_open(org=manresa, actor=clerk, procedure=complaint,
                       subject="Queixa pel soroll de la recollida nocturna")  # fmt: skip

    decree = services.decree_create(
        org=manresa, actor=clerk, case=terrace, title="Autorització de terrassa a la plaça Major",
        body="Vist l'expedient i l'informe favorable,\n\nRESOLC autoritzar l'ocupació de la via "
        "pública amb una terrassa de 4 taules fins al 31 de desembre.",
    )  # fmt: skip
    services.decree_sign(org=manresa, actor=councillor, decree=decree)
    services.decree_take_note(org=manresa, actor=secretary, decree=decree)
    services.decree_create(org=manresa, actor=clerk, title="Aprovació de la llista d'admesos",
                           body="RESOLC aprovar la llista provisional d'admesos.")  # fmt: skip

    # Mura: the demo citizen (ciutada, Marta Ferrer) has a notification waiting in the portal.
    mura_admin = users["secretaria.agrupada"]
    hall = _adopt(mura, mura_admin, templates[2])
    # Almazán (Soria, Spanish) adopts the provider's templates too: its staff read them in Spanish.
    if "almazan" in orgs and "secretario.almazan" in users:
        for template in templates:
            _adopt(orgs["almazan"], users["secretario.almazan"], template)
    request = _entry(mura, "Sol·licitud d'ús del local social per a la festa major")
    if request is not None:
        local = services.case_open_from_entry(
            org=mura, actor=mura_admin, entry=request, procedure=hall
        )
    else:
        local = services.case_open(
            org=mura, actor=mura_admin, procedure=hall, subject="Ús del local social",
            parties=[{"person_type": "natural", "id_type": "N", "id_number": "11111111H",
                      "name": "Marta", "first_surname": "Ferrer"}],
        )  # fmt: skip
    answer = services.case_document_generate(
        org=mura, actor=mura_admin, case=local, title="Resposta a la sol·licitud",
        template_text="Benvolguda $party_name,\n\nEn relació amb l'expedient $case_number ($subject), "
        "us comuniquem que podeu fer servir el local social el dia de la festa major.",
        document_type="TD06",
    )  # fmt: skip
    signed = services.case_document_sign(org=mura, actor=mura_admin, case_document=answer)
    party = local.parties.first()
    if party is not None:
        services.notification_send(org=mura, actor=mura_admin, case_document=signed, party=party)
    stdout.write("  cases: templates, procedures, case files, a decree and a notification")
