"""URLs of the partners app's invitations pages (included by partners.urls)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
