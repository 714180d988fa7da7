"""Forms of the helpdesk pages. They parse what people type; the rules live in services.py."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ajunta.assets import selectors as asset_selectors
from ajunta.assets.models import Asset, AssetStatus
from ajunta.core.forms import PlainSelect
from ajunta.helpdesk import selectors
from ajunta.helpdesk.models import (
    Category,
    EscalationAction,
    NotificationEvent,
    Priority,
    SlaKind,
    TechnicianGroup,
    TicketStatus,
    TicketType,
)
from ajunta.tenants import selectors as tenant_selectors
from ajunta.tenants.models import RequestableBy


def with_blank(choices: Any, label: Any = "—") -> list[tuple[Any, Any]]:
    return [("", label), *choices]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple>: cleans to a list (empty when none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_full_name() or obj.username)


class AssetChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        tag = f" ({obj.inventory_tag})" if obj.inventory_tag else ""
        return f"{obj.name or obj.get_kind_display()}{tag}"


def asset_choices(member: Any, keep: Any = ()) -> Any:
    """The member's assets in use, in stock or in repair (and any already named), for a select.

    A town hall has tens of assets, not thousands: a plain multiple select is enough."""
    from django.db.models import Q

    return asset_selectors.assets(org=member).filter(
        ~Q(status=AssetStatus.RETIRED) | Q(pk__in=list(keep))
    )


def set_queryset(form: forms.Form, name: str, queryset: Any) -> None:
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


PRIORITY_CHOICES = [(str(v), label) for v, label in Priority.choices]


# --- the queue --------------------------------------------------------------------------------------
class ListedChoiceIterator(ModelChoiceIterator):
    """A model field's choices read in one plain query: `.iterator()`, Django's default here,
    opens a server-side cursor on PostgreSQL (DECLARE, FETCH, CLOSE) for a handful of rows."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class TicketFilterForm(forms.Form):
    QUEUE_CHOICES = [
        ("open", gettext_lazy("Open")),
        ("mine", gettext_lazy("My queue")),
        ("group", gettext_lazy("My groups' queue")),
        ("unassigned", gettext_lazy("Unassigned")),
        ("all", gettext_lazy("All")),
    ]
    queue = forms.ChoiceField(
        label=gettext_lazy("Queue"), required=False, choices=QUEUE_CHOICES, widget=PlainSelect
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=with_blank(TicketStatus.choices),
        widget=PlainSelect,
    )
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priority"),
        required=False,
        choices=with_blank(PRIORITY_CHOICES),
        coerce=int,
        empty_value=None,
        widget=PlainSelect,
    )
    q = forms.CharField(label=gettext_lazy("Number or title"), required=False, max_length=200)
    sla = forms.ChoiceField(
        label=gettext_lazy("Resolution deadline (SLA)"),
        required=False,
        choices=[
            ("", "---------"),
            ("risk", gettext_lazy("At risk (due within 24 hours)")),
            ("late", gettext_lazy("Breached")),
        ],
        widget=PlainSelect,
    )

    def __init__(self, *args: Any, org: Any, staff: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff = staff
        self.org = org
        if staff:
            # A text field, not a list: a provincial council may serve a thousand members.
            self.fields["member"] = forms.CharField(
                label=gettext_lazy("Municipality (short name or INE code)"),
                required=False,
                max_length=60,
            )
            service = forms.ModelChoiceField(
                label=gettext_lazy("Service requested"),
                required=False,
                queryset=selectors.catalogue_services(provider=org),
                to_field_name="code",
                widget=PlainSelect,
            )
            service.iterator = ListedChoiceIterator
            self.fields["service"] = service
        else:
            cast(forms.ChoiceField, self.fields["queue"]).choices = [
                ("all", gettext_lazy("All")),
                ("open", gettext_lazy("Open")),
            ]

    def clean_member(self) -> Any:
        text = (self.cleaned_data.get("member") or "").strip()
        if not text:
            return None
        found = selectors.member_by_code(provider=self.org, code=text)
        if found is None:
            raise forms.ValidationError(gettext_lazy("No member municipality has this name."))
        return found

    def filters(self) -> dict[str, Any]:
        default = "open" if self.staff else "all"
        if not self.is_bound or not self.is_valid():
            return {"queue": default}
        data = {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}
        data.setdefault("queue", default)
        return data

    def querystring(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        values = {
            k: getattr(v, "slug", None) or getattr(v, "code", v)
            for k, v in self.cleaned_data.items()
            if v
        }
        return urlencode(values)


# --- opening a ticket -------------------------------------------------------------------------------
class TicketForm(forms.Form):
    ticket_type = forms.ChoiceField(
        label=gettext_lazy("Type"), choices=TicketType.choices, initial=TicketType.INCIDENT
    )
    category = CategoryChoiceField(
        label=gettext_lazy("Category"), required=False, queryset=Category.objects.none()
    )
    urgency = forms.TypedChoiceField(
        label=gettext_lazy("Urgency"),
        choices=PRIORITY_CHOICES,
        coerce=int,
        initial=Priority.MEDIUM,
        help_text=gettext_lazy("How soon you need it solved."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy("What happens, since when, on which equipment, any error message."),
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"))

    def __init__(
        self, *args: Any, org: Any, provider: Any, services: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.org = org
        set_queryset(self, "category", selectors.categories(provider=provider, active_only=True))
        # The service requested: under a member's slug, those it may request (`services`, the
        # list the page also links); under the provider's, its active catalogue (the service
        # checks the member may request the one chosen).
        if services is None:
            offered = tenant_selectors.catalogue_services(org=provider).exclude(
                requestable_by=RequestableBy.PROVIDER
            )
        else:
            offered = tenant_selectors.catalogue_services(org=provider).filter(
                pk__in=[s.pk for s in services]
            )
        self.fields["service"] = forms.ModelChoiceField(
            label=gettext_lazy("Service requested"),
            required=False,
            queryset=offered,
            to_field_name="code",
            help_text=gettext_lazy("Only when you ask for a service of the catalogue."),
        )
        if not getattr(org, "is_provider", False):
            self.fields["assets"] = AssetChoiceField(
                label=gettext_lazy("Affected equipment"),
                required=False,
                queryset=asset_choices(org),
                help_text=gettext_lazy("The computers, printers or devices it concerns, if any."),
            )
            self.order_fields(["service", "ticket_type", "category", "urgency", "title"])
        if getattr(org, "is_provider", False):
            self.fields["member"] = forms.ModelChoiceField(
                label=gettext_lazy("On behalf of the municipality"),
                queryset=tenant_selectors.members(provider=org),
            )
            self.fields["requester_username"] = forms.CharField(
                label=gettext_lazy("Requester's user name"),
                required=False,
                max_length=150,
                help_text=gettext_lazy("Someone of that municipality; leave empty if unknown."),
            )
            self.fields["requester_email"] = forms.EmailField(
                label=gettext_lazy("Requester's e-mail"), required=False
            )
            self.fields["channel"] = forms.ChoiceField(
                label=gettext_lazy("Received by"),
                choices=[("phone", gettext_lazy("Phone")), ("email", gettext_lazy("E-mail"))],
            )
            self.order_fields(
                ["member", "requester_username", "requester_email", "channel", "service"]
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username = (data.get("requester_username") or "").strip()
        data["requester"] = None
        if username and data.get("member") is not None:
            data["requester"] = (
                selectors.member_users(org=data["member"]).filter(username=username).first()
            )
            if data["requester"] is None:
                self.add_error(
                    "requester_username", gettext_lazy("Nobody of that municipality has it.")
                )
        return data

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments = {
            field: data[field]
            for field in ("ticket_type", "category", "urgency", "title", "description")
        }
        arguments["attachments"] = data["attachments"]
        arguments["service"] = data.get("service")
        arguments["assets"] = list(data.get("assets") or ())
        if "member" in self.fields:
            arguments.update(
                member=data["member"],
                requester=data["requester"],
                requester_email=data.get("requester_email") or "",
                channel=data["channel"],
            )
        return arguments


# --- actions on a ticket ----------------------------------------------------------------------------
class TicketAssetsForm(forms.Form):
    """The assets a ticket affects, chosen among its member's (whoever's slug the page is under)."""

    assets = AssetChoiceField(
        label=gettext_lazy("Affected equipment"),
        required=False,
        queryset=Asset.objects.none(),
    )

    def __init__(self, *args: Any, member: Any, current: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "assets", asset_choices(member, keep=current))


class FollowUpForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Follow-up"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = MultipleFileField(label=gettext_lazy("Attachments"))

    def __init__(self, *args: Any, staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if staff:
            self.fields["is_private"] = forms.BooleanField(
                label=gettext_lazy("Private (provider staff only)"), required=False
            )
            self.fields["minutes_spent"] = forms.IntegerField(
                label=gettext_lazy("Time spent (minutes)"), min_value=0, initial=0, required=False
            )


class AssignForm(forms.Form):
    technician = UserChoiceField(
        label=gettext_lazy("Technician"), required=False, queryset=Category.objects.none()
    )
    group = forms.ModelChoiceField(
        label=gettext_lazy("Group"), required=False, queryset=TechnicianGroup.objects.none()
    )
    round_robin = forms.BooleanField(
        label=gettext_lazy("Give it to the group's next technician in turn"), required=False
    )

    def __init__(self, *args: Any, provider: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "technician", selectors.technicians(provider=provider))
        set_queryset(self, "group", selectors.groups(provider=provider))


class ClassifyForm(forms.Form):
    impact = forms.TypedChoiceField(
        label=gettext_lazy("Impact"), choices=PRIORITY_CHOICES, coerce=int
    )
    urgency = forms.TypedChoiceField(
        label=gettext_lazy("Urgency"), choices=PRIORITY_CHOICES, coerce=int
    )
    ticket_type = forms.ChoiceField(label=gettext_lazy("Type"), choices=TicketType.choices)
    category = CategoryChoiceField(
        label=gettext_lazy("Category"), required=False, queryset=Category.objects.none()
    )

    def __init__(self, *args: Any, provider: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "category", selectors.categories(provider=provider, active_only=True))


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[
            (TicketStatus.IN_PROGRESS, TicketStatus.IN_PROGRESS.label),
            (TicketStatus.PENDING, gettext_lazy("Pending (waiting for the requester)")),
        ],
    )


class SolveForm(forms.Form):
    solution = forms.CharField(
        label=gettext_lazy("Solution"), max_length=20000, widget=forms.Textarea(attrs={"rows": 4})
    )
    minutes_spent = forms.IntegerField(
        label=gettext_lazy("Time spent (minutes)"), min_value=0, initial=0, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The ticket page also shows the follow-up and task forms, with a field of the same name:
        # ids of its own, so that each label names its own field.
        kwargs.setdefault("auto_id", "id_solve_%s")
        super().__init__(*args, **kwargs)


class AcceptForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, max_length=20000, widget=forms.Textarea(
            attrs={"rows": 2})
    )  # fmt: skip


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why is it not solved?"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TaskForm(forms.Form):
    description = forms.CharField(label=gettext_lazy("Task"), max_length=500)
    technician = UserChoiceField(
        label=gettext_lazy("Technician"), required=False, queryset=Category.objects.none()
    )
    minutes_spent = forms.IntegerField(
        label=gettext_lazy("Time spent (minutes)"), min_value=0, initial=0, required=False
    )

    def __init__(self, *args: Any, provider: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "auto_id", "id_task_%s"
        )  # beside the assign and follow-up forms: see SolveForm
        super().__init__(*args, **kwargs)
        set_queryset(self, "technician", selectors.technicians(provider=provider))


class TaskDoneForm(forms.Form):
    minutes_spent = forms.IntegerField(
        label=gettext_lazy("More time spent (minutes)"), min_value=0, initial=0, required=False
    )


class SurveyForm(forms.Form):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you? (1 to 5)"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, max_length=2000, widget=forms.Textarea(
            attrs={"rows": 2})
    )  # fmt: skip


class ArticleLinkForm(forms.Form):
    article = forms.IntegerField(label=gettext_lazy("Article"))


# --- settings -----------------------------------------------------------------------------------------
class SettingsForm(forms.Form):
    auto_close_business_days = forms.IntegerField(
        label=gettext_lazy("Close solved tickets after (business days)"), min_value=1, max_value=90
    )
    survey_delay_hours = forms.IntegerField(
        label=gettext_lazy("Send the satisfaction survey after (hours)"), min_value=0, max_value=720
    )
    survey_rate_percent = forms.IntegerField(
        label=gettext_lazy("Closed tickets surveyed (%)"), min_value=0, max_value=100
    )

    def __init__(self, *args: Any, matrix: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for urgency in range(1, 6):
            for impact in range(1, 6):
                self.fields[f"m_{urgency}_{impact}"] = forms.TypedChoiceField(
                    label=f"{urgency}-{impact}",
                    choices=PRIORITY_CHOICES,
                    coerce=int,
                    initial=str(matrix.get(f"{urgency}-{impact}", 3)),
                )

    def matrix_rows(self) -> list[tuple[int, list[Any]]]:
        return [(u, [self[f"m_{u}_{i}"] for i in range(1, 6)]) for u in range(1, 6)]

    def matrix(self) -> dict[str, int]:
        return {
            f"{u}-{i}": self.cleaned_data[f"m_{u}_{i}"] for u in range(1, 6) for i in range(1, 6)
        }


class CategoryForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    parent = CategoryChoiceField(
        label=gettext_lazy("Inside"), required=False, queryset=Category.objects.none()
    )

    def __init__(self, *args: Any, provider: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "parent", selectors.categories(provider=provider))


class SlaTargetForm(forms.Form):
    level = forms.CharField(
        label=gettext_lazy("Agreement level"), max_length=40, initial="standard"
    )
    priority = forms.TypedChoiceField(
        label=gettext_lazy("Priority"), choices=PRIORITY_CHOICES, coerce=int
    )
    own_minutes = forms.IntegerField(
        label=gettext_lazy("Time to own (business minutes)"), min_value=1
    )
    resolve_minutes = forms.IntegerField(
        label=gettext_lazy("Time to resolve (business minutes)"), min_value=1
    )


class GroupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    members = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Technicians"), required=False, queryset=Category.objects.none()
    )

    def __init__(self, *args: Any, provider: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "members", selectors.technicians(provider=provider))


class EscalationRuleForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Clock"), choices=SlaKind.choices)
    percent = forms.IntegerField(
        label=gettext_lazy("At % of the target"),
        min_value=1,
        max_value=1000,
        help_text=gettext_lazy("100 is the breach; 75 warns before it, 150 acts after it."),
    )
    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=EscalationAction.choices)
    group = forms.ModelChoiceField(
        label=gettext_lazy("Group to reassign to"),
        required=False,
        queryset=TechnicianGroup.objects.none(),
    )

    def __init__(self, *args: Any, provider: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "group", selectors.groups(provider=provider))


class PreferencesForm(forms.Form):
    def __init__(self, *args: Any, current: dict[str, bool], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for event, label in NotificationEvent.choices:
            self.fields[event] = forms.BooleanField(
                label=label, required=False, initial=current.get(event, True)
            )


class ArticleForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text (Markdown)"),
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 14}),
    )
    category = CategoryChoiceField(
        label=gettext_lazy("Category"), required=False, queryset=Category.objects.none()
    )
    is_public = forms.BooleanField(label=gettext_lazy("Visible to municipal staff"), required=False)

    def __init__(self, *args: Any, provider: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_queryset(self, "category", selectors.categories(provider=provider))


# --- reports --------------------------------------------------------------------------------------------
class PeriodForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2200)
    month = forms.TypedChoiceField(
        label=gettext_lazy("Month"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=with_blank([(str(m), str(m)) for m in range(1, 13)], gettext_lazy("Whole year")),
    )

    def period(self) -> tuple[int, int | None]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["year"], self.cleaned_data["month"]
        today = timezone.localdate()
        return today.year, today.month
