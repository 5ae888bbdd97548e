"""Request type for views behind login: a real User and django-htmx's details."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from .models import User


class AuthedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails
