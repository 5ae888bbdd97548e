"""URLs of the partners app's members pages (included by partners.urls)."""

from django.urls import path

from .views import members as views

urlpatterns = [
    path("organisaties/<int:pk>/leden/", views.members, name="members"),
    path("organisaties/<int:pk>/leden/uitnodigen/", views.member_invite, name="member_invite"),
    path(
        "organisaties/<int:pk>/leden/<int:membership_pk>/rol/",
        views.member_role,
        name="member_role",
    ),
    path(
        "organisaties/<int:pk>/leden/<int:membership_pk>/deactiveren/",
        views.member_deactivate,
        name="member_deactivate",
    ),
    path(
        "organisaties/<int:pk>/leden/uitnodigingen/<int:invitation_pk>/opnieuw/",
        views.member_invitation_resend,
        name="member_invitation_resend",
    ),
    path(
        "organisaties/<int:pk>/leden/uitnodigingen/<int:invitation_pk>/intrekken/",
        views.member_invitation_revoke,
        name="member_invitation_revoke",
    ),
    path("organisaties/<int:pk>/leden/import/", views.member_import, name="member_import"),
    path(
        "organisaties/<int:pk>/leden/import/<int:import_pk>/",
        views.member_import_detail,
        name="member_import_detail",
    ),
    path(
        "organisaties/<int:pk>/leden/import/<int:import_pk>/bevestigen/",
        views.member_import_confirm,
        name="member_import_confirm",
    ),
    path(
        "organisaties/<int:pk>/leden/import/<int:import_pk>/annuleren/",
        views.member_import_cancel,
        name="member_import_cancel",
    ),
]
