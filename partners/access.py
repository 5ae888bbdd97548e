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

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import connection
from django.db.models import Field, ManyToManyField, ManyToOneRel, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from .models import TLP, Membership, Organisation, Shareable, SharingGroup

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
    amber = (
        Q(owner_organisation_id__in=orgs)
        | _in(model, _linked_ids(model, "shared_with_organisations", orgs))
        | _in(model, _linked_ids(model, "shared_with_groups", _group_ids(orgs)))
    )
    if model.participant_lookup:
        amber |= _participant_ids(model, orgs)
    return (
        q
        | Q(tlp=TLP.GREEN)
        | (Q(tlp=TLP.AMBER) & amber)
        | Q(tlp=TLP.AMBER_STRICT, owner_organisation_id__in=orgs)
        # Named people see AMBER and RED alike: one condition for both.
        | (
            Q(tlp__in=(TLP.AMBER, TLP.RED))
            & _in(model, _linked_ids(model, "shared_with_people", _ids(ctx.user_id)))
        )
    )


# The keys of the items shared with someone are read from the link tables alone: a join back
# to the items' own table (what ``filter(shared_with_organisations__in=…)`` gives) only costs
# the database time to plan and to run. They are plain SQL over the tables (as a join reads
# them, whatever a default manager hides): a ``values()`` subquery per link table made the
# ORM build, copy and re-alias five querysets for every filtered list, some 2 ms a query.


@dataclass(frozen=True)
class _Keys:
    """``SELECT column FROM table WHERE target IN (…)``: the target's values or a nested
    ``_Keys``. Identifiers come from the models' meta; values are always parameters."""

    table: str
    column: str
    target: str
    values: tuple[int, ...] | _Keys

    def sql(self, quote: Any) -> tuple[str, list[Any]]:
        table = quote(self.table)
        select = f"SELECT {table}.{quote(self.column)} FROM {table}"  # noqa: S608
        if not self.values:
            return f"{select} WHERE 1 = 0", []
        if isinstance(self.values, _Keys):
            inner, params = self.values.sql(quote)
        else:
            inner, params = ", ".join(["%s"] * len(self.values)), list(self.values)
        return f"{select} WHERE {table}.{quote(self.target)} IN ({inner})", params

    def expression(self, output_field: Any) -> RawSQL:
        sql, params = self.sql(connection.ops.quote_name)
        return RawSQL(sql, params, output_field=output_field)  # noqa: S611 (see the class)


def _in(model: type[Model], keys: _Keys) -> Q:
    """The rows of ``model`` whose key is one of ``keys``."""
    return Q(pk__in=keys.expression(model._meta.pk))


def _ids(*values: int | None) -> tuple[int, ...]:
    return tuple(v for v in values if v is not None)


def _linked_ids(model: type[Model], name: str, targets: Iterable[int] | _Keys) -> _Keys:
    """The keys of ``model`` rows whose many-to-many ``name`` links to one of ``targets``
    (values or the keys of a nested ``_Keys``)."""
    field = cast("ManyToManyField[Any, Any]", model._meta.get_field(name))
    through = cast("type[Model]", field.remote_field.through)
    values = targets if isinstance(targets, _Keys) else tuple(sorted(targets))
    return _Keys(through._meta.db_table, field.m2m_column_name(), field.m2m_reverse_name(), values)


def _group_ids(orgs: Iterable[int]) -> _Keys:
    """The sharing groups that one of ``orgs`` belongs to."""
    return _linked_ids(SharingGroup, "organisations", orgs)


def _participant_ids(model: type[Shareable], orgs: Iterable[int]) -> Q:
    """The rows of ``model`` that one of ``orgs`` takes part in (``participant_lookup``):
    from the link table or the participations' table when the path allows, else a join."""
    first, _sep, rest = model.participant_lookup.partition("__")
    relation = model._meta.get_field(first)
    if isinstance(relation, ManyToManyField) and not rest:
        return _in(model, _linked_ids(model, first, orgs))
    if isinstance(relation, ManyToOneRel) and rest and "__" not in rest:
        related = relation.related_model._meta
        target = cast("Field[Any, Any]", related.get_field(rest))
        keys = _Keys(
            related.db_table, relation.field.column, str(target.column), tuple(sorted(orgs))
        )
        return _in(model, keys)
    return Q(
        pk__in=model._default_manager.filter(**{f"{model.participant_lookup}__in": orgs})
        .order_by()
        .values("pk")
    )


def visible_queryset(user: Any, queryset: QuerySet[S]) -> QuerySet[S]:
    return queryset.filter(visible_to(user, queryset.model))


@dataclass(frozen=True)
class Audience:
    """Who an item is shared with beyond its TLP and owner: organisations (directly, through
    a sharing group, or taking part) and named people. Loaded only for AMBER and RED items."""

    organisation_ids: frozenset[int] = frozenset()
    people_ids: frozenset[int] = frozenset()


_NO_AUDIENCE = Audience()


def _allows(ctx: AccessContext, obj: Shareable, audience: Audience) -> bool:
    """The rules for one user and one item; ``can_view`` and ``BatchAccess`` both use this."""
    if obj.tlp == TLP.CLEAR:
        return True
    if not ctx.is_member:
        return False
    if obj.tlp == TLP.GREEN:
        return True
    orgs = ctx.organisation_ids
    if obj.tlp == TLP.AMBER_STRICT:
        return obj.owner_organisation_id in orgs
    named = ctx.user_id in audience.people_ids
    if obj.tlp == TLP.RED:
        return named
    if obj.tlp == TLP.AMBER:
        return named or obj.owner_organisation_id in orgs or bool(orgs & audience.organisation_ids)
    return False


def _load_audiences(model: type[Shareable], pks: Iterable[int]) -> dict[int, Audience]:
    """The audiences of ``model`` rows ``pks`` in at most four queries, whatever their number."""
    ids = list(pks)
    if not ids:
        return {}
    orgs: dict[int, set[int]] = {pk: set() for pk in ids}
    people: dict[int, set[int]] = {pk: set() for pk in ids}
    rows = model._default_manager.filter(pk__in=ids).order_by()
    paths = ["shared_with_organisations", "shared_with_groups__organisations"]
    if model.participant_lookup:
        paths.append(model.participant_lookup)
    for path in paths:
        for pk, org_id in rows.filter(**{f"{path}__isnull": False}).values_list("pk", path):
            orgs[pk].add(org_id)
    for pk, user_id in rows.filter(shared_with_people__isnull=False).values_list(
        "pk", "shared_with_people"
    ):
        people[pk].add(user_id)
    return {pk: Audience(frozenset(orgs[pk]), frozenset(people[pk])) for pk in ids}


def _needs_audience(obj: Shareable) -> bool:
    return obj.tlp in (TLP.AMBER, TLP.RED)


def can_view(user: Any, obj: Shareable) -> bool:
    """Whether ``user`` may see ``obj``; agrees with ``visible_to``."""
    ctx = access_context(user)
    if not _needs_audience(obj) or not ctx.is_member:
        return _allows(ctx, obj, _NO_AUDIENCE)
    return _allows(ctx, obj, _load_audiences(type(obj), [obj.pk])[obj.pk])


class BatchAccess:
    """The policy for many users and many items at once, in a fixed number of queries.

    For work that answers "who may see what" for a whole batch of users (the digest): one
    query for the users' memberships, at most four per kind of item for the audiences, then
    the same rules as ``can_view``. Call ``prepare`` with every candidate item first; items it
    has not seen are loaded on demand (correct, but one round of queries each).
    """

    def __init__(self, users: Iterable[Any]) -> None:
        accounts = [u for u in users if getattr(u, "is_authenticated", False) and u.is_active]
        org_ids: dict[int, set[int]] = {u.pk: set() for u in accounts}
        for user_id, org_id in (
            Membership.objects.counting()
            .filter(user_id__in=list(org_ids))
            .values_list("user_id", "organisation_id")
        ):
            org_ids[user_id].add(org_id)
        self._contexts = {
            pk: AccessContext(user_id=pk, is_member=bool(orgs), organisation_ids=frozenset(orgs))
            for pk, orgs in org_ids.items()
        }
        self._audiences: dict[tuple[str, int], Audience] = {}

    def context(self, user: Any) -> AccessContext:
        return self._contexts.get(getattr(user, "pk", None) or 0, _NOBODY)

    def prepare(self, objects: Iterable[Shareable]) -> None:
        """Load the audiences of ``objects`` that need one, grouped per model."""
        missing: dict[type[Shareable], list[int]] = {}
        for obj in objects:
            if _needs_audience(obj) and (obj._meta.label, obj.pk) not in self._audiences:
                missing.setdefault(type(obj), []).append(obj.pk)
        for model, pks in missing.items():
            for pk, audience in _load_audiences(model, pks).items():
                self._audiences[(model._meta.label, pk)] = audience

    def can_view(self, user: Any, obj: Shareable) -> bool:
        ctx = self.context(user)
        if not _needs_audience(obj) or not ctx.is_member:
            return _allows(ctx, obj, _NO_AUDIENCE)
        key = (obj._meta.label, obj.pk)
        if key not in self._audiences:
            self.prepare([obj])
        return _allows(ctx, obj, self._audiences[key])

    def visible(self, user: Any, objects: Iterable[S]) -> list[S]:
        """The ``objects`` that ``user`` may see, in their order."""
        return [obj for obj in objects if self.can_view(user, obj)]

    def is_member(self, user: Any) -> bool:
        return self.context(user).is_member


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
