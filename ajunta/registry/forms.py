"""Forms of the registry pages. They parse what the office types; the rules live in services.py.

A party row is "filled" when any of its text fields has content: blank rows are left out, so the
form can offer a couple of empty rows without forcing anyone to fill them.
"""

from __future__ import annotations

import re
import string
import uuid
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ajunta.core.forms import DateInput, PlainSelect
from ajunta.registry import selectors
from ajunta.registry.models import (
    Channel,
    Direction,
    EntryStatus,
    IdType,
    InterestedParty,
    PartyRole,
    PersonType,
    PreferredChannel,
    RegistryEntry,
    Unit,
    Validity,
)

MAX_PARTIES = 10
DATE_WIDGET = DateInput()


def with_blank(choices: Any, label: Any = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


# --- the registry book's filters ----------------------------------------------------------------
class BookFilterForm(forms.Form):
    """The filters of the registry book, read from the query string. Any field may be left empty."""

    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    number = forms.CharField(label=gettext_lazy("Number"), required=False, max_length=40)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DATE_WIDGET)
    direction = forms.ChoiceField(
        label=gettext_lazy("Direction"),
        required=False,
        choices=with_blank(Direction.choices, gettext_lazy("Both")),
        widget=PlainSelect,
    )
    party = forms.CharField(
        label=gettext_lazy("Interested party (NIF or name)"), required=False, max_length=80
    )
    subject = forms.CharField(label=gettext_lazy("Subject"), required=False, max_length=120)
    unit: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(
        label=gettext_lazy("Destination unit"),
        required=False,
        queryset=None,
        empty_label=gettext_lazy("Any"),
        widget=PlainSelect,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        required=False,
        choices=with_blank(Channel.choices, gettext_lazy("Any")),
        widget=PlainSelect,
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=with_blank(EntryStatus.choices, gettext_lazy("Any")),
        widget=PlainSelect,
    )

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.units(org=org)  # type: ignore[attr-defined]
        self.fields["q"].help_text = _(
            "Words from the number, subject, summary, addressee or interested parties."
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for selectors.entries(): the valid, non-empty filters."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: value for name, value in data.items() if value not in (None, "")}

    def querystring(self) -> str:
        """The filters as a query string, to keep them across pages and exports."""
        if not self.is_bound:
            return ""
        pairs = [(name, self.data.get(name, "")) for name in self.fields]
        return urlencode([(name, value) for name, value in pairs if value])


# --- a new entry ----------------------------------------------------------------------------------
class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple>: cleans to a list (empty when none)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class EntryForm(forms.Form):
    """The entry itself (without its parties): what services.registry_entry_create takes."""

    direction = forms.ChoiceField(
        label=gettext_lazy("Direction"),
        choices=Direction.choices,
        initial=Direction.IN,
        widget=forms.RadioSelect,
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"), choices=Channel.choices, initial=Channel.IN_PERSON
    )
    epigraph = forms.CharField(
        label=gettext_lazy("Epigraph"),
        max_length=240,
        help_text=gettext_lazy("The nature of the document, e.g. “Generic application”."),
    )
    summary = forms.CharField(
        label=gettext_lazy("Summary"),
        max_length=240,
        help_text=gettext_lazy("What the document is about, in one line."),
    )
    expone = forms.CharField(
        label=gettext_lazy("Statement (expone)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    solicita = forms.CharField(
        label=gettext_lazy("Request (solicita)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    addressee_name = forms.CharField(
        label=gettext_lazy("Addressee"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Required for an outgoing entry: who it is sent to."),
    )
    addressee_dir3 = forms.CharField(
        label=gettext_lazy("Addressee DIR3 code"),
        required=False,
        max_length=9,
        help_text=gettext_lazy("When the addressee is an administration, e.g. L01080193."),
    )
    destination_unit: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(
        label=gettext_lazy("Destination unit"),
        required=False,
        queryset=None,
        empty_label=gettext_lazy("None"),
    )
    physical_documentation = forms.BooleanField(
        label=gettext_lazy("Paper documentation is kept"), required=False
    )
    external_reference = forms.CharField(
        label=gettext_lazy("External reference"), required=False, max_length=80
    )
    case_reference = forms.CharField(label=gettext_lazy("Case file"), required=False, max_length=80)
    attachments = MultipleFileField(label=gettext_lazy("Attachments"), required=False)
    validity = forms.ChoiceField(
        label=gettext_lazy("Validity of the attachments"),
        choices=Validity.choices,
        initial=Validity.COPY,
    )
    # A double click or a resubmitted form registers once: the service returns the first entry.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=80)

    service_fields = (
        "direction", "channel", "epigraph", "summary", "expone", "solicita", "addressee_name",
        "addressee_dir3", "destination_unit", "physical_documentation", "external_reference",
        "case_reference",
    )  # fmt: skip

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["destination_unit"].queryset = selectors.units(  # type: ignore[attr-defined]
            org=org, active_only=True
        )
        most = settings.REGISTRY_MAX_ATTACHMENTS
        self.fields["attachments"].help_text = _(
            "Up to %(count)d files, %(each)s each and %(total)s in all: PDF, images, office documents."
        ) % {
            "count": most,
            "each": filesizeformat(settings.REGISTRY_MAX_ATTACHMENT_BYTES),
            "total": filesizeformat(settings.REGISTRY_MAX_TOTAL_BYTES),
        }
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex

    def entry_arguments(self) -> dict[str, Any]:
        """The cleaned entry fields, as keyword arguments of registry_entry_create."""
        arguments = {name: self.cleaned_data[name] for name in self.service_fields}
        validity = self.cleaned_data["validity"]
        arguments["attachments"] = [
            {"file": upload, "validity": validity} for upload in self.cleaned_data["attachments"]
        ]
        arguments["idempotency_key"] = self.cleaned_data["idempotency_key"]
        return arguments

    def raw_values(self) -> dict[str, Any]:
        """What was typed, unvalidated: to show the form again (files cannot be kept)."""
        return {
            name: self[name].value()
            for name in self.fields
            if name != "attachments" and self[name].value() is not None
        }


class RectifyForm(EntryForm):
    """A new entry that corrects another one: the same fields plus the reason. It keeps the
    original's direction, so that it is numbered in the same series."""

    reason = forms.CharField(
        label=gettext_lazy("Reason for the rectification"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    field_order = ["reason"]

    def __init__(self, *args: Any, original: RegistryEntry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["direction"].disabled = True
        self.initial["direction"] = original.direction

    @classmethod
    def initial_from(cls, entry: RegistryEntry) -> dict[str, Any]:
        initial = {name: getattr(entry, name) for name in cls.service_fields}
        unit = entry.destination_unit
        initial["destination_unit"] = unit.pk if unit is not None and unit.is_active else None
        return initial


# --- interested parties ---------------------------------------------------------------------------
PARTY_TEXT_FIELDS = (
    "id_number", "name", "first_surname", "second_surname", "address", "postal_code",
    "municipality_ine", "email", "phone",
)  # fmt: skip
PARTY_FORM_FIELDS = (
    "role", "person_type", "id_type", "id_number", "name", "first_surname", "second_surname",
    "address", "postal_code", "municipality_ine", "email", "phone", "preferred_channel",
)  # fmt: skip


def represents_choices() -> list[tuple[str, str]]:
    parties = [(str(n), _("Party %(number)d") % {"number": n}) for n in range(1, MAX_PARTIES + 1)]
    return [("", "—"), *parties]


def party_field(name: str, **kwargs: Any) -> forms.CharField:
    model_field = cast(models.CharField, InterestedParty._meta.get_field(name))
    return forms.CharField(
        label=capfirst(model_field.verbose_name),
        required=False,
        max_length=model_field.max_length,
        **kwargs,
    )


class PartyForm(forms.Form):
    """One interested party or representative. Checked by the service, not here: the NIF rules,
    required names and the like have one home."""

    role = forms.ChoiceField(
        label=gettext_lazy("Role"), choices=PartyRole.choices, initial=PartyRole.INTERESTED
    )
    represents = forms.TypedChoiceField(
        label=gettext_lazy("Represents"),
        choices=represents_choices,
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy("For a representative: the party they act for."),
    )
    person_type = forms.ChoiceField(
        label=gettext_lazy("Person type"), choices=PersonType.choices, initial=PersonType.NATURAL
    )
    id_type = forms.ChoiceField(
        label=gettext_lazy("Identity document"), choices=IdType.choices, initial=IdType.NIF
    )
    id_number = party_field("id_number", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    name = party_field("name")
    first_surname = party_field("first_surname")
    second_surname = party_field("second_surname")
    address = party_field("address", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    postal_code = party_field("postal_code", widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    municipality_ine = party_field(
        "municipality_ine",
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=gettext_lazy("6 digits, e.g. 081213."),
    )
    email = party_field("email", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    phone = party_field("phone", widget=forms.TextInput(attrs={"inputmode": "tel"}))
    preferred_channel = forms.ChoiceField(
        label=gettext_lazy("Preferred channel"),
        choices=with_blank(PreferredChannel.choices),
        required=False,
    )

    def has_changed(self) -> bool:
        """Filled in: any text field has content. A row with only its default choices is blank."""
        if not self.is_bound:
            return False
        return any(str(self[name].data or "").strip() for name in PARTY_TEXT_FIELDS)

    # The fields the compact party block (partials/party_row.html) places itself; any other
    # visible field is drawn after them, in "Address and contact".
    LAID_OUT = frozenset({
        "role", "represents", "person_type", "id_type", "id_number", "name", "first_surname",
        "second_surname", "address", "postal_code", "municipality_ine", "email", "phone",
        "preferred_channel", "DELETE",
    })  # fmt: skip

    def other_fields(self) -> list[Any]:
        return [field for field in self.visible_fields() if field.name not in self.LAID_OUT]

    def party_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) or "" for name in PARTY_FORM_FIELDS}

    def raw_values(self) -> dict[str, Any]:
        return {name: self[name].value() for name in self.fields if self[name].value() is not None}

    @staticmethod
    def initial_from(party: InterestedParty, row_of: dict[int, int]) -> dict[str, Any]:
        """A registered party as form values; `row_of` maps party ids to 1-based row numbers."""
        initial = {name: getattr(party, name) for name in PARTY_FORM_FIELDS}
        if party.represents_id is not None:
            initial["represents"] = row_of.get(party.represents_id)
        return initial


class BasePartyFormSet(forms.BaseFormSet):
    """Every row may stay blank (pre-filled rows too): blank rows are not parties."""

    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.empty_permitted = True  # every row, even a pre-filled one
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Leave out this party")

    def filled(self) -> list[tuple[int, PartyForm]]:
        """(row index, form) of the rows that hold a party, in order. Call after is_valid()."""
        return [
            (index, form)
            for index, form in enumerate(self.forms)
            if form.has_changed() and not form.cleaned_data.get("DELETE")
        ]

    def parties(self) -> tuple[list[dict[str, Any]], list[int]]:
        """The parties for the service and, for each, the row it came from.

        A representative's `represents` becomes the index of that party in the list; a row that
        names a blank or left-out row gets None, which the service refuses with a message."""
        filled = self.filled()
        position = {row: index for index, (row, _form) in enumerate(filled)}
        parties = []
        for _row, form in filled:
            values = form.party_values()
            target = form.cleaned_data.get("represents")
            values["represents"] = position.get(target - 1) if target else None
            parties.append(values)
        return parties, [row for row, _form in filled]


PartyFormSet = forms.formset_factory(
    PartyForm,
    formset=BasePartyFormSet,
    extra=0,
    can_delete=True,
    max_num=MAX_PARTIES,
    absolute_max=MAX_PARTIES,
    validate_max=True,
)


def party_formset(
    data: Any = None, *, initial: list[dict[str, Any]] | None = None, extra: int = 0
) -> BasePartyFormSet:
    formset = cast(BasePartyFormSet, PartyFormSet(data, prefix="parties", initial=initial))
    formset.extra = extra
    return formset


def looked_up_party_form(index: int, data: Any, person_values: dict[str, Any] | None) -> PartyForm:
    """Row `index` after a look-up of its identity number (htmx): the register's person's current
    data when found (the row keeps its role and whom it represents), else what was typed."""
    formset = party_formset()
    prefix = formset.add_prefix(index)
    typed = {name: data.get(f"{prefix}-{name}", "") for name in PartyForm.base_fields}
    if person_values is not None:
        typed.update({k: v for k, v in person_values.items() if k in PartyForm.base_fields})
    form = PartyForm(
        {f"{prefix}-{k}": v or "" for k, v in typed.items()}, prefix=prefix,
        empty_permitted=True, use_required_attribute=False,
    )  # fmt: skip
    formset.add_fields(form, index)
    return form


def new_party_form(index: int) -> PartyForm:
    """An empty row `index` of the parties formset, for htmx to append."""
    formset = party_formset()
    form = PartyForm(
        prefix=formset.add_prefix(index), empty_permitted=True, use_required_attribute=False
    )
    formset.add_fields(form, index)
    return form


# --- other actions -----------------------------------------------------------------------------
class AnnulForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the annulment"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UnitForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    dir3_code = forms.CharField(
        label=gettext_lazy("DIR3 code"),
        required=False,
        max_length=9,
        help_text=gettext_lazy("Optional: the unit's own DIR3 code."),
    )


NUMBER_FIELDS = {"direction", "year", "seq"}
_SPEC_NUMBER = re.compile(r"\d+")


def number_format_problem(number_format: str) -> str | None:
    """Why `number_format` cannot number entries, or None when it can.

    Only the three fields, without attribute access, and widths that stay short; {direction}
    and {year} are needed too, or two series (E and S, this year and the next) would share numbers.
    """
    message = _(
        "Use {direction}, {year} and {seq} (e.g. {direction}/{year}/{seq:06d}); numbers up to 40 characters."
    )
    try:
        parsed = list(string.Formatter().parse(number_format))
    except ValueError:
        return message
    names = set()
    for _text, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in NUMBER_FIELDS or conversion or "{" in (spec or ""):
            return message
        if any(int(width) > 40 for width in _SPEC_NUMBER.findall(spec or "")):
            return message
        names.add(name)
    if names != NUMBER_FIELDS:
        return message
    return None


class NumberFormatForm(forms.Form):
    number_format = forms.CharField(
        label=gettext_lazy("Number format"),
        max_length=60,
        help_text=gettext_lazy(
            "Fields: {direction} (E or S), {year}, {seq}; e.g. {direction}/{year}/{seq:06d}."
        ),
    )

    def clean_number_format(self) -> str:
        value: str = self.cleaned_data["number_format"].strip()
        problem = number_format_problem(value)
        if problem:
            raise forms.ValidationError(problem)
        return value
