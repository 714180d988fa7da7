"""Reports and exports read from a PostgreSQL replica (docs/scaling.md, Read replicas).

With DATABASE_REPLICA_URL set, settings add a `replica` database; code that only reads (a report,
an export) runs its queries inside `reading_from_replica()` and they go there. Everything else, and
every write even inside the block, goes to the primary: a request never reads its own writes from
a replica that may lag behind. Without a replica the block changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

REPLICA = "replica"
_reading_from_replica: ContextVar[bool] = ContextVar("ajunta_reading_from_replica", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    token = _reading_from_replica.set(True)
    try:
        yield
    finally:
        _reading_from_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _reading_from_replica.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows: objects read from either may meet

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica follows the primary; never migrated itself
