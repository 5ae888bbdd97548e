"""Reads of follows and followers: the follow button, the followers list and the Volgen page."""

from __future__ import annotations

from typing import Any, Literal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Model, Q, QuerySet, Window
from django.http import Http404

from lmi_portal.core.models import Follow, System, Theme
from partners.access import is_active_member, organisations_visible_to, visible_queryset
from partners.models import Organisation, User
from partners.selectors import active_member_users

from ..models import Initiative

TopicKind = Literal["theme", "system", "organisation"]
TOPIC_KINDS: tuple[TopicKind, ...] = ("theme", "system", "organisation")

# The followers partial names at most this many people, then "en N anderen".
FOLLOWERS_SHOWN = 20


def can_follow(user: Any) -> bool:
    """Following is for active members: only they can receive notifications."""
    return is_active_member(user)


def _active_member_ids() -> QuerySet[User, Any]:
    return active_member_users().values("pk")


def initiative_follow_context(*, user: Any, initiative: Initiative) -> dict[str, Any]:
    """Template context for the follow button and the followers partials (one query).

    The followers named come with their number and whether ``user`` is among them, counted
    over all of them in the same query (window functions). Only active members count; one
    who is not (and so cannot follow any more) still sees an old follow, with a second query.
    """
    ct = ContentType.objects.get_for_model(Initiative)
    follows = Follow.objects.filter(target_ct=ct, target_id=initiative.pk)
    followers = list(
        User.objects.filter(is_active=True, pk__in=follows.values("user_id"))
        .filter(pk__in=_active_member_ids())
        .annotate(
            follower_total=Window(Count("pk")),
            follower_mine=Window(Count("pk", filter=Q(pk=user.pk))),
        )
        .order_by("last_name", "first_name", "email")[:FOLLOWERS_SHOWN]
    )
    total = followers[0].follower_total if followers else 0
    if can_follow(user):
        mine = bool(followers and followers[0].follower_mine)
    else:
        mine = follows.filter(user_id=user.pk).exists()
    return {
        "is_following": mine,
        "followers": followers,
        "follower_count": total,
        "more_followers": max(total - len(followers), 0),
        "can_follow": can_follow(user),
    }


def follow_topic_queryset(*, user: Any, kind: TopicKind) -> QuerySet[Any, Any]:
    """What the user may follow of one kind: active themes or systems, visible organisations."""
    if kind == "theme":
        return Theme.objects.filter(is_active=True)
    if kind == "system":
        return System.objects.filter(is_active=True)
    if kind == "organisation":
        return organisations_visible_to(user=user).order_by("name")
    raise Http404


def follow_topic_get(*, user: Any, kind: TopicKind, pk: int) -> Theme | System | Organisation:
    """One followable theme, system or organisation, or 404 (missing, inactive or hidden)."""
    try:
        target: Theme | System | Organisation = follow_topic_queryset(user=user, kind=kind).get(
            pk=pk
        )
    except (Theme.DoesNotExist, System.DoesNotExist, Organisation.DoesNotExist):
        raise Http404 from None
    return target


def _followed_ids_by_model(user: Any) -> dict[type[Model], set[int]]:
    by_ct: dict[int, set[int]] = {}
    for ct_id, target_id in Follow.objects.filter(user=user).values_list(
        "target_ct_id", "target_id"
    ):
        by_ct.setdefault(ct_id, set()).add(target_id)
    result: dict[type[Model], set[int]] = {}
    for ct_id, ids in by_ct.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is not None:
            result[model] = ids
    return result


def following_overview(*, user: Any) -> dict[str, Any]:
    """Everything on the Volgen page: followed initiatives (visible ones only) and every
    followable theme, system and organisation with whether the user follows it.

    A constant number of queries, however much the user follows."""
    followed = _followed_ids_by_model(user)
    initiative_ids = followed.get(Initiative, set())
    initiatives = (
        list(
            visible_queryset(user, Initiative.objects.filter(pk__in=initiative_ids))
            .select_related("owner_organisation")
            .order_by("title", "pk")
        )
        if initiative_ids
        else []
    )
    kinds: tuple[tuple[TopicKind, type[Model]], ...] = (
        ("theme", Theme),
        ("system", System),
        ("organisation", Organisation),
    )
    topics: dict[str, list[tuple[Any, bool]]] = {}
    for kind, model in kinds:
        ids = followed.get(model, set())
        topics[kind] = [
            (item, item.pk in ids) for item in follow_topic_queryset(user=user, kind=kind)
        ]
    return {
        "initiatives": initiatives,
        "themes": topics["theme"],
        "systems": topics["system"],
        "organisations": topics["organisation"],
    }
