"""Reads of participants, obstacles, actions and comments, for the initiative's page.

The caller has already loaded the initiative through ``initiative_get`` (the access policy);
everything here hangs off that one initiative.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from partners.access import managed_organisation_ids, user_organisation_ids
from partners.models import Membership, Organisation, User

from ..forms_work import (
    ActionForm,
    CommentForm,
    InviteForm,
    ObstacleForm,
    ObstacleUpdateForm,
    ParticipationForm,
)
from ..models import (
    ActionItem,
    Comment,
    Initiative,
    Obstacle,
    Participation,
    ParticipationInvite,
)
from ..permissions import can_comment, can_contribute, can_edit_initiative

# Open work first, then what is under way, then what is finished.
OBSTACLE_STATUS_ORDER: dict[str, int] = {
    Obstacle.Status.OPEN: 0,
    Obstacle.Status.IN_PROGRESS: 1,
    Obstacle.Status.RESOLVED: 2,
}
ACTION_STATUS_ORDER: dict[str, int] = {
    ActionItem.Status.OPEN: 0,
    ActionItem.Status.DONE: 1,
    ActionItem.Status.CANCELLED: 2,
}


@dataclass
class ParticipationRow:
    participation: Participation
    can_edit: bool
    can_leave: bool
    # True when the org's own admin leaves (wording: "leave" rather than "remove").
    is_own_admin: bool
    form: Any = None


@dataclass
class ObstacleRow:
    obstacle: Obstacle
    form: Any = None
    form_open: bool = False


@dataclass
class ActionRow:
    action: ActionItem
    form: Any = None
    form_open: bool = False


@dataclass
class CommentRow:
    comment: Comment
    author_organisation: str
    can_delete: bool


def initiative_owner_choices(*, initiative: Initiative) -> list[tuple[User, str]]:
    """Who may own an obstacle or action: active members of the owner organisation and of the
    participating organisations, as (user, "Name (Org)") pairs. One query."""
    taking_part = Participation.objects.filter(initiative=initiative).values("organisation_id")
    memberships = (
        Membership.objects.counting()
        .filter(user__is_active=True)
        .filter(
            Q(organisation_id=initiative.owner_organisation_id) | Q(organisation_id__in=taking_part)
        )
        .select_related("user", "organisation")
        .order_by("user__last_name", "user__first_name", "user__email", "organisation__name")
    )
    seen: set[int] = set()
    options: list[tuple[User, str]] = []
    for membership in memberships:
        if membership.user_id in seen:
            continue
        seen.add(membership.user_id)
        options.append(
            (membership.user, f"{membership.user} ({membership.organisation.display_name})")
        )
    return options


def initiative_owner_ids(*, initiative: Initiative) -> set[int]:
    """The ids of the users ``initiative_owner_choices`` offers."""
    return {user.pk for user, _label in initiative_owner_choices(initiative=initiative)}


def invitable_organisations(
    *, initiative: Initiative, taken: set[int] | None = None
) -> list[Organisation]:
    """Active organisations that neither own nor take part in the initiative, nor have an
    invitation open. ``taken`` spares the queries when the caller knows those already."""
    if taken is None:
        taken = {initiative.owner_organisation_id}
        taken.update(
            Participation.objects.filter(initiative=initiative).values_list(
                "organisation_id", flat=True
            )
        )
        taken.update(
            ParticipationInvite.objects.filter(
                initiative=initiative, status=ParticipationInvite.Status.PENDING
            ).values_list("organisation_id", flat=True)
        )
    # Only what the invitation form and service read: a programme manager may invite any of a
    # thousand organisations, and every detail page draws the list.
    active = (
        Organisation.objects.filter(status=Organisation.Status.ACTIVE)
        .only("pk", "name", "short_name", "status")
        .order_by("name")
    )
    return [org for org in active if org.pk not in taken]


def participation_invites_for_admin(*, user: Any) -> QuerySet[ParticipationInvite]:
    """Pending invitations to the organisations ``user`` administers, oldest first.

    The inviter chose to show these organisations' admins the title and summary; the page
    shows nothing else of the initiative until the invitation is accepted.
    """
    return (
        ParticipationInvite.objects.filter(
            status=ParticipationInvite.Status.PENDING,
            organisation_id__in=managed_organisation_ids(user),
        )
        .select_related(
            "initiative", "initiative__owner_organisation", "organisation", "invited_by"
        )
        .order_by("created_at", "id")
    )


def participation_invite_for_admin(*, user: Any, pk: int) -> ParticipationInvite:
    """One invitation to an organisation ``user`` administers (any status); 404 otherwise."""
    try:
        return ParticipationInvite.objects.select_related("initiative", "organisation").get(
            pk=pk, organisation_id__in=managed_organisation_ids(user)
        )
    except ParticipationInvite.DoesNotExist:
        raise Http404 from None


def initiative_work_context(
    *, user: Any, initiative: Initiative, forms: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Template context for the participants, obstacles, actions and comments partials.

    A bounded number of queries whatever the number of rows. ``forms`` lets a view put a bound
    (invalid) form in place of a fresh one: keys ``invite_form``, ``obstacle_form``,
    ``action_form``, ``comment_form``, ``participation:<pk>``, ``obstacle:<pk>``,
    ``action:<pk>``.
    """
    forms = forms or {}
    # Each predicate once; the rows below derive from these.
    participations = list(
        initiative.participations.select_related("organisation").order_by("organisation__name")
    )
    editor = can_edit_initiative(user, initiative)
    contributor = editor or can_contribute(user, initiative, participations)
    commenter = can_comment(user, initiative)
    own_orgs = user_organisation_ids(user)
    managed = managed_organisation_ids(user)
    participation_rows = []
    for participation in participations:
        row = ParticipationRow(
            participation=participation,
            can_edit=editor or participation.organisation_id in own_orgs,
            can_leave=editor or participation.organisation_id in managed,
            is_own_admin=participation.organisation_id in managed,
        )
        if row.can_edit:
            row.form = forms.get(f"participation:{participation.pk}") or ParticipationForm(
                instance=participation
            )
        participation_rows.append(row)

    pending_invites: list[ParticipationInvite] = []
    invite_form = None
    if editor:
        pending_invites = list(
            initiative.participation_invites.filter(status=ParticipationInvite.Status.PENDING)
            .select_related("organisation", "invited_by")
            .order_by("organisation__name")
        )
        taken = {initiative.owner_organisation_id}
        taken.update(p.organisation_id for p in participations)
        taken.update(i.organisation_id for i in pending_invites)
        invitable = invitable_organisations(initiative=initiative, taken=taken)
        invite_form = forms.get("invite_form") or InviteForm(organisations=invitable)

    owners: list[tuple[User, str]] = (
        initiative_owner_choices(initiative=initiative) if contributor else []
    )

    obstacle_rows = []
    obstacles = sorted(
        initiative.obstacles.select_related("owner", "escalated_by"),
        key=lambda o: (OBSTACLE_STATUS_ORDER.get(o.status, 9), -o.raised_on.toordinal(), -o.pk),
    )
    for obstacle in obstacles:
        obstacle_row = ObstacleRow(obstacle=obstacle)
        if contributor:
            bound = forms.get(f"obstacle:{obstacle.pk}")
            obstacle_row.form_open = bound is not None
            obstacle_row.form = bound or ObstacleUpdateForm(
                owners=owners,
                id_prefix=f"obstacle-{obstacle.pk}",
                initial={
                    "status": obstacle.status,
                    "category": obstacle.category,
                    "owner": obstacle.owner_id or "",
                },
            )
        obstacle_rows.append(obstacle_row)

    action_rows = []
    actions = sorted(
        initiative.actions.select_related("owner"),
        key=lambda a: (
            ACTION_STATUS_ORDER.get(a.status, 9),
            a.due_date is None,
            a.due_date.toordinal() if a.due_date else 0,
            a.pk,
        ),
    )
    for action in actions:
        action_row = ActionRow(action=action)
        if contributor:
            bound = forms.get(f"action:{action.pk}")
            action_row.form_open = bound is not None
            action_row.form = bound or ActionForm(
                owners=owners,
                id_prefix=f"action-{action.pk}",
                initial={
                    "title": action.title,
                    "owner": action.owner_id or "",
                    "due_date": action.due_date,
                },
            )
        action_rows.append(action_row)

    comments = initiative.comments.select_related("author").prefetch_related(
        Prefetch(
            "author__memberships",
            queryset=Membership.objects.current().select_related("organisation"),
            to_attr="current_memberships",
        )
    )
    comment_rows = []
    for comment in comments:
        author = comment.author
        memberships = getattr(author, "current_memberships", []) if author else []
        comment_rows.append(
            CommentRow(
                comment=comment,
                author_organisation=", ".join(m.organisation.display_name for m in memberships),
                can_delete=author is not None and (author.pk == user.pk or editor),
            )
        )

    return {
        "participations": participations,
        "can_contribute": contributor,
        "can_comment": commenter,
        "can_manage_participants": editor,
        "managed_org_ids": managed,
        "participation_rows": participation_rows,
        "pending_invites": pending_invites,
        "invite_form": invite_form,
        "obstacle_rows": obstacle_rows,
        "obstacle_form": (
            forms.get("obstacle_form") or ObstacleForm(owners=owners, id_prefix="new-obstacle")
            if contributor
            else None
        ),
        "action_rows": action_rows,
        "action_form": (
            forms.get("action_form") or ActionForm(owners=owners, id_prefix="new-action")
            if contributor
            else None
        ),
        "comment_rows": comment_rows,
        "comment_form": (forms.get("comment_form") or CommentForm()) if commenter else None,
    }
