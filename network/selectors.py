"""Reads of the network: the people directory, a person's page and a person's own data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from lmi_portal.core.models import AuditEvent, System, Theme
from lmi_portal.core.registry import PersonSection, person_sections
from partners.access import organisations_visible_to
from partners.models import Organisation

from .models import Affiliation, ContactFlag, Handover, Interaction, Person, Tie
from .permissions import visible_ties_q

# An expected rotation this close is highlighted on the person page.
ROTATION_SOON_DAYS = 90


def _current_affiliations_prefetch() -> Prefetch[Any]:
    return Prefetch(
        "affiliations",
        queryset=Affiliation.objects.current()
        .select_related("organisation")
        .order_by("organisation__name", "pk"),
        to_attr="current_affiliations",
    )


def _listed_posts() -> QuerySet[Affiliation]:
    """The posts that list someone in the directory: current, at an active organisation."""
    return Affiliation.objects.current().filter(organisation__status=Organisation.Status.ACTIVE)


def directory_posts(person_ids: Iterable[int]) -> QuerySet[Affiliation]:
    """The posts that list ``person_ids`` in the directory (``person_directory``'s rule, on
    the posts): someone without one, or anonymised, is not in it."""
    return _listed_posts().filter(person_id__in=person_ids, person__anonymised_at__isnull=True)


# A listed person's themes and systems as plain lists (``tag_themes``, ``tag_systems``): a
# prefetch into the related managers builds two querysets per person shown, which costs more
# than the queries themselves.
DIRECTORY_THEMES = Prefetch("themes", to_attr="tag_themes")
DIRECTORY_SYSTEMS = Prefetch("systems", to_attr="tag_systems")


def person_directory(
    *,
    user: Any,
    query: str = "",
    theme: Theme | None = None,
    system: System | None = None,
    organisation: Organisation | None = None,
) -> QuerySet[Person]:
    """People with a current post at an active organisation, searched by name and expertise.

    Anonymised people never appear. The caller has checked ``can_view_people(user)``.
    """
    current = _listed_posts().filter(person=OuterRef("pk"))
    qs = Person.objects.filter(Exists(current), anonymised_at__isnull=True)
    # A NUL byte is in no name, and PostgreSQL refuses it in a query: it separates words.
    for word in query.replace("\x00", " ").split()[:8]:
        qs = qs.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(expertise__icontains=word)
        )
    if theme is not None:
        qs = qs.filter(
            Exists(Person.themes.through.objects.filter(person=OuterRef("pk"), theme=theme))
        )
    if system is not None:
        qs = qs.filter(
            Exists(Person.systems.through.objects.filter(person=OuterRef("pk"), system=system))
        )
    if organisation is not None:
        qs = qs.filter(Exists(current.filter(organisation=organisation)))
    return qs.prefetch_related(
        _current_affiliations_prefetch(), DIRECTORY_THEMES, DIRECTORY_SYSTEMS
    ).order_by("last_name", "first_name", "pk")


def directory_organisations(*, user: Any) -> QuerySet[Organisation]:
    """Organisations to filter the directory on: the active ones the user may see."""
    return organisations_visible_to(user=user).filter(status=Organisation.Status.ACTIVE)


@dataclass(frozen=True)
class AffiliationRow:
    affiliation: Affiliation
    is_current: bool
    rotation_soon: bool


def person_affiliation_rows(*, person: Person, today: date | None = None) -> list[AffiliationRow]:
    """A person's posts over time: current ones first, then the past, newest first."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=ROTATION_SOON_DAYS)
    rows = []
    for affiliation in person.affiliations.select_related("organisation").order_by(
        "-start_date", "-pk"
    ):
        is_current = affiliation.end_date is None or affiliation.end_date >= today
        rotation = affiliation.expected_rotation_date
        rows.append(
            AffiliationRow(
                affiliation=affiliation,
                is_current=is_current,
                rotation_soon=is_current and rotation is not None and rotation <= soon,
            )
        )
    rows.sort(key=lambda row: not row.is_current)  # stable: keeps newest first within each
    return rows


@dataclass(frozen=True)
class TieRow:
    tie: Tie
    other: Person


def person_ties(*, user: Any, person: Person) -> list[TieRow]:
    """The person's ties the viewer may see (see ``visible_ties_q``), strongest first."""
    ties = (
        Tie.objects.filter(Q(person_a=person) | Q(person_b=person))
        .filter(visible_ties_q(user))
        .select_related("person_a", "person_b")
        .order_by("status", "-strength", "pk")
    )
    rows = []
    for tie in ties:
        other = tie.person_b if tie.person_a_id == person.pk else tie.person_a
        if other.anonymised_at is None:
            rows.append(TieRow(tie=tie, other=other))
    return rows


def person_sections_for(*, user: Any, person: Person) -> list[PersonSection]:
    """The blocks later apps add to a person's page (e.g. initiatives), filtered for ``user``."""
    sections = []
    for _key, provider in person_sections.items():
        section = provider(user, person)
        if section is not None:
            sections.append(section)
    return sections


def steward_choices() -> QuerySet[Person]:
    """People who can keep a record current: those with an active login."""
    return Person.objects.filter(
        anonymised_at__isnull=True, user__isnull=False, user__is_active=True
    ).order_by("last_name", "first_name", "pk")


def person_own_record(*, user: Any) -> Person | None:
    """The signed-in user's person record, if one exists (never creates one)."""
    return (
        Person.objects.filter(user_id=user.pk, anonymised_at__isnull=True)
        .select_related("steward")
        .first()
    )


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def person_data_export(*, person: Person) -> dict[str, Any]:
    """Everything the portal keeps about one person, for the person themself (GDPR/AVG).

    Other people appear only by name where they are part of this person's data (a tie, a
    conversation, a handover); none of their own details are included.
    """
    affiliations = person.affiliations.select_related("organisation").order_by("-start_date")
    ties = (
        Tie.objects.filter(Q(person_a=person) | Q(person_b=person))
        .select_related("person_a", "person_b")
        .order_by("pk")
    )
    interactions = (
        Interaction.objects.filter(participants=person)
        .prefetch_related("participants")
        .order_by("-date", "-pk")
    )
    flags = ContactFlag.objects.filter(person=person).order_by("-raised_at")
    handovers = (
        Handover.objects.filter(Q(person=person) | Q(successor=person))
        .select_related("person", "successor")
        .order_by("due_date")
    )
    audit = AuditEvent.objects.filter(
        target_type=Person._meta.label_lower, target_id=str(person.pk)
    ).order_by("created_at")
    user = person.user
    return {
        "person": {
            "id": person.pk,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "account_email": user.email if user is not None else None,
            "expertise": person.expertise,
            "themes": [t.name for t in person.themes.all()],
            "systems": [s.name for s in person.systems.all()],
            "steward": person.steward.full_name if person.steward_id and person.steward else None,
            "last_confirmed_at": _iso(person.last_confirmed_at),
            "last_interaction_at": _iso(person.last_interaction_at),
            "email_bounced_at": _iso(person.email_bounced_at),
            "created_at": _iso(person.created_at),
            "updated_at": _iso(person.updated_at),
        },
        "affiliations": [
            {
                "organisation": a.organisation.name,
                "title": a.title,
                "start_date": _iso(a.start_date),
                "expected_rotation_date": _iso(a.expected_rotation_date),
                "end_date": _iso(a.end_date),
                "email": a.email,
                "phone": a.phone,
            }
            for a in affiliations
        ],
        "ties": [
            {
                "with": (t.person_b if t.person_a_id == person.pk else t.person_a).full_name,
                "kind": t.kind,
                "strength": t.strength,
                "source": t.source,
                "status": t.status,
                "declared_by_me": t.declared_by_id == person.pk,
                "confirmed_at": _iso(t.confirmed_at),
                "last_interaction_at": _iso(t.last_interaction_at),
            }
            for t in ties
        ],
        "interactions": [
            {
                "date": _iso(i.date),
                "kind": i.kind,
                "note": i.note,
                "with": [p.full_name for p in i.participants.all() if p.pk != person.pk],
            }
            for i in interactions
        ],
        "flags": [
            {
                "reason": f.reason,
                "raised_at": _iso(f.raised_at),
                "resolved_at": _iso(f.resolved_at),
                "resolution": f.resolution,
                "notified_at": _iso(f.notified_at),
            }
            for f in flags
        ],
        "handovers": [
            {
                "role": "leaving" if h.person_id == person.pk else "successor",
                "from": h.person.full_name,
                "successor": h.successor.full_name if h.successor else None,
                "due_date": _iso(h.due_date),
                "status": h.status,
                "completed_at": _iso(h.completed_at),
                "moved": h.moved,
            }
            for h in handovers
        ],
        "audit": [{"action": e.action, "at": _iso(e.created_at)} for e in audit],
    }
