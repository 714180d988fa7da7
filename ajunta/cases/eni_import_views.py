"""ENI in, the page: /o/<slug>/cases/eni-import/. Upload an ENI case file package (zip) as a new
case file, or an ENI document or package into an open case file (its number)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ajunta.cases import eni_import
from ajunta.cases.models import Case, Procedure
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class EniImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("ENI file"),
        help_text=gettext_lazy("An ENI case file package (.zip) or an ENI document (.xml)."),
    )
    case_number = forms.CharField(
        label=gettext_lazy("Add to the case file numbered"), required=False, max_length=40,
        help_text=gettext_lazy("Leave empty to take a package in as a new case file."),
    )  # fmt: skip
    procedure = forms.ModelChoiceField(
        label=gettext_lazy("Procedure of the new case file"), queryset=Procedure.objects.none(),
        required=False,
    )  # fmt: skip
    number = forms.CharField(
        label=gettext_lazy("Number of the new case file"), required=False, max_length=40,
        help_text=gettext_lazy("Empty: the ENI identifier of the case file."),
    )  # fmt: skip

    def __init__(self, *args: Any, org: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["procedure"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Procedure.objects.filter(organization=org, is_active=True).order_by("code")


class EniImportView(TenantView):
    permission = "cases.manage"
    module = "cases"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = EniImportForm(org=request.org)
        return render(request, "cases/eni_import.html", {"form": form})

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponseBase:
        form = EniImportForm(request.POST, request.FILES, org=request.org)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["file"]
            try:
                if upload.size > MAX_UPLOAD_BYTES:
                    raise ValidationError(_("The package is larger than 200 MB."))
                content = upload.read()
                if data["case_number"]:
                    case = Case.objects.filter(
                        organization=request.org, number=data["case_number"].strip()
                    ).first()
                    if case is None:
                        raise ValidationError(_("No case file has this number."))
                    eni_import.eni_document_import(
                        org=request.org, actor=request.user, case=case, data=content
                    )
                else:
                    if data["procedure"] is None:
                        raise ValidationError(_("Choose the procedure of the new case file."))
                    case = eni_import.eni_case_import(
                        org=request.org, actor=request.user, procedure=data["procedure"],
                        data=content, number=data["number"],
                    )  # fmt: skip
            except ValidationError as error:
                form.add_error(None, " ".join(error.messages))
            else:
                messages.success(request, _("The ENI file was taken in."))
                return redirect(reverse("cases_case", args=[request.org.slug, case.pk]))
        return render(request, "cases/eni_import.html", {"form": form}, status=400)
