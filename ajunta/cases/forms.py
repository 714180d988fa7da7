"""Forms of the case pages: they parse and check shapes; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.cases import selectors
from ajunta.cases.models import (
    CaseParty,
    CaseStatus,
    Confidentiality,
    DeadlineUnit,
    DocumentTemplate,
    IdType,
    Initiation,
    PersonType,
    Procedure,
    SilenceEffect,
    Visibility,
)
from ajunta.core.forms import DateInput
from ajunta.core.models import EniDocumentType, EniElaborationState, EniOrigin


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *CaseStatus.choices]
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # On every case list: Django's field template renders a template more for each label
        # and each (empty) error list; this one writes the label out (same markup, and these
        # fields have no help text or fieldset).
        for field in self.fields.values():
            field.template_name = "cases/forms/filter_field.html"  # type: ignore[attr-defined]

    def filters(self, user: Any, today: Any) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        result: dict[str, Any] = {"q": data["q"], "status": data["status"]}
        if data["mine"]:
            result["responsible"] = user
        if data["overdue"]:
            result["overdue_on"] = today
        return result


class PartyForm(forms.Form):
    person_type = forms.ChoiceField(label=_("Person type"), choices=PersonType.choices)
    id_type = forms.ChoiceField(label=_("Identity document"), choices=IdType.choices)
    id_number = forms.CharField(label=_("Document number"), max_length=20)
    name = forms.CharField(label=_("Name or company name"), max_length=80)
    first_surname = forms.CharField(label=_("First surname"), max_length=30, required=False)
    second_surname = forms.CharField(label=_("Second surname"), max_length=30, required=False)
    address = forms.CharField(label=_("Address"), max_length=160, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=5, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=160, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)


class CaseForm(forms.Form):
    procedure = forms.ModelChoiceField(label=_("Procedure"), queryset=Procedure.objects.none())
    subject = forms.CharField(
        label=_("Subject"),
        max_length=240,
        required=False,
        help_text=_("Opened from a registry entry, it defaults to the entry's summary."),
    )
    origin_entry_number = forms.CharField(
        label=_("Origin: registry entry number"),
        required=False,
        max_length=40,
        help_text=_("Leave empty for a case opened ex officio."),
    )
    responsible = StaffChoiceField(label=_("Responsible person"), queryset=None, required=False)

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = selectors.procedures(  # type: ignore[attr-defined]
            org=org, active_only=True
        )
        self.fields["responsible"].queryset = selectors.staff(org=org)  # type: ignore[attr-defined]


class PhaseForm(forms.Form):
    phase = forms.CharField(label=_("Next phase"), max_length=40)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class ExtendForm(ReasonForm):
    amount = forms.IntegerField(label=_("Extend by"), min_value=1, max_value=3650)


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[
            (s, s.label) for s in (CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.ARCHIVED)
        ],
    )
    override_reason = forms.CharField(
        label=_("Reason to override the procedure's rules"),
        help_text=_(
            "Only when something the procedure requires is missing and the case must be resolved "
            "or closed all the same; the reason is recorded."
        ),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, current: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Offer only the next status the case may take (all three when not known).
        following = {
            CaseStatus.OPEN: CaseStatus.RESOLVED,
            CaseStatus.SUSPENDED: CaseStatus.RESOLVED,
            CaseStatus.RESOLVED: CaseStatus.CLOSED,
            CaseStatus.CLOSED: CaseStatus.ARCHIVED,
        }
        if current in following:
            target = following[CaseStatus(current)]
            self.fields["status"].choices = [(target.value, target.label)]  # type: ignore[attr-defined]
            self.fields["status"].initial = target.value


class AssignForm(forms.Form):
    responsible = StaffChoiceField(label=_("Responsible person"), queryset=None, required=False)

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = selectors.staff(org=org)  # type: ignore[attr-defined]


class RelateForm(forms.Form):
    number = forms.CharField(label=_("Number of the related case"), max_length=40)


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    document_type = forms.ChoiceField(
        label=_("Document type"), choices=EniDocumentType.choices, initial=EniDocumentType.TD99
    )
    origin = forms.TypedChoiceField(
        label=_("Origin"), choices=EniOrigin.choices, coerce=int, initial=EniOrigin.ADMINISTRATION
    )
    elaboration_state = forms.ChoiceField(
        label=_("Elaboration state"), choices=EniElaborationState.choices
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)


class DocumentGenerateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    template = forms.ModelChoiceField(
        label=_("Template"),
        queryset=DocumentTemplate.objects.none(),
        required=False,
        help_text=_("Its text is used when the text below is left empty."),
    )
    document_type = forms.ChoiceField(
        label=_("Document type"),
        choices=[("", _("The template's")), *EniDocumentType.choices],
        required=False,
    )
    template_text = forms.CharField(
        label=_("Text"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Merge fields: $case_number, $subject, $procedure, $party_name, $organization, $today."
        ),
    )

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = selectors.document_templates(  # type: ignore[attr-defined]
            org=org, active_only=True
        )


class DocumentTemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    document_type = forms.ChoiceField(label=_("Document type"), choices=EniDocumentType.choices)
    body = forms.CharField(
        label=_("Text"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Merge fields: $case_number, $subject, $procedure, $party_name, $organization, $today."
        ),
    )
    is_active = forms.BooleanField(
        label=pgettext_lazy("procedure", "Active"), required=False, initial=True
    )


class VersionForm(forms.Form):
    file = forms.FileField(label=_("New version"))


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    assignee = StaffChoiceField(label=_("Assigned to"), queryset=None)
    due_date = forms.DateField(label=_("Due date"), required=False, widget=DateInput())

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = selectors.staff(org=org)  # type: ignore[attr-defined]


class ProcedureForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=30)
    sia_code = forms.CharField(label=_("SIA code"), max_length=20, required=False)
    name = forms.CharField(label=_("Name"), max_length=200)
    classification = forms.CharField(label=_("Classification"), max_length=120, required=False)
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deadline_value = forms.IntegerField(
        label=_("Legal deadline"), min_value=1, max_value=3650, required=False
    )
    deadline_unit = forms.ChoiceField(label=_("Deadline unit"), choices=DeadlineUnit.choices)
    silence_effect = forms.ChoiceField(label=_("Effect of silence"), choices=SilenceEffect.choices)
    required_documents = forms.CharField(
        label=_("Required documents"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One per line."),
    )  # fmt: skip
    phases = forms.CharField(
        label=_("Phases"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, in order, as “code: name”. Each phase leads to the next."),
    )  # fmt: skip
    initiation = forms.ChoiceField(label=_("Who may start it"), choices=Initiation.choices)
    confidentiality = forms.ChoiceField(label=_("Confidentiality"), choices=Confidentiality.choices)
    is_template = forms.BooleanField(label=_("Offer to members as a template"), required=False)
    is_active = forms.BooleanField(
        label=pgettext_lazy("procedure", "Active"), required=False, initial=True
    )

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not getattr(org, "is_provider", False):
            del self.fields["is_template"]

    @staticmethod
    def initial_for(procedure: Any) -> dict[str, Any]:
        fields = [
            "code", "sia_code", "name", "classification", "description", "deadline_value",
            "deadline_unit", "silence_effect", "required_documents", "initiation",
            "confidentiality", "is_template", "is_active",
        ]  # fmt: skip
        initial = {field: getattr(procedure, field) for field in fields}
        initial["phases"] = "\n".join(f"{p['code']}: {p['name']}" for p in procedure.phases)
        return initial


class DecreeForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=240)
    body = forms.CharField(
        label=_("Text of the resolution"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    case_number = forms.CharField(label=_("Case file number"), max_length=40, required=False)


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def period(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class NumberFormatForm(forms.Form):
    number_format = forms.CharField(label=_("Case number format"), max_length=60)


class PartyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.full_name} ({obj.id_number})"


class NotifyForm(forms.Form):
    party = PartyChoiceField(label=_("Notify to"), queryset=CaseParty.objects.none())

    def __init__(self, *args: Any, case: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "notify")
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = case.parties.all()  # type: ignore[attr-defined]
