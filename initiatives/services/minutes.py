"""Writes on a meeting's minutes: the text per agenda item (saved as you type), decisions,
actions, and publishing.

Two people may type in the same item at once. Every save is a conditional UPDATE on the version
the writer started from, so the second writer gets a ``MinutesConflict`` with the stored text
instead of silently overwriting it. Publishing locks the meeting: every write here first locks
the meeting row and checks that it is still in preparation, and publishing takes the same lock,
so nothing slips in after the minutes went out.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from lmi_portal.core.services import audit_log, outbox_enqueue
from partners.access import can_view
from partners.models import TLP, User
from partners.selectors import active_member_users

from ..models import ActionItem, AgendaItem, Decision, Meeting
from ..models.werkgroep import DEFAULT_MINUTES_TLP
from ..selectors.meetings import can_manage_meeting, meeting_visible
from .meetings import MeetingLocked

MINUTES_MAX_LENGTH = 20000
# Minutes are never public: CLEAR is not offered when publishing. From least to most strict.
PUBLISH_TLPS = (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED)


class MinutesConflict(Exception):
    """Someone saved this item's minutes after the writer loaded them. Carries the stored text
    and version so the writer can compare, take it over, or keep their own on purpose."""

    def __init__(
        self, *, item: AgendaItem, current_text: str, current_version: int, updated_by: Any
    ) -> None:
        super().__init__(_("Het verslag is intussen door iemand anders gewijzigd."))
        self.item = item
        self.current_text = current_text
        self.current_version = current_version
        self.updated_by = updated_by


# --- Who may write --------------------------------------------------------------------------


def is_minutes_writer(user: Any, meeting: Meeting) -> bool:
    """Programme managers who can see the meeting, and its attendees (who can see it), also
    once published; ``can_edit_minutes`` is the same while the meeting is in preparation."""
    if can_manage_meeting(user, meeting):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        meeting.attendees.filter(pk=user.pk).exists()
        and meeting_visible(user=user).filter(pk=meeting.pk).exists()
    )


def can_read_minutes_document(user: Any, meeting: Meeting) -> bool:
    """Print and export: published minutes for everyone who can see the meeting (the caller
    loaded it through the access policy); a draft only for programme managers."""
    return meeting.is_locked or can_manage_meeting(user, meeting)


def minutes_owner_choices(*, meeting: Meeting) -> QuerySet[User]:
    """Who can own an action agreed in the meeting: attendees and active members of the
    attending organisations (one query)."""
    members = active_member_users(
        organisation_ids=meeting.attending_organisations.values_list("pk", flat=True)
    )
    return (
        User.objects.filter(is_active=True)
        .filter(Q(pk__in=members.values("pk")) | Q(pk__in=meeting.attendees.values("pk")))
        .order_by("last_name", "first_name", "email")
    )


def _check_writer(actor: User, meeting: Meeting) -> None:
    if not is_minutes_writer(actor, meeting):
        raise PermissionDenied(_("Alleen deelnemers en programmamanagers schrijven het verslag."))


def publish_default_tlp(meeting: Meeting) -> str:
    """The marking publishing starts from: AMBER (the attending organisations), or the
    meeting's own marking when that is stricter, so that publishing never widens by default."""
    if meeting.tlp in PUBLISH_TLPS and PUBLISH_TLPS.index(meeting.tlp) > PUBLISH_TLPS.index(
        DEFAULT_MINUTES_TLP
    ):
        return str(meeting.tlp)
    return str(DEFAULT_MINUTES_TLP)


def _is_anonymous(meeting: Meeting, item_id: int) -> bool:
    """Chatham House for this item, read under the meeting lock (which changing it also takes)."""
    return meeting.chatham_house or (
        AgendaItem.objects.filter(pk=item_id, chatham_house=True).exists()
    )


def _lock_open_meeting(meeting_id: int) -> Meeting:
    """Lock the meeting row until commit and check it still takes changes."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting_id)
    if meeting.is_locked:
        raise MeetingLocked(meeting)
    return meeting


# --- Minutes text ---------------------------------------------------------------------------


def _normalise(text: str) -> str:
    # Browsers send CRLF from a textarea; store one kind of line ending.
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


@transaction.atomic
def minutes_save(*, actor: User, item: AgendaItem, text: str, version: int) -> AgendaItem:
    """Store the item's minutes if nobody saved since ``version``; raise ``MinutesConflict``
    otherwise. Saving the text that is already stored is always fine (nothing to lose)."""
    _check_writer(actor, item.meeting)
    text = _normalise(text)
    if len(text) > MINUTES_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("Het verslag is te lang (hoogstens %(max)d tekens).")
                % {"max": MINUTES_MAX_LENGTH}
            }
        )
    meeting = _lock_open_meeting(item.meeting_id)
    # Under Chatham House the text is stored without its writer. Conflicts are found by the
    # version alone, so they are still detected; the writer is then simply not named.
    author = None if _is_anonymous(meeting, item.pk) else actor
    updated = AgendaItem.objects.filter(pk=item.pk, version=version).update(
        minutes=text,
        version=version + 1,
        minutes_updated_by=author,
        updated_at=timezone.now(),
    )
    current = AgendaItem.objects.select_related("minutes_updated_by").get(pk=item.pk)
    current.meeting = item.meeting
    if not updated and current.minutes != text:
        raise MinutesConflict(
            item=current,
            current_text=current.minutes,
            current_version=current.version,
            updated_by=current.minutes_updated_by,
        )
    return current


# --- Decisions and actions ------------------------------------------------------------------


@transaction.atomic
def decision_add(*, actor: User, item: AgendaItem, text: str) -> Decision:
    """Record a decision under an agenda item."""
    _check_writer(actor, item.meeting)
    text = _normalise(text).strip()
    if not text:
        raise ValidationError({"text": _("Schrijf het besluit op.")})
    meeting = _lock_open_meeting(item.meeting_id)
    # Under Chatham House a decision has no author. Only security logging (the audit log)
    # may still name who acted; the minutes themselves never do.
    author = None if _is_anonymous(meeting, item.pk) else actor
    decision = Decision(agenda_item=item, text=text, created_by=author)
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def decision_delete(*, actor: User, decision: Decision) -> None:
    """Take a decision out again while the minutes are still a draft."""
    item = decision.agenda_item
    _check_writer(actor, item.meeting)
    _lock_open_meeting(item.meeting_id)
    Decision.objects.filter(pk=decision.pk).delete()


@transaction.atomic
def meeting_action_add(
    *,
    actor: User,
    item: AgendaItem,
    title: str,
    owner: User | None = None,
    due_date: date | None = None,
) -> ActionItem:
    """An action agreed under an agenda item: a draft until the minutes are published, then
    open on the actions dashboard. It belongs to the item's initiative when there is one."""
    meeting = item.meeting
    _check_writer(actor, meeting)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Geef een korte omschrijving van de actie.")})
    if (
        owner is not None
        and not minutes_owner_choices(meeting=meeting).filter(pk=owner.pk).exists()
    ):
        raise ValidationError(
            {
                "owner": _(
                    "Kies als eigenaar een deelnemer of een lid van een deelnemende organisatie."
                )
            }
        )
    _lock_open_meeting(item.meeting_id)
    action = ActionItem(
        meeting=meeting,
        agenda_item=item,
        initiative_id=item.initiative_id,
        title=title,
        owner=owner,
        due_date=due_date,
        status=ActionItem.Status.DRAFT,
        created_by=actor,
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def meeting_action_delete(*, actor: User, action: ActionItem) -> None:
    """Take back an action recorded by mistake, while it is still a draft."""
    if action.meeting_id is None:
        raise PermissionDenied
    meeting = Meeting.objects.get(pk=action.meeting_id)
    _check_writer(actor, meeting)
    _lock_open_meeting(meeting.pk)
    ActionItem.objects.filter(pk=action.pk, status=ActionItem.Status.DRAFT).delete()


# --- Publishing -----------------------------------------------------------------------------


@transaction.atomic
def meeting_publish(*, actor: User, meeting: Meeting, tlp: str | None = None) -> bool:
    """Publish the minutes once: lock them, set their marking (by default
    ``publish_default_tlp``), open the agreed actions and email every attendee who can see
    them. Returns False (and does nothing) when they were already published."""
    if not can_manage_meeting(actor, meeting):
        raise PermissionDenied(_("Alleen programmamanagers publiceren het verslag."))
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if tlp is None:
        tlp = publish_default_tlp(locked)
    if tlp not in PUBLISH_TLPS:
        raise ValidationError({"tlp": _("Kies een rubricering uit de lijst.")})
    now = timezone.now()
    published = Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.PREPARATION).update(
        status=Meeting.Status.PUBLISHED,
        published_at=now,
        published_by=actor,
        tlp=tlp,
        updated_at=now,
    )
    if not published:
        return False
    opened = ActionItem.objects.filter(meeting=meeting, status=ActionItem.Status.DRAFT).update(
        status=ActionItem.Status.OPEN, updated_at=now
    )
    meeting.refresh_from_db()
    _forget_authors(meeting)
    audit_log(
        action="werkgroep.published",
        actor=actor,
        target=meeting,
        data={"tlp": tlp, "actions_opened": opened},
    )
    _minutes_emails(meeting)
    return True


def _forget_authors(meeting: Meeting) -> None:
    """Chatham House may have been switched on after someone wrote: the published record keeps
    no author for the text or the decisions of those items."""
    anonymous = AgendaItem.objects.filter(meeting=meeting)
    if not meeting.chatham_house:
        anonymous = anonymous.filter(chatham_house=True)
    Decision.objects.filter(agenda_item__in=anonymous).update(created_by=None)
    anonymous.update(minutes_updated_by=None)


def minutes_document(meeting: Meeting, *, viewer: Any = None) -> dict[str, Any]:
    """Everything the print page, the export and the email show, read once: the agenda
    items with their decisions and actions, and who attended (names hidden under Chatham).

    ``visible_initiatives`` holds the linked initiatives ``viewer`` may see (none without a
    viewer): an agenda item may point at an initiative outside the meeting's audience."""
    # What was on the agenda, and anything that got minutes, decisions or actions anyway.
    discussed = (
        Q(status__in=(AgendaItem.Status.ACCEPTED, AgendaItem.Status.DONE))
        | ~Q(minutes="")
        | Q(pk__in=Decision.objects.filter(agenda_item__meeting=meeting).values("agenda_item_id"))
        | Q(pk__in=ActionItem.objects.filter(meeting=meeting).values("agenda_item_id"))
    )
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .filter(discussed)
        .select_related("initiative")
        .prefetch_related("decisions", "actions__owner")
        .order_by("position", "id")
    )
    organisations = list(meeting.attending_organisations.order_by("name"))
    people = (
        [] if meeting.chatham_house else list(meeting.attendees.order_by("last_name", "first_name"))
    )
    actions = [action for item in items for action in item.actions.all()]
    linked = [item.initiative for item in items if item.initiative is not None]
    return {
        "meeting": meeting,
        "items": items,
        "visible_initiatives": {i.pk for i in linked if viewer and can_view(viewer, i)},
        # Items under their own Chatham House Rule (the meeting's covers all of them).
        "chatham_titles": (
            [] if meeting.chatham_house else [i.title for i in items if i.chatham_house]
        ),
        "organisations": organisations,
        "people": people,
        "decision_count": sum(len(item.decisions.all()) for item in items),
        "actions": actions,
        "url": str(settings.SITE_URL).rstrip("/") + meeting.get_absolute_url(),
    }


def _minutes_emails(meeting: Meeting) -> None:
    """One email per attendee who can see the minutes, in their language (keyed, so never twice)."""
    document = minutes_document(meeting)
    for user in meeting.attendees.filter(is_active=True).order_by("pk"):
        if not can_view(user, meeting):
            continue
        language = user.language or settings.LANGUAGE_CODE
        with translation.override(language):
            date_text = formats.date_format(timezone.localtime(meeting.starts_at), "j F Y")
            subject = _("Verslag %(title)s van %(date)s") % {
                "title": meeting.title,
                "date": date_text,
            }
            context = {**document, "recipient": user, "date_text": date_text}
            body_text = render_to_string("initiatives/werkgroep/email/minutes.txt", context)
            body_html = render_to_string("initiatives/werkgroep/email/minutes.html", context)
        outbox_enqueue(
            key=f"minutes:{meeting.pk}:{user.pk}",
            to=user.email,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
            language=language,
        )
