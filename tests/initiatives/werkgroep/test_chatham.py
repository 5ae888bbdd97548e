"""Chatham House for one agenda item: its statements carry no names on the meeting page, the
print page, the Word file and the email, and are stored without an author; an item without it
in the same meeting is unaffected."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from django.urls import reverse
from docx import Document

from initiatives.models import AgendaItem, Decision, Meeting
from initiatives.services.minutes import (
    MinutesConflict,
    decision_add,
    meeting_action_add,
    meeting_publish,
    minutes_save,
)
from lmi_portal.core.models import OutboxEmail

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
# The attendee who records everything below; she is named in the list of attendees.
RECORDER_NAMES = ("Fenna", "Kortenhoeve", "lid@ddvs.example")
LABEL = re.compile(r"Chatham House Rule \([^)]*\) (?:bij|for): ([^\n<]*)\.")


@pytest.fixture
def secret(meeting) -> AgendaItem:
    """An item under its own Chatham House Rule, in a meeting that is not."""
    return AgendaItem.objects.create(
        meeting=meeting, position=1, title="Gevoelig punt", chatham_house=True
    )


@pytest.fixture
def recorded(item, secret, attendee, english_attendee):
    """The attendee writes minutes and a decision under both items; one action in the secret."""
    minutes_save(actor=attendee, item=item, text="Het magazijn raakt leeg.", version=0)
    decision_add(actor=attendee, item=item, text="Reservedelen centraal bestellen")
    minutes_save(actor=attendee, item=secret, text="Er werd gezegd dat het misgaat.", version=0)
    decision_add(actor=attendee, item=secret, text="Niet naar buiten brengen")
    meeting_action_add(actor=attendee, item=secret, title="Navragen", owner=english_attendee)


def _between(body: str, start: str, *ends: str) -> str:
    part = body.split(start, 1)[1]
    for end in ends:
        part = part.split(end, 1)[0]
    return part


def _docx_sections(content: bytes) -> dict[str, str]:
    """The text under each heading of the Word file, by heading."""
    sections: dict[str, list[str]] = {}
    current: list[str] = []
    for paragraph in Document(BytesIO(content)).paragraphs:
        if paragraph.style is not None and paragraph.style.name.startswith(("Heading", "Title")):
            current = sections.setdefault(paragraph.text, [])
        else:
            current.append(paragraph.text)
    return {heading: "\n".join(lines) for heading, lines in sections.items()}


def _names_no_recorder(text: str) -> None:
    for name in RECORDER_NAMES:
        assert name not in text


# --- End to end: page, print, Word, email ----------------------------------------------------


def test_an_items_chatham_house_hides_who_spoke_everywhere_and_leaves_other_items_alone(
    client, meeting, item, secret, manager, bystander, recorded
):
    client.force_login(bystander)  # sees the meeting, did not attend, manages nothing
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Fenna Kortenhoeve" in page  # the attendees are named: the meeting is not Chatham
    plain = _between(page, f'id="item-{item.pk}"', 'id="item-', "</ol>")
    hidden = _between(page, f'id="item-{secret.pk}"', 'id="item-', "</ol>")
    assert "Het magazijn raakt leeg." in plain and "Reservedelen centraal bestellen" in plain
    assert "Chatham" not in plain
    assert "Er werd gezegd dat het misgaat." in hidden and "Niet naar buiten brengen" in hidden
    assert "Chatham House Rule: uitspraken zonder naam" in hidden
    assert "Ruben Zandvliet" in hidden  # the owner of an action: a task, not a statement
    _names_no_recorder(hidden)

    meeting_publish(actor=manager, meeting=meeting)
    printed = client.get(reverse("initiatives:meeting_print", args=[meeting.pk])).content.decode()
    plain = _between(printed, f'id="print-item-{item.pk}"', "</section>")
    hidden = _between(printed, f'id="print-item-{secret.pk}"', "</section>")
    assert "Reservedelen centraal bestellen" in plain and "Chatham" not in plain
    assert "Niet naar buiten brengen" in hidden
    assert "Chatham House Rule: uitspraken zonder naam." in hidden
    _names_no_recorder(hidden)

    exported = client.get(reverse("initiatives:meeting_export", args=[meeting.pk]))
    sections = _docx_sections(exported.content)
    plain, hidden = sections["1. Voorraad reservedelen"], sections["2. Gevoelig punt"]
    assert "Reservedelen centraal bestellen" in plain and "Chatham" not in plain
    assert "Niet naar buiten brengen" in hidden
    assert "Chatham House Rule: uitspraken zonder naam." in hidden
    _names_no_recorder(hidden)

    emails = list(OutboxEmail.objects.all())
    assert len(emails) == 3
    for email in emails:
        for body in (email.body_text, email.body_html):
            # Only the item under Chatham House is labelled, and its decision says so too.
            assert LABEL.findall(body) == ["Gevoelig punt"]
            assert "Niet naar buiten brengen" in body and "Ruben Zandvliet" in body
            assert "Chatham House Rule: uitspraken zonder naam." not in body  # not the meeting
            _names_no_recorder(body)
        assert "- Gevoelig punt (Chatham House Rule): Niet naar buiten brengen" in email.body_text
        assert "- Voorraad reservedelen: Reservedelen centraal bestellen" in email.body_text
        assert "<strong>Gevoelig punt</strong> <em>(Chatham House Rule)</em>:" in email.body_html
        assert "<strong>Voorraad reservedelen</strong>: Reservedelen" in email.body_html


def test_a_conflict_names_the_last_writer_only_outside_chatham_house(
    client, item, secret, manager, recorded
):
    client.force_login(manager)
    for agenda_item, named in ((item, True), (secret, False)):
        response = client.post(
            reverse("initiatives:minutes_save", args=[agenda_item.pk]),
            {"text": "Andere tekst", "version": 0},
            **HX,
        )
        body = response.content.decode()
        assert "Iemand anders heeft dit verslag intussen gewijzigd." in body
        assert ("Fenna Kortenhoeve" in body) is named
    assert set(AgendaItem.objects.values_list("minutes", flat=True)) == {
        "Het magazijn raakt leeg.",
        "Er werd gezegd dat het misgaat.",
    }


# --- Stored without attribution ---------------------------------------------------------------


def test_under_an_items_chatham_house_minutes_and_decisions_are_stored_without_author(
    item, secret, attendee, recorded
):
    item.refresh_from_db()
    secret.refresh_from_db()
    assert item.minutes_updated_by == attendee
    assert secret.minutes_updated_by is None and secret.version == 1
    authors = dict(Decision.objects.values_list("text", "created_by"))
    assert authors == {
        "Reservedelen centraal bestellen": attendee.pk,
        "Niet naar buiten brengen": None,
    }


def test_under_the_meetings_chatham_house_every_item_is_stored_without_author(
    meeting, item, attendee
):
    Meeting.objects.filter(pk=meeting.pk).update(chatham_house=True)
    saved = minutes_save(actor=attendee, item=item, text="Gezegd", version=0)
    decision = decision_add(actor=attendee, item=item, text="Besloten")
    assert saved.minutes_updated_by is None
    decision.refresh_from_db()
    assert decision.created_by is None


def test_a_conflict_under_chatham_house_is_still_detected_by_the_version(secret, manager, recorded):
    with pytest.raises(MinutesConflict) as exc:
        minutes_save(actor=manager, item=secret, text="Overschreven", version=0)
    assert exc.value.current_text == "Er werd gezegd dat het misgaat."
    assert (exc.value.current_version, exc.value.updated_by) == (1, None)
    secret.refresh_from_db()
    assert secret.minutes == "Er werd gezegd dat het misgaat."


def test_publishing_forgets_authors_written_before_chatham_house_was_switched_on(
    meeting, item, secret, manager, attendee, recorded
):
    other = AgendaItem.objects.create(meeting=meeting, position=2, title="Later geheim")
    minutes_save(actor=attendee, item=other, text="Nog met naam", version=0)
    decision_add(actor=attendee, item=other, text="Ook met naam")
    AgendaItem.objects.filter(pk=other.pk).update(chatham_house=True)
    meeting_publish(actor=manager, meeting=meeting)
    other.refresh_from_db()
    item.refresh_from_db()
    assert other.minutes_updated_by is None
    assert Decision.objects.get(text="Ook met naam").created_by is None
    # The item without Chatham House keeps its writer.
    assert item.minutes_updated_by == attendee
    assert Decision.objects.get(text="Reservedelen centraal bestellen").created_by == attendee
