"""Pagination whose cost does not grow with the data (issue #19 item 3).

Django's Paginator counts every matching row on each page view, and OFFSET
reads every row before the page. With 50,000 members both grow with the list,
so `BoundedPaginator`:
- counts exactly only up to the rows its pages can show (`max_pages` pages):
  `SELECT COUNT(*) FROM (… LIMIT n + 1)`, bounded whatever the table holds;
  beyond that the number is PostgreSQL's planner estimate for the same query,
  shown as "about N" (`count_label`);
- offers at most `max_pages` pages, so OFFSET never passes
  `max_pages * per_page` rows; a longer list says so and asks for a narrower
  filter or search (`truncated`).
Everything it returns is computed from the query alone: no cache, nothing stale.
"""

from functools import cached_property

from django.core.paginator import Paginator
from django.db import connections
from django.utils.formats import number_format


class BoundedPaginator(Paginator):
    max_pages = 100

    @property
    def shown_rows(self) -> int:
        return self.max_pages * self.per_page

    @cached_property
    def count(self) -> int:
        rows = self.object_list.order_by().values("pk")
        exact = rows[: self.shown_rows + 1].count()
        self.estimated = exact > self.shown_rows
        if not self.estimated:
            return exact
        return max(self._planner_estimate(), exact)

    estimated = False

    def _planner_estimate(self) -> int:
        query = self.object_list.order_by().values("pk")
        sql, params = query.query.sql_with_params()
        with connections[query.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):  # a driver that does not decode json
            import json

            plan = json.loads(plan)
        return int(plan[0]["Plan"]["Plan Rows"])

    @cached_property
    def num_pages(self) -> int:
        return min(super().num_pages, self.max_pages)

    @property
    def truncated(self) -> bool:
        """More rows match than the pages offered show."""
        return self.count > self.shown_rows

    @property
    def count_label(self) -> str:
        """ "5,006", or "about 51,000" (two significant figures) when estimated."""
        count = self.count  # sets `estimated`
        if not self.estimated:
            return number_format(count, force_grouping=True)
        digits = len(str(count))
        rounded = round(count, -max(digits - 2, 0))
        return f"about {number_format(rounded, force_grouping=True)}"
