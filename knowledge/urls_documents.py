from django.urls import path

from .views import documents

urlpatterns = [
    path("<int:pk>/versies/nieuw/", documents.version_upload, name="version_upload"),
    path(
        "<int:pk>/versies/<int:version>/download/",
        documents.version_download,
        name="download",
    ),
    path(
        "<int:pk>/versies/<int:version>/voorbeeld/",
        documents.version_preview,
        name="preview",
    ),
]
