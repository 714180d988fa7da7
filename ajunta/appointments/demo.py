"""Demo appointments: Manresa's citizens' office (three services, two desks, summer hours) and Mura,
where the grouped secretary comes one morning a week. A month of past appointments (served, some
no-shows) fills the statistics; the coming days have bookings for the agenda and the screen."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from ajunta.appointments import services
from ajunta.appointments.models import Booking, BookingStatus, Office
from ajunta.appointments.services import BookingRefused

T = dt.time
NAMES = ["Marta Ferrer", "Joan Puig", "Laia Vidal", "Pau Soler", "Núria Serra", "Jordi Camps",
         "Anna Riba", "Oriol Mas", "Carla Font", "Marc Roca", "Júlia Pons", "Arnau Coll"]  # fmt: skip
LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def _nif(n: int) -> str:
    number = 40000000 + n
    return f"{number:08d}{LETTERS[number % 23]}"


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    manresa, mura = orgs.get("manresa"), orgs.get("mura")
    if manresa is None or Office.objects.filter(organization=manresa).exists():
        return
    actor = users.get("secretaria.manresa")
    office = services.office_create(
        org=manresa, actor=actor, name="Oficina d'Atenció Ciutadana",
        address="Plaça Major, 1, 08241 Manresa", accessibility="Accés sense graons i bucle magnètic.",
        map_url="https://www.openstreetmap.org/?mlat=41.7253&mlon=1.8266#map=18/41.7253/1.8266",
        phone="938 78 23 00", min_notice_hours=2, horizon_days=45, cancel_until_hours=2,
    )  # fmt: skip
    padro = services.service_create(
        org=manresa, actor=actor, name="Padró d'habitants", duration_minutes=15,
        documents_to_bring="DNI/NIE i contracte de lloguer o escriptura.",
        description="Altes, canvis de domicili i certificats.",
    )  # fmt: skip
    registre = services.service_create(
        org=manresa, actor=actor, name="Registre i presentació de documents", duration_minutes=10,
        documents_to_bring="DNI/NIE i els documents que presenteu.",
    )  # fmt: skip
    taller = services.service_create(
        org=manresa, actor=actor, name="Taller: tràmits digitals amb el mòbil", duration_minutes=60,
        capacity=8, max_per_person=1, description="Sessió de grup per aprendre a usar l'idCAT Mòbil.",
    )  # fmt: skip
    video = services.service_create(
        org=manresa, actor=actor, name="Assessorament urbanístic (videotrucada)", duration_minutes=30,
        channel="video",
    )  # fmt: skip
    desk1 = services.desk_create(
        org=manresa, actor=actor, office=office, name="Taulell 1", services=[padro, registre]
    )
    desk2 = services.desk_create(
        org=manresa, actor=actor, office=office, name="Taulell 2", services=[padro, registre, video]
    )
    sala = services.desk_create(
        org=manresa, actor=actor, office=office, name="Sala de formació", services=[taller]
    )
    year = timezone.localdate().year
    for desk in (desk1, desk2):
        services.schedule_create(
            org=manresa, actor=actor, desk=desk, name="Horari habitual",
            intervals=[*[(d, T(9), T(11)) for d in range(5)], *[(d, T(11, 30), T(14)) for d in range(5)],
                       (3, T(16), T(18, 30))],
        )  # fmt: skip
        services.schedule_create(
            org=manresa, actor=actor, desk=desk, name="Horari d'estiu",
            valid_from=dt.date(year, 7, 1), valid_until=dt.date(year, 8, 31),
            intervals=[(d, T(8, 30), T(13, 30)) for d in range(5)],
        )  # fmt: skip
    services.schedule_create(
        org=manresa, actor=actor, desk=sala, name="Tallers", intervals=[(2, T(17), T(18))]
    )
    tz = timezone.get_default_timezone()
    today = timezone.localdate()
    soon = today + dt.timedelta(days=10)
    services.exception_create(
        org=manresa, actor=actor, office=office, reason="Formació del personal",
        starts=dt.datetime.combine(soon, T(9), tzinfo=tz), ends=dt.datetime.combine(soon, T(11), tzinfo=tz),
    )  # fmt: skip
    rng = random.Random(21)  # noqa: S311 - made-up demo data, nothing secret
    made = 0
    # The past month, for statistics: booked then served or missed (written as history).
    for back in range(1, 31):
        day = today - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        for n in range(rng.randint(3, 8)):
            starts = dt.datetime.combine(day, T(9, 0), tzinfo=tz) + dt.timedelta(minutes=15 * n)
            status = BookingStatus.NO_SHOW if rng.random() < 0.12 else BookingStatus.SERVED
            Booking.objects.create(
                organization=manresa, locator=f"D{back:02d}{n:02d}DEMO"[:8], access_token=f"demo-{back}-{n}",
                office=office, desk=desk1 if n % 2 else desk2, service=padro if n % 3 else registre,
                starts=starts, ends=starts + dt.timedelta(minutes=15), status=status,
                name=rng.choice(NAMES), identifier=_nif(back * 10 + n),
                created_at=starts - dt.timedelta(days=rng.randint(1, 12)), finished_at=starts,
            )  # fmt: skip
    # The coming days: real bookings through the service (limits and slots apply).
    for ahead in range(0, 8):
        day = today + dt.timedelta(days=ahead)
        from ajunta.appointments.slots import compute_slots

        free = compute_slots(org=manresa, service=padro, first_day=day, last_day=day)
        for slot in free[:: max(1, len(free) // 4 or 1)][:4]:
            try:
                services.booking_create(
                    org=manresa, actor=None, service=padro, starts=slot.starts,
                    name=rng.choice(NAMES), identifier=_nif(1000 + made),
                    email=f"demo{made}@demo.ajunta.invalid", language="ca",
                )  # fmt: skip
                made += 1
            except BookingRefused:
                continue
    if mura is not None and not Office.objects.filter(organization=mura).exists():
        secretary = users.get("secretaria.agrupada")
        mura_office = services.office_create(
            org=mura, actor=secretary, name="Ajuntament de Mura", address="Plaça de la Vila, 1, 08278 Mura",
            min_notice_hours=24, horizon_days=60,
        )  # fmt: skip
        secretaria = services.service_create(
            org=mura, actor=secretary, name="Atenció de la secretària", duration_minutes=20,
            description="La secretària agrupada ve els dimarts al matí.",
        )  # fmt: skip
        desk = services.desk_create(org=mura, actor=secretary, office=mura_office, name="Secretaria",
                                    services=[secretaria], staff=secretary)  # fmt: skip
        services.schedule_create(org=mura, actor=secretary, desk=desk, intervals=[(1, T(9), T(13))])
    stdout.write(
        f"  appointments: offices in Manresa and Mura, a month of history, {made} coming bookings"
    )
