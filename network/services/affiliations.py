"""Keeping people and affiliations in step with portal memberships."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from ..models import Affiliation, Person


def person_for_user(*, user: Any) -> Person:
    """The person record of an account, created on first need from the account's name."""
    person = Person.objects.filter(user=user).first()
    if person is None:
        # Someone recorded before they had a login (e.g. an invited successor) is the same
        # human: link that record instead of making a second one.
        person = (
            Person.objects.filter(
                user__isnull=True,
                anonymised_at__isnull=True,
                affiliations__email__iexact=user.email,
            )
            .order_by("pk")
            .first()
        )
        if person is not None:
            person.user = user
            person.save(update_fields=["user", "updated_at"])
            return person
        person = Person.objects.create(
            user=user,
            first_name=user.first_name or user.email.split("@", 1)[0],
            last_name=user.last_name,
            last_confirmed_at=timezone.now(),
        )
    return person


def affiliation_sync_from_membership(membership: Any) -> None:
    """A current membership has a current affiliation; an ended one ends it (same day)."""
    user = membership.user
    person = person_for_user(user=user)
    current = (
        Affiliation.objects.current()
        .filter(person=person, organisation_id=membership.organisation_id)
        .first()
    )
    today = timezone.localdate()
    is_current = membership.end_date is None or membership.end_date >= today
    if is_current and current is None:
        Affiliation.objects.create(
            person=person,
            organisation_id=membership.organisation_id,
            title=membership.job_title,
            start_date=min(membership.start_date, today),
            email=user.email,
        )
    elif is_current and current is not None and membership.job_title and not current.title:
        current.title = membership.job_title
        current.save(update_fields=["title", "updated_at"])
    elif not is_current and current is not None:
        # Ended: the affiliation ends on the same day (one that only just started ends at once).
        current.end_date = membership.end_date
        current.start_date = min(current.start_date, membership.end_date)
        current.save(update_fields=["start_date", "end_date", "updated_at"])
