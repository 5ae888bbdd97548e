"""The mail server's bounce webhook: POST /berichten/bounce/ with a bearer token.

Without a configured token, or with a wrong or missing one, it answers the same 404 as a path
that does not exist, so nobody can find out it is there.
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .ratelimit import limit_per_address
from .services import email_bounce_record

_BEARER = "bearer "


def _authorised(request: HttpRequest) -> bool:
    token = settings.EMAIL_BOUNCE_TOKEN
    header = request.headers.get("Authorization", "")
    if not token or not header.lower().startswith(_BEARER):
        return False
    given = header[len(_BEARER) :].strip()
    return hmac.compare_digest(given.encode(), token.encode())


def _payload(request: HttpRequest) -> dict[str, Any]:
    """The JSON body, or the form fields; anything unreadable counts as empty."""
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return {}
        return data if isinstance(data, dict) else {}
    return {"address": request.POST.get("address", ""), "detail": request.POST.get("detail", "")}


@login_not_required
@csrf_exempt  # the mail server posts without a session; the bearer token is the key
@never_cache
@limit_per_address("bounce-webhook")
def bounce_webhook(request: HttpRequest) -> HttpResponseBase:
    """Mark an address as bouncing: 200 {"marked": n}, or 400 for a missing/invalid address."""
    if not _authorised(request):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    data = _payload(request)
    address = data.get("address")
    detail = data.get("detail")
    if not isinstance(address, str) or len(address) > 254:
        return JsonResponse({"error": "address missing or invalid"}, status=400)
    address = address.strip()
    try:
        validate_email(address)
    except ValidationError:
        return JsonResponse({"error": "address missing or invalid"}, status=400)
    marked = email_bounce_record(
        address=address, source="webhook", detail=detail if isinstance(detail, str) else ""
    )
    return JsonResponse({"marked": marked})
