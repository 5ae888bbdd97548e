"""The actions dashboard and the werkgroep calendar feed (and its settings page)."""

from django.urls import URLPattern, URLResolver, path

from .views import actions, calendar

urlpatterns: list[URLPattern | URLResolver] = [
    path("acties/", actions.dashboard, name="actions_dashboard"),
    path("acties/<int:action_pk>/afgerond/", actions.action_done, name="action_done"),
    path("werkgroep/agenda-abonnement/", calendar.calendar_settings, name="calendar"),
    path("werkgroep/agenda/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
]
