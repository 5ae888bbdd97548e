"""Writes on initiatives: posting, editing, and moving leads and deputies at a handover."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lmi_portal.core.models import System, Theme
from lmi_portal.core.search import search_words_register
from lmi_portal.core.services import activity_record, audit_log
from partners.access import can_view, user_organisation_ids
from partners.models import TLP, Organisation, SharingGroup, User

from ..models import Effect, Initiative, Phase, PhaseChange
from ..models.initiative import ACTIVE_PHASES
from ..permissions import can_edit_initiative
from .activity import initiative_touch
from .notify import initiative_followers_notify

# What ``initiative_update`` may change. The phase has its own services (lifecycle), and the
# owner organisation stays: moving an item to another company is not an edit.
EDITABLE_FIELDS: frozenset[str] = frozenset(
    {
        "title",
        "summary",
        "why",
        "how",
        "origin",
        "effects",
        "expected_effect",
        "themes",
        "systems",
        "requirement_owner",
        "lead",
        "deputy",
        "tlp",
        "shared_with_organisations",
        "shared_with_groups",
        "shared_with_people",
    }
)
_M2M_FIELDS = (
    "themes",
    "systems",
    "shared_with_organisations",
    "shared_with_groups",
    "shared_with_people",
)
_TEXT_FIELDS = ("title", "summary", "why", "how", "expected_effect")


@transaction.atomic
def initiative_create(
    *,
    actor: User,
    owner_organisation: Organisation,
    title: str,
    summary: str,
    phase: str = Phase.IDEA,
    tlp: str | None = None,
    lead: User | None = None,
    deputy: User | None = None,
    why: str = "",
    how: str = "",
    origin: str = "",
    effects: Iterable[str] = (),
    expected_effect: str = "",
    themes: Iterable[Theme] = (),
    systems: Iterable[System] = (),
    requirement_owner: Organisation | None = None,
    shared_with_organisations: Iterable[Organisation] = (),
    shared_with_groups: Iterable[SharingGroup] = (),
    shared_with_people: Iterable[User] = (),
) -> Initiative:
    """Post an initiative on behalf of one of the actor's organisations.

    Only title and summary are needed; the sharing level defaults to the owner organisation's
    ``default_tlp`` and the lead to the poster. The first step of the timeline is written too.
    """
    if owner_organisation.pk not in user_organisation_ids(actor):
        raise PermissionDenied(_("U kunt alleen namens uw eigen organisatie plaatsen."))
    if phase not in ACTIVE_PHASES:
        # Geborgd needs a result and lessons (initiative_close); paused or stopped is no start.
        raise ValidationError({"phase": _("Een nieuw initiatief start in een lopende fase.")})
    tlp = tlp or owner_organisation.default_tlp
    initiative = Initiative(
        owner_organisation=owner_organisation,
        title=title.strip(),
        summary=summary.strip(),
        why=why.strip(),
        how=how.strip(),
        expected_effect=expected_effect.strip(),
        origin=origin,
        effects=_clean_effects(effects),
        requirement_owner=requirement_owner,
        phase=phase,
        tlp=tlp,
        lead=lead or actor,
        deputy=deputy,
        created_by=actor,
    )
    _check_lead_and_deputy(initiative)
    _check_lengths(initiative)
    initiative.full_clean()
    initiative.save()
    initiative.themes.set(list(themes))
    initiative.systems.set(list(systems))
    _set_audience(
        initiative,
        actor=actor,
        organisations=shared_with_organisations,
        groups=shared_with_groups,
        people=shared_with_people,
    )
    _check_people_can_see(initiative)
    _register_words(initiative)
    PhaseChange.objects.create(initiative=initiative, from_phase="", to_phase=phase, actor=actor)
    audit_log(action="initiative.created", actor=actor, target=initiative, data={"tlp": tlp})
    activity_record(
        verb="initiative.created", target=initiative, actor=actor, summary=initiative.title
    )
    title_now = initiative.title
    initiative_followers_notify(
        initiative=initiative,
        verb="initiative.created",
        text=lambda: _("Nieuw initiatief: %(title)s") % {"title": title_now},
        actor=actor,
    )
    return initiative


def initiative_update(*, actor: User, initiative: Initiative, **fields: Any) -> Initiative:
    """Change an initiative's story, people, tags or audience (not its phase or owner).

    Pass only the fields to change. Text is stripped; the same rules as at posting apply
    (lead and deputy differ and may both see the initiative; a RED item names its editor).
    When refused, nothing is saved and ``initiative`` is back to its stored state.
    """
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(
            f"initiative_update() cannot change {sorted(unknown)}; "
            "the phase changes through initiatives.services.lifecycle"
        )
    if not can_view(actor, initiative) or not can_edit_initiative(actor, initiative):
        raise PermissionDenied(_("U mag dit initiatief niet bewerken."))
    try:
        return _update(actor=actor, initiative=initiative, fields=fields)
    except ValidationError:
        # The transaction rolled back; the caller's instance must not keep the refused values.
        initiative.refresh_from_db()
        raise


@transaction.atomic
def _update(*, actor: User, initiative: Initiative, fields: dict[str, Any]) -> Initiative:
    before = _snapshot(initiative)
    for name in _TEXT_FIELDS:
        if name in fields:
            setattr(initiative, name, (fields[name] or "").strip())
    if "origin" in fields:
        initiative.origin = fields["origin"] or ""
    for name in ("requirement_owner", "lead", "deputy", "tlp"):
        if name in fields:
            setattr(initiative, name, fields[name])
    if "effects" in fields:
        initiative.effects = _clean_effects(fields["effects"])
    _check_lead_and_deputy(initiative)
    _check_lengths(initiative)
    initiative.full_clean()
    initiative.save()
    if "themes" in fields:
        initiative.themes.set(list(fields["themes"]))
    if "systems" in fields:
        initiative.systems.set(list(fields["systems"]))
    _set_audience(
        initiative,
        actor=actor,
        organisations=fields.get("shared_with_organisations"),
        groups=fields.get("shared_with_groups"),
        people=fields.get("shared_with_people"),
    )
    _check_people_can_see(initiative)
    changed = sorted(name for name, value in _snapshot(initiative).items() if before[name] != value)
    if set(changed) & set(_SEARCHED_FIELDS):
        _register_words(initiative)
    if changed:
        initiative_touch(initiative)
        audit_log(
            action="initiative.updated",
            actor=actor,
            target=initiative,
            data={"fields": changed, "tlp": initiative.tlp},
        )
    return initiative


# The texts in an initiative's search vector (migration 0004): their words go to the word list
# that typo correction draws on, as knowledge items' do.
_SEARCHED_FIELDS = ("title", "summary", "why", "how")


def _register_words(initiative: Initiative) -> None:
    search_words_register([getattr(initiative, name) for name in _SEARCHED_FIELDS])


def _check_lengths(initiative: Initiative) -> None:
    """Django does not enforce a TextField's max_length outside forms; the service does."""
    errors = {}
    for name in _TEXT_FIELDS:
        limit = getattr(Initiative._meta.get_field(name), "max_length", None)
        value = getattr(initiative, name)
        if limit is not None and len(value) > limit:
            errors[name] = _("Dit veld mag hoogstens %(max)d tekens lang zijn (nu %(count)d).") % {
                "max": limit,
                "count": len(value),
            }
    if errors:
        raise ValidationError(errors)


def _clean_effects(effects: Iterable[str]) -> list[str]:
    codes = list(dict.fromkeys(effects))
    unknown = [code for code in codes if code not in Effect.values]
    if unknown:
        raise ValidationError({"effects": _("Kies alleen effecten uit de lijst.")})
    return codes


def _check_lead_and_deputy(initiative: Initiative) -> None:
    if initiative.deputy_id is not None and initiative.deputy_id == initiative.lead_id:
        raise ValidationError(
            {
                "deputy": _(
                    "De plaatsvervanger moet iemand anders zijn dan de penvoerder; kies een "
                    "tweede persoon, zodat het initiatief niet aan één persoon hangt."
                )
            }
        )


def _check_people_can_see(initiative: Initiative) -> None:
    """A lead or deputy who may not see the initiative cannot carry it: refuse, and the
    transaction rolls back (the audience has to be widened or someone else chosen)."""
    errors = {}
    if initiative.lead is not None and not can_view(initiative.lead, initiative):
        errors["lead"] = _(
            "%(name)s mag dit initiatief met deze rubricering niet zien. Deel het met deze "
            "persoon of diens organisatie, of kies een andere penvoerder."
        ) % {"name": initiative.lead}
    if initiative.deputy is not None and not can_view(initiative.deputy, initiative):
        errors["deputy"] = _(
            "%(name)s mag dit initiatief met deze rubricering niet zien. Deel het met deze "
            "persoon of diens organisatie, of kies een andere plaatsvervanger."
        ) % {"name": initiative.deputy}
    if errors:
        raise ValidationError(errors)


def _set_audience(
    initiative: Initiative,
    *,
    actor: User,
    organisations: Iterable[Organisation] | None,
    groups: Iterable[SharingGroup] | None,
    people: Iterable[User] | None,
) -> None:
    """Store the explicit audience; ``None`` keeps what is there."""
    if organisations is not None:
        initiative.shared_with_organisations.set(list(organisations))
    if groups is not None:
        initiative.shared_with_groups.set(list(groups))
    if people is None:
        if initiative.tlp != TLP.RED:
            return
        people = initiative.shared_with_people.all()
    named = {p.pk: p for p in people}
    if initiative.tlp == TLP.RED:
        # Whoever marks or edits an item RED is always among the named people.
        named.setdefault(actor.pk, actor)
    initiative.shared_with_people.set(list(named.values()))


def _snapshot(initiative: Initiative) -> dict[str, Any]:
    """The editable state, to tell which fields an edit really changed."""
    state: dict[str, Any] = {name: getattr(initiative, name) for name in _TEXT_FIELDS}
    state.update(
        origin=initiative.origin,
        effects=list(initiative.effects),
        requirement_owner=initiative.requirement_owner_id,
        lead=initiative.lead_id,
        deputy=initiative.deputy_id,
        tlp=initiative.tlp,
    )
    for name in _M2M_FIELDS:
        state[name] = set(getattr(initiative, name).values_list("pk", flat=True))
    return state


# --- Handover movers ------------------------------------------------------------------------


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


def initiative_deputies_move(
    departing: Any, successor: Any, dry_run: bool = False
) -> dict[str, int]:
    """Handover mover: where the departing person is deputy, the successor becomes deputy.

    Same contract as ``initiative_leads_move``. Where the successor already leads the
    initiative, the deputy post is left empty instead (one person cannot be both; the page
    then shows the single-person warning). Reports nothing when there is nothing to move, so
    a handover's record only lists what really moved.
    """
    if departing.user_id is None:
        return {}
    deputised = Initiative.objects.filter(deputy_id=departing.user_id)
    count = deputised.count()
    if count == 0:
        return {}
    if dry_run:
        return {"initiative_deputies": count}
    if successor is None or successor.user_id is None:
        raise ValidationError(
            ngettext(
                "De opvolger heeft nog geen account en kan dus nog geen plaatsvervanger worden "
                "van %(count)s initiatief. Wacht tot de uitnodiging is geaccepteerd.",
                "De opvolger heeft nog geen account en kan dus nog geen plaatsvervanger worden "
                "van %(count)s initiatieven. Wacht tot de uitnodiging is geaccepteerd.",
                count,
            )
            % {"count": count}
        )
    now = timezone.now()
    cleared = deputised.filter(lead_id=successor.user_id).update(deputy=None, updated_at=now)
    moved = deputised.update(deputy_id=successor.user_id, updated_at=now)
    return {"initiative_deputies": moved + cleared}
