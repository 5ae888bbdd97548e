from django.urls import path

from .views import pulse

urlpatterns = [
    path("monitor/", pulse.pulse_list, name="pulse_list"),
    path("monitor/nieuw/", pulse.pulse_open, name="pulse_open"),
    path("monitor/<int:pk>/", pulse.pulse_results, name="pulse_results"),
    path("monitor/<int:pk>/export/", pulse.pulse_export, name="pulse_export"),
    path("monitor/<int:pk>/sluiten/", pulse.pulse_close, name="pulse_close"),
    path("monitor/<int:pk>/antwoorden/", pulse.pulse_answer, name="pulse_answer"),
    path("monitor/<int:pk>/bedankt/", pulse.pulse_thanks, name="pulse_thanks"),
]
