"""The library (every visible item, filtered and sorted like a document library) and the owner's
list of items to re-attest."""

from __future__ import annotations

from datetime import timedelta

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from lmi_portal.core.fragments import FragmentCache
from lmi_portal.core.paging import CappedPaginator
from partners.http import AuthedHttpRequest

from ..forms_library import NON_FILTER_PARAMS, LibraryFilterForm
from ..models import KnowledgeItem
from ..permissions import can_create_item
from ..selectors import items as selectors

PAGE_SIZE = 25
REVIEW_PAGE_SIZE = 50


class LibraryRows:
    """The library's table rows drawn before: see ``lmi_portal.core.fragments``. A value
    added to ``partials/_library_row.html`` must be added to ``key`` too."""

    TEMPLATE = "knowledge/partials/_library_row.html"

    def __init__(self, size: int = 5000) -> None:
        self._rows = FragmentCache(size)

    @staticmethod
    def key(item: KnowledgeItem) -> tuple[object, ...]:
        return (
            get_language(),
            item.pk,
            item.title,
            item.tlp,
            item.status,
            item.is_overdue,  # changes with the date, not only with the item
            item.export_controlled,
            item.kind,
            item.owner_organisation.display_name,
            item.updated_at,
            tuple(str(theme) for theme in item.themes.all()),
            tuple(str(system) for system in item.systems.all()),
            getattr(item, "latest_version", None),
        )

    def draw(self, item: KnowledgeItem) -> SafeString:
        return self._rows.get_or_draw(
            self.key(item), lambda: render_to_string(self.TEMPLATE, {"item": item})
        )

    def clear(self) -> None:
        self._rows.clear()


library_rows = LibraryRows()


def _is_fragment(request: AuthedHttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.boosted


@require_GET
@vary_on_headers("HX-Request")
def index(request: AuthedHttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET or None, user=request.user)
    items = selectors.knowledge_list(user=request.user, **form.valid_filters())
    page = CappedPaginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.row_html = library_rows.draw(item)
    filter_query = request.GET.copy()
    for name in NON_FILTER_PARAMS:
        filter_query.pop(name, None)
    context = {
        "form": form,
        "page": page,
        "filter_query": filter_query,
        "can_create": can_create_item(request.user),
        "fragment": _is_fragment(request),
    }
    template = "knowledge/index.html"
    return render(request, f"{template}#results" if context["fragment"] else template, context)


@require_GET
def review(request: AuthedHttpRequest) -> HttpResponse:
    """The items the user vouches for that are overdue or due soon, each with one-click
    "still valid" and "archive"."""
    items = selectors.knowledge_items_due_for_review(user=request.user)
    page = Paginator(items, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    context = {
        "page": page,
        "today": today,
        "soon_days": selectors.DUE_SOON_DAYS,
        "soon": today + timedelta(days=selectors.DUE_SOON_DAYS),
        "filter_query": None,
    }
    return render(request, "knowledge/review.html", context)
