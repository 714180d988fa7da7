"""The last free appointment, wanted by many at once: N clients confirm a booking of the same last
place through the public API of a running gunicorn on PostgreSQL; exactly one gets it (201) and
every other one is refused with the reason (400, code "slot_taken").

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/ajunta_bench_appt \\
        .venv/bin/python -m benches.appointments_rush [--clients 100] [--workers 4]

Recreates the database (an ajunta_bench* one only). Not part of the unit tests; the same property
is a unit test with threads (ajunta/appointments/tests/test_booking.py, LastSlotConcurrencyTests).
Exit status 1 when the count is not exactly one.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from benches.common import PYTHON, app_env, bench_database_url, recreate_database, setup_django
from benches.fault import Server

PORT = int(os.environ.get("APPT_BENCH_PORT", "8393"))
BIN = Path(PYTHON).parent
CODE = "424242"


def prepare(clients: int) -> tuple[str, list[str]]:
    """One organization, one service with exactly one free place tomorrow, and one verified
    request per client (each another person, with a known code)."""
    import datetime as dt

    from django.utils import timezone

    from ajunta.appointments import services
    from ajunta.appointments.models import Verification
    from ajunta.core.testing import make_org

    org = make_org("rush", name="Ajuntament de la Cua")
    office = services.office_create(org=org, actor=None, name="Oficina", min_notice_hours=0)
    service = services.service_create(org=org, actor=None, name="Padró", duration_minutes=30)
    desk = services.desk_create(org=org, actor=None, office=office, name="T1", services=[service])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    services.exception_create(
        org=org, actor=None, kind="open", desk=desk,
        starts=dt.datetime.combine(tomorrow, dt.time(9), tzinfo=timezone.get_default_timezone()),
        ends=dt.datetime.combine(tomorrow, dt.time(9, 30), tzinfo=timezone.get_default_timezone()),
    )  # fmt: skip
    starts = dt.datetime.combine(tomorrow, dt.time(9), tzinfo=timezone.get_default_timezone())
    letters = "TRWAGMYFPDXBNJZSQVHLCKE"
    tokens = []
    for n in range(clients):
        number = 20000000 + n
        verification = services.verification_start(
            org=org, email=f"p{n}@example.org",
            draft={"service": service.pk, "starts": starts.isoformat(), "name": f"P{n}",
                   "identifier": f"{number:08d}{letters[number % 23]}", "email": f"p{n}@example.org",
                   "language": "ca"},
        )  # fmt: skip
        Verification.objects.filter(pk=verification.pk).update(
            code_hash=services._hash_code(verification.token, CODE)
        )
        tokens.append(verification.token)
    return org.slug, tokens


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    url = bench_database_url()
    recreate_database(url)
    setup_django(url)
    slug, tokens = prepare(args.clients)
    env = app_env(url, APPOINTMENTS_PUBLIC_API_RATE="100000/min")
    logs = Path(tempfile.mkdtemp(prefix="appt-rush-"))
    server = Server("gunicorn", [
        str(BIN / "gunicorn"), "ajunta.wsgi", "-w", str(args.workers), "--threads", "8",
        "-b", f"127.0.0.1:{PORT}", "--timeout", "60",
    ], env, logs)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"gunicorn did not start: {logs}") from None
                time.sleep(0.3)
        barrier = threading.Barrier(len(tokens))
        results: list[tuple[int, str]] = []
        lock = threading.Lock()

        def client(token: str) -> None:
            request = urllib.request.Request(
                f"http://127.0.0.1:{PORT}/api/v1/site/{slug}/appointments/verifications/{token}/confirm/",
                data=json.dumps({"code": CODE}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            barrier.wait(timeout=60)
            try:
                with urllib.request.urlopen(request, timeout=120) as response:
                    outcome = (response.status, "booked")
            except urllib.error.HTTPError as error:
                body = json.loads(error.read() or b"{}")
                outcome = (error.code, str(body.get("code", body)))
            with lock:
                results.append(outcome)

        started = time.perf_counter()
        threads = [threading.Thread(target=client, args=(t,)) for t in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    finally:
        server.stop()
    from ajunta.appointments.models import Booking

    counts = Counter(results)
    booked = Booking.objects.filter(organization__slug=slug).count()
    print(
        f"{len(results)} requests in {seconds:.2f} s: {dict(counts)}; bookings in the database: {booked}"
    )
    ok = (
        booked == 1
        and counts[(201, "booked")] == 1
        and counts[(400, "slot_taken")] == len(tokens) - 1
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
