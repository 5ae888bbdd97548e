"""THE access policy: the only place that decides who may see a shareable item.

``visible_to(user, model)`` gives a ``Q`` for lists, search, digests and exports;
``can_view(user, obj)`` answers for one object already in hand. Both follow the same rules
(a property-based test keeps them in agreement):

* CLEAR         everyone, also outside the portal;
* GREEN         every active member (an active account with a current membership of an
                active organisation);
* AMBER         members of the owner organisation, of participating organisations, of
                organisations it is shared with directly or through a sharing group, and
                people it is shared with by name;
* AMBER+STRICT  members of the owner organisation only;
* RED           people it is shared with by name only.

Portal role gives no extra sight: admins and programme managers see what their memberships
let them see. A suspended account or organisation counts as no membership at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import TLP, Membership, Organisation, Shareable

S = TypeVar("S", bound=Shareable)

_CACHE_ATTR = "_lmi_access_context"


@dataclass(frozen=True)
class AccessContext:
    user_id: int | None
    is_member: bool
    organisation_ids: frozenset[int]


_NOBODY = AccessContext(user_id=None, is_member=False, organisation_ids=frozenset())


def access_context(user: Any) -> AccessContext:
    """What the policy needs to know about a user; computed once per request (one query)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return _NOBODY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    org_ids = frozenset(
        Membership.objects.counting()
        .filter(user_id=user.pk)
        .values_list("organisation_id", flat=True)
    )
    context = AccessContext(user_id=user.pk, is_member=bool(org_ids), organisation_ids=org_ids)
    setattr(user, _CACHE_ATTR, context)
    return context


def forget_access_context(user: Any) -> None:
    """Drop the cached context, e.g. after a membership of this user changed."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_active_member(user: Any) -> bool:
    return access_context(user).is_member


def user_organisation_ids(user: Any) -> frozenset[int]:
    return access_context(user).organisation_ids


def visible_to(user: Any, model: type[Shareable]) -> Q:
    """A filter for ``model`` that keeps exactly the rows ``user`` may see."""
    ctx = access_context(user)
    q = Q(tlp=TLP.CLEAR)
    if not ctx.is_member:
        return q
    orgs = ctx.organisation_ids
    manager = model._default_manager
    amber = (
        Q(owner_organisation_id__in=orgs)
        | Q(pk__in=manager.filter(shared_with_organisations__in=orgs).values("pk"))
        | Q(pk__in=manager.filter(shared_with_groups__organisations__in=orgs).values("pk"))
        | Q(pk__in=manager.filter(shared_with_people=ctx.user_id).values("pk"))
    )
    if model.participant_lookup:
        amber |= Q(pk__in=manager.filter(**{f"{model.participant_lookup}__in": orgs}).values("pk"))
    return (
        q
        | Q(tlp=TLP.GREEN)
        | (Q(tlp=TLP.AMBER) & amber)
        | Q(tlp=TLP.AMBER_STRICT, owner_organisation_id__in=orgs)
        | (Q(tlp=TLP.RED) & Q(pk__in=manager.filter(shared_with_people=ctx.user_id).values("pk")))
    )


def visible_queryset(user: Any, queryset: QuerySet[S]) -> QuerySet[S]:
    return queryset.filter(visible_to(user, queryset.model))


def can_view(user: Any, obj: Shareable) -> bool:
    """Whether ``user`` may see ``obj``; agrees with ``visible_to``."""
    if obj.tlp == TLP.CLEAR:
        return True
    ctx = access_context(user)
    if not ctx.is_member:
        return False
    orgs = ctx.organisation_ids
    if obj.tlp == TLP.GREEN:
        return True
    if obj.tlp == TLP.AMBER_STRICT:
        return obj.owner_organisation_id in orgs
    named = obj.shared_with_people.filter(pk=ctx.user_id).exists()
    if obj.tlp == TLP.RED:
        return named
    if obj.tlp != TLP.AMBER:
        return False
    if named or obj.owner_organisation_id in orgs:
        return True
    if obj.shared_with_organisations.filter(pk__in=orgs).exists():
        return True
    if obj.shared_with_groups.filter(organisations__in=orgs).exists():
        return True
    if obj.participant_lookup:
        return (
            type(obj)
            ._default_manager.filter(pk=obj.pk, **{f"{obj.participant_lookup}__in": orgs})
            .exists()
        )
    return False


def get_visible_or_404(user: Any, queryset: QuerySet[S] | type[S], **lookup: Any) -> S:
    """Fetch one item the user may see; anything else, missing or hidden, is a 404."""
    qs = queryset._default_manager.all() if isinstance(queryset, type) else queryset
    try:
        return visible_queryset(user, qs).get(**lookup)
    except qs.model.DoesNotExist:
        raise Http404 from None


def is_member_of(user: Any, organisation: Model | int) -> bool:
    org_id = organisation if isinstance(organisation, int) else organisation.pk
    return org_id in access_context(user).organisation_ids


# --- Managing organisations (not content) ---------------------------------------------------
# An organisation admin manages their own organisation's profile and members, also while it is
# still onboarding; nobody manages a suspended or offboarded organisation except portal admins.

MANAGEABLE_STATUSES = ("onboarding", "active")


def managed_organisation_ids(user: Any) -> frozenset[int]:
    """Organisations this user administers (current org-admin membership, open organisation)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return frozenset(
        Membership.objects.current()
        .filter(
            user_id=user.pk,
            role=Membership.Role.ORG_ADMIN,
            organisation__status__in=MANAGEABLE_STATUSES,
        )
        .values_list("organisation_id", flat=True)
    )


def onboarding_organisation_ids(user: Any) -> frozenset[int]:
    """Organisations still onboarding in which this user has a current membership."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return frozenset(
        Membership.objects.current()
        .filter(user_id=user.pk, organisation__status="onboarding")
        .values_list("organisation_id", flat=True)
    )


def get_managed_organisation_or_404(user: Any, pk: int) -> Organisation:
    """The organisation ``pk`` if ``user`` administers it; otherwise 404, as if it did not exist."""
    if pk not in managed_organisation_ids(user):
        raise Http404
    return Organisation.objects.get(pk=pk)


def organisations_visible_to(*, user: Any) -> QuerySet[Organisation]:
    """Organisations ``user`` may find in the directory and open.

    Active members see active organisations; members of an organisation that is still
    onboarding also see their own; portal admins see every status (they run onboarding).
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Organisation.objects.none()
    if getattr(user, "is_portal_admin", False):
        return Organisation.objects.all()
    own_onboarding = Q(
        status=Organisation.Status.ONBOARDING,
        pk__in=Membership.objects.current().filter(user_id=user.pk).values("organisation_id"),
    )
    if is_active_member(user):
        return Organisation.objects.filter(Q(status=Organisation.Status.ACTIVE) | own_onboarding)
    return Organisation.objects.filter(own_onboarding)


def can_view_people(user: Any) -> bool:
    """The who's-who (people, posts, ties) is for active members of the portal only."""
    return is_active_member(user)
