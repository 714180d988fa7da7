"""Forms of the IT inventory pages. They parse; services.py decides and writes."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _

from ajunta.assets import services
from ajunta.assets.models import Asset, AssetKind, AssetStatus, SecurityRecord
from ajunta.assets.selectors import ISSUES
from ajunta.core.forms import DateInput, PlainSelect

CSV_MAX_BYTES = 5 * 1024 * 1024
ISSUE_LABELS = {
    "os_eol": _("Past OS end of life"),
    "support_unknown": _("Support status unknown"),
    "software_eol": _("Unsupported software"),
    "no_antivirus": _("Antivirus missing or outdated"),
    "firewall_off": _("Firewall off"),
    "unencrypted": _("Disk not encrypted"),
    "silent": _("Silent (no recent inventory)"),
}
TRISTATE = [("", _("Unknown")), ("true", _("Yes")), ("false", _("No"))]


def tristate(label: Any) -> forms.NullBooleanField:
    return forms.NullBooleanField(
        label=label, required=False, widget=forms.Select(choices=TRISTATE)
    )


class AssetForm(forms.ModelForm):
    """What people keep about an asset. Under the provider's slug it also asks whose asset it is."""

    antivirus_enabled = tristate(_("antivirus enabled"))
    antivirus_up_to_date = tristate(_("antivirus up to date"))
    firewall_enabled = tristate(_("firewall on"))
    disk_encrypted = tristate(_("disk encrypted"))
    secure_boot = tristate(_("Secure Boot"))

    class Meta:
        model = Asset
        fields = list(services.MANUAL_FIELDS)
        widgets = {
            "purchase_date": DateInput(),
            "warranty_end": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, organizations: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organizations is not None and len(organizations) > 1:
            self.fields["owner"] = forms.TypedChoiceField(
                label=_("Organization"),
                choices=[(org.pk, org.name) for org in organizations],
                coerce=int,
            )
            self.order_fields(["owner"])

    def _post_clean(self) -> None:
        # The service validates and saves; the form only parses (no model validation here).
        pass

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.MANUAL_FIELDS}


class SecurityRecordForm(forms.ModelForm):
    class Meta:
        model = SecurityRecord
        fields = list(services.SECURITY_FIELDS)
        widgets = {
            "backup_last_success": DateInput(),
            "backup_last_restore_test": DateInput(),
        }

    def _post_clean(self) -> None:
        pass


class AssetFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=120)
    software = forms.CharField(
        label=_("Installed program"),
        required=False,
        max_length=120,
        help_text=_("Assets with a program whose name contains this, e.g. TeamViewer."),
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        required=False,
        choices=[("", _("All")), *AssetKind.choices],
        widget=PlainSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *AssetStatus.choices],
        widget=PlainSelect,
    )
    issue = forms.ChoiceField(
        label=_("Security issue"),
        required=False,
        choices=[("", _("Any"))] + [(code, ISSUE_LABELS[code]) for code in ISSUES],
        widget=PlainSelect,
    )

    def __init__(self, *args: Any, organizations: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizations = {org.pk: org for org in organizations or []}
        if len(self.organizations) > 1:
            options = [("", _("All"))] + [(o.pk, o.name) for o in self.organizations.values()]
            self.fields["organization"] = forms.IntegerField(
                label=_("Organization"), required=False, widget=PlainSelect(choices=options)
            )

    def clean_organization(self) -> int | None:
        value = self.cleaned_data.get("organization")
        if value is not None and value not in self.organizations:
            raise forms.ValidationError(
                forms.ChoiceField.default_error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return value

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        # `organization` stays a pk: clean_organization checked it is one of the organizations.
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}

    def querystring(self) -> str:
        if not self.is_bound or not self.is_valid():
            return ""
        return urlencode({k: v for k, v in self.cleaned_data.items() if v not in ("", None)})


class ImportTargetMixin:
    """Under the provider's slug, an import asks which organization the assets belong to."""

    fields: dict[str, Any]

    def __init__(self, *args: Any, organizations: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.add_owner(organizations)
        self.organizations = {org.pk: org for org in organizations or []}

    def owner(self, default: Any) -> Any:
        cleaned: dict[str, Any] = getattr(self, "cleaned_data", {})
        return self.organizations.get(cleaned.get("owner"), default)

    def add_owner(self, organizations: list[Any] | None) -> None:
        if organizations is not None and len(organizations) > 1:
            self.fields["owner"] = forms.TypedChoiceField(
                label=_("Organization"),
                choices=[(org.pk, org.name) for org in organizations],
                coerce=int,
            )


class CsvImportForm(ImportTargetMixin, forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, comma or semicolon separated, with the export's columns; "
            "inventory_tag and kind are required. Rows are matched by inventory tag."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        raw = upload.read()
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from exc


class InventoryUploadForm(ImportTargetMixin, forms.Form):
    file = forms.FileField(
        label=_("Inventory file (JSON)"),
        help_text=_("An inventory written by glpi-agent --local (JSON format)."),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload.read()
