"""Forms of the SIR pages. They parse what staff type or upload; the rules live in services.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ajunta.registry import selectors as registry_selectors
from ajunta.sir import selectors, sicres
from ajunta.sir.models import DirectoryKind

CODE_HELP = gettext_lazy("9 characters, e.g. L01080193 (a town council) or O00001234 (an office).")
DIRECTORY_CSV_MAX_BYTES = 2 * 1024 * 1024


def code_field(label: Any, *, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label, required=required, max_length=9, help_text=CODE_HELP,
        widget=forms.TextInput(attrs={"list": "dir3-options", "autocomplete": "off",
                                      "class": "mono", "spellcheck": "false"}),
    )  # fmt: skip


class EntryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.number} — {obj.summary[:80]}"


class SendForm(forms.Form):
    entry = EntryChoiceField(label=gettext_lazy("Outgoing entry"), queryset=None)
    destination_code = code_field(gettext_lazy("Destination registry office (DIR3)"))
    destination_unit_code = code_field(
        gettext_lazy("Destination processing unit (DIR3)"), required=False
    )

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entries = self.fields["entry"]
        assert isinstance(entries, forms.ModelChoiceField)
        entries.queryset = selectors.sendable_entries(org=org)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("SICRES 3 file (interchange or message)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > sicres.max_xml_bytes():
            raise forms.ValidationError(
                _("The file is larger than %(limit)s, the most a SICRES file may be.")
                % {"limit": filesizeformat(sicres.max_xml_bytes())}
            )
        return upload


class AcceptForm(forms.Form):
    destination_unit: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("Route to unit"), queryset=None, required=False
    )

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = self.fields["destination_unit"]
        assert isinstance(units, forms.ModelChoiceField)
        units.queryset = registry_selectors.units(org=org, active_only=True)


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason for the rejection"), max_length=80)


class ForwardForm(forms.Form):
    destination_code = code_field(gettext_lazy("Forward to registry office (DIR3)"))
    destination_unit_code = code_field(gettext_lazy("Processing unit (DIR3)"), required=False)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=80, required=False)


class DirectoryEntryForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=DirectoryKind.choices)
    code = forms.CharField(label=gettext_lazy("DIR3 code"), max_length=9, help_text=CODE_HELP)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)


class DirectoryImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV with the columns code,name,kind,parent"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > DIRECTORY_CSV_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s.")
                % {"limit": filesizeformat(DIRECTORY_CSV_MAX_BYTES)}
            )
        return upload
