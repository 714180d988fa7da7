"""Issue 25: /healthz, /readyz, /metrics, JSON logs and the request id (docs/operations.md)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, SimpleTestCase, TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from prometheus_client import REGISTRY

from ajunta.core import health, logs
from ajunta.core.request_context import current_request_id, reset_request_id, set_request_id
from ajunta.helpdesk.tests.base import HelpdeskTestCase
from ajunta.registry import services as registry_services

ROOT = Path(settings.BASE_DIR)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def readyz_in_a_fresh_process(**env: str) -> tuple[int, dict, float]:
    """GET /readyz in a new Python process whose settings come from `env`: the whole app, not
    a mock, configured against the service the test broke."""
    script = (
        "import json, time, django; django.setup()\n"
        "from django.test import Client\n"
        "started = time.monotonic()\n"
        "answer = Client(HTTP_HOST='localhost').get('/readyz')\n"
        "print(json.dumps([answer.status_code, answer.json(), time.monotonic() - started]))\n"
    )
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL")},
        "DJANGO_SETTINGS_MODULE": "ajunta.settings",
        "DEBUG": "1",
        "PYTHONPATH": str(ROOT),
        "READYZ_TIMEOUT_SECONDS": "1.5",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    status, body, elapsed = json.loads(done.stdout.strip().splitlines()[-1])
    return status, body, elapsed


class HealthTests(TestCase):
    def test_healthz_touches_nothing(self):
        with self.assertNumQueries(0):
            answer = self.client.get("/healthz")
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.json(), {"status": "ok"})

    def test_readyz_is_ready_when_everything_answers(self):
        answer = self.client.get("/readyz")
        self.assertEqual(answer.status_code, 200, answer.content)
        self.assertEqual(answer.json()["status"], "ok")
        self.assertEqual(
            answer.json()["checks"],
            {
                "database": "ok",
                "migrations": "ok",
                "cache": "ok",
                "broker": "ok",
                "storage": "ok",
            },
        )

    def test_readyz_names_an_unreachable_broker(self):
        with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0"):
            answer = self.client.get("/readyz")
        self.assertEqual(answer.status_code, 503)
        checks = answer.json()["checks"]
        self.assertNotEqual(checks["broker"], "ok")
        self.assertEqual(checks["database"], "ok")
        self.assertNotIn("127.0.0.1", answer.content.decode())  # no addresses in the answer

    def test_a_check_that_hangs_is_cut_at_the_time_limit(self):
        started = time.monotonic()
        outcome = health.run_check(lambda: time.sleep(5), timeout=0.2)
        self.assertEqual(outcome, "timeout")
        self.assertLess(time.monotonic() - started, 2)


class DemoShowsTheProbesTests(SimpleTestCase):
    def test_make_demo_prints_where_health_and_readiness_answer(self):
        from io import StringIO

        from ajunta.tenants.management.commands.serve_demo import Command as ServeDemo

        out = StringIO()
        command = ServeDemo(stdout=out)
        command.addr = "127.0.0.1"
        with mock.patch(
            "ajunta.tenants.management.commands.serve_demo.demo_summary", return_value=[]
        ):
            command.on_bind(8123)
        self.assertIn("http://127.0.0.1:8123/healthz", out.getvalue())
        self.assertIn("http://127.0.0.1:8123/readyz", out.getvalue())


class ReadyzAgainstBrokenServicesTests(TestCase):
    """The app in a process of its own, pointed at a database that is not there."""

    def test_postgresql_down_is_503_naming_the_database(self):
        # A closed port: PostgreSQL stopped on this host.
        url = f"postgres://ajunta@127.0.0.1:{free_port()}/ajunta"
        status, body, _ = readyz_in_a_fresh_process(DATABASE_URL=url)
        self.assertEqual(status, 503)
        self.assertEqual(body["status"], "unavailable")
        self.assertTrue(body["checks"]["database"].startswith("error:"), body)
        self.assertEqual(body["checks"]["migrations"], "skipped")

    def test_a_database_that_never_answers_fails_within_the_time_limit(self):
        # Accepts the connection and then says nothing, like a host whose PostgreSQL froze.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        self.addCleanup(listener.close)
        held: list[socket.socket] = []

        def accept() -> None:
            try:
                while True:
                    held.append(listener.accept()[0])
            except OSError:
                pass

        threading.Thread(target=accept, daemon=True).start()
        port = listener.getsockname()[1]
        status, body, elapsed = readyz_in_a_fresh_process(
            DATABASE_URL=f"postgres://ajunta@127.0.0.1:{port}/ajunta", DB_CONNECT_TIMEOUT="30"
        )
        for conn in held:
            conn.close()
        self.assertEqual(status, 503)
        self.assertEqual(body["checks"]["database"], "timeout")
        self.assertLess(elapsed, 1.5 * 5 + 5)  # each check bounded by READYZ_TIMEOUT_SECONDS

    def test_migrations_not_applied_is_503_saying_so(self):
        with tempfile.TemporaryDirectory() as folder:
            status, body, _ = readyz_in_a_fresh_process(
                DATABASE_URL=f"sqlite:///{folder}/empty.sqlite3"
            )
        self.assertEqual(status, 503)
        self.assertEqual(body["checks"]["database"], "ok")
        self.assertRegex(body["checks"]["migrations"], r"^failed: \d+ migration\(s\) not applied$")


class MetricsAccessTests(TestCase):
    def test_an_internal_address_reads_the_metrics(self):
        answer = self.client.get("/metrics", REMOTE_ADDR="10.1.2.3")
        self.assertEqual(answer.status_code, 200)
        self.assertIn("ajunta_http_requests_total", answer.content.decode())

    def test_a_public_address_is_refused(self):
        self.assertEqual(self.client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code, 403)

    def test_a_request_through_the_proxy_is_refused_without_the_token(self):
        # Behind nginx everyone is 127.0.0.1: the forwarded header gives it away.
        answer = self.client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
        self.assertEqual(answer.status_code, 403)

    @override_settings(METRICS_TOKEN="s3cret-metrics-token")
    def test_with_a_token_only_the_token_counts(self):
        self.assertEqual(self.client.get("/metrics").status_code, 403)  # internal, no token
        wrong = self.client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
        self.assertEqual(wrong.status_code, 403)
        right = self.client.get(
            "/metrics",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
            HTTP_AUTHORIZATION="Bearer s3cret-metrics-token",
        )
        self.assertEqual(right.status_code, 200)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(client: Client) -> dict[str, float]:
    """The metric lines of a scrape as {name{labels}: value}."""
    text = client.get("/metrics").content.decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            values[key] = float(value)
    return values


class RequestMetricsTests(HelpdeskTestCase):
    def test_requests_are_counted_by_view_and_status_with_latency_and_queries(self):
        before = sample("ajunta_http_requests_total", view="healthz", method="GET", status="200")
        self.client.get("/healthz")
        self.client.get("/healthz")
        after = sample("ajunta_http_requests_total", view="healthz", method="GET", status="200")
        self.assertEqual(after - before, 2)
        missing = sample(
            "ajunta_http_requests_total", view="unresolved", method="GET", status="404"
        )
        self.client.get("/no-such-page-at-all/")
        self.assertEqual(
            sample("ajunta_http_requests_total", view="unresolved", method="GET", status="404"),
            missing + 1,
        )
        self.assertGreater(sample("ajunta_http_request_duration_seconds_count", view="healthz"), 0)

        client = self.login(self.bob)
        queries_before = sample("ajunta_db_queries_total", view="home")
        with CaptureQueriesContext(connection) as seen:
            self.assertLess(client.get("/home/").status_code, 400)
        counted = sample("ajunta_db_queries_total", view="home") - queries_before
        self.assertGreater(counted, 0)
        self.assertEqual(counted, len(seen.captured_queries))

    def test_celery_tasks_are_counted_by_outcome(self):
        from ajunta.core.tasks import audit_verify_all

        before = sample("ajunta_celery_tasks_total", task=audit_verify_all.name, state="success")
        audit_verify_all.delay()
        self.assertEqual(
            sample("ajunta_celery_tasks_total", task=audit_verify_all.name, state="success"),
            before + 1,
        )

    def test_a_worker_answers_prometheus_on_its_own_port(self):
        import requests

        from ajunta.core import metrics
        from ajunta.core.tasks import audit_verify_all

        self.assertIsNone(metrics.worker_metrics_serve())  # no port: nothing listens
        port = free_port()
        with override_settings(CELERY_METRICS_PORT=port):
            server = metrics.worker_metrics_serve()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        audit_verify_all.delay()
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        self.assertIn(
            f'ajunta_celery_tasks_total{{state="success",task="{audit_verify_all.name}"}}', text
        )
        self.assertIn("ajunta_celery_queue_length", text)
        self.assertNotIn("ajunta_registry_entries", text)  # the business figures are the web's

    def test_business_counters_follow_the_data(self):
        cache.clear()
        figures = scraped(self.client)
        self.assertEqual(figures["ajunta_tickets_open"], 0)
        self.assertEqual(figures["ajunta_registry_entries"], 0)
        self.assertEqual(figures["ajunta_sla_breaches"], 0)
        self.assertEqual(figures["ajunta_inventories_received_last_day"], 0)

        self.open_ticket()
        self.open_ticket(title="Una altra")
        with self.captureOnCommitCallbacks(execute=True):
            registry_services.registry_entry_create(
                org=self.org_a, actor=self.bob, direction="in", channel="electronic",
                epigraph="Instància", summary="Instància genèrica",
                parties=[{
                    "person_type": "natural", "id_type": "N", "id_number": "12345678Z",
                    "name": "Núria", "first_surname": "Puig",
                }],
            )  # fmt: skip
        # Cached between scrapes (cheap): the same figures until the cache lets go.
        self.assertEqual(scraped(self.client)["ajunta_tickets_open"], 0)
        cache.clear()
        figures = scraped(self.client)
        self.assertEqual(figures["ajunta_tickets_open"], 2)
        self.assertEqual(figures["ajunta_registry_entries"], 1)

    def test_the_business_figures_cost_nothing_while_cached(self):
        cache.clear()
        self.client.get("/metrics")
        with self.assertNumQueries(0):
            self.client.get("/metrics")

    def test_queue_length_is_read_from_a_redis_broker(self):
        redis = __import__("redis")
        url = os.environ.get("AJUNTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        try:
            client.ping()
        except redis.exceptions.ConnectionError:
            self.skipTest("no Redis on 127.0.0.1:6379")
        queue = f"ajunta-test-{os.getpid()}"
        client.delete(queue)
        client.rpush(queue, "a", "b", "c")
        self.addCleanup(client.delete, queue)
        with override_settings(CELERY_BROKER_URL=url, CELERY_TASK_DEFAULT_QUEUE=queue):
            figures = scraped(self.client)
        self.assertEqual(figures[f'ajunta_celery_queue_length{{queue="{queue}"}}'], 3)


class RequestIdAndJsonLogTests(TestCase):
    def test_a_request_id_is_made_or_taken_from_the_proxy_and_echoed(self):
        made = self.client.get("/healthz")["X-Request-ID"]
        self.assertRegex(made, r"^[0-9a-f]{32}$")
        given = self.client.get("/healthz", HTTP_X_REQUEST_ID="a1b2c3d4e5f6a7b8")
        self.assertEqual(given["X-Request-ID"], "a1b2c3d4e5f6a7b8")
        # Anything that does not look like an id is replaced, never written to the logs.
        forged = self.client.get("/healthz", HTTP_X_REQUEST_ID="x\n{forged json}")
        self.assertRegex(forged["X-Request-ID"], r"^[0-9a-f]{32}$")

    def test_json_lines_carry_the_request_id_and_extras(self):
        formatter = logs.JSONFormatter()
        record = logging.LogRecord(
            "ajunta.test", logging.WARNING, __file__, 1, "hi %s", ("x",), None
        )
        record.organization = "alpha"
        logs.RequestIdFilter().filter(record)
        token = set_request_id("req-12345678")
        try:
            logs.RequestIdFilter().filter(record)
        finally:
            reset_request_id(token)
        line = json.loads(formatter.format(record))
        self.assertEqual(line["message"], "hi x")
        self.assertEqual(line["level"], "WARNING")
        self.assertEqual(line["request_id"], "req-12345678")
        self.assertEqual(line["organization"], "alpha")

    def test_the_configured_json_handler_writes_json(self):
        script = (
            "import django, logging; django.setup()\n"
            "from ajunta.core.request_context import set_request_id\n"
            "set_request_id('req-abcdefgh')\n"
            "logging.getLogger('ajunta.test').warning('filed %s', 'RE/2026/1')\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "LOG_FORMAT": "json", "DEBUG": "1", "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        line = json.loads(done.stderr.strip().splitlines()[-1])
        self.assertEqual(line["message"], "filed RE/2026/1")
        self.assertEqual(line["request_id"], "req-abcdefgh")

    def test_the_request_id_travels_in_the_task_message_and_is_set_in_the_worker(self):
        from kombu import Connection

        from ajunta.celery import app
        from ajunta.core.tasks import audit_verify_all

        # A real publish (no eager run) to an in-memory broker: the message's headers are read back.
        with Connection("memory://") as broker:
            token = set_request_id("req-from-the-page")
            try:
                # send_task publishes even where tasks otherwise run in-process (no broker here).
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # "task_always_eager has no effect": wanted
                    app.send_task(audit_verify_all.name, producer=app.amqp.Producer(broker))
            finally:
                reset_request_id(token)
            message = broker.SimpleQueue("celery").get(timeout=2)
            self.assertEqual(message.headers[logs.TASK_HEADER], "req-from-the-page")
            message.ack()

        # The worker side: the header is on task.request while the task runs.
        task = SimpleNamespace(request=SimpleNamespace(**{logs.TASK_HEADER: "req-from-the-page"}))
        logs.task_prerun_set_request_id(task_id="t1", task=task)
        self.assertEqual(current_request_id(), "req-from-the-page")
        logs.task_postrun_reset_request_id(task_id="t1")
        self.assertIsNone(current_request_id())
        # A task queued by beat, not by a request, logs under an id of its own.
        logs.task_prerun_set_request_id(task_id="t2", task=SimpleNamespace(request=None))
        self.assertEqual(current_request_id(), "task-t2")
        logs.task_postrun_reset_request_id(task_id="t2")
        self.assertIsNone(current_request_id())
