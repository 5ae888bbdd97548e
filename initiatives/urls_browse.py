from django.urls import path

from .views import browse

urlpatterns = [
    path("", browse.initiative_list, name="list"),
]
