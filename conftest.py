"""The suite's clock can be moved: AJUNTA_TEST_CLOCK=2028-06-15T10:00+02:00 make test.

.ci/run runs the whole suite again with the clock a year and a half ahead and on a New Year's Eve
at 23:59 in Madrid, so that a test which reads today's date fails in CI rather than in a user's December.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest

_travel = None


def pytest_configure(config: pytest.Config) -> None:
    global _travel
    moment = os.environ.get("AJUNTA_TEST_CLOCK")
    if not moment:
        return
    import time_machine

    _travel = time_machine.travel(dt.datetime.fromisoformat(moment), tick=True)
    _travel.start()


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = os.environ.get("AJUNTA_TEST_CLOCK")
    return f"clock moved to {moment} (AJUNTA_TEST_CLOCK)" if moment else None


def pytest_unconfigure(config: pytest.Config) -> None:
    if _travel is not None:
        _travel.stop()


def _flush_past_sealed_records() -> None:
    """On SQLite, a test flush (TransactionTestCase) empties tables with DELETE, which the sealed
    records' triggers refuse (ajunta.core.integrity): drop them around the flush's deletes and put
    them back after. PostgreSQL flushes with TRUNCATE, which row triggers do not see."""
    # Through base: importing operations first is a circular import.
    from django.db.backends.sqlite3.base import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *args, **kwargs):  # type: ignore[no-untyped-def]
        from ajunta.core.integrity import all_sealed_trigger_sql

        statements = original(self, style, tables, *args, **kwargs)
        if not statements:
            return statements
        create, drop = all_sealed_trigger_sql("sqlite")
        return [*drop, *statements, *create]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


_flush_past_sealed_records()
