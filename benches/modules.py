"""Scale data of the modules beside the registry: memberships, helpdesk tickets, IT inventory.

Used by benches.generate; rows are COPY text (tab-separated, `\\N` for NULL). Invariants kept:

- memberships: every generated municipality is an ACTIVE member of the provider (organization 1),
  so the provider's queues and inventory cover them all;
- tickets: numbered in the provider's series `helpdesk.ticket` per year of opening (local time),
  1..n in order of opening, `core_counter` holding n (as `core.numbering.next_number` leaves it),
  number `2026-000123`; SLA targets from the provider's `helpdesk_slatarget` rows, due instants
  computed by the app's own `BusinessCalendar`; statuses by age (old tickets closed, recent ones
  spread over the queue), with the follow-ups those statuses imply;
- assets: computers (most inventoried by the agent, with installed software and network
  interfaces), printers, phones, network devices; one active agent token per organization, whose
  plain text `agent_token_plain(org_id)` the load driver sends;
- case files: each organization's own procedures (the catalogue's usual ones), cases numbered in
  the series `cases.case` per organization and year of opening (local time), 1..n in order of
  opening with `core_counter` holding n, number `2026/000123` (the default format); one or two
  parties, a few tasks, a status by age (old cases resolved, closed or archived), the due date
  from the procedure's deadline; an index of 0-4 documents, all pointing at the organization's
  one shared `core_document` row (its file is never read by the pages measured, and is not
  written: the bench's MEDIA_ROOT is empty).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterator
from itertools import accumulate
from typing import Any

NULL = "\\N"
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def esc(value: str) -> str:
    return value.translate(COPY_ESCAPES)


def agent_token_plain(org_id: int) -> str:
    """The bench's agent token of organization `org_id` (only its SHA-256 is stored)."""
    return "ajt_bench_" + hashlib.sha256(f"bench-agent-{org_id}".encode()).hexdigest()[:32]


def agent_device_id(org_id: int, n: int) -> str:
    return f"PC-{org_id:04d}-{n:05d}-2024-01-08-09-00-00"


COLUMNS = {
    "tenants_membership": "id, organization_id, member_id, status, applicant_name, applicant_kind, "
    "ine_code, population, contact_name, contact_email, contact_phone, notes, applied_on, "
    "start_date, end_date, decision_reason, created_at",
    "helpdesk_category": "id, organization_id, parent_id, name, full_name, is_active",
    "helpdesk_slatarget": "id, organization_id, level, priority, own_minutes, resolve_minutes",
    "helpdesk_ticket": "id, organization_id, provider_id, year, sequence, number, ticket_type, "
    "category_id, title, description, channel, urgency, impact, priority, status, requester_id, "
    "requester_email, created_by_id, assigned_to_id, assigned_group_id, opened_at, sla_level, "
    "own_target_minutes, resolve_target_minutes, own_due_at, resolve_due_at, "
    "paused_business_seconds, paused_since, owned_at, solved_at, closed_at, reopen_count, "
    "external_reference, updated_at",
    "helpdesk_followup": "id, organization_id, ticket_id, kind, author_id, body, is_private, "
    "minutes_spent, created_at",
    "assets_agenttoken": "id, organization_id, token_hash, prefix, created_at, created_by_id, "
    "revoked_at, last_used_at",
    "assets_asset": "id, organization_id, kind, inventory_tag, name, serial, uuid, device_id, "
    "manufacturer, model, location, holder, status, purchase_date, warranty_end, supplier, cost, "
    "notes, os_name, os_version, os_eol_label, os_eol_date, software_eol_label, software_eol_date, "
    "antivirus_name, antivirus_enabled, antivirus_up_to_date, firewall_enabled, disk_encrypted, "
    "secure_boot, local_admins, last_inventory_at, inventory_hash, software_hash, interfaces_hash, "
    "raw_sections, source, created_at, updated_at",
    "assets_installedsoftware": "id, organization_id, asset_id, name, version, publisher, installed_on",
    "assets_networkinterface": "id, organization_id, asset_id, name, mac, ipv4, ipv6, kind, is_up",
    "cases_procedure": "id, organization_id, code, sia_code, name, classification, description, "
    "deadline_value, deadline_unit, silence_effect, required_documents, phases, initiation, "
    "confidentiality, is_template, adopted_from_id, is_active, created_at",
    "cases_case": "id, organization_id, year, sequence, number, procedure_id, subject, status, "
    "phase, origin_entry_id, responsible_unit_id, responsible_id, opened_at, start_date, "
    "due_date, suspended_since, extended, resolved_at, closed_at, archived_at, created_by_id, "
    "search_document",
    "cases_caseparty": "id, organization_id, case_id, position, role, person_type, id_type, "
    "id_number, name, first_surname, second_surname, address, postal_code, email, phone",
    "cases_casetask": "id, organization_id, case_id, title, assignee_id, due_date, done_at, "
    "done_by_id, created_at, created_by_id",
    "core_document": "organization_id, id, name, file, content_type, size, sha256, document_type, "
    "origin, elaboration_state, capture_date, dir3_body, created_by_id, created_at, "
    "registered_at, verification_code",
    "cases_casedocument": "id, organization_id, case_id, position, title, document_id, version, "
    "visibility, signed_at, signed_by_id, signature_provider, certificate_signed, added_at, "
    "added_by_id",
}
NO_SERIAL = frozenset({"core_document"})  # a UUID primary key: no sequence to set
BULK_TABLES = (
    "helpdesk_ticket",
    "helpdesk_followup",
    "assets_asset",
    "assets_installedsoftware",
    "assets_networkinterface",
    "cases_case",
    "cases_caseparty",
    "cases_casetask",
    "cases_casedocument",
)

# (own, resolve) business minutes per priority 1..5: the provider's standard agreement.
SLA = {1: (960, 4800), 2: (480, 2880), 3: (240, 1440), 4: (60, 480), 5: (30, 240)}
CATEGORIES = (
    ("Maquinari", None), ("Impressores", "Maquinari"), ("Ordinadors", "Maquinari"),
    ("Programari", None), ("Gestió d'expedients", "Programari"), ("Padró", "Programari"),
    ("Comptabilitat", "Programari"), ("Xarxa i comunicacions", None), ("Correu electrònic", None),
    ("Comptes i accessos", None), ("Certificats digitals", None), ("Web municipal", None),
)  # fmt: skip
TITLES = (
    "No funciona la impressora de {place}",
    "L'ordinador de {place} va molt lent",
    "No puc entrar al programa de padró",
    "Error en signar amb el certificat digital",
    "Cal renovar el certificat de representant de l'ajuntament",
    "Alta d'usuari per a una persona nova a {place}",
    "Canvi de contrasenya del correu electrònic",
    "No arriben els correus de la seu electrònica",
    "Sense connexió a internet a {place}",
    "Instal·lació del programa de comptabilitat a un ordinador nou",
    "La web municipal no mostra les últimes notícies",
    "Error en generar el padró de la taxa d'escombraries",
    "Petició de nou portàtil per a {place}",
    "El telèfon de {place} no té línia",
    "Actualització de l'antivirus pendent",
    "No es pot obrir un expedient de la plataforma",
)
PLACES = ("la Secretaria", "l'Alcaldia", "Intervenció", "l'Oficina d'atenció", "Urbanisme",
          "Serveis Socials", "la Biblioteca", "la Policia Local", "el Jutjat de pau")  # fmt: skip
DESCRIPTION = (
    "Bon dia, {title_lower}. Ho hem provat de reiniciar i continua igual. "
    "Ens cal per atendre el públic aquest matí. Gràcies."
)
FOLLOWUP_BODIES = (
    "Hem revisat la configuració en remot.",
    "Queda pendent que ens confirmeu si torna a passar.",
    "S'ha reinstal·lat el controlador i s'ha fet una prova.",
    "Necessitem accés al despatx per revisar l'equip.",
    "Hem escalat la incidència al proveïdor del programa.",
)
SOLUTION = "Resolt: s'ha corregit la configuració i s'ha comprovat amb l'usuari que funciona."
CHANNELS = (("web", 50), ("email", 30), ("phone", 12), ("api", 8))
CHANNEL_CUM = list(accumulate(w for _c, w in CHANNELS))
# Status mix by age of the ticket (days): old tickets are nearly all closed.
STATUS_MIX = (
    (7, (("new", 18), ("assigned", 18), ("in_progress", 25), ("pending", 12), ("solved", 15),
         ("closed", 12))),
    (30, (("new", 2), ("assigned", 5), ("in_progress", 10), ("pending", 8), ("solved", 15),
          ("closed", 60))),
    (10**6, (("new", 0.2), ("assigned", 0.3), ("in_progress", 0.5), ("pending", 1.5),
             ("solved", 0.5), ("closed", 97))),
)  # fmt: skip

ASSET_KINDS = (("desktop", 48), ("laptop", 20), ("printer", 9), ("phone", 8), ("server", 3),
               ("virtual_machine", 4), ("network_device", 4), ("firewall", 1), ("tablet", 2),
               ("other", 1))  # fmt: skip
ASSET_KIND_CUM = list(accumulate(w for _k, w in ASSET_KINDS))
COMPUTERS = {"desktop", "laptop", "server", "virtual_machine"}
HARDWARE = {
    "desktop": (
        ("HP", "ProDesk 400 G7"),
        ("Dell", "OptiPlex 7090"),
        ("Lenovo", "ThinkCentre M70q"),
    ),
    "laptop": (("HP", "ProBook 450 G8"), ("Lenovo", "ThinkPad E14"), ("Dell", "Latitude 5420")),
    "server": (("Dell", "PowerEdge R650"), ("HPE", "ProLiant DL360 Gen10")),
    "virtual_machine": (("VMware, Inc.", "VMware Virtual Platform"),),
    "printer": (
        ("Kyocera", "ECOSYS M3655idn"),
        ("HP", "LaserJet Pro M404dn"),
        ("Ricoh", "IM C3000"),
    ),
    "phone": (("Samsung", "Galaxy A54"), ("Apple", "iPhone 13")),
    "tablet": (("Samsung", "Galaxy Tab A8"), ("Apple", "iPad 9")),
    "network_device": (("Cisco", "Catalyst 1000"), ("HPE", "Aruba 2530")),
    "firewall": (("Fortinet", "FortiGate 60F"),),
    "other": (("Epson", "EB-W49"),),
}
OPERATING_SYSTEMS = {
    "desktop": (("Windows", "Microsoft Windows 11 Pro", "23H2", 45),
                ("Windows", "Microsoft Windows 10 Pro", "22H2", 45),
                ("Windows", "Microsoft Windows 7 Professional", "6.1", 3),
                ("Ubuntu", "Ubuntu 22.04.4 LTS", "22.04", 7)),
    "laptop": (("Windows", "Microsoft Windows 11 Pro", "23H2", 70),
               ("Windows", "Microsoft Windows 10 Pro", "22H2", 30)),
    "server": (("Windows", "Microsoft Windows Server 2019 Standard", "10.0.17763", 50),
               ("Windows", "Microsoft Windows Server 2012 R2 Standard", "6.3", 15),
               ("Debian GNU/Linux", "Debian GNU/Linux 12 (bookworm)", "12", 35)),
    "virtual_machine": (("Windows", "Microsoft Windows Server 2022 Standard", "10.0.20348", 50),
                        ("Ubuntu", "Ubuntu 20.04.6 LTS", "20.04", 50)),
}  # fmt: skip
SOFTWARE = (
    ("Google Chrome", "131.0.6778.86", "Google LLC"), ("Mozilla Firefox", "133.0", "Mozilla"),
    ("Microsoft Office Professional Plus 2016", "16.0.4266.1001", "Microsoft Corporation"),
    ("Microsoft 365 Apps for business", "16.0.17928.20156", "Microsoft Corporation"),
    ("LibreOffice 24.2.7.2", "24.2.7.2", "The Document Foundation"),
    ("Adobe Acrobat Reader DC", "24.004.20220", "Adobe Inc."), ("7-Zip 23.01", "23.01", "Igor Pavlov"),
    ("AutoFirma", "1.8.3", "Gobierno de España"), ("Java 8 Update 421", "8.0.4210.9", "Oracle"),
    ("Configurador FNMT-RCM", "4.0.6", "FNMT-RCM"), ("VLC media player", "3.0.21", "VideoLAN"),
    ("AnyDesk", "8.1.0", "AnyDesk Software GmbH"), ("Microsoft Edge", "131.0.2903.70", "Microsoft"),
)  # fmt: skip
ANTIVIRUS = ("Microsoft Defender", "ESET Endpoint Security", "Panda Adaptive Defense 360")


def _phases(*names: str) -> list[dict[str, Any]]:
    codes = [n.lower().split()[0] for n in names]
    return [
        {"code": c, "name": n, "next": codes[i + 1 : i + 2]}
        for i, (c, n) in enumerate(zip(codes, names, strict=True))
    ]


# code, name, classification, deadline, unit, silence, phases, weight, subject
PROCEDURES = (
    ("OBRES-MENORS", "Llicència d'obres menors", "Urbanisme", 1, "months", "positive",
     _phases("Inici", "Informe tècnic", "Resolució"), 30, "Obres menors {street}"),
    ("COMUNICACIO-OBRES", "Comunicació prèvia d'obres", "Urbanisme", 15, "business_days",
     "positive", _phases("Inici", "Comprovació"), 20, "Comunicació d'obres {street}"),
    ("AJUT-URGENCIA", "Ajut d'urgència social", "Serveis socials", 3, "months", "negative",
     _phases("Inici", "Valoració social", "Resolució"), 12, "Ajut d'urgència social"),
    ("QUEIXA", "Queixa o suggeriment", "Atenció ciutadana", 30, "business_days", "none",
     _phases("Recepció", "Resposta"), 15, "Queixa per sorolls {street}"),
    ("GUAL", "Llicència de gual", "Via pública", 3, "months", "negative",
     _phases("Inici", "Informe tècnic", "Resolució"), 6, "Gual permanent {street}"),
    ("ACTIVITATS", "Comunicació d'obertura d'activitat", "Activitats", 1, "months", "positive",
     _phases("Inici", "Inspecció", "Resolució"), 7, "Obertura d'un establiment {street}"),
    ("RESP-PATRIMONIAL", "Responsabilitat patrimonial", "Secretaria", 6, "months", "negative",
     _phases("Inici", "Instrucció", "Audiència", "Resolució"), 4,
     "Reclamació de danys per una caiguda {street}"),
    ("SUBVENCIO", "Subvenció a entitats", "Cultura", 3, "months", "negative",
     _phases("Sol·licitud", "Valoració", "Resolució", "Justificació"), 6,
     "Subvenció a una entitat per a activitats culturals"),
)  # fmt: skip
PROCEDURE_CUM = list(accumulate(p[7] for p in PROCEDURES))
CASE_STREETS = ("Major", "de l'Església", "Nou", "de la Font", "del Mercat", "Sant Josep",
                "de Baix", "del Raval", "Catalunya", "de Dalt")  # fmt: skip
DOCUMENT_TITLES = ("Sol·licitud", "Informe tècnic", "Proposta de resolució", "Resolució")
TASKS = ("Revisar la documentació aportada", "Demanar l'informe tècnic", "Preparar la proposta",
         "Notificar la resolució", "Requerir esmena a la persona interessada")  # fmt: skip
# Status mix of a case by age (days): most old cases are closed or archived.
CASE_STATUS_MIX = (
    (30, (("open", 85), ("suspended", 8), ("resolved", 5), ("closed", 2), ("archived", 0))),
    (180, (("open", 35), ("suspended", 10), ("resolved", 25), ("closed", 28), ("archived", 2))),
    (10**6, (("open", 3), ("suspended", 2), ("resolved", 5), ("closed", 55), ("archived", 35))),
)  # fmt: skip


def _pick(rng: random.Random, table: tuple[Any, ...], cumulative: list[float]) -> Any:
    return table[bisect.bisect(cumulative, rng.random() * cumulative[-1])][0]


def _ts(moment: dt.datetime | None) -> str:
    return NULL if moment is None else moment.isoformat()


def _bool(value: bool | None) -> str:
    return NULL if value is None else ("t" if value else "f")


def allocate(weights: list[float], total: int) -> list[int]:
    whole = sum(weights) or 1
    counts = [int(total * w / whole) for w in weights]
    order = sorted(range(len(weights)), key=lambda i: -weights[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def weekday_moment(
    rng: random.Random,
    start: dt.datetime,
    span: float,
    now: dt.datetime,
    *,
    skew: float,
    hours: int,
) -> dt.datetime:
    """A random instant after `start`, skewed toward now by `skew` (< 1), moved to a weekday and
    to office hours (8:00 plus up to `hours`), never in the future; in UTC."""
    from benches.generate import TZ  # generate imports this module

    moment = start + dt.timedelta(seconds=span * rng.random() ** skew)
    day = moment.astimezone(TZ).date()
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    local = dt.datetime.combine(day, dt.time(8), tzinfo=TZ) + dt.timedelta(
        seconds=rng.randrange(0, hours * 3600)
    )
    if local > now:
        local = now - dt.timedelta(seconds=rng.randrange(60, 6 * 3600))
    return local.astimezone(dt.UTC).replace(microsecond=rng.randrange(0, 10**6))


class ModulesGenerator:
    """Rows of the memberships, helpdesk and assets tables for the organizations of `gen`."""

    def __init__(self, gen: Any, *, tickets: int, assets: int, seed: int, cases: int = 0) -> None:
        self.gen = gen
        self.rng = random.Random(seed + 1)
        self.now: dt.datetime = gen.now
        self.tickets = tickets
        self.assets = assets
        self.provider = gen.orgs[0]
        self.members = [o for o in gen.orgs if not o.is_provider]
        self.stats: dict[str, int] = {}
        self.category_ids: list[int] = []
        self.counters: dict[int, int] = {}  # year -> last ticket sequence of the provider
        self.cases = cases
        self.case_counters: dict[tuple[int, int], int] = {}  # (org, year) -> last case sequence
        self.procedures: dict[int, list[tuple[int, tuple[Any, ...]]]] = {}  # org -> [(id, row)]

    # --- small tables ------------------------------------------------------------------------
    def small_rows(self) -> dict[str, list[str]]:
        rng = self.rng
        joined = dt.datetime(self.gen.years.start - 1, 12, 1, tzinfo=dt.UTC)
        memberships = []
        for i, org in enumerate(self.members, start=1):
            applied = (joined - dt.timedelta(days=rng.randrange(30, 3000))).date()
            memberships.append("\t".join((
                str(i), str(self.provider.id), str(org.id), "active", esc(org.name),
                "municipality", org.ine, str(org.population) if org.population else NULL,
                "", f"secretaria@{org.slug}.example", "", "", applied.isoformat(),
                (applied + dt.timedelta(days=30)).isoformat(), NULL, "", _ts(joined),
            )) + "\n")  # fmt: skip
        categories, ids = [], {}
        for i, (name, parent) in enumerate(CATEGORIES, start=1):
            ids[name] = i
            full = f"{parent} > {name}" if parent else name
            categories.append(
                f"{i}\t{self.provider.id}\t{ids[parent] if parent else NULL}\t{esc(name)}\t"
                f"{esc(full)}\tt\n"
            )
        self.category_ids = list(ids.values())
        sla = [
            f"{p}\t{self.provider.id}\tstandard\t{p}\t{own}\t{resolve}\n"
            for p, (own, resolve) in SLA.items()
        ]
        tokens = []
        for i, org in enumerate(self.gen.orgs, start=1):
            plain = agent_token_plain(org.id)
            tokens.append(
                f"{i}\t{org.id}\t{hashlib.sha256(plain.encode()).hexdigest()}\t{plain[:10]}\t"
                f"{_ts(joined)}\t{NULL}\t{NULL}\t{NULL}\n"
            )
        procedures = []
        if self.cases:
            for org in self.gen.orgs:
                for row in PROCEDURES:
                    pid = len(procedures) + 1
                    self.procedures.setdefault(org.id, []).append((pid, row))
                    code, name, classification, value, unit, silence, phases = row[:7]
                    procedures.append("\t".join((
                        str(pid), str(org.id), code, "", esc(name), esc(classification), "",
                        str(value), unit, silence, "", esc(json.dumps(phases)), "both", "normal",
                        "f", NULL, "t", _ts(joined),
                    )) + "\n")  # fmt: skip
        documents = []
        if self.cases:
            for org in self.gen.orgs:
                documents.append("\t".join((
                    str(org.id), str(self.document_id(org.id)), "sollicitud.pdf",
                    f"documents/{org.id}/bench/sollicitud.pdf", "application/pdf", "48213",
                    hashlib.sha256(f"bench-document-{org.id}".encode()).hexdigest(), "TD99", "1",
                    "EE01", _ts(joined), org.dir3, NULL, _ts(joined), NULL, NULL,
                )) + "\n")  # fmt: skip
        self.stats.update(memberships=len(memberships), agent_tokens=len(tokens),
                          procedures=len(procedures), documents=len(documents))  # fmt: skip
        return {
            "core_document": documents,
            "cases_procedure": procedures,
            "tenants_membership": memberships,
            "helpdesk_category": categories,
            "helpdesk_slatarget": sla,
            "assets_agenttoken": tokens,
        }

    # --- tickets -----------------------------------------------------------------------------
    def _opening_times(self) -> list[tuple[dt.datetime, int]]:
        """(opened_at, member index) of every ticket, in order of opening."""
        from benches.generate import TZ

        rng = self.rng
        weights = [min(o.population or 20000, 50_000) ** 0.6 for o in self.members]
        counts = allocate(weights, self.tickets)
        start = dt.datetime(self.gen.years.start, 1, 1, tzinfo=TZ)
        span = (self.now - start).total_seconds()
        out = []
        for index, count in enumerate(counts):
            for _ in range(count):
                # More tickets lately (the platform grows): a square root skews toward now.
                moment = weekday_moment(rng, start, span, self.now, skew=0.6, hours=9)
                out.append((moment, index))
        out.sort()
        return out

    def ticket_chunks(self, ids: Any, chunk: int = 5000) -> Iterator[dict[str, str]]:
        """COPY text of tickets and follow-ups, `chunk` tickets at a time."""
        from django.utils import timezone

        from ajunta.core.calendar import BusinessCalendar
        from ajunta.tenants.models import Organization

        rng = self.rng
        calendar = BusinessCalendar(Organization.objects.get(pk=self.provider.id))
        technicians = self.provider.users.get("provider_technician", [])
        tz = timezone.get_default_timezone()
        due_memo: dict[tuple[int, int], dt.datetime] = {}
        tickets: list[str] = []
        followups: list[str] = []
        n_tickets = n_followups = 0
        for opened, index in self._opening_times():
            org = self.members[index]
            tid = ids.next("ticket")
            year = opened.astimezone(tz).year
            seq = self.counters[year] = self.counters.get(year, 0) + 1
            age = (self.now - opened).total_seconds() / 86400
            mix = next(m for limit, m in STATUS_MIX if age <= limit)
            status = _pick(rng, mix, [c for c in accumulate(w for _s, w in mix)])
            urgency = min(5, max(1, round(rng.gauss(3, 0.9))))
            impact = min(5, max(1, round(rng.gauss(2.7, 0.9))))
            priority = (urgency + impact + 1) // 2
            own_min, resolve_min = SLA[priority]
            # Due instants by the provider's calendar, memoized per (opening minute, priority).
            key = (int(opened.timestamp()) // 60, priority)
            own_due = due_memo.get(key)
            if own_due is None:
                own_due = due_memo[key] = calendar.add_business_seconds(opened, own_min * 60)
            resolve_due = calendar.add_business_seconds(opened, resolve_min * 60)
            people = org.users.get("municipal_staff", []) + org.users["municipal_admin"]
            requester = rng.choice(people)
            tech = rng.choice(technicians) if technicians and status != "new" else None
            owned = (
                opened + dt.timedelta(minutes=rng.uniform(5, own_min * 1.3))
                if tech else None
            )  # fmt: skip
            solved = closed = paused = None
            if status in ("solved", "closed"):
                solved = (owned or opened) + dt.timedelta(hours=rng.uniform(0.5, 24 * 6))
                solved = min(solved, self.now - dt.timedelta(minutes=1))
                paused = solved if status == "solved" else None
                if status == "closed":
                    closed = min(solved + dt.timedelta(days=rng.uniform(0.1, 7)), self.now)
            elif status == "pending":
                paused = min((owned or opened) + dt.timedelta(hours=rng.uniform(1, 48)), self.now)
            updated = max(m for m in (opened, owned, solved, closed, paused) if m is not None)
            title = rng.choice(TITLES).format(place=rng.choice(PLACES))
            channel = _pick(rng, CHANNELS, CHANNEL_CUM)
            tickets.append("\t".join((
                str(tid), str(org.id), str(self.provider.id), str(year), str(seq),
                f"{year}-{seq:06d}", "incident" if rng.random() < 0.7 else "request",
                str(rng.choice(self.category_ids)) if rng.random() < 0.85 else NULL,
                esc(title), esc(DESCRIPTION.format(title_lower=title[0].lower() + title[1:])),
                channel, str(urgency), str(impact), str(priority), status, str(requester[0]),
                f"user{requester[0]}@{org.slug}.example",
                str(tech[0]) if channel == "phone" and tech else str(requester[0]),
                str(tech[0]) if tech else NULL, NULL, _ts(opened), "standard", str(own_min),
                str(resolve_min), _ts(own_due), _ts(resolve_due), "0", _ts(paused), _ts(owned),
                _ts(solved), _ts(closed), "0", "", _ts(updated),
            )) + "\n")  # fmt: skip
            n_tickets += 1
            # Follow-ups: the technician's notes, the solution, the requester's acceptance.
            if tech and owned is not None:
                for k in range(rng.choice((0, 1, 1, 2))):
                    at = owned + dt.timedelta(minutes=10 + 90 * k + rng.uniform(0, 60))
                    followups.append("\t".join((
                        str(ids.next("followup")), str(org.id), str(tid), "comment", str(tech[0]),
                        esc(rng.choice(FOLLOWUP_BODIES)), "t" if rng.random() < 0.25 else "f",
                        str(rng.choice((0, 5, 10, 15, 30, 60))), _ts(min(at, self.now)),
                    )) + "\n")  # fmt: skip
                    n_followups += 1
            if solved is not None and tech:
                followups.append(
                    f"{ids.next('followup')}\t{org.id}\t{tid}\tsolution\t{tech[0]}\t{esc(SOLUTION)}"
                    f"\tf\t{rng.choice((10, 20, 30, 45, 60, 90))}\t{_ts(solved)}\n"
                )
                n_followups += 1
                if closed is not None and rng.random() < 0.4:
                    followups.append(
                        f"{ids.next('followup')}\t{org.id}\t{tid}\tacceptance\t{requester[0]}\t"
                        f"Gràcies, ja funciona.\tf\t0\t{_ts(closed)}\n"
                    )
                    n_followups += 1
            if len(tickets) >= chunk:
                yield {"helpdesk_ticket": "".join(tickets), "helpdesk_followup": "".join(followups)}
                tickets, followups = [], []
        if tickets:
            yield {"helpdesk_ticket": "".join(tickets), "helpdesk_followup": "".join(followups)}
        self.stats.update(tickets=n_tickets, followups=n_followups)

    def counter_rows(self, first_id: int) -> list[str]:
        return [
            f"{first_id + i}\thelpdesk.ticket\t{year}\t{last}\t{self.provider.id}\n"
            for i, (year, last) in enumerate(sorted(self.counters.items()))
        ]

    # --- assets ------------------------------------------------------------------------------
    def asset_chunks(self, ids: Any) -> Iterator[dict[str, str]]:
        """COPY text of assets, their software and interfaces, one organization at a time."""
        from ajunta.assets.eol import release_of

        rng = self.rng
        weights = [min(o.population or 20000, 50_000) ** 0.6 for o in self.gen.orgs]
        counts = allocate(weights, self.assets)
        releases = {}
        for kind, systems in OPERATING_SYSTEMS.items():
            for name, full, version, _w in systems:
                releases[kind, full] = release_of(name, full, version)
        os_cum = {k: list(accumulate(s[3] for s in v)) for k, v in OPERATING_SYSTEMS.items()}
        n_assets = n_software = n_interfaces = 0
        for org, count in zip(self.gen.orgs, counts, strict=True):
            assets: list[str] = []
            software: list[str] = []
            interfaces: list[str] = []
            holders = [p[1] for people in org.users.values() for p in people] or ["—"]
            for n in range(1, count + 1):
                aid = ids.next("asset")
                kind = _pick(rng, ASSET_KINDS, ASSET_KIND_CUM)
                maker, model = rng.choice(HARDWARE[kind])
                computer = kind in COMPUTERS
                agent = computer and rng.random() < 0.75
                status = _pick(rng, (("in_use", 86), ("in_stock", 6), ("in_repair", 2),
                                     ("retired", 6)), [86, 92, 94, 100])  # fmt: skip
                bought = self.now.date() - dt.timedelta(days=rng.randrange(30, 365 * 9))
                created = dt.datetime.combine(bought, dt.time(10), tzinfo=dt.UTC)
                os_name = os_full = os_version = eol_label = av = ""
                eol_date = NULL
                av_on = av_fresh = firewall = encrypted = secure_boot = None
                inventoried = None
                if computer:
                    systems = OPERATING_SYSTEMS[kind]
                    os_name, os_full, os_version, _w = systems[
                        bisect.bisect(os_cum[kind], rng.random() * os_cum[kind][-1])
                    ]
                    release = releases[kind, os_full]
                    if release is not None:
                        eol_label, eol_date = release.label, release.end_of_life.isoformat()
                    if agent:
                        inventoried = self.now - dt.timedelta(hours=rng.uniform(1, 24 * 20))
                        if os_name == "Windows":
                            av = rng.choice(ANTIVIRUS)
                            av_on, av_fresh = rng.random() < 0.97, rng.random() < 0.9
                        firewall = rng.random() < 0.9
                        encrypted = rng.random() < (0.6 if kind == "laptop" else 0.2)
                        secure_boot = rng.random() < 0.7
                name = f"{kind[:2].upper()}-{org.slug[:12].upper()}-{n:04d}"
                assets.append("\t".join((
                    str(aid), str(org.id), kind, f"INV-{n:05d}", esc(name),
                    f"SN{org.id:04d}{n:06d}", f"{aid:08x}-0000-4000-8000-{org.id:012d}",
                    agent_device_id(org.id, n) if agent else "", esc(maker), esc(model),
                    esc(rng.choice(PLACES)), esc(rng.choice(holders)), status, bought.isoformat(),
                    (bought + dt.timedelta(days=3 * 365)).isoformat(), "Subministraments TIC SL",
                    f"{rng.randrange(150, 2500)}.00", "", esc(os_full), os_version, esc(eol_label),
                    eol_date, "", NULL, esc(av), _bool(av_on), _bool(av_fresh), _bool(firewall),
                    _bool(encrypted), _bool(secure_boot), "[]", _ts(inventoried), "", "", "", "{}",
                    "agent" if agent else "manual", _ts(created), _ts(inventoried or created),
                )) + "\n")  # fmt: skip
                if agent:
                    for name_, version, publisher in rng.sample(SOFTWARE, rng.randrange(4, 9)):
                        software.append(
                            f"{ids.next('software')}\t{org.id}\t{aid}\t{esc(name_)}\t{version}\t"
                            f"{esc(publisher)}\t{bought.isoformat()}\n"
                        )
                    for k in range(1 if kind != "server" else 2):
                        interfaces.append(
                            f"{ids.next('interface')}\t{org.id}\t{aid}\tEthernet {k}\t"
                            f"00:1a:{org.id % 256:02x}:{n // 256 % 256:02x}:{n % 256:02x}:{k:02x}\t"
                            f"10.{org.id % 256}.{n // 250 % 256}.{n % 250 + 2}\t\tethernet\tt\n"
                        )
            n_assets += len(assets)
            n_software += len(software)
            n_interfaces += len(interfaces)
            yield {
                "assets_asset": "".join(assets),
                "assets_installedsoftware": "".join(software),
                "assets_networkinterface": "".join(interfaces),
            }
        self.stats.update(assets=n_assets, software=n_software, interfaces=n_interfaces)

    # --- case files --------------------------------------------------------------------------
    @staticmethod
    def document_id(org_id: int) -> str:
        return f"00000000-0000-4000-8000-{org_id:012d}"

    def case_chunks(self, ids: Any) -> Iterator[dict[str, str]]:
        """COPY text of case files, their parties and tasks, one organization at a time."""
        from benches.generate import TZ, make_citizen

        rng = self.rng
        normalize = self.gen.search_document.normalize
        orgs = self.gen.orgs
        counts = allocate([max(o.entries, 1) for o in orgs], self.cases)
        start = dt.datetime(self.gen.years.start, 1, 1, tzinfo=TZ)
        span = (self.now - start).total_seconds()
        n_cases = n_parties = n_tasks = n_docs = 0
        for org, count in zip(orgs, counts, strict=True):
            if not count:
                continue
            procedures = self.procedures[org.id]
            staff = org.users.get("municipal_staff", []) + org.users.get("municipal_admin", [])
            moments = []
            for _ in range(count):
                moments.append(weekday_moment(rng, start, span, self.now, skew=0.7, hours=7))
            moments.sort()
            cases: list[str] = []
            parties: list[str] = []
            tasks: list[str] = []
            docs: list[str] = []
            document = self.document_id(org.id)
            for opened in moments:
                cid = ids.next("case")
                local_day = opened.astimezone(TZ).date()
                year = local_day.year
                key = (org.id, year)
                seq = self.case_counters[key] = self.case_counters.get(key, 0) + 1
                number = f"{year}/{seq:06d}"
                pid, proc = procedures[
                    bisect.bisect(PROCEDURE_CUM, rng.random() * PROCEDURE_CUM[-1])
                ]
                code, name, _cls, value, unit, _silence, phases, _w, subject = proc
                subject = subject.format(street=f"al carrer {rng.choice(CASE_STREETS)}")
                if unit == "months":
                    due = local_day + dt.timedelta(days=30 * value)
                else:
                    due = local_day + dt.timedelta(days=value * 7 // 5)
                age = (self.now - opened).total_seconds() / 86400
                mix = next(m for limit, m in CASE_STATUS_MIX if age <= limit)
                status = _pick(rng, mix, list(accumulate(w for _s, w in mix)))
                resolved = closed = archived = None
                suspended = NULL
                if status in ("resolved", "closed", "archived"):
                    resolved = min(opened + dt.timedelta(days=rng.uniform(5, 80)), self.now)
                    if status != "resolved":
                        closed = min(resolved + dt.timedelta(days=rng.uniform(1, 30)), self.now)
                    if status == "archived":
                        archived = min(closed + dt.timedelta(days=rng.uniform(30, 200)), self.now)  # type: ignore[operator]
                elif status == "suspended":
                    suspended = (local_day + dt.timedelta(days=rng.randrange(1, 20))).isoformat()
                phase = (
                    phases[-1]["code"]
                    if resolved
                    else phases[min(int(age // 10), len(phases) - 1)]["code"]
                )
                responsible = rng.choice(staff)[0] if staff and rng.random() < 0.8 else None
                creator = rng.choice(staff)[0] if staff else None
                unit_id = rng.choice(org.units) if org.units and rng.random() < 0.7 else None
                people = [make_citizen(rng, org) for _ in range(1 if rng.random() < 0.8 else 2)]
                words = [number, subject, name, code]
                for position, person in enumerate(people):
                    words += [person["id_number"], person["name"], person["first_surname"],
                              person["second_surname"]]  # fmt: skip
                    parties.append("\t".join((
                        str(ids.next("case_party")), str(org.id), str(cid), str(position),
                        "interested" if position == 0 else "representative",
                        person["person_type"], person["id_type"], person["id_number"],
                        esc(person["name"]), esc(person["first_surname"]),
                        esc(person["second_surname"]), esc(person["address"]), "",
                        esc(person["email"]), person["phone"],
                    )) + "\n")  # fmt: skip
                    n_parties += 1
                for position in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
                    added = min(opened + dt.timedelta(days=position * 3, minutes=5), self.now)
                    docs.append("\t".join((
                        str(ids.next("case_document")), str(org.id), str(cid), str(position + 1),
                        DOCUMENT_TITLES[position], document, "1",
                        "published" if position == 0 else "internal", NULL, NULL, "", "f",
                        _ts(added), str(creator) if creator else NULL,
                    )) + "\n")  # fmt: skip
                    n_docs += 1
                search = " ".join(normalize(w) for text in words if text for w in text.split())
                cases.append("\t".join((
                    str(cid), str(org.id), str(year), str(seq), number, str(pid), esc(subject),
                    status, phase, NULL, str(unit_id) if unit_id else NULL,
                    str(responsible) if responsible else NULL, _ts(opened), local_day.isoformat(),
                    due.isoformat(), suspended, "f", _ts(resolved), _ts(closed), _ts(archived),
                    str(creator) if creator else NULL, esc(search),
                )) + "\n")  # fmt: skip
                n_cases += 1
                if staff:
                    for k in range(rng.choice((0, 1, 1, 2, 3))):
                        done = resolved is not None or rng.random() < 0.5
                        created = opened + dt.timedelta(hours=k + 1)
                        doer = rng.choice(staff)[0]
                        tasks.append("\t".join((
                            str(ids.next("case_task")), str(org.id), str(cid),
                            esc(TASKS[(k + cid) % len(TASKS)]), str(rng.choice(staff)[0]),
                            (local_day + dt.timedelta(days=7 * (k + 1))).isoformat(),
                            _ts(min(created + dt.timedelta(days=rng.uniform(0.1, 10)), self.now))
                            if done else NULL,
                            str(doer) if done else NULL, _ts(created),
                            str(creator) if creator else NULL,
                        )) + "\n")  # fmt: skip
                        n_tasks += 1
            yield {
                "cases_case": "".join(cases),
                "cases_caseparty": "".join(parties),
                "cases_casetask": "".join(tasks),
                "cases_casedocument": "".join(docs),
            }
        self.stats.update(
            cases=n_cases, case_parties=n_parties, case_tasks=n_tasks, case_documents=n_docs
        )

    def case_counter_rows(self, first_id: int) -> list[str]:
        return [
            f"{first_id + i}\tcases.case\t{year}\t{last}\t{org_id}\n"
            for i, ((org_id, year), last) in enumerate(sorted(self.case_counters.items()))
        ]
