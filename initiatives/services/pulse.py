"""Writes of the Samenwerkingsmonitor: opening and closing rounds, and answering one.

Answering keeps the respondent anonymous: the response row knows no user and no time, the
invitation only learns ``answered=True``, and nothing is audited or logged about who answered
when.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from lmi_portal.core.notifications import notification_send
from lmi_portal.core.services import audit_log, outbox_enqueue
from partners.access import can_view
from partners.models import TLP, Organisation, User
from partners.selectors import active_member_users

from ..models import (
    Initiative,
    Participation,
    PulseForm,
    PulseInvitation,
    PulseResponse,
    PulseRound,
)
from ..permissions import is_programme_manager
from ..pulse_items import SCALE, statement_ids_for

OPEN_TEXT_MAX = 2000


def _active_members(organisation_ids: Iterable[int] | None = None) -> QuerySet[User]:
    """Active accounts with a membership that counts, in a stable order."""
    return active_member_users(organisation_ids=organisation_ids).order_by("pk")


def _initiative_invitees(initiative: Initiative) -> list[User]:
    """Members of the owner and participating organisations who may see the initiative."""
    org_ids = {initiative.owner_organisation_id}
    org_ids.update(
        Participation.objects.filter(initiative=initiative).values_list(
            "organisation_id", flat=True
        )
    )
    candidates = list(_active_members(org_ids))
    if initiative.tlp in (TLP.CLEAR, TLP.GREEN):
        return candidates
    return [user for user in candidates if can_view(user, initiative)]


def _answer_url(round_: PulseRound) -> str:
    return reverse("initiatives:pulse_answer", kwargs={"pk": round_.pk})


def _invite_email(round_: PulseRound, user: User, actor: User) -> None:
    """One email per user and round, in the user's language (the outbox key keeps it single)."""
    language = user.language or settings.LANGUAGE_CODE
    url = settings.SITE_URL.rstrip("/") + _answer_url(round_)
    with translation.override(language):
        closes = formats.date_format(timezone.localtime(round_.closes_at), "j F Y H:i")
        subject = _("Samenwerkingsmonitor: %(title)s") % {"title": round_.title}
        body = "\n\n".join(
            [
                _("Beste %(name)s,") % {"name": user.first_name or user.email},
                _(
                    "%(actor)s nodigt u uit voor de Samenwerkingsmonitor “%(title)s”. Invullen "
                    "duurt minder dan drie minuten en is anoniem: uw antwoorden worden niet aan "
                    "uw naam gekoppeld, en uitkomsten worden alleen getoond voor groepen van "
                    "minstens vijf personen."
                )
                % {"actor": actor, "title": round_.title},
                _("U kunt antwoorden tot %(date)s:") % {"date": closes} + "\n" + url,
                _("Met vriendelijke groet,\nde LMI-cel"),
            ]
        )
    outbox_enqueue(
        key=f"pulse-invite:{round_.pk}:{user.pk}",
        to=user.email,
        subject=subject,
        body_text=body + "\n",
        language=language,
    )


@transaction.atomic
def pulse_round_open(
    *,
    actor: User,
    title: str,
    form: str,
    closes_at: datetime,
    initiative: Initiative | None = None,
    organisations: Iterable[Organisation] | None = None,
) -> PulseRound:
    """Open a round, network-wide (optionally limited to some organisations) or about one
    initiative, and invite everyone it concerns (in-app notification and one email each)."""
    if not is_programme_manager(actor):
        raise PermissionDenied(_("Alleen programmamanagers openen een monitorronde."))
    chosen = list(organisations or [])
    if initiative is not None and chosen:
        raise ValidationError(_("Kies óf organisaties óf een initiatief, niet allebei."))
    if initiative is not None and not can_view(actor, initiative):
        raise Http404  # as if it did not exist
    if closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("De sluitingsdatum moet in de toekomst liggen.")})
    round_ = PulseRound(
        title=title.strip(),
        form=form,
        initiative=initiative,
        opened_by=actor,
        closes_at=closes_at,
    )
    round_.full_clean()
    if initiative is not None:
        invitees = _initiative_invitees(initiative)
    else:
        active_ids = Organisation.objects.filter(
            pk__in=[o.pk for o in chosen], status=Organisation.Status.ACTIVE
        ).values_list("pk", flat=True)
        invitees = list(_active_members(list(active_ids) if chosen else None))
    if not invitees:
        raise ValidationError(_("Er is niemand om uit te nodigen: kies een ruimere groep."))
    round_.save()
    PulseInvitation.objects.bulk_create(
        [PulseInvitation(round=round_, user=user) for user in invitees], batch_size=1000
    )
    title_text = round_.title
    notification_send(
        recipients=invitees,
        verb="pulse.invited",
        text=lambda: _("Vul de Samenwerkingsmonitor in: %(title)s") % {"title": title_text},
        url=_answer_url(round_),
        target=initiative,
        actor=actor,
    )
    for user in invitees:
        if user.pk != actor.pk and user.email:
            _invite_email(round_, user, actor)
    audit_log(
        action="pulse.round_opened",
        actor=actor,
        target=round_,
        data={
            "form": form,
            "invited": len(invitees),
            "initiative": getattr(initiative, "pk", None),
        },
    )
    return round_


@transaction.atomic
def pulse_round_close(*, actor: User, round: PulseRound) -> PulseRound:
    """Close a round now; closing a closed round changes nothing."""
    if not is_programme_manager(actor):
        raise PermissionDenied(_("Alleen programmamanagers sluiten een monitorronde."))
    locked = PulseRound.objects.select_for_update().get(pk=round.pk)
    if locked.closed_at is None:
        locked.closed_at = timezone.now()
        locked.save(update_fields=["closed_at", "updated_at"])
        audit_log(action="pulse.round_closed", actor=actor, target=locked)
    round.closed_at = locked.closed_at
    return locked


def _clean_answers(form: str, answers: Mapping[str, Any]) -> dict[str, int | None]:
    allowed = statement_ids_for(form)
    unknown = sorted(str(key) for key in answers if key not in allowed)
    if unknown:
        raise ValidationError(
            _("Onbekende stelling(en): %(ids)s. Er is niets opgeslagen.")
            % {"ids": ", ".join(unknown)}
        )
    cleaned: dict[str, int | None] = {}
    for key, value in answers.items():
        # bool is an int in Python; True must not pass for a 1.
        if value is None or (type(value) is int and value in SCALE):
            cleaned[key] = value
        else:
            raise ValidationError(
                _("Stelling %(id)s heeft een ongeldig antwoord; kies 1 tot en met 5 of n.v.t.")
                % {"id": key}
            )
    return cleaned


def _clean_text(value: str, label: str) -> str:
    value = (value or "").strip()
    if len(value) > OPEN_TEXT_MAX:
        raise ValidationError(
            _("%(label)s is te lang (hoogstens %(max)s tekens).")
            % {"label": label, "max": OPEN_TEXT_MAX}
        )
    return value


@transaction.atomic
def pulse_answer_submit(
    *,
    user: User,
    round: PulseRound,
    org_kind: str,
    level: str,
    answers: Mapping[str, Any],
    open_answer: str = "",
    worked: str = "",
    to_change: str = "",
) -> None:
    """Store one anonymous response for an invited user, once, while the round is open.

    Returns nothing on purpose: the response must not travel back to anything that knows the
    user. Refusals raise Http404 (not invited) or ValidationError (answered, closed, garbage).
    """
    invitation = (
        PulseInvitation.objects.select_for_update()
        .select_related("round")
        .filter(round_id=round.pk, user_id=user.pk)
        .first()
    )
    if invitation is None or not user.is_active:
        raise Http404
    if invitation.answered:
        raise ValidationError(_("U hebt deze ronde al ingevuld."))
    if not invitation.round.is_open:
        raise ValidationError(_("Deze ronde is gesloten; antwoorden kan niet meer."))
    if org_kind not in PulseResponse.OrgKind.values:
        raise ValidationError({"org_kind": _("Kies voor welk soort organisatie u werkt.")})
    if level not in PulseResponse.Level.values:
        raise ValidationError({"level": _("Kies op welk niveau u werkt.")})
    form = invitation.round.form
    response = PulseResponse(
        round_id=round.pk,
        org_kind=org_kind,
        level=level,
        answers=_clean_answers(form, answers),
        open_answer=_clean_text(open_answer, _("Uw suggestie")) if form == PulseForm.FULL else "",
        worked=_clean_text(worked, _("Wat goed werkte")) if form == PulseForm.SHORT else "",
        to_change=_clean_text(to_change, _("Wat anders moet")) if form == PulseForm.SHORT else "",
    )
    response.full_clean(exclude=["answers"])  # checked above; an empty set is allowed
    # The conditional update is the guard that also holds where SELECT … FOR UPDATE is a no-op.
    if not PulseInvitation.objects.filter(pk=invitation.pk, answered=False).update(answered=True):
        raise ValidationError(_("U hebt deze ronde al ingevuld."))
    response.save()
