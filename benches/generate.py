"""Fill the bench database with realistic data at a chosen scale, through COPY.

    python -m benches.generate --scale S            # 50 organizations, 50,000 entries
    python -m benches.generate --scale L            # 1,000 organizations, 1,000,000 entries
    python -m benches.generate --organizations 200 --entries 100000

It recreates (drops, creates, migrates) the `ajunta_bench` database first; it refuses any other.

What it writes, and the invariants it keeps:

- organizations: a provider (county council) and real municipalities (the Catalan ones with their
  2020 population, then municipalities of other communities), real INE and DIR3 codes;
- users and roles: per organization a secretary (municipal_admin), office staff (municipal_staff)
  by population, elected members; provider administrators and technicians; one API token for
  every office user. All bench users share the password in BENCH_PASSWORD;
- registry: units, entries over the last five years spread by population (Zipf-like), with their
  interested parties (citizens who come back, companies, representatives), statements, annulments,
  acknowledgements. Numbers follow the order of receipt: per (organization, direction, year) the
  sequences are 1..n by filing time, and `core_counter` holds n, exactly as `next_number` would
  have left it. `effective_at` follows art. 31 (weekends and Catalan holidays). `search_document`
  is built by `registry.services._search_document` itself;
- audit chain: one `registry.entry.create` event per entry and one `role.grant` per role, hash-linked
  per organization with `core.audit.event_hash`, chain heads included, so `manage.py audit_verify`
  passes on the generated data (skip with --no-audit).

Not generated: receipts (entries' `receipt` is empty: no PDF per historical entry), attachments,
citizens' portal accounts, case documents. Tickets, follow-ups, assets, software, interfaces,
memberships, agent tokens and case files (procedures, cases, parties, tasks) come from
benches.modules.

Speed: the big tables' secondary indexes and foreign keys are dropped, the rows streamed through
three concurrent COPYs, then indexes and constraints rebuilt (two at a time) from the definitions
PostgreSQL reported before the drop, and the tables vacuumed and analysed.
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import csv
import datetime as dt
import functools
import hashlib
import itertools
import json
import math
import random
import secrets
import threading
import time
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from types import SimpleNamespace
from typing import Any

from psycopg.copy import QueuedLibpqWriter

from benches import modules
from benches.common import (
    ROOT,
    SCALES,
    bench_database_url,
    connect,
    recreate_database,
    setup_django,
)

BENCH_PASSWORD = "bench-password-2026"  # bench database only
SEED = 20260601
YEARS_BACK = 4  # this year and the four before
TZ = zoneinfo.ZoneInfo("Europe/Madrid")
DATA = ROOT / "ajunta" / "tenants" / "data"

# Tables loaded in bulk: their secondary indexes and foreign keys are rebuilt after the load.
BULK_TABLES = (
    "registry_registryentry",
    "registry_interestedparty",
    "core_auditevent",
    *modules.BULK_TABLES,
)


# --- vocabulary -----------------------------------------------------------------------------------
def _words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = _words(
    "Jordi Joan Josep Marc Pere Pau Jaume Albert Xavier David Sergi Antoni Francesc Manel Oriol "
    "Arnau Pol Àlex Ramon Lluís Núria Montserrat Maria Anna Laia Marta Carme Rosa Mercè Sílvia "
    "Júlia Àngels Glòria Laura Elena Cristina Teresa Dolors Roser Ingrid Mohamed Ahmed Fatima "
    "Yasmina Lucía Sofía José Antonio Manuel Francisco Carmen Isabel Pilar Ángel Raúl Iñaki"
)
SURNAMES = _words(
    "Garcia Martínez López Sánchez Pérez Rodríguez Fernández González Gómez Martín Ruiz "
    "Hernández Jiménez Díaz Moreno Muñoz Álvarez Romero Navarro Torres Puig Vila Soler Serra "
    "Ferrer Pujol Roca Vidal Font Sala Costa Bosch Mas Riera Casas Camps Planas Coll Prat Solé "
    "Valls Rovira Ribas Castells Pons Farré Roig Benali Amrani Oliveras Grau Comas Sabaté "
    "Bonet Domènech Vendrell Güell Muntané Descals Torrents Quintana"
)
# Zipf-like weights: Garcia is far commoner than Muntané.
SURNAME_CUM = list(accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(SURNAMES))))
COMPANY_KINDS = ("SL", "SA", "SCCL", "SLU")
COMPANY_WORDS = _words(
    "Construccions Instal·lacions Serveis Transports Fusteria Electricitat Enginyeria "
    "Consultoria Jardineria Neteges Arquitectura Assessoria Distribucions Gestió Obres"
)
STREETS = (
    "Major",
    "de la Pau",
    "Nou",
    "de Sant Joan",
    "del Carme",
    "de la Font",
    "de l'Església",
    "de Catalunya",
    "de Barcelona",
    "del Mercat",
    "Raval",
    "del Sol",
    "de Montserrat",
    "de la Creu",
    "del Pont",
    "de les Escoles",
    "de Verdaguer",
    "de Sant Jordi",
    "Ample",
)
UNITS = (
    "Secretaria",
    "Urbanisme",
    "Serveis Socials",
    "Hisenda",
    "Padró",
    "Medi Ambient",
    "Cultura",
    "Policia Local",
)
# (epigraph, summary templates). {street} {num} {year} {name} are filled in.
EPIGRAPHS = (
    ("Instància genèrica", ("Sol·licitud d'informació sobre {topic}", "Petició de cita amb l'alcaldia per tractar {topic}")),
    ("Llicència d'obres menors", ("Sol·licitud de llicència d'obres menors per reformar la cuina al carrer {street}, {num}", "Llicència per substituir la coberta de l'habitatge del carrer {street}, {num}")),
    ("Llicència d'obres majors", ("Llicència d'obres majors per a habitatge unifamiliar al carrer {street}, {num}",)),
    ("Comunicació prèvia d'obres", ("Comunicació prèvia d'obres de pintura de façana al carrer {street}, {num}",)),
    ("Alta al padró d'habitants", ("Alta al padró per canvi de residència al carrer {street}, {num}",)),
    ("Certificat d'empadronament", ("Sol·licitud de certificat d'empadronament històric",)),
    ("Volant de convivència", ("Petició de volant de convivència per a tràmits de l'escola",)),
    ("Sol·licitud d'ajut social", ("Petició d'informe social per a l'ajut de menjador escolar", "Sol·licitud d'ajut d'urgència social per a subministraments")),
    ("Recurs de reposició", ("Recurs de reposició contra la liquidació de l'IBI {year}", "Recurs contra la sanció de trànsit de {year}")),
    ("Queixa o suggeriment", ("Queixa per sorolls nocturns al carrer {street}", "Suggeriment sobre l'enllumenat del carrer {street}")),
    ("Sol·licitud de subvenció", ("Sol·licitud de subvenció per a entitats culturals {year}", "Subvenció per a activitats esportives de la temporada {year}")),
    ("Justificació de subvenció", ("Justificació de la subvenció concedida l'any {year}",)),
    ("Ocupació de via pública", ("Ocupació de via pública amb contenidor d'obres al carrer {street}, {num}", "Terrassa de bar a la plaça {street}")),
    ("Llicència d'activitat", ("Comunicació d'obertura d'activitat comercial al carrer {street}, {num}",)),
    ("Reclamació patrimonial", ("Reclamació per danys al vehicle causats per un sot al carrer {street}",)),
    ("Bonificació de l'IBI", ("Sol·licitud de bonificació de l'IBI per família nombrosa",)),
    ("Reserva d'espai municipal", ("Sol·licitud d'ús del local social per a la festa major", "Reserva del pavelló per a un torneig")),
    ("Al·legacions", ("Al·legacions a l'aprovació inicial del pla urbanístic {year}",)),
    ("Factura", ("Factura de subministrament elèctric de l'enllumenat públic", "Factura de manteniment dels jardins municipals")),
    ("Ofertes de contractació", ("Oferta per al contracte menor de neteja d'edificis municipals",)),
    ("Sol·licitud de gual", ("Sol·licitud de gual permanent al carrer {street}, {num}",)),
    ("Tarja d'aparcament", ("Sol·licitud de tarja d'aparcament per a persones amb discapacitat",)),
)  # fmt: skip
TOPICS = (
    "la recollida de residus",
    "les obres del carrer",
    "l'escola bressol",
    "el casal d'estiu",
    "els horaris de la deixalleria",
    "la biblioteca",
    "el mercat setmanal",
    "la festa major",
)
OUT_ADDRESSEES = (
    ("Consell Comarcal", "L03080001"), ("Diputació de Barcelona", "L02000008"),
    ("Agència Tributària de Catalunya", "A09018765"), ("Departament de Territori", "A09006024"),
    ("Jutjat Contenciós Administratiu núm. 3", "J00008091"), ("Síndic de Greuges", "A09002931"),
)  # fmt: skip
OUT_EPIGRAPHS = (
    ("Comunicació", "Tramesa del conveni de col·laboració signat"),
    ("Notificació", "Notificació de la resolució d'alcaldia sobre {topic}"),
    ("Requeriment de documentació", "Requeriment per esmenar la sol·licitud presentada"),
    ("Certificat", "Certificat de l'acord del Ple sobre {topic}"),
    ("Ofici", "Ofici de remissió de l'expedient sol·licitat"),
)
STATEMENT = (
    "Que sóc propietari de l'immoble situat al carrer {street}, {num}, i que vull dur-hi a terme "
    "les actuacions descrites a la memòria adjunta, d'acord amb l'ordenança municipal vigent. "
    "Que adjunto la documentació requerida i el justificant de pagament de la taxa."
)
REQUEST = "Que es tingui per presentada aquesta sol·licitud i se m'atorgui el que demano."
CHANNELS = (("electronic", 55), ("in_person", 30), ("post", 8), ("sir", 5), ("other", 2))
CHANNEL_CUM = list(accumulate(w for _c, w in CHANNELS))
NIF_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def dumps(value: str | int | None) -> str:
    """A JSON scalar exactly as _canonical_json writes it (ensure_ascii=False)."""
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    return encode_basestring(value)


def esc(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(COPY_ESCAPES)
    return value


CHECK_EVERY = 50  # every 50th search document and audit hash is recomputed by the app's own code


class SearchDocuments:
    """`registry.services._search_document`, word by word with normalize_text memoized.

    normalize_text (lower case, NFKD, combining marks dropped) works character by character and a
    space never combines, so normalizing the words one by one gives the same text as normalizing
    them joined; every CHECK_EVERY-th document is compared with the service's own result anyway.
    """

    def __init__(self) -> None:
        from ajunta.registry.services import _search_document, normalize_text, search_words

        self.service = _search_document
        self.words = search_words
        self.normalize_text = normalize_text
        self.memo: dict[str, str] = {}
        self.count = 0

    def normalize(self, word: str) -> str:
        if word.isascii():
            return word.lower()
        value = self.memo.get(word)
        if value is None:
            value = self.memo[word] = self.normalize_text(word)
        return value

    def __call__(self, number: str, data: dict[str, Any]) -> str:
        words = self.words(number, data)
        document = " ".join(self.normalize(w) for w in words)
        self.count += 1
        if self.count % CHECK_EVERY == 1 and document != self.service(number, data):
            raise AssertionError(f"search_document differs from the service's for {number}")
        return document


class AuditHasher:
    """`core.audit.event_hash` with the event's changes serialized once (stored and hashed alike).

    The payload is assembled key by key in the order `_canonical_json` sorts them; every
    CHECK_EVERY-th hash is recomputed by `event_hash` itself and must match.
    """

    def __init__(self) -> None:
        from django.core.serializers.json import DjangoJSONEncoder

        from ajunta.core.audit import event_hash

        self.event_hash = event_hash
        self.count = 0
        # _canonical_json's settings, one encoder reused instead of one built per call.
        self.changes_json = DjangoJSONEncoder(
            sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode

    def __call__(self, event: SimpleNamespace, changes_json: str, created_iso: str) -> str:
        payload = (
            f'{{"action":{dumps(event.action)},"actor":{dumps(event.actor_id)},'
            f'"actor_repr":{dumps(event.actor_repr)},"chain":{dumps(event.chain)},'
            f'"changes":{changes_json},"created_at":{dumps(created_iso)},"ip":null,'
            f'"object_id":{dumps(event.object_id)},"object_type":{dumps(event.object_type)},'
            f'"organization":{event.organization_id},"prev_hash":{dumps(event.prev_hash)},'
            f'"seq":{event.seq}}}'
        )  # fmt: skip
        digest = hashlib.sha256(payload.encode()).hexdigest()
        self.count += 1
        if self.count % CHECK_EVERY == 1 and digest != self.event_hash(event):
            raise AssertionError(
                f"audit hash differs from event_hash for {event.chain}#{event.seq}"
            )
        return digest


def ts(moment: dt.datetime) -> str:
    return moment.isoformat()


# --- organizations -----------------------------------------------------------------------------------
@dataclass
class Org:
    id: int
    name: str
    slug: str
    kind: str
    is_provider: bool
    ine: str
    dir3: str
    population: int | None
    province: str
    community: str
    comarca: str
    entries: int = 0
    users: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # role -> [(id, repr)]
    units: list[int] = field(default_factory=list)


def _catalan_name(name: str) -> str:
    if ", " in name:
        base, article = name.rsplit(", ", 1)
        return f"{article}{base}" if article.endswith("'") else f"{article} {base}"
    return name


def _read(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _slug(text: str, taken: set[str]) -> str:
    from django.utils.text import slugify

    base = slugify(text)[:50] or "org"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def build_organizations(count: int, rng: random.Random) -> list[Org]:
    """The provider, then `count - 1` municipalities, evenly spread over the population ranking."""
    totals = ("Total. De 0 a 14 anys", "Total. De 15 a 64 anys", "Total. De 65 anys i més")
    population = {
        r["Codi"]: sum(int(r[c]) for c in totals)
        for r in _read("poblacio_catalunya_municipis_2019_2020.csv")
        if r["Any"] == "2020"
    }
    catalan = [
        (_catalan_name(r["nom"]), r["codi"], population.get(r["codi"], 500), r["nom_comarca"], "09")
        for r in _read("catalunya_municipis_comarques.csv")
    ]
    catalan.sort(key=lambda m: -m[2])
    wanted = count - 1
    if wanted <= len(catalan):
        step = len(catalan) / wanted
        chosen = [catalan[int(i * step)] for i in range(wanted)]
    else:
        chosen = list(catalan)
        others = [r for r in _read("municipios_ine_2025.csv") if r["CODAUTO"] != "09"]
        rng.shuffle(others)
        for r in others[: wanted - len(chosen)]:
            name = r["NOMBRE"]
            if ", " in name:
                base, article = name.rsplit(", ", 1)
                name = f"{article} {base}"
            people = int(math.exp(rng.uniform(math.log(150), math.log(30000))))
            chosen.append((name, r["CPRO"] + r["CMUN"] + r["DC"], people, "", r["CODAUTO"]))
    taken: set[str] = set()
    orgs = [
        Org(1, "Consorci Bench de Serveis Locals", _slug("consorci-bench", taken), "consortium",
            True, "", "L05000001", None, "08", "09", "")
    ]  # fmt: skip
    for i, (name, ine, people, comarca, community) in enumerate(chosen, start=2):
        orgs.append(
            Org(i, f"Ajuntament de {name}", _slug(name, taken), "municipality", False, ine,
                f"L01{ine}", people, ine[:2], community, comarca)
        )  # fmt: skip
    return orgs


def allocate_entries(orgs: list[Org], total: int) -> None:
    """Entries per organization grow with population (pop^0.6); the provider keeps a mid-size book."""
    # Capped at 50,000 inhabitants: a city's registry is not one small municipality's hundred times.
    weights = [min(o.population or 20000, 50_000) ** 0.6 for o in orgs]
    whole = sum(weights)
    for org, weight in zip(orgs, weights, strict=True):
        org.entries = int(total * weight / whole)
    leftover = total - sum(o.entries for o in orgs)
    for org in sorted(orgs, key=lambda o: -o.entries)[:leftover]:
        org.entries += 1


# --- people -----------------------------------------------------------------------------------------
def _surname(rng: random.Random) -> str:
    return SURNAMES[bisect.bisect(SURNAME_CUM, rng.random() * SURNAME_CUM[-1])]


def _nif(rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.88:
        n = rng.randrange(10_000_000, 99_999_999)
        return "N", f"{n:08d}{NIF_LETTERS[n % 23]}"
    prefix = rng.choice("XYZ")
    n = rng.randrange(0, 9_999_999)
    check = NIF_LETTERS[("XYZ".index(prefix) * 10_000_000 + n) % 23]
    return "E", f"{prefix}{n:07d}{check}"


def _cif(rng: random.Random) -> str:
    from stdnum.es import cif

    body = f"B{rng.randrange(10_000_000, 99_999_999) // 10:07d}"
    return body + cif.calc_check_digits(body)[0]


def make_citizen(rng: random.Random, org: Org) -> dict[str, str]:
    if rng.random() < 0.12:
        name = f"{rng.choice(COMPANY_WORDS)} {_surname(rng)} {rng.choice(COMPANY_KINDS)}"
        return {
            "person_type": "legal", "id_type": "C", "id_number": _cif(rng), "name": name,
            "first_surname": "", "second_surname": "",
            "address": f"Polígon Industrial, nau {rng.randrange(1, 60)}",
            "email": f"info@{name.split()[1].lower()}.example", "phone": f"93{rng.randrange(1000000, 9999999)}",
        }  # fmt: skip
    id_type, number = _nif(rng)
    first = rng.choice(FIRST_NAMES)
    return {
        "person_type": "natural", "id_type": id_type, "id_number": number, "name": first,
        "first_surname": _surname(rng), "second_surname": _surname(rng) if rng.random() < 0.8 else "",
        "address": f"C. {rng.choice(STREETS)}, {rng.randrange(1, 120)}",
        "email": f"{first.lower()}{rng.randrange(10, 99)}@correu.example" if rng.random() < 0.6 else "",
        "phone": f"6{rng.randrange(10000000, 99999999)}" if rng.random() < 0.7 else "",
    }  # fmt: skip


# --- the calendar (art. 31) --------------------------------------------------------------------------
class Calendar:
    def __init__(self, years: range) -> None:
        import holidays

        self.holidays = set(holidays.country_holidays("ES", subdiv="CT", years=list(years)))

    def business(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def effective(self, filed: dt.datetime) -> dt.datetime:
        day = filed.astimezone(TZ).date()
        if self.business(day):
            return filed
        while not self.business(day):
            day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time.min, tzinfo=TZ).astimezone(dt.UTC)


# --- the generator ---------------------------------------------------------------------------------
@dataclass
class Ids:
    user: int = 0
    role: int = 0
    unit: int = 0
    entry: int = 0
    party: int = 0
    event: int = 0
    counter: int = 0
    chain: int = 0
    ticket: int = 0
    followup: int = 0
    asset: int = 0
    software: int = 0
    interface: int = 0
    case: int = 0
    case_party: int = 0
    case_task: int = 0
    case_document: int = 0

    def next(self, name: str) -> int:
        value = getattr(self, name) + 1
        setattr(self, name, value)
        return value


class Generator:
    def __init__(self, *, organizations: int, entries: int, audit: bool, seed: int) -> None:
        from django.contrib.auth.hashers import make_password
        from django.core.serializers.json import DjangoJSONEncoder

        from ajunta.registry.services import format_number

        self.rng = random.Random(seed)
        self.audit = audit
        self.now = dt.datetime.now(dt.UTC)
        self.years = range(self.now.year - YEARS_BACK, self.now.year + 1)
        self.calendar = Calendar(range(self.years.start, self.years.stop + 1))
        self.password = make_password(BENCH_PASSWORD)
        self.json_time = DjangoJSONEncoder().default
        self.event_hash = AuditHasher()
        self.search_document = SearchDocuments()
        self.format_number = format_number
        self.ids = Ids()
        self.orgs = build_organizations(organizations, self.rng)
        allocate_entries(self.orgs, entries)
        self.stats: dict[str, int] = dict.fromkeys(
            ("organizations", "users", "roles", "tokens", "units", "entries", "parties",
             "counters", "audit_events"), 0,
        )  # fmt: skip
        self.stats["organizations"] = len(self.orgs)
        self.tokens: list[tuple[str, int]] = []
        self.pending_events: dict[
            int, list[tuple[dt.datetime, str, int | None, str, str, Any]]
        ] = {}

    # --- small tables (plain COPY, indexes kept) -------------------------------------------------
    def organization_rows(self) -> Iterator[str]:
        created = ts(dt.datetime(self.years.start - 1, 12, 1, tzinfo=dt.UTC))
        for o in self.orgs:
            yield "\t".join((
                str(o.id), o.kind, "t" if o.is_provider else "f", esc(o.name), o.slug, o.ine,
                o.dir3, str(o.population) if o.population else NULL,
                "2020" if o.population else NULL, o.province, o.community, esc(o.comarca), created,
            )) + "\n"  # fmt: skip

    def people_rows(self) -> tuple[list[str], list[str], list[str], list[str]]:
        """(users, role assignments, tokens, units) rows; fills org.users and org.units."""
        users, roles, tokens, units = [], [], [], []
        joined = dt.datetime(self.years.start - 1, 12, 15, tzinfo=dt.UTC)
        for o in self.orgs:
            if o.is_provider:
                plan = [("provider_admin", "admin"), ("provider_admin", "cap"),
                        *[("provider_technician", f"tecnic{k}") for k in range(1, 7)],
                        ("municipal_admin", "secretaria"), ("municipal_staff", "registre1"),
                        ("municipal_staff", "registre2")]  # fmt: skip
            else:
                people = o.population or 1000
                staff = 1 + min(12, int(people**0.5 / 25))
                elected = 3 if people < 1000 else 7 if people < 20000 else 13
                plan = [("municipal_admin", "secretaria")]
                plan += [("municipal_staff", f"staff{k}") for k in range(1, staff + 1)]
                plan += [("elected_member", f"regidor{k}") for k in range(1, min(elected, 4) + 1)]
            for role, login in plan:
                uid = self.ids.next("user")
                first, last = self.rng.choice(FIRST_NAMES), _surname(self.rng)
                username = f"{login}.{o.slug}"[:150]
                users.append("\t".join((
                    str(uid), self.password, NULL, "f", username, esc(first), esc(last),
                    f"{login}@{o.slug}.example", "f", "t", ts(joined), "", "", "ca",
                )) + "\n")  # fmt: skip
                rid = self.ids.next("role")
                roles.append(f"{rid}\t{role}\t{ts(joined)}\t{o.id}\t{uid}\n")
                o.users.setdefault(role, []).append((uid, f"{first} {last}"))
                self.event(o.id, joined, "role.grant", None, "", "core.roleassignment", str(rid),
                           {"user": username, "role": role})  # fmt: skip
                if role in ("municipal_admin", "municipal_staff"):
                    key = secrets.token_hex(20)
                    # Issued lately: tokens expire after API_TOKEN_TTL_DAYS (365 by default).
                    tokens.append(f"{key}\t{ts(self.now - dt.timedelta(days=3))}\t{uid}\n")
                    self.tokens.append((key, uid))
            n_units = (
                1
                if (o.population or 0) < 1500
                else min(len(UNITS), 2 + (o.population or 0) // 8000)
            )
            for name in UNITS[:n_units]:
                uid = self.ids.next("unit")
                units.append(f"{uid}\t{esc(name)}\t\tt\t{o.id}\n")
                o.units.append(uid)
        self.stats.update(users=len(users), roles=len(roles), tokens=len(tokens), units=len(units))
        return users, roles, tokens, units

    def event(self, org_id: int, when: dt.datetime, action: str, actor: int | None,
              actor_repr: str, object_type: str, object_id: str, changes: Any) -> None:  # fmt: skip
        if self.audit:
            self.pending_events.setdefault(org_id, []).append(
                (when, action, actor, actor_repr, f"{object_type}\t{object_id}", changes)
            )

    # --- the registry of one organization --------------------------------------------------------
    def filing_times(self, org: Org) -> list[tuple[dt.datetime, str]]:
        """(filed_at, channel) of every entry of `org`, in order of receipt."""
        rng = self.rng
        start_of_year = [dt.datetime(y, 1, 1, tzinfo=TZ) for y in self.years]
        spans = [
            ((self.now if y == self.now.year else dt.datetime(y + 1, 1, 1, tzinfo=TZ)) - s).total_seconds()
            for y, s in zip(self.years, start_of_year, strict=True)
        ]  # fmt: skip
        span_cum = list(accumulate(spans))
        out = []
        for _ in range(org.entries):
            channel = CHANNELS[bisect.bisect(CHANNEL_CUM, rng.random() * CHANNEL_CUM[-1])][0]
            offset = rng.random() * span_cum[-1]
            index = bisect.bisect(span_cum, offset)
            moment = start_of_year[index] + dt.timedelta(
                seconds=offset - (span_cum[index - 1] if index else 0)
            )
            if channel != "electronic":
                # Counters and the post are open on weekdays, 8:00 to 15:00.
                day = moment.date()
                while day.weekday() >= 5:
                    day -= dt.timedelta(days=1)
                moment = dt.datetime.combine(day, dt.time(8), tzinfo=TZ) + dt.timedelta(
                    seconds=rng.randrange(0, 7 * 3600)
                )
                if moment > self.now:
                    moment = self.now - dt.timedelta(seconds=rng.randrange(60, 86400))
            moment = moment.astimezone(dt.UTC).replace(microsecond=rng.randrange(0, 1_000_000))
            out.append((moment, channel))
        out.sort()
        return out

    def registry_rows(self, org: Org, counters: dict[tuple[int, str, int], int]) -> tuple[str, str]:
        """(entries, parties) COPY text for `org`; audit events queued; counters updated."""
        rng = self.rng
        staff = org.users.get("municipal_staff", []) + org.users.get("municipal_admin", [])
        admin = org.users["municipal_admin"][0]
        citizens = [make_citizen(rng, org) for _ in range(max(20, org.entries // 3))]
        entry_lines: list[str] = []
        party_lines: list[str] = []
        number_format = "{direction}/{year}/{seq:06d}"
        postal = f"{org.ine[:2] or '08'}{rng.randrange(100, 999)}"
        for filed_at, channel in self.filing_times(org):
            eid = self.ids.next("entry")
            local_year = filed_at.astimezone(TZ).year
            direction = "in" if rng.random() < 0.8 else "out"
            key = (org.id, direction, local_year)
            seq = counters.get(key, 0) + 1
            counters[key] = seq
            number = self.format_number(
                number_format, direction=direction, year=local_year, seq=seq
            )
            effective_at = self.calendar.effective(filed_at)
            topic = rng.choice(TOPICS)
            street = rng.choice(STREETS)
            fill = {
                "street": street,
                "num": rng.randrange(1, 120),
                "year": local_year - rng.randrange(0, 2),
                "topic": topic,
            }
            parties: list[dict[str, Any]] = []
            expone = solicita = addressee = addressee_dir3 = external = ""
            if direction == "in":
                epigraph, summaries = rng.choice(EPIGRAPHS)
                summary = rng.choice(summaries).format(**fill)
                parties.append(rng.choice(citizens))
                if rng.random() < 0.12:
                    parties.append({**rng.choice(citizens), "role": "representative"})
                if rng.random() < 0.03:
                    parties.append(rng.choice(citizens))
                if channel in ("electronic", "in_person") and rng.random() < 0.35:
                    expone, solicita = STATEMENT.format(**fill), REQUEST
                unit = rng.choice(org.units) if rng.random() < 0.9 else None
            else:
                epigraph, summary = rng.choice(OUT_EPIGRAPHS)
                summary = summary.format(**fill)
                addressee, addressee_dir3 = rng.choice(OUT_ADDRESSEES)
                if rng.random() < 0.35:
                    citizen = rng.choice(citizens)
                    parties.append(citizen)
                    addressee = " ".join(
                        p for p in (citizen["name"], citizen["first_surname"]) if p
                    )
                    addressee_dir3 = ""
                unit = None
            if channel == "sir":
                external = f"O00001234e{local_year % 100:02d}{rng.randrange(0, 10**8):08d}"
            clerk = rng.choice(staff)
            created_by = NULL if channel == "electronic" else str(clerk[0])
            age_days = (self.now - filed_at).days
            acknowledged = unit is not None and rng.random() < (0.97 if age_days > 14 else 0.5)
            ack_at = ts(filed_at + dt.timedelta(hours=rng.uniform(1, 72))) if acknowledged else NULL
            ack_by = str(rng.choice(staff)[0]) if acknowledged else NULL
            annulled = rng.random() < 0.003
            data = {
                "epigraph": epigraph, "summary": summary, "addressee_name": addressee,
                "external_reference": external,
                "parties": [
                    {"id_number": p["id_number"], "name": p["name"],
                     "first_surname": p["first_surname"], "second_surname": p["second_surname"]}
                    for p in parties
                ],
            }  # fmt: skip
            entry_lines.append("\t".join((
                str(eid), direction, str(local_year), str(seq), number, ts(filed_at),
                ts(effective_at), channel, esc(epigraph), esc(summary), esc(expone), esc(solicita),
                esc(addressee), addressee_dir3, "t" if rng.random() < 0.05 else "f", external,
                "", "annulled" if annulled else "registered",
                ts(filed_at + dt.timedelta(days=2)) if annulled else NULL,
                "Registre duplicat per error" if annulled else "", "", ack_at, "",
                esc(self.search_document(number, data)), ack_by,
                str(admin[0]) if annulled else NULL, created_by, NULL, str(org.id), NULL, NULL,
                str(unit) if unit else NULL,
            )) + "\n")  # fmt: skip
            first_party = 0
            for position, p in enumerate(parties):
                pid = self.ids.next("party")
                role = p.get("role", "interested")
                if position == 0:
                    first_party = pid
                party_lines.append("\t".join((
                    str(pid), str(position), role, p["person_type"], p["id_type"], p["id_number"],
                    esc(p["name"]), esc(p["first_surname"]), esc(p["second_surname"]),
                    esc(p["address"]), postal, org.ine, org.province, "724", p["email"], p["phone"],
                    "electronic" if channel == "electronic" else "",
                    str(org.id), str(first_party) if role == "representative" else NULL, str(eid),
                )) + "\n")  # fmt: skip
            if self.audit:
                by_clerk = channel != "electronic"
                self.event(org.id, filed_at, "registry.entry.create",
                           clerk[0] if by_clerk else None, clerk[1] if by_clerk else "",
                           "registry.registryentry", str(eid), {
                               "number": number, "direction": direction, "channel": channel,
                               "filed_at": self.json_time(filed_at),
                               "effective_at": self.json_time(effective_at), "summary": summary,
                               "parties": [p["id_number"] for p in parties], "attachments": [],
                               "receipt_sha256": None, "rectifies": None,
                           })  # fmt: skip
        self.stats["entries"] += len(entry_lines)
        self.stats["parties"] += len(party_lines)
        return "".join(entry_lines), "".join(party_lines)

    def audit_rows(self, org_id: int, chains: list[str]) -> str:
        """The hash-linked chain of `org_id`'s queued events, in time order."""
        events = self.pending_events.pop(org_id, [])
        events.sort(key=lambda e: e[0])
        chain = f"org:{org_id}"
        prev = ""
        lines = []
        for seq, (when, action, actor, actor_repr, obj, changes) in enumerate(events, start=1):
            object_type, object_id = obj.split("\t")
            event = SimpleNamespace(
                chain=chain, seq=seq, organization_id=org_id, actor_id=actor,
                actor_repr=actor_repr, action=action, object_type=object_type,
                object_id=object_id, changes=changes, ip=None, created_at=when, prev_hash=prev,
            )  # fmt: skip
            changes_json = self.event_hash.changes_json(changes)
            created_iso = ts(when)
            digest = self.event_hash(event, changes_json, created_iso)
            lines.append("\t".join((
                str(self.ids.next("event")), chain, str(seq), esc(actor_repr), action, obj,
                esc(changes_json), NULL, created_iso, prev, digest,
                NULL if actor is None else str(actor), str(org_id),
            )) + "\n")  # fmt: skip
            prev = digest
        if events:
            chains.append(f"{self.ids.next('chain')}\t{chain}\t{len(events)}\t{prev}\n")
        self.stats["audit_events"] += len(lines)
        return "".join(lines)


# --- loading ----------------------------------------------------------------------------------------
def _copy_text(conn: Any, table: str, columns: str, text: str | list[str]) -> None:
    payload = text if isinstance(text, str) else "".join(text)
    if not payload:
        return
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        copy.write(payload)


COLUMNS = {
    "tenants_organization": "id, kind, is_provider, name, slug, ine_code, dir3_code, population, "
    "population_year, province_code, autonomous_community_code, comarca, created_at",
    "core_user": "id, password, last_login, is_superuser, username, first_name, last_name, email, "
    "is_staff, is_active, date_joined, nif, phone, preferred_language",
    "core_roleassignment": "id, role, granted_at, organization_id, user_id",
    "authtoken_token": "key, created, user_id",
    "registry_unit": "id, name, dir3_code, is_active, organization_id",
    "registry_registryentry": "id, direction, year, sequence, number, filed_at, effective_at, "
    "channel, epigraph, summary, expone, solicita, addressee_name, addressee_dir3, "
    "physical_documentation, external_reference, case_reference, status, annulled_at, "
    "annulment_reason, rectification_reason, acknowledged_at, idempotency_key, search_document, "
    "acknowledged_by_id, annulled_by_id, created_by_id, filer_id, organization_id, receipt_id, "
    "rectifies_id, destination_unit_id",
    "registry_interestedparty": "id, position, role, person_type, id_type, id_number, name, "
    "first_surname, second_surname, address, postal_code, municipality_ine, province_code, "
    "country_code, email, phone, preferred_channel, organization_id, represents_id, entry_id",
    "core_counter": "id, series, year, last_value, organization_id",
    "core_auditevent": "id, chain, seq, actor_repr, action, object_type, object_id, changes, ip, "
    "created_at, prev_hash, hash, actor_id, organization_id",
    "core_auditchain": "id, key, last_seq, last_hash",
}


def drop_secondary(conn: Any, tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' foreign keys, unique constraints and indexes (not primary keys).

    Returns the statements that rebuild them, from PostgreSQL's own definitions.
    """
    rebuild: list[str] = []
    drops: list[str] = []
    rows = conn.execute(
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype
        FROM pg_constraint
        WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u')
        ORDER BY contype DESC
        """,
        [list(tables)],
    ).fetchall()
    constraint_names = {name for _t, name, _d, _k in rows}
    for table, name, _definition, _kind in rows:
        drops.append(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    indexes = conn.execute(
        """
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisprimary
        """,
        [list(tables)],
    ).fetchall()
    index_rebuild = []
    for name, definition in indexes:
        if name in constraint_names:
            continue
        drops.append(f'DROP INDEX "{name}"')
        index_rebuild.append(definition)
    unique_rebuild = [
        f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, k in rows if k == "u"
    ]
    fk_rebuild = [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d, k in rows if k == "f"]
    for statement in drops:
        conn.execute(statement)
    rebuild = index_rebuild + unique_rebuild + fk_rebuild
    return rebuild


def rebuild_secondary(url: str, statements: list[str], log: Any) -> None:
    """Indexes and unique constraints two at a time (2 cores), then the foreign keys."""
    indexes = [s for s in statements if "FOREIGN KEY" not in s]
    fks = [s for s in statements if "FOREIGN KEY" in s]
    # The GIN index is the slowest: start it first, the btrees share the other connection.
    indexes.sort(key=lambda s: ("gin" not in s.lower(), s))
    queue = list(indexes)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with connect(url, autocommit=True) as conn:
                conn.execute("SET maintenance_work_mem = '1GB'")
                conn.execute("SET max_parallel_maintenance_workers = 0")
                while True:
                    with lock:
                        if not queue:
                            return
                        statement = queue.pop(0)
                    conn.execute(statement)  # type: ignore[arg-type]
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    with connect(url, autocommit=True) as conn:
        for statement in fks:
            conn.execute(statement)  # type: ignore[arg-type]
    log(f"  rebuilt {len(indexes)} indexes/unique constraints and {len(fks)} foreign keys")


def stream_modules(url: str, more: modules.ModulesGenerator, ids: Ids, log: Any) -> None:
    """Tickets (with follow-ups) and assets (with software and interfaces) through five COPYs."""
    tables = list(modules.BULK_TABLES)
    connections = [connect(url) for _ in tables]
    try:
        with contextlib.ExitStack() as stack:
            copies = {}
            for table, conn in zip(tables, connections, strict=True):
                cursor = stack.enter_context(conn.cursor())
                copies[table] = stack.enter_context(cursor.copy(
                    f"COPY {table} ({modules.COLUMNS[table]}) FROM STDIN",  # type: ignore[arg-type]
                    writer=QueuedLibpqWriter(cursor),
                ))  # fmt: skip
            for chunk in itertools.chain(
                more.ticket_chunks(ids), more.asset_chunks(ids), more.case_chunks(ids)
            ):
                for table, text in chunk.items():
                    if text:
                        copies[table].write(text)
        for conn in connections:
            conn.commit()
    finally:
        for conn in connections:
            conn.close()
    log(f"  {more.stats.get('tickets', 0):,} tickets, {more.stats.get('followups', 0):,} "
        f"follow-ups, {more.stats.get('assets', 0):,} assets, {more.stats.get('software', 0):,} "
        f"programs, {more.stats.get('interfaces', 0):,} interfaces, {more.stats.get('cases', 0):,} "
        f"case files, {more.stats.get('case_parties', 0):,} case parties, "
        f"{more.stats.get('case_tasks', 0):,} case tasks, "
        f"{more.stats.get('case_documents', 0):,} case documents streamed")  # fmt: skip


def generate(url: str, *, organizations: int, entries: int, tickets: int = 0, assets: int = 0,
             cases: int = 0, audit: bool = True, seed: int = SEED,
             log: Any = None) -> dict[str, Any]:  # fmt: skip
    """Recreate the bench database and fill it. Returns timings and row counts."""
    log = log or functools.partial(print, flush=True)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    timings["recreate_and_migrate_s"] = recreate_database(url, log=log)
    setup_django(url)
    mark = time.perf_counter()
    gen = Generator(organizations=organizations, entries=entries, audit=audit, seed=seed)
    users, roles, tokens, units = gen.people_rows()
    more = modules.ModulesGenerator(gen, tickets=tickets, assets=assets, cases=cases, seed=seed)
    with connect(url) as conn:
        _copy_text(
            conn,
            "tenants_organization",
            COLUMNS["tenants_organization"],
            list(gen.organization_rows()),
        )
        _copy_text(conn, "core_user", COLUMNS["core_user"], users)
        _copy_text(conn, "core_roleassignment", COLUMNS["core_roleassignment"], roles)
        _copy_text(conn, "authtoken_token", COLUMNS["authtoken_token"], tokens)
        _copy_text(conn, "registry_unit", COLUMNS["registry_unit"], units)
        for table, rows in more.small_rows().items():
            _copy_text(conn, table, modules.COLUMNS[table], rows)
        conn.commit()  # deferred foreign-key checks must run before the constraints are dropped
        rebuild = drop_secondary(conn, BULK_TABLES)
        conn.commit()
    timings["small_tables_s"] = time.perf_counter() - mark
    log(
        f"  {len(gen.orgs)} organizations, {len(users)} users, {len(tokens)} tokens, {len(units)} units"
    )

    mark = time.perf_counter()
    counters: dict[tuple[int, str, int], int] = {}
    chains: list[str] = []
    connections = [connect(url) for _ in range(3)]
    try:
        with (
            connections[0].cursor() as c0, connections[1].cursor() as c1,
            connections[2].cursor() as c2,
            c0.copy(f"COPY registry_registryentry ({COLUMNS['registry_registryentry']}) FROM STDIN",
                    writer=QueuedLibpqWriter(c0)) as entry_copy,
            c1.copy(f"COPY registry_interestedparty ({COLUMNS['registry_interestedparty']}) FROM STDIN",
                    writer=QueuedLibpqWriter(c1)) as party_copy,
            c2.copy(f"COPY core_auditevent ({COLUMNS['core_auditevent']}) FROM STDIN",
                    writer=QueuedLibpqWriter(c2)) as event_copy,
        ):  # fmt: skip
            done = 0
            for org in gen.orgs:
                entry_text, party_text = gen.registry_rows(org, counters)
                entry_copy.write(entry_text)
                party_copy.write(party_text)
                if audit:
                    event_copy.write(gen.audit_rows(org.id, chains))
                done += org.entries
                if org.id % 100 == 0:
                    rate = done / (time.perf_counter() - mark)
                    log(f"    {done:,} entries streamed ({rate:,.0f}/s)")
        for conn in connections:
            conn.commit()
    finally:
        for conn in connections:
            conn.close()
    timings["copy_s"] = time.perf_counter() - mark
    log(f"  {gen.stats['entries']:,} entries, {gen.stats['parties']:,} parties, "
        f"{gen.stats['audit_events']:,} audit events streamed in {timings['copy_s']:.1f} s")  # fmt: skip

    mark = time.perf_counter()
    stream_modules(url, more, gen.ids, log)
    timings["copy_modules_s"] = time.perf_counter() - mark
    gen.stats.update(more.stats)

    mark = time.perf_counter()
    counter_rows = [
        f"{i}\tregistry.{direction}\t{year}\t{last}\t{org_id}\n"
        for i, ((org_id, direction, year), last) in enumerate(sorted(counters.items()), start=1)
    ]
    counter_rows += more.counter_rows(len(counter_rows) + 1)
    counter_rows += more.case_counter_rows(len(counter_rows) + 1)
    gen.stats["counters"] = len(counter_rows)
    with connect(url) as conn:
        _copy_text(conn, "core_counter", COLUMNS["core_counter"], counter_rows)
        _copy_text(conn, "core_auditchain", COLUMNS["core_auditchain"], chains)
        for table in ("tenants_organization", "core_user", "core_roleassignment", "registry_unit",
                      "registry_registryentry", "registry_interestedparty", "core_counter",
                      "core_auditevent", "core_auditchain", *modules.BULK_TABLES,
                      *(t for t in modules.COLUMNS if t not in modules.NO_SERIAL)):  # fmt: skip
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # type: ignore[arg-type]
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
        conn.commit()
    rebuild_secondary(url, rebuild, log)
    timings["indexes_s"] = time.perf_counter() - mark

    mark = time.perf_counter()
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    timings["vacuum_analyze_s"] = time.perf_counter() - mark
    timings["total_s"] = time.perf_counter() - started
    timings["generate_s"] = timings["total_s"] - timings["recreate_and_migrate_s"]
    log(f"  indexes {timings['indexes_s']:.1f} s, vacuum/analyze {timings['vacuum_analyze_s']:.1f} s, "
        f"total {timings['total_s']:.1f} s")  # fmt: skip
    largest = max(gen.orgs, key=lambda o: o.entries)
    return {
        "organizations": organizations,
        "entries": entries,
        "tickets": tickets,
        "assets": assets,
        "cases": cases,
        "audit_events": audit,
        "rows": gen.stats,
        "largest_organization": {"slug": largest.slug, "entries": largest.entries},
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "data_checksum": hashlib.sha256(json.dumps(gen.stats, sort_keys=True).encode()).hexdigest()[
            :12
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--organizations", type=int, help="override the scale's count")
    parser.add_argument("--entries", type=int, help="override the scale's count")
    parser.add_argument("--tickets", type=int, help="override the scale's count")
    parser.add_argument("--assets", type=int, help="override the scale's count")
    parser.add_argument("--cases", type=int, help="override the scale's count")
    parser.add_argument("--no-audit", action="store_true", help="skip the audit chain")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    scale = SCALES[args.scale]
    url = bench_database_url()
    result = generate(
        url,
        organizations=args.organizations or scale.organizations,
        entries=args.entries or scale.entries,
        tickets=scale.tickets if args.tickets is None else args.tickets,
        assets=scale.assets if args.assets is None else args.assets,
        cases=scale.cases if args.cases is None else args.cases,
        audit=not args.no_audit,
        seed=args.seed,
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
