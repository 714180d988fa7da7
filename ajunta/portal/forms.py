"""Forms of the citizens' side. They check what a person can fix on the spot; the services decide."""

from __future__ import annotations

import codecs
from typing import Any

from django import forms
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from ajunta.core.documents import (
    ACCEPTED_EXTENSIONS,
    ALLOWED_TYPES,
    SNIFF_BYTES,
    sniff_content_type,
)
from ajunta.core.models import User
from ajunta.portal import services
from ajunta.registry import services as registry_services
from ajunta.tenants import selectors as tenant_selectors

# The common subjects of an application to a town council (the registry's epigraph).
EPIGRAPHS = [
    ("general", gettext_lazy("General application")),
    ("documents", gettext_lazy("Submission of documents")),
    ("certificate", gettext_lazy("Request for a certificate")),
    ("census", gettext_lazy("Population register (padró)")),
    ("works", gettext_lazy("Works and town planning")),
    ("taxes", gettext_lazy("Taxes, fees and fines")),
    ("complaint", gettext_lazy("Complaint or suggestion")),
    (
        "accessibility",
        gettext_lazy("Accessibility: a barrier, or information in an accessible format"),
    ),
    ("other", pgettext_lazy("subject of an application", "Other")),
]
# What phones and browsers offer in their file picker (ACCEPTED_EXTENSIONS); the content is what
# is checked.

NIF_WIDGET_ATTRS = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}


def _nif_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("NIF/NIE"),
        max_length=16,
        help_text=gettext_lazy("As on your DNI or NIE card, with its letter, e.g. 12345678Z."),
        widget=forms.TextInput(attrs=NIF_WIDGET_ATTRS),
    )


def _first_name_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("First name"),
        max_length=services.NAME_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )


def _surnames_field() -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Surnames"),
        max_length=2 * services.SURNAME_MAX_LENGTH + 1,
        help_text=gettext_lazy("Both surnames if you have two, as on your identity document."),
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )


class ServiceErrorsMixin:
    """Shows a service's ValidationError on the field it concerns, or above the form."""

    service_field_map: dict[str, str] = {}

    def apply_service_error(self, error: ValidationError) -> None:
        form: Any = self
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                form.add_error(None, message)
            return
        for key, messages in error.message_dict.items():
            field = self.service_field_map.get(key.split("[", 1)[0], key)
            field = self.service_field_map.get(key, field)
            for message in messages:
                form.add_error(field if field in form.fields else None, message)


# --- signup --------------------------------------------------------------------------------------
class SignupForm(ServiceErrorsMixin, forms.Form):
    first_name = _first_name_field()
    surnames = _surnames_field()
    nif = _nif_field()
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        max_length=150,
        help_text=gettext_lazy("You will log in with it, and we write to it about your filings."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    privacy = forms.BooleanField(
        label=gettext_lazy(
            "I have read the privacy notice and accept that my data are used to handle my applications."
        ),
    )

    service_field_map = {"surnames": "surnames", "password1": "password1"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = password_validators_help_text_html()

    def clean_nif(self) -> str:
        try:
            number, _id_type = services.citizen_id_clean(self.cleaned_data["nif"])
        except ValidationError as error:
            raise ValidationError(error.messages[0]) from error
        if services.nif_in_use(number):
            raise ValidationError(
                _("An account with this NIF/NIE already exists. Log in, or reset its password.")
            )
        return number

    def clean_surnames(self) -> str:
        surnames = " ".join(self.cleaned_data["surnames"].split())
        services.surnames_check(surnames)
        return surnames

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if services.email_in_use(email):
            raise ValidationError(
                _(
                    "An account with this e-mail address already exists. Log in, or reset its password."
                )
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords are not the same."))
        elif password1:
            probe = User(
                username=cleaned.get("email", ""),
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("surnames", ""),
            )
            try:
                validate_password(password1, probe)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


# --- filing --------------------------------------------------------------------------------------
class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        uploads = data if isinstance(data, list | tuple) else [data]
        uploads = [upload for upload in uploads if upload]
        if not uploads and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(upload, initial) for upload in uploads]


def _head_check(upload: Any) -> None:
    """An early refusal of a type that will not be accepted, naming the file.

    Only the first bytes are looked at; the registry checks the whole content again when it stores it.
    """
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    is_text = b"\x00" not in head
    if is_text:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head)  # a cut-off last character is fine
        except UnicodeDecodeError:
            is_text = False
    try:
        sniff_content_type(head, is_utf8_text=is_text, name=upload.name or "")
    except ValidationError as error:
        message = error.message_dict.get("file", error.messages)[0]
        raise ValidationError(f"{upload.name}: {message}") from error


class FilingForm(ServiceErrorsMixin, forms.Form):
    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Municipality"),
        queryset=tenant_selectors.municipalities(),
        empty_label=gettext_lazy("Choose the town council"),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the member municipalities.")},
    )
    epigraph = forms.ChoiceField(label=gettext_lazy("What is it about?"), choices=EPIGRAPHS)
    summary = forms.CharField(
        label=gettext_lazy("Subject"),
        required=False,
        max_length=services.SUMMARY_MAX_LENGTH,
        help_text=gettext_lazy(
            "In a few words. Needed when you choose “Other”; otherwise the start of your request is used."
        ),
    )
    expone = forms.CharField(
        label=gettext_lazy("Statement of facts (I state)"),
        max_length=4000,
        help_text=gettext_lazy("The facts and reasons of your application."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    solicita = forms.CharField(
        label=gettext_lazy("Request (I ask)"),
        max_length=4000,
        help_text=gettext_lazy("What you ask the town council to do."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(
        label=gettext_lazy("Attached documents"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_EXTENSIONS}),
    )
    declaration = forms.BooleanField(
        label=gettext_lazy(
            "I declare that the information I give is true and that the attached documents are faithful to their originals."
        ),
    )
    idempotency_key = forms.CharField(
        required=False, max_length=80, widget=forms.HiddenInput, label=""
    )

    service_field_map = {
        "attachments": "attachments",
        "file": "attachments",
        "parties": "nif",
        "parties[0].id_number": "nif",
        "parties[0].name": "first_name",
        "parties[0].first_surname": "surnames",
        "parties[0].second_surname": "surnames",
    }

    def __init__(self, *args: Any, user: Any, search: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search = " ".join(search.split())
        self.missing = services.citizen_missing_identity(user)
        identity = {"first_name": _first_name_field, "surnames": _surnames_field, "nif": _nif_field}
        for name in ("first_name", "surnames", "nif"):
            if name in self.missing:
                self.fields[name] = identity[name]()
        most, each, total = registry_services.limits()
        self.limits = {"count": most, "each": each, "total": total}
        self.fields["attachments"].help_text = _(
            "Up to %(count)d files, at most %(each)s each and %(total)s in all. "
            "Accepted: %(types)s."
        ) % {
            "count": most,
            "each": filesizeformat(each),
            "total": filesizeformat(total),
            "types": ", ".join(str(label) for label in ALLOWED_TYPES.values()),
        }
        self._offer_municipalities()

    # The municipalities offered are those matching the search (and the one chosen), never all of
    # a long list; the field still accepts any municipality, which the queryset checks.
    def _offer_municipalities(self) -> None:
        self.matches, self.more_matches = tenant_selectors.municipality_search(q=self.search)
        chosen = self._chosen_municipality()
        if chosen is not None and chosen not in self.matches:
            self.matches.insert(0, chosen)
        field: Any = self.fields["municipality"]
        field.widget.choices = [("", field.empty_label)] + [(o.pk, o.name) for o in self.matches]
        if self.more_matches and not self.search:
            field.help_text = _("Type part of its name in the search box above to find it.")
        elif self.more_matches:
            field.help_text = _(
                "Only the first %(count)d matches are listed: type more of the name."
            ) % {"count": len(self.matches)}

    def _chosen_municipality(self) -> Any:
        value = self.data.get("municipality") if self.is_bound else self.initial.get("municipality")
        if not value:
            return None
        try:
            return tenant_selectors.municipalities().filter(pk=int(value)).first()
        except (TypeError, ValueError):
            return None

    def clean_attachments(self) -> list[Any]:
        uploads: list[Any] = self.cleaned_data["attachments"]
        if len(uploads) > self.limits["count"]:
            raise ValidationError(
                _("At most %(count)d attachments may be filed at once.")
                % {"count": self.limits["count"]}
            )
        errors = []
        for upload in uploads:
            if upload.size > self.limits["each"]:
                errors.append(
                    _("%(name)s is larger than %(limit)s, the most one attachment may be.")
                    % {"name": upload.name, "limit": filesizeformat(self.limits["each"])}
                )
                continue
            try:
                _head_check(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if sum(upload.size for upload in uploads) > self.limits["total"]:
            errors.append(
                _("The attachments add up to more than %(limit)s.")
                % {"limit": filesizeformat(self.limits["total"])}
            )
        if errors:
            raise ValidationError(errors)
        return uploads

    def clean_nif(self) -> str:
        try:
            number, _id_type = services.citizen_id_clean(self.cleaned_data["nif"])
        except ValidationError as error:
            raise ValidationError(error.messages[0]) from error
        return number

    def clean_idempotency_key(self) -> str:
        key = self.cleaned_data["idempotency_key"]
        return key if key.isalnum() else ""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("epigraph") == "other" and not cleaned.get("summary"):
            self.add_error("summary", _("Say in a few words what your application is about."))
        return cleaned

    def epigraph_label(self) -> str:
        return str(dict(EPIGRAPHS)[self.cleaned_data["epigraph"]])


def municipality_count_message(form: FilingForm) -> str:
    """What the live region announces after a search."""
    if not form.search:
        return ""
    count = len(form.matches)
    if not count:
        return _("No municipality matches “%(q)s”.") % {"q": form.search}
    return ngettext(
        "%(count)d municipality matches “%(q)s”.", "%(count)d municipalities match “%(q)s”.", count
    ) % {"count": count, "q": form.search}


class CaseContributionForm(forms.Form):
    """A document a party adds to their case file from the portal."""

    title = forms.CharField(label=gettext_lazy("What is it?"), max_length=200)
    file = forms.FileField(label=gettext_lazy("File"))
