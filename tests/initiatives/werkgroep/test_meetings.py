"""Werkgroep meetings: plan, change, list, and the next meeting with its carry-over."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from initiatives.models import ActionItem, AgendaItem, Meeting
from initiatives.selectors.meetings import (
    can_edit_minutes,
    can_manage_meeting,
    can_propose,
    meeting_get,
    meeting_in_preparation,
)
from initiatives.services.agenda import agenda_item_add
from initiatives.services.meetings import (
    OPEN_ACTIONS_KEY,
    MeetingLocked,
    meeting_create,
    meeting_next,
    meeting_update,
)
from lmi_portal.core.models import AuditEvent
from partners.models import TLP

from ...factories import ActionItemFactory, member_of

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 14) -> datetime:
    return timezone.make_aware(datetime(2030, 3, day, hour, 0))


@pytest.fixture
def meeting(programme_manager, member, company, lmi_cell) -> Meeting:
    """AMBER, owned by the LMI cell, attended by the company; the competitor does not attend."""
    return meeting_create(
        actor=programme_manager,
        starts_at=_at(4),
        duration_minutes=60,
        location="Kazerne",
        attending_organisations=[company],
        attendees=[programme_manager, member],
    )


# --- Services -------------------------------------------------------------------------------


def test_create_makes_an_amber_meeting_owned_and_attended_by_the_managers_org(
    meeting, programme_manager, lmi_cell, company
):
    assert meeting.tlp == TLP.AMBER
    assert meeting.owner_organisation == lmi_cell
    assert set(meeting.attending_organisations.all()) == {lmi_cell, company}
    assert meeting.status == Meeting.Status.PREPARATION
    assert AuditEvent.objects.filter(action="werkgroep.meeting_create").count() == 1


def test_only_programme_managers_create_meetings(member):
    with pytest.raises(PermissionDenied):
        meeting_create(actor=member, starts_at=_at(4))
    assert not Meeting.objects.exists()


def test_attendees_must_belong_to_an_attending_organisation(programme_manager, outsider, company):
    with pytest.raises(ValidationError) as exc:
        meeting_create(
            actor=programme_manager,
            starts_at=_at(4),
            attending_organisations=[company],
            attendees=[outsider],
        )
    assert "attendees" in exc.value.error_dict
    assert not Meeting.objects.exists()


def test_visibility_follows_the_attending_organisations(meeting, member, outsider):
    assert meeting_get(user=member, pk=meeting.pk) == meeting
    assert meeting_in_preparation(user=member) == meeting
    assert meeting_in_preparation(user=outsider) is None
    assert can_propose(member, meeting)
    assert not can_manage_meeting(member, meeting)
    assert can_edit_minutes(member, meeting)
    assert not can_propose(outsider, meeting)


def test_update_refuses_a_published_meeting(meeting, programme_manager):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PUBLISHED)
    meeting.refresh_from_db()
    with pytest.raises(MeetingLocked):
        meeting_update(
            actor=programme_manager,
            meeting=meeting,
            starts_at=_at(5),
            duration_minutes=60,
            location="",
            title="Andere titel",
            attending_organisations=[],
            attendees=[],
            chatham_house=False,
            tlp=TLP.AMBER,
        )
    meeting.refresh_from_db()
    assert meeting.title == "LMI-werkgroep"


def test_next_meeting_is_one_week_later_with_the_same_setup(meeting, programme_manager, member):
    nxt = meeting_next(actor=programme_manager, meeting=meeting)
    assert nxt.previous == meeting
    assert timezone.localtime(nxt.starts_at) == timezone.localtime(meeting.starts_at) + timedelta(
        days=7
    )
    assert timezone.localtime(nxt.starts_at).hour == 14
    assert (nxt.duration_minutes, nxt.location, nxt.tlp) == (60, "Kazerne", TLP.AMBER)
    assert set(nxt.attending_organisations.all()) == set(meeting.attending_organisations.all())
    assert set(nxt.attendees.all()) == {programme_manager, member}


def test_next_meeting_keeps_the_wall_clock_time_across_summer_time(programme_manager):
    # Summer time starts on the last Sunday of March 2030 (the 31st) in Amsterdam.
    first = meeting_create(actor=programme_manager, starts_at=_at(26))
    nxt = meeting_next(actor=programme_manager, meeting=first)
    assert timezone.localtime(nxt.starts_at).hour == 14
    assert timezone.localtime(nxt.starts_at).day == 2


def test_next_meeting_carries_over_unfinished_items_and_open_actions_idempotently(
    meeting, programme_manager, member
):
    accepted = agenda_item_add(actor=programme_manager, meeting=meeting, title="Loopt nog")
    proposed = agenda_item_add(actor=member, meeting=meeting, title="Voorstel")
    done = agenda_item_add(actor=programme_manager, meeting=meeting, title="Afgerond")
    parked = agenda_item_add(actor=programme_manager, meeting=meeting, title="Later")
    AgendaItem.objects.filter(pk=done.pk).update(status=AgendaItem.Status.DONE)
    AgendaItem.objects.filter(pk=parked.pk).update(status=AgendaItem.Status.PARKED)
    ActionItemFactory(initiative=None, meeting=meeting, status=ActionItem.Status.OPEN)
    ActionItemFactory(initiative=None, meeting=meeting, status=ActionItem.Status.DONE)

    nxt = meeting_next(actor=programme_manager, meeting=meeting)
    again = meeting_next(actor=programme_manager, meeting=meeting)

    assert again.pk == nxt.pk
    assert Meeting.objects.count() == 2
    items = list(nxt.agenda_items.order_by("position"))
    assert [i.title for i in items] == [
        "Loopt nog",
        "Voorstel",
        "Openstaande acties van de vorige werkgroep",
    ]
    assert items[0].carried_from == accepted
    assert items[1].carried_from == proposed
    assert items[1].status == AgendaItem.Status.PROPOSED
    assert items[1].proposed_by == member
    assert items[2].source_key == OPEN_ACTIONS_KEY
    assert "1 actie" in items[2].description
    assert [i.position for i in items] == [0, 1, 2]


def test_next_meeting_without_open_actions_has_no_actions_item(meeting, programme_manager):
    ActionItemFactory(initiative=None, meeting=meeting, status=ActionItem.Status.DONE)
    nxt = meeting_next(actor=programme_manager, meeting=meeting)
    assert not nxt.agenda_items.filter(source_key=OPEN_ACTIONS_KEY).exists()


def test_an_item_added_after_the_first_call_is_carried_over_by_the_second(
    meeting, programme_manager
):
    meeting_next(actor=programme_manager, meeting=meeting)
    late = agenda_item_add(actor=programme_manager, meeting=meeting, title="Nagekomen")
    nxt = meeting_next(actor=programme_manager, meeting=meeting)
    assert nxt.agenda_items.get(carried_from=late).title == "Nagekomen"
    assert nxt.agenda_items.count() == 1


def test_members_cannot_create_the_next_meeting(meeting, member):
    with pytest.raises(PermissionDenied):
        meeting_next(actor=member, meeting=meeting)
    assert Meeting.objects.count() == 1


# --- Views ----------------------------------------------------------------------------------


def _create_post(company, *people, **extra):
    data = {
        "title": "LMI-werkgroep",
        "date": "2030-03-11",
        "time": "09:30",
        "duration_minutes": "90",
        "location": "Online",
        "attending_organisations": [str(company.pk)],
        "attendees": [str(p.pk) for p in people],
        "tlp": "amber",
    }
    data.update(extra)
    return data


def test_manager_creates_a_meeting_through_the_form(client, programme_manager, company, member):
    client.force_login(programme_manager)
    assert client.get(reverse("initiatives:meeting_create")).status_code == 200
    response = client.post(reverse("initiatives:meeting_create"), _create_post(company, member))
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == meeting.get_absolute_url()
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == "2030-03-11 09:30"
    assert list(meeting.attendees.all()) == [member]


def test_invalid_create_form_keeps_the_input_and_saves_nothing(client, programme_manager, company):
    client.force_login(programme_manager)
    response = client.post(
        reverse("initiatives:meeting_create"),
        _create_post(company, duration_minutes="0", location="Zaal 3"),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="Zaal 3"' in body
    assert "id_duration_minutes_error" in body
    assert not Meeting.objects.exists()


def test_attendee_of_another_organisation_is_an_error_next_to_the_field(
    client, programme_manager, company, outsider
):
    client.force_login(programme_manager)
    response = client.post(reverse("initiatives:meeting_create"), _create_post(company, outsider))
    assert response.status_code == 200
    assert "id_attendees_error" in response.content.decode()
    assert not Meeting.objects.exists()


def test_members_get_404_on_create(client, member, company):
    client.force_login(member)
    assert client.get(reverse("initiatives:meeting_create")).status_code == 404
    response = client.post(reverse("initiatives:meeting_create"), _create_post(company))
    assert response.status_code == 404
    assert not Meeting.objects.exists()


def test_list_shows_upcoming_and_past_meetings_to_attendees_only(
    client, meeting, programme_manager, member, outsider
):
    old = meeting_create(actor=programme_manager, starts_at=timezone.now() - timedelta(days=30))
    Meeting.objects.filter(pk=old.pk).update(status=Meeting.Status.PUBLISHED)
    client.force_login(member)
    body = client.get(reverse("initiatives:meeting_list")).content.decode()
    assert meeting.get_absolute_url() in body
    assert old.get_absolute_url() not in body  # not attended by the company
    assert "Nieuwe bijeenkomst" not in body
    client.force_login(programme_manager)
    body = client.get(reverse("initiatives:meeting_list")).content.decode()
    assert old.get_absolute_url() in body
    assert "Nieuwe bijeenkomst" in body
    client.force_login(outsider)
    body = client.get(reverse("initiatives:meeting_list")).content.decode()
    assert meeting.get_absolute_url() not in body


def test_manager_sees_first_meeting_button_when_there_is_none(client, programme_manager):
    client.force_login(programme_manager)
    body = client.get(reverse("initiatives:meeting_list")).content.decode()
    assert "Eerste bijeenkomst plannen" in body


def test_manager_edits_a_meeting(client, meeting, programme_manager, company, member):
    client.force_login(programme_manager)
    url = reverse("initiatives:meeting_edit", args=[meeting.pk])
    assert 'value="Kazerne"' in client.get(url).content.decode()
    response = client.post(url, _create_post(company, member, location="Vliegbasis"))
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.location == "Vliegbasis"


def test_editing_a_published_meeting_is_refused_with_409(client, meeting, programme_manager):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PUBLISHED)
    client.force_login(programme_manager)
    response = client.post(
        reverse("initiatives:meeting_edit", args=[meeting.pk]), {"location": "Anders"}
    )
    assert response.status_code == 409
    meeting.refresh_from_db()
    assert meeting.location == "Kazerne"


def test_next_view_creates_once_and_redirects(client, meeting, programme_manager):
    client.force_login(programme_manager)
    url = reverse("initiatives:meeting_next", args=[meeting.pk])
    first = client.post(url)
    second = client.post(url)
    nxt = Meeting.objects.get(previous=meeting)
    assert first["Location"] == second["Location"] == nxt.get_absolute_url()
    assert Meeting.objects.count() == 2


def test_next_view_through_htmx_uses_hx_redirect(client, meeting, programme_manager):
    client.force_login(programme_manager)
    response = client.post(
        reverse("initiatives:meeting_next", args=[meeting.pk]), HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == Meeting.objects.get(previous=meeting).get_absolute_url()


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("initiatives:meeting_detail", "get"),
        ("initiatives:meeting_edit", "get"),
        ("initiatives:meeting_edit", "post"),
        ("initiatives:meeting_next", "post"),
    ],
)
def test_non_attending_competitor_gets_404(client, meeting, outsider, name, method):
    client.force_login(outsider)
    response = getattr(client, method)(reverse(name, args=[meeting.pk]), {"location": "X"})
    assert response.status_code == 404
    assert Meeting.objects.count() == 1
    meeting.refresh_from_db()
    assert meeting.location == "Kazerne"


@pytest.mark.parametrize(
    ("name", "method"),
    [("initiatives:meeting_edit", "get"), ("initiatives:meeting_next", "post")],
)
def test_attending_member_gets_404_on_manager_pages(client, meeting, member, name, method):
    client.force_login(member)
    assert getattr(client, method)(reverse(name, args=[meeting.pk])).status_code == 404
    assert Meeting.objects.count() == 1


def test_a_programme_manager_who_cannot_see_the_meeting_gets_404(client, meeting, competitor):
    other_pm = member_of(competitor, programme_manager=True)
    TOTP.activate(other_pm, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    client.force_login(other_pm)
    assert client.get(meeting.get_absolute_url()).status_code == 404
    response = client.post(reverse("initiatives:meeting_next", args=[meeting.pk]))
    assert response.status_code == 404
    assert Meeting.objects.count() == 1


def test_meeting_page_shows_details_to_an_attending_member(client, meeting, member):
    client.force_login(member)
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert "Kazerne" in body
    assert "Agendapunt voorstellen" in body
    assert "Bijeenkomst bewerken" not in body
    assert "Volgende bijeenkomst voorbereiden" not in body
