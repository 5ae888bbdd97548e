"""Reads for the actions dashboard: open actions across initiatives and werkgroep meetings.

An action is listed only when the user may see where it comes from: an initiative action
when its initiative is visible, a meeting action when its meeting is visible (and, if it is
also tied to an initiative, that initiative too). Actions of unpublished minutes (DRAFT) are
never listed: they do not exist for anyone until the minutes are published.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from partners.access import user_organisation_ids, visible_queryset
from partners.models import Membership, Organisation, Shareable, User

from ..models import ActionItem, Initiative, Meeting, Participation
from ..permissions import is_programme_manager

GROUP_OWNER = "eigenaar"
GROUP_ORGANISATION = "organisatie"
GROUPS = (GROUP_OWNER, GROUP_ORGANISATION)


def action_visible(*, user: Any) -> QuerySet[ActionItem]:
    """Every non-draft action the user may see, whatever its status."""
    initiatives = visible_queryset(user, Initiative.objects.all()).values("pk")
    meetings = visible_queryset(user, Meeting.objects.all()).values("pk")
    initiative_ok = Q(initiative__isnull=True) | Q(initiative_id__in=initiatives)
    from_initiative = Q(meeting__isnull=True, initiative__isnull=False) & initiative_ok
    from_meeting = Q(meeting_id__in=meetings) & initiative_ok
    return ActionItem.objects.exclude(status=ActionItem.Status.DRAFT).filter(
        from_initiative | from_meeting
    )


def action_source_visible(*, action: ActionItem, can_view: Callable[[Shareable], bool]) -> bool:
    """``action_visible``'s rule for one action in hand, asking ``can_view`` (e.g. a digest
    batch's access policy for one user) about its initiative and meeting, which must be loaded."""
    if action.status == ActionItem.Status.DRAFT:
        return False
    initiative, meeting = action.initiative, action.meeting
    if initiative is not None and not can_view(initiative):
        return False
    if meeting is not None:
        return can_view(meeting)
    return initiative is not None


def _owner_organisation(field_name: str) -> Subquery:
    """The owner's organisation (their first current membership by name), for display,
    grouping and ordering in the database."""
    return Subquery(
        Membership.objects.current()
        .filter(user_id=OuterRef("owner_id"))
        .order_by("organisation__name", "organisation_id")
        .values(field_name)[:1]
    )


@dataclass(frozen=True)
class ActionFilters:
    owner_id: int | None = None
    organisation_id: int | None = None
    mine: bool = False
    group: str = ""


def action_open_list(
    *, user: Any, filters: ActionFilters | None = None, today: date | None = None
) -> QuerySet[ActionItem]:
    """Open actions the user may see, overdue first, then by due date (undated last).

    Grouped by owner or organisation, the group comes first in the order so that a page of
    the list holds whole groups in sequence."""
    filters = filters or ActionFilters()
    today = today or timezone.localdate()
    qs = action_visible(user=user).filter(status=ActionItem.Status.OPEN)
    if filters.mine:
        qs = qs.filter(owner_id=user.pk)
    elif filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.organisation_id:
        qs = qs.filter(
            Exists(
                Membership.objects.current().filter(
                    user_id=OuterRef("owner_id"), organisation_id=filters.organisation_id
                )
            )
        )
    qs = qs.select_related("owner", "initiative", "meeting", "agenda_item").annotate(
        overdue_rank=Case(
            When(due_date__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
        owner_organisation_id=_owner_organisation("organisation_id"),
        owner_organisation_name=_owner_organisation("organisation__name"),
    )
    undated_last = Case(When(due_date__isnull=True, then=Value(1)), default=Value(0))
    order: list[Any] = ["overdue_rank", undated_last, "due_date", "id"]
    if filters.group == GROUP_OWNER:
        order = ["owner__last_name", "owner__first_name", "owner_id", *order]
    elif filters.group == GROUP_ORGANISATION:
        order = ["owner_organisation_name", *order]
    return qs.order_by(*order)


@dataclass
class ActionCounts:
    open: int = 0
    overdue: int = 0
    mine: int = 0


def action_counts(*, user: Any, today: date | None = None) -> ActionCounts:
    """How many open, overdue and own open actions the user may see (one query)."""
    today = today or timezone.localdate()
    row = (
        action_visible(user=user)
        .filter(status=ActionItem.Status.OPEN)
        .aggregate(
            open=Count("pk"),
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            mine=Count("pk", filter=Q(owner_id=user.pk)),
        )
    )
    return ActionCounts(open=row["open"], overdue=row["overdue"], mine=row["mine"])


def action_filter_choices(*, user: Any) -> tuple[list[User], list[Organisation]]:
    """The owners and their organisations that appear among the open actions the user may
    see: the filter lists offer nothing that would give an empty (or revealing) result."""
    owner_ids = (
        action_visible(user=user)
        .filter(status=ActionItem.Status.OPEN, owner__isnull=False)
        .values("owner_id")
    )
    owners = list(User.objects.filter(pk__in=owner_ids).order_by("last_name", "first_name", "pk"))
    organisations = list(
        Organisation.objects.filter(
            pk__in=Membership.objects.current()
            .filter(user_id__in=owner_ids)
            .values("organisation_id")
        ).order_by("name")
    )
    return owners, organisations


def action_get(*, user: Any, pk: int, for_update: bool = False) -> ActionItem:
    """One action the user may see (not a draft), or 404."""
    qs = action_visible(user=user).select_related("initiative", "meeting", "owner")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    action = qs.filter(pk=pk).first()
    if action is None:
        raise Http404
    return action


def action_done_allowed_ids(*, user: Any, actions: Iterable[ActionItem]) -> set[int]:
    """Which of these (visible) actions the user may mark done, in at most one query.

    The owner always may; a programme manager may for every action they can see; for an
    initiative's action also whoever may change the initiative's actions (its editors and
    members of participating organisations, as on the initiative's page)."""
    actions = list(actions)
    if not actions or not getattr(user, "is_authenticated", False):
        return set()
    orgs = user_organisation_ids(user)
    if not orgs:
        return set()
    if is_programme_manager(user):
        return {a.pk for a in actions}
    allowed = {a.pk for a in actions if a.owner_id == user.pk}
    pending = [a for a in actions if a.pk not in allowed and a.initiative_id is not None]
    editable: set[int] = set()
    for action in pending:
        initiative = action.initiative
        assert initiative is not None
        if initiative.owner_organisation_id in orgs or user.pk in (
            initiative.lead_id,
            initiative.deputy_id,
        ):
            editable.add(initiative.pk)
    rest = {
        a.initiative_id
        for a in pending
        if a.initiative_id is not None and a.initiative_id not in editable
    }
    if rest:
        editable |= set(
            Participation.objects.filter(initiative_id__in=rest, organisation_id__in=orgs)
            .values_list("initiative_id", flat=True)
            .distinct()
        )
    allowed |= {a.pk for a in pending if a.initiative_id in editable}
    return allowed


def can_mark_done(user: Any, action: ActionItem) -> bool:
    return action.pk in action_done_allowed_ids(user=user, actions=[action])


@dataclass
class ActionGroup:
    key: str
    label: str
    rows: list[ActionItem] = field(default_factory=list)


def action_groups(*, actions: Iterable[ActionItem], group: str) -> list[ActionGroup]:
    """Consecutive rows with the same owner or organisation, in list order."""
    groups: list[ActionGroup] = []
    for action in actions:
        if group == GROUP_OWNER:
            key = str(action.owner_id or "")
            label = str(action.owner) if action.owner else ""
        elif group == GROUP_ORGANISATION:
            key = str(getattr(action, "owner_organisation_id", None) or "")
            label = getattr(action, "owner_organisation_name", None) or ""
        else:
            key, label = "", ""
        if not groups or groups[-1].key != key:
            groups.append(ActionGroup(key=key, label=label))
        groups[-1].rows.append(action)
    return groups
