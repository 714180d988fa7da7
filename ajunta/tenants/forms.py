import datetime as dt
import re
from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from ajunta.core.forms import DateInput
from ajunta.tenants import selectors
from ajunta.tenants.models import (
    Agreement,
    CatalogueService,
    FeeRule,
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    PublicPage,
    SiteIdentity,
    TrainingSession,
)
from ajunta.tenants.services import module_codes

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
        fields = ["name", "population", "population_year", "comarca", "language"]


class LocalHolidayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
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


# --- members module ---------------------------------------------------------------------------------
DATE = DateInput()
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
APPLICANT_KINDS = [(k, label) for k, label in OrganizationKind.choices if k != "provider"]


class ApplicationForm(forms.ModelForm):
    """Apply to join the provider (public site), or enter an application (staff)."""

    applicant_kind = forms.ChoiceField(label=_("Kind of body"), choices=APPLICANT_KINDS)

    class Meta:
        model = Membership
        fields = [
            "applicant_name", "applicant_kind", "ine_code", "population", "contact_name",
            "contact_email", "contact_phone", "notes",
        ]  # fmt: skip
        help_texts = {"ine_code": _("Six digits with the check digit, e.g. 081136.")}

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("applicant_kind") == OrganizationKind.MUNICIPALITY and not data.get("ine_code"):
            self.add_error("ine_code", _("A municipality applies with its INE code."))
        if not data.get("contact_email") and not data.get("contact_phone"):
            self.add_error("contact_email", _("Give an email address or a phone number."))
        return data


class MembershipStatusForm(forms.Form):
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[(s, label) for s, label in MembershipStatus.choices if s != "applied"],
    )
    on = forms.DateField(label=_("Date"), required=False, widget=DATE)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, a header line, columns ine_code, name, population."),
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file (dry run)"), required=False, initial=True
    )


class FeeRuleForm(forms.ModelForm):
    class Meta:
        model = FeeRule
        fields = ["valid_from", "min_population", "max_population", "amount", "payer", "sponsor"]
        widgets = {"valid_from": DATE}

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sponsor"].queryset = selectors.other_organizations(org=org)  # type: ignore[attr-defined]


class CatalogueServiceForm(forms.ModelForm):
    module = forms.ChoiceField(
        label=_("Ajunta module"),
        required=False,
        choices=lambda: [("", "—"), *[(code, code) for code in module_codes()]],
    )

    class Meta:
        model = CatalogueService
        fields = [
            "code", "name", "description", "module", "requestable_by", "included_in_membership",
            "price", "is_active",
        ]  # fmt: skip


class AgreementForm(forms.ModelForm):
    class Meta:
        model = Agreement
        fields = [
            "member", "kind", "title", "start_date", "end_date", "services",
            "support_hours_per_year", "sla_level", "scope",
        ]  # fmt: skip
        widgets = {
            "start_date": DATE,
            "end_date": DATE,
            "services": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = selectors.other_organizations(org=org)  # type: ignore[attr-defined]
        self.fields["services"].queryset = selectors.catalogue_services(org=org)  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class TrainingSessionForm(forms.ModelForm):
    class Meta:
        model = TrainingSession
        fields = [
            "kind", "title", "description", "starts_at", "ends_at", "place", "capacity",
            "max_population", "visited",
        ]  # fmt: skip
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME}

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited"].queryset = selectors.members(provider=org)  # type: ignore[attr-defined]


class EnrolmentForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Organization.objects.none())
    participants = forms.IntegerField(
        label=_("Participants"), min_value=1, max_value=500, initial=1
    )

    def __init__(self, *args: Any, org: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = selectors.members(provider=org)  # type: ignore[attr-defined]


class PublicPageForm(forms.ModelForm):
    class Meta:
        model = PublicPage
        fields = [
            "slug", "language", "kind", "title", "body", "menu_order", "published", "published_on",
        ]  # fmt: skip
        widgets = {"published_on": DATE, "body": forms.Textarea(attrs={"rows": 16})}


def _https_urls(field: Any, **kwargs: Any) -> Any:
    """Model URL fields as form fields that read a bare "example.org" as https://."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class SiteIdentityForm(forms.ModelForm):
    logo = forms.FileField(
        label=_("Logo or coat of arms"), required=False,
        help_text=_("PNG, JPEG, WebP or SVG; it replaces the current one."),
    )  # fmt: skip

    class Meta:
        model = SiteIdentity
        formfield_callback = _https_urls
        fields = [
            "legal_name", "tax_id", "address", "postcode", "town", "phone", "email",
            "opening_hours", "facebook", "instagram", "x", "youtube", "linkedin", "mastodon",
            "dpo_name", "dpo_email", "accessibility_conformance", "accessibility_exceptions",
            "accessibility_statement_date", "accessibility_review_date",
        ]  # fmt: skip
        widgets = {
            "opening_hours": forms.Textarea(attrs={"rows": 3}),
            "accessibility_exceptions": forms.Textarea(attrs={"rows": 5}),
            "accessibility_statement_date": DateInput(),
            "accessibility_review_date": DateInput(),
        }
