from django.urls import path

from .views import initiatives

urlpatterns = [
    path("nieuw/", initiatives.initiative_create, name="create"),
    path("<int:pk>/", initiatives.initiative_detail, name="detail"),
    path("werkgroep/", initiatives.werkgroep, name="werkgroep"),
]
