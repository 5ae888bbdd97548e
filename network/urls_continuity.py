"""URLs of the continuity analysis and the network map (included by network.urls)."""

from django.urls import path

from .views import continuity as views

urlpatterns = [
    path("continuiteit/", views.continuity, name="continuity"),
    path("continuiteit/berekenen/", views.continuity_run_start, name="continuity_run_start"),
    path(
        "continuiteit/berekeningen/<int:pk>/",
        views.continuity_run_status,
        name="continuity_run_status",
    ),
    path("kaart/", views.network_map, name="map"),
    path("kaart/data.json", views.network_map_data, name="map_data"),
]
