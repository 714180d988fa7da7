"""Pages of collegiate bodies: thin, every rule in services.py. Members' pages work on a phone."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ajunta.cases import selectors as case_selectors
from ajunta.core.documents import DocumentIntegrityError, document_open
from ajunta.core.documents_views import document_file_response, integrity_error_response
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.video import video_room
from ajunta.core.views import TenantView, add_service_error
from ajunta.meetings import forms, rules, selectors, services
from ajunta.meetings.models import (
    AgendaItem,
    ItemKind,
    ItemStatus,
    Minutes,
    MinutesStatus,
    SessionStatus,
)


class MeetingsView(TenantView):
    permission = "meetings.view"
    write_permission = "meetings.manage"
    module = "meetings"
    request: TenantHttpRequest

    def get_or_404(self, getter: Any, pk: Any) -> Any:
        try:
            return getter(org=self.request.org, pk=pk)
        except ObjectDoesNotExist as exc:
            raise Http404 from exc

    def refused(self, error: ValidationError) -> None:
        for message in error.messages:
            messages.error(self.request, message)


class HomeView(MeetingsView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        bodies = list(selectors.bodies(org=request.org))
        sessions = list(selectors.sessions(org=request.org)[:30])
        return render(request, "meetings/home.html", {
            "bodies": bodies, "sessions": sessions, "can_manage": self.can("meetings.manage"),
        })  # fmt: skip


class MineView(MeetingsView):
    """The member's view: my bodies, my next sessions with their documents, what to acknowledge."""

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        now = timezone.now()
        seats = list(selectors.my_members(org=request.org, user=request.user, on=now.date()))
        return render(request, "meetings/mine.html", {
            "seats": seats,
            "sessions": list(selectors.my_sessions(org=request.org, user=request.user, since=now)),
            "pending": list(selectors.my_pending_convocations(org=request.org, user=request.user)),
        })  # fmt: skip


class BodyNewView(MeetingsView):
    permission = "meetings.manage"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self.show(forms.BodyForm())

    def show(self, form: forms.BodyForm, status: int = 200) -> HttpResponse:
        return render(self.request, "meetings/body_new.html", {"form": form}, status=status)

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = forms.BodyForm(request.POST)
        if form.is_valid():
            try:
                body = services.body_create(
                    org=request.org, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return redirect("meetings_body", org_slug=org_slug, pk=body.pk)
        return self.show(form, status=400)


class BodyView(MeetingsView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.show(pk)

    def show(self, pk: int, status: int = 200, **forms_: Any) -> HttpResponse:
        org = self.request.org
        body = self.get_or_404(selectors.body_get, pk)
        population = org.population
        context = {
            "body": body,
            "members": list(selectors.members(org=org, body=body)),
            "sessions": list(selectors.sessions(org=org, body=body)),
            "quorum": rules.quorum(body.legal_members, body.own_quorum),
            "period": selectors.ordinary_period(body, population),
            "next_due": selectors.next_ordinary_due(body, population),
            "can_manage": self.can("meetings.manage"),
            "member_form": forms_.get("member_form") or forms.MemberForm(users=self.users()),
            "session_form": forms_.get("session_form") or forms.SessionForm(),
        }
        return render(self.request, "meetings/body.html", context, status=status)

    def users(self) -> Any:
        return selectors.org_people(org=self.request.org)


class BodyActionView(BodyView):
    def post(self, request: TenantHttpRequest, org_slug: str, pk: int, action: str) -> HttpResponse:
        body = self.get_or_404(selectors.body_get, pk)
        if action == "member":
            form: Any = forms.MemberForm(request.POST, users=self.users())
            call: Any = partial(services.member_add, org=request.org, actor=request.user, body=body)
            key = "member_form"
        elif action == "session":
            form = forms.SessionForm(request.POST)
            call = partial(services.session_create, org=request.org, actor=request.user, body=body)
            key = "session_form"
        else:
            raise Http404
        if form.is_valid():
            try:
                created = call(**form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                if action == "session":
                    return redirect("meetings_session", org_slug=org_slug, pk=created.pk)
                messages.success(request, _("Saved."))
                return redirect("meetings_body", org_slug=org_slug, pk=pk)
        return self.show(pk, status=400, **{key: form})


def item_rows(
    items: list[AgendaItem], seats: list[Any], events: list[Any], body: Any, live: bool
) -> list[dict[str, Any]]:
    """Each item with the quorum when it was decided (or now, while the session runs)."""
    now = timezone.now()
    rows = []
    for item in items:
        at = item.decided_at if item.decided_at else (now if live else None)
        quorum = selectors.quorum_of(body, seats, events, at) if at else None
        rows.append({"item": item, "quorum": quorum})
    return rows


class SessionView(MeetingsView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.show(pk)

    def show(self, pk: int, status: int = 200, **forms_: Any) -> HttpResponse:
        org, user = self.request.org, self.request.user
        session = self.get_or_404(selectors.session_get, pk)
        seats = selectors.session_seats(org=org, session=session)
        events = list(selectors.attendance(org=org, session=session))
        live = session.status == SessionStatus.OPEN
        items = list(selectors.items(org=org, session=session))
        manage = self.can("meetings.manage")
        if not manage:  # members see the agenda once convened, not the proposals under review
            items = [i for i in items if i.status not in (ItemStatus.PROPOSED,)]
        inside = selectors.presence(events)
        my_seat = next((m for m in seats if m.user_id == user.pk), None)
        convocations = list(selectors.convocations(org=org, session=session))
        mine = next((c for c in convocations if my_seat and c.member_id == my_seat.pk), None)
        earlier = selectors.sessions(org=org, body=session.body).filter(
            starts_at__lt=session.starts_at, minutes__status=MinutesStatus.DRAFT
        )
        context = {
            "session": session,
            "rows": item_rows(items, seats, events, session.body, live),
            "quorum": selectors.quorum_of(session.body, seats, events, None),
            "seats": [{"member": m, "inside": inside.get(m.pk)} for m in seats],
            "events": events,
            "convocations": convocations,
            "my_seat": my_seat,
            "my_convocation": mine,
            "my_inside": my_seat is not None and my_seat.pk in inside,
            "can_manage": manage,
            "video": session.allows_remote and video_room(org, f"session-{session.pk}") is not None,
            "minutes": selectors.minutes_of(org=org, session=session),
            "notice_from": services.notice_deadline(org, timezone.localdate()),
            "item_form": forms_.get("item_form") or forms.ItemForm(
                cases=case_selectors.cases(org=org), sessions=earlier
            ),
            "attendance_form": forms_.get("attendance_form") or forms.AttendanceForm(
                members=selectors.members(org=org, body=session.body,
                                          on=timezone.localtime(session.starts_at).date())
            ),
            "close_form": forms_.get("close_form") or forms.CloseForm(),
            "stream_form": forms_.get("stream_form") or forms.StreamForm(initial={"stream_url": session.stream_url}),
        }  # fmt: skip
        return render(self.request, "meetings/session.html", context, status=status)


MEMBER_ACTIONS = {"join", "leave", "acknowledge"}


class SessionActionView(SessionView):
    permission = "meetings.view"
    write_permission = "meetings.view"  # members join and acknowledge; the rest checks manage

    def post(
        self, request: TenantHttpRequest, org_slug: str, pk: int, action: str
    ) -> HttpResponseBase:
        session = self.get_or_404(selectors.session_get, pk)
        if action not in MEMBER_ACTIONS and not self.can("meetings.manage"):
            raise PermissionDenied
        common = {"org": request.org, "actor": request.user, "session": session}
        back = redirect("meetings_session", org_slug=org_slug, pk=pk)
        simple: dict[str, Any] = {
            "convene": services.session_convene, "open": services.session_open,
            "minutes": services.minutes_generate, "leave": services.session_video_leave,
        }  # fmt: skip
        try:
            if action in simple:
                simple[action](**common)
            elif action == "join":
                return redirect(services.session_video_join(**common))
            elif action == "acknowledge":
                raw = request.POST.get("convocation", "")
                if not raw.isdigit():
                    raise Http404
                convocation = self.get_or_404(selectors.convocation_get, int(raw))
                if convocation.session_id != session.pk:
                    raise Http404
                services.convocation_acknowledge(
                    org=request.org, actor=request.user, convocation=convocation
                )
            elif action in ("propose", "attendance", "close", "stream"):
                return self.with_form(action, session, common)
            else:
                raise Http404
        except ValidationError as exc:
            self.refused(exc)
            return back
        messages.success(request, _("Saved."))
        if action == "minutes":
            minutes = selectors.minutes_of(org=request.org, session=session)
            return redirect("meetings_minutes", org_slug=org_slug, pk=minutes.pk)  # type: ignore[union-attr]
        return back

    def with_form(self, action: str, session: Any, common: dict[str, Any]) -> HttpResponse:
        org, post = self.request.org, self.request.POST
        if action == "propose":
            form: Any = forms.ItemForm(post, cases=case_selectors.cases(org=org),
                                       sessions=selectors.sessions(org=org, body=session.body))  # fmt: skip
            call: Any = lambda d: services.item_propose(**common, **d)  # noqa: E731
        elif action == "attendance":
            form = forms.AttendanceForm(post, members=selectors.members(org=org, body=session.body))
            call = lambda d: services.attendance_record(**common, **d)  # noqa: E731
        elif action == "close":
            form = forms.CloseForm(post)
            call = lambda d: services.session_close(**common, **d)  # noqa: E731
        else:
            form = forms.StreamForm(post)
            call = lambda d: services.session_update(**common, **d)  # noqa: E731
        if form.is_valid():
            try:
                call(form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(self.request, _("Saved."))
                return redirect("meetings_session", org_slug=org.slug, pk=session.pk)
        return self.show(
            session.pk, status=400, **{f"{'item' if action == 'propose' else action}_form": form}
        )


class ItemView(MeetingsView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.show(pk)

    def show(self, pk: int, status: int = 200, form: Any = None) -> HttpResponse:
        org = self.request.org
        item = self.get_or_404(selectors.item_get, pk)
        if item.status == ItemStatus.PROPOSED and not self.can("meetings.manage"):
            raise Http404
        seats = selectors.session_seats(org=org, session=item.session)
        events = list(selectors.attendance(org=org, session=item.session))
        inside = selectors.presence(events)
        voters = [m for m in seats if m.pk in inside and m.votes]
        return render(self.request, "meetings/item.html", {
            "item": item, "session": item.session,
            "ballots": list(item.ballots.select_related("member")),
            "form": form or forms.DecideForm(voters=voters),
            "can_manage": self.can("meetings.manage"),
            "quorum": selectors.quorum_of(item.session.body, seats, events, item.decided_at),
        }, status=status)  # fmt: skip


class ItemActionView(ItemView):
    permission = "meetings.manage"

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int, action: str) -> HttpResponse:
        item = self.get_or_404(selectors.item_get, pk)
        common = {"org": request.org, "actor": request.user, "item": item}
        try:
            if action in ("accept", "reject"):
                services.item_review(**common, accept=action == "accept")
            elif action in ("urgency-yes", "urgency-no"):
                services.item_urgency_vote(**common, approved=action == "urgency-yes")
            elif action == "withdraw":
                services.item_withdraw(**common)
            elif action == "move":
                services.item_move(**common, position=int(request.POST.get("position") or 0))
            elif action == "decide":
                return self.decide(item, common)
            else:
                raise Http404
        except (ValidationError, ValueError) as exc:
            if isinstance(exc, ValidationError):
                self.refused(exc)
            else:
                messages.error(request, _("Give a number."))
        else:
            messages.success(request, _("Saved."))
        return redirect("meetings_session", org_slug=org_slug, pk=item.session_id)

    def decide(self, item: AgendaItem, common: dict[str, Any]) -> HttpResponse:
        org = self.request.org
        seats = selectors.session_seats(org=org, session=item.session)
        inside = selectors.presence(list(selectors.attendance(org=org, session=item.session)))
        form = forms.DecideForm(
            self.request.POST, voters=[m for m in seats if m.pk in inside and m.votes]
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.item_decide(
                    **common, vote_method=data["vote_method"], ballots=form.ballots() or None,
                    counts=form.counts(), agreement=data["agreement"],
                    deliberation=data["deliberation"], time_code=data["time_code"],
                )  # fmt: skip
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(self.request, _("Decided and locked."))
                return redirect("meetings_session", org_slug=org.slug, pk=item.session_id)
        return self.show(item.pk, status=400, form=form)


class CertificateView(MeetingsView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        item = self.get_or_404(selectors.item_get, pk)
        try:
            pdf = services.agreement_certificate(org=request.org, actor=request.user, item=item)
        except ValidationError as exc:
            raise Http404 from exc
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="certificate-{item.pk}.pdf"'
        return response


class MinutesView(MeetingsView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.show(pk)

    def show(self, pk: int, status: int = 200, form: Any = None) -> HttpResponse:
        minutes: Minutes = self.get_or_404(selectors.minutes_get, pk)
        seat = next(
            (m for m in selectors.session_seats(org=self.request.org, session=minutes.session)
             if m.user_id == self.request.user.pk), None,
        )  # fmt: skip
        return render(self.request, "meetings/minutes.html", {
            "minutes": minutes, "session": minutes.session,
            "form": form or forms.MinutesForm(initial={"body": minutes.body}),
            "can_manage": self.can("meetings.manage"),
            "may_sign": seat is not None and seat.office in ("mayor", "secretary")
            and minutes.status == MinutesStatus.APPROVED,
        }, status=status)  # fmt: skip


class MinutesActionView(MinutesView):
    write_permission = "meetings.view"  # the mayor signs; amending checks manage

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int, action: str) -> HttpResponse:
        minutes = self.get_or_404(selectors.minutes_get, pk)
        if action == "amend":
            if not self.can("meetings.manage"):
                raise PermissionDenied
            form = forms.MinutesForm(request.POST)
            if form.is_valid():
                try:
                    services.minutes_amend(org=request.org, actor=request.user, minutes=minutes,
                                           body=form.cleaned_data["body"])  # fmt: skip
                except ValidationError as exc:
                    add_service_error(form, exc)
                else:
                    messages.success(request, _("Saved."))
                    return redirect("meetings_minutes", org_slug=org_slug, pk=pk)
            return self.show(pk, status=400, form=form)
        if action != "sign":
            raise Http404
        try:
            services.minutes_sign(org=request.org, actor=request.user, minutes=minutes)
        except ValidationError as exc:
            self.refused(exc)
        else:
            messages.success(request, _("Signed."))
        return redirect("meetings_minutes", org_slug=org_slug, pk=pk)


class SessionDocumentView(MeetingsView):
    """The agenda and the signed minutes of a session (members may not hold documents.view)."""

    def get(
        self, request: TenantHttpRequest, org_slug: str, pk: int, which: str
    ) -> HttpResponseBase:
        session = self.get_or_404(selectors.session_get, pk)
        if which == "agenda":
            document = session.agenda_document
        elif which == "minutes":
            minutes = selectors.minutes_of(org=request.org, session=session)
            document = minutes.document if minutes else None
        else:
            raise Http404
        if document is None:
            raise Http404
        try:
            handle = document_open(org=request.org, document=document)
        except DocumentIntegrityError:
            return integrity_error_response()
        return document_file_response(document, handle)


def item_kinds() -> list[tuple[str, str]]:
    return [(k, str(label)) for k, label in ItemKind.choices]


def session_url(org_slug: str, pk: int) -> str:
    return reverse("meetings_session", args=[org_slug, pk])
