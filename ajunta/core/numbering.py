"""Gap-free numbering: one counter row per (organization, series, year).

`next_number` must be called inside the transaction that inserts the numbered record. The
counter row stays locked until that transaction ends, so numbers are handed out in commit
order per series; a rollback undoes the increment and the number is handed out again.
Other series and other organizations are not blocked. Never a database sequence: sequences
leave gaps on rollback.
"""

from typing import Any

from django.db import connection

from ajunta.core.locking import lock_or_create, require_atomic
from ajunta.core.models import Counter

# One statement increments and locks the row and reads the new value: the lock held by a numbered
# filing spans fewer round trips (PostgreSQL, and SQLite since 3.35, both have RETURNING).
_INCREMENT = (
    f"UPDATE {Counter._meta.db_table} SET last_value = last_value + 1 "  # noqa: S608 (no input)
    "WHERE organization_id = %s AND series = %s AND year = %s RETURNING last_value"
)


def next_number(*, org: Any, series: str, year: int) -> int:
    require_atomic("Numbering")
    with connection.cursor() as cursor:
        cursor.execute(_INCREMENT, [org.pk, series, year])
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    # The series' first number this year: create the row (or lock a concurrent creator's).
    counter = lock_or_create(Counter, organization=org, series=series, year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def current_number(*, org: Any, series: str, year: int) -> int:
    """The last number handed out (0 if none): for reports, never to number anything."""
    value = (
        Counter.objects.filter(organization=org, series=series, year=year)
        .values_list("last_value", flat=True)
        .first()
    )
    return value or 0
