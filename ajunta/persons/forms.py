"""Forms of the register's pages. They only shape input: the rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ajunta.core.parties import IdType, PersonType
from ajunta.persons.models import AddressKind, Channel, Person, PowerKind


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        help_text=_("NIF, name, company name or e-mail."))  # fmt: skip


class PersonForm(forms.Form):
    person_type = forms.ChoiceField(
        label=_("Person type"), choices=PersonType.choices, initial=PersonType.NATURAL
    )
    id_type = forms.ChoiceField(label=_("Identity document"), choices=IdType.choices,
                                initial=IdType.NIF)  # fmt: skip
    id_number = forms.CharField(label=_("Document number"), max_length=20)
    name = forms.CharField(label=_("Name"), max_length=80, required=False)
    first_surname = forms.CharField(label=_("First surname"), max_length=30, required=False)
    second_surname = forms.CharField(label=_("Second surname"), max_length=30, required=False)
    company_name = forms.CharField(
        label=_("Company name"), max_length=80, required=False,
        help_text=_("For a legal person."),
    )  # fmt: skip
    email = forms.CharField(label=_("E-mail"), max_length=160, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    mobile = forms.CharField(label=_("Mobile phone"), max_length=20, required=False)
    deh_email = forms.CharField(
        label=_("DEH e-mail"), max_length=160, required=False,
        help_text=_("Where the Dirección Electrónica Habilitada alerts of notices."),
    )  # fmt: skip
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"), choices=[("", "—"), *Channel.choices], required=False
    )
    electronic_consent = forms.BooleanField(
        label=_("Consents to electronic notification"), required=False
    )
    observations = forms.CharField(label=_("Observations"), max_length=2000, required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    @classmethod
    def of(cls, person: Person) -> PersonForm:
        return cls(initial={name: getattr(person, name) for name in cls.base_fields})


class AddressForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AddressKind.choices, required=False)
    street = forms.CharField(label=_("Address"), max_length=160, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=5, required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric"}))  # fmt: skip
    municipality_ine = forms.CharField(
        label=_("Municipality (INE code)"), max_length=6, required=False,
        help_text=_("6 digits, e.g. 081213 (Mataró)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )  # fmt: skip
    country_code = forms.CharField(label=_("Country code"), max_length=4, required=False,
                                   initial="724")  # fmt: skip
    primary = forms.BooleanField(label=_("Main address"), required=False)


class RepresentationForm(forms.Form):
    representative = forms.CharField(
        label=_("Representative's document number"), max_length=20,
        help_text=_("The representative must be in the register."),
    )  # fmt: skip
    kind = forms.ChoiceField(label=_("Kind of power"), choices=PowerKind.choices)
    valid_from = forms.DateField(label=_("Valid from"),
                                 widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    valid_until = forms.DateField(label=_("Valid until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    document_reference = forms.CharField(label=_("Document of the power"), max_length=120,
                                         required=False)  # fmt: skip


class MergeForm(forms.Form):
    duplicate = forms.CharField(
        label=_("Document number of the duplicate"), max_length=20,
        help_text=_("Its filings move to this person; it stays, marked as merged."),
    )  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def clean_duplicate(self) -> Any:
        return self.cleaned_data["duplicate"].strip().upper()
