"""Pages of very long lists without an exact count.

An exact COUNT(*) over hundreds of thousands of rows (a provider's whole ticket history, a big
municipality's case files) costs more than the rest of the page. These paginators count no
further than COUNT_CAP + 1 rows; past that the page says "more than 10,000" and the API sets
`count_capped`: nobody pages that far, they search or filter.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from rest_framework.response import Response

from ajunta.core.rest import BoundedPagination

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        """The number of rows, counting no further than COUNT_CAP + 1."""
        rows: Any = self.object_list
        # Without the ordering (a sorted subquery would walk the whole list to count it) and of
        # the keys only: a list read as values() with related names would join and read them all.
        return int(rows.order_by().values("pk")[: COUNT_CAP + 1].count())

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def paginate_capped(request: Any, queryset: Any, per_page: int = 50) -> Any:
    return CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))


class CappedPagination(BoundedPagination):
    """The API's pagination with `count` stopping at COUNT_CAP + 1 and `count_capped` saying so."""

    django_paginator_class = CappedPaginator

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        paginator: Any = self.page.paginator if self.page is not None else None
        capped = bool(paginator is not None and paginator.capped)
        response.data = OrderedDict([*response.data.items(), ("count_capped", capped)])
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"True when there are more than {COUNT_CAP} rows: `count` stops there.",
        }
        return result
