"""The benchmark, end to end: data, ceilings, scenarios, integrity, memory, analysis, report.

    python -m benches.run                    # scale S (make bench)
    python -m benches.run --scale L          # scale L (make bench SCALE=L)
    python -m benches.run --skip-generate    # reuse the data already in ajunta_bench

Writes benches/results/<date>-<scale>.json, prints a Markdown table and appends it to
docs/performance.md. Only the ajunta_bench database is touched (see benches.common).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import psutil

from benches.common import (
    PYTHON,
    RESULTS,
    ROOT,
    SCALES,
    Scale,
    app_env,
    bench_database_url,
    collect_static,
    connect,
    redis_urls,
    setup_django,
)
from benches.load import Call, RssWatch, Scenario, counter_ceiling, prewarm, run_scenario
from benches.modules import agent_token_plain

APP_PORT = 8100
CEILING_PORT = 8101
SPREAD = 100  # organizations the spread scenarios cycle through
DOC = ROOT / "docs" / "performance.md"
NOT_AVAILABLE: list[tuple[str, str]] = []
TEN_THOUSAND = 10_000  # inventories: the target is the time for this many
# (scenario, measure, limit, unit); the limits of docs/performance.md, set for scale L.
TARGETS = [
    ("api_create_spread", "throughput", 300, "req/s ≥"),
    ("api_create_one_org", "throughput", 150, "req/s ≥"),
    ("html_registry_book", "p95_ms", 50, "ms p95 ≤"),
    ("html_registry_book_largest", "p95_ms", 50, "ms p95 ≤"),
    ("api_list", "p95_ms", 50, "ms p95 ≤"),
    ("html_dashboard", "p95_ms", 50, "ms p95 ≤"),
    ("api_search", "p95_ms", 100, "ms p95 ≤"),
    ("html_ticket_queue", "p95_ms", 50, "ms p95 ≤"),
    ("api_ticket_list", "p95_ms", 50, "ms p95 ≤"),
    ("api_ticket_create", "throughput", 200, "req/s ≥"),
    ("agent_inventory", "seconds_per_10000", 60, "s for 10,000 ≤"),
    ("html_asset_list", "p95_ms", 50, "ms p95 ≤"),
    ("html_asset_list_provider", "p95_ms", 50, "ms p95 ≤"),
    ("html_case_list", "p95_ms", 50, "ms p95 ≤"),
    ("html_case_list_largest", "p95_ms", 50, "ms p95 ≤"),
    ("api_case_list", "p95_ms", 50, "ms p95 ≤"),
    ("html_case_page", "p95_ms", 50, "ms p95 ≤"),
]
RSS_LIMIT_MB = 200
NIF_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def log(message: str) -> None:
    print(message, flush=True)


# --- the machine -------------------------------------------------------------------------------------
def machine(url: str) -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    with connect(url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('shared_buffers', "
                "'synchronous_commit', 'fsync', 'max_connections', 'work_mem')"
            ).fetchall()
        )
    import django

    return {
        "cpu": cpu,
        "cores": psutil.cpu_count(logical=True),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "postgresql": pg,
        "postgresql_settings": settings,
        "python": platform.python_version(),
        "django": django.get_version(),
        "os": platform.platform(),
    }


def load_snapshot() -> dict[str, Any]:
    """How busy the machine is with other work: other people's test runs may share these cores."""
    mine = {os.getpid(), *(p.pid for p in psutil.Process().children(recursive=True))}
    procs = []
    for proc in psutil.process_iter(["pid", "name", "cmdline"]):
        if proc.info["pid"] in mine:
            continue
        try:
            proc.cpu_percent(None)
            procs.append(proc)
        except psutil.Error:
            pass
    time.sleep(1.0)
    busy = []
    for proc in procs:
        try:
            percent = proc.cpu_percent(None)
        except psutil.Error:
            continue
        if percent >= 5:
            busy.append((percent, " ".join(proc.info["cmdline"] or [proc.info["name"]])[:80]))
    busy.sort(reverse=True)
    return {
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "other_cpu_percent": round(sum(p for p, _c in busy), 1),
        "other_processes": [f"{p:.0f}% {c}" for p, c in busy[:5]],
    }


# --- servers ------------------------------------------------------------------------------------------
class Process:
    """A server the run starts in its own session, its output in `logs`, stopped with SIGTERM."""

    def __init__(self, command: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.handle = open(log_path, "w")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def stop(self, timeout: float = 30) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers,
            try:  # Celery's finishes the task at hand
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.handle.close()


class Gunicorn(Process):
    def __init__(self, name: str, port: int, env: dict[str, str], workers: int, logs: Path) -> None:
        self.name, self.port, self.workers = name, port, workers
        command = [
            str(Path(PYTHON).parent / "gunicorn"), "ajunta.wsgi", "-w", str(workers),
            "-b", f"127.0.0.1:{port}", "--timeout", "120", "--backlog", "2048",
        ]  # fmt: skip
        super().__init__(command, env, logs / f"gunicorn-{name}.log")
        self.url = f"http://127.0.0.1:{port}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn {self.name} exited: see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    healthy = response.status == 200
                if healthy:
                    workers = psutil.Process(self.process.pid).children()
                    if len(workers) >= self.workers:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn {self.name} did not answer within {timeout} s")


class CeleryWorker(Process):
    """The production set-up's background worker (docs/operations.md), on the same cores: receipts
    and e-mails leave the request, and their CPU is still paid inside the measurement."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        command = [
            str(Path(PYTHON).parent / "celery"), "-A", "ajunta", "worker", "--concurrency", "1",
            "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
        ]  # fmt: skip
        super().__init__(command, env, logs / "celery-worker.log")
        self.broker = env["CELERY_BROKER_URL"]

    def rss_mb(self) -> float:
        try:
            procs = [psutil.Process(self.process.pid), *psutil.Process(self.process.pid).children()]
            return round(max(p.memory_info().rss for p in procs) / 2**20, 1)
        except psutil.Error:
            return 0.0

    def drain(self, url: str, since_entry_id: int, timeout: float = 900) -> dict[str, Any]:
        """Wait until the broker's queue is empty and every entry filed since `since_entry_id` has
        its receipt; how long that took after the scenario ended."""
        import redis

        queue = redis.Redis.from_url(self.broker)
        started = time.perf_counter()
        pending = 0
        while time.perf_counter() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited: see {self.log_path}")
            with connect(url) as conn:
                pending = int(
                    conn.execute(
                        "SELECT count(*) FROM registry_registryentry WHERE id > %s "
                        "AND receipt_id IS NULL",
                        [since_entry_id],
                    ).fetchone()[0]  # type: ignore[index]
                )
            if pending == 0 and queue.llen("celery") == 0:
                break
            time.sleep(0.5)
        return {"drain_s": round(time.perf_counter() - started, 1), "receipts_pending": pending}


def max_entry_id(url: str) -> int:
    with connect(url) as conn:
        row = conn.execute("SELECT COALESCE(max(id), 0) FROM registry_registryentry").fetchone()
    return int(row[0]) if row else 0


# --- fixtures: who calls what ----------------------------------------------------------------------
def fixtures(url: str) -> dict[str, Any]:
    """Organizations for the spread scenarios, tokens, session cookies, units and search words."""
    setup_django(url)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from rest_framework.authtoken.models import Token

    from ajunta.core.models import User

    with connect(url) as conn:
        orgs = conn.execute(
            "SELECT o.id, o.slug, count(e.id) FROM tenants_organization o "
            "LEFT JOIN registry_registryentry e ON e.organization_id = o.id "
            "GROUP BY o.id ORDER BY o.id"
        ).fetchall()
        step = max(1, len(orgs) // SPREAD)
        spread = orgs[::step][:SPREAD]
        largest = max(orgs, key=lambda o: o[2])
        chosen = {o[0] for o in spread} | {largest[0]}
        # A secretary (municipal_admin) per organization: the HTML pages and the API.
        people = conn.execute(
            "SELECT DISTINCT ON (r.organization_id) r.organization_id, r.user_id, t.key "
            "FROM core_roleassignment r JOIN authtoken_token t ON t.user_id = r.user_id "
            "WHERE r.role = 'municipal_admin' AND r.organization_id = ANY(%s) "
            "ORDER BY r.organization_id, r.user_id",
            [list(chosen)],
        ).fetchall()
        units: dict[int, list[int]] = {}
        for org_id, unit_id in conn.execute(
            "SELECT organization_id, id FROM registry_unit WHERE organization_id = ANY(%s)",
            [list(chosen)],
        ):
            units.setdefault(org_id, []).append(unit_id)
        nifs: dict[int, list[str]] = {}
        for org_id, id_number in conn.execute(
            "SELECT organization_id, id_number FROM registry_interestedparty "
            "WHERE organization_id = ANY(%s) AND id %% 97 = 0",
            [list(chosen)],
        ):
            nifs.setdefault(org_id, []).append(id_number)
        devices: dict[int, list[str]] = {}
        for org_id, device_id in conn.execute(
            "SELECT organization_id, device_id FROM assets_asset "
            "WHERE organization_id = ANY(%s) AND device_id <> ''",
            [list(chosen)],
        ):
            devices.setdefault(org_id, []).append(device_id)
        # Case files of the largest organization (the case page), spread over its book.
        case_ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM cases_case WHERE organization_id = %s ORDER BY id",
                [largest[0]],
            )
        ][::97][:500]
        provider = conn.execute(
            "SELECT id, slug FROM tenants_organization WHERE is_provider ORDER BY id LIMIT 1"
        ).fetchone()
        staff = dict(
            conn.execute(
                "SELECT DISTINCT ON (role) role, user_id FROM core_roleassignment "
                "WHERE organization_id = %s AND role IN ('provider_technician', 'provider_admin') "
                "ORDER BY role, user_id",
                [provider[0]],  # type: ignore[index]
            ).fetchall()
        )
    users = {u.pk: u for u in User.objects.filter(pk__in=[p[1] for p in people])}

    def session(user: Any, device: Any = None) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if device is not None:  # provider roles need a verified second factor
            store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        return store.session_key or ""

    sessions: dict[int, str] = {}
    tokens: dict[int, str] = {}
    for org_id, user_id, key in people:
        sessions[org_id] = session(users[user_id])
        tokens[org_id] = key
    # The provider's technician (queue, API list) and administrator (the whole inventory).
    provider_staff: dict[str, dict[str, str]] = {}
    for role, user_id in staff.items():
        user = User.objects.get(pk=user_id)
        device, _new = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        token, _new = Token.objects.get_or_create(user=user)
        provider_staff[role] = {"session": session(user, device), "token": token.key}
    return {
        "provider": (provider[0], provider[1]),  # type: ignore[index]
        "provider_staff": provider_staff,
        "devices": devices,
        "case_ids": case_ids,
        "spread": [(o[0], o[1]) for o in spread],
        "largest": (largest[0], largest[1], largest[2]),
        "sessions": sessions,
        "tokens": tokens,
        "units": units,
        "nifs": nifs,
        "organizations": len(orgs),
    }


SEARCH_WORDS = [
    "garcia", "puig", "martinez", "soler", "maria garcia", "jordi puig", "llicència obres",
    "padró", "recurs reposició", "subvenció", "queixa sorolls", "gual",
]  # fmt: skip
ATTACHMENT = base64.b64encode(
    ("Sol·licitud presentada per a la prova de càrrega.\n" * 40).encode()
).decode()


def scenarios(fx: dict[str, Any]) -> dict[str, Scenario]:
    spread = fx["spread"]
    largest_id, largest_slug, _n = fx["largest"]
    tokens, sessions, units, nifs = fx["tokens"], fx["sessions"], fx["units"], fx["nifs"]
    rng = random.Random(7)

    def filing(org_id: int, index: int) -> dict[str, Any]:
        number = 20_000_000 + index * 7 + rng.randrange(0, 7)
        body: dict[str, Any] = {
            "direction": "in",
            "channel": rng.choice(["electronic", "in_person", "post"]),
            "epigraph": "Instància genèrica",
            "summary": f"Sol·licitud d'informació sobre la recollida de residus ({index})",
            "parties": [{"person_type": "natural", "id_type": "N",
                         "id_number": f"{number:08d}{NIF_LETTERS[number % 23]}",
                         "name": rng.choice(["Núria", "Jordi", "Laia", "Ahmed"]),
                         "first_surname": rng.choice(["Puig", "Garcia", "Benali", "Soler"])}],
        }  # fmt: skip
        if units.get(org_id):
            body["destination_unit"] = rng.choice(units[org_id])
        if index % 2 == 0:
            body["attachments"] = [{"name": "sollicitud.txt", "content_base64": ATTACHMENT}]
        return body

    def create(org_id: int, slug: str, index: int) -> Call:
        return Call(
            "POST",
            f"/api/v1/o/{slug}/registry/entries/",
            headers={
                "Authorization": f"Token {tokens[org_id]}",
                "Idempotency-Key": str(uuid.uuid4()),
            },
            json=filing(org_id, index),
        )

    def page(org_id: int, path: str) -> Call:
        return Call("GET", path, cookies={"sessionid": sessions[org_id]})

    def api_get(org_id: int, path: str) -> Call:
        return Call("GET", path, headers={"Authorization": f"Token {tokens[org_id]}"})

    def search(index: int) -> Call:
        org_id, slug = spread[index % len(spread)]
        roll = index % 10
        q = rng.choice(nifs[org_id]) if roll < 2 and nifs.get(org_id) else rng.choice(SEARCH_WORDS)
        return api_get(
            org_id, f"/api/v1/o/{slug}/registry/entries/?{urllib.parse.urlencode({'q': q})}"
        )

    provider_id, provider_slug = fx["provider"]
    staff = fx["provider_staff"]
    members = [o for o in spread if o[0] != provider_id]
    devices = fx["devices"]
    queues = ("", "?queue=mine", "?queue=all")

    def staff_page(role: str, path: str) -> Call:
        return Call("GET", path, cookies={"sessionid": staff[role]["session"]})

    def ticket(index: int) -> Call:
        org_id, slug = members[index % len(members)]
        return Call(
            "POST",
            f"/api/v1/o/{slug}/helpdesk/tickets/",
            headers={"Authorization": f"Token {tokens[org_id]}"},
            json={
                "title": f"No funciona la impressora de la Secretaria ({index})",
                "description": "Bon dia, la impressora no imprimeix des d'aquest matí. Gràcies.",
                "ticket_type": "incident",
                "urgency": 1 + index % 5,
            },
        )

    def inventory(index: int) -> Call:
        org_id, slug = members[index % len(members)]
        known = devices.get(org_id) or []
        # Most inventories are a known machine's daily report; one in five is a new machine.
        if known and index % 5:
            device = known[(index // len(members)) % len(known)]
        else:
            device = f"PC-NEW-{org_id}-{index:07d}-2026-01-01-10-00-00"
        document = inventory_document(device, index)
        return Call(
            "POST",
            f"/o/{slug}/assets/agent/",
            headers={"Authorization": f"Bearer {agent_token_plain(org_id)}"},
            json=document,
        )

    case_ids = fx["case_ids"] or [0]

    def case_page(index: int) -> Call:
        return page(largest_id, f"/o/{largest_slug}/cases/{case_ids[index % len(case_ids)]}/")

    def book(index: int) -> Call:
        org_id, slug = spread[index % len(spread)]
        return page(org_id, f"/o/{slug}/registry/")

    return {
        "ceiling_view": Scenario(
            "ceiling_view",
            "bare Django view, one indexed query (benches/ceiling_urls.py)",
            lambda i: Call("GET", f"/bench/ceiling/{spread[i % len(spread)][0]}/"),
            kind="ceiling",
        ),
        "api_create_spread": Scenario(
            "api_create_spread",
            f"POST /api/v1/o/<slug>/registry/entries/ over {len(spread)} organizations",
            lambda i: create(*spread[i % len(spread)], i),
            ok=frozenset({201}),
            kind="write",
        ),
        "api_create_one_org": Scenario(
            "api_create_one_org",
            f"POST /api/v1/o/{largest_slug}/registry/entries/ (one organization, the largest)",
            lambda i: create(largest_id, largest_slug, i),
            ok=frozenset({201}),
            kind="write",
        ),
        "html_registry_book": Scenario(
            "html_registry_book",
            f"GET /o/<slug>/registry/ over {len(spread)} organizations",
            book,
        ),
        "html_registry_book_largest": Scenario(
            "html_registry_book_largest",
            f"GET /o/{largest_slug}/registry/ (the largest book)",
            lambda i: page(largest_id, f"/o/{largest_slug}/registry/"),
        ),
        "api_list": Scenario(
            "api_list",
            f"GET /api/v1/o/<slug>/registry/entries/ over {len(spread)} organizations",
            lambda i: api_get(
                spread[i % len(spread)][0],
                f"/api/v1/o/{spread[i % len(spread)][1]}/registry/entries/",
            ),
        ),
        "api_search": Scenario(
            "api_search",
            "GET /api/v1/o/<slug>/registry/entries/?q= (surnames, names, NIFs, subjects)",
            search,
        ),
        "html_dashboard": Scenario(
            "html_dashboard",
            f"GET /o/<slug>/ (dashboard) over {len(spread)} organizations",
            lambda i: page(spread[i % len(spread)][0], f"/o/{spread[i % len(spread)][1]}/"),
        ),
        "html_ticket_queue": Scenario(
            "html_ticket_queue",
            f"GET /o/{provider_slug}/helpdesk/ as a provider technician (default, mine, all)",
            lambda i: staff_page(
                "provider_technician", f"/o/{provider_slug}/helpdesk/{queues[i % len(queues)]}"
            ),
        ),
        "api_ticket_list": Scenario(
            "api_ticket_list",
            f"GET /api/v1/o/{provider_slug}/helpdesk/tickets/ as a provider technician (all, open)",
            lambda i: Call(
                "GET",
                f"/api/v1/o/{provider_slug}/helpdesk/tickets/{('', '?queue=open')[i % 2]}",
                headers={"Authorization": f"Token {staff['provider_technician']['token']}"},
            ),
        ),
        "api_ticket_create": Scenario(
            "api_ticket_create",
            f"POST /api/v1/o/<slug>/helpdesk/tickets/ over {len(members)} member organizations",
            ticket,
            ok=frozenset({201}),
            kind="write",
        ),
        "agent_inventory": Scenario(
            "agent_inventory",
            f"POST /o/<slug>/assets/agent/ (GLPI JSON inventory, 4 in 5 known machines) over "
            f"{len(members)} organizations",
            inventory,
            kind="write",
        ),
        "html_asset_list": Scenario(
            "html_asset_list",
            f"GET /o/<slug>/assets/ over {len(spread)} organizations",
            lambda i: page(spread[i % len(spread)][0], f"/o/{spread[i % len(spread)][1]}/assets/"),
        ),
        "html_asset_list_provider": Scenario(
            "html_asset_list_provider",
            f"GET /o/{provider_slug}/assets/ as the provider's administrator (every member's assets)",
            lambda i: staff_page("provider_admin", f"/o/{provider_slug}/assets/"),
        ),
        "html_case_list": Scenario(
            "html_case_list",
            f"GET /o/<slug>/cases/ over {len(spread)} organizations",
            lambda i: page(spread[i % len(spread)][0], f"/o/{spread[i % len(spread)][1]}/cases/"),
        ),
        "html_case_list_largest": Scenario(
            "html_case_list_largest",
            f"GET /o/{largest_slug}/cases/ (the most case files)",
            lambda i: page(largest_id, f"/o/{largest_slug}/cases/"),
        ),
        "api_case_list": Scenario(
            "api_case_list",
            f"GET /api/v1/o/<slug>/cases/files/ over {len(spread)} organizations",
            lambda i: api_get(
                spread[i % len(spread)][0],
                f"/api/v1/o/{spread[i % len(spread)][1]}/cases/files/",
            ),
        ),
        "html_case_page": Scenario(
            "html_case_page",
            f"GET /o/{largest_slug}/cases/<pk>/ over {len(case_ids)} case files of the largest "
            "organization",
            case_page,
        ),
    }


def inventory_document(device: str, index: int) -> dict[str, Any]:
    """The shipped GLPI example as a Windows 10 PC, its software list changing now and then."""
    from ajunta.assets import samples

    document = samples.windows_10(
        deviceid=device, name=f"PC-{index % 997:04d}", serial=f"BENCH{index:09d}",
        uuid=f"{index:08x}-bench-4000-8000-000000000000",
    )  # fmt: skip
    if index % 3 == 0:
        software = document["content"].setdefault("softwares", [])
        software.append({"name": "AutoFirma", "version": f"1.8.{index % 7}", "publisher": "Gob"})
    return document


# --- integrity --------------------------------------------------------------------------------------
def integrity(url: str) -> dict[str, Any]:
    """Every (organization, direction, year) numbering series: gap-free, duplicate-free, counter-exact."""
    with connect(url) as conn:
        row = conn.execute(
            """
            WITH s AS (
                SELECT organization_id, 'registry.' || direction AS series, year,
                       count(*) AS n, count(DISTINCT sequence) AS distinct_n,
                       min(sequence) AS lo, max(sequence) AS hi
                FROM registry_registryentry GROUP BY 1, 2, 3
            ), c AS (
                SELECT organization_id, series, year, last_value FROM core_counter
                WHERE series LIKE 'registry.%%'
            )
            SELECT
                count(*) AS series,
                count(*) FILTER (WHERE s.n IS NOT NULL AND (s.lo <> 1 OR s.hi <> s.distinct_n)) AS with_gaps,
                COALESCE(sum(s.hi - s.distinct_n) FILTER (WHERE s.n IS NOT NULL), 0) AS missing_numbers,
                COALESCE(sum(s.n - s.distinct_n) FILTER (WHERE s.n IS NOT NULL), 0) AS duplicates,
                count(*) FILTER (WHERE c.last_value IS DISTINCT FROM s.hi AND NOT (s.hi IS NULL AND c.last_value = 0)) AS counter_mismatches,
                count(*) FILTER (WHERE c.last_value IS NULL) AS series_without_counter,
                COALESCE(sum(s.n), 0) AS entries
            FROM s FULL OUTER JOIN c USING (organization_id, series, year)
            """
        ).fetchone()
        numbers = conn.execute(
            "SELECT count(*) - count(DISTINCT (organization_id, number)) FROM registry_registryentry"
        ).fetchone()
    keys = ("series", "series_with_gaps", "missing_numbers", "duplicate_sequences",
            "counter_mismatches", "series_without_counter", "entries")  # fmt: skip
    result = dict(zip(keys, (int(v) for v in row), strict=True))  # type: ignore[arg-type]
    result["duplicate_numbers"] = int(numbers[0])  # type: ignore[index]
    result["ok"] = not any(
        result[k] for k in ("series_with_gaps", "missing_numbers", "duplicate_sequences",
                            "counter_mismatches", "series_without_counter", "duplicate_numbers")
    )  # fmt: skip
    return result


def ticket_integrity(url: str) -> dict[str, Any]:
    """The provider's ticket series per year: gap-free, duplicate-free, counter-exact."""
    with connect(url) as conn:
        row = conn.execute(
            """
            WITH s AS (
                SELECT provider_id AS organization_id, year, count(*) AS n,
                       count(DISTINCT sequence) AS distinct_n, min(sequence) AS lo,
                       max(sequence) AS hi
                FROM helpdesk_ticket GROUP BY 1, 2
            ), c AS (
                SELECT organization_id, year, last_value FROM core_counter
                WHERE series = 'helpdesk.ticket'
            )
            SELECT
                count(*),
                count(*) FILTER (WHERE s.n IS NOT NULL AND (s.lo <> 1 OR s.hi <> s.distinct_n)),
                COALESCE(sum(s.hi - s.distinct_n) FILTER (WHERE s.n IS NOT NULL), 0),
                COALESCE(sum(s.n - s.distinct_n) FILTER (WHERE s.n IS NOT NULL), 0),
                count(*) FILTER (WHERE c.last_value IS DISTINCT FROM s.hi
                                 AND NOT (s.hi IS NULL AND c.last_value = 0)),
                COALESCE(sum(s.n), 0)
            FROM s FULL OUTER JOIN c USING (organization_id, year)
            """
        ).fetchone()
        numbers = conn.execute(
            "SELECT count(*) - count(DISTINCT (organization_id, number)) FROM helpdesk_ticket"
        ).fetchone()
    keys = ("series", "series_with_gaps", "missing_numbers", "duplicate_sequences",
            "counter_mismatches", "tickets")  # fmt: skip
    result = dict(zip(keys, (int(v) for v in row), strict=True))  # type: ignore[arg-type]
    result["duplicate_numbers"] = int(numbers[0])  # type: ignore[index]
    result["ok"] = not any(
        result[k] for k in ("series_with_gaps", "missing_numbers", "duplicate_sequences",
                            "counter_mismatches", "duplicate_numbers")
    )  # fmt: skip
    return result


def ticket_count(url: str) -> int:
    with connect(url) as conn:
        return int(conn.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0])  # type: ignore[index]


def asset_count(url: str) -> int:
    with connect(url) as conn:
        return int(conn.execute("SELECT count(*) FROM assets_asset").fetchone()[0])  # type: ignore[index]


def case_count(url: str) -> int:
    with connect(url) as conn:
        return int(conn.execute("SELECT count(*) FROM cases_case").fetchone()[0])  # type: ignore[index]


def entry_count(url: str) -> int:
    with connect(url) as conn:
        return int(conn.execute("SELECT count(*) FROM registry_registryentry").fetchone()[0])  # type: ignore[index]


# --- report -----------------------------------------------------------------------------------------
def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    by_name = {s["name"]: s for s in results["scenarios"]}
    rows = []
    for name, measure, limit, unit in TARGETS:
        scenario = by_name.get(name)
        if scenario is None:
            continue
        value = scenario[measure]
        met = value >= limit if measure == "throughput" else 0 < value <= limit
        met = met and not scenario["errors"]
        rows.append({"scenario": name, "target": f"{unit} {limit}", "value": value, "met": met})
    gaps = results.get("integrity", {})
    rows.append({"scenario": "integrity", "target": "zero gaps, duplicates, counter mismatches",
                 "value": gaps.get("missing_numbers"), "met": bool(gaps.get("ok"))})  # fmt: skip
    rss = results.get("memory", {}).get("max_rss_mb_any_worker", 0)
    rows.append({"scenario": "memory", "target": f"≤ {RSS_LIMIT_MB} MB RSS per worker",
                 "value": rss, "met": 0 < rss <= RSS_LIMIT_MB})  # fmt: skip
    return rows


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    g = results.get("generation") or {}
    view = results["ceilings"].get("ceiling_view", {}).get("throughput") or 0
    lines = [
        f"### {results['date']} — scale {results['scale']} "
        f"({results['data']['organizations']:,} organizations, {results['data']['entries']:,} entries, "
        f"{results['data'].get('tickets', 0):,} tickets, {results['data'].get('assets', 0):,} assets, "
        f"{results['data'].get('cases', 0):,} case files)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM; PostgreSQL {m['postgresql']}; "
        f"Python {m['python']}; Django {m['django']}. gunicorn {results['config']['workers']} sync "
        f"workers; client concurrency {results['config']['concurrency']}; "
        f"{results['config']['duration']} s per scenario after {results['config']['warmup']} s warm-up, "
        f"at most {results['config']['max_requests']:,} requests; {results['config'].get('services', '')}. "
        f'"Alone": the read scenario again at concurrency 1. Load average at start '
        f"{results['load_before']['loadavg_1m']}, at end {results['load_after']['loadavg_1m']}.",
        "",
    ]
    if g:
        t = g["timings"]
        lines += [
            f"Data generated in {t['total_s']} s ({t['generate_s']} s after migrations: COPY "
            f"{t['copy_s']} s, indexes {t['indexes_s']} s, vacuum {t['vacuum_analyze_s']} s); "
            f"{g['rows']['parties']:,} parties, {g['rows']['audit_events']:,} audit events, "
            f"{g['rows']['users']:,} users; tickets, follow-ups and assets in "
            f"{t.get('copy_modules_s', 0)} s: {g['rows'].get('followups', 0):,} follow-ups, "
            f"{g['rows'].get('software', 0):,} programs, {g['rows'].get('interfaces', 0):,} "
            f"interfaces, {g['rows'].get('memberships', 0):,} memberships; "
            f"{g['rows'].get('case_parties', 0):,} case parties, "
            f"{g['rows'].get('case_tasks', 0):,} case tasks, "
            f"{g['rows'].get('case_documents', 0):,} documents in case indexes.",
            "",
        ]
    lines += [
        "| scenario | ok | errors | req/s | p50 ms | p95 ms | p99 ms | alone p50 / p95 ms | ratio to view ceiling | ratio to counter ceiling | worker RSS MB | background drained |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in [*results["ceilings"].values(), *results["scenarios"]]:
        ratio_view = f"{s['throughput'] / view:.2f}" if view and s["kind"] != "ceiling" else ""
        counter = s.get("counter_ratio")
        alone = f"{s['unloaded_p50_ms']} / {s['unloaded_p95_ms']}" if "unloaded_p95_ms" in s else ""
        drained = f"{s['drain_s']} s" if "drain_s" in s else ""
        lines.append(
            f"| {s['name']} | {s['ok']:,} | {sum(s['errors'].values())} | {s['throughput']:,} | "
            f"{s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {alone} | {ratio_view} | "
            f"{'' if counter is None else f'{counter:.3f}'} | {s.get('worker_rss_mb_max', '')} | "
            f"{drained} |"
        )
    for name, why in NOT_AVAILABLE:
        lines.append(f"| {name} | — | — | — | — | — | — | — | — | — | not yet available: {why} | |")
    i = results.get("integrity", {})
    t = i.get("tickets", {})
    inventories = next((s for s in results["scenarios"] if s["name"] == "agent_inventory"), None)
    if inventories and inventories.get("seconds_per_10000"):
        lines += ["", f"Inventories: {inventories['throughput']}/s, so 10,000 take "
                  f"{inventories['seconds_per_10000']} s."]  # fmt: skip
    lines += [
        "",
        f"Integrity after the write scenarios: {i.get('series', 0)} numbering series, "
        f"{i.get('series_with_gaps', 0)} with gaps ({i.get('missing_numbers', 0)} numbers missing), "
        f"{i.get('duplicate_sequences', 0)} duplicate sequences, {i.get('duplicate_numbers', 0)} "
        f"duplicate numbers, {i.get('counter_mismatches', 0)} counters out of step; "
        f"{results.get('created_rows', 0):,} new entries for {results.get('created_201', 0):,} "
        f"answers 201.",
        "",
        f"Tickets: {t.get('series', 0)} numbering series (provider, year), "
        f"{t.get('series_with_gaps', 0)} with gaps ({t.get('missing_numbers', 0)} numbers missing), "
        f"{t.get('duplicate_sequences', 0)} duplicate sequences, {t.get('duplicate_numbers', 0)} "
        f"duplicate numbers, {t.get('counter_mismatches', 0)} counters out of step; "
        f"{results.get('tickets_created', 0):,} new tickets for {results.get('tickets_201', 0):,} "
        f"answers 201.",
        "",
        "| target (set for scale L) | measured | met |",
        "|---|---:|:---:|",
    ]
    for t in results["targets"]:
        lines.append(
            f"| {t['scenario']}: {t['target']} | {t['value']} | {'yes' if t['met'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def append_doc(text: str) -> None:
    marker = "<!-- bench results are appended below by benches/run.py -->"
    current = DOC.read_text() if DOC.exists() else ""
    if marker not in current:
        current = current.rstrip() + f"\n\n## Results\n\n{marker}\n"
    DOC.write_text(current.rstrip() + "\n\n" + text)


# --- main -------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument(
        "--skip-generate", action="store_true", help="reuse the data in ajunta_bench"
    )
    parser.add_argument("--organizations", type=int, help="override the scale's count")
    parser.add_argument("--entries", type=int, help="override the scale's count")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=6)
    parser.add_argument(
        "--duration", type=float, help="seconds per scenario (default: the scale's)"
    )
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--max-requests", type=int, help="per scenario (default: the scale's)")
    parser.add_argument("--only", help="comma-separated scenario names")
    parser.add_argument(
        "--no-redis",
        action="store_true",
        help="measure without Redis and Celery (tasks in the web process) even when Redis answers",
    )
    parser.add_argument(
        "--unloaded-seconds",
        type=float,
        help="each read scenario again at concurrency 1 for this long (0: skip; S: 3, L: 5)",
    )
    parser.add_argument("--no-analyse", action="store_true", help="skip EXPLAIN and profiles")
    parser.add_argument(
        "--no-doc", action="store_true", help="do not append to docs/performance.md"
    )
    args = parser.parse_args()
    scale: Scale = SCALES[args.scale]
    duration = args.duration or scale.duration
    alone_seconds = (
        args.unloaded_seconds if args.unloaded_seconds is not None else scale.alone_seconds
    )
    max_requests = args.max_requests or scale.max_requests
    url = bench_database_url()
    work = Path(tempfile.mkdtemp(prefix="ajunta-bench-"))
    os.environ["MEDIA_ROOT"] = str(work / "media")
    os.environ["STATIC_ROOT"] = str(work / "static")
    os.environ["SEAL_DIR"] = os.environ.get("SEAL_DIR", str(work / "seals"))
    started = time.perf_counter()
    now = dt.datetime.now(dt.UTC)  # Django's setup later switches the process to Europe/Madrid
    results: dict[str, Any] = {
        "date": f"{now:%Y-%m-%d %H:%M} UTC",
        "scale": scale.name,
        "load_before": load_snapshot(),
        "config": {
            "workers": args.workers,
            "concurrency": args.concurrency,
            "duration": duration,
            "warmup": args.warmup,
            "max_requests": max_requests,
        },
        "not_available": [{"scenario": n, "why": w} for n, w in NOT_AVAILABLE],
    }
    log(f"== Ajunta benchmark, scale {scale.name}, database {url.rsplit('/', 1)[-1]}")
    if not args.skip_generate:
        from benches.generate import generate

        organizations = args.organizations or scale.organizations
        entries = args.entries or scale.entries
        log(f"-- generating {organizations:,} organizations, {entries:,} entries")
        results["generation"] = generate(
            url,
            organizations=organizations,
            entries=entries,
            tickets=scale.tickets,
            assets=scale.assets,
            cases=scale.cases,
            log=log,
        )
    results["machine"] = machine(url)
    log("-- collectstatic (the app serves its pages with DEBUG off)")
    collect_static(url)
    fx = fixtures(url)
    results["data"] = {
        "organizations": fx["organizations"],
        "entries": entry_count(url),
        "tickets": ticket_count(url),
        "assets": asset_count(url),
        "cases": case_count(url),
        "largest_organization": {"slug": fx["largest"][1], "entries": fx["largest"][2]},
        "spread_organizations": len(fx["spread"]),
    }
    all_scenarios = scenarios(fx)
    only = set(args.only.split(",")) if args.only else None
    wanted = [n for n in all_scenarios if only is None or n in only]
    services = None if args.no_redis else redis_urls()
    results["config"]["services"] = (
        "Redis cache and sessions, Celery worker (1 process) on Redis"
        if services
        else "no Redis: local-memory cache, database sessions, tasks in the web process"
    )
    log(f"-- services: {results['config']['services']}")
    app = Gunicorn("app", APP_PORT, app_env(url, **(services or {})), args.workers, work)
    worker = CeleryWorker(app_env(url, **services), work) if services else None
    ceiling = Gunicorn(
        "ceiling", CEILING_PORT,
        app_env(url, DJANGO_SETTINGS_MODULE="benches.ceiling_settings", **(services or {})),
        args.workers, work,
    )  # fmt: skip
    run_args = {"concurrency": args.concurrency, "duration": duration, "warmup": args.warmup,
                "max_requests": max_requests}  # fmt: skip
    before = entry_count(url)
    prewarmed: dict[str, int] = {}
    tickets_before = ticket_count(url)
    try:
        app.wait_ready()
        ceiling.wait_ready()
        log("-- warming the workers up (each imports its views on its first requests)")
        before_prewarm = max_entry_id(url)
        prewarm(ceiling.url, all_scenarios["ceiling_view"], 6 * args.workers)
        for name in wanted:
            if name != "ceiling_view":
                done = prewarm(app.url, all_scenarios[name], 3 * args.workers)
                if all_scenarios[name].kind == "write":
                    prewarmed[name] = done
        if worker is not None:
            worker.drain(url, before_prewarm)  # the warm-up's receipts, before anything is measured
        watch = RssWatch(app.process.pid).start()
        results["ceilings"] = {}
        if "ceiling_view" in wanted:
            log("-- ceiling: bare Django view")
            results["ceilings"]["ceiling_view"] = run_scenario(
                ceiling.url, all_scenarios["ceiling_view"], **run_args
            )
        ceiling.stop()
        if (
            only is None
            or "ceiling_counter" in only
            or any(n.startswith("api_create") for n in wanted)
        ):
            log("-- ceiling: plain SQL counter")
            spread_ids = [o[0] for o in fx["spread"]]
            counter_seconds = min(duration, 10)
            results["ceilings"]["ceiling_counter_spread"] = counter_ceiling(
                url, spread_ids, name="ceiling_counter_spread",
                description=f"UPDATE core_counter ... RETURNING; COMMIT over {len(spread_ids)} organizations",
                connections=args.concurrency, duration=counter_seconds,
            )  # fmt: skip
            results["ceilings"]["ceiling_counter_one"] = counter_ceiling(
                url, [fx["largest"][0]], name="ceiling_counter_one",
                description="UPDATE core_counter ... RETURNING; COMMIT, one organization",
                connections=args.concurrency, duration=counter_seconds,
            )  # fmt: skip
        results["scenarios"] = []
        for name in wanted:
            if name == "ceiling_view":
                continue
            log(f"-- {name}")
            since = max_entry_id(url)
            outcome = run_scenario(app.url, all_scenarios[name], watch=watch, **run_args)
            if worker is not None and all_scenarios[name].kind == "write":
                outcome.update(worker.drain(url, since))
                log(f"   background work drained {outcome['drain_s']} s after the scenario")
            if all_scenarios[name].kind == "read" and alone_seconds > 0:
                alone = run_scenario(
                    app.url, all_scenarios[name], concurrency=1,
                    duration=alone_seconds, warmup=0.5, max_requests=max_requests,
                )  # fmt: skip
                outcome["unloaded_p50_ms"] = alone["p50_ms"]
                outcome["unloaded_p95_ms"] = alone["p95_ms"]
            counter_key = {"api_create_spread": "ceiling_counter_spread",
                           "api_create_one_org": "ceiling_counter_one"}.get(name)  # fmt: skip
            ceiling_counter = results["ceilings"].get(counter_key or "", {}).get("throughput")
            if ceiling_counter:
                outcome["counter_ratio"] = outcome["throughput"] / ceiling_counter
            if name == "agent_inventory" and outcome["throughput"]:
                outcome["seconds_per_10000"] = round(TEN_THOUSAND / outcome["throughput"], 1)
            results["scenarios"].append(outcome)
            log(f"   {outcome['ok']:,} ok, {sum(outcome['errors'].values())} errors, "
                f"{outcome['throughput']} req/s, p50 {outcome['p50_ms']} ms, p95 {outcome['p95_ms']} ms, "
                f"p99 {outcome['p99_ms']} ms")  # fmt: skip
            if outcome.get("error_samples"):
                log(f"   errors: {json.dumps(outcome['error_samples'])[:600]}")
        watch.stop()
        results["memory"] = watch.report()
        if worker is not None:
            results["memory"]["celery_worker_rss_mb"] = worker.rss_mb()
    finally:
        app.stop()
        if worker is not None:
            worker.stop(timeout=60)
        ceiling.stop()
    results["created_rows"] = entry_count(url) - before
    results["created_201"] = sum(
        prewarmed.get(s["name"], 0) + s["all_ok"]
        for s in results["scenarios"]
        if s["name"].startswith("api_create")
    )
    results["tickets_created"] = ticket_count(url) - tickets_before
    results["tickets_201"] = sum(
        prewarmed.get(s["name"], 0) + s["all_ok"]
        for s in results["scenarios"]
        if s["name"] == "api_ticket_create"
    )
    log("-- integrity of the numbering series")
    results["integrity"] = integrity(url)
    results["integrity"]["new_rows_match_201"] = results["created_rows"] == results["created_201"]
    results["integrity"]["tickets"] = ticket_integrity(url)
    results["integrity"]["tickets"]["new_rows_match_201"] = (
        results["tickets_created"] == results["tickets_201"]
    )
    results["integrity"]["ok"] = results["integrity"]["ok"] and all(
        results["integrity"]["tickets"][k] for k in ("ok", "new_rows_match_201")
    )
    log(f"   {json.dumps(results['integrity'])}")
    if not args.no_analyse:
        log("-- queries, EXPLAIN ANALYZE and profiles (in-process)")
        from benches.analyse import analyse

        try:
            results["analysis"] = analyse(url, slug=fx["largest"][1])
        except Exception as exc:  # the report still gets written
            results["analysis"] = {"error": f"{type(exc).__name__}: {exc}"}
            log(f"   analysis failed: {exc}")
    results["load_after"] = load_snapshot()
    results["targets"] = evaluate(results)
    results["total_s"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{now:%Y-%m-%d}-{scale.name}.json"
    out.write_text(json.dumps(results, indent=2, default=str, ensure_ascii=False) + "\n")
    table = markdown(results)
    print("\n" + table, flush=True)
    if not args.no_doc:
        append_doc(table)
    shutil.rmtree(work, ignore_errors=True)
    log(f"== done in {results['total_s']} s; results in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
