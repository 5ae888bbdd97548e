"""Writes on people records: create, update, confirm, affiliations, and "we spoke"."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lmi_portal.core.models import System, Theme
from lmi_portal.core.services import audit_log
from partners.models import Organisation

from ..models import Affiliation, ContactFlag, Interaction, Person, Tie
from .affiliations import person_for_user


def _resolve_not_confirmed(*, person_ids: Iterable[int], resolution: str) -> None:
    """A confirmed or updated record is no longer stale for lack of confirmation."""
    ContactFlag.objects.filter(
        person_id__in=list(person_ids),
        reason=ContactFlag.Reason.NOT_CONFIRMED,
        resolved_at__isnull=True,
    ).update(resolved_at=timezone.now(), resolution=resolution)


@transaction.atomic
def person_create(
    *,
    actor: Any,
    first_name: str,
    last_name: str,
    organisation: Organisation,
    title: str = "",
    email: str = "",
    phone: str = "",
    expected_rotation_date: date | None = None,
    expertise: str = "",
    themes: Iterable[Theme] = (),
    systems: Iterable[System] = (),
) -> Person:
    """A person without a login, with a current post; the creator becomes their steward."""
    now = timezone.now()
    person = Person(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        expertise=expertise,
        steward=person_for_user(user=actor),
        last_confirmed_at=now,
    )
    person.full_clean()
    person.save()
    person.themes.set(list(themes))
    person.systems.set(list(systems))
    affiliation = Affiliation(
        person=person,
        organisation=organisation,
        title=title,
        email=email,
        phone=phone,
        expected_rotation_date=expected_rotation_date,
    )
    affiliation.full_clean()
    affiliation.save()
    audit_log(
        action="network.person_created",
        actor=actor,
        target=person,
        data={"organisation": organisation.pk},
    )
    return person


@transaction.atomic
def person_update(
    *,
    actor: Any,
    person: Person,
    first_name: str,
    last_name: str,
    expertise: str,
    themes: Iterable[Theme],
    systems: Iterable[System],
    steward: Person | None,
) -> Person:
    """Save a person's details; saving by someone who may edit also confirms the record."""
    if steward is not None and (steward.user_id is None or steward.anonymised_at is not None):
        raise ValidationError(_("Kies als beheerder iemand met een account."))
    person.first_name = first_name.strip()
    person.last_name = last_name.strip()
    person.expertise = expertise
    person.steward = steward
    person.last_confirmed_at = timezone.now()
    person.full_clean()
    person.save()
    person.themes.set(list(themes))
    person.systems.set(list(systems))
    _resolve_not_confirmed(person_ids=[person.pk], resolution=ContactFlag.Resolution.UPDATED)
    # Field names only: the audit trail outlives anonymisation, so it holds no personal data.
    audit_log(
        action="network.person_updated",
        actor=actor,
        target=person,
        data={"fields": ["names", "expertise", "themes", "systems", "steward"]},
    )
    return person


@transaction.atomic
def person_confirm(*, actor: Any, person: Person) -> Person:
    """ "Dit klopt nog": the record is current as it stands."""
    person.last_confirmed_at = timezone.now()
    person.save(update_fields=["last_confirmed_at", "updated_at"])
    _resolve_not_confirmed(person_ids=[person.pk], resolution=ContactFlag.Resolution.CONFIRMED)
    audit_log(action="network.person_confirmed", actor=actor, target=person)
    return person


@transaction.atomic
def affiliation_add(
    *,
    actor: Any,
    person: Person,
    organisation: Organisation,
    title: str = "",
    start_date: date | None = None,
    expected_rotation_date: date | None = None,
    email: str = "",
    phone: str = "",
) -> Affiliation:
    """A new post for a person; confirms the record."""
    affiliation = Affiliation(
        person=person,
        organisation=organisation,
        title=title,
        start_date=start_date or timezone.localdate(),
        expected_rotation_date=expected_rotation_date,
        email=email,
        phone=phone,
    )
    affiliation.full_clean()
    affiliation.save()
    person.last_confirmed_at = timezone.now()
    person.save(update_fields=["last_confirmed_at", "updated_at"])
    audit_log(
        action="network.affiliation_added",
        actor=actor,
        target=person,
        data={"affiliation": affiliation.pk, "organisation": organisation.pk},
    )
    return affiliation


@transaction.atomic
def affiliation_update(
    *,
    actor: Any,
    affiliation: Affiliation,
    title: str,
    expected_rotation_date: date | None,
    end_date: date | None,
    email: str,
    phone: str,
) -> Affiliation:
    """Change a post's title, dates and contact details; confirms the person's record."""
    affiliation.title = title
    affiliation.expected_rotation_date = expected_rotation_date
    affiliation.end_date = end_date
    affiliation.email = email
    affiliation.phone = phone
    affiliation.full_clean()
    affiliation.save()
    person = affiliation.person
    person.last_confirmed_at = timezone.now()
    person.save(update_fields=["last_confirmed_at", "updated_at"])
    audit_log(
        action="network.affiliation_updated",
        actor=actor,
        target=person,
        data={"affiliation": affiliation.pk, "ended": end_date is not None},
    )
    return affiliation


@transaction.atomic
def interaction_log(
    *,
    actor: Any,
    people: Sequence[Person],
    kind: str = Interaction.Kind.SPOKE,
    note: str = "",
) -> Interaction:
    """ "We spoke": one interaction, and staleness reset for everyone in it and their ties."""
    ids = sorted({p.pk for p in people})
    if len(ids) < 2:
        raise ValidationError(_("Een contactmoment heeft ten minste twee mensen."))
    if Person.objects.filter(pk__in=ids, anonymised_at__isnull=False).exists():
        raise ValidationError(_("Met een geanonimiseerde persoon kan geen contact worden gelegd."))
    now = timezone.now()
    interaction = Interaction(date=timezone.localdate(), kind=kind, note=note, logged_by=actor)
    interaction.full_clean()
    interaction.save()
    interaction.participants.set(ids)
    Person.objects.filter(pk__in=ids).update(last_interaction_at=now, updated_at=now)
    # Every tie among the participants, whatever its source, has just been used.
    Tie.objects.filter(person_a_id__in=ids, person_b_id__in=ids).update(
        last_interaction_at=now, updated_at=now
    )
    _resolve_not_confirmed(person_ids=ids, resolution=ContactFlag.Resolution.AUTO)
    return interaction
