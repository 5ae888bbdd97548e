"""Writes on initiatives."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lmi_portal.core.services import activity_record, audit_log
from partners.access import user_organisation_ids
from partners.models import TLP, Organisation, SharingGroup, User

from ..models import Initiative, Phase


@transaction.atomic
def initiative_create(
    *,
    actor: User,
    owner_organisation: Organisation,
    title: str,
    summary: str,
    phase: str = Phase.IDEA,
    tlp: str = TLP.GREEN,
    lead: User | None = None,
    shared_with_organisations: Iterable[Organisation] = (),
    shared_with_groups: Iterable[SharingGroup] = (),
    shared_with_people: Iterable[User] = (),
) -> Initiative:
    """Post an initiative on behalf of one of the actor's organisations."""
    if owner_organisation.pk not in user_organisation_ids(actor):
        raise PermissionDenied(_("U kunt alleen namens uw eigen organisatie plaatsen."))
    initiative = Initiative(
        title=title.strip(),
        summary=summary.strip(),
        phase=phase,
        tlp=tlp,
        owner_organisation=owner_organisation,
        lead=lead or actor,
        created_by=actor,
    )
    initiative.full_clean()
    initiative.save()
    people = {p.pk: p for p in shared_with_people}
    if tlp == TLP.RED:
        # Whoever marks an item RED is always among the named people.
        people.setdefault(actor.pk, actor)
    initiative.shared_with_organisations.set(list(shared_with_organisations))
    initiative.shared_with_groups.set(list(shared_with_groups))
    initiative.shared_with_people.set(list(people.values()))
    audit_log(action="initiative.created", actor=actor, target=initiative, data={"tlp": tlp})
    activity_record(verb="initiative.created", target=initiative, actor=actor, summary=title)
    return initiative


def initiative_leads_move(departing: Any, successor: Any, dry_run: bool = False) -> dict[str, int]:
    """Handover mover: the initiatives the departing person leads go to the successor.

    Runs inside the handover's transaction (see ``core.registry.handover_movers``). A lead is an
    account, so a successor without one cannot take over: raise before changing anything, and
    the whole handover stops.
    """
    if departing.user_id is None:
        return {"initiative_leads": 0}
    led = Initiative.objects.filter(lead_id=departing.user_id)
    count = led.count()
    if dry_run or count == 0:
        return {"initiative_leads": count}
    if successor is None or successor.user_id is None:
        raise ValidationError(
            ngettext(
                "De opvolger heeft nog geen account en kan dus nog geen penvoerder worden van "
                "%(count)s initiatief. Wacht tot de uitnodiging is geaccepteerd.",
                "De opvolger heeft nog geen account en kan dus nog geen penvoerder worden van "
                "%(count)s initiatieven. Wacht tot de uitnodiging is geaccepteerd.",
                count,
            )
            % {"count": count}
        )
    moved = led.update(lead_id=successor.user_id, updated_at=timezone.now())
    return {"initiative_leads": moved}
