"""Handovers: opened before a rotation, executed in one atomic step, followed by introductions.

A handover moves what a departing person carries to a successor: the records they steward
(here) and whatever other apps register in ``core.registry.handover_movers`` (initiatives moves
initiative leads; open actions will plug in the same way once they exist). Executing is one
transaction: any mover that raises leaves nothing moved.

Who may see a handover: the departing person, their steward, the admins of the affiliation's
organisation and programme managers; everyone else gets a 404, as for a handover that does
not exist. Only active members see people at all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lmi_portal.core.digests import instant_email_user_ids
from lmi_portal.core.models import OutboxEmail
from lmi_portal.core.notifications import notification_send
from lmi_portal.core.registry import handover_movers
from lmi_portal.core.services import audit_log, outbox_enqueue
from partners.access import can_view_people, managed_organisation_ids
from partners.models import Membership, Organisation, User
from partners.services.invitations import invitation_create

from ..models import Affiliation, Handover, Person, Tie
from .affiliations import person_for_user

OPEN_BEFORE = timedelta(days=90)  # a handover opens this long before the expected rotation
ENDED_WITHIN = timedelta(days=30)  # ... or this long after an affiliation ended without one
RECENT_DONE = timedelta(days=30)  # the status list keeps finished handovers this long
TOP_CONTACTS = 5

# Labels for what moved; movers of later apps report their own keys (shown as-is if unknown).
MOVED_LABELS = {
    "stewardships": gettext_lazy("beheerde contactrecords"),
    "initiative_leads": gettext_lazy("penvoerderschap van initiatieven"),
    "initiative_deputies": gettext_lazy("plaatsvervangerschap van initiatieven"),
    "action_owners": gettext_lazy("open actiepunten"),
    "knowledge_owners": gettext_lazy("eigenaarschap van kennisitems"),
}


# --- Who may see and act --------------------------------------------------------------------


def _is_pm(user: Any) -> bool:
    return bool(getattr(user, "is_programme_manager", False))


def handovers_visible_to(*, user: Any) -> QuerySet[Handover]:
    """Handovers ``user`` may open: see the module docstring."""
    if not can_view_people(user):
        return Handover.objects.none()
    if _is_pm(user):
        return Handover.objects.all()
    return Handover.objects.filter(
        Q(person__user_id=user.pk)
        | Q(person__steward__user_id=user.pk)
        | Q(affiliation__organisation_id__in=managed_organisation_ids(user))
    )


def handover_get_for_user(*, user: Any, pk: int) -> Handover:
    """One handover the user may see, with what the page needs; otherwise 404."""
    try:
        return (
            handovers_visible_to(user=user)
            .select_related("person__user", "successor__user", "affiliation__organisation")
            .get(pk=pk)
        )
    except Handover.DoesNotExist:
        raise Http404 from None


def can_invite_successor(*, user: Any, handover: Handover) -> bool:
    """Inviting a new colleague is for the admins of the affiliation's organisation."""
    return (
        handover.affiliation is not None
        and handover.affiliation.organisation_id in managed_organisation_ids(user)
    )


def can_send_introductions(*, user: Any, handover: Handover) -> bool:
    """The departing person asks their contacts; an organisation admin may do it for them."""
    return handover.person.user_id == user.pk or can_invite_successor(user=user, handover=handover)


def _check_can_act(actor: Any, handover: Handover) -> None:
    # Everyone who may see a handover may act on it; the same query decides both.
    if not handovers_visible_to(user=actor).filter(pk=handover.pk).exists():
        raise PermissionDenied


# --- Reads ----------------------------------------------------------------------------------


def handover_list(*, user: Any) -> QuerySet[Handover]:
    """Open and recently finished handovers for the status page (programme managers: all;
    organisation admins: their organisations'); nobody else has a list."""
    if not can_view_people(user):
        raise Http404
    since = timezone.now() - RECENT_DONE
    qs = Handover.objects.filter(
        Q(status=Handover.Status.OPEN) | Q(status=Handover.Status.DONE, completed_at__gte=since)
    )
    if not _is_pm(user):
        managed = managed_organisation_ids(user)
        if not managed:
            raise Http404
        qs = qs.filter(affiliation__organisation_id__in=managed)
    open_first = Case(When(status=Handover.Status.OPEN, then=Value(0)), default=Value(1))
    return qs.select_related("person", "successor", "affiliation__organisation").order_by(
        open_first, "due_date", "pk"
    )


def handover_stewarded(*, handover: Handover) -> QuerySet[Person]:
    """The records the departing person keeps current (they move to the successor)."""
    return Person.objects.filter(steward_id=handover.person_id, anonymised_at__isnull=True)


@dataclass(frozen=True)
class MovedLine:
    key: str
    label: str
    count: int


def moved_lines(counts: dict[str, int]) -> list[MovedLine]:
    return [MovedLine(k, str(MOVED_LABELS.get(k, k)), v) for k, v in counts.items()]


def handover_preview(*, handover: Handover) -> dict[str, int]:
    """What executing would move now, per kind (movers run with dry_run=True)."""
    counts = {"stewardships": handover_stewarded(handover=handover).count()}
    for _key, mover in handover_movers.items():
        for kind, n in mover(handover.person, handover.successor, dry_run=True).items():
            counts[kind] = counts.get(kind, 0) + n
    return counts


def successor_candidates(*, handover: Handover, query: str, limit: int = 20) -> list[Person]:
    """People matching ``query`` by name who hold a current post; the same organisation first."""
    words = query.split()
    if not words:
        return []
    qs = Person.objects.filter(
        anonymised_at__isnull=True,
        pk__in=Affiliation.objects.current().values("person_id"),
    ).exclude(pk=handover.person_id)
    for word in words[:4]:
        qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    same_org: set[int] = set()
    if handover.affiliation is not None:
        same_org = set(
            Affiliation.objects.current()
            .filter(organisation_id=handover.affiliation.organisation_id, person__in=qs)
            .values_list("person_id", flat=True)
        )
    people = list(qs.order_by("last_name", "first_name", "pk")[:200])
    people.sort(key=lambda p: p.pk not in same_org)  # stable: keeps the name order
    for p in people:
        p.same_organisation = p.pk in same_org  # type: ignore[attr-defined]
    return people[:limit]


def _current_affiliation(person: Person) -> Affiliation | None:
    return (
        Affiliation.objects.current()
        .filter(person=person)
        .select_related("organisation")
        .order_by("-start_date", "-pk")
        .first()
    )


def _email_of(person: Person) -> str:
    """Where to write to someone: their login address, else their current post's address."""
    user = person.user
    if user is not None and user.is_active:
        return str(user.email)
    affiliation = (
        Affiliation.objects.current()
        .filter(person=person)
        .exclude(email="")
        .order_by("-start_date", "-pk")
        .first()
    )
    return affiliation.email if affiliation is not None else ""


def handover_top_contacts(*, handover: Handover) -> list[Person]:
    """The departing person's strongest confirmed contacts that can be emailed (at most five).

    Ordered by tie strength, then by the most recent interaction. The successor is left out.
    """
    departing_id = handover.person_id
    reachable = Person.objects.filter(anonymised_at__isnull=True).filter(
        Q(user__isnull=False, user__is_active=True)
        | Q(pk__in=Affiliation.objects.current().exclude(email="").values("person_id"))
    )
    if handover.successor_id is not None:
        reachable = reachable.exclude(pk=handover.successor_id)
    ties = (
        Tie.objects.filter(status=Tie.Status.CONFIRMED)
        .filter(
            Q(person_a_id=departing_id, person_b__in=reachable)
            | Q(person_b_id=departing_id, person_a__in=reachable)
        )
        .order_by(
            "-strength", F("last_interaction_at").desc(nulls_last=True), "-confirmed_at", "pk"
        )
        .values_list("person_a_id", "person_b_id")
    )
    order: list[int] = []
    # A pair can have a declared and a derived tie: at most two rows per contact.
    for a, b in ties[: TOP_CONTACTS * 2]:
        other = b if a == departing_id else a
        if other not in order:
            order.append(other)
    order = order[:TOP_CONTACTS]
    people = Person.objects.filter(pk__in=order).select_related("user").in_bulk()
    return [people[pk] for pk in order]


def introduction_key(handover: Handover, contact_id: int) -> str:
    return f"handover:{handover.pk}:introduction:{contact_id}"


def handover_introduced_ids(*, handover: Handover, contacts: list[Person]) -> set[int]:
    """Which of ``contacts`` already got an introduction for this handover."""
    keys = {introduction_key(handover, c.pk): c.pk for c in contacts}
    sent = OutboxEmail.objects.filter(idempotency_key__in=keys).values_list(
        "idempotency_key", flat=True
    )
    return {keys[k] for k in sent}


# --- Opening (daily) ------------------------------------------------------------------------


def _site_url(path: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + path


@transaction.atomic
def handovers_open_due(*, today: date | None = None) -> int:
    """Open a handover for every post that needs one and has none; email who must act.

    Needs one: a current post whose expected rotation date is within ``OPEN_BEFORE`` (and not
    long past), or a post that ends within that window or ended within ``ENDED_WITHIN``.
    Set-based and idempotent: a post with any handover (open, done or cancelled) is skipped,
    the database allows one open handover per post, and each email has a key per handover.
    Returns how many handovers this run opened.
    """
    today = today or timezone.localdate()
    horizon = today + OPEN_BEFORE
    floor = today - ENDED_WITHIN
    current = Q(end_date__isnull=True) | Q(end_date__gte=today)
    due = Q(end_date__range=(floor, horizon)) | (
        current & Q(expected_rotation_date__range=(floor, horizon))
    )
    candidates = list(
        Affiliation.objects.filter(due, person__anonymised_at__isnull=True)
        .exclude(pk__in=Handover.objects.filter(affiliation__isnull=False).values("affiliation_id"))
        .values_list("pk", "person_id", "expected_rotation_date", "end_date")
    )
    if not candidates:
        return 0
    rows = []
    for pk, person_id, rotation, end in candidates:
        # The earlier of the two dates we know: whichever comes first is when the post is left.
        due_date = min(d for d in (rotation, end) if d is not None)
        rows.append(Handover(person_id=person_id, affiliation_id=pk, due_date=due_date))
    Handover.objects.bulk_create(rows, ignore_conflicts=True)
    opened = list(
        Handover.objects.filter(
            affiliation_id__in=[c[0] for c in candidates], status=Handover.Status.OPEN
        ).select_related("person__user", "affiliation__organisation")
    )
    _notify_opened(opened)
    audit_log(action="handover.opened", data={"count": len(opened)})
    return len(opened)


def _opened_text(name: str) -> str:
    return _("Overdracht voorbereiden: %(name)s") % {"name": name}


def _notify_opened(handovers: list[Handover]) -> None:
    """The departing person (if they have a login) and their organisation's admins, once each."""
    org_ids = {h.affiliation.organisation_id for h in handovers if h.affiliation}
    admins: dict[int, list[User]] = {}
    memberships = (
        Membership.objects.current()
        .filter(
            organisation_id__in=org_ids,
            role=Membership.Role.ORG_ADMIN,
            user__is_active=True,
            organisation__status__in=(Organisation.Status.ONBOARDING, Organisation.Status.ACTIVE),
        )
        .select_related("user")
        .order_by("user_id")
    )
    for m in memberships:
        admins.setdefault(m.organisation_id, []).append(m.user)
    for handover in handovers:
        assert handover.affiliation is not None  # opened for a post, always
        recipients: dict[int, tuple[User, bool]] = {}
        for admin in admins.get(handover.affiliation.organisation_id, []):
            recipients[admin.pk] = (admin, False)
        user = handover.person.user
        if user is not None and user.is_active:
            recipients[user.pk] = (user, True)
        path = reverse("network:handover_detail", args=[handover.pk])
        url = _site_url(path)
        notification_send(
            recipients=[recipient for recipient, _departing in recipients.values()],
            verb="handover.opened",
            text=functools.partial(_opened_text, str(handover.person)),
            url=path,
        )
        emailed = instant_email_user_ids(user_ids=list(recipients), event="handover")
        for recipient, is_departing in recipients.values():
            if recipient.pk not in emailed:
                continue  # the in-app notification and the digest remind them instead
            with translation.override(recipient.language):
                subject = _("Overdracht voorbereiden: %(name)s") % {"name": handover.person}
                body = render_to_string(
                    "network/email/handover_opened.txt",
                    {
                        "recipient": recipient,
                        "is_departing": is_departing,
                        "handover": handover,
                        "organisation": handover.affiliation.organisation,
                        "url": url,
                    },
                )
            outbox_enqueue(
                key=f"handover:{handover.pk}:opened:{recipient.pk}",
                to=recipient.email,
                subject=subject,
                body_text=body,
                language=recipient.language,
            )


# --- Choosing a successor -------------------------------------------------------------------


def _check_open(handover: Handover) -> None:
    if handover.status != Handover.Status.OPEN:
        raise ValidationError(_("Deze overdracht is niet meer open."))


def _check_successor(handover: Handover, successor: Person) -> None:
    if successor.pk == handover.person_id:
        raise ValidationError(_("Iemand kan niet zijn of haar eigen opvolger zijn."))
    if successor.anonymised_at is not None:
        raise ValidationError(_("Deze persoon kan geen opvolger zijn."))


@transaction.atomic
def handover_successor_set(*, actor: Any, handover: Handover, successor: Person) -> Handover:
    """Name an existing person as the successor (nothing moves yet)."""
    _check_can_act(actor, handover)
    handover = Handover.objects.select_for_update().get(pk=handover.pk)
    _check_open(handover)
    _check_successor(handover, successor)
    handover.successor = successor
    handover.save(update_fields=["successor", "updated_at"])
    audit_log(
        action="handover.successor_set",
        actor=actor,
        target=handover,
        data={"successor": successor.pk},
    )
    return handover


@transaction.atomic
def handover_successor_invite(
    *, actor: Any, handover: Handover, first_name: str, last_name: str, email: str
) -> Person:
    """A new colleague as successor: a record at the same organisation and an invitation.

    For the admins of the affiliation's organisation only. The new person has no login until
    they accept, so anything that needs an account (an initiative lead) cannot move to them
    before that.
    """
    if not can_invite_successor(user=actor, handover=handover):
        raise PermissionDenied
    handover = (
        Handover.objects.select_for_update(of=("self",))
        .select_related("affiliation__organisation")
        .get(pk=handover.pk)
    )
    _check_open(handover)
    assert handover.affiliation is not None  # can_invite_successor checked it
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            _("Er bestaat al een account met dit e-mailadres; zoek deze persoon op naam.")
        )
    organisation = handover.affiliation.organisation
    # Until they accept, the admin who invited them keeps the new record current.
    person = Person(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        steward=person_for_user(user=actor),
    )
    person.full_clean()
    person.save()
    affiliation = Affiliation(
        person=person,
        organisation=organisation,
        title=handover.affiliation.title,
        start_date=timezone.localdate(),
        email=email,
    )
    affiliation.full_clean()
    affiliation.save()
    invitation_create(
        actor=actor,
        organisation=organisation,
        email=email,
        role=Membership.Role.MEMBER,
        full_name=person.full_name,
        job_title=handover.affiliation.title,
    )
    handover.successor = person
    handover.save(update_fields=["successor", "updated_at"])
    audit_log(
        action="handover.successor_invited",
        actor=actor,
        target=handover,
        data={"successor": person.pk, "organisation": organisation.pk},
    )
    return person


# --- Executing ------------------------------------------------------------------------------


def handover_execute(*, actor: Any, handover: Handover, successor: Person) -> Handover:
    """Move everything the departing person carries to ``successor``, all or nothing.

    Stewardships first, then every registered mover. Any exception (a mover's ValidationError
    included) rolls the whole handover back. A handover is executed once: the row is locked
    and must still be open.
    """
    _check_can_act(actor, handover)
    with transaction.atomic():
        locked = (
            Handover.objects.select_for_update(of=("self",))
            .select_related("person__user")
            .get(pk=handover.pk)
        )
        _check_open(locked)
        _check_successor(locked, successor)
        departing = locked.person
        moved: dict[str, int] = {
            "stewardships": Person.objects.filter(steward=departing).update(
                steward=successor, updated_at=timezone.now()
            )
        }
        for _key, mover in handover_movers.items():
            for kind, n in mover(departing, successor, dry_run=False).items():
                moved[kind] = moved.get(kind, 0) + n
        locked.successor = successor
        locked.status = Handover.Status.DONE
        locked.completed_at = timezone.now()
        locked.moved = moved
        locked.save(update_fields=["successor", "status", "completed_at", "moved", "updated_at"])
        audit_log(
            action="handover.executed",
            actor=actor,
            target=locked,
            data={"successor": successor.pk, "moved": moved},
        )
    return locked


# --- Introductions --------------------------------------------------------------------------


def handover_introductions_send(*, actor: Any, handover: Handover, contact_ids: list[int]) -> int:
    """Introduce the successor to the chosen top contacts, one email each, at most once.

    Returns how many introductions were newly queued (pressing twice queues nothing new).
    """
    if not can_send_introductions(user=actor, handover=handover):
        raise PermissionDenied
    if handover.status != Handover.Status.DONE or handover.successor is None:
        raise ValidationError(_("Introducties kunnen pas na de overdracht worden verstuurd."))
    contacts = {c.pk: c for c in handover_top_contacts(handover=handover)}
    chosen = [contacts[pk] for pk in dict.fromkeys(contact_ids) if pk in contacts]
    if len(chosen) != len(set(contact_ids)):
        raise ValidationError(_("Kies alleen uit de voorgestelde contacten."))
    already = handover_introduced_ids(handover=handover, contacts=chosen)
    successor = handover.successor
    successor_affiliation = _current_affiliation(successor)
    successor_email = _email_of(successor)
    queued = 0
    with transaction.atomic():
        for contact in chosen:
            if contact.pk in already:
                continue
            to = _email_of(contact)
            if not to:
                continue
            language = contact.user.language if contact.user is not None else settings.LANGUAGE_CODE
            with translation.override(language):
                subject = _("Kennismaking: %(successor)s volgt %(departing)s op") % {
                    "successor": successor,
                    "departing": handover.person,
                }
                body = render_to_string(
                    "network/email/handover_introduction.txt",
                    {
                        "contact": contact,
                        "departing": handover.person,
                        "successor": successor,
                        "successor_organisation": (
                            successor_affiliation.organisation if successor_affiliation else None
                        ),
                        "successor_title": successor_affiliation.title
                        if successor_affiliation
                        else "",
                        "successor_email": successor_email,
                    },
                )
            outbox_enqueue(
                key=introduction_key(handover, contact.pk),
                to=to,
                subject=subject,
                body_text=body,
                language=language,
            )
            queued += 1
        if queued:
            audit_log(
                action="handover.introductions_sent",
                actor=actor,
                target=handover,
                data={"contacts": [c.pk for c in chosen if c.pk not in already]},
            )
    return queued
