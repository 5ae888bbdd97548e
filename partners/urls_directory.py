"""URLs of the organisation directory and profiles (included by partners.urls)."""

from django.urls import path

from .views import directory as views
from .views import profile as profile_views

urlpatterns = [
    path("organisaties/", views.organisation_list, name="organisation_list"),
    path("organisaties/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisaties/<int:pk>/logo/", views.organisation_logo, name="organisation_logo"),
    path(
        "organisaties/<int:pk>/profiel/",
        profile_views.organisation_profile,
        name="organisation_profile",
    ),
    path(
        "organisaties/<int:pk>/profiel/stap-<int:step>/",
        profile_views.organisation_profile,
        name="organisation_profile_step",
    ),
]
