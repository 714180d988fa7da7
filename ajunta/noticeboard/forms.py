from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ajunta.core.forms import DateInput
from ajunta.noticeboard.models import EdictKind, PeriodUnit


class EdictForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EdictKind.choices)
    title = forms.CharField(label=_("Title"), max_length=240)
    body = forms.CharField(
        label=_("Text"), max_length=20000, widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("As it will be published. Paragraphs, lists and links in Markdown."),
    )  # fmt: skip
    reference = forms.CharField(
        label=_("Reference"), max_length=120, required=False,
        help_text=_("E.g. the file or the bulletin it refers to."),
    )  # fmt: skip
    case_number = forms.CharField(
        label=_("Case file number"), max_length=40, required=False,
        help_text=_("Its certificate of publication joins this case file."),
    )  # fmt: skip
    starts_on = forms.DateField(label=_("First day on the board"), widget=DateInput())
    period_days = forms.IntegerField(
        label=_("Period in days"), min_value=1, max_value=366, required=False,
        help_text=_("Counted from the day after the first day. Leave empty to give the last day."),
    )  # fmt: skip
    period_unit = forms.ChoiceField(
        label=_("Counted in"), choices=PeriodUnit.choices, initial=PeriodUnit.BUSINESS
    )
    ends_on = forms.DateField(
        label=_("Last day on the board"), required=False,
        widget=DateInput(),
        help_text=_("Only when no period in days is given."),
    )  # fmt: skip
    document = forms.FileField(
        label=_("Document to publish"), required=False,
        help_text=_("Optional: the full text or the resolution, usually a signed PDF."),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("period_days") is None and data.get("ends_on") is None:
            self.add_error(
                "period_days", _("Give the period in days or the last day on the board.")
            )
        return data


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"), max_length=500, min_length=10,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("It is kept with the edict and stated in its certificate."),
    )  # fmt: skip
