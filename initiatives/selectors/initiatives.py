"""Reads of initiatives, always through the access policy."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from lmi_portal.core.registry import (
    InitiativeSection,
    OrganisationSection,
    PersonSection,
    SectionLink,
    initiative_sections,
)
from partners.access import get_visible_or_404, visible_queryset
from partners.models import Membership, Organisation

from ..models import Initiative, Participation, Phase, PhaseChange
from .browse import initiative_list


def initiative_get(*, user: Any, pk: int) -> Initiative:
    """One initiative the user may see, or 404."""
    return get_visible_or_404(
        user,
        Initiative.objects.select_related(
            "owner_organisation", "requirement_owner", "lead", "deputy"
        ),
        pk=pk,
    )


def initiative_timeline(*, initiative: Initiative) -> list[PhaseChange]:
    """The initiative's phase history, oldest first (one query)."""
    return list(initiative.phase_changes.select_related("actor").order_by("created_at", "id"))


def initiative_single_person_risk(
    initiative: Initiative, participations: Iterable[Participation] | None = None
) -> str | None:
    """Why the initiative hangs on one person, or None when it does not.

    It does when nobody is lead, when there is no deputy, or when lead and deputy come from
    the same organisation (their current memberships) while other organisations take part:
    that organisation leaving, or one reorganisation there, stops the initiative. With the
    initiative's ``participations`` in hand (organisations selected), one query at most.
    """
    if initiative.lead_id is None:
        return _(
            "Dit initiatief heeft geen penvoerder. Wijs een penvoerder en een plaatsvervanger "
            "aan, zodat het niet stilvalt."
        )
    if initiative.deputy_id is None:
        return _(
            "Dit initiatief hangt aan één persoon: er is geen plaatsvervanger. Wijs een "
            "plaatsvervanger aan, bij voorkeur van een andere deelnemende organisatie."
        )
    orgs: dict[int, set[int]] = {initiative.lead_id: set(), initiative.deputy_id: set()}
    for user_id, org_id in (
        Membership.objects.current()
        .filter(user_id__in=orgs.keys())
        .values_list("user_id", "organisation_id")
    ):
        orgs[user_id].add(org_id)
    shared = orgs[initiative.lead_id] & orgs[initiative.deputy_id]
    if not shared:
        return None
    if participations is None:
        participations = Participation.objects.filter(initiative=initiative).select_related(
            "organisation"
        )
    participating = {p.organisation_id: p.organisation for p in participations}
    if not set(participating) - shared:
        return None
    known = {**participating, initiative.owner_organisation_id: initiative.owner_organisation}
    if shared <= set(known):
        organisation: Organisation | None = min(
            (known[pk] for pk in shared), key=lambda o: (o.name, o.pk)
        )
    else:
        organisation = Organisation.objects.filter(pk__in=shared).order_by("name").first()
    return _(
        "Penvoerder en plaatsvervanger komen allebei van %(organisation)s, terwijl ook andere "
        "organisaties deelnemen. Kies bij voorkeur een plaatsvervanger van een andere "
        "deelnemende organisatie."
    ) % {"organisation": organisation.display_name if organisation else ""}


def initiative_related_sections(*, user: Any, initiative: Initiative) -> list[InitiativeSection]:
    """Blocks that later apps (knowledge) add to the initiative's page, filtered for ``user``."""
    sections = []
    for _key, provider in initiative_sections.items():
        section = provider(user, initiative)
        if section is not None:
            sections.append(section)
    return sections


def initiative_successes(*, user: Any) -> QuerySet[Initiative]:
    """Visible initiatives closed as Geborgd, most recently closed first, with the
    organisations involved prefetched."""
    return (
        visible_queryset(user, Initiative.objects.filter(phase=Phase.EMBEDDED))
        .select_related("owner_organisation", "requirement_owner")
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related("organisation").order_by(
                    "organisation__name"
                ),
            )
        )
        .order_by(F("closed_at").desc(nulls_last=True), "-id")
    )


ORGANISATION_SECTION_LIMIT = 50


def initiative_organisation_section(user: Any, organisation: Any) -> OrganisationSection:
    """Initiatives an organisation owns or takes part in, as far as ``user`` may see them."""
    taking_part = Participation.objects.filter(organisation_id=organisation.pk).values(
        "initiative_id"
    )
    initiatives = initiative_list(user=user).filter(
        Q(owner_organisation_id=organisation.pk) | Q(pk__in=taking_part)
    )[:ORGANISATION_SECTION_LIMIT]
    links = _section_links(
        initiatives,
        role=lambda i: (
            _("eigenaar") if i.owner_organisation_id == organisation.pk else _("deelnemer")
        ),
    )
    return OrganisationSection(
        title=str(_("Initiatieven waar deze organisatie aan deelneemt")),
        links=links,
        empty_text=str(_("Geen initiatieven die u mag zien.")),
    )


PERSON_SECTION_LIMIT = 50


def initiative_person_section(user: Any, person: Any) -> PersonSection | None:
    """Initiatives a person leads or started, as far as ``user`` may see them."""
    if person.user_id is None:
        return None
    initiatives = initiative_list(user=user).filter(
        Q(lead_id=person.user_id) | Q(created_by_id=person.user_id)
    )[:PERSON_SECTION_LIMIT]
    links = _section_links(
        initiatives,
        role=lambda i: _("penvoerder") if i.lead_id == person.user_id else _("gestart"),
    )
    return PersonSection(
        title=str(_("Initiatieven")),
        links=links,
        empty_text=str(_("Geen initiatieven die u mag zien.")),
    )


def initiative_collaboration_groups() -> list[tuple[str, list[int]]]:
    """Per initiative, the accounts that work on it together (lead and creator), for
    network's derived ties. One query; initiatives with fewer than two such people are left out."""
    groups = []
    rows = Initiative.objects.filter(lead__isnull=False, created_by__isnull=False).values_list(
        "pk", "lead_id", "created_by_id"
    )
    for pk, lead_id, created_by_id in rows:
        if lead_id != created_by_id:
            groups.append((f"initiative:{pk}", [lead_id, created_by_id]))
    return groups


def _section_links(
    initiatives: Iterable[Initiative], *, role: Callable[[Initiative], str]
) -> tuple[SectionLink, ...]:
    """Profile-section links: title, and the role of the profile's subject plus the phase."""
    return tuple(
        SectionLink(
            text=initiative.title,
            url=initiative.get_absolute_url(),
            meta=f"{role(initiative)} · {initiative.get_phase_display()}",
        )
        for initiative in initiatives
    )
