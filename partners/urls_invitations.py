"""URLs of invitations, the common understanding and join requests (included by partners.urls)."""

from django.urls import path

from .views import common_understanding, invitations, join_requests

urlpatterns = [
    path("uitnodiging/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path(
        "gemeenschappelijk-begrip/",
        common_understanding.common_understanding,
        name="common_understanding",
    ),
    path(
        "gemeenschappelijk-begrip/nieuw/",
        common_understanding.common_understanding_new,
        name="common_understanding_new",
    ),
    path(
        "aanmelden-bij-organisatie/",
        join_requests.join_organisation,
        name="join_organisation",
    ),
    path(
        "organisaties/<int:pk>/aanmeldverzoeken/",
        join_requests.join_request_list,
        name="join_request_list",
    ),
    path(
        "organisaties/<int:pk>/aanmeldverzoeken/<int:request_pk>/",
        join_requests.join_request_decide,
        name="join_request_decide",
    ),
]
