"""Demo data of collegiate bodies: the plenary of Rajadell (534 inhabitants in 2020, 7
councillors, a secretary shared with Mura and Talamanca): a mixed session in September with one councillor online, held, its minutes approved
at the November session and signed; the November minutes in draft; the next ordinary session
convened, its agenda on the public page. The agreement of September is in its case file."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone

from ajunta.cases import services as case_services
from ajunta.core import services as core_services
from ajunta.core.models import Role, User
from ajunta.meetings import services
from ajunta.meetings.models import Body, ItemKind, Office

SLUG = "rajadell"
MADRID = ZoneInfo("Europe/Madrid")
# (username, first name, last name, office, group)
PEOPLE = [
    ("alcaldessa.rajadell", "Rosa", "Vilanova", Office.MAYOR, "Junts per Rajadell"),
    ("regidor.rajadell", "Joan", "Prat", Office.COUNCILLOR, "ERC"),
]
COUNCILLORS = [("Marc Soler", "Junts per Rajadell"), ("Laia Codina", "Junts per Rajadell"),
               ("Carles Rovira", "ERC"), ("Núria Bosch", "ERC"), ("Pere Fabregat", "CUP")]  # fmt: skip


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=MADRID)


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    org = orgs.get(SLUG)
    if org is None or Body.objects.filter(organization=org, code="ple").exists():
        return
    from ajunta.tenants.management.commands.seed_demo import DEMO_PASSWORD

    secretary = users["secretaria.agrupada"]
    people = {}
    for username, first, last, _office, _group in PEOPLE:
        user = User.objects.filter(username=username).first() or User.objects.create_user(
            username=username, password=DEMO_PASSWORD, first_name=first, last_name=last,
            email=f"{username}@demo.ajunta.invalid",
        )  # fmt: skip
        core_services.role_grant(org=org, actor=None, user=user, role=Role.ELECTED_MEMBER)
        people[username] = user
    plenary = services.body_create(org=org, actor=secretary, kind="plenary", name="Ple", code="ple")
    start = dt.date(2023, 6, 17)
    seats = {}
    for username, first, last, office, group in PEOPLE:
        seats[username] = services.member_add(
            org=org, actor=secretary, body=plenary, name=f"{first} {last}", office=office,
            group=group, start=start, user=people[username],
        )  # fmt: skip
    others = [
        services.member_add(
            org=org,
            actor=secretary,
            body=plenary,
            name=name,
            group=group,
            office=Office.COUNCILLOR,
            start=start,
        )
        for name, group in COUNCILLORS
    ]
    clerk = services.member_add(
        org=org, actor=secretary, body=plenary, name=secretary.get_full_name(),
        office=Office.SECRETARY, start=start, user=secretary,
    )  # fmt: skip
    mayor, online = seats["alcaldessa.rajadell"], seats["regidor.rajadell"]

    procedure = case_services.procedure_create(
        org=org, actor=secretary, code="ORD-FISCAL", name="Modificació d'ordenances fiscals",
        deadline_value=3, deadline_unit="months", silence_effect="none", phases="",
        required_documents="",
    )  # fmt: skip
    case = case_services.case_open(
        org=org, actor=secretary, procedure=procedure,
        subject="Modificació de l'ordenança fiscal de la taxa d'escombraries 2027",
    )  # fmt: skip

    # September: a mixed session, one councillor online.
    september = services.session_create(
        org=org, actor=secretary, body=plenary, kind="ordinary", starts_at=at(dt.date(2026, 9, 24), 20),
        mode="mixed", place="Sala de plens",
        remote_justification="Reglament orgànic municipal, art. 12: assistència a distància.",
        stream_url="https://stream.example.org/rajadell",
    )  # fmt: skip
    item = services.item_propose(
        org=org, actor=secretary, session=september, kind=ItemKind.PROPOSAL, case=case,
        title="Aprovació inicial de la modificació de l'ordenança fiscal de la taxa d'escombraries",
        proposal="Aprovar inicialment la modificació de l'ordenança fiscal núm. 5 i exposar-la al "
        "públic durant trenta dies hàbils.",
        opinion="Dictamen favorable de la Comissió Especial de Comptes del 17 de setembre.",
    )  # fmt: skip
    services.item_review(org=org, actor=secretary, item=item, accept=True)
    services.session_convene(
        org=org, actor=secretary, session=september, now=at(dt.date(2026, 9, 18), 9)
    )
    for seat in (mayor, clerk, *others[:4]):
        services.attendance_record(org=org, actor=secretary, session=september, member=seat,
                                   kind="arrive", at=at(dt.date(2026, 9, 24), 19, 55))  # fmt: skip
    services.attendance_record(org=org, actor=secretary, session=september, member=online,
                               kind="arrive", at=at(dt.date(2026, 9, 24), 20, 2), remote=True,
                               source="video")  # fmt: skip
    services.session_open(
        org=org, actor=secretary, session=september, now=at(dt.date(2026, 9, 24), 20, 5)
    )
    ballots = {mayor.pk: "yes", others[0].pk: "yes", others[1].pk: "yes", online.pk: "no",
               others[2].pk: "no", others[3].pk: "abstain"}  # fmt: skip
    services.item_decide(
        org=org, actor=secretary, item=item, vote_method="roll_call", ballots=ballots,
        deliberation="El grup d'ERC demana una bonificació per a les famílies nombroses.",
        time_code=312, now=at(dt.date(2026, 9, 24), 20, 30),
    )  # fmt: skip
    questions = september.items.get(kind=ItemKind.QUESTIONS)
    services.item_decide(org=org, actor=secretary, item=questions, time_code=1820,
                         deliberation="El regidor Joan Prat pregunta per l'enllumenat del carrer Major.",
                         now=at(dt.date(2026, 9, 24), 20, 45))  # fmt: skip
    services.session_close(org=org, actor=secretary, session=september,
                           now=at(dt.date(2026, 9, 24), 21), recording_sha256="9f" * 32)  # fmt: skip
    minutes = services.minutes_generate(org=org, actor=secretary, session=september)

    # November: the September minutes approved.
    november = services.session_create(
        org=org, actor=secretary, body=plenary, kind="ordinary", starts_at=at(dt.date(2026, 11, 26), 20),
        place="Sala de plens",
    )  # fmt: skip
    approval = services.item_propose(org=org, actor=secretary, session=november, kind=ItemKind.MINUTES,
                                     title="Aprovació de l'acta de la sessió anterior", minutes_of=september)  # fmt: skip
    services.item_review(org=org, actor=secretary, item=approval, accept=True)
    services.session_convene(
        org=org, actor=secretary, session=november, now=at(dt.date(2026, 11, 20), 9)
    )
    for seat in (mayor, clerk, online, *others):
        services.attendance_record(org=org, actor=secretary, session=november, member=seat,
                                   kind="arrive", at=at(dt.date(2026, 11, 26), 19, 55))  # fmt: skip
    services.session_open(
        org=org, actor=secretary, session=november, now=at(dt.date(2026, 11, 26), 20)
    )
    services.item_decide(org=org, actor=secretary, item=approval, vote_method="show_of_hands",
                         ballots={s.pk: "yes" for s in (mayor, online, *others)},
                         now=at(dt.date(2026, 11, 26), 20, 5))  # fmt: skip
    for extra in november.items.filter(status="included"):
        services.item_decide(
            org=org, actor=secretary, item=extra, now=at(dt.date(2026, 11, 26), 20, 20)
        )
    services.session_close(
        org=org, actor=secretary, session=november, now=at(dt.date(2026, 11, 26), 20, 30)
    )
    services.minutes_generate(org=org, actor=secretary, session=november)
    services.minutes_sign(
        org=org, actor=secretary, minutes=minutes, now=at(dt.date(2026, 11, 27), 9)
    )
    services.minutes_sign(org=org, actor=people["alcaldessa.rajadell"], minutes=minutes,
                          now=at(dt.date(2026, 11, 27), 10))  # fmt: skip

    # The next ordinary session, convened with due notice.
    today = timezone.localdate()
    upcoming = services.session_create(
        org=org, actor=secretary, body=plenary, kind="ordinary",
        starts_at=at(today + dt.timedelta(days=14), 20), mode="mixed", place="Sala de plens",
        remote_justification="Reglament orgànic municipal, art. 12: assistència a distància.",
    )  # fmt: skip
    budget = services.item_propose(org=org, actor=secretary, session=upcoming, kind=ItemKind.PROPOSAL,
                                   title="Aprovació inicial del pressupost", proposal="Aprovar inicialment el pressupost.")  # fmt: skip
    services.item_review(org=org, actor=secretary, item=budget, accept=True)
    services.session_convene(org=org, actor=secretary, session=upcoming)
    stdout.write(
        f"  meetings: plenary of {org.name}; log in as alcaldessa.rajadell or regidor.rajadell"
    )
