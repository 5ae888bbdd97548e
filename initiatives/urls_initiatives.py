from django.urls import path

from .views import initiatives

urlpatterns = [
    path("nieuw/", initiatives.initiative_create, name="create"),
    path("successen/", initiatives.initiative_successes, name="successes"),
    path("<int:pk>/", initiatives.initiative_detail, name="detail"),
    path("<int:pk>/bewerken/", initiatives.initiative_edit, name="edit"),
    path("<int:pk>/fase/", initiatives.initiative_phase, name="phase"),
    path("<int:pk>/afsluiten/", initiatives.initiative_close, name="close"),
]
