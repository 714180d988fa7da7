"""The load driver: asyncio + aiohttp against gunicorn on loopback, fixed duration and concurrency,
a bounded number of requests; plus the plain-SQL counter ceiling (psycopg, N connections).

Each scenario keeps `concurrency` requests in flight for `warmup + duration` seconds or until it
has sent `max_requests`, whichever comes first; only requests started after the warm-up count.
Throughput is successful responses per second of the measured window.

The client is aiohttp, not httpx: both are asyncio HTTP clients, but aiohttp's parser is C and
on these two cores the client shares the CPU with the server it measures. Against the bare view
httpx spent 0.52 s of CPU per second driving it, aiohttp a fraction of that (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import psutil

from benches.common import connect


@dataclass
class Call:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    cookies: dict[str, str] | None = None


@dataclass
class Scenario:
    name: str
    description: str
    make: Callable[[int], Call]
    ok: frozenset[int] = frozenset({200})
    kind: str = "read"  # read | write | ceiling
    target: str = ""  # what it is measured against in docs/performance.md


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(pct / 100 * len(sorted_values) + 0.5 - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(latencies: list[float], ok: int, errors: Counter, elapsed: float) -> dict[str, Any]:
    values = sorted(latencies)
    return {
        "requests": ok + sum(errors.values()),
        "ok": ok,
        "errors": dict(errors),
        "seconds": round(elapsed, 2),
        "throughput": round(ok / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(percentile(values, 50) * 1000, 1),
        "p95_ms": round(percentile(values, 95) * 1000, 1),
        "p99_ms": round(percentile(values, 99) * 1000, 1),
        "max_ms": round(values[-1] * 1000, 1) if values else 0.0,
    }


def _headers(call: Call) -> dict[str, str]:
    headers = dict(call.headers)
    if call.cookies:  # a fixed session cookie per call: no cookie jar to keep in step
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in call.cookies.items())
    return headers


async def send(
    client: aiohttp.ClientSession, call: Call, ok: frozenset[int]
) -> tuple[int | str, str]:
    """One request, its body read whole; (status, the start of the body when not ok)."""
    try:
        async with client.request(
            call.method, call.url, headers=_headers(call), json=call.json
        ) as response:
            body = await response.read()
            status = response.status
    except (TimeoutError, aiohttp.ClientError) as exc:
        return type(exc).__name__, str(exc)[:300]
    return status, "" if status in ok else body[:300].decode(errors="replace")


async def _drive(
    base_url: str,
    scenario: Scenario,
    *,
    concurrency: int,
    duration: float,
    warmup: float,
    max_requests: int,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors: Counter = Counter()
    samples: dict[str, str] = {}
    ok = 0
    all_ok = 0
    sent = 0
    started = time.perf_counter()
    measure_from = started + warmup
    stop_at = measure_from + duration
    last_end = measure_from
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    timeout = aiohttp.ClientTimeout(total=60.0)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as client:

        async def worker() -> None:
            nonlocal ok, all_ok, sent, last_end
            while True:
                now = time.perf_counter()
                if now >= stop_at or sent >= max_requests:
                    return
                index = sent
                sent += 1
                call = scenario.make(index)
                began = time.perf_counter()
                status, body = await send(client, call, scenario.ok)
                ended = time.perf_counter()
                if status in scenario.ok:
                    all_ok += 1  # warm-up included: every 201 of a write registered an entry
                if began < measure_from:
                    continue
                last_end = max(last_end, ended)
                if status in scenario.ok:
                    ok += 1
                    latencies.append(ended - began)
                else:
                    errors[str(status)] += 1
                    samples.setdefault(str(status), body)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = max(last_end - measure_from, 1e-6)
    result = summarize(latencies, ok, errors, elapsed)
    result["all_ok"] = all_ok
    if samples:
        result["error_samples"] = samples
    return result


def run_scenario(
    base_url: str,
    scenario: Scenario,
    *,
    concurrency: int,
    duration: float,
    warmup: float,
    max_requests: int,
    watch: RssWatch | None = None,
) -> dict[str, Any]:
    me = psutil.Process()
    cpu_before = me.cpu_times()
    if watch:
        watch.reset()
    result = asyncio.run(
        _drive(
            base_url, scenario, concurrency=concurrency, duration=duration, warmup=warmup,
            max_requests=max_requests,
        )
    )  # fmt: skip
    cpu_after = me.cpu_times()
    client_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    result.update(
        name=scenario.name,
        description=scenario.description,
        kind=scenario.kind,
        concurrency=concurrency,
        client_cpu_s=round(client_cpu, 1),
    )
    if watch:
        result["worker_rss_mb_max"] = watch.peak_mb()
    return result


def prewarm(base_url: str, scenario: Scenario, requests: int) -> int:
    """Send `requests` calls, `concurrency` 3, so every worker has imported what the scenario needs.

    Returns how many succeeded (for writes: entries registered outside the measurement).
    """

    async def go() -> int:
        ok = 0
        timeout = aiohttp.ClientTimeout(total=120.0)
        async with aiohttp.ClientSession(base_url, timeout=timeout) as client:

            async def one(index: int) -> None:
                nonlocal ok
                status, _body = await send(client, scenario.make(10**6 + index), scenario.ok)
                ok += status in scenario.ok

            for start in range(0, requests, 3):
                await asyncio.gather(*(one(i) for i in range(start, min(start + 3, requests))))
        return ok

    return asyncio.run(go())


# --- the gap-free counter in plain SQL ------------------------------------------------------------
CEILING_SERIES = "bench.ceiling"


def counter_ceiling(
    url: str,
    org_ids: list[int],
    *,
    name: str,
    description: str,
    connections: int,
    duration: float,
    warmup: float = 1.0,
) -> dict[str, Any]:
    """BEGIN; UPDATE core_counter ... RETURNING; COMMIT, from `connections` threads.

    Uses its own series (bench.ceiling), created before and removed after, so the registry's
    counters are untouched.
    """
    year = 2000
    with connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM core_counter WHERE series = %s", [CEILING_SERIES])
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO core_counter (series, year, last_value, organization_id) "
                "VALUES (%s, %s, 0, %s)",
                [(CEILING_SERIES, year, org_id) for org_id in org_ids],
            )
    started = time.perf_counter()
    measure_from = started + warmup
    stop_at = measure_from + duration
    lock = threading.Lock()
    latencies: list[float] = []
    errors: Counter = Counter()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        with connect(url) as conn:
            while (now := time.perf_counter()) < stop_at:
                org_id = rng.choice(org_ids)
                try:
                    with conn.transaction():
                        conn.execute(
                            "UPDATE core_counter SET last_value = last_value + 1 "
                            "WHERE organization_id = %s AND series = %s AND year = %s "
                            "RETURNING last_value",
                            [org_id, CEILING_SERIES, year],
                        ).fetchone()
                except Exception as exc:
                    with lock:
                        errors[type(exc).__name__] += 1
                    continue
                if now >= measure_from:
                    mine.append(time.perf_counter() - now)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with connect(url, autocommit=True) as conn:
        handed_out = conn.execute(
            "SELECT COALESCE(SUM(last_value), 0) FROM core_counter WHERE series = %s",
            [CEILING_SERIES],
        ).fetchone()[0]  # type: ignore[index]
        conn.execute("DELETE FROM core_counter WHERE series = %s", [CEILING_SERIES])
    result = summarize(latencies, len(latencies), errors, duration)
    result.update(
        name=name,
        description=description,
        kind="ceiling",
        concurrency=connections,
        numbers_handed_out=handed_out,
    )
    return result


# --- memory of the gunicorn workers ---------------------------------------------------------------
class RssWatch:
    """Samples the RSS of a gunicorn master's workers every `interval` seconds (psutil)."""

    def __init__(self, master_pid: int, interval: float = 0.5) -> None:
        self.master = psutil.Process(master_pid)
        self.interval = interval
        self.peak = 0
        self.overall_peak = 0
        self.per_worker: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> RssWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> None:
        self.peak = 0

    def peak_mb(self) -> float:
        return round(self.peak / 2**20, 1)

    def sample(self) -> None:
        try:
            workers = self.master.children()
        except psutil.Error:
            return
        for worker in workers:
            try:
                rss = worker.memory_info().rss
            except psutil.Error:
                continue
            self.peak = max(self.peak, rss)
            self.overall_peak = max(self.overall_peak, rss)
            self.per_worker[worker.pid] = max(self.per_worker.get(worker.pid, 0), rss)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def report(self) -> dict[str, Any]:
        self.sample()
        return {
            "max_rss_mb_any_worker": round(self.overall_peak / 2**20, 1),
            "per_worker_max_rss_mb": sorted(round(v / 2**20, 1) for v in self.per_worker.values()),
        }
