from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from partners.selectors import member_directory


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    page = Paginator(member_directory(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "network/index.html", {"page": page})
