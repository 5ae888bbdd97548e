"""URLs of the portal admin's pages under /beheer/ (included by partners.urls)."""

from django.urls import path

from .views import beheer as views
from .views import beheer_delivery

urlpatterns = [
    path("beheer/", views.beheer_index, name="beheer"),
    path("beheer/onboarding/", views.onboarding_board, name="beheer_onboarding"),
    path(
        "beheer/organisaties/nieuw/",
        views.organisation_create,
        name="beheer_organisation_create",
    ),
    path(
        "beheer/organisaties/<int:pk>/",
        views.organisation_detail,
        name="beheer_organisation",
    ),
    path(
        "beheer/organisaties/<int:pk>/goedkeuren/",
        views.organisation_approve,
        name="beheer_organisation_approve",
    ),
    path(
        "beheer/organisaties/<int:pk>/schorsen/",
        views.organisation_status,
        {"action": "suspend"},
        name="beheer_organisation_suspend",
    ),
    path(
        "beheer/organisaties/<int:pk>/offboarden/",
        views.organisation_status,
        {"action": "offboard"},
        name="beheer_organisation_offboard",
    ),
    path(
        "beheer/organisaties/<int:pk>/heractiveren/",
        views.organisation_status,
        {"action": "reactivate"},
        name="beheer_organisation_reactivate",
    ),
    path(
        "beheer/organisaties/<int:pk>/uitnodigen/",
        views.organisation_invite_contact,
        name="beheer_organisation_invite",
    ),
    path(
        "beheer/organisaties/<int:pk>/uitnodigingen/<int:invitation_pk>/opnieuw/",
        views.invitation_resend,
        name="beheer_invitation_resend",
    ),
    path("beheer/deelgroepen/", views.sharing_group_list, name="beheer_sharing_groups"),
    path(
        "beheer/deelgroepen/nieuw/",
        views.sharing_group_edit,
        name="beheer_sharing_group_create",
    ),
    path(
        "beheer/deelgroepen/<int:pk>/",
        views.sharing_group_edit,
        name="beheer_sharing_group_edit",
    ),
    path("beheer/audit/", views.audit_log_view, name="beheer_audit"),
    path("beheer/audit/export/", views.audit_log_export, name="beheer_audit_export"),
    path("beheer/ontvangers/", beheer_delivery.delivery_recipients, name="beheer_recipients"),
    path("beheer/verzendlog/", beheer_delivery.delivery_log, name="beheer_delivery_log"),
    path(
        "beheer/verzendlog/<int:pk>/onbestelbaar/",
        beheer_delivery.delivery_mark_bounced,
        name="beheer_delivery_mark_bounced",
    ),
]
