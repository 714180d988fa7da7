"""Pages of the register of persons, under /o/<org>/persons/: the list with search, a person
(summary panel, addresses, representatives, everything filed by or about them, history), edit,
merge, and the data export (GDPR access) as JSON and as a readable page."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView, add_service_error, is_htmx, paginate
from ajunta.persons import places, selectors, services
from ajunta.persons.forms import (
    AddressForm,
    MergeForm,
    PersonForm,
    RepresentationForm,
    SearchForm,
)
from ajunta.persons.models import Person


def _person_or_404(org: Any, pk: int) -> Person:
    try:
        return selectors.person_get(org=org, pk=pk)
    except Person.DoesNotExist as exc:
        raise Http404 from exc


def person_url(org: Any, person: Person) -> str:
    return reverse("persons_person", args=[org.slug, person.pk])


class PersonListView(TenantView):
    permission = "persons.view"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = SearchForm(request.GET or None)
        q = form.cleaned_data["q"] if form.is_valid() else ""
        page = paginate(request, selectors.persons(org=request.org, q=q))
        rows = [
            [
                {"text": person.full_name, "url": person_url(request.org, person)},
                person.id_number,
                person.get_person_type_display(),
                person.email or "—",
            ]
            for person in page
        ]
        context = {
            "form": form,
            "page": page,
            "rows": rows,
            "headers": [_("Name"), _("Document number"), _("Person type"), _("E-mail")],
            "extra_query": f"q={q}" if q else "",
            "can_manage": self.can("persons.manage"),
        }
        partial = is_htmx(request) and not request.headers.get("HX-History-Restore-Request")
        template = "persons/partials/results.html" if partial else "persons/list.html"
        response = render(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


def summary_items(person: Person) -> list[tuple[Any, Any]]:
    address = next(iter(person.addresses.all()), None)
    consent = _("Yes") if person.electronic_consent else _("No")
    if person.electronic_consent and person.electronic_consent_at:
        consent = f"{consent} ({person.electronic_consent_at:%d/%m/%Y})"
    return [
        (_("Document number"), f"{person.get_id_type_display()} {person.id_number}"),
        (_("Person type"), person.get_person_type_display()),
        (_("Main address"), address_text(address) if address else ""),
        (_("E-mail"), person.email),
        (_("Phone"), " · ".join(p for p in (person.phone, person.mobile) if p)),
        (_("DEH e-mail"), person.deh_email),
        (_("Preferred channel"), person.get_preferred_channel_display()),
        (_("Consents to electronic notification"), consent),
    ]


def address_text(address: Any) -> str:
    municipality = places.municipality_name(address.municipality_ine)
    province = places.province_name(address.province_code)
    parts = [address.street, " ".join(p for p in (address.postal_code, municipality) if p)]
    if province and province != municipality:
        parts.append(f"({province})")
    return ", ".join(p for p in parts if p)


class PersonView(TenantView):
    permission = "persons.view"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        person = _person_or_404(request.org, pk)
        return render(request, "persons/person.html", self.context(person))

    def context(self, person: Person, **forms: Form) -> dict[str, Any]:
        org = self.request.org
        can_manage = self.can("persons.manage")
        context: dict[str, Any] = {
            "person": person,
            "summary": summary_items(person),
            "addresses": [(a, address_text(a)) for a in person.addresses.all()],
            "represented_by": selectors.representations(org=org, person=person),
            "represents": selectors.representations(org=org, person=person, side="representative"),
            "records": services.records_of(org=org, person=person),
            "merged_from": list(person.merged_from.all()),
            "duplicates": list(selectors.duplicates_of(org=org, person=person)[:5]),
            "can_manage": can_manage and not person.is_merged,
            "can_merge": self.can("persons.merge") and not person.is_merged,
        }
        if context["can_manage"]:
            context["address_form"] = forms.get("address_form") or AddressForm(prefix="address")
            context["representation_form"] = forms.get("representation_form") or (
                RepresentationForm(prefix="power")
            )
        if context["can_merge"]:
            context["merge_form"] = forms.get("merge_form") or MergeForm(prefix="merge")
        return context

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        """One of the page's forms: add an address, add a representative, merge a duplicate."""
        org = request.org
        person = _person_or_404(org, pk)
        action = request.POST.get("action", "")
        if action == "merge":
            self.require("persons.merge")
        else:
            self.require("persons.manage")
        forms_by_action = {
            "address": ("address_form", AddressForm(request.POST, prefix="address")),
            "power": ("representation_form", RepresentationForm(request.POST, prefix="power")),
            "merge": ("merge_form", MergeForm(request.POST, prefix="merge")),
        }
        if action not in forms_by_action:
            raise Http404
        name, form = forms_by_action[action]
        if form.is_valid():
            try:
                target = self.run(action, person, form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(person_url(org, target))
        person = _person_or_404(org, pk)
        return render(request, "persons/person.html", self.context(person, **{name: form}),
                      status=400)  # fmt: skip

    def run(self, action: str, person: Person, data: dict[str, Any]) -> Person:
        org, user = self.request.org, self.request.user
        if action == "address":
            primary = data.pop("primary")
            services.address_add(org=org, actor=user, person=person, primary=primary, **data)
            return person
        if action == "power":
            representative = selectors.person_by_id_number(
                org=org, id_number=data.pop("representative")
            )
            if representative is None:
                raise ValidationError(
                    {"representative": _("Nobody in the register has this number.")}
                )
            services.representation_add(
                org=org, actor=user, representative=representative, represented=person, **data
            )
            return person
        duplicate = selectors.person_by_id_number(org=org, id_number=data["duplicate"])
        if duplicate is None:
            raise ValidationError({"duplicate": _("Nobody in the register has this number.")})
        return services.person_merge(
            org=org, actor=user, duplicate=duplicate, into=person, reason=data["reason"]
        )

    def require(self, permission: str) -> None:
        from django.core.exceptions import PermissionDenied

        if not self.can(permission):
            raise PermissionDenied


class PersonFormView(TenantView):
    """A new person, or a person's current data corrected (the history keeps the old values)."""

    permission = "persons.manage"

    def _render(self, form: Form, person: Person | None, status: int = 200) -> HttpResponse:
        context: dict[str, Any] = {"form": form, "person": person,
                   "address_form": None if person else AddressForm(self.request.POST or None,
                                                                   prefix="address")}  # fmt: skip
        if person is not None:
            context["history"] = selectors.history(org=self.request.org, person=person)[:50]
        return render(self.request, "persons/person_form.html", context, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        if pk is None:
            initial = {"id_number": request.GET.get("id_number", "")[:20]}
            return self._render(PersonForm(initial=initial), None)
        person = _person_or_404(request.org, pk)
        return self._render(PersonForm.of(person), person)

    def post(
        self, request: TenantHttpRequest, org_slug: str, pk: int | None = None
    ) -> HttpResponse:
        person = _person_or_404(request.org, pk) if pk is not None else None
        form = PersonForm(request.POST)
        if form.is_valid():
            try:
                if person is None:
                    address = {
                        k.removeprefix("address-"): v
                        for k, v in request.POST.items()
                        if k.startswith("address-")
                    }
                    person = services.person_create(
                        org=request.org, actor=request.user, address=address, **form.cleaned_data
                    )
                else:
                    services.person_update(
                        org=request.org, actor=request.user, person=person, **form.cleaned_data
                    )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(person_url(request.org, person))
        return self._render(form, person, status=400)


class PersonExportView(TenantView):
    """The person's data (GDPR access): a readable page, or JSON with ?format=json."""

    permission = "persons.view"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        person = _person_or_404(request.org, pk)
        data = services.person_export(org=request.org, actor=request.user, person=person)
        if request.GET.get("format") == "json":
            response = HttpResponse(
                json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                content_type="application/json; charset=utf-8",
            )
            response["Content-Disposition"] = (
                f'attachment; filename="person-{person.id_number}.json"'
            )
            return response
        return render(request, "persons/export.html", {"person": person, "data": data})


class PersonLookupView(TenantView):
    """GET ?id_number=...: the person with this number as JSON-free HTML for htmx (a summary
    with a link), used by forms that want to show whom a typed number belongs to."""

    permission = "persons.view"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        id_number = request.GET.get("id_number", "")[:20]
        person = selectors.person_by_id_number(org=request.org, id_number=id_number)
        return render(request, "persons/partials/lookup.html",
                      {"person": person, "id_number": id_number})  # fmt: skip
