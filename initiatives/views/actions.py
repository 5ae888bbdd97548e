"""The actions dashboard: open and overdue actions across initiatives and werkgroep meetings,
filtered by owner or organisation, and marked done inline (htmx swaps the row)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from lmi_portal.core.querystring import query_id
from partners.http import AuthedHttpRequest

from ..selectors import actions as selectors
from ..services.actions import action_mark_done

TEMPLATE = "initiatives/actions/dashboard.html"
PAGE_SIZE = 50
FILTER_KEYS = ("eigenaar", "organisatie", "mijn", "groep")


def _filters(query: QueryDict) -> selectors.ActionFilters:
    group = query.get("groep", "")
    return selectors.ActionFilters(
        owner_id=query_id(query.get("eigenaar")),
        organisation_id=query_id(query.get("organisatie")),
        mine=query.get("mijn") == "1",
        group=group if group in selectors.GROUPS else "",
    )


def _filter_query(query: QueryDict) -> QueryDict:
    """Only the dashboard's own filter parameters, for links and the way back after a POST."""
    kept = QueryDict(mutable=True)
    for key in FILTER_KEYS:
        value = query.get(key)
        if value:
            kept[key] = value[:20]
    return kept


@require_GET
@vary_on_headers("HX-Request")
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    filters = _filters(request.GET)
    actions = selectors.action_open_list(user=request.user, filters=filters)
    page = Paginator(actions, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    owners, organisations = selectors.action_filter_choices(user=request.user)
    context = {
        "page": page,
        "groups": selectors.action_groups(actions=rows, group=filters.group),
        "can_done": selectors.action_done_allowed_ids(user=request.user, actions=rows),
        "counts": selectors.action_counts(user=request.user),
        "filters": filters,
        "filter_query": _filter_query(request.GET),
        "owners": owners,
        "organisations": organisations,
        "group_choices": [
            ("", _("geen")),
            (selectors.GROUP_OWNER, _("per eigenaar")),
            (selectors.GROUP_ORGANISATION, _("per organisatie")),
        ],
    }
    template = f"{TEMPLATE}#action-results" if request.htmx else TEMPLATE
    return render(request, template, context)


@require_POST
def action_done(request: AuthedHttpRequest, action_pk: int) -> HttpResponse:
    """Mark one action done. Someone who may see the action but not finish it gets a 404,
    as on the initiative's page; nothing changes."""
    action = selectors.action_get(user=request.user, pk=action_pk)
    error = ""
    try:
        action = action_mark_done(actor=request.user, action=action)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if request.htmx:
        return render(
            request,
            f"{TEMPLATE}#action-row",
            {"action": action, "can_done": set(), "row_error": error, "just_done": not error},
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("“%(title)s” is afgerond.") % {"title": action.title})
    back = _filter_query(QueryDict(request.POST.get("terug", "")))
    url = reverse("initiatives:actions_dashboard")
    return redirect(f"{url}?{urlencode(back)}" if back else url)
