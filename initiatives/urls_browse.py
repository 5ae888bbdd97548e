from django.urls import path

from .views import browse

urlpatterns = [
    path("", browse.initiative_list, name="list"),
    path("bord/", browse.initiative_board, name="board"),
    path("pijplijn/", browse.initiative_pipeline, name="pipeline"),
    path("export/", browse.initiative_export, name="export"),
]
