"""An initiative's lifecycle: moving it between phases and closing it as Geborgd.

The main line is Idee → Verkenning → Uitwerking → Pilot → Implementatie → Geborgd, with the
side states Gepauzeerd and Gestopt. The rules (DOMAIN.md: "a reason is required to stop,
pause, or go back"):

* moving forward on the main line may skip phases; a reason is optional;
* going back to an earlier main-line phase, pausing and stopping need a reason;
* from Gepauzeerd or Gestopt, picking the work up again in any main-line phase needs no
  reason: the pause or stop itself was explained, and resuming is good news we do not want
  to make harder;
* Geborgd is reached only through ``initiative_close``, with a result and lessons; reopening
  a closed initiative (to an earlier phase) is going back, so it needs a reason and takes it
  off the successes feed;
* the current phase again, or a phase that does not exist, is an error.

Only people who may edit the initiative (``can_edit_initiative``) move it, and only when they
can see it. Every change writes a PhaseChange (the timeline), touches the initiative, leaves
an audit row and an activity record, and tells the followers.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lmi_portal.core.registry import initiative_closed_listeners
from lmi_portal.core.services import activity_record, audit_log
from partners.access import can_view
from partners.models import User

from ..models import Initiative, Phase, PhaseChange
from ..models.initiative import PHASE_ORDER
from ..permissions import can_edit_initiative
from .activity import initiative_touch
from .notify import initiative_followers_notify

SIDE_STATES: tuple[str, ...] = (Phase.PAUSED, Phase.STOPPED)
RESULT_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 2000
LESSON_MAX_LENGTH = 500
MAX_LESSONS = 2


def phase_change_targets(initiative: Initiative) -> list[str]:
    """The phases ``initiative_phase_change`` accepts from the current phase, in board order."""
    return [
        phase
        for phase in (*PHASE_ORDER, *SIDE_STATES)
        if phase not in (initiative.phase, Phase.EMBEDDED)
    ]


def phase_change_needs_reason(*, from_phase: str, to_phase: str) -> bool:
    """Stopping, pausing and going back on the main line must be explained."""
    if to_phase in SIDE_STATES:
        return True
    if from_phase in PHASE_ORDER and to_phase in PHASE_ORDER:
        return PHASE_ORDER.index(to_phase) < PHASE_ORDER.index(from_phase)
    return False


@transaction.atomic
def initiative_phase_change(
    *, actor: User, initiative: Initiative, to_phase: str, reason: str = ""
) -> PhaseChange:
    """Move the initiative to ``to_phase`` following the rules in the module docstring."""
    _check_may_move(actor, initiative)
    # Lock the row so that two people moving it at once cannot both start from the same phase.
    locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
    from_phase = locked.phase
    reason = (reason or "").strip()
    if to_phase not in Phase.values:
        raise ValidationError(
            {"to_phase": _("Deze fase bestaat niet. Kies een fase uit de lijst.")}
        )
    if to_phase == Phase.EMBEDDED:
        raise ValidationError(
            {
                "to_phase": _(
                    "Een initiatief wordt geborgd via 'Afsluiten als geborgd', met het "
                    "resultaat en de lessen."
                )
            }
        )
    if to_phase == from_phase:
        raise ValidationError(
            {"to_phase": _("Het initiatief staat al in deze fase. Kies een andere fase.")}
        )
    if not reason and phase_change_needs_reason(from_phase=from_phase, to_phase=to_phase):
        raise ValidationError({"reason": _reason_required_message(from_phase, to_phase)})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Houd de reden kort: hoogstens %(max)d tekens.")
                % {"max": REASON_MAX_LENGTH}
            }
        )

    now = timezone.now()
    change = PhaseChange(
        initiative=locked,
        from_phase=from_phase,
        to_phase=to_phase,
        reason=reason,
        actor=actor,
        created_at=now,
    )
    change.full_clean()
    change.save()
    locked.phase = to_phase
    locked.phase_changed_at = now
    update_fields = ["phase", "phase_changed_at", "updated_at"]
    if from_phase == Phase.EMBEDDED:
        # Reopened: it is no longer a success; result and lessons stay as the record of then.
        locked.closed_at = None
        update_fields.append("closed_at")
    locked.save(update_fields=update_fields)
    _sync(initiative, locked, update_fields)
    initiative_touch(initiative)
    audit_log(
        action="initiative.phase_changed",
        actor=actor,
        target=initiative,
        data={"from": from_phase, "to": to_phase, "reason": reason},
    )
    activity_record(
        verb="initiative.phase_changed",
        target=initiative,
        actor=actor,
        summary=f"{Phase(from_phase).label} → {Phase(to_phase).label}",
    )
    title = initiative.title
    initiative_followers_notify(
        initiative=initiative,
        verb="initiative.phase_changed",
        text=lambda: (
            _("%(title)s is nu in de fase %(phase)s.")
            % {"title": title, "phase": Phase(to_phase).label}
        ),
        actor=actor,
    )
    return change


@transaction.atomic
def initiative_close(
    *, actor: User, initiative: Initiative, result: str, lessons: list[str]
) -> PhaseChange:
    """Close the initiative as Geborgd with what it delivered and one or two lessons."""
    _check_may_move(actor, initiative)
    locked = Initiative.objects.select_for_update().get(pk=initiative.pk)
    from_phase = locked.phase
    if from_phase == Phase.EMBEDDED:
        raise ValidationError(_("Dit initiatief is al afgesloten als geborgd."))
    result = (result or "").strip()
    given = [lesson.strip() for lesson in lessons]
    kept = [lesson for lesson in given if lesson]
    errors: dict[str, str] = {}
    if not result:
        errors["result"] = _("Beschrijf kort wat het initiatief heeft opgeleverd.")
    elif len(result) > RESULT_MAX_LENGTH:
        errors["result"] = _("Het resultaat mag hoogstens %(max)d tekens lang zijn.") % {
            "max": RESULT_MAX_LENGTH
        }
    if not kept:
        errors["lessons"] = _("Noem ten minste één les die anderen kunnen gebruiken.")
    elif len(kept) > MAX_LESSONS:
        errors["lessons"] = _("Noem hoogstens twee lessen; kies de belangrijkste.")
    elif any(len(lesson) > LESSON_MAX_LENGTH for lesson in kept):
        errors["lessons"] = _("Een les mag hoogstens %(max)d tekens lang zijn.") % {
            "max": LESSON_MAX_LENGTH
        }
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    locked.phase = Phase.EMBEDDED
    locked.phase_changed_at = now
    locked.closed_at = now
    locked.result = result
    locked.lessons = kept
    locked.full_clean()
    update_fields = ["phase", "phase_changed_at", "closed_at", "result", "lessons", "updated_at"]
    locked.save(update_fields=update_fields)
    _sync(initiative, locked, update_fields)
    change = PhaseChange.objects.create(
        initiative=locked,
        from_phase=from_phase,
        to_phase=Phase.EMBEDDED,
        actor=actor,
        created_at=now,
    )
    initiative_touch(initiative)
    # Later apps act on the closing in the same transaction (knowledge turns the lessons into
    # lesson-learned items); if one of them fails, the initiative is not closed either.
    for _key, listener in initiative_closed_listeners.items():
        listener(initiative, actor)
    audit_log(
        action="initiative.closed",
        actor=actor,
        target=initiative,
        data={"from": from_phase, "lessons": len(kept)},
    )
    activity_record(verb="initiative.closed", target=initiative, actor=actor, summary=result)
    title = initiative.title
    initiative_followers_notify(
        initiative=initiative,
        verb="initiative.closed",
        text=lambda: _("%(title)s is afgesloten als geborgd.") % {"title": title},
        actor=actor,
    )
    return change


def _check_may_move(actor: User, initiative: Initiative) -> None:
    if not can_view(actor, initiative) or not can_edit_initiative(actor, initiative):
        raise PermissionDenied(_("U mag de fase van dit initiatief niet wijzigen."))


def _sync(initiative: Initiative, locked: Initiative, fields: list[str]) -> None:
    """Bring the caller's instance up to date with what was saved on the locked copy."""
    for name in fields:
        setattr(initiative, name, getattr(locked, name))


def _reason_required_message(from_phase: str, to_phase: str) -> str:
    if to_phase == Phase.STOPPED:
        return _("Geef een reden op: waarom stopt dit initiatief?")
    if to_phase == Phase.PAUSED:
        return _("Geef een reden op: waarom wordt dit initiatief gepauzeerd, en tot wanneer?")
    return _("Geef een reden op: waarom gaat dit initiatief terug naar de fase %(phase)s?") % {
        "phase": Phase(to_phase).label
    }
