"""Where the time goes, in-process: every SQL query of one request (count, time, EXPLAIN ANALYZE of
the slowest) and a cProfile of repeated requests, through Django's test client on the bench data.

    python -m benches.analyse            # after benches.generate (or a benchmark run)

Used by benches.run after the load scenarios; its output goes into the results JSON.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import tempfile
import time
import uuid
from typing import Any

from benches.common import bench_database_url, collect_static, setup_django

SLOWEST = 3  # queries explained per request


def _client(user: Any) -> Any:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def _token_client(token: str) -> Any:
    from django.test import Client

    return Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {token}")


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def queries_of(label: str, call: Any) -> dict[str, Any]:
    """Run `call()` once warm, then again capturing its SQL; explain the slowest queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = call()
    elapsed = time.perf_counter() - started
    queries = [{"ms": float(q["time"]) * 1000, "sql": q["sql"]} for q in captured.captured_queries]
    slowest = sorted(queries, key=lambda q: -q["ms"])[:SLOWEST]
    for query in slowest:
        sql = query["sql"]
        if sql.lstrip().upper().startswith("SELECT"):
            query["explain"] = explain(sql)
        query["sql"] = sql[:2000]
        query["ms"] = round(query["ms"], 2)
    return {
        "request": label,
        "status": response.status_code,
        "ms": round(elapsed * 1000, 1),
        "queries": len(queries),
        "sql_ms": round(sum(q["ms"] for q in queries), 1),
        "slowest": slowest,
    }


def profile(label: str, call: Any, repeat: int = 20, top: int = 25) -> dict[str, Any]:
    """cProfile of `repeat` calls; the top functions by cumulative and by own time."""
    call()
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(repeat):
        call()
    profiler.disable()
    per_call = (time.perf_counter() - started) / repeat

    def table(order: str) -> list[str]:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        return lines[-top - 1 :]

    return {
        "request": label,
        "per_call_ms": round(per_call * 1000, 1),
        "by_cumulative_time": table("cumulative"),
        "by_own_time": table("tottime"),
    }


def entry_body(seq: int, unit_id: int | None) -> dict[str, Any]:
    number = 10_000_000 + seq
    nif = f"{number:08d}{'TRWAGMYFPDXBNJZSQVHLCKE'[number % 23]}"
    body: dict[str, Any] = {
        "direction": "in",
        "channel": "in_person",
        "epigraph": "Instància genèrica",
        "summary": "Sol·licitud d'informació sobre la recollida de residus (bench)",
        "parties": [{"person_type": "natural", "id_type": "N", "id_number": nif,
                     "name": "Núria", "first_surname": "Puig"}],
    }  # fmt: skip
    if unit_id:
        body["destination_unit"] = unit_id
    return body


def analyse(url: str, *, slug: str | None = None) -> dict[str, Any]:
    """Queries and profiles of the registry pages and API for one organization (the largest)."""
    setup_django(url)
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from rest_framework.authtoken.models import Token

    from ajunta.core.models import RoleAssignment
    from ajunta.registry.models import RegistryEntry, Unit
    from ajunta.tenants.models import Organization

    if slug is None:
        top = (
            RegistryEntry.objects.values("organization_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .first()
        )
        org = Organization.objects.get(pk=top["organization_id"])  # type: ignore[index]
    else:
        org = Organization.objects.get(slug=slug)
    secretary = get_user_model().objects.get(
        pk=RoleAssignment.objects.filter(organization=org, role="municipal_admin").values(
            "user_id"
        )[:1]
    )
    token = Token.objects.get(user=secretary).key
    unit = Unit.objects.filter(organization=org).values_list("pk", flat=True).first()
    party = (
        RegistryEntry.objects.filter(organization=org, parties__isnull=False)
        .values_list("parties__id_number", flat=True)
        .first()
    )
    html, api = _client(secretary), _token_client(token)
    base = f"/api/v1/o/{org.slug}/registry/entries/"
    counter = iter(range(10**9))

    def create() -> Any:
        return api.post(
            base, data=json.dumps(entry_body(next(counter), unit)),
            content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )  # fmt: skip

    requests = [
        ("GET registry book page", lambda: html.get(f"/o/{org.slug}/registry/")),
        ("GET dashboard page", lambda: html.get(f"/o/{org.slug}/")),
        ("GET API entries list", lambda: api.get(base)),
        ("GET API search q=garcia", lambda: api.get(base, {"q": "garcia"})),
        ("GET API search q=maria garcia", lambda: api.get(base, {"q": "maria garcia"})),
        ("GET API search q=<NIF>", lambda: api.get(base, {"q": party or "00000000T"})),
        ("GET API search q=llicència obres", lambda: api.get(base, {"q": "llicència obres"})),
        ("POST API register entry", create),
    ]
    result: dict[str, Any] = {
        "organization": org.slug,
        "entries": RegistryEntry.objects.filter(organization=org).count(),
    }
    modules_requests = module_requests(org) + case_requests(org, html, api)
    result["requests"] = [queries_of(label, call) for label, call in requests + modules_requests]
    calls = dict(modules_requests)
    result["profiles"] = [
        profile("POST API register entry", create, repeat=20),
        profile("GET registry book page", requests[0][1], repeat=20),
        profile("GET API search q=garcia", requests[3][1], repeat=10),
        *[profile(label, calls[label], repeat=10) for label in PROFILED if label in calls],
    ]
    return result


PROFILED = (
    "GET ticket queue page (technician)",
    "GET API tickets (technician)",
    "POST API open ticket",
    "POST agent inventory (known machine)",
    "GET asset list page (provider admin)",
    "GET case list page",
    "GET case file page",
)


def case_requests(org: Any, html: Any, api: Any) -> list[tuple[str, Any]]:
    """The case files' list (page and API, search) and a recent case's page, as `org`'s secretary."""
    from ajunta.cases.models import Case

    case = (
        Case.objects.filter(organization=org)
        .order_by("-opened_at", "-id")
        .values_list("pk", flat=True)[4:5]
    )
    if not case:
        return []
    pk = case[0]
    files = f"/api/v1/o/{org.slug}/cases/files/"
    return [
        ("GET case list page", lambda: html.get(f"/o/{org.slug}/cases/")),
        (
            "GET case list page ?q=garcia",
            lambda: html.get(f"/o/{org.slug}/cases/", {"q": "garcia"}),
        ),
        ("GET API case files", lambda: api.get(files)),
        ("GET API case files ?q=garcia", lambda: api.get(files, {"q": "garcia"})),
        ("GET case file page", lambda: html.get(f"/o/{org.slug}/cases/{pk}/")),
        ("GET API case file", lambda: api.get(f"{files}{pk}/")),
    ]


def _verified_client(user: Any) -> Any:
    """A logged-in client whose session carries a verified second factor (provider roles)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = _client(user)
    device, _new = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def module_requests(org: Any) -> list[tuple[str, Any]]:
    """The helpdesk and inventory requests: the provider's queue and inventory, `org`'s own."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from ajunta.assets.models import Asset
    from ajunta.core.models import RoleAssignment
    from ajunta.tenants.models import Organization
    from benches.modules import agent_token_plain
    from benches.run import inventory_document

    users = get_user_model().objects
    provider = Organization.objects.filter(is_provider=True).order_by("pk").first()
    if provider is None or org.pk == provider.pk:
        return []

    def holder(where: Any, role: str) -> Any:
        return users.get(
            pk=RoleAssignment.objects.filter(organization=where, role=role).values("user_id")[:1]
        )

    tech = holder(provider, "provider_technician")
    admin = holder(provider, "provider_admin")
    secretary = holder(org, "municipal_admin")
    tech_html, admin_html = _verified_client(tech), _verified_client(admin)
    tech_api = _token_client(Token.objects.get_or_create(user=tech)[0].key)
    member_api = _token_client(Token.objects.get_or_create(user=secretary)[0].key)
    member_html = _client(secretary)
    from django.test import Client

    agent = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {agent_token_plain(org.pk)}")
    known = (
        Asset.objects.filter(organization=org)
        .exclude(device_id="")
        .values_list("device_id", flat=True)
        .first()
    ) or "PC-BENCH-KNOWN-2026-01-01-10-00-00"
    counter = iter(range(10**9))
    queue = f"/o/{provider.slug}/helpdesk/"
    tickets = f"/api/v1/o/{provider.slug}/helpdesk/tickets/"

    def open_ticket() -> Any:
        n = next(counter)
        return member_api.post(
            f"/api/v1/o/{org.slug}/helpdesk/tickets/", content_type="application/json",
            data=json.dumps({"title": f"No funciona la impressora ({n})",
                             "description": "La impressora no imprimeix.", "urgency": 3}),
        )  # fmt: skip

    def inventory(device: str | None) -> Any:
        n = next(counter)
        name = device or f"PC-BENCH-NEW-{n:07d}-2026-01-01-10-00-00"
        return agent.post(
            f"/o/{org.slug}/assets/agent/", content_type="application/json",
            data=json.dumps(inventory_document(name, n)),
        )  # fmt: skip

    return [
        ("GET ticket queue page (technician)", lambda: tech_html.get(queue)),
        ("GET ticket queue page ?queue=all", lambda: tech_html.get(queue, {"queue": "all"})),
        ("GET ticket queue page ?queue=mine", lambda: tech_html.get(queue, {"queue": "mine"})),
        ("GET API tickets (technician)", lambda: tech_api.get(tickets)),
        ("GET API tickets ?queue=open", lambda: tech_api.get(tickets, {"queue": "open"})),
        ("POST API open ticket", open_ticket),
        ("POST agent inventory (known machine)", lambda: inventory(known)),
        ("POST agent inventory (new machine)", lambda: inventory(None)),
        ("GET asset list page (member)", lambda: member_html.get(f"/o/{org.slug}/assets/")),
        (
            "GET asset list page (provider admin)",
            lambda: admin_html.get(f"/o/{provider.slug}/assets/"),
        ),
    ]


def main() -> None:
    url = bench_database_url()
    with tempfile.TemporaryDirectory(prefix="ajunta-bench-") as work:
        # The pages run with DEBUG off, as in production: they need collected static files.
        os.environ["STATIC_ROOT"] = f"{work}/static"
        os.environ["MEDIA_ROOT"] = f"{work}/media"
        collect_static(url)
        print(json.dumps(analyse(url), indent=2, default=str, ensure_ascii=False))


if __name__ == "__main__":
    main()
