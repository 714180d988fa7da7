"""What the benchmark scripts share: the bench database (never the developer's), scales, Django setup.

Every script refuses a database whose name does not start with `ajunta_bench`, so a benchmark can
never write to the developer's database or to another engineer's `test_*` database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ROOT / "benches"
RESULTS = BENCHES / "results"
PYTHON = sys.executable
BENCH_DB_PREFIX = "ajunta_bench"
DEFAULT_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB_PREFIX}"


@dataclass(frozen=True)
class Scale:
    name: str
    organizations: int
    entries: int
    tickets: int
    assets: int
    cases: int
    duration: float  # seconds each HTTP scenario runs (after its warm-up)
    max_requests: int  # the most requests one scenario sends, whatever the duration
    alone_seconds: float  # each read scenario again at concurrency 1 (its unloaded latency)


SCALES = {
    # `make bench`: end to end in a few minutes.
    "S": Scale(
        "S",
        organizations=50,
        entries=50_000,
        tickets=15_000,
        assets=5_000,
        cases=25_000,
        duration=15,
        max_requests=6_000,
        alone_seconds=3,
    ),
    # `make bench SCALE=L`: the scale the targets are set for.
    "L": Scale(
        "L",
        organizations=1_000,
        entries=1_000_000,
        tickets=300_000,
        assets=100_000,
        cases=500_000,
        duration=30,
        max_requests=20_000,
        alone_seconds=5,
    ),
}


def bench_database_url() -> str:
    """BENCH_DATABASE_URL or the default; refused unless the database is an ajunta_bench one."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    name = database_name(url)
    if not name.startswith(BENCH_DB_PREFIX):
        raise SystemExit(
            f"Refusing database {name!r}: benchmarks run only against a dedicated "
            f"{BENCH_DB_PREFIX}* database (set BENCH_DATABASE_URL)."
        )
    return url


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def maintenance_url(url: str) -> str:
    """The same server's `postgres` database, to drop and create the bench one."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres"))


def connect(url: str, **kwargs: object) -> psycopg.Connection:
    return psycopg.connect(url, **kwargs)  # type: ignore[arg-type]


BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


def redis_urls() -> dict[str, str] | None:
    """The cache and broker URLs of the production set-up (docs/operations.md), on the Redis of
    BENCH_REDIS_URL (database 14 for the cache, the next one for the broker), emptied first; None
    when no Redis answers there, and the run measures the no-broker set-up instead."""
    import redis

    parts = urlsplit(BENCH_REDIS_URL)
    number = int(parts.path.lstrip("/") or 0)
    broker = urlunsplit(parts._replace(path=f"/{number + 1}"))
    try:
        for url in (BENCH_REDIS_URL, broker):
            redis.Redis.from_url(url, socket_connect_timeout=1).flushdb()
    except redis.RedisError:
        return None
    return {"REDIS_URL": BENCH_REDIS_URL, "CELERY_BROKER_URL": broker}


def app_env(url: str, **extra: str) -> dict[str, str]:
    """The environment the app runs with against the bench database."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        DEBUG="0",
        LOG_LEVEL="WARNING",
        # As in production (docs/operations.md): one PostgreSQL connection per worker, reused.
        # Without it every request opens a connection: the bare-view ceiling fell to 97 req/s.
        DB_CONN_MAX_AGE="60",
        # E-mails are built and handed to a backend that drops them: the console one printed
        # thousands into the logs and the analysis's output, the memory one would keep them all.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
    )
    env.update(extra)
    return env


def setup_django(url: str) -> None:
    """Configure Django in this process against the bench database (for the generator's helpers)."""
    os.environ.update(app_env(url))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ajunta.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def recreate_database(url: str, *, log: object = print) -> float:
    """Drop and create the bench database, then migrate it. Returns the seconds it took."""
    started = time.perf_counter()
    name = database_name(url)
    with connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    # --skip-checks: the bench needs the schema, not the URL checks of pages other people edit.
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=app_env(url, DEBUG="1"),
        check=True,
    )
    seconds = time.perf_counter() - started
    log(f"  database {name} recreated and migrated in {seconds:.1f} s")  # type: ignore[operator]
    return seconds


def collect_static(url: str) -> None:
    """collectstatic into STATIC_ROOT (the environment's): pages need its manifest with DEBUG off."""
    subprocess.run(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "--skip-checks", "-v", "0"],
        cwd=ROOT,
        env=app_env(url),
        check=True,
    )
