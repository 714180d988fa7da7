"""Issue 25: stateless app servers (docs/scaling.md). Two gunicorn processes on two ports behind an
nginx that sends requests to each in turn, sharing one database and one Redis: a user who logs in
through the proxy keeps the session whichever process answers."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import redis
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.test import TransactionTestCase

from ajunta.core.models import Role
from ajunta.core.testing import make_org, make_user

ROOT = Path(settings.BASE_DIR)
REDIS_URL = os.environ.get("AJUNTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    params = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{params['NAME']}"
    user, password = quote(params.get("USER") or ""), quote(params.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host, port = params.get("HOST") or "127.0.0.1", params.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{params['NAME']}"


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer in {seconds} s")


class TwoAppServersTests(TransactionTestCase):
    def setUp(self) -> None:
        if os.environ.get("AJUNTA_TEST_CLOCK"):
            # Nothing here reads the date, and the servers would not see the moved clock anyway:
            # it runs in CI's SQLite and PostgreSQL steps, not again in the moved-clock ones.
            self.skipTest("runs in the steps with the real clock")
        if not shutil.which("nginx"):
            self.skipTest("no nginx here (.ci/run installs it)")
        if connection.vendor == "sqlite" and "mode=memory" in str(connection.settings_dict["NAME"]):
            self.skipTest("an in-memory database cannot be shared between processes")
        self.redis = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        try:
            self.redis.ping()
        except redis.exceptions.ConnectionError:
            self.skipTest("no Redis on 127.0.0.1:6379")
        self.redis.flushdb()
        self.addCleanup(self.redis.flushdb)
        self.folder = Path(tempfile.mkdtemp(prefix="ajunta-two-servers-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def start(self, command: list[str], **env: str) -> subprocess.Popen[bytes]:
        log = open(self.folder / f"{len(os.listdir(self.folder))}.log", "wb")  # noqa: SIM115
        self.addCleanup(log.close)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

        def stop() -> None:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()

        self.addCleanup(stop)
        return process

    def test_a_session_survives_requests_answered_by_either_server(self):
        org = make_org("alpha", name="Ajuntament d'Alpha")
        bob = make_user("bob", org, Role.MUNICIPAL_STAFF)
        # The servers are not under pytest: they know the production hashers, not the tests' MD5.
        bob.password = PBKDF2PasswordHasher().encode(PASSWORD, "ajuntatestsalt", iterations=1000)
        bob.save(update_fields=["password"])

        app_ports = [free_port(), free_port()]
        environment = {
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "REDIS_URL": REDIS_URL,
            "PYTHONPATH": str(ROOT),
            "MEDIA_ROOT": str(self.folder / "media"),
        }
        for port in app_ports:
            self.start(
                [sys.executable, "-m", "gunicorn", "ajunta.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", "1", "--timeout", "60"],
                **environment,
            )  # fmt: skip
        proxy_port = free_port()
        (self.folder / "nginx.conf").write_text(
            f"pid {self.folder}/nginx.pid;\nerror_log {self.folder}/nginx-error.log;\n"
            "daemon off;\nworker_processes 1;\nevents {}\nhttp {\n"
            f"  access_log {self.folder}/nginx-access.log;\n"
            f"  client_body_temp_path {self.folder}/body;\n  proxy_temp_path {self.folder}/proxy;\n"
            f"  fastcgi_temp_path {self.folder}/fcgi;\n  uwsgi_temp_path {self.folder}/uwsgi;\n"
            f"  scgi_temp_path {self.folder}/scgi;\n"
            "  upstream ajunta_app {\n"
            + "".join(f"    server 127.0.0.1:{port};\n" for port in app_ports)
            + "  }\n"
            f"  server {{\n    listen 127.0.0.1:{proxy_port};\n"
            "    location / {\n      proxy_pass http://ajunta_app;\n"
            "      proxy_set_header Host localhost;\n"
            "      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n"
            "      add_header X-Upstream $upstream_addr always;\n    }\n  }\n}\n",
            encoding="utf-8",
        )
        self.start(
            ["nginx", "-p", str(self.folder), "-e", str(self.folder / "nginx-error.log"),
             "-c", str(self.folder / "nginx.conf")],
        )  # fmt: skip
        for port in app_ports:
            wait_for(f"http://127.0.0.1:{port}/healthz")
        base = f"http://127.0.0.1:{proxy_port}"
        wait_for(f"{base}/healthz", 20)

        browser = requests.Session()
        login = browser.get(f"{base}/accounts/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
        assert token is not None, login.text[:500]
        answer = browser.post(
            f"{base}/accounts/login/",
            data={"username": "bob", "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
            allow_redirects=False,
            timeout=30,
        )
        self.assertEqual(answer.status_code, 302, answer.text[:500])
        self.assertIn("sessionid", browser.cookies)

        answered_by = []
        for _ in range(6):
            page = browser.get(f"{base}/accounts/api-token/", allow_redirects=False, timeout=30)
            self.assertEqual(page.status_code, 200, "logged out when the other server answered")
            answered_by.append(page.headers["X-Upstream"])
        self.assertEqual(set(answered_by), {f"127.0.0.1:{port}" for port in app_ports}, answered_by)
        # The session is in the shared Redis, not in either process.
        self.assertTrue(any(b"session" in key for key in self.redis.keys("*")))

        # And a stranger without the cookie is sent to log in by either server.
        stranger = requests.get(f"{base}/accounts/api-token/", allow_redirects=False, timeout=30)
        self.assertEqual(stranger.status_code, 302)
