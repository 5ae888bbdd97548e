"""Publishing the minutes (once, locked, emailed to attendees in their language), and the
minutes as a print page and a Word document."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from docx import Document

from initiatives.models import ActionItem, AgendaItem, Decision, Meeting
from initiatives.services.meetings import MeetingLocked
from initiatives.services.minutes import (
    decision_add,
    decision_delete,
    meeting_action_add,
    meeting_action_delete,
    meeting_publish,
    minutes_save,
)
from lmi_portal.core.models import AuditEvent, OutboxEmail
from partners.models import TLP

from . import test_minutes as shared

# The cast and meeting of the minutes tests (fixtures are found by name in this module).
attendee = shared.attendee
bystander = shared.bystander
english_attendee = shared.english_attendee
item = shared.item
manager = shared.manager
meeting = shared.meeting

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def recorded(item, manager, english_attendee):
    """Minutes with a decision and an action owned by the English-speaking attendee."""
    minutes_save(actor=manager, item=item, text="Het magazijn raakt leeg.", version=0)
    decision = decision_add(actor=manager, item=item, text="Reservedelen centraal bestellen")
    action = meeting_action_add(
        actor=manager, item=item, title="Bestellijst opstellen", owner=english_attendee
    )
    return decision, action


def _docx_text(content: bytes) -> str:
    document = Document(BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


# --- The service ----------------------------------------------------------------------------


def test_publish_locks_sets_the_marking_and_opens_the_actions(meeting, manager, recorded):
    _decision, action = recorded
    assert meeting_publish(actor=manager, meeting=meeting, tlp=TLP.GREEN) is True
    meeting.refresh_from_db()
    assert meeting.is_locked and meeting.tlp == TLP.GREEN
    assert meeting.published_by == manager and meeting.published_at is not None
    action.refresh_from_db()
    assert action.status == ActionItem.Status.OPEN
    assert AuditEvent.objects.filter(
        action="werkgroep.published", target_id=str(meeting.pk)
    ).exists()


def test_publishing_twice_changes_and_sends_nothing_more(meeting, manager, recorded):
    assert meeting_publish(actor=manager, meeting=meeting) is True
    sent = OutboxEmail.objects.count()
    assert meeting_publish(actor=manager, meeting=meeting, tlp=TLP.RED) is False
    meeting.refresh_from_db()
    assert meeting.tlp == TLP.AMBER
    assert OutboxEmail.objects.count() == sent
    assert AuditEvent.objects.filter(action="werkgroep.published").count() == 1


def test_only_programme_managers_publish(meeting, attendee):
    with pytest.raises(PermissionDenied):
        meeting_publish(actor=attendee, meeting=meeting)
    meeting.refresh_from_db()
    assert not meeting.is_locked


def test_minutes_are_never_published_as_clear(meeting, manager):
    with pytest.raises(ValidationError):
        meeting_publish(actor=manager, meeting=meeting, tlp=TLP.CLEAR)
    meeting.refresh_from_db()
    assert not meeting.is_locked


def test_every_write_is_refused_once_published(item, manager, recorded):
    decision, action = recorded
    meeting_publish(actor=manager, meeting=item.meeting)
    item.meeting.refresh_from_db()
    writes = [
        lambda: minutes_save(actor=manager, item=item, text="Later", version=1),
        lambda: decision_add(actor=manager, item=item, text="Later"),
        lambda: decision_delete(actor=manager, decision=decision),
        lambda: meeting_action_add(actor=manager, item=item, title="Later"),
        lambda: meeting_action_delete(actor=manager, action=action),
    ]
    for write in writes:
        with pytest.raises(MeetingLocked):
            write()
    item.refresh_from_db()
    assert item.minutes == "Het magazijn raakt leeg." and item.version == 1
    assert list(Decision.objects.values_list("text", flat=True)) == [decision.text]
    assert list(ActionItem.objects.values_list("title", flat=True)) == [action.title]


def test_writes_on_published_minutes_answer_409_and_change_nothing(
    client, item, manager, attendee, recorded
):
    meeting_publish(actor=manager, meeting=item.meeting)
    client.force_login(attendee)
    response = client.post(
        reverse("initiatives:minutes_save", args=[item.pk]), {"text": "Later", "version": 1}
    )
    assert response.status_code == 409
    assert "Later" in response.content.decode()  # the unsaved text is shown, not lost
    response = client.post(
        reverse("initiatives:decision_add", args=[item.pk]), {"text": "Later"}, **HX
    )
    assert "kan niet meer wijzigen" in response.content.decode()
    item.refresh_from_db()
    assert item.minutes == "Het magazijn raakt leeg."
    assert Decision.objects.count() == 1


# --- Emails ---------------------------------------------------------------------------------


def test_every_attendee_gets_the_minutes_in_their_language(
    meeting, manager, attendee, english_attendee, recorded
):
    meeting_publish(actor=manager, meeting=meeting)
    emails = {e.idempotency_key: e for e in OutboxEmail.objects.all()}
    assert set(emails) == {
        f"minutes:{meeting.pk}:{user.pk}" for user in (manager, attendee, english_attendee)
    }
    dutch = emails[f"minutes:{meeting.pk}:{attendee.pk}"]
    english = emails[f"minutes:{meeting.pk}:{english_attendee.pk}"]
    assert (dutch.language, english.language, dutch.to) == ("nl", "en", attendee.email)
    assert "maart" in dutch.subject and "March" in english.subject
    for email in (dutch, english):
        for body in (email.body_text, email.body_html):
            assert "Reservedelen centraal bestellen" in body
            assert "Bestellijst opstellen" in body
            assert meeting.get_absolute_url() in body


def test_attendees_who_cannot_see_the_minutes_get_no_email(
    meeting, manager, attendee, outsider, recorded
):
    # An attendee of an organisation that does not attend cannot see an AMBER meeting; and
    # AMBER+STRICT leaves only the LMI cell.
    meeting.attendees.add(outsider)
    meeting_publish(actor=manager, meeting=meeting, tlp=TLP.AMBER_STRICT)
    assert list(OutboxEmail.objects.values_list("to", flat=True)) == [manager.email]


def test_publish_view_is_for_programme_managers_only(client, meeting, manager, attendee, outsider):
    url = reverse("initiatives:meeting_publish", args=[meeting.pk])
    for user in (attendee, outsider):
        client.force_login(user)
        assert client.post(url, {"tlp": "amber"}).status_code == 404
    meeting.refresh_from_db()
    assert not meeting.is_locked and not OutboxEmail.objects.exists()
    client.force_login(manager)
    response = client.post(url, {"tlp": "amber"}, **HX)
    assert response["HX-Redirect"] == meeting.get_absolute_url()
    meeting.refresh_from_db()
    assert meeting.is_locked and meeting.tlp == TLP.AMBER


# --- The marking publishing starts from ------------------------------------------------------


def _stricter(meeting: Meeting, manager, marking: str) -> Meeting:
    Meeting.objects.filter(pk=meeting.pk).update(tlp=marking)
    meeting.shared_with_people.add(manager)  # RED: only named people see it, the manager too
    meeting.refresh_from_db()
    return meeting


def _selected_marking(page: str) -> list[str]:
    publish_form = page.split('id="publish-heading"', 1)[1].split("</form>", 1)[0]
    return re.findall(r'<option value="([a-z_]+)" selected>', publish_form)


@pytest.mark.parametrize("marking", [TLP.AMBER_STRICT, TLP.RED])
def test_the_publish_form_starts_on_a_stricter_meetings_own_marking_and_keeps_it(
    client, meeting, manager, marking
):
    meeting = _stricter(meeting, manager, marking)
    client.force_login(manager)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert _selected_marking(page) == [marking]
    # One click on "Publiceren" sends what the form shows.
    url = reverse("initiatives:meeting_publish", args=[meeting.pk])
    client.post(url, {"tlp": _selected_marking(page)[0]})
    meeting.refresh_from_db()
    assert meeting.is_locked and meeting.tlp == marking


@pytest.mark.parametrize("marking", [TLP.AMBER_STRICT, TLP.RED])
def test_publishing_without_a_marking_never_widens_the_meeting(meeting, manager, marking):
    meeting = _stricter(meeting, manager, marking)
    assert meeting_publish(actor=manager, meeting=meeting) is True
    meeting.refresh_from_db()
    assert meeting.tlp == marking


@pytest.mark.parametrize("marking", [TLP.CLEAR, TLP.GREEN, TLP.AMBER])
def test_a_wider_meeting_starts_the_publish_form_on_amber(client, meeting, manager, marking):
    Meeting.objects.filter(pk=meeting.pk).update(tlp=marking)
    client.force_login(manager)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert _selected_marking(page) == [TLP.AMBER]


# --- Print and export -----------------------------------------------------------------------


def test_draft_print_and_export_are_for_programme_managers_only(
    client, meeting, manager, attendee, recorded
):
    print_url = reverse("initiatives:meeting_print", args=[meeting.pk])
    export_url = reverse("initiatives:meeting_export", args=[meeting.pk])
    client.force_login(attendee)
    assert client.get(print_url).status_code == 404
    assert client.get(export_url).status_code == 404
    client.force_login(manager)
    response = client.get(print_url)
    assert response.status_code == 200
    assert "Concept: nog niet gepubliceerd" in response.content.decode()


def test_published_minutes_print_and_export_for_everyone_who_sees_the_meeting(
    client, meeting, manager, bystander, recorded
):
    meeting_publish(actor=manager, meeting=meeting)
    client.force_login(bystander)
    response = client.get(reverse("initiatives:meeting_print", args=[meeting.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "css/print.css" in body and "data-print-page" in body
    assert "Het magazijn raakt leeg." in body and "Reservedelen centraal bestellen" in body
    response = client.get(reverse("initiatives:meeting_export", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="verslag-werkgroep-')
    text = _docx_text(response.content)
    assert "Reservedelen centraal bestellen" in text
    assert "Bestellijst opstellen" in text and "Ruben Zandvliet" in text
    assert "Voorraad reservedelen" in text
    assert "Fenna Kortenhoeve" in text  # attendees are named when not under Chatham House


def test_a_non_attending_competitor_gets_404_on_meeting_print_and_export(
    client, meeting, manager, outsider, recorded
):
    meeting_publish(actor=manager, meeting=meeting)
    client.force_login(outsider)
    for name in ("meeting_detail", "meeting_print", "meeting_export"):
        assert client.get(reverse(f"initiatives:{name}", args=[meeting.pk])).status_code == 404
    assert not OutboxEmail.objects.filter(to=outsider.email).exists()


def test_chatham_house_minutes_name_no_attendees_in_print_export_and_email(
    client, meeting, item, manager, attendee, english_attendee, recorded
):
    Meeting.objects.filter(pk=meeting.pk).update(chatham_house=True)
    meeting.refresh_from_db()
    meeting_publish(actor=manager, meeting=meeting)
    client.force_login(attendee)
    printed = client.get(reverse("initiatives:meeting_print", args=[meeting.pk]))
    exported = client.get(reverse("initiatives:meeting_export", args=[meeting.pk]))
    printed_body = printed.content.decode()
    # The page header shows who is signed in; the minutes themselves start below it.
    minutes_part = printed_body.split('class="minutes-print"', 1)[1]
    emails = list(OutboxEmail.objects.all())
    texts = [minutes_part, _docx_text(exported.content)]
    texts += [e.body_text for e in emails] + [e.body_html for e in emails]
    assert len(emails) == 3
    assert sum("statements without names" in e.body_text for e in emails) == 1
    for text in texts:
        # The English attendee's email says it in English.
        assert (
            "Chatham House Rule: uitspraken zonder naam." in text
            or "Chatham House Rule: statements without names." in text
        )
        assert "Ruben Zandvliet" in text  # the action's owner: a task, not a statement
        for name in ("Marit", "Oosterloo", "Fenna", "Kortenhoeve"):
            assert name not in text


def test_parked_and_proposed_items_stay_out_of_the_minutes(client, meeting, manager, recorded):
    AgendaItem.objects.create(
        meeting=meeting, position=5, title="Geparkeerd punt", status=AgendaItem.Status.PARKED
    )
    client.force_login(manager)
    body = client.get(reverse("initiatives:meeting_print", args=[meeting.pk])).content.decode()
    assert "Voorraad reservedelen" in body and "Geparkeerd punt" not in body
