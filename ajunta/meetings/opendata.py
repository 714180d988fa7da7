"""Open data of a session: Popolo-style JSON and an Akoma Ntoso-style XML of the minutes.

Popolo (https://www.popoloproject.com/specs/): organizations, persons, memberships, events,
motions, vote_events and votes, with the field names of its JSON schemas. A secret ballot
publishes its counts only. Only what is public is exported: names and offices of members, never
their e-mail addresses. `schemas/popolo-session.schema.json` describes the document and the tests
check every export against it.

Akoma Ntoso 3.0 (OASIS LegalDocML): a `debate` document with FRBR identification, a roll call, one
`debateSection` per item and the `questions` section, written with lxml.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.utils import timezone
from lxml import etree

from ajunta.meetings import selectors
from ajunta.meetings.models import (
    AttendanceEvent,
    Ballot,
    ItemKind,
    ItemStatus,
    Session,
    VoteMethod,
)
from ajunta.meetings.rules import number

SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "popolo-session.schema.json"
AKN_NS = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
POPOLO_RESULT = {"approved": "pass", "rejected": "fail"}
POPOLO_OPTION = {"yes": "yes", "no": "no", "abstain": "abstain"}


def popolo_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _iso(moment: Any) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _ids(org: Any, session: Session) -> dict[str, str]:
    base = f"{org.slug}"
    return {"org": base, "body": f"{base}/bodies/{session.body.code}"}


def session_popolo(*, org: Any, session: Session) -> dict[str, Any]:
    ids = _ids(org, session)
    seats = selectors.session_seats(org=org, session=session)
    items = [
        i for i in selectors.items(org=org, session=session, included_only=True)
        if i.status != ItemStatus.WITHDRAWN
    ]  # fmt: skip
    person = {m.pk: f"{ids['body']}/members/{m.pk}" for m in seats}
    events = list(selectors.attendance(org=org, session=session))
    attendance = [
        {"person_id": person[e.member_id], "type": e.kind, "date": _iso(e.at), "remote": e.remote}
        for e in events if e.member_id in person
    ]  # fmt: skip
    ballots: dict[int, list[Ballot]] = {}
    for ballot in Ballot.objects.filter(organization=org, item__session=session).order_by("pk"):
        ballots.setdefault(ballot.item_id, []).append(ballot)
    motions, vote_events = [], []
    for item in items:
        motion_id = f"{ids['body']}/sessions/{session.pk}/items/{item.pk}"
        motions.append({
            "id": motion_id, "organization_id": ids["body"], "identifier": str(item.position),
            "classification": item.kind, "text": item.proposal or item.title, "title": item.title,
            "date": _iso(item.decided_at), "result": POPOLO_RESULT.get(item.result),
            "requirement": "simple majority", "agreement": item.agreement or None,
        })  # fmt: skip
        if item.result in POPOLO_RESULT:
            secret = item.vote_method == VoteMethod.SECRET
            vote_events.append({
                "id": f"{motion_id}/vote", "motion_id": motion_id,
                "organization_id": ids["body"], "start_date": _iso(item.decided_at),
                "result": POPOLO_RESULT[item.result], "method": item.vote_method,
                "counts": [
                    {"option": "yes", "value": float(item.votes_yes)},
                    {"option": "no", "value": float(item.votes_no)},
                    {"option": "abstain", "value": float(item.votes_abstain)},
                ],
                "votes": [] if secret else [
                    {"voter_id": person[b.member_id], "option": POPOLO_OPTION[b.choice],
                     "weight": float(b.weight)}
                    for b in ballots.get(item.pk, []) if b.member_id in person
                ],
            })  # fmt: skip
    minutes = selectors.minutes_of(org=org, session=session)
    return {
        "organizations": [
            {"id": ids["org"], "name": org.name, "classification": "municipality"},
            {
                "id": ids["body"],
                "name": session.body.name,
                "classification": session.body.kind,
                "parent_id": ids["org"],
                "legal_members": session.body.legal_members,
            },
        ],
        "persons": [{"id": person[m.pk], "name": m.name} for m in seats],
        "memberships": [
            {
                "id": f"{person[m.pk]}/membership",
                "person_id": person[m.pk],
                "organization_id": ids["body"],
                "role": m.office,
                "label": m.get_office_display(),
                "on_behalf_of": m.group or None,
                "start_date": m.start.isoformat(),
                "end_date": m.end.isoformat() if m.end else None,
            }
            for m in seats
        ],
        "events": [
            {
                "id": f"{ids['body']}/sessions/{session.pk}",
                "name": session.number,
                "classification": session.kind,
                "mode": session.mode,
                "organization_id": ids["body"],
                "start_date": _iso(session.opened_at or session.starts_at),
                "end_date": _iso(session.closed_at),
                "location": session.place or None,
                "status": session.status,
                "stream_url": session.stream_url or None,
                "minutes_number": minutes.number if minutes and minutes.number else None,
                "attendance": attendance,
            }
        ],
        "motions": motions,
        "vote_events": vote_events,
    }


def _el(parent: Any, tag: str, text: str | None = None, **attrs: Any) -> Any:
    node = etree.SubElement(parent, f"{{{AKN_NS}}}{tag}", {k: str(v) for k, v in attrs.items()})
    if text:
        node.text = text
    return node


def minutes_akn(*, org: Any, session: Session) -> bytes:
    """The minutes (or, before they exist, the session's record) as an Akoma Ntoso debate."""
    minutes = selectors.minutes_of(org=org, session=session)
    seats = selectors.session_seats(org=org, session=session)
    day = timezone.localtime(session.starts_at).date().isoformat()
    doc_number = (minutes.number if minutes and minutes.number else session.number) or str(
        session.pk
    )
    work = f"/akn/es-{org.slug}/debate/{session.body.code}/{day}/{doc_number.replace('/', '-')}"
    root = etree.Element(f"{{{AKN_NS}}}akomaNtoso", nsmap={None: AKN_NS})
    debate = _el(root, "debate", name="minutes")
    meta = _el(debate, "meta")
    ident = _el(meta, "identification", source="#secretary")
    for level, suffix in (
        ("FRBRWork", ""),
        ("FRBRExpression", "/cat@"),
        ("FRBRManifestation", "/cat@.akn"),
    ):
        frbr = _el(ident, level)
        _el(frbr, "FRBRthis", value=f"{work}{suffix}/!main")
        _el(frbr, "FRBRuri", value=f"{work}{suffix}")
        _el(frbr, "FRBRdate", date=day, name="session")
        _el(frbr, "FRBRauthor", href="#body")
        if level == "FRBRWork":
            _el(frbr, "FRBRcountry", value="es")
        if level == "FRBRExpression":
            _el(frbr, "FRBRlanguage", language="cat")
    if minutes is not None:
        status = _el(meta, "lifecycle", source="#secretary")
        if minutes.approved_at:
            _el(status, "eventRef", eId="approval", date=timezone.localtime(minutes.approved_at).date().isoformat(),
                source="#secretary", type="amendment")  # fmt: skip
    refs = _el(meta, "references", source="#secretary")
    _el(refs, "TLCOrganization", eId="body", href=f"/ontology/organization/{session.body.code}",
        showAs=session.body.name)  # fmt: skip
    for m in seats:
        eid = "secretary" if m.office == "secretary" else f"member_{m.pk}"
        _el(refs, "TLCPerson", eId=eid, href=f"/ontology/person/{m.pk}", showAs=m.name)
        _el(refs, "TLCRole", eId=f"role_{m.pk}", href=f"/ontology/role/{m.office}",
            showAs=m.get_office_display())  # fmt: skip
    if session.recording_sha256:
        proprietary = _el(meta, "proprietary", source="#secretary")
        _el(proprietary, "recording", sha256=session.recording_sha256)
    preface = _el(debate, "preface")
    p = _el(preface, "p")
    _el(p, "docTitle", f"{session.body.name} · {doc_number}")
    _el(p, "docDate", day, date=day)
    body = _el(debate, "debateBody")
    roll = _el(body, "rollCall", eId="rollcall")
    _el(roll, "heading", "Attendance")
    events = list(selectors.attendance(org=org, session=session))
    came = {e.member_id for e in events if e.kind == AttendanceEvent.Kind.ARRIVE}
    online = {e.member_id for e in events if e.remote}
    for m in seats:
        line = _el(roll, "p")
        ref = "#secretary" if m.office == "secretary" else f"#member_{m.pk}"
        person = _el(line, "person", m.name, refersTo=ref, **{"as": f"#role_{m.pk}"})
        person.tail = (
            (" present" + (" online" if m.pk in online else "")) if m.pk in came else " absent"
        )
    for item in selectors.items(org=org, session=session, included_only=True):
        tag = "questions" if item.kind == ItemKind.QUESTIONS else "debateSection"
        attrs = {"eId": f"dbsect_{item.position}"}
        if tag == "debateSection":
            attrs["name"] = item.kind
        section = _el(body, tag, **attrs)
        _el(section, "num", str(item.position))
        _el(section, "heading", item.title)
        if item.deliberation:
            _el(section, "p", item.deliberation)
        if item.result and item.result != "noted":
            vote = _el(section, "p")
            _el(
                vote,
                "quantity",
                number(item.votes_yes),
                normalized=number(item.votes_yes),
                refersTo="#yes",
            )
            _el(
                vote,
                "quantity",
                number(item.votes_no),
                normalized=number(item.votes_no),
                refersTo="#no",
            )
            _el(vote, "quantity", number(item.votes_abstain), normalized=number(item.votes_abstain),
                refersTo="#abstain")  # fmt: skip
            _el(vote, "outcome", item.get_result_display())
        if item.agreement:
            _el(section, "p", item.agreement, **{"class": "agreement"})
        if item.time_code is not None:
            _el(section, "p", f"{item.time_code}", **{"class": "timecode"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
