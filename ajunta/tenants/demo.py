"""Demo data of the members module: the Consell Comarcal del Bages's members, fee rules (free under
1,000 inhabitants from 2021, paid by the Diputació de Barcelona), its services catalogue, agreements
2026-2029, training sessions and a visit, and its public website in three languages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ajunta.tenants import services
from ajunta.tenants.models import (
    Agreement,
    AgreementKind,
    CatalogueService,
    FeeRule,
    Membership,
    Organization,
    OrganizationKind,
    PublicPage,
    SiteIdentity,
    TrainingSession,
)

CATALOGUE = [
    # (code, name, module, included in membership, price, requestable by, description)
    ("helpdesk", "Suport informàtic (helpdesk)", "helpdesk", True, None, "all",
     "Incidències i peticions dels ajuntaments, amb temps de resposta garantit."),
    ("registry", "Registre electrònic", "registry", True, None, "all",
     "Registre general d'entrada i sortida amb justificant i CSV."),
    ("case-files", "Gestió d'expedients", "cases", True, None, "all",
     "Expedients electrònics, decrets i notificacions."),
    ("sir", "Intercanvi registral (SIR)", "sir", True, None, "all",
     "Enviament i recepció d'assentaments amb altres administracions."),
    ("it-inventory", "Inventari informàtic", "assets", True, None, "all",
     "Equips, servidors i seguretat dels ajuntaments."),
    ("training", "Formació i visites", "training", True, None, "all",
     "Sessions de grup per a ajuntaments petits i sessions individuals."),
    ("cemetery", "Gestió de cementiris", "", True, None, "municipalities",
     "Nínxols, concessions i consulta pública."),
    ("legal-advice", "Assessorament jurídic i tècnic", "", True, None, "municipalities",
     "Informes jurídics i tècnics per a secretaries i alcaldies."),
    ("procurement", "Contractació agregada", "", True, None, "all",
     "Compres conjuntes d'electricitat, telefonia i assegurances."),
    ("video-meetings", "Videoactes i plens telemàtics", "meetings", False, Decimal("600.00"), "all",
     "Enregistrament i publicació de les sessions del Ple."),
    ("broadband-study", "Estudi de banda ampla", "", False, Decimal("1500.00"), "municipalities",
     "Diagnosi de la cobertura i propostes de desplegament."),
    ("telecom-incidents", "Incidències de telecomunicacions", "", True, None, "all",
     "Gestió d'incidències amb els operadors."),
    ("participation", "Participació ciutadana", "", False, Decimal("900.00"), "municipalities",
     "Pressupostos participatius i consultes."),
    ("appointments", "Cita prèvia", "appointments", True, None, "municipalities",
     "Cita prèvia a les oficines municipals, amb recordatoris i pantalla de torns."),
]  # fmt: skip
# The catalogue in Spanish and English (code: {language: (name, description)}); Catalan above.
CATALOGUE_TRANSLATIONS = {
    "helpdesk": {
        "es": ("Soporte informático (helpdesk)", "Incidencias y peticiones de los ayuntamientos, con tiempo de respuesta garantizado."),
        "en": ("IT support (helpdesk)", "Incidents and requests from member councils, with guaranteed response times."),
    },
    "registry": {
        "es": ("Registro electrónico", "Registro general de entrada y salida con justificante y CSV."),
        "en": ("Electronic registry", "General registry of incoming and outgoing entries, with receipt and verification code."),
    },
    "case-files": {
        "es": ("Gestión de expedientes", "Expedientes electrónicos, decretos y notificaciones."),
        "en": ("Case file management", "Electronic case files, decrees and notifications."),
    },
    "sir": {
        "es": ("Intercambio registral (SIR)", "Envío y recepción de asientos con otras administraciones."),
        "en": ("Registry interchange (SIR)", "Sending and receiving registry entries to and from other administrations."),
    },
    "it-inventory": {
        "es": ("Inventario informático", "Equipos, servidores y seguridad de los ayuntamientos."),
        "en": ("IT inventory", "Computers, servers and security of the member councils."),
    },
    "training": {
        "es": ("Formación y visitas", "Sesiones de grupo para ayuntamientos pequeños y sesiones individuales."),
        "en": ("Training and visits", "Group sessions for small councils and one-to-one sessions."),
    },
    "cemetery": {
        "es": ("Gestión de cementerios", "Nichos, concesiones y consulta pública."),
        "en": ("Cemetery management", "Niches, burial rights and public look-up."),
    },
    "legal-advice": {
        "es": ("Asesoramiento jurídico y técnico", "Informes jurídicos y técnicos para secretarías y alcaldías."),
        "en": ("Legal and technical advice", "Legal and technical reports for secretaries and mayors."),
    },
    "procurement": {
        "es": ("Contratación agregada", "Compras conjuntas de electricidad, telefonía y seguros."),
        "en": ("Aggregated procurement", "Joint purchasing of electricity, telephony and insurance."),
    },
    "video-meetings": {
        "es": ("Videoactas y plenos telemáticos", "Grabación y publicación de las sesiones del Pleno."),
        "en": ("Video minutes and online council meetings", "Recording and publication of full council meetings."),
    },
    "broadband-study": {
        "es": ("Estudio de banda ancha", "Diagnóstico de la cobertura y propuestas de despliegue."),
        "en": ("Broadband study", "Coverage assessment and roll-out proposals."),
    },
    "telecom-incidents": {
        "es": ("Incidencias de telecomunicaciones", "Gestión de incidencias con los operadores."),
        "en": ("Telecom incidents", "Handling incidents with the operators."),
    },
    "participation": {
        "es": ("Participación ciudadana", "Presupuestos participativos y consultas."),
        "en": ("Citizen participation", "Participatory budgets and consultations."),
    },
    "appointments": {
        "es": ("Cita previa", "Cita previa en las oficinas municipales, con recordatorios y pantalla de turnos."),
        "en": ("Appointments", "Appointments at municipal offices, with reminders and a turn-calling screen."),
    },
}  # fmt: skip
FEE_RULES = [
    # (valid from, min, max, amount, paid by the sponsor)
    (dt.date(2019, 1, 1), 0, 999, Decimal("300.00"), False),
    (dt.date(2019, 1, 1), 1000, 4999, Decimal("600.00"), False),
    (dt.date(2019, 1, 1), 5000, 19999, Decimal("1200.00"), False),
    (dt.date(2019, 1, 1), 20000, None, Decimal("2500.00"), False),
    (dt.date(2021, 1, 1), 0, 999, Decimal("300.00"), True),  # free for the member from 2021
]
AGREEMENTS = {
    # member slug: (services, support hours a year, service level)
    "manresa": (["helpdesk", "registry", "case-files", "sir", "it-inventory", "training",
                 "legal-advice", "appointments"], 120, "priority"),
    "mura": (["helpdesk", "registry", "case-files", "sir", "it-inventory", "training",
              "cemetery", "appointments"], 20, "standard"),
    # A tiny council that takes only a few services: its staff see only those modules.
    "talamanca": (["helpdesk", "registry", "training"], 10, "standard"),
    # Almazán (Soria) files its case files here too; members with no agreement see the helpdesk only.
    "almazan": (["helpdesk", "registry", "case-files", "sir", "it-inventory"], 20, "standard"),
}  # fmt: skip
PAGES = [
    # (slug, kind, menu position, {language: (title, body)})
    ("home", "page", None, {
        "ca": ("Benvinguts al Consell Comarcal del Bages",
               "Donem servei d'administració electrònica als municipis del Bages: registre, "
               "expedients, suport informàtic i formació.\n\n[Vull adherir-me](/join/)"),
        "es": ("Bienvenidos al Consell Comarcal del Bages",
               "Prestamos servicios de administración electrónica a los municipios del "
               "Bages: registro, expedientes, soporte informático y formación.\n\n"
               "[Quiero adherirme](/join/)"),
        "en": ("Welcome to the Consell Comarcal del Bages",
               "We provide e-government services to the municipalities of Bages: registry, "
               "case files, IT support and training.\n\n[Apply to join](/join/)"),
    }),
    ("history", "page", 1, {
        "ca": ("Qui som", "El Consell Comarcal del Bages es va constituir el 1988.\n\n"
                          "## Òrgans de govern\n\n- Ple del Consell\n- Junta de Govern\n"
                          "- Presidència"),
        "es": ("Quiénes somos", "El Consell Comarcal del Bages se constituyó en 1988.\n\n"
                                "## Órganos de gobierno\n\n- Pleno\n- Junta de Gobierno\n"
                                "- Presidencia"),
        "en": ("Who we are", "The Consell Comarcal del Bages was set up in 1988.\n\n"
                             "## Governing bodies\n\n- Plenary council\n- Governing board\n"
                             "- Presidency"),
    }),
    ("statutes", "page", 2, {
        "ca": ("Estatuts", "Els estatuts regulen l'organització i les competències del Consell."),
        "es": ("Estatutos", "Los estatutos regulan la organización y las competencias del Consell."),
        "en": ("Statutes", "The statutes set out the organization and the powers of the Consell."),
    }),
    ("president", "page", 3, {
        "ca": ("Presentació del president",
               "Treballem perquè cap ajuntament, per petit que sigui, quedi enrere."),
        "es": ("Presentación del presidente",
               "Trabajamos para que ningún ayuntamiento, por pequeño que sea, se quede atrás."),
        "en": ("The president's welcome",
               "We work so that no council, however small, is left behind."),
    }),
    ("agreements-2026", "news", None, {
        "ca": ("Signats els convenis 2026-2029", "Els ajuntaments renoven els convenis de serveis."),
        "es": ("Firmados los convenios 2026-2029", "Los ayuntamientos renuevan sus convenios."),
        "en": ("2026-2029 agreements signed", "Member councils renew their service agreements."),
    }),
]  # fmt: skip


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    provider = orgs["ccbages"]
    actor = users["provider.admin"]
    sponsor = Organization.objects.filter(slug="diba").first() or services.organization_create(
        actor=None, slug="diba", name="Diputació de Barcelona",
        kind=OrganizationKind.PROVINCIAL_COUNCIL, province_code="08",
        autonomous_community_code="09", dir3_code="L02000008",
    )  # fmt: skip
    _memberships(provider, actor, orgs)
    _catalogue(provider, actor)
    _fees(provider, actor, sponsor)
    _agreements(provider, actor, orgs, sponsor)
    _training(provider, actor, orgs)
    _pages(provider, actor)
    _identity(provider, actor)
    stdout.write("  members: memberships, fees, catalogue, agreements, training and public pages")


def _memberships(provider: Organization, actor: Any, orgs: dict[str, Any]) -> None:
    for index, (_slug, org) in enumerate(sorted(orgs.items())):
        if org.pk == provider.pk or Membership.objects.filter(organization=provider, member=org):
            continue
        start = dt.date(2010 + index % 12, 1 + index % 12, 1)
        services.membership_enter(org=provider, actor=actor, member=org, start_date=start)
    if not Membership.objects.filter(organization=provider, ine_code="080018").exists():
        services.membership_apply(
            org=provider, actor=None, applicant_name="Abrera", applicant_kind="municipality",
            ine_code="080018", population=12800, contact_name="Secretaria municipal",
            contact_email="secretaria@abrera.example",
        )  # fmt: skip


def _catalogue(provider: Organization, actor: Any) -> None:
    for code, name, module, included, price, who, description in CATALOGUE:
        if not CatalogueService.objects.filter(organization=provider, code=code).exists():
            services.catalogue_service_create(
                org=provider, actor=actor, code=code, name=name, module=module,
                included_in_membership=included, price=price, requestable_by=who,
                description=description,
                translations={
                    language: {"name": text[0], "description": text[1]}
                    for language, text in CATALOGUE_TRANSLATIONS[code].items()
                },
            )  # fmt: skip


def _fees(provider: Organization, actor: Any, sponsor: Organization) -> None:
    if FeeRule.objects.filter(organization=provider).exists():
        return
    for valid_from, low, high, amount, sponsored in FEE_RULES:
        services.fee_rule_create(
            org=provider, actor=actor, valid_from=valid_from, min_population=low,
            max_population=high, amount=amount, payer="sponsor" if sponsored else "member",
            sponsor=sponsor if sponsored else None,
        )  # fmt: skip


def _agreements(
    provider: Organization, actor: Any, orgs: dict[str, Any], sponsor: Organization
) -> None:
    if not Agreement.objects.filter(organization=provider, member=sponsor).exists():
        services.agreement_create(
            org=provider, actor=actor, member=sponsor, kind=AgreementKind.SPONSORSHIP,
            title="Conveni de patrocini de les quotes dels municipis petits",
            start_date=dt.date(2021, 1, 1), end_date=dt.date(2029, 12, 31),
        )  # fmt: skip
    for slug, (codes, hours, level) in AGREEMENTS.items():
        member = orgs[slug]
        if Agreement.objects.filter(organization=provider, member=member).exists():
            continue
        services.agreement_create(
            org=provider, actor=actor, member=member, title=f"Conveni 2026-2029 · {member.name}",
            start_date=dt.date(2026, 1, 1), end_date=dt.date(2029, 12, 31),
            services=CatalogueService.objects.filter(organization=provider, code__in=codes),
            support_hours_per_year=hours, sla_level=level,
        )  # fmt: skip


def _training(provider: Organization, actor: Any, orgs: dict[str, Any]) -> None:
    if TrainingSession.objects.filter(organization=provider).exists():
        return
    soon = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    group = services.training_session_create(
        org=provider, actor=actor, kind="group", title="Registre electrònic: primers passos",
        description="Sessió de grup per als ajuntaments de menys de 500 habitants.",
        starts_at=soon + dt.timedelta(days=7), ends_at=soon + dt.timedelta(days=7, hours=3),
        place="Seu del Consell Comarcal, Manresa", capacity=20, max_population=500,
    )  # fmt: skip
    services.enrolment_add(org=provider, actor=actor, session=group, member=orgs["talamanca"])
    services.training_session_create(
        org=provider, actor=actor, kind="individual", title="Expedients i decrets",
        starts_at=soon + dt.timedelta(days=14), ends_at=soon + dt.timedelta(days=14, hours=2),
        place="Ajuntament de Manresa",
    )  # fmt: skip
    services.training_session_create(
        org=provider, actor=actor, kind="visit", title="Visita a l'Ajuntament de Mura",
        starts_at=soon + dt.timedelta(days=10), ends_at=soon + dt.timedelta(days=10, hours=2),
        place="Mura", visited=orgs["mura"],
    )  # fmt: skip


def _identity(provider: Organization, actor: Any) -> None:
    """The demo website's identity (made-up contact details; example.org addresses)."""
    if SiteIdentity.objects.filter(organization=provider).exists():
        return
    services.site_identity_save(
        org=provider, actor=actor, legal_name="Consell Comarcal del Bages", tax_id="P5800001J",
        address="Carrer de la Muralla del Carme, 13", postcode="08241", town="Manresa",
        phone="938 000 000", email="info@ccbages.example.org",
        opening_hours="De dilluns a divendres, de 9 a 14 h",
        mastodon="https://mastodon.example.org/@ccbages",
        dpo_name="Delegació de protecció de dades", dpo_email="dpd@ccbages.example.org",
        accessibility_conformance="partial",
        accessibility_exceptions="Alguns documents PDF antics no són accessibles.",
        accessibility_statement_date=dt.date(2026, 1, 15),
        accessibility_review_date=dt.date(2026, 11, 30),
        translations={
            "es": {"opening_hours": "De lunes a viernes, de 9 a 14 h",
                   "accessibility_exceptions": "Algunos documentos PDF antiguos no son accesibles."},
            "en": {"opening_hours": "Monday to Friday, 9 am to 2 pm",
                   "accessibility_exceptions": "Some old PDF documents are not accessible."},
        },
    )  # fmt: skip


def _pages(provider: Organization, actor: Any) -> None:
    for slug, kind, menu, versions in PAGES:
        for language, (title, body) in versions.items():
            if PublicPage.objects.filter(organization=provider, slug=slug, language=language):
                continue
            services.public_page_save(
                org=provider, actor=actor, slug=slug, language=language, kind=kind,
                title=title, body=body, menu_order=menu, published_on=dt.date(2026, 1, 15),
            )  # fmt: skip
