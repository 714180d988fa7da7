"""Every write on collegiate bodies: atomic, audited, `<noun>_<verb>(*, org, actor, ...)`.

The path of a session: `session_create` → `item_propose` / `item_review` → `session_convene`
(notice checked on the business calendar, one convocation per member) → `convocation_acknowledge`
→ `session_open` (quorum) → `attendance_record` / `session_video_join` → `item_decide` (quorum,
votes, agreement; the item is then sealed) → `session_close` → `minutes_generate` →
`minutes_amend` → approved by an item of the next session → `minutes_sign` (secretary and mayor;
numbered in the minutes book, sealed; each agreement's certificate goes to its case file).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ajunta.cases import services as case_services
from ajunta.core.audit import audit_record
from ajunta.core.calendar import calendar_for
from ajunta.core.documents import document_register, document_store
from ajunta.core.integrity import seal, seal_commitments
from ajunta.core.numbering import next_number
from ajunta.core.video import video_room
from ajunta.meetings import pdfs, rules, selectors
from ajunta.meetings.models import (
    UNVOTED_KINDS,
    AgendaItem,
    AttendanceEvent,
    Ballot,
    Body,
    BodyKind,
    Choice,
    Convocation,
    ItemKind,
    ItemResult,
    ItemStatus,
    Member,
    Minutes,
    MinutesStatus,
    Office,
    Session,
    SessionKind,
    SessionMode,
    SessionStatus,
    VoteMethod,
)
from ajunta.meetings.rules import number
from ajunta.meetings.signing import sign_pdf

SINGLE_OFFICES = (Office.MAYOR, Office.SECRETARY)


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _own(org: Any, *objs: Any) -> None:
    for obj in objs:
        if obj is not None and obj.organization_id != org.pk:
            raise ValidationError(_("Not found."))


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _locked_session(org: Any, session: Session) -> Session:
    return (
        Session.objects.select_for_update()
        .select_related("body")
        .get(organization=org, pk=session.pk)
    )


def _locked_item(org: Any, item: AgendaItem) -> AgendaItem:
    current = (
        AgendaItem.objects.select_for_update()
        .select_related("session__body")
        .get(organization=org, pk=item.pk)
    )
    if current.status == ItemStatus.DECIDED:
        raise ValidationError(_("This item is decided and locked: it cannot change."))
    return current


# --- bodies and members ----------------------------------------------------------------------------
@transaction.atomic
def body_create(
    *, org: Any, actor: Any, kind: str, name: str, code: str, legal_members: int | None = None,
    own_quorum: int | None = None, own_period_months: int | None = None,
    weighted_voting: bool = False,
) -> Body:  # fmt: skip
    """A collegiate body. The plenary's legal number of members comes from the population
    (LOREG art. 179) unless given; own rules may only be stricter than the law."""
    if kind not in BodyKind.values:
        raise ValidationError({"kind": _("Unknown choice.")})
    if legal_members is None:
        if kind != BodyKind.PLENARY or org.population is None:
            raise ValidationError(
                {"legal_members": _("Give the legal number of members of this body.")}
            )
        legal_members = rules.legal_councillors(org.population)
    if legal_members < 1:
        raise ValidationError({"legal_members": _("A body has at least one member.")})
    if own_quorum is not None and own_quorum < rules.legal_quorum(legal_members):
        raise ValidationError({"own_quorum": _(
            "Own rules may only be stricter than the law: the legal quorum is %(quorum)s."
        ) % {"quorum": rules.legal_quorum(legal_members)}})  # fmt: skip
    if own_quorum is not None and own_quorum > legal_members:
        raise ValidationError({"own_quorum": _("The quorum cannot exceed the legal members.")})
    if kind == BodyKind.PLENARY and own_period_months and org.population is not None:
        legal = rules.ordinary_period_months(org.population)
        if own_period_months > legal:
            raise ValidationError({"own_period_months": _(
                "Own rules may only be stricter than the law: at most every %(months)s months."
            ) % {"months": legal}})  # fmt: skip
    if Body.objects.filter(organization=org, code=code).exists():
        raise ValidationError({"code": _("Another body has this code.")})
    body = Body.objects.create(
        organization=org, kind=kind, name=name[:200], code=code, legal_members=legal_members,
        own_quorum=own_quorum, own_period_months=own_period_months,
        weighted_voting=weighted_voting,
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="meetings.body.create", obj=body, changes={
        "kind": kind, "name": body.name, "code": code, "legal_members": legal_members,
        "own_quorum": own_quorum, "own_period_months": own_period_months,
    })  # fmt: skip
    return body


@transaction.atomic
def member_add(
    *, org: Any, actor: Any, body: Body, name: str, office: str, start: dt.date,
    user: Any = None, email: str = "", group: str = "", weight: Decimal | int = 1,
    end: dt.date | None = None,
) -> Member:  # fmt: skip
    _own(org, body)
    if office not in Office.values:
        raise ValidationError({"office": _("Unknown choice.")})
    if end is not None and end < start:
        raise ValidationError({"end": _("The end is before the start.")})
    if Decimal(weight) <= 0:
        raise ValidationError({"weight": _("A vote weighs more than zero.")})
    if Decimal(weight) != 1 and not body.weighted_voting:
        raise ValidationError({"weight": _("This body does not vote by weight.")})
    Body.objects.select_for_update().get(pk=body.pk)
    seats = selectors.members(org=org, body=body, on=start)
    if office in SINGLE_OFFICES and seats.filter(office=office).exists():
        raise ValidationError({"office": _("Somebody already holds this office in the body.")})
    if office != Office.SECRETARY:
        voting = seats.exclude(office=Office.SECRETARY).count()
        if voting >= body.legal_members:
            raise ValidationError({"office": _(
                "The body already has its legal number of members (%(count)s)."
            ) % {"count": body.legal_members}})  # fmt: skip
    if user is not None and seats.filter(user=user).exists():
        raise ValidationError({"user": _("This person already holds a seat in the body.")})
    member = Member.objects.create(
        organization=org, body=body, user=user, name=name[:200],
        email=email or (user.email if user is not None else ""), office=office, group=group[:100],
        weight=Decimal(weight), start=start, end=end,
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="meetings.member.add", obj=member, changes={
        "body": body.code, "name": member.name, "office": office, "start": start, "end": end,
        "weight": member.weight,
    })  # fmt: skip
    return member


@transaction.atomic
def member_end(*, org: Any, actor: Any, member: Member, end: dt.date) -> Member:
    _own(org, member)
    if end < member.start:
        raise ValidationError({"end": _("The end is before the start.")})
    member.end = end
    member.save(update_fields=["end"])
    audit_record(org=org, actor=actor, action="meetings.member.end", obj=member,
                 changes={"end": end})  # fmt: skip
    return member


# --- sessions --------------------------------------------------------------------------------------
def _check_mode(mode: str, justification: str) -> None:
    if mode not in SessionMode.values:
        raise ValidationError({"mode": _("Unknown choice.")})
    if mode != SessionMode.IN_PERSON and not justification.strip():
        raise ValidationError({"remote_justification": _(
            "A remote or mixed session needs the recorded reason that allows it "
            "(LRBRL art. 46.3: serious risk, catastrophe, or the council's own rules)."
        )})  # fmt: skip


@transaction.atomic
def session_create(
    *, org: Any, actor: Any, body: Body, kind: str, starts_at: dt.datetime,
    mode: str = SessionMode.IN_PERSON, remote_justification: str = "", place: str = "",
    stream_url: str = "",
) -> Session:  # fmt: skip
    _own(org, body)
    if kind not in SessionKind.values:
        raise ValidationError({"kind": _("Unknown choice.")})
    _check_mode(mode, remote_justification)
    session = Session.objects.create(
        organization=org, body=body, kind=kind, starts_at=starts_at, mode=mode,
        remote_justification=remote_justification.strip(), place=place[:200],
        stream_url=stream_url,
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="meetings.session.create", obj=session, changes={
        "body": body.code, "kind": kind, "starts_at": starts_at, "mode": mode,
        "remote_justification": session.remote_justification,
    })  # fmt: skip
    return session


@transaction.atomic
def session_update(*, org: Any, actor: Any, session: Session, **fields: Any) -> Session:
    """Date, place, mode (before convening) and the public streaming URL (any time before closing)."""
    current = _locked_session(org, session)
    allowed = {"stream_url"} if current.status != SessionStatus.DRAFT else {
        "stream_url", "starts_at", "place", "mode", "remote_justification",
    }  # fmt: skip
    if current.status == SessionStatus.CLOSED:
        allowed = {"recording_sha256"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("These cannot change now: %(fields)s.") % {
            "fields": ", ".join(sorted(unknown))})  # fmt: skip
    old = {name: getattr(current, name) for name in fields}
    for name, value in fields.items():
        setattr(current, name, value)
    _check_mode(current.mode, current.remote_justification)
    current.save(update_fields=list(fields))
    audit_record(org=org, actor=actor, action="meetings.session.update", obj=current,
                 changes={n: [old[n], fields[n]] for n in fields})  # fmt: skip
    return current


# --- agenda ----------------------------------------------------------------------------------------
def _next_position(org: Any, session: Session) -> int:
    top = AgendaItem.objects.filter(organization=org, session=session).aggregate(m=Max("position"))[
        "m"
    ]
    return (top or 0) + 1


@transaction.atomic
def item_propose(
    *, org: Any, actor: Any, session: Session, kind: str, title: str, proposal: str = "",
    case: Any = None, opinion: str = "", minutes_of: Session | None = None,
) -> AgendaItem:  # fmt: skip
    """A proposal for the agenda. Before the convocation it waits for the secretary's review; an
    urgent motion is brought during the session and is debated only if its urgency is voted."""
    current = _locked_session(org, session)
    _own(org, case, minutes_of)
    if kind not in ItemKind.values:
        raise ValidationError({"kind": _("Unknown choice.")})
    if not title.strip():
        raise ValidationError({"title": _("Give the item a title.")})
    if kind == ItemKind.URGENT:
        if current.status != SessionStatus.OPEN:
            raise ValidationError({"kind": _("Urgent motions are brought during the session.")})
    elif current.status != SessionStatus.DRAFT:
        raise ValidationError(_("The agenda is closed once the session is convened."))
    if kind == ItemKind.MINUTES:
        if minutes_of is None or minutes_of.body_id != current.body_id:
            raise ValidationError({"minutes_of": _("Choose an earlier session of this body.")})
        if minutes_of.starts_at >= current.starts_at:
            raise ValidationError({"minutes_of": _("Minutes are approved at a later session.")})
        draft = selectors.minutes_of(org=org, session=minutes_of)
        if draft is None or draft.status != MinutesStatus.DRAFT:
            raise ValidationError({"minutes_of": _("That session has no draft minutes.")})
    elif minutes_of is not None:
        raise ValidationError({"minutes_of": _("Only an approval of minutes names a session.")})
    if kind in (ItemKind.PROPOSAL, ItemKind.URGENT) and not proposal.strip():
        raise ValidationError({"proposal": _("Write the proposed agreement.")})
    urgent = kind == ItemKind.URGENT
    item = AgendaItem.objects.create(
        organization=org, session=current, kind=kind, title=title.strip()[:300],
        proposal=proposal.strip(), case=case, opinion=opinion.strip(), minutes_of=minutes_of,
        status=ItemStatus.INCLUDED if urgent else ItemStatus.PROPOSED,
        position=_next_position(org, current) if urgent else None, proposed_by=_user(actor),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="meetings.item.propose", obj=item, changes={
        "session": current.pk, "kind": kind, "title": item.title,
        "case": case.number if case is not None else None,
    })  # fmt: skip
    return item


@transaction.atomic
def item_review(*, org: Any, actor: Any, item: AgendaItem, accept: bool) -> AgendaItem:
    """The secretary's review: the proposal goes on the agenda (numbered last) or is sent back."""
    current = _locked_item(org, item)
    if current.session.status != SessionStatus.DRAFT:
        raise ValidationError(_("The agenda is closed once the session is convened."))
    if current.status != ItemStatus.PROPOSED:
        raise ValidationError(_("This item was already reviewed."))
    current.status = ItemStatus.INCLUDED if accept else ItemStatus.WITHDRAWN
    current.position = _next_position(org, current.session) if accept else None
    current.reviewed_by = _user(actor)
    current.save(update_fields=["status", "position", "reviewed_by"])
    audit_record(org=org, actor=actor, action="meetings.item.review", obj=current,
                 changes={"accept": accept, "position": current.position})  # fmt: skip
    return current


def _renumber(org: Any, session: Session) -> list[AgendaItem]:
    """Minutes first, then the items in their order, requests and questions last (ROF art. 82-91)."""
    rows = list(selectors.items(org=org, session=session, included_only=True))
    rank: dict[str, int] = {ItemKind.MINUTES: 0, ItemKind.QUESTIONS: 2}
    rows.sort(key=lambda i: (rank.get(i.kind, 1), i.position or 0, i.pk))
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            row.position = position
            row.save(update_fields=["position"])
    return rows


@transaction.atomic
def item_move(*, org: Any, actor: Any, item: AgendaItem, position: int) -> AgendaItem:
    current = _locked_item(org, item)
    if current.session.status != SessionStatus.DRAFT or current.status != ItemStatus.INCLUDED:
        raise ValidationError(_("Only items on an agenda being prepared can move."))
    rows = [r for r in _renumber(org, current.session) if r.pk != current.pk]
    position = max(1, min(position, len(rows) + 1))
    rows.insert(position - 1, current)
    for index, row in enumerate(rows, start=1):
        AgendaItem.objects.filter(pk=row.pk).update(position=index)
    audit_record(org=org, actor=actor, action="meetings.item.move", obj=current,
                 changes={"position": position})  # fmt: skip
    current.refresh_from_db()
    return current


def notice_deadline(org: Any, convened_on: dt.date) -> dt.date:
    """The first day a session convened on `convened_on` may be held (LRBRL art. 46.2.b).

    Two whole business days must lie between the convocation and the session: neither the day
    of the convocation nor the day of the session counts (convened on Friday: Monday and
    Tuesday pass, the session may be on Wednesday)."""
    last = calendar_for(org).add_business_days(convened_on, rules.NOTICE_BUSINESS_DAYS)
    return last + dt.timedelta(days=1)


@transaction.atomic
def session_convene(
    *, org: Any, actor: Any, session: Session, now: dt.datetime | None = None
) -> Session:
    """Number the session, freeze and store the agenda, and send the convocation to each member.

    Refused when the notice is shorter than two business days on the organization's calendar,
    unless the session is extraordinary and urgent."""
    now = _now(now)
    current = _locked_session(org, session)
    if current.status != SessionStatus.DRAFT:
        raise ValidationError(_("This session is already convened."))
    cal = calendar_for(org)
    session_day = timezone.localtime(current.starts_at, cal.tz).date()
    earliest = notice_deadline(org, timezone.localtime(now, cal.tz).date())
    if current.kind != SessionKind.URGENT and session_day < earliest:
        raise ValidationError({"starts_at": _(
            "Too late to convene: a session convened today may be held from %(day)s (two business "
            "days' notice, LRBRL art. 46.2.b). Move the date or convene it as urgent."
        ) % {"day": earliest.isoformat()}})  # fmt: skip
    if current.starts_at <= now:
        raise ValidationError({"starts_at": _("The session must start in the future.")})
    seats = selectors.session_seats(org=org, session=current)
    if not any(m.office == Office.SECRETARY for m in seats):
        raise ValidationError(_("The body has no secretary: add one before convening."))
    if (
        current.kind == SessionKind.ORDINARY
        and not AgendaItem.objects.filter(
            organization=org, session=current, kind=ItemKind.QUESTIONS
        )
        .exclude(status=ItemStatus.WITHDRAWN)
        .exists()
    ):
        AgendaItem.objects.create(
            organization=org, session=current, kind=ItemKind.QUESTIONS,
            title=_("Requests and questions"), status=ItemStatus.INCLUDED,
        )  # fmt: skip
    agenda = _renumber(org, current)
    if not agenda:
        raise ValidationError(_("The agenda is empty."))
    current.year = session_day.year
    current.sequence = next_number(org=org, series=f"meetings.session.{current.body.code}",
                                   year=current.year)  # fmt: skip
    current.number = f"{current.body.code.upper()}-{current.year}/{current.sequence}"
    pdf = pdfs.convocation_pdf(org=org, session=current, items=agenda)
    document = document_store(
        org=org, actor=actor, uploaded_file=ContentFile(pdf, name=f"{current.number}.pdf".replace("/", "-")),
    )  # fmt: skip
    document_register(org=org, actor=actor, document=document)
    current.agenda_document = document
    current.status = SessionStatus.CONVENED
    current.convened_at = now
    current.save(update_fields=[
        "year", "sequence", "number", "agenda_document", "status", "convened_at",
    ])  # fmt: skip
    AgendaItem.objects.filter(organization=org, session=current, status=ItemStatus.PROPOSED).update(
        status=ItemStatus.WITHDRAWN
    )
    rows = [
        Convocation(organization=org, session=current, member=m, sent_at=now, sent_to=m.email)
        for m in seats
    ]
    Convocation.objects.bulk_create(rows)
    audit_record(org=org, actor=actor, action="meetings.session.convene", obj=current, changes={
        "number": current.number, "starts_at": current.starts_at, "agenda_sha256": document.sha256,
        "members": [m.pk for m in seats], "notice_from": earliest,
        "items": [[i.position, i.title] for i in agenda],
    })  # fmt: skip
    _mail_convocations(org, current, seats)
    _post_on_the_notice_board(org, actor, current, agenda, pdf, session_day)
    return current


def _post_on_the_notice_board(
    org: Any, actor: Any, session: Session, agenda: list[AgendaItem], pdf: bytes, day: dt.date
) -> None:
    """The convocation and its agenda on the organization's notice board until the session day
    (ROF art. 229: the agenda of the plenary is made public), in the organization's language."""
    from ajunta.noticeboard import services as board

    today = calendar_for(org).today()
    if day < today:  # a session convened for a day already gone (imports)
        return
    last = min(day, today + dt.timedelta(days=board.MAX_PERIOD_DAYS))
    with translation.override(getattr(org, "language", "") or None):
        title = _("Convocation of %(body)s: session %(number)s on %(when)s") % {
            "body": session.body.name, "number": session.number,
            "when": pdfs.when(session.starts_at)}  # fmt: skip
        lines = [f"{item.position}. {item.title}" for item in agenda]
        text = "\n".join([_("Agenda:"), "", *lines])
    board.edict_publish(
        org=org, actor=actor, kind="announcement", title=title[:240], body=text,
        reference=session.number, starts_on=today, ends_on=last,
        uploaded_file=ContentFile(pdf, name=f"{session.number}.pdf".replace("/", "-")),
    )  # fmt: skip


def _mail_convocations(org: Any, session: Session, seats: list[Member]) -> None:
    link = reverse("meetings_session", args=[org.slug, session.pk])
    subject = _("Convocation: %(body)s, session %(number)s") % {
        "body": session.body.name, "number": session.number}  # fmt: skip
    text = _(
        "You are convened to session %(number)s of %(body)s on %(when)s. The agenda and the "
        "documents are at %(link)s; please acknowledge receipt there."
    ) % {"number": session.number, "body": session.body.name,
         "when": pdfs.when(session.starts_at), "link": link}  # fmt: skip
    recipients = [m.email for m in seats if m.email]
    if recipients:
        transaction.on_commit(
            lambda: [send_mail(subject, text, None, [r], fail_silently=True) for r in recipients]
        )


@transaction.atomic
def convocation_acknowledge(
    *, org: Any, actor: Any, convocation: Convocation, now: dt.datetime | None = None
) -> Convocation:
    """The member acknowledges receipt of their convocation (only the member themself)."""
    current = (
        Convocation.objects.select_for_update()
        .select_related("member")
        .get(organization=org, pk=convocation.pk)
    )
    if current.member.user_id is None or current.member.user_id != getattr(actor, "pk", None):
        raise ValidationError(_("Only the convened member acknowledges their convocation."))
    if current.acknowledged_at is not None:
        return current
    current.acknowledged_at = _now(now)
    current.save(update_fields=["acknowledged_at"])
    audit_record(org=org, actor=actor, action="meetings.convocation.acknowledge", obj=current,
                 changes={"session": current.session_id, "at": current.acknowledged_at})  # fmt: skip
    return current


# --- during the session ----------------------------------------------------------------------------
@transaction.atomic
def attendance_record(
    *, org: Any, actor: Any, session: Session, member: Member, kind: str,
    at: dt.datetime | None = None, remote: bool = False, source: str = "secretary",
) -> AttendanceEvent:  # fmt: skip
    """An arrival or a departure, in the room or online."""
    current = _locked_session(org, session)
    _own(org, member)
    if member.body_id != current.body_id:
        raise ValidationError({"member": _("This person is not a member of the body.")})
    if current.status not in (SessionStatus.CONVENED, SessionStatus.OPEN):
        raise ValidationError(_("Attendance is recorded while the session is held."))
    if kind not in AttendanceEvent.Kind.values:
        raise ValidationError({"kind": _("Unknown choice.")})
    if remote and not current.allows_remote:
        raise ValidationError({"remote": _("This session is held in person only.")})
    at = _now(at)
    events = list(selectors.attendance(org=org, session=current))
    if events and at < events[-1].at:
        raise ValidationError({"at": _("Attendance is recorded in order of time.")})
    inside = member.pk in selectors.presence(events)
    if kind == AttendanceEvent.Kind.ARRIVE and inside:
        raise ValidationError({"kind": _("This member is already present.")})
    if kind == AttendanceEvent.Kind.LEAVE and not inside:
        raise ValidationError({"kind": _("This member is not present.")})
    event = AttendanceEvent.objects.create(
        organization=org, session=current, member=member, kind=kind, at=at, remote=remote,
        source=source,
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="meetings.attendance", obj=event, changes={
        "session": current.pk, "member": member.pk, "kind": kind, "at": at, "remote": remote,
        "source": source,
    })  # fmt: skip
    return event


def _seat_of(org: Any, session: Session, user: Any) -> Member:
    for member in selectors.session_seats(org=org, session=session):
        if member.user_id == getattr(user, "pk", None):
            return member
    raise ValidationError(_("You hold no seat in this body."))


@transaction.atomic
def session_video_join(
    *, org: Any, actor: Any, session: Session, now: dt.datetime | None = None
) -> str:
    """The member joins the session's video room: their online arrival is recorded and the
    address with their identity (moderator for the chair and the secretary) is returned."""
    if not session.allows_remote:
        raise ValidationError(_("This session is held in person only."))
    room = video_room(org, f"session-{session.pk}")
    if room is None:
        raise ValidationError(_("No video server is configured."))
    member = _seat_of(org, session, actor)
    inside = selectors.presence(list(selectors.attendance(org=org, session=session)))
    if member.pk not in inside:
        attendance_record(
            org=org, actor=actor, session=session, member=member,
            kind=AttendanceEvent.Kind.ARRIVE, at=now, remote=True, source="video",
        )  # fmt: skip
    moderator = member.office in (Office.MAYOR, Office.SECRETARY)
    return room.join_url(member.name, member.email, moderator=moderator)


@transaction.atomic
def session_video_leave(
    *, org: Any, actor: Any, session: Session, now: dt.datetime | None = None
) -> AttendanceEvent:
    member = _seat_of(org, session, actor)
    return attendance_record(
        org=org, actor=actor, session=session, member=member, kind=AttendanceEvent.Kind.LEAVE,
        at=now, remote=True, source="video",
    )  # fmt: skip


@transaction.atomic
def session_open(
    *, org: Any, actor: Any, session: Session, now: dt.datetime | None = None
) -> Session:
    """The chair opens the session: refused without quorum (LRBRL art. 46.2.c)."""
    now = _now(now)
    current = _locked_session(org, session)
    if current.status != SessionStatus.CONVENED:
        raise ValidationError(_("Only a convened session can be opened."))
    quorum = selectors.session_quorum(org=org, session=current, at=now)
    if not quorum.ok:
        raise ValidationError(_quorum_message(quorum))
    current.status = SessionStatus.OPEN
    current.opened_at = now
    current.save(update_fields=["status", "opened_at"])
    audit_record(org=org, actor=actor, action="meetings.session.open", obj=current, changes={
        "at": now, "present": quorum.present, "required": quorum.required,
    })  # fmt: skip
    return current


def _quorum_message(quorum: selectors.Quorum) -> str:
    if not quorum.chair:
        return _("No quorum: the chair (the mayor or a deputy mayor) is not present.")
    if not quorum.secretary:
        return _("No quorum: the secretary is not present.")
    return _("No quorum: %(present)s members present, %(required)s required.") % {
        "present": quorum.present, "required": quorum.required}  # fmt: skip


@transaction.atomic
def item_urgency_vote(
    *, org: Any, actor: Any, item: AgendaItem, approved: bool, now: dt.datetime | None = None
) -> AgendaItem:
    """The body votes whether an urgent motion is debated (ROF art. 91.4); if not, it is dropped."""
    current = _locked_item(org, item)
    if current.kind != ItemKind.URGENT or current.urgency_approved is not None:
        raise ValidationError(_("Only an urgent motion has its urgency voted, once."))
    if current.session.status != SessionStatus.OPEN:
        raise ValidationError(_("Votes are taken while the session is in progress."))
    quorum = selectors.session_quorum(org=org, session=current.session, at=_now(now))
    if not quorum.ok:
        raise ValidationError(_quorum_message(quorum))
    current.urgency_approved = approved
    fields = ["urgency_approved"]
    if not approved:
        current.status = ItemStatus.WITHDRAWN
        fields.append("status")
    current.save(update_fields=fields)
    audit_record(org=org, actor=actor, action="meetings.item.urgency", obj=current,
                 changes={"approved": approved})  # fmt: skip
    return current


def _count(
    body: Body, method: str, present: dict[int, Member], ballots: dict[int, str] | None,
    counts: dict[str, Any] | None,
) -> tuple[dict[str, Decimal], list[tuple[Member, str]]]:  # fmt: skip
    totals = {c: Decimal(0) for c in Choice.values}
    cast: list[tuple[Member, str]] = []
    if method == VoteMethod.SECRET:
        if ballots:
            raise ValidationError({"ballots": _("A secret ballot records no names.")})
        if body.weighted_voting:
            raise ValidationError({"vote_method": _("A weighted vote is never secret here.")})
        for choice in Choice.values:
            value = (counts or {}).get(choice, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValidationError({"counts": _("Counts are whole numbers from zero.")})
            totals[choice] = Decimal(value)
        if sum(totals.values()) > len(present):
            raise ValidationError({"counts": _("More votes than members present.")})
        return totals, cast
    if counts:
        raise ValidationError({"counts": _("Record each member's vote, not totals.")})
    for member_id, choice in (ballots or {}).items():
        if choice not in Choice.values:
            raise ValidationError({"ballots": _("A vote is yes, no or abstain.")})
        member = present.get(int(member_id))
        if member is None:
            raise ValidationError({"ballots": _("Only members present vote.")})
        totals[choice] += member.weight if body.weighted_voting else Decimal(1)
        cast.append((member, choice))
    if not cast:
        raise ValidationError({"ballots": _("Record the members' votes.")})
    return totals, cast


@transaction.atomic
def item_decide(
    *, org: Any, actor: Any, item: AgendaItem, vote_method: str = "",
    ballots: dict[int, str] | None = None, counts: dict[str, Any] | None = None,
    agreement: str = "", deliberation: str = "", time_code: int | None = None,
    now: dt.datetime | None = None,
) -> AgendaItem:  # fmt: skip
    """Record the debate and the vote of an item and lock it (sealed). Quorum is checked at the
    moment of the vote; the simple majority decides (LRBRL art. 47.1: more yes than no)."""
    now = _now(now)
    current = _locked_item(org, item)
    session = current.session
    if session.status != SessionStatus.OPEN:
        raise ValidationError(_("Items are decided while the session is in progress."))
    if current.status != ItemStatus.INCLUDED:
        raise ValidationError(_("This item is not on the agenda."))
    if current.kind == ItemKind.URGENT and current.urgency_approved is not True:
        raise ValidationError(_("Vote the urgency of this motion first."))
    seats = selectors.session_seats(org=org, session=session)
    events = list(selectors.attendance(org=org, session=session))
    quorum = selectors.quorum_of(session.body, seats, events, now)
    if not quorum.ok:
        raise ValidationError(_quorum_message(quorum))
    if time_code is not None and time_code < 0:
        raise ValidationError({"time_code": _("A time code counts seconds from zero.")})
    inside = selectors.presence(events, now)
    present = {m.pk: m for m in seats if m.pk in inside and m.votes}
    cast: list[tuple[Member, str]] = []
    if current.kind in UNVOTED_KINDS:
        if vote_method or ballots or counts:
            raise ValidationError({"vote_method": _("This item is not voted.")})
        result = ItemResult.NOTED
        totals = {c: Decimal(0) for c in Choice.values}
    else:
        if vote_method not in VoteMethod.values:
            raise ValidationError({"vote_method": _("Choose how the item is voted.")})
        totals, cast = _count(session.body, vote_method, present, ballots, counts)
        approved = totals[Choice.YES] > totals[Choice.NO]
        result = ItemResult.APPROVED if approved else ItemResult.REJECTED
    if result == ItemResult.APPROVED and not agreement.strip():
        agreement = current.proposal or current.title
    # Quantized as the column stores them: the seal hashes what a re-read will find.
    totals = {k: v.quantize(Decimal("0.01")) for k, v in totals.items()}
    current.vote_method = vote_method
    current.votes_yes, current.votes_no = totals[Choice.YES], totals[Choice.NO]
    current.votes_abstain = totals[Choice.ABSTAIN]
    current.present = quorum.present
    current.result = result
    current.agreement = agreement.strip()
    current.deliberation = deliberation.strip()
    current.decided_at = now
    current.time_code = time_code
    current.status = ItemStatus.DECIDED
    seal(current)
    current.save()
    Ballot.objects.bulk_create([
        Ballot(organization=org, item=current, member=m, choice=c, weight=m.weight)
        for m, c in cast
    ])  # fmt: skip
    audit_record(org=org, actor=actor, action="meetings.item.decide", obj=current, changes={
        "result": result, "yes": current.votes_yes, "no": current.votes_no,
        "abstain": current.votes_abstain, "present": quorum.present, "method": vote_method,
        "ballots": {str(m.pk): c for m, c in cast}, "seals": seal_commitments(current),
    })  # fmt: skip
    if current.kind == ItemKind.MINUTES and result == ItemResult.APPROVED:
        _minutes_approve(org, actor, current, now)
    return current


@transaction.atomic
def session_close(
    *, org: Any, actor: Any, session: Session, now: dt.datetime | None = None,
    recording_sha256: str = "",
) -> Session:  # fmt: skip
    now = _now(now)
    current = _locked_session(org, session)
    if current.status != SessionStatus.OPEN:
        raise ValidationError(_("Only a session in progress can be closed."))
    if recording_sha256 and (
        len(recording_sha256) != 64 or any(c not in "0123456789abcdef" for c in recording_sha256)
    ):
        raise ValidationError({"recording_sha256": _("A SHA-256 is 64 lowercase hex digits.")})
    open_items = AgendaItem.objects.filter(
        organization=org, session=current, status=ItemStatus.INCLUDED
    )
    if open_items.exists():
        raise ValidationError(_("Decide or withdraw every item before closing."))
    current.status = SessionStatus.CLOSED
    current.closed_at = now
    current.recording_sha256 = recording_sha256
    current.save(update_fields=["status", "closed_at", "recording_sha256"])
    audit_record(org=org, actor=actor, action="meetings.session.close", obj=current,
                 changes={"at": now, "recording_sha256": recording_sha256})  # fmt: skip
    return current


@transaction.atomic
def item_withdraw(*, org: Any, actor: Any, item: AgendaItem) -> AgendaItem:
    """The chair withdraws an item from the agenda (left on the table): recorded, not decided."""
    current = _locked_item(org, item)
    if current.status != ItemStatus.INCLUDED:
        raise ValidationError(_("This item is not on the agenda."))
    current.status = ItemStatus.WITHDRAWN
    current.save(update_fields=["status"])
    audit_record(org=org, actor=actor, action="meetings.item.withdraw", obj=current, changes={})
    return current


# --- minutes ---------------------------------------------------------------------------------------
def minutes_text(*, org: Any, session: Session) -> str:
    """The draft: who attended (and how, and when they came and went), then each item."""
    seats = selectors.session_seats(org=org, session=session)
    events = list(selectors.attendance(org=org, session=session))
    by_member: dict[int, list[str]] = {}
    remote: set[int] = set()
    for event in events:
        verb = _("arrives") if event.kind == AttendanceEvent.Kind.ARRIVE else _("leaves")
        by_member.setdefault(event.member_id, []).append(
            f"{verb} {timezone.localtime(event.at):%H:%M}"
        )
        if event.remote:
            remote.add(event.member_id)
    lines = [
        _("Session %(number)s of %(body)s, %(kind)s, %(mode)s, held on %(when)s at %(place)s.") % {
            "number": session.number, "body": session.body.name,
            "kind": session.get_kind_display().lower(), "mode": session.get_mode_display().lower(),
            "when": pdfs.when(session.opened_at or session.starts_at), "place": session.place or "—",
        },
    ]  # fmt: skip
    if session.remote_justification:
        lines.append(_("Remote attendance allowed because: %(reason)s") % {
            "reason": session.remote_justification})  # fmt: skip
    present = [
        f"- {m.name} ({m.get_office_display()}{', ' + _('online') if m.pk in remote else ''}): "
        + ", ".join(by_member[m.pk])
        for m in seats if m.pk in by_member
    ]  # fmt: skip
    absent = [f"- {m.name} ({m.get_office_display()})" for m in seats if m.pk not in by_member]
    lines.append(_("Attendance:") + "\n" + "\n".join(present or ["—"]))
    lines.append(_("Absent:") + "\n" + "\n".join(absent or ["—"]))
    for item in selectors.items(org=org, session=session, included_only=True):
        part = [f"{item.position}. {item.title}"]
        if item.kind == ItemKind.URGENT:
            part.append(_("Urgency approved by the body."))
        if item.status == ItemStatus.WITHDRAWN:
            part.append(_("Withdrawn."))
        if item.deliberation:
            part.append(item.deliberation)
        if item.result and item.result != ItemResult.NOTED:
            part.append(_(
                "Vote (%(method)s): %(yes)s yes, %(no)s no, %(abstain)s abstentions; %(present)s "
                "members present. %(result)s."
            ) % {"method": item.get_vote_method_display().lower(), "yes": number(item.votes_yes),
                 "no": number(item.votes_no), "abstain": number(item.votes_abstain),
                 "present": item.present, "result": item.get_result_display()})  # fmt: skip
        if item.agreement and item.result == ItemResult.APPROVED:
            part.append(_("Agreement: %(text)s") % {"text": item.agreement})
        lines.append("\n".join(part))
    lines.append(_("The session is closed at %(when)s.") % {"when": pdfs.when(session.closed_at)})
    return "\n\n".join(lines)


@transaction.atomic
def minutes_generate(*, org: Any, actor: Any, session: Session) -> Minutes:
    current = _locked_session(org, session)
    if current.status != SessionStatus.CLOSED:
        raise ValidationError(_("Minutes are drafted once the session is held."))
    existing = selectors.minutes_of(org=org, session=current)
    if existing is not None:
        if existing.status != MinutesStatus.DRAFT:
            raise ValidationError(_("These minutes are approved: they cannot be redrafted."))
        existing.body = minutes_text(org=org, session=current)
        existing.revision += 1
        existing.save(update_fields=["body", "revision"])
        minutes = existing
    else:
        minutes = Minutes.objects.create(
            organization=org, session=current, body=minutes_text(org=org, session=current)
        )
    audit_record(org=org, actor=actor, action="meetings.minutes.generate", obj=minutes,
                 changes={"revision": minutes.revision})  # fmt: skip
    return minutes


def _locked_minutes(org: Any, minutes: Minutes) -> Minutes:
    return (
        Minutes.objects.select_for_update()
        .select_related("session__body")
        .get(organization=org, pk=minutes.pk)
    )


@transaction.atomic
def minutes_amend(*, org: Any, actor: Any, minutes: Minutes, body: str) -> Minutes:
    current = _locked_minutes(org, minutes)
    if current.status != MinutesStatus.DRAFT:
        raise ValidationError(_("Approved minutes cannot be amended."))
    if not body.strip():
        raise ValidationError({"body": _("The minutes cannot be empty.")})
    old = current.body
    current.body = body.strip()
    current.revision += 1
    current.save(update_fields=["body", "revision"])
    audit_record(org=org, actor=actor, action="meetings.minutes.amend", obj=current, changes={
        "revision": current.revision, "before_chars": len(old), "after_chars": len(current.body),
    })  # fmt: skip
    return current


def _minutes_approve(org: Any, actor: Any, item: AgendaItem, now: dt.datetime) -> None:
    minutes = selectors.minutes_of(org=org, session=item.minutes_of)  # type: ignore[arg-type]
    if minutes is None or minutes.status != MinutesStatus.DRAFT:
        raise ValidationError(_("Those minutes are not a draft awaiting approval."))
    current = _locked_minutes(org, minutes)
    current.status = MinutesStatus.APPROVED
    current.approved_in = item.session
    current.approved_at = now
    current.save(update_fields=["status", "approved_in", "approved_at"])
    audit_record(org=org, actor=actor, action="meetings.minutes.approve", obj=current,
                 changes={"session": item.session_id, "item": item.pk})  # fmt: skip


@transaction.atomic
def minutes_sign(
    *, org: Any, actor: Any, minutes: Minutes, now: dt.datetime | None = None
) -> Minutes:
    """The secretary and the mayor sign the approved minutes (either first). With the second
    signature the minutes get their number in the book, the signed PDF (with the video minutes'
    recording hash and item index) is stored and the row is sealed; then each agreement of the
    session goes to its case file as a certificate."""
    now = _now(now)
    current = _locked_minutes(org, minutes)
    if current.status != MinutesStatus.APPROVED:
        raise ValidationError(_("Only approved minutes are signed."))
    seat = _seat_of(org, current.session, actor)
    if seat.office == Office.SECRETARY:
        if current.secretary_signed_at:
            raise ValidationError(_("The secretary has already signed."))
        current.secretary_signed_by, current.secretary_signed_at = actor, now
    elif seat.office == Office.MAYOR:
        if current.mayor_signed_at:
            raise ValidationError(_("The mayor has already signed."))
        current.mayor_signed_by, current.mayor_signed_at = actor, now
    else:
        raise ValidationError(_("The minutes are signed by the secretary and the mayor."))
    audit_record(org=org, actor=actor, action="meetings.minutes.sign", obj=current,
                 changes={"office": seat.office, "at": now})  # fmt: skip
    if not (current.secretary_signed_at and current.mayor_signed_at):
        current.save(update_fields=[
            "secretary_signed_by", "secretary_signed_at", "mayor_signed_by", "mayor_signed_at",
        ])  # fmt: skip
        return current
    body = current.session.body
    current.year = timezone.localtime(now).year
    current.sequence = next_number(org=org, series=f"meetings.minutes.{body.code}",
                                   year=current.year)  # fmt: skip
    current.number = f"{body.code.upper()}-A-{current.year}/{current.sequence}"
    index = [
        (i.position or 0, i.title, i.time_code)
        for i in selectors.items(org=org, session=current.session, included_only=True)
    ]
    signed = sign_pdf(
        pdfs.minutes_pdf(org=org, minutes=current, index=index), org=org, actor=actor,
        reason=_("Minutes %(number)s") % {"number": current.number},
    )  # fmt: skip
    document = document_store(
        org=org, actor=actor,
        uploaded_file=ContentFile(signed.content, name=f"{current.number}.pdf".replace("/", "-")),
    )  # fmt: skip
    document_register(org=org, actor=actor, document=document)
    current.document = document
    current.signature_provider = signed.provider
    current.certificate_signed = signed.certificate
    current.status = MinutesStatus.SIGNED
    seal(current)
    current.save()
    audit_record(org=org, actor=actor, action="meetings.minutes.number", obj=current, changes={
        "number": current.number, "sha256": document.sha256,
        "seals": seal_commitments(current),
    })  # fmt: skip
    for item in selectors.items(org=org, session=current.session, included_only=True):
        if item.case_id and item.result == ItemResult.APPROVED and not item.certificate_document_id:
            agreement_to_case(org=org, actor=actor, item=item)
    return current


def _names(org: Any, session: Session) -> tuple[str, str]:
    seats = selectors.session_seats(org=org, session=session)
    secretary = next((m.name for m in seats if m.office == Office.SECRETARY), "")
    mayor = next((m.name for m in seats if m.office == Office.MAYOR), "")
    return secretary, mayor


def agreement_certificate(*, org: Any, actor: Any, item: AgendaItem) -> bytes:
    """The certificate of a decided item's agreement, signed (seal, or the signer configured)."""
    _own(org, item)
    if item.status != ItemStatus.DECIDED or item.result != ItemResult.APPROVED:
        raise ValidationError(_("Only an adopted agreement is certified."))
    secretary, mayor = _names(org, item.session)
    pdf = pdfs.certificate_pdf(org=org, item=item, secretary=secretary, mayor=mayor)
    return sign_pdf(pdf, org=org, actor=actor, reason=_("Certificate of agreement")).content


@transaction.atomic
def agreement_to_case(*, org: Any, actor: Any, item: AgendaItem) -> Any:
    """The agreement goes back to its case file: the certificate becomes a document of the case."""
    if item.case is None:
        raise ValidationError(_("This item has no case file."))
    pdf = agreement_certificate(org=org, actor=actor, item=item)
    title = _("Certificate of agreement: %(session)s, item %(position)s") % {
        "session": item.session.number, "position": item.position}  # fmt: skip
    case_document = case_services.case_document_add(
        org=org, actor=actor, case=item.case, title=title,
        uploaded_file=ContentFile(pdf, name=f"certificate-{item.session.number}-{item.position}.pdf".replace("/", "-")),
    )  # fmt: skip
    AgendaItem.objects.filter(pk=item.pk).update(certificate_document=case_document.document)
    item.certificate_document = case_document.document
    audit_record(org=org, actor=actor, action="meetings.item.to_case", obj=item, changes={
        "case": item.case.number, "sha256": case_document.document.sha256})  # fmt: skip
    return case_document
