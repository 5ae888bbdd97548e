"""My ties (with the confirm/decline consent step), "Ik ken …", and "Wie kan mij voorstellen?".

Every view starts with ``require_people_access``: the who's-who is for active members only,
everybody else gets the same 404 as for a page that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from partners.http import AuthedHttpRequest

from ..forms_ties import TieDeclareForm
from ..models import Person
from ..permissions import get_person_for_user, get_tie_to_answer_or_404, require_people_access
from ..selectors import directory_organisations, person_directory
from ..services import ties as services

LIST_TEMPLATE = "network/ties/list.html"
DECLARE_TEMPLATE = "network/ties/declare.html"
INTRODUCTIONS_TEMPLATE = "network/ties/introductions.html"
PICKER_LIMIT = 20


def _int_param(request: AuthedHttpRequest, name: str) -> int | None:
    """An id from the query string; a malformed one is a 404 like an unknown one."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise Http404 from None


def _picker_results(request: AuthedHttpRequest, me: Person | None) -> tuple[str, list[Person]]:
    """People found by name for a person picker (at most 20), never the user themself."""
    query = request.GET.get("q", "").strip()[:100]
    if not query:
        return query, []
    people = person_directory(user=request.user, query=query)
    if me is not None:
        people = people.exclude(pk=me.pk)
    return query, list(people[:PICKER_LIMIT])


# --- My ties ----------------------------------------------------------------------------------


def _ties_context(request: AuthedHttpRequest, **extra: Any) -> dict[str, Any]:
    return {"ties": services.my_ties(user=request.user), **extra}


@require_GET
@vary_on_headers("HX-Request")
def ties(request: AuthedHttpRequest) -> HttpResponse:
    require_people_access(request.user)
    template = LIST_TEMPLATE
    if request.htmx and not request.htmx.boosted:
        template += "#my-ties"
    return render(request, template, _ties_context(request))


def _answered(request: AuthedHttpRequest, notice: str) -> HttpResponse:
    """htmx gets the refreshed lists with the outcome in them; a plain form the page."""
    if request.htmx:
        return render(request, LIST_TEMPLATE + "#my-ties", _ties_context(request, notice=notice))
    messages.success(request, notice)
    return redirect("network:ties")


@require_POST
def tie_confirm(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    require_people_access(request.user)
    tie = get_tie_to_answer_or_404(request.user, pk)
    other = tie.declared_by or tie.person_a
    services.tie_confirm(actor=request.user, tie=tie)
    return _answered(request, _("U en %(name)s zijn nu verbonden.") % {"name": other.full_name})


@require_POST
def tie_decline(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    require_people_access(request.user)
    tie = get_tie_to_answer_or_404(request.user, pk)
    other = tie.declared_by or tie.person_a
    services.tie_decline(actor=request.user, tie=tie)
    return _answered(
        request,
        _("De connectie met %(name)s is afgewezen; die blijft onzichtbaar voor anderen.")
        % {"name": other.full_name},
    )


# --- "Ik ken …" -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
def tie_declare(request: AuthedHttpRequest) -> HttpResponse:
    require_people_access(request.user)
    me = services.my_person(user=request.user)
    person_pk = _int_param(request, "persoon")
    if person_pk is None:
        # Step one: find the person by name (the results swap in live with htmx).
        query, results = _picker_results(request, me)
        context = {"query": query, "results": results, "other": None}
        template = DECLARE_TEMPLATE
        if request.htmx and not request.htmx.boosted:
            template += "#picker-results"
        return render(request, template, context)

    other = get_person_for_user(request.user, person_pk)
    form = TieDeclareForm(
        request.POST or None,
        introducers=services.introducer_choices(me=me, other=other),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.tie_declare(
                actor=request.user,
                other=other,
                kind=data["kind"],
                strength=data["strength"],
                introduced_by=data["introduced_by"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Opgegeven: %(name)s bevestigt de connectie nog.") % {"name": other.full_name},
            )
            url = reverse("network:ties")
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return render(
        request,
        DECLARE_TEMPLATE,
        {"other": other, "form": form, "is_me": me is not None and me.pk == other.pk},
    )


# --- "Wie kan mij voorstellen?" ---------------------------------------------------------------


@require_GET
def introductions(request: AuthedHttpRequest) -> HttpResponse:
    require_people_access(request.user)
    person_pk = _int_param(request, "persoon")
    organisation_pk = _int_param(request, "organisatie")
    person = organisation = None
    if person_pk is not None:
        person = get_person_for_user(request.user, person_pk)
    elif organisation_pk is not None:
        organisation = services.introduction_target_organisation(
            user=request.user, pk=organisation_pk
        )
    me = services.my_person(user=request.user)
    query, results = _picker_results(request, me) if person is None else ("", [])
    paths = (
        services.introductions_for(user=request.user, person=person, organisation=organisation)
        if person is not None or organisation is not None
        else []
    )
    return render(
        request,
        INTRODUCTIONS_TEMPLATE,
        {
            "person": person,
            "organisation": organisation,
            "is_me": person is not None and me is not None and person.pk == me.pk,
            "paths": paths,
            "max_hops": services.INTRODUCTION_MAX_HOPS,
            "query": query,
            "results": results,
            "organisations": directory_organisations(user=request.user).order_by("name"),
        },
    )
