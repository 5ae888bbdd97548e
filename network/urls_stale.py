"""URLs of the stale-contacts dashboard and the one-click confirm link (in network.urls)."""

from django.urls import path

from .views import stale as views

urlpatterns = [
    path("verouderd/", views.dashboard, name="stale"),
    path("bevestigen/<str:token>/", views.confirm_link, name="confirm_link"),
]
