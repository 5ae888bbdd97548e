from django.urls import path

from .views import items, library

urlpatterns = [
    path("", library.index, name="index"),
    path("te-herzien/", library.review, name="review"),
    path("nieuw/", items.item_create, name="create"),
    path("<int:pk>/", items.item_detail, name="detail"),
    path("<int:pk>/bewerken/", items.item_edit, name="edit"),
    path("<int:pk>/publiceren/", items.item_publish, name="publish"),
    path("<int:pk>/archiveren/", items.item_archive, name="archive"),
    path("<int:pk>/bevestigen/", items.item_attest, name="attest"),
    path("<int:pk>/fase/", items.item_lesson_stage, name="lesson_stage"),
]
