"""The onboarding checklist of an organisation, and the reminders for organisations stuck on it.

The checklist itself is pure: ``checklist_build`` turns the dates the board selector annotates
(``partners.selectors_beheer.onboarding_board``) into steps, and ``Checklist`` says which step is
current and whether the organisation is stuck. Only organisations still being onboarded
(status *invited* or *onboarding*) can be stuck: an active, suspended or offboarded organisation
is past onboarding, whatever its checklist says.

Reminders go out once per (organisation, step), ever: the ``OnboardingReminder`` row is inserted
first, in the same transaction as the emails, and a second run (or a concurrent one) fails on
its unique constraint and sends nothing. Who gets the reminder is whoever must act:

* *primary contact invited* and *approved by an admin*: the portal admins;
* *invitation accepted*: the invitee (a nudge to use the link they got; resending a fresh link
  stays a deliberate admin action), with the portal admins in the loop;
* *MFA*, *common understanding*, *profile*, *colleagues*: the organisation's admins (the portal
  admins when the organisation has none).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.services import audit_log, outbox_enqueue

from ..models import Invitation, Membership, OnboardingReminder, Organisation, User

logger = logging.getLogger(__name__)

STUCK_AFTER = timedelta(days=7)
ONBOARDING_STATUSES = (Organisation.Status.INVITED, Organisation.Status.ONBOARDING)


class Step(TextChoices):
    CREATED = "created", _("aangemaakt")
    CONTACT_INVITED = "contact_invited", _("eerste contactpersoon uitgenodigd")
    INVITATION_ACCEPTED = "invitation_accepted", _("uitnodiging geaccepteerd")
    MFA = "mfa", _("tweestapsverificatie ingesteld")
    COMMON_UNDERSTANDING = "common_understanding", _("gemeenschappelijk begrip geaccepteerd")
    PROFILE = "profile", _("profiel compleet")
    COLLEAGUES = "colleagues", _("collega's uitgenodigd")
    APPROVED = "approved", _("goedgekeurd door een beheerder")


STEP_ORDER: tuple[Step, ...] = tuple(Step)

# Who must act on each step (see the module docstring).
PORTAL_ADMIN_STEPS = frozenset({Step.CONTACT_INVITED, Step.APPROVED})
INVITEE_STEPS = frozenset({Step.INVITATION_ACCEPTED})
ORGANISATION_STEPS = frozenset({Step.MFA, Step.COMMON_UNDERSTANDING, Step.PROFILE, Step.COLLEAGUES})


@dataclass(frozen=True)
class StepState:
    step: Step
    done: bool
    done_at: datetime | None = None

    @property
    def label(self) -> str:
        return str(self.step.label)


@dataclass(frozen=True)
class Checklist:
    status: str
    steps: tuple[StepState, ...]

    @property
    def current(self) -> StepState | None:
        """The first step not yet done (None when every step is done)."""
        return next((s for s in self.steps if not s.done), None)

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.steps if s.done)

    @property
    def waiting_since(self) -> datetime | None:
        """When the step before the current one was done: since then the current step waits."""
        current = self.current
        if current is None:
            return None
        index = self.steps.index(current)
        # A step can be done without a known date (e.g. no charter published yet); look further
        # back for the last date we know.
        for state in reversed(self.steps[:index]):
            if state.done_at is not None:
                return state.done_at
        return None

    def is_stuck(self, now: datetime) -> bool:
        """Still onboarding, and the current step has been open for more than ``STUCK_AFTER``."""
        since = self.waiting_since
        return (
            self.status in ONBOARDING_STATUSES and since is not None and now - since > STUCK_AFTER
        )

    def days_waiting(self, now: datetime) -> int | None:
        since = self.waiting_since
        return None if since is None else (now - since).days


def _earliest(*dates: datetime | None) -> datetime | None:
    known = [d for d in dates if d is not None]
    return min(known) if known else None


def checklist_build(
    *,
    status: str,
    created_at: datetime,
    contact_invited_at: datetime | None,
    invitation_accepted_at: datetime | None,
    admin_membership_at: datetime | None,
    mfa_at: datetime | None,
    common_understanding_published: bool,
    common_understanding_at: datetime | None,
    profile_completed_at: datetime | None,
    member_invited_at: datetime | None,
    second_member_at: datetime | None,
    approved_at: datetime | None,
) -> Checklist:
    """The checklist from the dates of each milestone (None: not reached)."""
    accepted = _earliest(invitation_accepted_at, admin_membership_at)
    colleagues = _earliest(member_invited_at, second_member_at)
    steps = (
        StepState(Step.CREATED, True, created_at),
        StepState(Step.CONTACT_INVITED, contact_invited_at is not None, contact_invited_at),
        StepState(Step.INVITATION_ACCEPTED, accepted is not None, accepted),
        StepState(Step.MFA, mfa_at is not None, mfa_at),
        # Without a published charter there is nothing to accept: the step does not hold anyone up.
        StepState(
            Step.COMMON_UNDERSTANDING,
            common_understanding_at is not None or not common_understanding_published,
            common_understanding_at,
        ),
        StepState(Step.PROFILE, profile_completed_at is not None, profile_completed_at),
        StepState(Step.COLLEAGUES, colleagues is not None, colleagues),
        StepState(Step.APPROVED, approved_at is not None, approved_at),
    )
    return Checklist(status=status, steps=steps)


def checklist_for(organisation: Organisation) -> Checklist:
    """The checklist of an organisation annotated by ``selectors_beheer.onboarding_board``."""
    o: Any = organisation
    return checklist_build(
        status=o.status,
        created_at=o.created_at,
        contact_invited_at=o.ob_contact_invited_at,
        invitation_accepted_at=o.ob_invitation_accepted_at,
        admin_membership_at=o.ob_admin_membership_at,
        mfa_at=o.ob_mfa_at,
        common_understanding_published=o.ob_cu_published,
        common_understanding_at=o.ob_cu_at,
        profile_completed_at=o.profile_completed_at,
        member_invited_at=o.ob_member_invited_at,
        second_member_at=o.ob_second_member_at,
        approved_at=o.approved_at,
    )


# --- Reminders ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    email: str
    language: str
    role: str  # "portal_admin", "org_admin" or "invitee"
    name: str = ""


def _portal_admins() -> list[Recipient]:
    admins = User.objects.filter(is_active=True, portal_role=User.PortalRole.ADMIN).order_by("pk")
    return [Recipient(u.email, u.language, "portal_admin", u.get_full_name()) for u in admins]


def _organisation_admins(organisation: Organisation) -> list[Recipient]:
    admins = User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.current()
        .filter(organisation=organisation, role=Membership.Role.ORG_ADMIN)
        .values("user_id"),
    ).order_by("pk")
    return [Recipient(u.email, u.language, "org_admin", u.get_full_name()) for u in admins]


def _open_contact_invitation(organisation: Organisation) -> Invitation | None:
    return (
        Invitation.objects.open()
        .filter(organisation=organisation, role=Membership.Role.ORG_ADMIN)
        .order_by("-created_at")
        .first()
    )


def reminder_recipients(*, organisation: Organisation, step: Step) -> list[Recipient]:
    """Whoever must act on ``step`` of ``organisation`` (see the module docstring)."""
    if step in ORGANISATION_STEPS:
        return _organisation_admins(organisation) or _portal_admins()
    recipients = _portal_admins()
    if step in INVITEE_STEPS:
        invitation = _open_contact_invitation(organisation)
        if invitation is not None:
            recipients.insert(
                0, Recipient(invitation.email, invitation.language, "invitee", invitation.full_name)
            )
    return recipients


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    result = []
    for r in recipients:
        if r.email.lower() not in seen:
            seen.add(r.email.lower())
            result.append(r)
    return result


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _reminder_email(
    *, organisation: Organisation, step: Step, recipient: Recipient, days: int | None
) -> tuple[str, str]:
    """Subject and body in the recipient's language."""
    if recipient.role == "portal_admin":
        url = _absolute(reverse("partners:beheer_organisation", args=[organisation.pk]))
        template = "partners/email/onboarding_reminder_admin.txt"
    elif recipient.role == "invitee":
        url = ""
        template = "partners/email/onboarding_reminder_invitee.txt"
    else:
        url = _absolute(reverse("mfa_index") if step == Step.MFA else reverse("dashboard"))
        template = "partners/email/onboarding_reminder_organisation.txt"
    with translation.override(recipient.language):
        context = {
            "organisation": organisation,
            "step": step.value,
            "step_label": str(step.label),
            "recipient": recipient,
            "days": days,
            "url": url,
        }
        subject = gettext("LMI Portaal: onboarding van %(organisation)s wacht op: %(step)s") % {
            "organisation": organisation.name,
            "step": str(step.label),
        }
        body = render_to_string(template, context)
    return subject, body


def onboarding_remind(
    *, organisation: Organisation, checklist: Checklist, now: datetime | None = None
) -> bool:
    """Send the one reminder for the step ``organisation`` is stuck on; False if already sent."""
    now = now or timezone.now()
    current = checklist.current
    if current is None or not checklist.is_stuck(now):
        return False
    step = current.step
    try:
        with transaction.atomic():
            # Insert first: the unique (organisation, step) constraint makes this run the only one
            # that sends, also when two runs overlap. The emails share this transaction.
            OnboardingReminder.objects.create(organisation=organisation, step=step, sent_at=now)
            recipients = _unique(reminder_recipients(organisation=organisation, step=step))
            for recipient in recipients:
                subject, body = _reminder_email(
                    organisation=organisation,
                    step=step,
                    recipient=recipient,
                    days=checklist.days_waiting(now),
                )
                outbox_enqueue(
                    key=f"onboarding-reminder:{organisation.pk}:{step.value}:{recipient.email}",
                    to=recipient.email,
                    subject=subject,
                    body_text=body,
                    language=recipient.language,
                )
            audit_log(
                action="onboarding.reminder_sent",
                target=organisation,
                data={
                    "organisation": organisation.pk,
                    "step": step.value,
                    "recipients": [r.email for r in recipients],
                },
            )
    except IntegrityError:
        return False
    return True


def onboarding_send_reminders(*, now: datetime | None = None) -> int:
    """Remind whoever must act for every stuck organisation; returns the number of reminders."""
    from ..selectors_beheer import onboarding_board

    now = now or timezone.now()
    sent = 0
    for organisation in list(onboarding_board(stuck_candidates_only=True)):
        checklist = checklist_for(organisation)
        if onboarding_remind(organisation=organisation, checklist=checklist, now=now):
            sent += 1
    if sent:
        logger.info("Sent %s onboarding reminder(s)", sent)
    return sent
