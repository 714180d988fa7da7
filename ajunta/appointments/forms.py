from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ajunta.appointments.models import Channel, ExceptionKind


class BookingForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    identifier = forms.CharField(
        label=_("DNI/NIF or NIE"), max_length=20, help_text=_("E.g. 12345678Z or X1234567L.")
    )
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("We send you a code to confirm, then the appointment.")
    )
    phone = forms.CharField(label=_("Mobile phone (optional)"), max_length=30, required=False)
    privacy = forms.BooleanField(
        label=_("I accept that the council uses these data to manage the appointment.")
    )
    pow_nonce = forms.CharField(required=False, widget=forms.HiddenInput)
    pow_challenge = forms.CharField(required=False, widget=forms.HiddenInput)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class WaitingListForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200)
    identifier = forms.CharField(label=_("DNI/NIF or NIE"), max_length=20)
    email = forms.EmailField(label=_("E-mail"))


class WalkInForm(forms.Form):
    desk = forms.ChoiceField(label=_("Desk"))
    service = forms.ChoiceField(label=_("Service"))
    name = forms.CharField(label=_("Name"), max_length=200)
    identifier = forms.CharField(
        label=_("DNI/NIF or NIE (optional)"), max_length=20, required=False
    )

    def __init__(self, *args, desks=(), services=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["desk"]).choices = [(d.pk, str(d)) for d in desks]
        cast(forms.ChoiceField, self.fields["service"]).choices = [(s.pk, s.name) for s in services]


class OfficeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    map_url = forms.URLField(label=_("Map link"), required=False, assume_scheme="https")
    accessibility = forms.CharField(
        label=_("Accessibility"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=5, max_value=480, initial=15
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    capacity = forms.IntegerField(label=_("People per slot"), min_value=1, max_value=200, initial=1)
    documents_to_bring = forms.CharField(
        label=_("Documents to bring"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ClosureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExceptionKind.choices)
    office = forms.ChoiceField(label=_("Office"), required=False)
    starts = forms.DateTimeField(
        label=_("From"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends = forms.DateTimeField(
        label=_("To"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def __init__(self, *args, offices=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["office"]).choices = [("", _("All offices"))] + [
            (o.pk, o.name) for o in offices
        ]


class CalendarForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    office = forms.ChoiceField(label=_("Office"), required=False)
    url = forms.URLField(
        label=_("Calendar address (URL)"), required=False, max_length=500, assume_scheme="https"
    )
    file = forms.FileField(label=_("or an .ics file"), required=False)

    def __init__(self, *args, offices=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["office"]).choices = [("", _("All offices"))] + [
            (o.pk, o.name) for o in offices
        ]


WEEKDAY_LABELS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]


class DeskForm(forms.Form):
    office = forms.ChoiceField(label=_("Office"))
    name = forms.CharField(label=_("Name"), max_length=120)
    services = forms.MultipleChoiceField(
        label=_("Services"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, offices=(), services=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["office"]).choices = [(o.pk, o.name) for o in offices]
        cast(forms.ChoiceField, self.fields["services"]).choices = [
            (s.pk, s.name) for s in services
        ]


class ScheduleForm(forms.Form):
    """A weekly schedule: one line of hours per weekday, e.g. "09:00-11:00, 11:30-14:00"."""

    desk = forms.ChoiceField(label=_("Desk"))
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave both dates empty for the all-year schedule."),
    )

    def __init__(self, *args, desks=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["desk"]).choices = [(d.pk, str(d)) for d in desks]
        for index, label in enumerate(WEEKDAY_LABELS):
            self.fields[f"day{index}"] = forms.CharField(
                label=label,
                required=False,
                max_length=100,
                help_text=_("E.g. 09:00-11:00, 11:30-14:00 (a break between).")
                if index == 0
                else "",
            )

    def intervals(self) -> list[tuple[int, Any, Any]]:
        import datetime as dt

        rows = []
        for index in range(7):
            text = (self.cleaned_data.get(f"day{index}") or "").strip()
            for part in filter(None, (p.strip() for p in text.replace(";", ",").split(","))):
                try:
                    start, end = (dt.time.fromisoformat(x.strip()) for x in part.split("-"))
                except ValueError as error:
                    raise forms.ValidationError(
                        {f"day{index}": _("Write hours as 09:00-11:00, separated by commas.")}
                    ) from error
                rows.append((index, start, end))
        if not rows:
            raise forms.ValidationError(_("Give the hours of at least one day."))
        return rows
