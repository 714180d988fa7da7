"""IT inventory pages: the asset list and its CSV, an asset with its software, interfaces and
history, new and edit forms, the security posture (a municipality's, or the provider's ranking of
all its members), alerts, CSV and inventory-file imports, and the agent token.

Thin on purpose: forms parse, services.py decides and writes, selectors.py reads. A refusal from a
service (a ValidationError) is shown on the field it names, with status 400.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from ajunta.assets import inventory, posture, selectors, services
from ajunta.assets.forms import (
    ISSUE_LABELS,
    AssetFilterForm,
    AssetForm,
    CsvImportForm,
    InventoryUploadForm,
    SecurityRecordForm,
)
from ajunta.assets.models import Asset, AssetKind, AssetSource, AssetStatus
from ajunta.core.display import DateDisplay, choice_labels, row_url
from ajunta.core.modules import org_uses_module
from ajunta.core.pagination import paginate_capped
from ajunta.core.replica import reading_from_replica
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView, add_service_error, is_htmx
from ajunta.jobs.services import task_run_start

MODULE = "assets"


def asset_or_404(org: Any, pk: int) -> Asset:
    try:
        return selectors.asset_get(org=org, pk=pk)
    except Asset.DoesNotExist as exc:
        raise Http404 from exc


class AssetsView(TenantView):
    permission = "assets.view"
    write_permission = "assets.manage"
    module = MODULE


# --- the list --------------------------------------------------------------------------------------
def asset_list_rows(rows: Iterable[dict[str, Any]], *, org_slug: str) -> list[dict[str, Any]]:
    """The list page's rows as the text it shows, worked out once here rather than per row in the
    template ({% url %}, get_FOO_display, |date and |default were most of the page's time).

    Labels are in the active language; dates in the current time zone, as the template's filters
    would give them.
    """
    kinds, statuses = choice_labels(AssetKind), choice_labels(AssetStatus)
    short_date = DateDisplay("SHORT_DATE_FORMAT")
    detail_url = row_url("assets_detail", org_slug)
    today = posture.today()
    shown = []
    for row in rows:
        pk = row["pk"]
        seen = row["last_inventory_at"]
        if seen is not None:
            seen = timezone.localtime(seen)
        eol = row["os_eol_date"]
        shown.append({
            "pk": pk,
            "url": detail_url(pk),
            # Asset.__str__, without building the instance.
            "label": row["name"] or row["inventory_tag"] or row["serial"] or f"#{pk}",
            "manufacturer": row["manufacturer"],
            "model": row["model"],
            "organization": row.get("organization__name", ""),
            "inventory_tag": row["inventory_tag"] or "—",
            "kind": kinds.get(row["kind"], row["kind"]),
            "os_name": row["os_name"] or "—",
            "past_eol": eol is not None and eol <= today,
            "status": statuses.get(row["status"], row["status"]),
            "seen_iso": seen.isoformat() if seen else "",
            "seen": short_date(seen) if seen else "",
        })  # fmt: skip
    return shown


class AssetListView(AssetsView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        orgs = selectors.organization_choices_in_scope(request.org)
        form = AssetFilterForm(request.GET or None, organizations=orgs)
        show_org = len(orgs) > 1
        page = paginate_capped(request, selectors.assets(org=request.org, **form.filters()))
        values = selectors.asset_list_values(page.object_list, with_organization=show_org)
        context = {
            "form": form,
            "page": page,
            "rows": asset_list_rows(values, org_slug=request.org.slug),
            "extra_query": form.querystring(),
            "show_org": show_org,
            "can_manage": self.can("assets.manage"),
        }
        # htmx swaps in the results only; restoring a page from history needs all of it.
        partial = is_htmx(request) and not request.headers.get("HX-History-Restore-Request")
        template = "assets/partials/results.html" if partial else "assets/list.html"
        response = render(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run: agents report host and OS names, so they are untrusted."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(services.FORMULA_STARTS) else text


def csv_rows(rows: Any) -> Iterator[str]:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    yield "\ufeff"  # spreadsheet programs then read the file as UTF-8
    yield writer.writerow(["organization", *services.CSV_COLUMNS, "os_name", "os_end_of_life",
                           "last_inventory_at"])  # fmt: skip
    # An export only reads: from the replica when there is one (core.replica, docs/scaling.md).
    with reading_from_replica():
        for asset in rows.iterator(chunk_size=2000):
            values = [
                asset.organization.slug,
                *[getattr(asset, name) for name in services.CSV_COLUMNS],
                asset.os_name,
                asset.os_eol_date,
                asset.last_inventory_at.isoformat() if asset.last_inventory_at else "",
            ]
            yield writer.writerow([csv_cell(value) for value in values])


class AssetCsvView(AssetsView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponseBase:
        orgs = selectors.organization_choices_in_scope(request.org)
        form = AssetFilterForm(request.GET or None, organizations=orgs)
        rows = selectors.assets(org=request.org, **form.filters())
        limit = settings.JOBS_BACKGROUND_ROWS
        if rows[: limit + 1].count() > limit:
            # A large export is built by a background task and kept for download (ajunta.jobs).
            run = task_run_start(
                org=request.org, actor=request.user, kind="assets.csv_export",
                params={"filters": {k: str(v) for k, v in form.filters().items()}},
                total=rows.count(),
            )  # fmt: skip
            return redirect("jobs_run", org_slug=org_slug, pk=run.pk)
        response = StreamingHttpResponse(csv_rows(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="inventari-{org_slug}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


# --- one asset -------------------------------------------------------------------------------------
# Kinds whose switch or printer ports (network inventory) the asset page lists.
PORTED_KINDS = frozenset({"printer", "network_device", "firewall"})


class AssetDetailView(AssetsView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        asset = asset_or_404(request.org, pk)
        asset_posture = posture.asset_posture(asset)
        codes = {reason.code for reason in asset_posture.reasons}
        context = {
            "asset": asset,
            "posture": asset_posture,
            "posture_text": f"{asset_posture.score}/100",
            "posture_tone": {"bad": "danger"}.get(asset_posture.level, asset_posture.level),
            # the summary's word for the OS: past its end of life, near it, supported, or unknown
            "os_support": "eol"
            if "os_eol" in codes
            else "soon"
            if "os_eol_soon" in codes
            else "ok"
            if asset.os_eol_date
            else "",
            "software": selectors.asset_software(asset=asset),
            "ports": list(asset.ports.all()) if asset.kind in PORTED_KINDS else [],
            "changes": selectors.asset_changes(asset=asset)[:50],
            "can_manage": self.can("assets.manage"),
            "show_org": selectors.is_provider(request.org),
            # The page loads the asset's tickets from the helpdesk when the organization uses it
            # (the template also asks for helpdesk.view); no import of the helpdesk here.
            "helpdesk_in_use": org_uses_module(request.org, "helpdesk"),
        }
        return render(request, "assets/detail.html", context)


class AssetFormView(AssetsView):
    """New asset (no pk) or edit one. The provider's staff choose whose asset a new one is."""

    permission = "assets.manage"

    def render_form(self, request: TenantHttpRequest, form: AssetForm, asset: Asset | None,
                    status: int = 200) -> HttpResponse:  # fmt: skip
        return render(request, "assets/form.html", {"form": form, "asset": asset}, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        asset = asset_or_404(request.org, pk) if pk else None
        orgs = None if asset else selectors.organizations_in_scope(request.org)
        return self.render_form(request, AssetForm(instance=asset, organizations=orgs), asset)

    def post(
        self, request: TenantHttpRequest, org_slug: str, pk: int | None = None
    ) -> HttpResponse:
        asset = asset_or_404(request.org, pk) if pk else None
        orgs = None if asset else selectors.organizations_in_scope(request.org)
        form = AssetForm(request.POST, instance=asset, organizations=orgs)
        if form.is_valid():
            try:
                if asset is None:
                    owner = request.org
                    if "owner" in form.cleaned_data:
                        owner = {o.pk: o for o in orgs or []}[form.cleaned_data["owner"]]
                    asset = services.asset_create(
                        org=owner, actor=request.user, **form.service_fields()
                    )
                    messages.success(request, _("Asset created."))
                else:
                    services.asset_update(
                        org=asset.organization, actor=request.user, asset=asset,
                        **form.service_fields(),
                    )  # fmt: skip
                    messages.success(request, _("Asset saved."))
                return redirect("assets_detail", org_slug=org_slug, pk=asset.pk)
            except ValidationError as exc:
                add_service_error(form, exc)
        return self.render_form(request, form, asset, status=400)


# --- posture ---------------------------------------------------------------------------------------
CHART_WIDTH = 300  # SVG units of the longest bar (all active assets)


def issue_chart(counts: posture.OrgCounts) -> list[dict[str, Any]]:
    """Bars for the posture page's SVG chart: each issue's share of the active assets."""
    rows = []
    for index, code in enumerate(selectors.ISSUES):
        found = getattr(counts, code)
        width = round(CHART_WIDTH * found / counts.assets) if counts.assets else 0
        rows.append({"label": ISSUE_LABELS[code], "count": found, "width": width,
                     "y": index * 28, "text_y": index * 28 + 15})  # fmt: skip
    return rows


class PostureView(AssetsView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        on = posture.today()
        if selectors.is_provider(org):
            ranking = selectors.posture_ranking(provider=org, on=on)
            no_data = [row for row in ranking if row["no_data"]]
            return render(request, "assets/ranking.html", {"ranking": ranking, "no_data": no_data})
        examples = selectors.issue_examples(org=org, on=on)
        counts = selectors.posture_counts(orgs=[org], on=on)[org.pk]
        record = selectors.security_record(org=org)
        context = {
            "posture": posture.org_posture(counts, record, on),
            "chart": issue_chart(counts),
            "ajunta_mfa": selectors.ajunta_mfa_counts(org=org),
            "counts": counts,
            "record": record,
            "examples": [
                (code, ISSUE_LABELS[code], rows) for code, rows in examples.items() if rows
            ],
            "can_manage": self.can("assets.manage"),
        }
        return render(request, "assets/posture.html", context)


class SecurityRecordView(AssetsView):
    permission = "assets.manage"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = SecurityRecordForm(instance=selectors.security_record(org=request.org))
        return render(request, "assets/security.html", {"form": form})

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = SecurityRecordForm(request.POST)
        if form.is_valid():
            try:
                services.security_record_save(
                    org=request.org, actor=request.user, **form.cleaned_data
                )
                messages.success(request, _("Security record saved."))
                return redirect("assets_posture", org_slug=org_slug)
            except ValidationError as exc:
                add_service_error(form, exc)
        return render(request, "assets/security.html", {"form": form}, status=400)


class AlertsView(AssetsView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        found = selectors.alerts(org=request.org)
        limit = 200
        context = {
            "warranty": list(found["warranty"][:limit]),
            "os_eol": list(found["os_eol"][:limit]),
            "silent": list(found["silent"][:limit]),
            "limit": limit,
            "show_org": selectors.is_provider(request.org),
            "today": posture.today(),
            "warranty_days": posture.WARRANTY_SOON_DAYS,
            "eol_days": posture.EOL_SOON_DAYS,
            "silent_days": posture.SILENT_DAYS,
        }
        return render(request, "assets/alerts.html", context)


# --- imports ---------------------------------------------------------------------------------------
class ImportView(AssetsView):
    """A CSV of assets, or one inventory file, into this organization (or, under the provider's
    slug, into the member chosen on the form)."""

    permission = "assets.manage"

    def render_page(self, request: TenantHttpRequest, csv_form: CsvImportForm,
                    inventory_form: InventoryUploadForm, status: int = 200) -> HttpResponse:  # fmt: skip
        context = {"csv_form": csv_form, "inventory_form": inventory_form}
        return render(request, "assets/import.html", context, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        orgs = selectors.organizations_in_scope(request.org)
        return self.render_page(
            request, CsvImportForm(organizations=orgs), InventoryUploadForm(organizations=orgs)
        )

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        orgs = selectors.organizations_in_scope(request.org)
        csv_form = CsvImportForm(organizations=orgs)
        inventory_form = InventoryUploadForm(organizations=orgs)
        if request.POST.get("kind") == "inventory":
            inventory_form = InventoryUploadForm(request.POST, request.FILES, organizations=orgs)
            if inventory_form.is_valid():
                try:
                    document = inventory.decode_body(inventory_form.cleaned_data["file"])
                    outcome = services.inventory_import(
                        org=inventory_form.owner(request.org), actor=request.user,
                        document=document, source=AssetSource.FILE,
                    )  # fmt: skip
                    messages.success(request, _("Inventory imported."))
                    return redirect("assets_detail", org_slug=org_slug, pk=outcome.asset.pk)
                except ValidationError as exc:
                    inventory_form.add_error("file", exc.messages)
        else:
            csv_form = CsvImportForm(request.POST, request.FILES, organizations=orgs)
            if csv_form.is_valid() and (
                csv_form.cleaned_data["file"].count("\n") > settings.JOBS_BACKGROUND_ROWS
            ):
                # A large file runs as a background task with a progress page (ajunta.jobs).
                run = task_run_start(
                    org=request.org, actor=request.user, kind="assets.csv_import",
                    params={"owner_id": csv_form.owner(request.org).pk},
                    input_text=csv_form.cleaned_data["file"],
                    total=max(csv_form.cleaned_data["file"].count("\n") - 1, 0),
                )  # fmt: skip
                return redirect("jobs_run", org_slug=org_slug, pk=run.pk)
            if csv_form.is_valid():
                try:
                    result = services.assets_import_csv(
                        org=csv_form.owner(request.org), actor=request.user,
                        text=csv_form.cleaned_data["file"],
                    )  # fmt: skip
                    messages.success(
                        request,
                        _("CSV imported: %(created)d created, %(updated)d updated, "
                          "%(unchanged)d unchanged.") % vars(result),
                    )  # fmt: skip
                    return redirect("assets_list", org_slug=org_slug)
                except ValidationError as exc:
                    csv_form.add_error("file", exc.messages)
        return self.render_page(request, csv_form, inventory_form, status=400)


# --- the agent token -------------------------------------------------------------------------------
class AgentTokenView(AssetsView):
    """Create, rotate or revoke the agent token. The provider's staff do it for any member."""

    permission = "assets.agent_token"

    def target(self, request: TenantHttpRequest) -> Any:
        """The organization a POST acts on: this one, or for the provider one of its members."""
        wanted = request.POST.get("organization")
        if not wanted or not selectors.is_provider(request.org):
            return request.org
        for org in selectors.organizations_in_scope(request.org):
            if str(org.pk) == wanted:
                return org
        raise Http404

    def render_page(self, request: TenantHttpRequest, new_token: str = "", target: Any = None
                    ) -> HttpResponse:  # fmt: skip
        orgs = selectors.organizations_in_scope(request.org)
        tokens = selectors.agent_tokens_by_org(orgs=orgs)
        context = {
            "rows": [(org, tokens.get(org.pk)) for org in orgs],
            "new_token": new_token,
            "target": target,
            "agent_url": request.build_absolute_uri(
                reverse("assets_agent", args=[target.slug if target else request.org.slug])
            ),
        }
        response = render(request, "assets/agent_token.html", context)
        if new_token:
            response["Cache-Control"] = "private, no-store"  # the token is shown once only
        return response

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self.render_page(request)

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        target = self.target(request)
        if request.POST.get("action") == "revoke":
            services.agent_token_revoke(org=target, actor=request.user)
            messages.success(request, _("The agent token of %(org)s is revoked.") % {"org": target})
            return redirect("assets_agent_token", org_slug=org_slug)
        _token, plain = services.agent_token_rotate(org=target, actor=request.user)
        return self.render_page(request, new_token=plain, target=target)
