"""Writes on who takes part in an initiative: invite, answer, withdraw, leave, and what each
participant brings and gets (brengen en halen).

A Participation row is what opens an AMBER initiative to an organisation, so accepting an
invitation opens it and leaving closes it again, both at once.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lmi_portal.core.notifications import notification_send
from lmi_portal.core.services import activity_record, audit_log
from partners.access import can_view, user_organisation_ids
from partners.models import Membership, Organisation, User

from ..models import Initiative, Participation, ParticipationInvite
from ..permissions import (
    can_edit_initiative,
    can_leave,
    can_manage_participants,
    can_respond_to_invite,
)
from .activity import initiative_touch


def _not_allowed() -> PermissionDenied:
    return PermissionDenied(_("Dat mag u bij dit initiatief niet doen."))


def _organisation_admins(organisation: Organisation) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            pk__in=Membership.objects.current()
            .filter(organisation=organisation, role=Membership.Role.ORG_ADMIN)
            .values("user_id"),
        )
    )


@transaction.atomic
def participation_invite(
    *,
    actor: User,
    initiative: Initiative,
    organisation: Organisation,
    message: str = "",
) -> ParticipationInvite:
    """Invite an organisation to take part. Its admins are told in-app; the invitation shows
    them the title and summary (the inviter's choice) and nothing else until they accept."""
    if not can_manage_participants(actor, initiative):
        raise _not_allowed()
    if organisation.pk == initiative.owner_organisation_id:
        raise ValidationError(
            {"organisation": _("De eigenaar van het initiatief neemt er al aan deel.")}
        )
    if organisation.status != Organisation.Status.ACTIVE:
        raise ValidationError(
            {"organisation": _("Alleen een actieve organisatie in het portaal kan deelnemen.")}
        )
    if Participation.objects.filter(initiative=initiative, organisation=organisation).exists():
        raise ValidationError(
            {"organisation": _("%(org)s neemt al deel aan dit initiatief.") % {"org": organisation}}
        )
    already_invited = ValidationError(
        {
            "organisation": _("%(org)s is al uitgenodigd; de uitnodiging staat nog open.")
            % {"org": organisation}
        }
    )
    pending = ParticipationInvite.objects.filter(
        initiative=initiative, organisation=organisation, status=ParticipationInvite.Status.PENDING
    )
    if pending.exists():
        raise already_invited
    invite = ParticipationInvite(
        initiative=initiative,
        organisation=organisation,
        message=message.strip(),
        invited_by=actor,
    )
    # The one-pending constraint is checked above and, for two invitations at once, below.
    invite.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            invite.save()
    except IntegrityError:
        raise already_invited from None

    notification_send(
        recipients=_organisation_admins(organisation),
        verb="participation.invited",
        email_event="invited",
        text=lambda: (
            _("%(inviter)s nodigt uw organisatie uit voor het initiatief “%(title)s”.")
            % {"inviter": initiative.owner_organisation.display_name, "title": initiative.title}
        ),
        url=reverse("initiatives:invites"),
        # Not the initiative: its admins may not see that yet, only the invitation.
        target=invite,
        actor=actor,
    )
    audit_log(
        action="participation.invited",
        actor=actor,
        target=initiative,
        data={"organisation": organisation.pk, "invite": invite.pk},
    )
    activity_record(
        verb="participation.invited", target=initiative, actor=actor, summary=organisation.name
    )
    initiative_touch(initiative)
    return invite


def _lock_pending(invite: ParticipationInvite) -> ParticipationInvite:
    locked = ParticipationInvite.objects.select_for_update().get(pk=invite.pk)
    if locked.status != ParticipationInvite.Status.PENDING:
        raise ValidationError(_("Deze uitnodiging is al beantwoord of ingetrokken."))
    return locked


@transaction.atomic
def participation_invite_respond(
    *, actor: User, invite: ParticipationInvite, accept: bool
) -> Participation | None:
    """An admin of the invited organisation accepts (the organisation takes part from now on)
    or declines. Returns the participation when accepted."""
    if not can_respond_to_invite(actor, invite):
        raise _not_allowed()
    locked = _lock_pending(invite)
    initiative = locked.initiative
    organisation = locked.organisation
    participation = None
    if accept:
        if organisation.status != Organisation.Status.ACTIVE:
            raise ValidationError(_("Alleen een actieve organisatie in het portaal kan deelnemen."))
        participation, _created = Participation.objects.get_or_create(
            initiative=initiative, organisation=organisation
        )
    locked.status = (
        ParticipationInvite.Status.ACCEPTED if accept else ParticipationInvite.Status.DECLINED
    )
    locked.responded_by = actor
    locked.responded_at = timezone.now()
    locked.save(update_fields=["status", "responded_by", "responded_at", "updated_at"])
    invite.status, invite.responded_by, invite.responded_at = (
        locked.status,
        locked.responded_by,
        locked.responded_at,
    )

    verb = "participation.accepted" if accept else "participation.declined"
    inviter = locked.invited_by
    if inviter is not None and can_view(inviter, initiative):
        notification_send(
            recipients=[inviter],
            verb=verb,
            text=lambda: (
                (
                    _("%(org)s neemt nu deel aan “%(title)s”.")
                    if accept
                    else _("%(org)s heeft de uitnodiging voor “%(title)s” afgewezen.")
                )
                % {"org": organisation.display_name, "title": initiative.title}
            ),
            url=initiative.get_absolute_url(),
            target=initiative,
            actor=actor,
        )
    audit_log(
        action=verb,
        actor=actor,
        target=initiative,
        data={"organisation": organisation.pk, "invite": locked.pk},
    )
    activity_record(verb=verb, target=initiative, actor=actor, summary=organisation.name)
    initiative_touch(initiative)
    return participation


@transaction.atomic
def participation_invite_withdraw(*, actor: User, invite: ParticipationInvite) -> None:
    """Take back an invitation that has not been answered yet."""
    if not can_manage_participants(actor, invite.initiative):
        raise _not_allowed()
    locked = _lock_pending(invite)
    locked.status = ParticipationInvite.Status.WITHDRAWN
    locked.responded_by = actor
    locked.responded_at = timezone.now()
    locked.save(update_fields=["status", "responded_by", "responded_at", "updated_at"])
    invite.status = locked.status
    audit_log(
        action="participation.invite_withdrawn",
        actor=actor,
        target=invite.initiative,
        data={"organisation": locked.organisation_id, "invite": locked.pk},
    )
    activity_record(
        verb="participation.invite_withdrawn",
        target=invite.initiative,
        actor=actor,
        summary=str(locked.organisation),
    )
    initiative_touch(invite.initiative)


@transaction.atomic
def participation_leave(*, actor: User, participation: Participation) -> None:
    """End a participation: an admin of that organisation leaves, or an editor removes it.
    For an AMBER initiative the organisation's sight of it ends with this."""
    initiative = participation.initiative
    if not (can_leave(actor, participation) or can_edit_initiative(actor, initiative)):
        raise _not_allowed()
    organisation = participation.organisation
    deleted, _rows = Participation.objects.filter(pk=participation.pk).delete()
    if not deleted:
        # Already gone (a double click): the outcome the actor wanted.
        return
    audit_log(
        action="participation.ended",
        actor=actor,
        target=initiative,
        data={"organisation": organisation.pk},
    )
    activity_record(
        verb="participation.ended", target=initiative, actor=actor, summary=organisation.name
    )
    initiative_touch(initiative)


def can_update_participation(user: Any, participation: Participation) -> bool:
    """Members of the participating organisation, and the initiative's editors."""
    return participation.organisation_id in user_organisation_ids(user) or can_edit_initiative(
        user, participation.initiative
    )


@transaction.atomic
def participation_update(
    *, actor: User, participation: Participation, role: str, brings: str, gets: str
) -> Participation:
    """Record the organisation's role and what it brings and gets."""
    if not can_update_participation(actor, participation):
        raise _not_allowed()
    participation.role = role.strip()
    participation.brings = brings.strip()
    participation.gets = gets.strip()
    participation.full_clean()
    participation.save(update_fields=["role", "brings", "gets", "updated_at"])
    audit_log(
        action="participation.updated",
        actor=actor,
        target=participation.initiative,
        data={"organisation": participation.organisation_id},
    )
    activity_record(
        verb="participation.updated",
        target=participation.initiative,
        actor=actor,
        summary=str(participation.organisation),
    )
    initiative_touch(participation.initiative)
    return participation
