"""Werkgroep meetings and their agenda (the minutes, weekly view and actions live in their own
url modules)."""

from django.urls import URLPattern, URLResolver, path

from .views import werkgroep as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("werkgroep/bijeenkomsten/", views.meetings, name="meeting_list"),
    path("werkgroep/bijeenkomsten/nieuw/", views.meeting_create, name="meeting_create"),
    path("werkgroep/bijeenkomsten/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("werkgroep/bijeenkomsten/<int:pk>/bewerken/", views.meeting_edit, name="meeting_edit"),
    path("werkgroep/bijeenkomsten/<int:pk>/volgende/", views.meeting_next, name="meeting_next"),
    path("werkgroep/bijeenkomsten/<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path(
        "werkgroep/bijeenkomsten/<int:pk>/agenda/volgorde/",
        views.agenda_reorder,
        name="agenda_reorder",
    ),
    path(
        "werkgroep/agendapunten/<int:item_pk>/verplaatsen/",
        views.agenda_item_move,
        name="agenda_item_move",
    ),
    path(
        "werkgroep/agendapunten/<int:item_pk>/status/",
        views.agenda_item_status,
        name="agenda_item_status",
    ),
    path(
        "werkgroep/agendapunten/<int:item_pk>/bewerken/",
        views.agenda_item_edit,
        name="agenda_item_edit",
    ),
]
