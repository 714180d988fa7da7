"""Fault test: kill -9 the Celery worker and gunicorn workers while clerks file entries, open
tickets and their machines' agents send inventories; then run the sweep and prove that every entry
has its receipt and its audit events, every ticket its one audit event and its number, every
inventoried machine one asset with no duplicated software, with no gap in any numbering.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ajunta_bench_fault \\
        .venv/bin/python -m benches.fault [--seconds 30] [--clients 4] [--keep]

Needs PostgreSQL and Redis (FAULT_REDIS_URL, default redis://127.0.0.1:6379/12, emptied first);
not part of `make test` (pytest collects only ajunta/), run by `.ci/run`. It recreates the
database (an ajunta_bench* one only), starts gunicorn (2 workers) and a Celery worker on Redis,
files entries and opens tickets through the API and posts GLPI inventories of a few machines
(the same machines from several threads at once) from a few client threads (each retrying a broken
request, with its Idempotency-Key where the API takes one, as a client would), and meanwhile SIGKILLs the Celery worker's whole process group
(then starts a new one) and single gunicorn workers (their master starts new ones). At the end the
worker is killed once more and the broker emptied, so that some receipts are surely lost; then
`manage.py sweep_pending --grace 0` runs twice. Exit status 1 when any check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from benches.common import (
    PYTHON,
    ROOT,
    app_env,
    bench_database_url,
    connect,
    database_name,
    maintenance_url,
    recreate_database,
    setup_django,
)

REDIS_URL = os.environ.get("FAULT_REDIS_URL", "redis://127.0.0.1:6379/12")
PORT = int(os.environ.get("FAULT_PORT", "8391"))
BIN = Path(PYTHON).parent
PARTY = {"person_type": "natural", "id_type": "N", "id_number": "12345678Z", "name": "Núria",
         "first_surname": "Puig"}  # fmt: skip


def log(message: str) -> None:
    print(message, flush=True)


class Server:
    """A process in its own session (so that a kill reaches its whole group), output to a file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.handle = open(logs / f"{name}.log", "a")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.handle, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.handle.close()

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_group()
                return
        self.handle.close()


def celery(env: dict[str, str], logs: Path) -> Server:
    return Server("celery", [
        str(BIN / "celery"), "-A", "ajunta", "worker", "--concurrency", "2", "--loglevel",
        "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
    ], env, logs)  # fmt: skip


def gunicorn(env: dict[str, str], logs: Path) -> Server:
    server = Server("gunicorn", [
        str(BIN / "gunicorn"), "ajunta.wsgi", "-w", "2", "-b", f"127.0.0.1:{PORT}",
        "--timeout", "60",
    ], env, logs)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"gunicorn exited: see {logs / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2):
                return server
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SystemExit("gunicorn did not answer within 60 s")


def fixtures(url: str) -> list[dict[str, str]]:
    """A provider and two member towns that receive the registry, the helpdesk and the inventory,
    a clerk each with an API token, and each town's agent token."""
    setup_django(url)
    from rest_framework.authtoken.models import Token

    from ajunta.assets import services as assets_services
    from ajunta.core.models import Role, RoleAssignment, User
    from ajunta.tenants.models import Organization
    from ajunta.tenants.testing import give_modules, make_provider

    towns = []
    for slug, ine in (("alpha", "080018"), ("beta", "080023")):
        towns.append(Organization.objects.create(
            slug=slug, name=f"Ajuntament de {slug.title()}", kind="municipality",
            autonomous_community_code="09", province_code="08", ine_code=ine,
        ))  # fmt: skip
    provider = make_provider("consell", members=tuple(towns), autonomous_community_code="09")
    made = []
    for org in towns:
        give_modules(provider, org, ("registry", "helpdesk", "assets"))
        user = User.objects.create_user(
            username=f"clerk.{org.slug}", email=f"{org.slug}@example.org"
        )
        RoleAssignment.objects.create(organization=org, user=user, role=Role.MUNICIPAL_STAFF)
        _token, agent = assets_services.agent_token_rotate(org=org, actor=None)
        made.append({"slug": org.slug, "token": Token.objects.create(user=user).key,
                     "agent": agent})  # fmt: skip
    return made


MACHINES = 4  # machines per town, each inventoried by every thread in turn (concurrently)


class Clients:
    """Client threads filing, opening tickets and sending inventories until told to stop; a
    broken request is retried (with its Idempotency-Key where the API takes one)."""

    def __init__(self, accounts: list[dict[str, str]], count: int) -> None:
        self.accounts = accounts
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.filed: dict[str, str] = {}  # idempotency key -> entry number
        self.tickets: dict[str, str] = {}  # idempotency key -> ticket number
        self.inventoried: set[tuple[str, str]] = set()  # (town, device id) answered ok
        self.broken = 0  # requests that died with a killed worker (then retried)
        self.refused: list[str] = []  # anything else than 201/200 or a dropped connection
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(count)]

    def run(self, index: int) -> None:
        n = 0
        while not self.stop.is_set():
            account = self.accounts[(index + n) % len(self.accounts)]
            kind = (index + n) % 3
            if kind == 0:
                self.file_entry(account, index, n)
            elif kind == 1:
                self.open_ticket(account, index, n)
            else:
                self.inventory(account, n)
            n += 1

    def file_entry(self, account: dict[str, str], index: int, n: int) -> None:
        direction = "in" if n % 2 else "out"
        body = {"direction": direction, "channel": "electronic", "epigraph": "Instància",
                "summary": f"Sol·licitud {index}-{n}", "parties": [PARTY]}  # fmt: skip
        if direction == "out":
            body["addressee_name"] = "Diputació de Barcelona"
        key = str(uuid.uuid4())
        number = self.post(
            f"/api/v1/o/{account['slug']}/registry/entries/", body,
            {"Authorization": f"Token {account['token']}", "Idempotency-Key": key},
        )  # fmt: skip
        if number is not None:
            with self.lock:
                self.filed[key] = number

    def open_ticket(self, account: dict[str, str], index: int, n: int) -> None:
        body = {"title": f"La impressora no imprimeix ({index}-{n})",
                "description": "Des d'aquest matí no surt res.", "urgency": 1 + n % 5}  # fmt: skip
        key = str(uuid.uuid4())
        number = self.post(
            f"/api/v1/o/{account['slug']}/helpdesk/tickets/", body,
            {"Authorization": f"Token {account['token']}", "Idempotency-Key": key},
        )  # fmt: skip
        if number is not None:
            with self.lock:
                self.tickets[key] = number

    def inventory(self, account: dict[str, str], n: int) -> None:
        from ajunta.assets import samples

        machine = n % MACHINES
        device = f"PC-{account['slug'].upper()}-{machine}-2026-01-01-10-00-00"
        document = samples.windows_10(
            deviceid=device, name=f"PC-{machine}", serial=f"FAULT{machine:04d}{account['slug']}",
            uuid=f"{machine:08x}-fault-4000-8000-{account['slug']:0>12}",
        )  # fmt: skip
        document["content"].setdefault("softwares", []).append(
            {"name": "AutoFirma", "version": f"1.8.{n % 3}", "publisher": "Gobierno de España"}
        )
        answer = self.post(
            f"/o/{account['slug']}/assets/agent/", document,
            {"Authorization": f"Bearer {account['agent']}"}, key="status",
        )  # fmt: skip
        if answer == "ok":
            with self.lock:
                self.inventoried.add((account["slug"], device))

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str],
             key: str = "number") -> str | None:  # fmt: skip
        """POST until an answer (retrying what a killed worker broke); `key` of the JSON answer."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}{path}", data=json.dumps(body).encode(), method="POST",
            headers={**headers, "Content-Type": "application/json", "Accept-Language": "en"},
        )  # fmt: skip
        for _attempt in range(20):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    return str(json.loads(response.read())[key])
            except urllib.error.HTTPError as exc:
                if exc.code in (502, 503, 504):  # the worker died under the request
                    with self.lock:
                        self.broken += 1
                    time.sleep(0.2)
                    continue
                with self.lock:
                    self.refused.append(f"{path} {exc.code} {exc.read()[:200]!r}")
                return None
            except (urllib.error.URLError, http.client.HTTPException, ConnectionError,
                    TimeoutError, OSError):  # fmt: skip
                # A worker killed mid-answer: no answer, or half of one (IncompleteRead).
                with self.lock:
                    self.broken += 1
                time.sleep(0.2)
        with self.lock:
            self.refused.append(f"gave up on {path}")
        return None


def scalar(url: str, sql: str, params: list[Any] | None = None) -> Any:
    with connect(url) as conn:
        row = conn.execute(sql, params or []).fetchone()  # type: ignore[arg-type]
    return row[0] if row else None


def receipts_issued(url: str) -> int:
    return int(
        scalar(url, "SELECT count(*) FROM registry_registryentry WHERE receipt_id IS NOT NULL")
    )


def wait_for_receipts(url: str, *, above: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while receipts_issued(url) <= above and time.monotonic() < deadline:
        time.sleep(0.2)


def sweep(env: dict[str, str]) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", "sweep_pending", "--grace", "0", "--skip-checks"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"sweep_pending failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def checks(url: str, clients: Clients) -> dict[str, Any]:
    """Every entry with its receipt and exactly one create and one receipt audit event; numbers
    1..n per organization, book and year, the counter at n; every filing a client saw exists."""
    entry_events = """
        SELECT count(*) FROM registry_registryentry e WHERE (
            SELECT count(*) FROM core_auditevent a WHERE a.object_type = 'registry.registryentry'
            AND a.object_id = e.id::text AND a.action = %s) <> 1"""
    books = """
        SELECT count(*) FROM (
            SELECT e.organization_id, e.direction, e.year, count(*) AS n, min(e.sequence) AS lo,
                   max(e.sequence) AS hi, max(c.last_value) AS counter
            FROM registry_registryentry e JOIN core_counter c
              ON c.organization_id = e.organization_id AND c.year = e.year
             AND c.series = 'registry.' || e.direction
            GROUP BY e.organization_id, e.direction, e.year) books"""
    gaps = """
        SELECT count(*) FROM (
            SELECT e.organization_id, e.direction, e.year, count(*) AS n, min(e.sequence) AS lo,
                   max(e.sequence) AS hi, max(c.last_value) AS counter
            FROM registry_registryentry e JOIN core_counter c
              ON c.organization_id = e.organization_id AND c.year = e.year
             AND c.series = 'registry.' || e.direction
            GROUP BY e.organization_id, e.direction, e.year) books
        WHERE n <> hi OR lo <> 1 OR counter <> hi"""
    with connect(url) as conn:
        numbers = {row[0] for row in conn.execute("SELECT number FROM registry_registryentry")}
    return {
        "entries": scalar(url, "SELECT count(*) FROM registry_registryentry"),
        "without_receipt": scalar(
            url, "SELECT count(*) FROM registry_registryentry WHERE receipt_id IS NULL"
        ),
        "create_event_not_once": scalar(url, entry_events, ["registry.entry.create"]),
        "receipt_event_not_once": scalar(url, entry_events, ["registry.entry.receipt"]),
        "books": scalar(url, books),  # (organization, book, year) series checked for gaps
        "books_with_gaps": scalar(url, gaps),
        "duplicate_keys": scalar(
            url,
            """SELECT count(*) FROM (SELECT idempotency_key
            FROM registry_registryentry WHERE idempotency_key <> ''
            GROUP BY organization_id, created_by_id, idempotency_key HAVING count(*) > 1) d""",
        ),
        "client_filings_missing": len(set(clients.filed.values()) - numbers),
        **ticket_checks(url, clients),
        **inventory_checks(url, clients),
    }


def ticket_checks(url: str, clients: Clients) -> dict[str, Any]:
    """Every ticket with exactly one create audit event; the provider's series 1..n a year with
    its counter at n; a retried request never opened a second ticket; every ticket a client saw
    exists."""
    with connect(url) as conn:
        numbers = {row[0] for row in conn.execute("SELECT number FROM helpdesk_ticket")}
    return {
        "tickets": scalar(url, "SELECT count(*) FROM helpdesk_ticket"),
        "ticket_event_not_once": scalar(
            url,
            """
            SELECT count(*) FROM helpdesk_ticket t WHERE (
                SELECT count(*) FROM core_auditevent a WHERE a.object_type = 'helpdesk.ticket'
                AND a.object_id = t.id::text AND a.action = 'helpdesk.ticket.create') <> 1""",
        ),
        "ticket_series_with_gaps": scalar(
            url,
            """
            SELECT count(*) FROM (
                SELECT t.provider_id, t.year, count(*) AS n, min(t.sequence) AS lo,
                       max(t.sequence) AS hi, max(c.last_value) AS counter
                FROM helpdesk_ticket t JOIN core_counter c ON c.organization_id = t.provider_id
                 AND c.year = t.year AND c.series = 'helpdesk.ticket'
                GROUP BY t.provider_id, t.year) s
            WHERE n <> hi OR lo <> 1 OR counter <> hi""",
        ),
        "tickets_opened_twice": scalar(
            url,
            """
            SELECT count(*) FROM (SELECT title FROM helpdesk_ticket
            GROUP BY organization_id, title HAVING count(*) > 1) d""",
        ),
        "client_tickets_missing": len(set(clients.tickets.values()) - numbers),
    }


def inventory_checks(url: str, clients: Clients) -> dict[str, Any]:
    """One asset per inventoried machine, each with its software listed once, an audit event for
    every asset, and every machine whose inventory a client saw accepted is there."""
    with connect(url) as conn:
        devices = {
            (slug, device) for slug, device in conn.execute(
                "SELECT o.slug, a.device_id FROM assets_asset a JOIN tenants_organization o "
                "ON o.id = a.organization_id WHERE a.device_id <> ''"
            )
        }  # fmt: skip
    return {
        "inventoried_assets": len(devices),
        "assets_duplicated": scalar(
            url,
            """
            SELECT count(*) FROM (SELECT organization_id, device_id FROM assets_asset
            WHERE device_id <> '' GROUP BY 1, 2 HAVING count(*) > 1) d""",
        ),
        "software_rows_duplicated": scalar(
            url,
            """
            SELECT count(*) FROM (SELECT asset_id, name, version FROM assets_installedsoftware
            GROUP BY 1, 2, 3 HAVING count(*) > 1) d""",
        ),
        "assets_without_audit_event": scalar(
            url,
            """
            SELECT count(*) FROM assets_asset a WHERE NOT EXISTS (
                SELECT 1 FROM core_auditevent e WHERE e.object_type = 'assets.asset'
                AND e.object_id = a.id::text)""",
        ),
        "client_machines_missing": len(clients.inventoried - devices),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="how long the clerks file")
    parser.add_argument("--clients", type=int, default=4, help="client threads")
    parser.add_argument("--kill-every", type=float, default=5, help="seconds between kills")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    url = bench_database_url()
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        raise SystemExit(f"No Redis at {REDIS_URL}: {exc}") from exc
    recreate_database(url, log=log)
    accounts = fixtures(url)
    work = Path(tempfile.mkdtemp(prefix="ajunta-fault-"))
    env = app_env(url, CELERY_BROKER_URL=REDIS_URL, MEDIA_ROOT=str(work / "media"),
                  SEAL_DIR=str(work / "seals"), SWEEP_GRACE_SECONDS="600", PYTHONUNBUFFERED="1")  # fmt: skip
    log(f"logs and files in {work}")
    web, worker = gunicorn(env, work), celery(env, work)
    clients = Clients(accounts, args.clients)
    kills = {"celery": 0, "gunicorn": 0}
    started = time.monotonic()
    try:
        for thread in clients.threads:
            thread.start()
        turn, issued = 0, 0
        while time.monotonic() - started < args.seconds:
            time.sleep(args.kill_every)
            if turn % 2 == 0:
                # Kill it at work: once it has issued a receipt since it started (or 30 s on).
                wait_for_receipts(url, above=issued, timeout=30)
                issued = receipts_issued(url)
                worker.kill_group()  # the worker and its pool, mid-task
                kills["celery"] += 1
                worker = celery(env, work)
            else:
                children = web.children()
                if children:
                    os.kill(children[turn % len(children)], signal.SIGKILL)
                    kills["gunicorn"] += 1
            turn += 1
        # The last worker dies too and the queue is lost: some receipts are surely left undone.
        worker.kill_group()
        kills["celery"] += 1
        time.sleep(1)
        clients.stop.set()
        for thread in clients.threads:
            thread.join(timeout=120)
        redis.Redis.from_url(REDIS_URL).flushdb()
    finally:
        clients.stop.set()
        web.stop()
        if worker.process.poll() is None:
            worker.kill_group()
    pending = scalar(url, "SELECT count(*) FROM registry_registryentry WHERE receipt_id IS NULL")
    first, second = sweep(env), sweep(env)
    after = checks(url, clients)
    again = checks(url, clients)
    verify = subprocess.run(
        [PYTHON, "manage.py", "audit_verify", "--skip-checks"], cwd=ROOT, env=env,
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    report = {
        "seconds": args.seconds, "clients": args.clients, "kills": kills,
        "filed_by_clients": len(clients.filed), "tickets_by_clients": len(clients.tickets),
        "machines_by_clients": len(clients.inventoried),
        "requests_broken_and_retried": clients.broken,
        "refused": clients.refused[:5], "receipts_pending_before_sweep": pending,
        "receipts_issued_by_workers": after["entries"] - pending,
        "sweep_first": first, "sweep_second": second, **after,
        "audit_verify_ok": verify.returncode == 0,
    }  # fmt: skip
    log(json.dumps(report, indent=2, ensure_ascii=False))
    failures = [
        name for name in ("without_receipt", "create_event_not_once", "receipt_event_not_once",
                          "books_with_gaps", "duplicate_keys", "client_filings_missing",
                          "ticket_event_not_once", "ticket_series_with_gaps",
                          "tickets_opened_twice", "client_tickets_missing", "assets_duplicated",
                          "software_rows_duplicated", "assets_without_audit_event",
                          "client_machines_missing")
        if after[name]
    ]  # fmt: skip
    if after != again:
        failures.append("the second sweep changed something")
    if any(": 0 finished" not in line for line in second.splitlines()):
        failures.append("the second sweep found work")
    if not pending:
        failures.append("no receipt was pending before the sweep: the faults proved nothing")
    if clients.refused:
        failures.append("some requests were refused")
    if verify.returncode != 0:
        failures.append(f"audit_verify: {verify.stdout[-500:]}")
    if after["books"] < 2:  # two towns, both books: the gap check must have had rows
        failures.append("the gap check found no numbered series")
    if not after["entries"]:
        failures.append("nothing was filed")
    if not after["tickets"]:
        failures.append("no ticket was opened")
    if not after["inventoried_assets"]:
        failures.append("no inventory was taken in")
    if not args.keep:
        with connect(maintenance_url(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
    log("FAULT TEST " + ("FAILED: " + "; ".join(failures) if failures else "PASSED"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
