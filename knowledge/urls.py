from django.urls import path

from . import views

app_name = "knowledge"

urlpatterns = [path("", views.index, name="index")]
