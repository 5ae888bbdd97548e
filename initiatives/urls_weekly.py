from django.urls import URLPattern, URLResolver, path

from .views import weekly

urlpatterns: list[URLPattern | URLResolver] = [
    path("werkgroep/", weekly.werkgroep, name="werkgroep"),
    path("werkgroep/op-de-agenda/", weekly.agenda_put, name="agenda_put"),
]
