"""URLs of the organisation directory and profiles (included by partners.urls)."""

from django.urls import path

from .views import directory as views

urlpatterns = [
    path("organisaties/", views.organisation_list, name="organisation_list"),
    path("organisaties/<int:pk>/", views.organisation_detail, name="organisation_detail"),
]
