"""URLs of the people directory and person pages (included by network.urls)."""

from django.urls import path

from .views import people as views

urlpatterns = [path("", views.index, name="index")]
