"""Participants, obstacles, actions and comments of an initiative, and the invitations page.

Every pattern under "<int:pk>/" loads the initiative through the access policy first.
"""

from django.urls import path

from .views import comments, participants, work

urlpatterns = [
    path("uitnodigingen/", participants.invites, name="invites"),
    path("uitnodigingen/<int:invite_pk>/", participants.invite_respond, name="invite_respond"),
    path("<int:pk>/deelnemers/", participants.participants, name="participants"),
    path(
        "<int:pk>/deelnemers/uitnodigen/",
        participants.participation_invite,
        name="participation_invite",
    ),
    path(
        "<int:pk>/deelnemers/uitnodigingen/<int:invite_pk>/intrekken/",
        participants.participation_invite_withdraw,
        name="participation_invite_withdraw",
    ),
    path(
        "<int:pk>/deelnemers/<int:participation_pk>/",
        participants.participation_update,
        name="participation_update",
    ),
    path(
        "<int:pk>/deelnemers/<int:participation_pk>/verlaten/",
        participants.participation_leave,
        name="participation_leave",
    ),
    path("<int:pk>/belemmeringen/", work.obstacles, name="obstacles"),
    path(
        "<int:pk>/belemmeringen/<int:obstacle_pk>/",
        work.obstacle_update,
        name="obstacle_update",
    ),
    path(
        "<int:pk>/belemmeringen/<int:obstacle_pk>/werkgroep/",
        work.obstacle_escalate,
        name="obstacle_escalate",
    ),
    path("<int:pk>/acties/", work.actions, name="actions"),
    path("<int:pk>/acties/<int:action_pk>/", work.action_update, name="action_update"),
    path("<int:pk>/acties/<int:action_pk>/status/", work.action_status, name="action_status"),
    path("<int:pk>/reacties/", comments.comments, name="comments"),
    path(
        "<int:pk>/reacties/<int:comment_pk>/verwijderen/",
        comments.comment_delete,
        name="comment_delete",
    ),
]
