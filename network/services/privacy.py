"""GDPR/AVG: anonymising a person, by an admin or after the retention period.

Anonymising keeps the rows that aggregate history needs (ties, interactions, affiliations'
organisation and dates) and the audit trail; it removes what identifies or describes the
person: names, expertise, themes, systems, titles and contact details, and the link to a login.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from lmi_portal.core.models import AuditEvent

from ..models import Affiliation, ContactFlag, Person

ANONYMISED_NAME = "Geanonimiseerd"


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _anonymise(*, person_ids: Sequence[int], actor: Any, reason: str) -> int:
    """Anonymise these people in a fixed number of queries; returns how many changed."""
    now = timezone.now()
    ids = list(
        Person.objects.select_for_update()
        .filter(pk__in=person_ids, anonymised_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    Person.objects.filter(pk__in=ids).update(
        first_name=ANONYMISED_NAME,
        last_name="",
        expertise="",
        user=None,
        steward=None,
        email_bounced_at=None,
        anonymised_at=now,
        updated_at=now,
    )
    Person.themes.through.objects.filter(person_id__in=ids).delete()
    Person.systems.through.objects.filter(person_id__in=ids).delete()
    Affiliation.objects.filter(person_id__in=ids).update(
        title="", email="", phone="", updated_at=now
    )
    # Nobody needs to chase a record that no longer describes anyone.
    ContactFlag.objects.filter(person_id__in=ids, resolved_at__isnull=True).update(
        resolved_at=now, resolution=ContactFlag.Resolution.LEFT
    )
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action="network.person_anonymised",
            actor_id=actor_id,
            target_type=Person._meta.label_lower,
            target_id=str(pk),
            data={"reason": reason},
        )
        for pk in ids
    )
    return len(ids)


@transaction.atomic
def person_anonymise(*, actor: Any, person: Person) -> Person:
    """An admin's erasure request: the person is no longer identifiable in the portal."""
    _anonymise(person_ids=[person.pk], actor=actor, reason="admin")
    person.refresh_from_db()
    return person


def departed_people_ids(*, today: date | None = None, months: int | None = None) -> list[int]:
    """People whose last post ended more than ``months`` ago and who have no active login."""
    today = today or timezone.localdate()
    months = settings.NETWORK_ANONYMISE_AFTER_MONTHS if months is None else months
    cutoff = _months_before(today, months)
    still_current = Affiliation.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), person=OuterRef("pk")
    )
    return list(
        Person.objects.filter(anonymised_at__isnull=True)
        .exclude(user__is_active=True)
        .annotate(last_end=Max("affiliations__end_date"))
        .filter(last_end__lt=cutoff)
        .exclude(Exists(still_current))
        .values_list("pk", flat=True)
    )


@transaction.atomic
def people_anonymise_departed(*, today: date | None = None, months: int | None = None) -> int:
    """The retention rule, run daily: anonymise everyone who left long enough ago."""
    return _anonymise(
        person_ids=departed_people_ids(today=today, months=months),
        actor=None,
        reason="retention",
    )
