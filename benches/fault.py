"""Fault test: kill -9 the Celery worker and gunicorn workers while clerks file, then run the sweep
and prove that every entry has its receipt and its audit events, with no gap in the numbering.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ajunta_bench_fault \\
        .venv/bin/python -m benches.fault [--seconds 30] [--clients 4] [--keep]

Needs PostgreSQL and Redis (FAULT_REDIS_URL, default redis://127.0.0.1:6379/12, emptied first);
not part of `make test` (pytest collects only ajunta/), run by `.ci/run`. It recreates the
database (an ajunta_bench* one only), starts gunicorn (2 workers) and a Celery worker on Redis,
files entries through the API from a few client threads (each retrying a broken request with its
Idempotency-Key, as a client would), and meanwhile SIGKILLs the Celery worker's whole process group
(then starts a new one) and single gunicorn workers (their master starts new ones). At the end the
worker is killed once more and the broker emptied, so that some receipts are surely lost; then
`manage.py sweep_pending --grace 0` runs twice. Exit status 1 when any check fails.
"""

from __future__ import annotations

import argparse
import contextlib
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


def fixtures(url: str) -> list[tuple[str, str]]:
    """Two member towns, a clerk each with an API token: [(slug, token)]."""
    setup_django(url)
    from rest_framework.authtoken.models import Token

    from ajunta.core.models import Role, RoleAssignment, User
    from ajunta.tenants.models import Organization

    made = []
    for slug, ine in (("alpha", "080011"), ("beta", "080022")):
        org = Organization.objects.create(
            slug=slug, name=f"Ajuntament de {slug.title()}", kind="municipality",
            autonomous_community_code="09", province_code="08", ine_code=ine,
        )  # fmt: skip
        user = User.objects.create_user(username=f"clerk.{slug}", email=f"{slug}@example.org")
        RoleAssignment.objects.create(organization=org, user=user, role=Role.MUNICIPAL_STAFF)
        made.append((slug, Token.objects.create(user=user).key))
    return made


class Clients:
    """Client threads filing until told to stop; a broken request is retried with its key."""

    def __init__(self, accounts: list[tuple[str, str]], count: int) -> None:
        self.accounts = accounts
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.filed: dict[str, str] = {}  # idempotency key -> entry number
        self.broken = 0  # requests that died with a killed worker (then retried)
        self.refused: list[str] = []  # anything else than 201/200 or a dropped connection
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(count)]

    def run(self, index: int) -> None:
        n = 0
        while not self.stop.is_set():
            slug, token = self.accounts[(index + n) % len(self.accounts)]
            direction = "in" if n % 3 else "out"
            body = {"direction": direction, "channel": "electronic", "epigraph": "Instància",
                    "summary": f"Sol·licitud {index}-{n}", "parties": [PARTY]}  # fmt: skip
            if direction == "out":
                body["addressee_name"] = "Diputació de Barcelona"
            self.file(slug, token, body, str(uuid.uuid4()))
            n += 1

    def file(self, slug: str, token: str, body: dict[str, Any], key: str) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}/api/v1/o/{slug}/registry/entries/",
            data=json.dumps(body).encode(), method="POST",
            headers={"Authorization": f"Token {token}", "Content-Type": "application/json",
                     "Idempotency-Key": key, "Accept-Language": "en"},
        )  # fmt: skip
        for _attempt in range(20):
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    number = json.loads(response.read())["number"]
                with self.lock:
                    self.filed[key] = number
                return
            except urllib.error.HTTPError as exc:
                if exc.code in (502, 503, 504):  # the worker died under the request
                    with self.lock:
                        self.broken += 1
                    time.sleep(0.2)
                    continue
                with self.lock:
                    self.refused.append(f"{exc.code} {exc.read()[:200]!r}")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                with self.lock:
                    self.broken += 1
                time.sleep(0.2)
        with self.lock:
            self.refused.append(f"gave up on {key}")


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
        "filed_by_clients": len(clients.filed), "requests_broken_and_retried": clients.broken,
        "refused": clients.refused[:5], "receipts_pending_before_sweep": pending,
        "receipts_issued_by_workers": after["entries"] - pending,
        "sweep_first": first, "sweep_second": second, **after,
        "audit_verify_ok": verify.returncode == 0,
    }  # fmt: skip
    log(json.dumps(report, indent=2, ensure_ascii=False))
    failures = [
        name for name in ("without_receipt", "create_event_not_once", "receipt_event_not_once",
                          "books_with_gaps", "duplicate_keys", "client_filings_missing")
        if after[name]
    ]  # fmt: skip
    if after != again:
        failures.append("the second sweep changed something")
    if any(": 0 finished" not in line for line in second.splitlines()):
        failures.append("the second sweep found work")
    if not pending:
        failures.append("no receipt was pending before the sweep: the faults proved nothing")
    if clients.refused:
        failures.append("some filings were refused")
    if verify.returncode != 0:
        failures.append(f"audit_verify: {verify.stdout[-500:]}")
    if after["books"] < 2:  # two towns, both books: the gap check must have had rows
        failures.append("the gap check found no numbered series")
    if not after["entries"]:
        failures.append("nothing was filed")
    if not args.keep:
        with connect(maintenance_url(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
    log("FAULT TEST " + ("FAILED: " + "; ".join(failures) if failures else "PASSED"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
