"""A per-address limit for the pages people reach through a secret link (invitations, confirm
and unsubscribe links, the calendar feed, the bounce webhook), so tokens cannot be guessed at
speed. Sign-in, sign-up and password reset are limited by allauth (ACCOUNT_RATE_LIMITS)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase

R = TypeVar("R", bound=HttpResponseBase)


def too_many(request: HttpRequest, *, scope: str, rate: int, window: int) -> bool:
    """Count this request in a fixed window per client address; True once over ``rate``.
    A cache that is down never blocks anyone (the count then simply starts again)."""
    key = f"ratelimit:{scope}:{request.META.get('REMOTE_ADDR', '')}"
    try:
        cache.add(key, 0, window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
            count = 1
    except Exception:
        return False
    return count > rate


def limit_per_address(
    scope: str,
) -> Callable[[Callable[..., R]], Callable[..., R | HttpResponse]]:
    """Answer 429 with Retry-After once a client address passes ``LINK_RATE_LIMIT`` requests
    in ``LINK_RATE_WINDOW`` seconds on this page (settings, read per request)."""

    def decorate(view: Callable[..., R]) -> Callable[..., R | HttpResponse]:
        @wraps(view)
        def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> R | HttpResponse:
            window = settings.LINK_RATE_WINDOW
            if too_many(request, scope=scope, rate=settings.LINK_RATE_LIMIT, window=window):
                return HttpResponse(
                    "Te veel verzoeken / Too many requests",
                    status=429,
                    content_type="text/plain; charset=utf-8",
                    headers={"Retry-After": str(window)},
                )
            return view(request, *args, **kwargs)

        return limited

    return decorate
