"""Helpdesk pages, mounted under /o/<org_slug>/helpdesk/.

Under a member's slug: its tickets, the form to open one, follow-ups, accepting or reopening a
solution, the survey. Under the provider's slug (provider staff): the queues of every member's
tickets, the work on them, reports, statistics, settings. Thin: forms parse, services decide and
write, selectors read. A refusal from a service is shown on the form with status 400.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ajunta.assets import selectors as asset_selectors
from ajunta.core.display import DateDisplay, choice_labels, person_name, row_url
from ajunta.core.documents import DocumentIntegrityError, document_open
from ajunta.core.documents_views import document_file_response, integrity_error_response
from ajunta.core.markdown import render_markdown
from ajunta.core.pagination import paginate_capped
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView, add_service_error, is_htmx, paginate
from ajunta.helpdesk import forms, reports, selectors, services
from ajunta.helpdesk.models import (
    OPEN_STATUSES,
    Article,
    Category,
    Priority,
    Survey,
    Ticket,
    TicketAttachment,
    TicketStatus,
    TicketTask,
    TicketType,
)


def telecom_context(ticket: Ticket, *, staff: bool, provider: Any) -> dict[str, Any]:
    """The ticket page's telecom panel: the operator's clock beside ours (views_telecom)."""
    from ajunta.helpdesk.views_telecom import telecom_panel

    return telecom_panel(ticket, staff=staff, provider=provider)


class HelpdeskView(TenantView):
    module = "helpdesk"
    permission = "helpdesk.view"

    @property
    def staff(self) -> bool:
        """Provider staff working under the provider's slug."""
        return bool(getattr(self.request.org, "is_provider", False)) and self.can("helpdesk.work")

    def provider(self) -> Any:
        provider = selectors.provider_for(org=self.request.org)
        if provider is None:
            raise Http404
        return provider

    def member_from_query(self) -> Any:
        """Under the provider's slug, the member named by ?member= (short name or INE code)."""
        code = self.request.GET.get("member", "").strip()[:60]
        if not code or not getattr(self.request.org, "is_provider", False):
            return None
        return selectors.member_by_code(provider=self.request.org, code=code)

    def ticket_or_404(self, pk: int) -> Ticket:
        try:
            return selectors.ticket_get(org=self.request.org, pk=pk, staff=self.staff)
        except Ticket.DoesNotExist as exc:
            raise Http404 from exc


# --- the queue ---------------------------------------------------------------------------------
class QueueView(HelpdeskView):
    """A member's tickets, or the provider's queues. An htmx request gets only the results."""

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = forms.TicketFilterForm(request.GET or None, org=request.org, staff=self.staff)
        tickets = selectors.tickets(org=request.org, user=request.user, **form.filters())
        page = paginate_capped(request, selectors.ticket_queue_rows(tickets))
        context = {
            "form": form,
            "page": page,
            "rows": queue_rows(page, org_slug=org_slug),
            "extra_query": form.querystring(),
            "staff": self.staff,
            "can_open": self.can("helpdesk.open"),
        }
        partial = is_htmx(request) and not request.headers.get("HX-History-Restore-Request")
        template = "helpdesk/partials/queue_results.html" if partial else "helpdesk/queue.html"
        response = render(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


# The status badge's extra class: done in green, waiting for the requester in amber.
QUEUE_BADGES = {
    TicketStatus.SOLVED: " ok",
    TicketStatus.CLOSED: " ok",
    TicketStatus.PENDING: " warn",
}


def queue_rows(values: Iterable[dict[str, Any]], *, org_slug: str) -> list[dict[str, Any]]:
    """The queue table's cells, worked out once per page rather than per cell in the template:
    the choice labels in the user's language, the link, the resolve-by instant in local time
    and the user's format (as `|date` would), whether it is late."""
    types, statuses = choice_labels(TicketType), choice_labels(TicketStatus)
    priorities = choice_labels(Priority)
    ticket_url = row_url("helpdesk_ticket", org_slug)
    short_datetime = DateDisplay("SHORT_DATETIME_FORMAT")  # a page's tickets share few instants
    now = timezone.now()
    rows = []
    for ticket in values:
        status, due = ticket["status"], ticket["resolve_due_at"]
        is_open, is_paused = status in OPEN_STATUSES, ticket["paused_since"] is not None
        kind = types.get(ticket["ticket_type"], ticket["ticket_type"])
        if ticket["service_name"] is not None:
            kind = f"{kind} · {ticket['service_name']}"
        username = ticket["technician_username"]
        technician = (
            "—"
            if username is None
            else person_name(
                ticket["technician_first_name"], ticket["technician_last_name"], username
            )
        )
        due_iso = short_datetime.local(due).isoformat() if due is not None else ""
        due_text = short_datetime(due) if due is not None else ""
        rows.append(
            {
                "id": ticket["id"],
                "url": ticket_url(ticket["id"]),
                "number": ticket["number"],
                "kind": kind,
                "title": ticket["title"],
                "category": ticket["category_full_name"] or "",
                "organization": ticket["organization_name"],
                "status": statuses.get(status, status),
                "badge": QUEUE_BADGES.get(status, ""),
                "priority": priorities.get(ticket["priority"], ticket["priority"]),
                "technician": technician,
                "group": ticket["group_name"],
                "paused": is_paused and is_open,
                "due_iso": due_iso,
                "due": due_text,
                "late": is_open and not is_paused and due is not None and due < now,
            }
        )
    return rows


class TicketNewView(HelpdeskView):
    """The form to open a ticket. Under a member's slug it also lists the catalogue services the
    member may request; `?service=<code>` preselects one (the catalogue pages link here)."""

    permission = "helpdesk.open"

    def requestable(self) -> list[Any] | None:
        if getattr(self.request.org, "is_provider", False):
            return None
        return selectors.services_requestable(member=self.request.org, provider=self.provider())

    def form(self, request: TenantHttpRequest, services: list[Any] | None) -> forms.TicketForm:
        data = (request.POST, request.FILES) if request.method == "POST" else ()
        initial = {}
        code = request.GET.get("service", "").strip()[:40]
        if code and services is not None and any(s.code == code for s in services):
            initial = {"service": code, "ticket_type": "request"}
        return forms.TicketForm(
            *data, org=request.org, provider=self.provider(), services=services, initial=initial
        )

    def render_form(self, form: forms.TicketForm, services: Any, status: int = 200) -> HttpResponse:
        context = {"form": form, "requestable": services or []}
        return render(self.request, "helpdesk/ticket_form.html", context, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        services_offered = self.requestable()
        return self.render_form(self.form(request, services_offered), services_offered)

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        services_offered = self.requestable()
        form = self.form(request, services_offered)
        if form.is_valid():
            try:
                ticket = services.ticket_create(
                    org=request.org, actor=request.user, **form.service_arguments()
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(
                    request, _("Ticket %(number)s opened.") % {"number": ticket.number}
                )
                return redirect("helpdesk_ticket", org_slug=org_slug, pk=ticket.pk)
        return self.render_form(form, services_offered, status=400)


# --- one ticket --------------------------------------------------------------------------------
class TicketView(HelpdeskView):
    def may_set_assets(self) -> bool:
        """Provider staff, or the member's staff who may open tickets, on a ticket they see."""
        return self.staff or (
            not getattr(self.request.org, "is_provider", False) and self.can("helpdesk.open")
        )

    def context(self, ticket: Ticket, **forms_given: Any) -> dict[str, Any]:
        provider = ticket.provider
        staff = self.staff
        affected = list(ticket.affected_assets.all())
        context: dict[str, Any] = {
            "ticket": ticket,
            "staff": staff,
            "affected_assets": affected,
            "assets_form": forms.TicketAssetsForm(
                member=ticket.organization,
                current=[link.asset_id for link in affected],
                initial={"assets": [link.asset_id for link in affected]},
            )
            if self.may_set_assets()
            else None,
            "followups": list(ticket.followups.all()),
            "attachments": list(ticket.attachments.all()),
            "articles": list(ticket.articles.all()),
            "followup_form": forms.FollowUpForm(staff=staff),
            "accept_form": forms.AcceptForm(),
            "reopen_form": forms.ReopenForm(),
            "survey": Survey.objects.filter(ticket=ticket, answered_at__isnull=True).first()
            if not staff
            else None,
            "survey_form": forms.SurveyForm(),
        }
        if staff:
            context.update(
                tasks=list(ticket.tasks.all()),
                breaches=list(ticket.breaches.all()),
                escalations=list(ticket.escalations.all()),
                assign_form=forms.AssignForm(
                    provider=provider,
                    initial={
                        "technician": ticket.assigned_to_id,
                        "group": ticket.assigned_group_id,
                    },
                ),
                classify_form=forms.ClassifyForm(
                    provider=provider,
                    initial={
                        "impact": ticket.impact,
                        "urgency": ticket.urgency,
                        "ticket_type": ticket.ticket_type,
                        "category": ticket.category_id,
                    },
                ),
                status_form=forms.StatusForm(initial={"status": ticket.status}),
                solve_form=forms.SolveForm(),
                task_form=forms.TaskForm(provider=provider),
                task_done_form=forms.TaskDoneForm(),
                link_articles=selectors.articles(org=provider)[:200],
                minutes_total=sum(f.minutes_spent for f in ticket.followups.all())
                + sum(t.minutes_spent for t in ticket.tasks.all()),
            )
        context.update(telecom_context(ticket, staff=staff, provider=provider))
        context.update(forms_given)
        return context

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        ticket = self.ticket_or_404(pk)
        return render(request, "helpdesk/ticket.html", self.context(ticket))


STAFF_ACTIONS = {"assign", "classify", "status", "solve", "task", "link"}
ACTIONS = STAFF_ACTIONS | {"followup", "accept", "reopen", "survey", "assets"}


class TicketActionView(TicketView):
    """One POST per action on a ticket. A refusal re-renders the ticket with the form's errors."""

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int, action: str) -> HttpResponse:
        if action not in ACTIONS:
            raise Http404
        ticket = self.ticket_or_404(pk)
        if action in STAFF_ACTIONS and not self.staff:
            raise PermissionDenied
        if action == "survey" and self.staff:
            raise PermissionDenied
        if action == "assets" and not self.may_set_assets():
            raise PermissionDenied
        form, call = self.bind(action, ticket)
        if form.is_valid():
            try:
                call(form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("helpdesk_ticket", org_slug=org_slug, pk=ticket.pk)
        ticket = self.ticket_or_404(pk)
        response = render(
            request,
            "helpdesk/ticket.html",
            self.context(ticket, **{f"{action}_form": form, "failed": action}),
            status=400,
        )
        return response

    def bind(self, action: str, ticket: Ticket) -> tuple[Any, Any]:
        request = self.request
        common = {"org": request.org, "actor": request.user, "ticket": ticket}
        post, files = request.POST, request.FILES
        provider = ticket.provider
        if action == "followup":
            followup = forms.FollowUpForm(post, files, staff=self.staff)
            return followup, lambda d: services.followup_add(
                **common, body=d["body"], is_private=d.get("is_private", False),
                minutes_spent=d.get("minutes_spent") or 0, attachments=d["attachments"],
            )  # fmt: skip
        if action == "assets":
            current = [link.asset_id for link in ticket.affected_assets.all()]
            chosen = forms.TicketAssetsForm(post, member=ticket.organization, current=current)
            return chosen, lambda d: services.ticket_assets_set(**common, assets=list(d["assets"]))
        if action == "accept":
            return forms.AcceptForm(post), lambda d: services.ticket_accept(
                **common, comment=d["comment"]
            )
        if action == "reopen":
            return forms.ReopenForm(post), lambda d: services.ticket_reopen(
                **common, reason=d["reason"]
            )
        if action == "survey":
            return forms.SurveyForm(post), lambda d: services.survey_answer(
                **common, score=d["score"], comment=d["comment"]
            )
        if action == "assign":
            assign = forms.AssignForm(post, provider=provider)
            return assign, lambda d: services.ticket_assign(
                **common, technician=d["technician"], group=d["group"],
                round_robin=d["round_robin"],
            )  # fmt: skip
        if action == "classify":
            classify = forms.ClassifyForm(post, provider=provider)
            return classify, lambda d: services.ticket_classify(
                **common, impact=d["impact"], urgency=d["urgency"], category=d["category"],
                ticket_type=d["ticket_type"],
            )  # fmt: skip
        if action == "status":
            return forms.StatusForm(post), lambda d: services.ticket_set_status(
                **common, status=d["status"]
            )
        if action == "solve":
            return forms.SolveForm(post), lambda d: services.ticket_solve(
                **common, solution=d["solution"], minutes_spent=d["minutes_spent"] or 0
            )
        if action == "task":
            task = forms.TaskForm(post, provider=provider)
            return task, lambda d: services.task_add(
                **common, description=d["description"], technician=d["technician"],
                minutes_spent=d["minutes_spent"] or 0,
            )  # fmt: skip
        link = forms.ArticleLinkForm(post)

        def do_link(d: dict[str, Any]) -> Any:
            article = selectors.articles(org=provider).filter(pk=d["article"]).first()
            if article is None:
                raise ValidationError({"article": _("No such article.")})
            return services.article_link(**common, article=article)

        return link, do_link


class AssetTicketsView(HelpdeskView):
    """The tickets naming one asset, as a fragment the inventory's asset page loads with htmx.

    The inventory cannot import the helpdesk (the helpdesk reads the inventory), so its page asks
    here. The asset must be one `org` sees in the inventory: 404 otherwise, like the page itself.
    """

    def get(self, request: TenantHttpRequest, org_slug: str, asset_id: int) -> HttpResponse:
        if not asset_selectors.assets_for_ids(org=request.org, ids=[asset_id]):
            raise Http404
        rows = selectors.asset_tickets(org=request.org, asset_id=asset_id)
        context = {
            "page": paginate_capped(request, rows),
            "asset_id": asset_id,
            "can_open": self.can("helpdesk.open")
            and not getattr(request.org, "is_provider", False),
        }
        response = render(request, "helpdesk/partials/asset_tickets.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response


class TaskDoneView(HelpdeskView):
    def post(
        self, request: TenantHttpRequest, org_slug: str, pk: int, task_pk: int
    ) -> HttpResponse:
        ticket = self.ticket_or_404(pk)
        if not self.staff:
            raise PermissionDenied
        task = get_object_or_404(TicketTask.objects.select_related("ticket"), pk=task_pk,
                                 ticket=ticket)  # fmt: skip
        task.ticket = ticket
        form = forms.TaskDoneForm(request.POST)
        if form.is_valid():
            try:
                services.task_complete(
                    org=request.org, actor=request.user, task=task,
                    minutes_spent=form.cleaned_data["minutes_spent"] or 0,
                )  # fmt: skip
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("Task done."))
        else:
            messages.error(request, _("The time spent must be a whole number of minutes."))
        return redirect("helpdesk_ticket", org_slug=org_slug, pk=ticket.pk)


class AttachmentView(HelpdeskView):
    """Download one attachment of a ticket one may see, its SHA-256 checked first."""

    def get(
        self, request: TenantHttpRequest, org_slug: str, pk: int, attachment_pk: int
    ) -> HttpResponseBase:
        ticket = self.ticket_or_404(pk)
        attachment = next((a for a in ticket.attachments.all() if a.pk == attachment_pk), None)
        if attachment is None:
            raise Http404
        return _download(ticket, attachment)


def _download(ticket: Ticket, attachment: TicketAttachment) -> HttpResponseBase:
    try:
        handle = document_open(org=ticket.organization, document=attachment.document)
    except DocumentIntegrityError:
        return integrity_error_response()
    return document_file_response(attachment.document, handle)


# --- reports -----------------------------------------------------------------------------------
class TimeReportView(HelpdeskView):
    permission = "helpdesk.reports"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponseBase:
        form = forms.PeriodForm(request.GET or None)
        year, month = form.period()
        member = self.member_from_query()
        rows = reports.time_spent(org=request.org, year=year, month=month, member=member)
        # Hours agreed vs spent: for one member, its own slug or the provider's with ?member=.
        is_provider = getattr(request.org, "is_provider", False)
        subject = member if is_provider else request.org
        support = (
            reports.support_hours(org=request.org, member=subject, year=year)
            if subject is not None
            else None
        )
        if request.GET.get("format") == "csv":
            response = HttpResponse(
                reports.time_spent_csv(rows, support), content_type="text/csv; charset=utf-8"
            )
            name = f"helpdesk-time-{request.org.slug}-{year}{f'-{month:02d}' if month else ''}.csv"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "private, no-store"
            return response
        context = {
            "form": form,
            "rows": rows,
            "year": year,
            "month": month,
            "member": member,
            "total_hours": f"{sum(r.minutes for r in rows) / 60:.2f}",
            "support": support,
            "is_provider": getattr(request.org, "is_provider", False),
            "member_code": request.GET.get("member", "")[:60],
            "query": request.GET.urlencode(),
        }
        return render(request, "helpdesk/time_report.html", context)


class StatsView(HelpdeskView):
    permission = "helpdesk.work"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if not self.staff:
            raise Http404
        form = forms.PeriodForm(request.GET or None)
        year, month = form.period()
        if not (request.GET or None):
            month = None
        context = {
            "form": form,
            "stats": reports.stats(org=request.org, year=year, month=month),
            "year": year,
            "month": month,
        }
        return render(request, "helpdesk/stats.html", context)


class MonthlyPdfView(HelpdeskView):
    """The monthly PDF of one municipality: its own admin under its slug, any under the provider's."""

    permission = "helpdesk.reports"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponseBase:
        form = forms.PeriodForm(request.GET or None)
        year, month = form.period()
        month = month or 1
        if getattr(request.org, "is_provider", False):
            member = self.member_from_query()
            if member is None:
                raise Http404
        else:
            member = request.org
        pdf = reports.monthly_pdf(org=request.org, member=member, year=year, month=month)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"helpdesk-{member.slug}-{year}-{month:02d}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response


# --- settings ----------------------------------------------------------------------------------
class SettingsView(HelpdeskView):
    permission = "helpdesk.settings"

    def context(self, **given: Any) -> dict[str, Any]:
        provider = self.request.org
        current = selectors.helpdesk_settings(provider=provider)
        context = {
            "settings_form": forms.SettingsForm(
                matrix=current.priority_matrix,
                initial={
                    "auto_close_business_days": current.auto_close_business_days,
                    "survey_delay_hours": current.survey_delay_hours,
                    "survey_rate_percent": current.survey_rate_percent,
                },
            ),
            "category_form": forms.CategoryForm(provider=provider),
            "sla_form": forms.SlaTargetForm(),
            "group_form": forms.GroupForm(provider=provider),
            "rule_form": forms.EscalationRuleForm(provider=provider),
            "categories": selectors.categories(provider=provider),
            "targets": selectors.sla_targets(provider=provider),
            "groups": selectors.groups(provider=provider),
            "rules": selectors.escalation_rules(provider=provider),
        }
        context.update(given)
        return context

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if not getattr(request.org, "is_provider", False):
            raise Http404
        return render(request, "helpdesk/settings.html", self.context())

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if not getattr(request.org, "is_provider", False):
            raise Http404
        which = request.POST.get("form", "")
        org, actor = request.org, request.user
        current = selectors.helpdesk_settings(provider=org)
        handlers: dict[str, tuple[Any, Any]] = {
            "settings": (
                forms.SettingsForm(request.POST, matrix=current.priority_matrix),
                lambda f: services.helpdesk_settings_set(
                    org=org, actor=actor,
                    auto_close_business_days=f.cleaned_data["auto_close_business_days"],
                    survey_delay_hours=f.cleaned_data["survey_delay_hours"],
                    survey_rate_percent=f.cleaned_data["survey_rate_percent"],
                    priority_matrix=f.matrix(),
                ),
            ),
            "category": (
                forms.CategoryForm(request.POST, provider=org),
                lambda f: services.category_create(org=org, actor=actor, **f.cleaned_data),
            ),
            "sla": (
                forms.SlaTargetForm(request.POST),
                lambda f: services.sla_target_set(org=org, actor=actor, **f.cleaned_data),
            ),
            "group": (
                forms.GroupForm(request.POST, provider=org),
                lambda f: services.group_create(
                    org=org, actor=actor, name=f.cleaned_data["name"],
                    members=list(f.cleaned_data["members"]),
                ),
            ),
            "rule": (
                forms.EscalationRuleForm(request.POST, provider=org),
                lambda f: services.escalation_rule_create(org=org, actor=actor, **f.cleaned_data),
            ),
        }  # fmt: skip
        if which not in handlers:
            return render(request, "helpdesk/settings.html", self.context(), status=400)
        form, save = handlers[which]
        if form.is_valid():
            try:
                save(form)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("helpdesk_settings", org_slug=org_slug)
        return render(
            request, "helpdesk/settings.html", self.context(**{f"{which}_form": form}), status=400
        )


class SurveysSendView(HelpdeskView):
    """The provider admin's "send surveys now": closed tickets get their survey without waiting."""

    permission = "helpdesk.settings"

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if not getattr(request.org, "is_provider", False):
            raise Http404
        sent = services.surveys_send_now(org=request.org, actor=request.user)
        messages.success(
            request,
            ngettext(
                "%(count)s satisfaction survey sent.", "%(count)s satisfaction surveys sent.", sent
            )
            % {"count": sent},
        )
        return redirect("helpdesk_queue", org_slug=org_slug)


class CategoryActiveView(HelpdeskView):
    permission = "helpdesk.settings"

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        category = get_object_or_404(Category, organization=request.org, pk=pk)
        services.category_set_active(
            org=request.org, actor=request.user, category=category,
            is_active=request.POST.get("is_active") == "1",
        )  # fmt: skip
        return redirect("helpdesk_settings", org_slug=org_slug)


class PreferencesView(HelpdeskView):
    """Which helpdesk e-mails the user gets in this organization."""

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        current = selectors.notification_preferences(org=request.org, user=request.user)
        form = forms.PreferencesForm(current=current)
        return render(request, "helpdesk/preferences.html", {"form": form})

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        current = selectors.notification_preferences(org=request.org, user=request.user)
        form = forms.PreferencesForm(request.POST, current=current)
        if not form.is_valid():
            return render(request, "helpdesk/preferences.html", {"form": form}, status=400)
        for event, enabled in form.cleaned_data.items():
            if current.get(event, True) != enabled:
                services.notification_preference_set(
                    org=request.org, actor=request.user, event=event, enabled=enabled
                )
        messages.success(request, _("Saved."))
        return redirect("helpdesk_preferences", org_slug=org_slug)


# --- knowledge base ----------------------------------------------------------------------------
class ArticlesView(HelpdeskView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        q = request.GET.get("q", "")[:200]
        rows = selectors.articles(org=request.org, q=q)
        context = {
            "page": paginate(request, rows),
            "q": q,
            "extra_query": f"q={q}" if q else "",
            "can_write": self.can("helpdesk.settings") and self.staff,
        }
        return render(request, "helpdesk/articles.html", context)


class ArticleView(HelpdeskView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        article = get_object_or_404(selectors.articles(org=request.org), pk=pk)
        context = {
            "article": article,
            "body_html": render_markdown(article.body),
            "can_write": self.can("helpdesk.settings") and self.staff,
        }
        return render(request, "helpdesk/article.html", context)


class ArticleEditView(HelpdeskView):
    permission = "helpdesk.settings"

    def article(self, pk: int | None) -> Article | None:
        if not getattr(self.request.org, "is_provider", False):
            raise Http404
        if pk is None:
            return None
        return get_object_or_404(selectors.articles(org=self.request.org), pk=pk)

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        article = self.article(pk)
        initial = (
            {"title": article.title, "body": article.body, "is_public": article.is_public,
             "category": article.category_id} if article else {}
        )  # fmt: skip
        form = forms.ArticleForm(provider=request.org, initial=initial)
        return render(request, "helpdesk/article_form.html", {"form": form, "article": article})

    def post(
        self, request: TenantHttpRequest, org_slug: str, pk: int | None = None
    ) -> HttpResponse:
        article = self.article(pk)
        form = forms.ArticleForm(request.POST, provider=request.org)
        if form.is_valid():
            try:
                saved = services.article_save(
                    org=request.org, actor=request.user, article=article, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(reverse("helpdesk_article", args=[org_slug, saved.pk]))
        context = {"form": form, "article": article}
        return render(request, "helpdesk/article_form.html", context, status=400)
