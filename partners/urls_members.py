"""URLs of the partners app's members pages (included by partners.urls)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
