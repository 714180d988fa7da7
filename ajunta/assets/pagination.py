"""The asset list without counting every row: under the provider's slug the list covers every
member's inventory (100,000 assets at the benchmark's scale L), and an exact COUNT(*) of it cost
15-40 ms per page. The count stops at COUNT_CAP; past it the page says "more than" and asks for a
filter (a member's own inventory stays far below it).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        rows: Any = self.object_list
        # Without the ordering: counting a sorted subquery would sort what it counts.
        return int(rows.order_by()[: COUNT_CAP + 1].count())

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def paginate(request: Any, queryset: Any, per_page: int = 50) -> Any:
    return CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))
