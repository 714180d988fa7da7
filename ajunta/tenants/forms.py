import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from ajunta.tenants.models import Organization

WEEKDAYS = [
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
]
_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class OrganizationProfileForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "population", "population_year", "comarca"]


class LocalHolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(label=_("Name"), max_length=120)


class BusinessHoursForm(forms.Form):
    """One text field a weekday: ranges like `08:00-15:00, 16:00-18:30`; empty means closed."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for index, label in enumerate(WEEKDAYS):
            self.fields[f"day_{index}"] = forms.CharField(
                label=label,
                required=False,
                max_length=100,
                help_text=_(
                    "For example 08:00-15:00; several ranges separated by commas; empty if closed."
                ),
            )

    @staticmethod
    def initial_from(rows: list[tuple[int, dt.time, dt.time]]) -> dict[str, str]:
        by_day: dict[str, list[str]] = {}
        for weekday, opens, closes in rows:
            by_day.setdefault(f"day_{weekday}", []).append(f"{opens:%H:%M}-{closes:%H:%M}")
        return {key: ", ".join(value) for key, value in by_day.items()}

    def ranges(self) -> list[tuple[int, dt.time, dt.time]]:
        result = []
        for index in range(7):
            text = self.cleaned_data.get(f"day_{index}", "")
            for part in filter(None, (p.strip() for p in text.split(","))):
                match = _RANGE.match(part)
                if not match:
                    self.add_error(f"day_{index}", _("Write ranges as HH:MM-HH:MM."))
                    continue
                h1, m1, h2, m2 = (int(g) for g in match.groups())
                try:
                    result.append((index, dt.time(h1, m1), dt.time(h2, m2)))
                except ValueError:
                    self.add_error(f"day_{index}", _("That is not a valid time."))
        return result
