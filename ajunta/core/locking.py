"""Row locks for per-tenant serialization points (numbering counters, audit chain heads)."""

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, connection, models, transaction

M = TypeVar("M", bound=models.Model)


def require_atomic(what: str) -> None:
    if not connection.in_atomic_block:
        raise RuntimeError(f"{what} must run inside transaction.atomic().")


def lock_or_create(model: type[M], **key: Any) -> M:
    """Return the row with `key`, locked FOR UPDATE until the caller's transaction ends.

    The row is created on first use; a concurrent creator loses the unique-constraint race
    inside a savepoint and then locks the winner's row. On SQLite, IMMEDIATE transactions
    already serialize writers, so the lock is implicit.
    """
    require_atomic(f"Locking {model.__name__}")
    manager = model._default_manager
    try:
        return manager.select_for_update().get(**key)
    except ObjectDoesNotExist:
        pass
    try:
        with transaction.atomic():
            return manager.create(**key)
    except IntegrityError:
        return manager.select_for_update().get(**key)
