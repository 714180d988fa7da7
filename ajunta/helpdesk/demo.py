"""Demo data of the helpdesk: the Consell Comarcal del Bages' categories, SLA targets, a group,
escalation rules, a few knowledge-base articles and tickets from Manresa, Mura and Almazán in
every state of their life, with time logged, so the queues, reports and statistics show something.
"""

from __future__ import annotations

import io
from typing import Any

from django.db import models

from ajunta.assets import demo as assets_demo
from ajunta.assets.models import Asset
from ajunta.helpdesk import services
from ajunta.helpdesk.models import Article, Category, SlaTarget, Survey, TechnicianGroup, Ticket

CATEGORIES = {
    "Maquinari": ["Ordinadors", "Impressores"],
    "Programari": ["Ofimàtica", "Gestió municipal"],
    "Xarxa": ["Wi-Fi", "Fibra i router"],
    "Serveis de telecomunicacions": [],
    "Ciberseguretat": ["Correu brossa i pesca", "Antivirus"],
    "Plataforma d'administració electrònica": ["Seu electrònica", "Registre", "Signatura"],
}
# The categories' names in Spanish and English (Catalan above).
CATEGORY_NAMES = {
    "Maquinari": ("Hardware", "Hardware"),
    "Ordinadors": ("Ordenadores", "Computers"),
    "Impressores": ("Impresoras", "Printers"),
    "Programari": ("Software", "Software"),
    "Ofimàtica": ("Ofimática", "Office software"),
    "Gestió municipal": ("Gestión municipal", "Municipal management"),
    "Xarxa": ("Red", "Network"),
    "Wi-Fi": ("Wi-Fi", "Wi-Fi"),
    "Fibra i router": ("Fibra y router", "Fibre and router"),
    "Serveis de telecomunicacions": ("Servicios de telecomunicaciones", "Telecom services"),
    "Ciberseguretat": ("Ciberseguridad", "Cybersecurity"),
    "Correu brossa i pesca": ("Correo basura y phishing", "Spam and phishing"),
    "Antivirus": ("Antivirus", "Antivirus"),
    "Plataforma d'administració electrònica": ("Plataforma de administración electrónica", "E-government platform"),
    "Seu electrònica": ("Sede electrónica", "Online office"),
    "Registre": ("Registro", "Registry"),
    "Signatura": ("Firma", "Signatures"),
}  # fmt: skip


def category_translations(name: str) -> dict[str, dict[str, str]]:
    spanish, english = CATEGORY_NAMES[name]
    return {"es": {"name": spanish}, "en": {"name": english}}


# priority -> (time to own, time to resolve) in business minutes
TARGETS = {5: (30, 240), 4: (60, 480), 3: (120, 1260), 2: (240, 2100), 1: (480, 4200)}
TICKETS = [
    # (member, requester, category, urgency, title, description, what happens next)
    ("manresa", "staff.manresa", "Impressores", 3, "La impressora de l'OAC no imprimeix",
     "Surt l'error «paper encallat» però no n'hi ha.", "solve"),
    ("manresa", "secretaria.manresa", "Signatura", 5, "No puc signar decrets",
     "El certificat de la secretària diu que ha caducat.", "progress"),
    ("mura", "secretaria.agrupada", "Fibra i router", 4, "Sense connexió a internet",
     "Des d'aquest matí no hi ha connexió a l'ajuntament.", "pending"),
    ("mura", "secretaria.agrupada", "Correu brossa i pesca", 3, "Correu sospitós",
     "Hem rebut un correu que demana la contrasenya del banc.", "new"),
    ("almazan", "secretario.almazan", "Seu electrònica", 2, "Actualizar el texto de la sede",
     "Hay que cambiar el horario de atención.", "closed"),
]  # fmt: skip
# Tickets naming inventory assets (by their tag or agent device id) or asking for a catalogue
# service: (member, requester, category, title, description, asset tags, service code).
LINKED_TICKETS = [
    ("manresa", "staff.manresa", "Antivirus", "L'antivirus d'urbanisme està desactivat",
     "El tauler d'inventari diu que l'equip d'urbanisme no té l'antivirus actiu.",
     ["MAN-URB-01"], ""),
    ("mura", "secretaria.agrupada", "Impressores", "La impressora de secretaria fa ratlles",
     "Totes les còpies surten amb una ratlla negra al marge.", ["MUR-IMP-001"], ""),
    ("manresa", "secretaria.manresa", "", "Voldríem enregistrar els plens",
     "Ens interessen les videoactes per al Ple de setembre.", [], "video-meetings"),
]  # fmt: skip


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    provider = orgs["ccbages"]
    admin, tech = users["provider.admin"], users["provider.tech"]
    if not Category.objects.filter(organization=provider).exists():
        for parent_name, children in CATEGORIES.items():
            parent = services.category_create(
                org=provider, actor=admin, name=parent_name,
                translations=category_translations(parent_name),
            )  # fmt: skip
            for child in children:
                services.category_create(
                    org=provider, actor=admin, name=child, parent=parent,
                    translations=category_translations(child),
                )  # fmt: skip
    if not SlaTarget.objects.filter(organization=provider).exists():
        # Members whose agreement buys the "priority" level get half the standard times.
        for level, factor in (("standard", 1), ("priority", 2)):
            for priority, (own, resolve) in TARGETS.items():
                services.sla_target_set(
                    org=provider, actor=admin, level=level, priority=priority,
                    own_minutes=own // factor, resolve_minutes=resolve // factor,
                )  # fmt: skip
    if not TechnicianGroup.objects.filter(organization=provider).exists():
        group = services.group_create(
            org=provider, actor=admin, name="Suport TIC", members=[admin, tech]
        )
        services.escalation_rule_create(
            org=provider, actor=admin, kind="resolve", percent=75, action="notify"
        )
        services.escalation_rule_create(
            org=provider, actor=admin, kind="own", percent=100, action="reassign", group=group
        )
    if not Article.objects.filter(organization=provider).exists():
        services.article_save(
            org=provider, actor=admin, is_public=True, title="Com reiniciar el router de fibra",
            body="1. Apagueu el router.\n2. Espereu **30 segons**.\n3. Enceneu-lo i espereu "
            "que el llum *PON* quedi fix.",
        )  # fmt: skip
        services.article_save(
            org=provider, actor=admin, is_public=False, title="Renovació de certificats de càrrec",
            body="Procediment intern amb l'AOC: sol·licitud, validació i instal·lació.",
        )  # fmt: skip
    if Ticket.objects.filter(provider=provider).exists():
        stdout.write("  helpdesk: already seeded")
        return
    _seed_linked(orgs=orgs, users=users)
    for slug, username, category_name, urgency, title, description, then in TICKETS:
        org, requester = orgs[slug], users[username]
        category = Category.objects.get(organization=provider, name=category_name)
        ticket = services.ticket_create(
            org=org, actor=requester, title=title, description=description,
            category=category, urgency=urgency,
        )  # fmt: skip
        if then == "new":
            continue
        services.ticket_assign(org=provider, actor=admin, ticket=ticket, technician=tech)
        services.followup_add(
            org=provider, actor=tech, ticket=ticket, minutes_spent=20,
            body="Ho estem mirant. / Lo estamos revisando.",
        )  # fmt: skip
        if then == "pending":
            services.ticket_set_status(org=provider, actor=tech, ticket=ticket, status="pending")
        if then in ("solve", "closed"):
            services.task_add(
                org=provider, actor=tech, ticket=ticket, description="Visita presencial",
                minutes_spent=60,
            )  # fmt: skip
            services.ticket_solve(
                org=provider, actor=tech, ticket=ticket, minutes_spent=15,
                solution="Resolt. / Resuelto.",
            )  # fmt: skip
        if then == "closed":
            services.ticket_accept(org=org, actor=requester, ticket=ticket, comment="Gràcies")
    walk_ticket(
        provider=provider, member=orgs["manresa"], requester=users["staff.manresa"],
        technician=tech, admin=admin,
    )  # fmt: skip
    _seed_telecom(provider=provider, member=orgs["mura"], requester=users.get("secretaria.agrupada"),
                  admin=admin, tech=tech)  # fmt: skip
    stdout.write(
        "  helpdesk: categories, SLA targets, a group, articles, sample tickets and one walked "
        "through its whole life to its survey"
    )


def walk_ticket(
    *, provider: Any, member: Any, requester: Any, technician: Any, admin: Any
) -> Ticket:
    """One ticket through its whole life, as people would: opened by the member, assigned, answered,
    solved with time spent, accepted (closed), its satisfaction survey sent at once through the
    provider's "send surveys now" and answered. The statistics and the survey then show something
    the moment the demo starts (`manage.py helpdesk_demo_ticket` walks another one)."""
    category = Category.objects.filter(organization=provider, name="Ofimàtica").first()
    ticket = services.ticket_create(
        org=member, actor=requester, title="El full de càlcul es tanca sol",
        description="Cada cop que obro el pressupost, el programa es tanca.", category=category,
    )  # fmt: skip
    services.ticket_assign(org=provider, actor=admin, ticket=ticket, technician=technician)
    services.followup_add(
        org=provider, actor=technician, ticket=ticket, minutes_spent=10,
        body="Ho mirem en remot aquesta tarda. / Lo miramos en remoto esta tarde.",
    )  # fmt: skip
    services.ticket_solve(
        org=provider, actor=technician, ticket=ticket, minutes_spent=25,
        solution="Actualitzat el paquet ofimàtic i reparat el fitxer. / Actualizado y reparado.",
    )  # fmt: skip
    services.ticket_accept(org=member, actor=requester, ticket=ticket, comment="Ja funciona!")
    services.surveys_send_now(org=provider, actor=admin)
    if Survey.objects.filter(ticket=ticket).exists():  # unless the sampling rate left it out
        services.survey_answer(
            org=member, actor=requester, ticket=ticket, score=5, comment="Ràpids i amables."
        )
    ticket.refresh_from_db()
    return ticket


def _seed_linked(*, orgs: dict[str, Any], users: dict[str, Any]) -> None:
    """Tickets that name assets and a service request. Apps seed in INSTALLED_APPS order and the
    helpdesk comes before the inventory, so the inventory's (idempotent) seed runs here first."""
    if not Asset.objects.filter(organization=orgs["mura"], inventory_tag="MUR-IMP-001").exists():
        # Silently: the inventory's own seed says what it made when its turn comes.
        assets_demo.seed(orgs=orgs, users=users, stdout=io.StringIO())
    provider = orgs["ccbages"]
    for slug, username, category_name, title, description, tags, service in LINKED_TICKETS:
        org = orgs[slug]
        assets = Asset.objects.filter(organization=org).filter(
            models.Q(inventory_tag__in=tags) | models.Q(device_id__in=tags)
        )
        category = (
            Category.objects.get(organization=provider, name=category_name)
            if category_name
            else None
        )
        services.ticket_create(
            org=org, actor=users[username], title=title, description=description,
            category=category, assets=list(assets), service=service or None, notify=False,
        )  # fmt: skip


def _seed_telecom(*, provider: Any, member: Any, requester: Any, admin: Any, tech: Any) -> None:
    """Two operators and a line fault escalated to one of them (issue 19, telecom faults)."""
    from ajunta.helpdesk import telecom

    operator = telecom.telecom_operator_save(
        org=provider, actor=admin, name="Operador de xarxa fixa", email="averies@operador.invalid",
        sla_hours=8,
    )  # fmt: skip
    telecom.telecom_operator_save(org=provider, actor=admin, name="Operador mòbil",
                                  email="noc@mobil.invalid", sla_hours=24)  # fmt: skip
    if requester is None:
        return
    ticket = services.ticket_create(
        org=member, actor=requester, title="Sense línia telefònica a l'ajuntament",
        description="Des d'aquest matí no hi ha to a la centraleta.",
    )  # fmt: skip
    fault = telecom.telecom_fault_set(
        org=provider, actor=tech, ticket=ticket, operator=operator, service="fixed_line",
        service_id="93 000 00 00", address="Plaça de l'Ajuntament, 1",
    )  # fmt: skip
    telecom.telecom_escalate(org=provider, actor=tech, fault=fault)
    telecom.telecom_update(org=provider, actor=tech, fault=fault, operator_reference="AV-2026-0412")
