from django.urls import path

from .views import library

urlpatterns = [
    path("", library.index, name="index"),
]
