"""Live minutes, publishing, print and export of werkgroep meetings (see views.minutes)."""

from django.urls import URLPattern, URLResolver, path

from .views import minutes

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "werkgroep/agendapunten/<int:item_pk>/verslag/",
        minutes.minutes_save,
        name="minutes_save",
    ),
    path(
        "werkgroep/agendapunten/<int:item_pk>/besluiten/",
        minutes.decision_add,
        name="decision_add",
    ),
    path(
        "werkgroep/agendapunten/<int:item_pk>/besluiten/<int:decision_pk>/verwijderen/",
        minutes.decision_delete,
        name="decision_delete",
    ),
    path(
        "werkgroep/agendapunten/<int:item_pk>/acties/",
        minutes.meeting_action_add,
        name="meeting_action_add",
    ),
    path(
        "werkgroep/agendapunten/<int:item_pk>/acties/<int:action_pk>/verwijderen/",
        minutes.meeting_action_delete,
        name="meeting_action_delete",
    ),
    path(
        "werkgroep/bijeenkomsten/<int:pk>/publiceren/",
        minutes.meeting_publish,
        name="meeting_publish",
    ),
    path(
        "werkgroep/bijeenkomsten/<int:pk>/afdrukken/",
        minutes.meeting_print,
        name="meeting_print",
    ),
    path(
        "werkgroep/bijeenkomsten/<int:pk>/verslag.docx",
        minutes.meeting_export,
        name="meeting_export",
    ),
]
