"""The closure importer against real calendars (tests/ics_corpus/README.md: sources, licences)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import time_machine
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, TestCase, override_settings

from ajunta.appointments.icalimport import parse_closures

CORPUS = Path(__file__).parent / "ics_corpus"


def read(name: str, today: str):
    return parse_closures((CORPUS / name).read_bytes(), today=dt.date.fromisoformat(today))


def local(closure) -> tuple[str, str]:
    return closure.starts.isoformat(), closure.ends.isoformat()


class CorpusTests(SimpleTestCase):
    def test_exchange_windows_time_zone_with_exdate(self) -> None:
        closures = read("rie_issue_27_t1.ics", "2020-04-20")
        # Daily from 26 April until the floating UNTIL (29th 00:00): 26, 27, 28; the 27th excluded.
        self.assertEqual(
            [local(c) for c in closures],
            [("2020-04-26T14:00:00+02:00", "2020-04-26T14:30:00+02:00"),
             ("2020-04-28T14:00:00+02:00", "2020-04-28T14:30:00+02:00")],
        )  # fmt: skip

    def test_exchange_eastern_and_quoted_pacific_names(self) -> None:
        (eastern,) = read("icalendar_issue_836_do_not_quote_tzid.ics", "2024-10-20")
        self.assertEqual(local(eastern), ("2024-10-28T17:00:00-04:00", "2024-10-28T18:00:00-04:00"))
        (pacific,) = read("icalendar_timezone_same_start.ics", "2017-02-20")
        self.assertEqual(
            pacific.starts.astimezone(dt.UTC), dt.datetime(2017, 2, 24, 20, tzinfo=dt.UTC)
        )

    def test_weekly_until_keeps_the_last_occurrence(self) -> None:
        closures = read("rie_issue_107_omitting_last_event.ics", "2023-01-01")
        self.assertEqual(len(closures), 23)  # every Thursday from 5 January to 8 June 2023
        self.assertEqual(closures[-1].starts.date(), dt.date(2023, 6, 8))

    def test_exdates_remove_occurrences(self) -> None:
        closures = read("rie_each_week_but_two_deleted.ics", "2019-03-01")
        self.assertEqual(len(closures), 6)
        days = {c.starts.date() for c in closures}
        self.assertNotIn(dt.date(2019, 3, 11), days)
        self.assertNotIn(dt.date(2019, 3, 25), days)

    def test_a_cancelled_override_closes_nothing(self) -> None:
        closures = read("rie_issue_18_cancel_status.ics", "2020-01-20")
        self.assertEqual([c.starts.day for c in closures], [28, 30])

    def test_moved_occurrences(self) -> None:
        closures = read("rie_recurring_events_moved.ics", "2019-03-15")
        test7 = [c for c in closures if c.summary.startswith("test7")]
        self.assertEqual(len(test7), 3)  # 18, 19 (edited), 20 March
        self.assertIn("test7 - edited", [c.summary for c in test7])
        self.assertEqual(len({c.uid for c in closures}), len(closures))  # one id per occurrence

    def test_all_day_events_close_whole_local_days(self) -> None:
        (day,) = read("rie_one_day_event.ics", "2019-03-01")
        self.assertEqual(local(day), ("2019-03-04T00:00:00+01:00", "2019-03-05T00:00:00+01:00"))
        holidays = read("rie_Germany_Holidays.ics", "2019-01-01")
        self.assertGreater(len(holidays), 10)
        first = holidays[0]
        self.assertEqual(
            (first.summary, local(first)[0]), ("New Year's Day", "2019-01-01T00:00:00+01:00")
        )
        self.assertEqual(first.ends - first.starts, dt.timedelta(days=1))

    def test_custom_time_zone_from_the_files_vtimezone(self) -> None:
        (event,) = read("icalendar_america_new_york.ics", "2014-08-01")
        self.assertEqual(
            event.starts.astimezone(dt.UTC), dt.datetime(2014, 8, 29, 12, tzinfo=dt.UTC)
        )

    def test_broken_file_is_refused_with_a_message(self) -> None:
        with self.assertRaises(ValidationError):
            read("icalendar_broken_ical.ics", "2014-04-01")
        with self.assertRaises(ValidationError):
            parse_closures(b"\x00\xffnot a calendar")


class CalendarAddressTests(TestCase):
    """A calendar read from an address, served by a local HTTP server; refreshed by the task."""

    def setUp(self) -> None:
        import http.server
        import threading

        body = (CORPUS / "rie_one_day_event.ics").read_bytes()
        self.served = {"body": body}
        served = self.served

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar")
                self.end_headers()
                self.wfile.write(served["body"])

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.addCleanup(self.server.shutdown)
        self.url = f"http://127.0.0.1:{self.server.server_port}/closures.ics"

    def test_private_addresses_are_refused_by_default(self) -> None:
        from ajunta.appointments.icalimport import fetch_calendar

        with self.assertRaises(ValidationError):
            fetch_calendar(self.url)
        with self.assertRaises(ValidationError):
            fetch_calendar("file:///etc/passwd")

    @override_settings(APPOINTMENTS_CALENDAR_ALLOW_PRIVATE=True)
    def test_import_and_scheduled_refresh(self) -> None:
        from ajunta.appointments import services
        from ajunta.appointments.tasks import refresh_calendars
        from ajunta.core.testing import make_org

        org = make_org("vila")
        with time_machine.travel(dt.datetime(2019, 3, 1, tzinfo=dt.UTC), tick=False):
            calendar = services.calendar_create(
                org=org, actor=None, name="Tancaments", url=self.url
            )
            self.assertEqual(calendar.event_count, 1)
            self.served["body"] = (CORPUS / "rie_each_week_but_two_deleted.ics").read_bytes()
            self.assertEqual(refresh_calendars(), 1)
        calendar.refresh_from_db()
        self.assertEqual((calendar.event_count, calendar.last_error), (6, ""))
        self.assertEqual(calendar.events.count(), 6)
