"""The people directory (expert finder), person pages, editing and "we spoke".

The who's-who is for active members only: every view starts with an accessor from
``network.permissions`` that answers 404 to anyone else, and to anyone who may not edit.
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

from lmi_portal.core.paging import CappedPaginator
from partners.access import user_organisation_ids
from partners.http import AuthedHttpRequest

from .. import selectors
from ..forms_people import (
    AffiliationAddForm,
    AffiliationForm,
    InteractionForm,
    PersonCreateForm,
    PersonFilterForm,
    PersonForm,
)
from ..models import Affiliation, Person
from ..permissions import (
    can_edit_person,
    get_person_for_user,
    is_network_admin,
    require_people_access,
)
from ..services import people as services
from ..services.affiliations import person_for_user
from ..services.continuity import continuity_can_view

PAGE_SIZE = 25
DETAIL_TEMPLATE = "network/people/detail.html"
EDIT_TEMPLATE = "network/people/edit.html"


def _redirect(request: AuthedHttpRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a full page load (never a bare 302 to htmx)."""
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


@require_GET
@vary_on_headers("HX-Request")
def index(request: AuthedHttpRequest) -> HttpResponse:
    """The expert finder: people by name, expertise, theme, system and organisation."""
    require_people_access(request.user)
    organisations = selectors.directory_organisations(user=request.user)
    form = PersonFilterForm(request.GET or None, organisations=organisations)
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # apply every valid filter; an unknown value filters on nothing
        data = form.cleaned_data
    people = selectors.person_directory(
        user=request.user,
        query=data.get("q") or "",
        theme=data.get("theme"),
        system=data.get("system"),
        organisation=data.get("organisation"),
    )
    page = CappedPaginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    filter_query = request.GET.copy()
    filter_query.pop("page", None)
    template = "network/people/index.html"
    if request.htmx and not request.htmx.boosted:
        return render(request, template + "#results", {"page": page, "filter_query": filter_query})
    context = {
        "form": form,
        "page": page,
        "filter_query": filter_query,
        # Programme managers and organisation admins also look after the network's health.
        "can_manage_network": continuity_can_view(request.user),
    }
    return render(request, template, context)


def _detail_context(request: AuthedHttpRequest, person: Person) -> dict[str, Any]:
    viewer = request.user
    affiliations = selectors.person_affiliation_rows(person=person)
    can_edit = can_edit_person(viewer, person)
    # Contact details stay within the organisation (as on its profile) and with the editors.
    contact_org_ids = set(user_organisation_ids(viewer))
    if can_edit:
        contact_org_ids |= {row.affiliation.organisation_id for row in affiliations}
    return {
        "person": person,
        "affiliations": affiliations,
        "contact_org_ids": contact_org_ids,
        "ties": selectors.person_ties(user=viewer, person=person),
        "sections": selectors.person_sections_for(user=viewer, person=person),
        "can_edit": can_edit,
        "can_anonymise": is_network_admin(viewer),
        "is_self": person.user_id == viewer.pk,
        "interaction_form": InteractionForm(),
    }


@require_GET
def person_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, person))


@require_POST
def interaction_log(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """ "We spoke": log a conversation between the viewer and this person."""
    person = get_person_for_user(request.user, pk)
    form = InteractionForm(request.POST)
    notice = error = ""
    if person.user_id == request.user.pk:
        error = _("U kunt geen gesprek met uzelf vastleggen.")
    elif not form.is_valid():
        error = _("Kies een geldige soort contact.")
    else:
        try:
            services.interaction_log(
                actor=request.user,
                people=[person_for_user(user=request.user), person],
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            notice = _("Vastgelegd: u hebt %(name)s gesproken.") % {"name": person.full_name}
    if request.htmx:
        return render(
            request,
            DETAIL_TEMPLATE + "#interaction",
            {
                "person": person,
                "is_self": person.user_id == request.user.pk,
                "interaction_form": InteractionForm(),
                "interaction_notice": notice,
                "interaction_error": error,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect(person.get_absolute_url())


@require_POST
def person_confirm(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """ "Dit klopt nog": confirm the record as it stands."""
    person = get_person_for_user(request.user, pk, write=True)
    services.person_confirm(actor=request.user, person=person)
    messages.success(
        request, _("Bedankt: het record van %(name)s is bevestigd.") % {"name": person.full_name}
    )
    return _redirect(request, person.get_absolute_url())


def _edit_context(
    request: AuthedHttpRequest,
    person: Person,
    *,
    form: PersonForm | None = None,
    add_form: AffiliationAddForm | None = None,
    affiliation_forms: dict[int, AffiliationForm] | None = None,
) -> dict[str, Any]:
    organisations = selectors.directory_organisations(user=request.user)
    overrides = affiliation_forms or {}
    affiliations = person.affiliations.select_related("organisation").order_by("-start_date", "-pk")
    return {
        "person": person,
        "form": form or PersonForm(instance=person, stewards=selectors.steward_choices()),
        "affiliation_forms": [
            (a, overrides.get(a.pk) or AffiliationForm(instance=a)) for a in affiliations
        ],
        "add_form": add_form or AffiliationAddForm(organisations=organisations),
    }


@require_http_methods(["GET", "POST"])
def person_edit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, write=True)
    form = None
    if request.method == "POST":
        form = PersonForm(request.POST, instance=person, stewards=selectors.steward_choices())
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.person_update(
                    actor=request.user,
                    person=person,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    expertise=data["expertise"],
                    themes=data["themes"],
                    systems=data["systems"],
                    steward=data["steward"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Opgeslagen en bevestigd."))
                return _redirect(request, person.get_absolute_url())
        # A failed save must not leave the half-changed instance on the page's title.
        person.refresh_from_db()
    return render(request, EDIT_TEMPLATE, _edit_context(request, person, form=form))


@require_POST
def affiliation_add(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, write=True)
    organisations = selectors.directory_organisations(user=request.user)
    form = AffiliationAddForm(request.POST, organisations=organisations)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.affiliation_add(
                actor=request.user,
                person=person,
                organisation=data["organisation"],
                title=data["title"],
                start_date=data["start_date"],
                expected_rotation_date=data["expected_rotation_date"],
                email=data["email"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Aanstelling toegevoegd."))
            return _redirect(request, _edit_url(person))
    return render(request, EDIT_TEMPLATE, _edit_context(request, person, add_form=form))


@require_POST
def affiliation_edit(request: AuthedHttpRequest, pk: int, affiliation_pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk, write=True)
    affiliation = (
        Affiliation.objects.filter(person=person, pk=affiliation_pk)
        .select_related("person", "organisation")
        .first()
    )
    if affiliation is None:
        raise Http404
    form = AffiliationForm(request.POST, instance=affiliation)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.affiliation_update(
                actor=request.user,
                affiliation=affiliation,
                title=data["title"],
                expected_rotation_date=data["expected_rotation_date"],
                end_date=data["end_date"],
                email=data["email"],
                phone=data["phone"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Aanstelling opgeslagen."))
            return _redirect(request, _edit_url(person))
    return render(
        request,
        EDIT_TEMPLATE,
        _edit_context(request, person, affiliation_forms={affiliation.pk: form}),
    )


def _edit_url(person: Person) -> str:
    return reverse("network:person_edit", args=[person.pk])


@require_http_methods(["GET", "POST"])
def person_create(request: AuthedHttpRequest) -> HttpResponse:
    """Add someone without a login; the creator becomes the record's steward."""
    require_people_access(request.user)
    organisations = selectors.directory_organisations(user=request.user)
    own = sorted(user_organisation_ids(request.user))
    form = PersonCreateForm(
        request.POST or None,
        organisations=organisations,
        initial_organisation=own[0] if own else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.person_create(
                actor=request.user,
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation=data["organisation"],
                title=data["title"],
                email=data["email"],
                phone=data["phone"],
                expected_rotation_date=data["expected_rotation_date"],
                expertise=data["expertise"],
                themes=data["themes"],
                systems=data["systems"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(name)s is toegevoegd.") % {"name": person.full_name})
            return _redirect(request, person.get_absolute_url())
    return render(request, "network/people/create.html", {"form": form})
