from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ajunta.core.forms import PlainSelect
from ajunta.security import clocks
from ajunta.security.models import EnsMeasureState, IncidentStatus, SecurityIncident

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class IncidentForm(forms.ModelForm):
    organization = forms.TypedChoiceField(label=_("Organization"), coerce=int, required=False,
                                          widget=PlainSelect)  # fmt: skip
    assets = forms.TypedMultipleChoiceField(
        label=_("Affected devices"), coerce=int, required=False,
        help_text=_("Devices of the organization, from the IT inventory."),
    )  # fmt: skip

    class Meta:
        model = SecurityIncident
        fields = ["title", "category", "level", "significant", "detected_at", "aware_at",
                  "affected_services", "personal_data", "personal_data_description", "description"]  # fmt: skip
        widgets = {
            "detected_at": DateTimeInput(),
            "aware_at": DateTimeInput(),
            "category": PlainSelect,
            "level": PlainSelect,
            "affected_services": forms.Textarea(attrs={"rows": 2}),
            "personal_data_description": forms.Textarea(attrs={"rows": 2}),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, organizations: list[Any] | None = None,
                 assets: list[Any] | None = None, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        for name in ("detected_at", "aware_at"):
            self.fields[name].input_formats = DATETIME_FORMATS  # type: ignore[attr-defined]
        self.fields["aware_at"].required = False
        if organizations and len(organizations) > 1:
            self.fields["organization"].choices = [(o.pk, o.name) for o in organizations]  # type: ignore[attr-defined]
            self.fields["organization"].required = True
        else:
            del self.fields["organization"]
        self.fields["assets"].choices = [(a.pk, str(a)) for a in assets or []]  # type: ignore[attr-defined]
        if not assets:
            del self.fields["assets"]


class EventForm(forms.Form):
    text = forms.CharField(
        label=_("What happened or was done"), widget=forms.Textarea(attrs={"rows": 2})
    )
    action = forms.BooleanField(label=_("It is an action taken"), required=False)


class StepForm(forms.Form):
    step = forms.ChoiceField(
        label=_("Step"), choices=list(clocks.STEP_LABELS.items()), widget=PlainSelect
    )
    at = forms.DateTimeField(label=_("Sent at"), required=False, input_formats=DATETIME_FORMATS,
                             widget=DateTimeInput(), help_text=_("Empty: now."))  # fmt: skip
    reference = forms.CharField(
        label=_("Reference (CSIRT, authority)"), required=False, max_length=500
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=IncidentStatus.choices, widget=PlainSelect
    )


class EnsMeasureForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=EnsMeasureState.choices, widget=PlainSelect)
    evidence = forms.CharField(label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                               help_text=_("Where the proof is: document, procedure, record."))  # fmt: skip
    review_date = forms.DateField(label=_("Next review"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    justification = forms.CharField(label=_("Justification (if not applicable)"), required=False,
                                    widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    documents = forms.TypedMultipleChoiceField(label=_("Documents"), coerce=int, required=False)

    def __init__(self, *args: Any, documents: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].choices = [(d.pk, str(d)) for d in documents or []]  # type: ignore[attr-defined]
        if not documents:
            del self.fields["documents"]
