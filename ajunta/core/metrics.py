"""Prometheus metrics at /metrics (docs/operations.md, Metrics).

What is measured:

- every request: `ajunta_http_requests_total{view,method,status}`, its latency
  (`ajunta_http_request_duration_seconds{view}`) and its database queries
  (`ajunta_db_queries_total{view}`, `ajunta_http_request_db_queries{view}`);
- every Celery task: `ajunta_celery_tasks_total{task,state}` and its duration; the broker's queue
  length read at scrape time (`ajunta_celery_queue_length{queue}`, Redis brokers);
- the business, read at scrape time and kept METRICS_CACHE_SECONDS in the cache so that a scrape
  every 15 s costs four counts a minute: entries filed, tickets open, SLA breaches, inventories
  received in the last day.

Who may read it: with METRICS_TOKEN set, whoever sends `Authorization: Bearer <token>`; without
it, only a client at an internal address (METRICS_ALLOWED_NETWORKS) talking to the app server
directly: a request that came through the reverse proxy (X-Forwarded-For) is refused, because
behind the proxy every client would otherwise look internal.

Several processes (gunicorn workers, Celery workers) share their figures when
PROMETHEUS_MULTIPROC_DIR names a directory they all write (prometheus_client's multiprocess mode);
without it each process reports its own.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from ajunta.core.views import public

logger = logging.getLogger(__name__)

REQUESTS = Counter("ajunta_http_requests", "HTTP requests answered", ["view", "method", "status"])
LATENCY = Histogram(
    "ajunta_http_request_duration_seconds",
    "Time to answer a request",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DB_QUERIES = Counter("ajunta_db_queries", "Database queries made by requests", ["view"])
DB_QUERIES_PER_REQUEST = Histogram(
    "ajunta_http_request_db_queries",
    "Database queries per request",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200),
)
TASKS = Counter("ajunta_celery_tasks", "Celery tasks run, by outcome", ["task", "state"])
TASK_DURATION = Histogram(
    "ajunta_celery_task_duration_seconds",
    "Time a Celery task ran",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
)


def view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    # The URL's name, never its path: one series per view, however many organizations and ids.
    return (match.view_name or match._func_path) if match else "unresolved"


class MetricsMiddleware:
    """First in MIDDLEWARE but for the request id: times and counts everything after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        queries = 0

        def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connections["default"].execute_wrapper(count):
            response = self.get_response(request)
        elapsed = time.perf_counter() - started
        view = view_label(request)
        REQUESTS.labels(view, request.method or "", str(response.status_code)).inc()
        LATENCY.labels(view).observe(elapsed)
        DB_QUERIES.labels(view).inc(queries)
        DB_QUERIES_PER_REQUEST.labels(view).observe(queries)
        return response


# --- Celery tasks -------------------------------------------------------------------------------
_task_started: dict[str, float] = {}


def task_prerun(task_id: str = "", **_: Any) -> None:
    _task_started[task_id] = time.perf_counter()


def task_postrun(task_id: str = "", task: Any = None, state: str | None = None, **_: Any) -> None:
    name = getattr(task, "name", "unknown")
    started = _task_started.pop(task_id, None)
    if started is not None:
        TASK_DURATION.labels(name).observe(time.perf_counter() - started)
    TASKS.labels(name, (state or "UNKNOWN").lower()).inc()


def worker_metrics_serve(**_: Any) -> Any:
    """worker_init: with CELERY_METRICS_PORT, the worker answers Prometheus on that port (its
    tasks and queue length; the business figures are the web's). With PROMETHEUS_MULTIPROC_DIR
    the prefork children's task counts are added up."""
    port = settings.CELERY_METRICS_PORT
    if not port:
        return None
    from prometheus_client import start_http_server

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRegistry())
    registry.register(QueueCollector())
    server, _thread = start_http_server(
        port, addr=settings.CELERY_METRICS_ADDRESS, registry=registry
    )
    return server


def connect_celery_signals() -> None:
    from celery import signals

    signals.task_prerun.connect(task_prerun, weak=False)
    signals.task_postrun.connect(task_postrun, weak=False)
    signals.worker_init.connect(worker_metrics_serve, weak=False)


# --- read at scrape time ----------------------------------------------------------------------------
def business_figures() -> dict[str, float]:
    """Four counts, kept METRICS_CACHE_SECONDS so that frequent scrapes stay cheap."""
    key = "ajunta:metrics:business"
    figures = cache.get(key)
    if figures is None:
        from ajunta.assets.models import Asset
        from ajunta.helpdesk.models import OPEN_STATUSES, SlaBreach, Ticket
        from ajunta.registry.models import RegistryEntry

        day_ago = timezone.now() - timedelta(days=1)
        figures = {
            "entries": RegistryEntry.objects.count(),
            "tickets_open": Ticket.objects.filter(status__in=OPEN_STATUSES).count(),
            "sla_breaches": SlaBreach.objects.count(),
            "inventories_last_day": Asset.objects.filter(last_inventory_at__gte=day_ago).count(),
        }
        cache.set(key, figures, settings.METRICS_CACHE_SECONDS)
    return figures


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each queue; Redis brokers only (a list per queue)."""
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    queues = [settings.CELERY_TASK_DEFAULT_QUEUE]
    client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
    try:
        return {queue: int(client.llen(queue)) for queue in queues}  # type: ignore[arg-type]
    finally:
        client.close()


class QueueCollector(Collector):
    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            lengths = queue_lengths()
        except Exception:
            logger.warning("metrics: the broker's queues could not be read")
            lengths = {}
        family = GaugeMetricFamily(
            "ajunta_celery_queue_length", "Messages waiting in the broker", labels=["queue"]
        )
        for queue, length in lengths.items():
            family.add_metric([queue], length)
        yield family


class ScrapeTimeCollector(Collector):
    def collect(self) -> Iterable[GaugeMetricFamily]:
        try:
            figures = business_figures()
        except Exception:
            logger.exception("metrics: the business figures could not be read")
        else:
            for name, documentation, value in (
                ("ajunta_registry_entries", "Registry entries filed", figures["entries"]),
                ("ajunta_tickets_open", "Helpdesk tickets open", figures["tickets_open"]),
                ("ajunta_sla_breaches", "SLA breaches detected", figures["sla_breaches"]),
                (
                    "ajunta_inventories_received_last_day",
                    "Assets whose inventory arrived in the last 24 hours",
                    figures["inventories_last_day"],
                ),
            ):
                yield GaugeMetricFamily(name, documentation, value=value)
        yield from QueueCollector().collect()


_scrape_collector = ScrapeTimeCollector()


def registry_for_scrape() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_ProcessRegistry())
    registry.register(_scrape_collector)
    return registry


class _ProcessRegistry(Collector):
    """This process's own metrics (the global registry), for a single-process deployment."""

    def collect(self) -> Iterable[Any]:
        return REGISTRY.collect()


# --- who may read ---------------------------------------------------------------------------------
def may_read_metrics(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        header = request.headers.get("Authorization", "")
        return hmac.compare_digest(header.encode(), f"Bearer {token}".encode())
    if "X-Forwarded-For" in request.headers:
        return False  # came through the proxy: the address below is the proxy's
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network) for network in settings.METRICS_ALLOWED_NETWORKS
    )


@public("Prometheus scrape: METRICS_TOKEN or an internal address, checked in the view")
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not may_read_metrics(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(generate_latest(registry_for_scrape()), content_type=CONTENT_TYPE_LATEST)
