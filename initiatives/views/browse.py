"""Browsing initiatives: list, board, pipeline and export, all on the same filters in the URL."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from lmi_portal.core.fragments import FragmentCache
from lmi_portal.core.paging import CappedPaginator
from partners.http import AuthedHttpRequest

from .. import exports
from ..forms_browse import NON_FILTER_PARAMS, InitiativeFilterForm
from ..models import Initiative
from ..permissions import can_create_initiative
from ..selectors import browse as selectors
from ..services.browse import initiative_list_visit_record

PAGE_SIZE = 25


def _filtered(
    request: AuthedHttpRequest,
) -> tuple[InitiativeFilterForm, QuerySet[Initiative], QueryDict]:
    """The filter form, the initiatives it selects, and the filters as a query string."""
    form = InitiativeFilterForm(request.GET or None, user=request.user)
    filters = form.valid_filters()
    if filters.pop("new", False):
        filters["new_since"] = selectors.initiative_list_new_since(user=request.user)
    initiatives = selectors.initiative_list(user=request.user, **filters)
    filter_query = request.GET.copy()
    for name in NON_FILTER_PARAMS:
        filter_query.pop(name, None)
    return form, initiatives, filter_query


def _with(query: QueryDict, **values: str) -> QueryDict:
    changed = query.copy()
    for name, value in values.items():
        changed[name] = value
    return changed


def _is_fragment(request: AuthedHttpRequest) -> bool:
    return bool(request.htmx) and not request.htmx.boosted


def _render(
    request: AuthedHttpRequest, template: str, context: dict[str, Any], *, view: str
) -> HttpResponse:
    fragment = _is_fragment(request)
    context |= {"view": view, "fragment": fragment}
    return render(request, f"{template}#results" if fragment else template, context)


@require_GET
@vary_on_headers("HX-Request")
def initiative_list(request: AuthedHttpRequest) -> HttpResponse:
    # Only opening the page counts as a visit; filtering and paging within it do not.
    if not _is_fragment(request):
        initiative_list_visit_record(user=request.user)
    form, initiatives, filter_query = _filtered(request)
    page = CappedPaginator(initiatives.prefetch_related(selectors.CARD_THEMES), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for initiative in page.object_list:
        initiative.card_html = initiative_cards.draw(initiative, in_list=True)
    context = {
        "form": form,
        "page": page,
        "filter_query": filter_query,
        "csv_query": _with(filter_query, format=exports.CSV),
        "xlsx_query": _with(filter_query, format=exports.XLSX),
        "can_create": can_create_initiative(request.user),
    }
    return _render(request, "initiatives/list.html", context, view="list")


@require_GET
@vary_on_headers("HX-Request")
def initiative_board(request: AuthedHttpRequest) -> HttpResponse:
    form, initiatives, filter_query = _filtered(request)
    list_url = reverse("initiatives:list")
    columns = [
        (column, f"{list_url}?{_with(filter_query, phase=column.phase).urlencode()}")
        for column in selectors.initiative_board(initiatives=initiatives)
    ]
    for column, _url in columns:
        for initiative in column.initiatives:
            initiative.card_html = initiative_cards.draw(initiative)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "columns": columns,
        "column_size": selectors.BOARD_COLUMN_SIZE,
        "filter_query": filter_query,
    }
    return _render(request, "initiatives/board.html", context, view="board")


@require_GET
@vary_on_headers("HX-Request")
def initiative_pipeline(request: AuthedHttpRequest) -> HttpResponse:
    form, initiatives, filter_query = _filtered(request)
    pipeline = selectors.initiative_pipeline(initiatives=initiatives)
    context = {
        "form": form,
        "pipeline": pipeline,
        "chart_data": _chart_data(pipeline),
        "filter_query": filter_query,
    }
    return _render(request, "initiatives/pipeline.html", context, view="pipeline")


class InitiativeCards:
    """Initiative cards (the board's, and the list's with phase and summary) drawn before:
    see ``lmi_portal.core.fragments``. A field added to ``partials/_browse_card.html`` must
    be added to ``key`` too."""

    TEMPLATE = "initiatives/partials/_browse_card.html"

    def __init__(self, size: int = 5000) -> None:
        self._cards = FragmentCache(size)

    @staticmethod
    def key(initiative: Initiative, *, in_list: bool = False) -> tuple[Any, ...]:
        return (
            get_language(),
            in_list,
            initiative.pk,
            initiative.title,
            initiative.tlp,
            initiative.dormant_since,
            initiative.owner_organisation.display_name,
            str(initiative.lead) if initiative.lead_id else "",
            tuple(theme.name for theme in initiative.card_themes),  # type: ignore[attr-defined]
            # The list's cards show the phase and the summary too.
            (initiative.phase, initiative.summary) if in_list else (),
        )

    def draw(self, initiative: Initiative, *, in_list: bool = False) -> SafeString:
        """The card of ``initiative``: the board's (a level-4 heading), or with ``in_list``
        the list's (a level-3 heading, with phase and summary)."""
        context: dict[str, Any] = {"initiative": initiative, "heading_level": 4}
        if in_list:
            context = {"initiative": initiative, "show_phase": True, "show_summary": True}
        return self._cards.get_or_draw(
            self.key(initiative, in_list=in_list),
            lambda: render_to_string(self.TEMPLATE, context),
        )

    def clear(self) -> None:
        self._cards.clear()


initiative_cards = InitiativeCards()


def _chart_data(pipeline: selectors.Pipeline) -> dict[str, Any]:
    """What static/js/pipeline-chart.js draws; the page's table shows the same numbers."""
    return {
        "phases": [label for _code, label in pipeline.phases],
        "codes": [code for code, _label in pipeline.phases],
        "counts": pipeline.counts,
        "weeks": [_("wk %(number)s") % {"number": week.number} for week in pipeline.weeks],
        "flow": [[week.counts[i] for week in pipeline.weeks] for i in range(len(pipeline.phases))],
        "titles": {
            "counts": _("Aantal initiatieven per fase"),
            "flow": _("Naar een fase verplaatst, per week"),
            "initiatives": _("Initiatieven"),
            "changes": _("Fasewijzigingen"),
        },
    }


@require_GET
def initiative_export(request: AuthedHttpRequest) -> HttpResponseBase:
    _form, initiatives, _query = _filtered(request)
    return exports.initiatives_export(
        request=request,
        user=request.user,
        initiatives=selectors.initiative_export_rows(initiatives=initiatives),
        fmt=request.GET.get("format", exports.CSV),
    )
