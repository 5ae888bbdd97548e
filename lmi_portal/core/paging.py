"""A pager for the big lists, whose count stops at a cap.

Counting every row the user may see is the costliest query of the library and the initiatives
list at programme scale: the access policy is tested on each of some 40,000 knowledge items
to print a number nobody pages through. ``CappedPaginator`` counts up to ``cap`` rows and
then says "more than" (``capped``): the first ``cap`` rows can be paged through as before, and
the filters narrow the rest down, as the page says.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.core.paginator import Paginator
from django.db.models import QuerySet

LIST_COUNT_CAP = 1000


class CappedPaginator(Paginator):
    """A ``Paginator`` over a queryset that counts at most ``cap`` rows."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = LIST_COUNT_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        # COUNT(*) over any cap + 1 of the rows (one more than the cap says there are more),
        # keys only: no ordering, no annotations for the page's columns.
        rows = cast("QuerySet[Any]", self.object_list)
        found = rows.order_by().values("pk")[: self.cap + 1].count()
        return min(found, self.cap), found > self.cap

    @cached_property
    def count(self) -> int:
        return self._counted[0]

    @property
    def capped(self) -> bool:
        """Whether there are more rows than ``count`` (which is then the cap)."""
        return self._counted[1]
