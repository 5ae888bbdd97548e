"""Who knows whom: declaring a tie, the other person's consent, ties derived from working
together, and "who can introduce me".

Declared ties need consent: X declares "I know Y" (pending), Y confirms or declines. After a
decline the declarer may ask again only after ``DECLINE_COOLDOWN`` (30 days), so a "no" is not
answered with a stream of repeated requests. Derived ties are confirmed from the start: they
state a fact the portal already knows (two people lead and created the same initiative).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import combinations
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from lmi_portal.core.registry import collaboration_groups
from lmi_portal.core.services import audit_log, outbox_enqueue
from partners.access import organisations_visible_to
from partners.models import Organisation

from .. import graph as network_graph
from ..models import Affiliation, Person, Tie
from ..permissions import ties_awaiting_answer_q, visible_ties_q
from .affiliations import person_for_user

DECLINE_COOLDOWN = timedelta(days=30)
INTRODUCTION_MAX_HOPS = 3
INTRODUCTION_LIMIT = 5


def _ordered(one: Person | int, two: Person | int) -> tuple[int, int]:
    a = one if isinstance(one, int) else one.pk
    b = two if isinstance(two, int) else two.pk
    return (a, b) if a < b else (b, a)


# --- Writes -----------------------------------------------------------------------------------


@transaction.atomic
def tie_declare(
    *,
    actor: Any,
    other: Person,
    kind: str,
    strength: int,
    introduced_by: Person | None = None,
) -> Tie:
    """The actor says "I know ``other``"; the tie waits for ``other`` to confirm it."""
    me = person_for_user(user=actor)
    if other.pk == me.pk:
        raise ValidationError(_("U kunt geen connectie met uzelf opgeven."))
    if other.anonymised_at is not None:
        raise ValidationError(_("Deze persoon staat niet meer in het netwerk."))
    if kind != Tie.Kind.INTRODUCED:
        introduced_by = None
    elif introduced_by is None:
        raise ValidationError(_("Kies wie u aan elkaar heeft voorgesteld."))
    elif introduced_by.pk in (me.pk, other.pk):
        raise ValidationError(_("Wie u heeft voorgesteld is iemand anders dan u beiden."))

    a, b = _ordered(me, other)
    tie = (
        Tie.objects.select_for_update()
        .filter(person_a_id=a, person_b_id=b, source=Tie.Source.DECLARED)
        .first()
    )
    if tie is not None:
        _refuse_repeat(tie, me=me, other=other)
    else:
        tie = Tie(person_a_id=a, person_b_id=b, source=Tie.Source.DECLARED)
    tie.kind = kind
    tie.strength = strength
    tie.status = Tie.Status.PENDING
    tie.declared_by = me
    tie.introduced_by = introduced_by
    tie.confirmed_at = None
    tie.full_clean()
    try:
        with transaction.atomic():
            tie.save()
    except IntegrityError:  # a simultaneous declaration of the same pair won the race
        raise ValidationError(
            _("U heeft deze connectie al opgegeven; %(name)s heeft nog niet gereageerd.")
            % {"name": other.full_name}
        ) from None
    audit_log(
        action="tie.declared",
        actor=actor,
        target=tie,
        data={"other": other.pk, "kind": kind, "strength": strength},
    )
    _notify_declared(tie, declarer=me, other=other)
    return tie


def _refuse_repeat(tie: Tie, *, me: Person, other: Person) -> None:
    """A declared tie for this pair exists: say why it cannot be declared again (or return)."""
    if tie.status == Tie.Status.CONFIRMED:
        raise ValidationError(
            _("U en %(name)s zijn al bevestigd verbonden.") % {"name": other.full_name}
        )
    if tie.status == Tie.Status.PENDING:
        if tie.declared_by_id == other.pk:
            raise ValidationError(
                _("%(name)s heeft deze connectie al opgegeven; bevestig die bij Mijn connecties.")
                % {"name": other.full_name}
            )
        raise ValidationError(
            _("U heeft deze connectie al opgegeven; %(name)s heeft nog niet gereageerd.")
            % {"name": other.full_name}
        )
    again_from = tie.updated_at + DECLINE_COOLDOWN
    if timezone.now() < again_from:
        raise ValidationError(
            _("Deze connectie is onlangs niet bevestigd; u kunt het vanaf %(date)s opnieuw vragen.")
            % {"date": formats.date_format(timezone.localdate(again_from), "j F Y")}
        )


def _notify_declared(tie: Tie, *, declarer: Person, other: Person) -> None:
    """Email the other person (if they have an active login) a link to their pending ties."""
    user = other.user
    if user is None or not user.is_active or not user.email:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("network:ties")
    language = getattr(user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = _("%(name)s zegt u te kennen") % {"name": declarer.full_name}
        body = render_to_string(
            "network/ties/email/declared.txt",
            {"declarer": declarer, "other": other, "tie": tie, "url": url},
        )
    outbox_enqueue(
        key=f"tie-declared:{tie.pk}:{tie.updated_at.isoformat()}",
        to=user.email,
        subject=subject,
        body_text=body,
        language=language,
    )


def _lock_tie_to_answer(actor: Any, tie: Tie) -> Tie:
    locked = (
        Tie.objects.select_for_update().filter(ties_awaiting_answer_q(actor), pk=tie.pk).first()
    )
    if locked is None:  # not theirs to answer, or answered already: as if it did not exist
        raise Http404
    return locked


@transaction.atomic
def tie_confirm(*, actor: Any, tie: Tie) -> Tie:
    """The other person (never the declarer) confirms a pending tie."""
    locked = _lock_tie_to_answer(actor, tie)
    locked.status = Tie.Status.CONFIRMED
    locked.confirmed_at = timezone.now()
    locked.save(update_fields=["status", "confirmed_at", "updated_at"])
    audit_log(action="tie.confirmed", actor=actor, target=locked)
    return locked


@transaction.atomic
def tie_decline(*, actor: Any, tie: Tie) -> Tie:
    """The other person declines a pending tie; the declarer may ask again after 30 days."""
    locked = _lock_tie_to_answer(actor, tie)
    locked.status = Tie.Status.DECLINED
    locked.confirmed_at = None
    locked.save(update_fields=["status", "confirmed_at", "updated_at"])
    audit_log(action="tie.declined", actor=actor, target=locked)
    return locked


@transaction.atomic
def ties_derive() -> int:
    """Link every pair of people who work together (per ``collaboration_groups``) with a
    confirmed, derived tie. Idempotent and set-based: a second run creates nothing."""
    groups: list[tuple[str, list[int]]] = []
    for _key, provider in collaboration_groups.items():
        groups.extend((label, list(user_ids)) for label, user_ids in provider())
    user_ids = {uid for _label, ids in groups for uid in ids}
    if not user_ids:
        return 0
    person_of_user = _persons_for_users(user_ids)

    wanted: dict[tuple[int, int], str] = {}
    for label, ids in groups:
        people = sorted({person_of_user[uid] for uid in ids if uid in person_of_user})
        for pair in combinations(people, 2):
            wanted.setdefault(pair, label)
    if not wanted:
        return 0
    existing = set(
        Tie.objects.filter(source=Tie.Source.DERIVED).values_list("person_a_id", "person_b_id")
    )
    now = timezone.now()
    new = [
        Tie(
            person_a_id=a,
            person_b_id=b,
            source=Tie.Source.DERIVED,
            kind=Tie.Kind.WORKED_TOGETHER,
            status=Tie.Status.CONFIRMED,
            confirmed_at=now,
            derived_from=label[:100],
        )
        for (a, b), label in sorted(wanted.items())
        if (a, b) not in existing
    ]
    # ignore_conflicts: a run racing this one may have inserted some of the same pairs.
    Tie.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    if new:
        audit_log(action="tie.derived", data={"created": len(new)})
    return len(new)


def _persons_for_users(user_ids: set[int]) -> dict[int, int]:
    """user id → person id for these accounts, making the missing person records in bulk.
    Anonymised people are left out: they no longer take part in the network."""
    from partners.models import User

    rows = Person.objects.filter(user_id__in=user_ids).values_list("user_id", "pk", "anonymised_at")
    found = {uid: (pk, anonymised) for uid, pk, anonymised in rows}
    missing = user_ids - set(found)
    if missing:
        now = timezone.now()
        Person.objects.bulk_create(
            [
                Person(
                    user_id=u.pk,
                    first_name=u.first_name or u.email.split("@", 1)[0],
                    last_name=u.last_name,
                    last_confirmed_at=now,
                )
                for u in User.objects.filter(pk__in=missing, is_active=True)
            ],
            ignore_conflicts=True,
        )
        rows = Person.objects.filter(user_id__in=missing).values_list(
            "user_id", "pk", "anonymised_at"
        )
        found.update({uid: (pk, anonymised) for uid, pk, anonymised in rows})
    return {uid: pk for uid, (pk, anonymised) in found.items() if anonymised is None}


# --- Reads ------------------------------------------------------------------------------------


@dataclass
class TieRow:
    """One person I am linked to; a declared and a derived tie to them show as one row."""

    other: Person
    tie: Tie
    derived: bool = False
    declared: bool = False


@dataclass
class MyTies:
    me: Person | None
    confirmed: list[TieRow] = field(default_factory=list)
    awaiting_me: list[TieRow] = field(default_factory=list)
    declared_pending: list[TieRow] = field(default_factory=list)


def my_person(*, user: Any) -> Person | None:
    """The user's own, not anonymised, person record (never creates one)."""
    return Person.objects.filter(user_id=user.pk, anonymised_at__isnull=True).first()


def my_ties(*, user: Any) -> MyTies:
    """The user's ties: confirmed, waiting for their answer, and declared by them (pending).
    Two queries however many ties: the user's person and the ties with both people."""
    me = my_person(user=user)
    result = MyTies(me=me)
    if me is None:
        return result
    ties = (
        Tie.objects.filter(Q(person_a=me) | Q(person_b=me))
        .filter(visible_ties_q(user) | ties_awaiting_answer_q(user))
        .select_related("person_a", "person_b", "introduced_by")
        .order_by("pk")
    )
    confirmed: dict[int, TieRow] = {}
    for tie in ties:
        other = tie.person_b if tie.person_a_id == me.pk else tie.person_a
        if other.anonymised_at is not None:
            continue
        if tie.status == Tie.Status.CONFIRMED:
            row = confirmed.get(other.pk)
            if row is None:
                row = confirmed[other.pk] = TieRow(other=other, tie=tie)
            if tie.source == Tie.Source.DERIVED:
                row.derived = True
            else:  # the declared tie carries kind and strength; prefer it for the row
                row.declared = True
                row.tie = tie
        elif tie.status == Tie.Status.PENDING and tie.declared_by_id == me.pk:
            result.declared_pending.append(TieRow(other=other, tie=tie, declared=True))
        elif tie.status == Tie.Status.PENDING:
            result.awaiting_me.append(TieRow(other=other, tie=tie, declared=True))
    result.confirmed = sorted(
        confirmed.values(), key=lambda r: (r.other.last_name, r.other.first_name, r.other.pk)
    )
    return result


def introducer_choices(*, me: Person | None, other: Person) -> QuerySet[Person]:
    """People who may have introduced me to ``other``: anyone with a confirmed tie to either."""
    people = [other.pk] + ([me.pk] if me is not None else [])
    linked = Tie.objects.filter(status=Tie.Status.CONFIRMED).filter(
        Q(person_a_id__in=people) | Q(person_b_id__in=people)
    )
    return (
        Person.objects.filter(anonymised_at__isnull=True)
        .filter(Q(pk__in=linked.values("person_a_id")) | Q(pk__in=linked.values("person_b_id")))
        .exclude(pk__in=people)
        .order_by("last_name", "first_name", "pk")
    )


@dataclass(frozen=True)
class IntroductionPath:
    people: list[Person]

    @property
    def hops(self) -> int:
        return len(self.people) - 1

    @property
    def introducers(self) -> list[Person]:
        return self.people[1:-1]


def introduction_target_organisation(*, user: Any, pk: int) -> Organisation:
    """An organisation the user may see, or 404."""
    organisation = organisations_visible_to(user=user).filter(pk=pk).first()
    if organisation is None:
        raise Http404
    return organisation


def introductions_for(
    *,
    user: Any,
    person: Person | None = None,
    organisation: Organisation | None = None,
) -> list[IntroductionPath]:
    """The shortest chains of confirmed ties (at most 3 hops, at most 5 chains) from the user
    to ``person`` or to anyone working at ``organisation`` now. Anonymised people take no part.
    Three queries however big the network: my person, the graph, the names on the paths (plus
    the organisation's people)."""
    me = my_person(user=user)
    if me is None:
        return []
    if person is not None:
        targets: Iterable[int] = [person.pk] if person.anonymised_at is None else []
    elif organisation is not None:
        targets = (
            Affiliation.objects.current()
            .filter(organisation=organisation, person__anonymised_at__isnull=True)
            .values_list("person_id", flat=True)
        )
    else:
        return []
    graph = network_graph.build_graph()
    paths = network_graph.introduction_paths(
        graph, me.pk, set(targets), max_hops=INTRODUCTION_MAX_HOPS, limit=INTRODUCTION_LIMIT
    )
    if not paths:
        return []
    people = Person.objects.in_bulk({pk for path in paths for pk in path})
    return [IntroductionPath(people=[people[pk] for pk in path]) for path in paths]
