from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from partners.http import AuthedHttpRequest


@require_GET
def index(request: AuthedHttpRequest) -> HttpResponse:
    return render(request, "knowledge/index.html")
