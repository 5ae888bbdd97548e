"""GDPR/AVG pages: what the portal keeps about me (and its JSON download); anonymising."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from partners.decorators import membership_not_required
from partners.http import AuthedHttpRequest

from .. import selectors
from ..permissions import get_person_for_admin
from ..services import privacy as services


@membership_not_required  # the right to see one's own data does not end with a membership
@require_GET
def my_data(request: AuthedHttpRequest) -> HttpResponse:
    person = selectors.person_own_record(user=request.user)
    data = selectors.person_data_export(person=person) if person is not None else None
    if request.GET.get("format") == "json":
        payload = json.dumps(data or {}, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        response = HttpResponse(payload, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="mijn-gegevens.json"'
        return response
    return render(request, "network/privacy/my_data.html", {"person": person, "data": data})


@require_http_methods(["GET", "POST"])
def person_anonymise(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """A portal admin erases a person: a confirm page, then the POST that does it."""
    person = get_person_for_admin(request.user, pk)
    if request.method == "POST":
        services.person_anonymise(actor=request.user, person=person)
        messages.success(request, _("De persoon is geanonimiseerd."))
        return redirect("dashboard")
    return render(request, "network/privacy/anonymise.html", {"person": person})
