"""URLs of the people directory and person pages (included by network.urls)."""

from django.urls import path

from .views import people as views

urlpatterns = [
    path("", views.index, name="index"),
    path("personen/nieuw/", views.person_create, name="person_create"),
    path("personen/<int:pk>/", views.person_detail, name="person_detail"),
    path("personen/<int:pk>/bewerken/", views.person_edit, name="person_edit"),
    path("personen/<int:pk>/bevestigen/", views.person_confirm, name="person_confirm"),
    path("personen/<int:pk>/gesproken/", views.interaction_log, name="interaction_log"),
    path(
        "personen/<int:pk>/aanstellingen/nieuw/",
        views.affiliation_add,
        name="affiliation_add",
    ),
    path(
        "personen/<int:pk>/aanstellingen/<int:affiliation_pk>/",
        views.affiliation_edit,
        name="affiliation_edit",
    ),
]
