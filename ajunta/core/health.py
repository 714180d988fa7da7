"""Liveness and readiness probes for load balancers and orchestrators (docs/operations.md, Health).

`/healthz` says the process answers: it touches nothing, so a slow database never gets a healthy
app server restarted. `/readyz` says the process can serve: the database answers, the migrations on
disk are applied, the cache, the broker and the file storage are reachable. Each check runs in a
thread of its own under READYZ_TIMEOUT_SECONDS: a database that accepts the connection and never
answers makes the probe fail in time instead of hanging it. The answer names each check and how it
went, so the operator reads which one failed; it carries no data and no addresses.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from ajunta.core.views import public


class NotReady(Exception):
    """A check that reached its service and did not like the answer; the message is shown."""


# Once the migrations on disk were seen applied they stay applied for this process's life: the
# graph is loaded once, not at every probe.
_migrations_applied = False


def check_database() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise NotReady(f"{len(plan)} migration(s) not applied")
    _migrations_applied = True


def check_cache() -> None:
    key = "ajunta:readyz"
    value = str(time.monotonic_ns())
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise NotReady("the cache did not keep a value")


def check_broker() -> None:
    if not settings.CELERY_BROKER_URL:
        return  # no broker: tasks run in-process (settings), nothing to reach
    from kombu import Connection

    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=settings.READYZ_TIMEOUT_SECONDS
    ) as broker:
        broker.ensure_connection(max_retries=1)


def check_storage() -> None:
    from django.core.files.storage import default_storage

    # A HEAD on S3, a stat on disk: the name never exists, the question is whether anyone answers.
    default_storage.exists("readyz-probe")


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
}


def run_check(check: Callable[[], None], timeout: float) -> str:
    """'ok', 'timeout' or the exception's class name (its message may carry addresses)."""
    outcome: list[str] = []

    def target() -> None:
        try:
            check()
            outcome.append("ok")
        except NotReady as error:
            outcome.append(f"failed: {error}")
        except Exception as error:
            outcome.append(f"error: {type(error).__name__}")
        finally:
            # The thread opened its own database connection: never leave it behind.
            connections.close_all()

    # A daemon thread: one stuck in a socket read neither blocks the answer nor the process's exit.
    worker = threading.Thread(target=target, name="readyz", daemon=True)
    worker.start()
    worker.join(timeout)
    return outcome[0] if outcome else "timeout"


def readiness(timeout: float | None = None) -> tuple[bool, dict[str, str]]:
    limit = settings.READYZ_TIMEOUT_SECONDS if timeout is None else timeout
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "skipped"  # no database, nothing to ask it
            continue
        results[name] = run_check(check, limit)
    return all(value in ("ok", "skipped") for value in results.values()) and results[
        "database"
    ] == "ok", results


@public("load balancer probe: says the process answers; reads nothing")
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@public("orchestrator probe: names the checks and whether they passed; no data, no addresses")
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    ready, results = readiness()
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )
