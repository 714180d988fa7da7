"""Demo data: the Consell Comarcal del Bages as provider, the 30 real municipalities of Bages, a few
members from elsewhere, and a demo user for every role. Idempotent; refused unless DEBUG is on."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from importlib import import_module
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import translation
from django.utils.module_loading import module_has_submodule
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice

from ajunta.core import services as core_services
from ajunta.core.models import LocalHoliday, Role, User
from ajunta.tenants import services
from ajunta.tenants.models import Organization, OrganizationKind

DATA = Path(__file__).resolve().parents[2] / "data"
DEMO_PASSWORD = "ajunta-demo-2026"  # noqa: S105  (demo only; the command refuses to run without DEBUG)
# Fixed TOTP keys so that a demo provider user can add the account to an authenticator app.
DEMO_TOTP_KEYS = {
    "provider.admin": "3132333435363738393031323334353637383930",
    "provider.tech": "3031323334353637383930313233343536373839",
}
# Municipalities outside Bages with no population figure in the shared data: plausible values.
OTHER_MEMBERS = [
    # (INE 5-digit code, population, year)
    ("42020", 5400, 2024),  # Almazán, Soria (Castilla y León)
    ("42113", 690, 2024),  # Medinaceli, Soria (Castilla y León)
    (
        "25001",
        None,
        None,
    ),  # Abella de la Conca, Pallars Jussà (Catalonia): population from the file
]
DEMO_NIFS = {"ciutada": "11111111H"}  # a valid NIF check letter, no real person
# (username, first name, last name, [(organization slug, role)])
DEMO_USERS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("provider.admin", "Núria", "Puig", [("ccbages", Role.PROVIDER_ADMIN)]),
    ("provider.tech", "Jordi", "Vila", [
        ("ccbages", Role.PROVIDER_TECHNICIAN),
        ("manresa", Role.PROVIDER_TECHNICIAN),
        ("navarcles", Role.PROVIDER_TECHNICIAN),
    ]),
    ("secretaria.manresa", "Montserrat", "Serra", [("manresa", Role.MUNICIPAL_ADMIN)]),
    ("staff.manresa", "Pere", "Casals", [("manresa", Role.MUNICIPAL_STAFF)]),
    ("regidora.manresa", "Laia", "Soler", [("manresa", Role.ELECTED_MEMBER)]),
    ("secretaria.agrupada", "Anna", "Riera", [
        ("mura", Role.MUNICIPAL_ADMIN),
        ("talamanca", Role.MUNICIPAL_ADMIN),
        ("rajadell", Role.MUNICIPAL_ADMIN),
    ]),
    ("secretario.almazan", "Javier", "García", [("almazan", Role.MUNICIPAL_ADMIN)]),
    ("ciutada", "Marta", "Ferrer", []),
]  # fmt: skip
MANRESA_HOLIDAYS = [
    (dt.date(2026, 2, 23), "Festa de la Llum"),
    (dt.date(2026, 8, 31), "Festa Major"),
]


def catalan_name(idescat_name: str) -> str:
    """'Pont de Vilomara i Rocafort, el' -> 'el Pont de Vilomara i Rocafort'."""
    if ", " in idescat_name:
        base, article = idescat_name.rsplit(", ", 1)
        return f"{article}{base}" if article.endswith("'") else f"{article} {base}"
    return idescat_name


def spanish_name(ine_name: str) -> str:
    if ", " in ine_name:
        base, article = ine_name.rsplit(", ", 1)
        return f"{article} {base}"
    return ine_name


def read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def catalan_population(year: int) -> dict[str, int]:
    totals = ("Total. De 0 a 14 anys", "Total. De 15 a 64 anys", "Total. De 65 anys i més")
    return {
        row["Codi"]: sum(int(row[col]) for col in totals)
        for row in read_csv("poblacio_catalunya_municipis_2019_2020.csv")
        if row["Any"] == str(year)
    }


class Command(BaseCommand):
    help = "Fill the database with demo organizations and users (DEBUG only; safe to run twice)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-summary",
            action="store_true",
            help="Do not print the logins (`make demo` prints them once the server is up).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo creates users with published passwords: it runs only with DEBUG=1."
            )
        # The in-process background tasks log a line each ("Task ... succeeded"), the SIR transport
        # logs each hand-over: the newcomer needs none of it, only the summary at the end.
        logging.disable(logging.WARNING)
        try:
            self.seed()
        finally:
            logging.disable(logging.NOTSET)
        if not options["no_summary"]:
            for line in demo_summary(style=self.style):
                self.stdout.write(line)

    def seed(self) -> None:
        # The demo's tickets, applications and alerts would e-mail their made-up addresses:
        # keep those messages in memory instead of printing them all.
        # The demo's texts are written in Catalan, their translations given beside them.
        with (
            override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
            translation.override("ca"),
            transaction.atomic(),
        ):
            orgs = self.create_organizations()
            users = self.create_users(orgs)
            # Each app may add its own demo data in <app>/demo.py: seed(orgs=, users=, stdout=).
            for app in apps.get_app_configs():
                if app.name.startswith("ajunta.") and module_has_submodule(app.module, "demo"):
                    import_module(f"{app.name}.demo").seed(
                        orgs=orgs, users={u.username: u for u in users}, stdout=self.stdout
                    )

    # --- organizations -----------------------------------------------------------------------
    def ensure_org(self, slug: str, **fields: Any) -> Organization:
        existing = Organization.objects.filter(slug=slug).first()
        return existing or services.organization_create(actor=None, slug=slug, **fields)

    def create_organizations(self) -> dict[str, Organization]:
        population = catalan_population(2020)
        orgs = {
            "ccbages": self.ensure_org(
                "ccbages",
                name="Consell Comarcal del Bages",
                kind=OrganizationKind.COUNTY_COUNCIL,
                is_provider=True,
                province_code="08",
                autonomous_community_code="09",
                comarca="Bages",
            )
        }
        catalan = read_csv("catalunya_municipis_comarques.csv")
        for row in (r for r in catalan if r["nom_comarca"] == "Bages"):
            name = catalan_name(row["nom"])
            orgs[slugify(name)] = self.ensure_org(
                slugify(name),
                name=name,
                kind=OrganizationKind.MUNICIPALITY,
                ine_code=row["codi"],
                dir3_code=f"L01{row['codi']}",
                population=population.get(row["codi"]),
                population_year=2020,
                province_code=row["codi"][:2],
                autonomous_community_code="09",
                comarca="Bages",
            )
        ine = {r["CPRO"] + r["CMUN"]: r for r in read_csv("municipios_ine_2025.csv")}
        by_code = {r["municipio_id"]: r for r in catalan}
        for code5, people, year in OTHER_MEMBERS:
            row = ine[code5]
            code6 = code5 + row["DC"]
            if code5 in by_code:
                name, comarca = catalan_name(by_code[code5]["nom"]), by_code[code5]["nom_comarca"]
                people, year = population.get(code6), 2020
            else:
                name, comarca = spanish_name(row["NOMBRE"]), ""
            orgs[slugify(name)] = self.ensure_org(
                slugify(name),
                name=name,
                kind=OrganizationKind.MUNICIPALITY,
                ine_code=code6,
                dir3_code=f"L01{code6}",
                population=people,
                population_year=year,
                province_code=row["CPRO"],
                autonomous_community_code=row["CODAUTO"],
                comarca=comarca,
            )
        manresa = orgs["manresa"]
        for day, name in MANRESA_HOLIDAYS:
            if not LocalHoliday.objects.filter(organization=manresa, date=day).exists():
                core_services.local_holiday_add(org=manresa, actor=None, date=day, name=name)
        return orgs

    # --- users ---------------------------------------------------------------------------------
    def create_users(self, orgs: dict[str, Organization]) -> list[User]:
        result = []
        for username, first, last, grants in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    nif=DEMO_NIFS.get(username, ""),
                    username=username,
                    password=DEMO_PASSWORD,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@demo.ajunta.invalid",
                )
            for slug, role in grants:
                core_services.role_grant(org=orgs[slug], actor=None, user=user, role=role)
            key = DEMO_TOTP_KEYS.get(username)
            if key:
                TOTPDevice.objects.get_or_create(
                    user=user, name="demo", defaults={"key": key, "confirmed": True}
                )
            result.append(user)
        return result


def demo_summary(*, style: Any, site: str = "") -> list[str]:
    """What a newcomer needs to start: where to log in, who to be, and (last) the password."""
    site = (site or settings.SITE_URL).rstrip("/")
    lines = ["", style.SUCCESS(f"Demo ready at {site}/  (log in at {site}/login/)"), ""]
    names = dict(Organization.objects.values_list("slug", "name"))
    for username, first, last, grants in DEMO_USERS:
        roles = ", ".join(f"{Role(role).label} @ {names.get(slug, slug)}" for slug, role in grants)
        lines.append(f"  {username:<22} {first} {last}: {roles or 'citizen (no role)'}")
        if username in DEMO_TOTP_KEYS:
            device = TOTPDevice.objects.filter(user__username=username, name="demo").first()
            if device is not None:
                lines.append(
                    f"  {'':<22} two-step code: `make totp WHO={username}` (or add key "
                    f"{core_services.totp_secret_base32(device)} to an authenticator app)"
                )
    lines += ["", style.SUCCESS(f"Every demo user's password is: {DEMO_PASSWORD}"), ""]
    return lines
