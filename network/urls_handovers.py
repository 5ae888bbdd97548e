"""URLs of the network app's handovers pages (included by network.urls)."""

from django.urls import path

from .views import handovers as views

urlpatterns = [
    path("overdrachten/", views.handover_list, name="handovers"),
    path("overdrachten/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("overdrachten/<int:pk>/opvolger/", views.handover_successor, name="handover_successor"),
    path("overdrachten/<int:pk>/uitnodigen/", views.handover_invite, name="handover_invite"),
    path("overdrachten/<int:pk>/uitvoeren/", views.handover_execute, name="handover_execute"),
    path(
        "overdrachten/<int:pk>/introducties/",
        views.handover_introductions,
        name="handover_introductions",
    ),
]
