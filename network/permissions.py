"""Who may see and change what in the network: people records and their ties.

Seeing people at all is ``partners.access.can_view_people`` (active members only); these
predicates add the finer rules. Everything a user may not see answers 404, like a missing row.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from partners.access import can_view_people, managed_organisation_ids

from .models import Affiliation, Person, Tie


def _is_signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def is_network_admin(user: Any) -> bool:
    """Portal admins see unconfirmed ties and may anonymise people (GDPR)."""
    return _is_signed_in(user) and bool(getattr(user, "is_portal_admin", False))


def require_people_access(user: Any) -> None:
    """404 for anyone who may not see the who's-who (not an active member)."""
    if not can_view_people(user):
        raise Http404


def visible_ties_q(user: Any) -> Q:
    """A filter on ``Tie`` keeping the ties ``user`` may see.

    Confirmed ties are visible to every active member; an unconfirmed (pending) tie only to the
    person who declared it and to portal admins; declined ties to nobody but admins.
    """
    if not can_view_people(user) and not is_network_admin(user):
        return Q(pk__in=[])
    confirmed = Q(status=Tie.Status.CONFIRMED)
    if is_network_admin(user):
        return confirmed | Q(status=Tie.Status.PENDING)
    own_declared = Q(
        status=Tie.Status.PENDING,
        declared_by__in=Person.objects.filter(user_id=user.pk).values("pk"),
    )
    return confirmed | own_declared


def can_view_tie(user: Any, tie: Tie) -> bool:
    """Agrees with ``visible_ties_q`` for one tie in hand."""
    if tie.status == Tie.Status.CONFIRMED:
        return can_view_people(user) or is_network_admin(user)
    if tie.status != Tie.Status.PENDING:
        return False
    if is_network_admin(user):
        return True
    if not can_view_people(user) or tie.declared_by_id is None:
        return False
    return Person.objects.filter(pk=tie.declared_by_id, user_id=user.pk).exists()


def can_edit_person(user: Any, person: Person) -> bool:
    """The person themself, their steward, or an admin of an organisation they work at now."""
    if not can_view_people(user) or person.anonymised_at is not None:
        return False
    if person.user_id is not None and person.user_id == user.pk:
        return True
    if (
        person.steward_id is not None
        and Person.objects.filter(pk=person.steward_id, user_id=user.pk).exists()
    ):
        return True
    managed = managed_organisation_ids(user)
    return bool(managed) and (
        Affiliation.objects.current().filter(person=person, organisation_id__in=managed).exists()
    )


def get_person_for_user(user: Any, pk: int, *, write: bool = False) -> Person:
    """A person the user may see (or edit, with ``write``); anything else is a 404."""
    require_people_access(user)
    person = (
        Person.objects.filter(anonymised_at__isnull=True)
        .select_related("user", "steward")
        .filter(pk=pk)
        .first()
    )
    if person is None or (write and not can_edit_person(user, person)):
        raise Http404
    return person


def get_person_for_admin(user: Any, pk: int) -> Person:
    """A not yet anonymised person, for portal admins only; 404 for everybody else."""
    if not is_network_admin(user):
        raise Http404
    person = Person.objects.filter(pk=pk, anonymised_at__isnull=True).first()
    if person is None:
        raise Http404
    return person


# --- Ties: answering a declaration ---------------------------------------------------------
# Consent needs the person a declaration is about to see it, so besides ``visible_ties_q``
# (who may *see* a tie on lists and person pages) the addressee of a pending declaration may
# see and answer it. Nobody else can: not the declarer, not a third member (404 for them).


def ties_awaiting_answer_q(user: Any) -> Q:
    """Pending declared ties that ask ``user`` (the other person, not the declarer) to answer."""
    if not can_view_people(user):
        return Q(pk__in=[])
    mine = Person.objects.filter(user_id=user.pk, anonymised_at__isnull=True).values("pk")
    return (
        Q(status=Tie.Status.PENDING, source=Tie.Source.DECLARED)
        & (Q(person_a__in=mine) | Q(person_b__in=mine))
        & ~Q(declared_by__in=mine)
    )


def get_tie_to_answer_or_404(user: Any, pk: int) -> Tie:
    """A pending tie ``user`` is asked to confirm or decline; anything else is a 404."""
    tie = (
        Tie.objects.filter(ties_awaiting_answer_q(user), pk=pk)
        .select_related("person_a", "person_b", "declared_by")
        .first()
    )
    if tie is None:
        raise Http404
    return tie
