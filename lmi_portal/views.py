"""Project-level pages that draw on several apps."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from initiatives.permissions import can_create_initiative
from initiatives.selectors import initiative_list


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    visible = initiative_list(user=request.user)
    context = {
        "recent_initiatives": list(visible[:8]),
        "initiative_count": visible.count(),
        "can_create": can_create_initiative(request.user),
    }
    return render(request, "dashboard.html", context)
