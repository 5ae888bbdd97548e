"""The agenda of a werkgroep meeting: add, propose, accept, park, order, and the meeting page."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives.models import AgendaItem, Meeting, Phase
from initiatives.selectors.meetings import agenda_items, agenda_plan
from initiatives.services.agenda import (
    agenda_item_add,
    agenda_item_move,
    agenda_item_set_status,
    agenda_reorder,
)
from initiatives.services.meetings import MeetingLocked, meeting_create
from lmi_portal.core.models import Notification
from partners.models import TLP

from ...factories import InitiativeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(programme_manager, member, company) -> Meeting:
    """AMBER, owned by the LMI cell, attended by the company; the competitor does not attend."""
    return meeting_create(
        actor=programme_manager,
        starts_at=timezone.make_aware(datetime(2030, 3, 4, 14, 0)),
        duration_minutes=60,
        attending_organisations=[company],
        attendees=[programme_manager, member],
    )


def _titles(meeting: Meeting) -> list[str]:
    return list(meeting.agenda_items.order_by("position", "id").values_list("title", flat=True))


def _lock(meeting: Meeting) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.PUBLISHED)
    meeting.refresh_from_db()


# --- Services -------------------------------------------------------------------------------


def test_manager_adds_accepted_items_in_order(meeting, programme_manager):
    a = agenda_item_add(actor=programme_manager, meeting=meeting, title="Eerste", timebox_minutes=5)
    b = agenda_item_add(actor=programme_manager, meeting=meeting, title="Tweede")
    assert (a.status, a.position, b.position) == (AgendaItem.Status.ACCEPTED, 0, 1)
    assert a.proposed_by is None


def test_adding_with_the_same_source_key_returns_the_existing_item(meeting, programme_manager):
    first = agenda_item_add(
        actor=programme_manager, meeting=meeting, title="Belemmering", source_key="obstacle:1"
    )
    second = agenda_item_add(
        actor=programme_manager, meeting=meeting, title="Anders", source_key="obstacle:1"
    )
    assert first.pk == second.pk
    assert meeting.agenda_items.count() == 1


def test_partner_proposal_is_proposed_with_organisation_and_managers_hear_of_it(
    meeting, member, company, programme_manager
):
    item = agenda_item_add(actor=member, meeting=meeting, title="Gezamenlijke test")
    assert item.status == AgendaItem.Status.PROPOSED
    assert item.proposed_by == member
    assert item.proposed_by_organisation == company
    note = Notification.objects.get(recipient=programme_manager)
    assert "Gezamenlijke test" in note.text
    assert company.display_name in note.text


def test_outsider_cannot_propose(meeting, outsider):
    with pytest.raises(PermissionDenied):
        agenda_item_add(actor=outsider, meeting=meeting, title="Binnendringer")
    assert not meeting.agenda_items.exists()


def test_an_initiative_the_actor_cannot_see_is_refused(meeting, member, competitor):
    hidden = InitiativeFactory(owner_organisation=competitor, tlp=TLP.AMBER)
    with pytest.raises(ValidationError):
        agenda_item_add(actor=member, meeting=meeting, title="", initiative=hidden)
    assert not meeting.agenda_items.exists()


def test_title_defaults_to_the_initiative(meeting, programme_manager):
    initiative = InitiativeFactory(title="Slimme logistiek", tlp=TLP.GREEN)
    item = agenda_item_add(
        actor=programme_manager, meeting=meeting, title="", initiative=initiative
    )
    assert item.title == "Slimme logistiek"


def test_accept_and_park_are_for_managers_only(meeting, member, programme_manager):
    item = agenda_item_add(actor=member, meeting=meeting, title="Voorstel")
    with pytest.raises(PermissionDenied):
        agenda_item_set_status(actor=member, item=item, status=AgendaItem.Status.ACCEPTED)
    agenda_item_set_status(actor=programme_manager, item=item, status=AgendaItem.Status.PARKED)
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.PARKED
    with pytest.raises(ValidationError):
        agenda_item_set_status(actor=programme_manager, item=item, status="proposed")


def test_move_swaps_with_the_neighbour_and_stops_at_the_ends(meeting, programme_manager):
    a, _b, c = (agenda_item_add(actor=programme_manager, meeting=meeting, title=t) for t in "ABC")
    agenda_item_move(actor=programme_manager, item=c, direction="up")
    assert _titles(meeting) == ["A", "C", "B"]
    agenda_item_move(actor=programme_manager, item=a, direction="up")
    assert _titles(meeting) == ["A", "C", "B"]
    agenda_item_move(actor=programme_manager, item=a, direction="down")
    assert _titles(meeting) == ["C", "A", "B"]


def test_reorder_takes_exactly_the_meetings_items(meeting, programme_manager):
    a, b, c = (agenda_item_add(actor=programme_manager, meeting=meeting, title=t) for t in "ABC")
    other = meeting_create(actor=programme_manager, starts_at=meeting.starts_at)
    stranger = agenda_item_add(actor=programme_manager, meeting=other, title="X")
    agenda_reorder(actor=programme_manager, meeting=meeting, ordered_ids=[c.pk, a.pk, b.pk])
    assert _titles(meeting) == ["C", "A", "B"]
    for bad in ([c.pk, a.pk], [c.pk, a.pk, a.pk], [c.pk, a.pk, stranger.pk], []):
        with pytest.raises(ValidationError):
            agenda_reorder(actor=programme_manager, meeting=meeting, ordered_ids=bad)
    assert _titles(meeting) == ["C", "A", "B"]


def test_a_published_meeting_refuses_every_agenda_change(meeting, programme_manager):
    item = agenda_item_add(actor=programme_manager, meeting=meeting, title="Vast")
    _lock(meeting)
    item.meeting = meeting
    with pytest.raises(MeetingLocked):
        agenda_item_add(actor=programme_manager, meeting=meeting, title="Te laat")
    with pytest.raises(MeetingLocked):
        agenda_item_move(actor=programme_manager, item=item, direction="down")
    with pytest.raises(MeetingLocked):
        agenda_reorder(actor=programme_manager, meeting=meeting, ordered_ids=[item.pk])
    with pytest.raises(MeetingLocked):
        agenda_item_set_status(actor=programme_manager, item=item, status="parked")
    assert _titles(meeting) == ["Vast"]
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.ACCEPTED


def test_plan_gives_start_times_and_warns_when_over_time(meeting, programme_manager, member):
    agenda_item_add(actor=programme_manager, meeting=meeting, title="A", timebox_minutes=40)
    agenda_item_add(actor=member, meeting=meeting, title="Voorstel")
    agenda_item_add(actor=programme_manager, meeting=meeting, title="B", timebox_minutes=30)
    plan = agenda_plan(meeting=meeting, items=agenda_items(meeting=meeting))
    local = [
        timezone.localtime(r.starts_at).strftime("%H:%M") if r.starts_at else None
        for r in plan.rows
    ]
    assert local == ["14:00", None, "14:40"]
    assert (plan.planned_minutes, plan.over_by) == (70, 10)
    assert [r.overrun for r in plan.rows] == [False, False, True]


# --- Views ----------------------------------------------------------------------------------


def test_manager_adds_an_item_with_htmx_and_gets_the_agenda_back(
    client, meeting, programme_manager
):
    initiative = InitiativeFactory(title="Drone-onderhoud", phase=Phase.PILOT, tlp=TLP.GREEN)
    client.force_login(programme_manager)
    response = client.post(
        reverse("initiatives:agenda_add", args=[meeting.pk]),
        {"title": "", "initiative": str(initiative.pk), "timebox_minutes": "15"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="agenda"')
    item = meeting.agenda_items.get()
    assert (item.title, item.initiative, item.timebox_minutes) == (
        "Drone-onderhoud",
        initiative,
        15,
    )
    assert initiative.get_absolute_url() in body


def test_partner_proposes_through_the_same_form_and_everyone_sees_it(
    client, meeting, member, programme_manager, company
):
    client.force_login(member)
    response = client.post(
        reverse("initiatives:agenda_add", args=[meeting.pk]),
        {"title": "Onze vraag", "description": "Graag bespreken", "timebox_minutes": "50"},
    )
    assert response.status_code == 302
    item = meeting.agenda_items.get()
    assert item.status == AgendaItem.Status.PROPOSED
    assert item.timebox_minutes is None  # partners do not set the time box
    client.force_login(programme_manager)
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert "Onze vraag" in body
    assert f"voorgesteld door {company.display_name}" in body
    assert "Accepteren" in body


def test_invalid_add_shows_the_error_next_to_the_field(client, meeting, programme_manager):
    client.force_login(programme_manager)
    response = client.post(
        reverse("initiatives:agenda_add", args=[meeting.pk]),
        {"title": "", "description": "Mijn toelichting"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "agenda-title_error" in body
    assert "Mijn toelichting" in body
    assert not meeting.agenda_items.exists()


def test_manager_accepts_and_parks_through_the_page(client, meeting, member, programme_manager):
    item = agenda_item_add(actor=member, meeting=meeting, title="Voorstel")
    client.force_login(programme_manager)
    url = reverse("initiatives:agenda_item_status", args=[item.pk])
    client.post(url, {"status": "accepted"}, HTTP_HX_REQUEST="true")
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.ACCEPTED
    client.post(url, {"status": "parked"})
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.PARKED


def test_move_buttons_work_without_javascript(client, meeting, programme_manager):
    agenda_item_add(actor=programme_manager, meeting=meeting, title="A")
    b = agenda_item_add(actor=programme_manager, meeting=meeting, title="B")
    client.force_login(programme_manager)
    response = client.post(
        reverse("initiatives:agenda_item_move", args=[b.pk]), {"direction": "up"}
    )
    assert response.status_code == 302
    assert _titles(meeting) == ["B", "A"]


def test_drag_endpoint_reorders_and_rejects_a_stale_list(client, meeting, programme_manager):
    a, b, c = (agenda_item_add(actor=programme_manager, meeting=meeting, title=t) for t in "ABC")
    client.force_login(programme_manager)
    url = reverse("initiatives:agenda_reorder", args=[meeting.pk])
    response = client.post(url, {"order": [c.pk, b.pk, a.pk]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert _titles(meeting) == ["C", "B", "A"]
    response = client.post(url, {"order": [a.pk, b.pk]}, HTTP_HX_REQUEST="true")
    assert "opnieuw" in response.content.decode()
    assert _titles(meeting) == ["C", "B", "A"]


def test_manager_edits_an_item(client, meeting, programme_manager):
    item = agenda_item_add(actor=programme_manager, meeting=meeting, title="Oud")
    client.force_login(programme_manager)
    url = reverse("initiatives:agenda_item_edit", args=[item.pk])
    assert 'value="Oud"' in client.get(url).content.decode()
    response = client.post(url, {"title": "Nieuw", "timebox_minutes": "20", "chatham_house": "on"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.timebox_minutes, item.chatham_house) == ("Nieuw", 20, True)


def test_published_meeting_answers_changes_with_409(client, meeting, programme_manager, member):
    item = agenda_item_add(actor=programme_manager, meeting=meeting, title="Vast")
    _lock(meeting)
    client.force_login(programme_manager)
    posts = [
        (reverse("initiatives:agenda_add", args=[meeting.pk]), {"title": "Te laat"}),
        (reverse("initiatives:agenda_item_move", args=[item.pk]), {"direction": "down"}),
        (reverse("initiatives:agenda_item_status", args=[item.pk]), {"status": "parked"}),
        (reverse("initiatives:agenda_reorder", args=[meeting.pk]), {"order": [item.pk]}),
        (reverse("initiatives:agenda_item_edit", args=[item.pk]), {"title": "Anders"}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 409, url
    client.force_login(member)
    response = client.post(posts[0][0], {"title": "Ook te laat"})
    assert response.status_code == 409
    assert _titles(meeting) == ["Vast"]
    item.refresh_from_db()
    assert item.status == AgendaItem.Status.ACCEPTED
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert "Agendapunt voorstellen" not in body


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("initiatives:agenda_item_move", {"direction": "down"}),
        ("initiatives:agenda_item_status", {"status": "parked"}),
        ("initiatives:agenda_item_edit", {"title": "Anders"}),
    ],
)
@pytest.mark.parametrize("who", ["member", "outsider"])
def test_item_actions_are_404_for_non_managers(
    client, meeting, programme_manager, request, name, data, who
):
    agenda_item_add(actor=programme_manager, meeting=meeting, title="Eerste")
    item = agenda_item_add(actor=programme_manager, meeting=meeting, title="Tweede")
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse(name, args=[item.pk])).status_code in (404, 405)
    assert client.post(reverse(name, args=[item.pk]), data).status_code == 404
    item.refresh_from_db()
    assert (item.title, item.status, item.position) == ("Tweede", AgendaItem.Status.ACCEPTED, 1)


def test_reorder_is_404_for_a_member_and_the_outsider(
    client, meeting, programme_manager, member, outsider
):
    a = agenda_item_add(actor=programme_manager, meeting=meeting, title="A")
    b = agenda_item_add(actor=programme_manager, meeting=meeting, title="B")
    for user in (member, outsider):
        client.force_login(user)
        url = reverse("initiatives:agenda_reorder", args=[meeting.pk])
        assert client.post(url, {"order": [b.pk, a.pk]}).status_code == 404
    assert _titles(meeting) == ["A", "B"]


def test_outsider_cannot_propose_or_see_the_agenda(client, meeting, programme_manager, outsider):
    agenda_item_add(actor=programme_manager, meeting=meeting, title="Vertrouwelijk punt")
    client.force_login(outsider)
    response = client.post(reverse("initiatives:agenda_add", args=[meeting.pk]), {"title": "Hoi"})
    assert response.status_code == 404
    response = client.get(meeting.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert _titles(meeting) == ["Vertrouwelijk punt"]


def test_hidden_initiative_on_the_agenda_is_not_linked_for_who_cannot_see_it(
    client, meeting, programme_manager, member, lmi_cell
):
    secret = InitiativeFactory(title="Intern", owner_organisation=lmi_cell, tlp=TLP.AMBER_STRICT)
    agenda_item_add(
        actor=programme_manager, meeting=meeting, title="Punt van de cel", initiative=secret
    )
    client.force_login(member)
    body = client.get(meeting.get_absolute_url()).content.decode()
    assert "Punt van de cel" in body
    assert secret.get_absolute_url() not in body


def test_meeting_page_queries_do_not_grow_with_the_agenda(
    client, meeting, programme_manager, member
):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(meeting.get_absolute_url())
        assert response.status_code == 200
        return len(ctx.captured_queries)

    client.force_login(programme_manager)
    initiative = InitiativeFactory(tlp=TLP.GREEN)
    agenda_item_add(actor=programme_manager, meeting=meeting, title="Een", initiative=initiative)
    count()  # warm up per-process caches (content types, site settings)
    one = count()
    for n in range(10):
        agenda_item_add(
            actor=programme_manager,
            meeting=meeting,
            title=f"Punt {n}",
            initiative=InitiativeFactory(tlp=TLP.GREEN),
            timebox_minutes=5,
        )
        agenda_item_add(actor=member, meeting=meeting, title=f"Voorstel {n}")
    assert count() == one
