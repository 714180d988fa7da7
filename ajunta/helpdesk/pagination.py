"""Queues without counting every row: with 300,000 tickets an exact COUNT(*) of a provider's whole
history costs more than the rest of the page. The count stops at CAP; past it the page says "more
than" and asks for a filter (the open queues stay far below it).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

from ajunta.core.rest import BoundedPagination

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list
        # Without the ordering: a sorted subquery would walk the whole queue to count it.
        return int(rows.order_by()[: COUNT_CAP + 1].count())

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def paginate(request: Any, queryset: Any, per_page: int = 50) -> Any:
    return CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))


class CappedPagination(BoundedPagination):
    django_paginator_class = CappedPaginator
