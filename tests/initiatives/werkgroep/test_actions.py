"""The actions dashboard: what is listed, in which order, the filters, and marking done."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from initiatives.models import ActionItem, Initiative, Meeting
from initiatives.selectors.actions import ActionFilters, action_open_list
from initiatives.services.actions import action_mark_done
from lmi_portal.core.models import AuditEvent
from partners.models import TLP, Organisation
from tests.factories import (
    ActionItemFactory,
    InitiativeFactory,
    OrganisationFactory,
    ParticipationFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2031, 3, 10)
URL = reverse("initiatives:actions_dashboard")
HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(dt.datetime(2031, 3, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def amber(company) -> Initiative:
    return InitiativeFactory(
        title="Sensoren op de Boxer", owner_organisation=company, tlp=TLP.AMBER
    )


@pytest.fixture
def meeting(lmi_cell, company) -> Meeting:
    meeting = Meeting.objects.create(
        owner_organisation=lmi_cell,
        tlp=TLP.AMBER,
        starts_at=timezone.now() - dt.timedelta(days=7),
        status=Meeting.Status.PUBLISHED,
    )
    meeting.attending_organisations.add(company)
    return meeting


def _done_url(action: ActionItem) -> str:
    return reverse("initiatives:action_done", args=[action.pk])


def _titles(response) -> list[str]:
    return [a.title for a in response.context["page"].object_list]


def test_both_action_urls_resolve_by_their_agreed_names(amber):
    assert reverse("initiatives:actions_dashboard") == "/initiatieven/acties/"
    assert reverse("initiatives:actions", args=[amber.pk]) == f"/initiatieven/{amber.pk}/acties/"


def test_lists_open_actions_of_visible_initiatives_and_meetings_only(
    client, member, amber, meeting, competitor, lmi_cell
):
    ActionItemFactory(initiative=amber, title="Open bij initiatief", owner=member)
    ActionItemFactory(initiative=amber, title="Al klaar", status=ActionItem.Status.DONE)
    ActionItemFactory(initiative=None, meeting=meeting, title="Uit de werkgroep")
    ActionItemFactory(
        initiative=None, meeting=meeting, title="Nog concept", status=ActionItem.Status.DRAFT
    )
    hidden = InitiativeFactory(owner_organisation=competitor, tlp=TLP.AMBER)
    ActionItemFactory(initiative=hidden, title="Van de concurrent")
    other_meeting = Meeting.objects.create(
        owner_organisation=lmi_cell, tlp=TLP.AMBER, starts_at=timezone.now()
    )
    ActionItemFactory(initiative=None, meeting=other_meeting, title="Andere werkgroep")
    client.force_login(member)
    response = client.get(URL)
    assert response.status_code == 200
    assert sorted(_titles(response)) == ["Open bij initiatief", "Uit de werkgroep"]
    body = response.content.decode()
    assert "Van de concurrent" not in body and "Nog concept" not in body
    assert "Andere werkgroep" not in body


def test_meeting_action_tied_to_a_hidden_initiative_is_not_listed(
    client, member, meeting, competitor
):
    hidden = InitiativeFactory(owner_organisation=competitor, tlp=TLP.AMBER_STRICT)
    ActionItemFactory(initiative=hidden, meeting=meeting, title="Geheim")
    client.force_login(member)
    assert _titles(client.get(URL)) == []


def test_overdue_first_then_by_due_date_with_te_laat(client, member, amber):
    ActionItemFactory(initiative=amber, title="Geen datum", due_date=None)
    ActionItemFactory(initiative=amber, title="Volgende week", due_date=TODAY + dt.timedelta(7))
    ActionItemFactory(initiative=amber, title="Morgen", due_date=TODAY + dt.timedelta(1))
    ActionItemFactory(initiative=amber, title="Te laat", due_date=TODAY - dt.timedelta(3))
    client.force_login(member)
    response = client.get(URL)
    assert _titles(response) == ["Te laat", "Morgen", "Volgende week", "Geen datum"]
    assert "te laat" in response.content.decode()
    assert response.context["counts"].overdue == 1
    assert response.context["counts"].open == 4


def test_mine_owner_and_organisation_filters(client, member, amber, company, lmi_cell):
    colleague = member_of(company, email="collega@ddvs.example")
    pm_person = member_of(lmi_cell, email="cel@lmi.example")
    ParticipationFactory(initiative=amber, organisation=lmi_cell)
    ActionItemFactory(initiative=amber, title="Van mij", owner=member)
    ActionItemFactory(initiative=amber, title="Van collega", owner=colleague)
    ActionItemFactory(initiative=amber, title="Van de cel", owner=pm_person)
    client.force_login(member)
    assert _titles(client.get(URL, {"mijn": "1"})) == ["Van mij"]
    assert _titles(client.get(URL, {"eigenaar": colleague.pk})) == ["Van collega"]
    assert _titles(client.get(URL, {"organisatie": lmi_cell.pk})) == ["Van de cel"]
    assert sorted(_titles(client.get(URL, {"organisatie": company.pk}))) == [
        "Van collega",
        "Van mij",
    ]
    # Nonsense parameters are ignored, not an error.
    assert len(_titles(client.get(URL, {"eigenaar": "x", "groep": "<b>"}))) == 3


def test_grouping_by_organisation_keeps_each_group_together(member, amber, company, lmi_cell):
    cel = member_of(lmi_cell, email="cel@lmi.example")
    ParticipationFactory(initiative=amber, organisation=lmi_cell)
    ActionItemFactory(initiative=amber, title="A", owner=member, due_date=TODAY)
    ActionItemFactory(initiative=amber, title="B", owner=cel, due_date=TODAY - dt.timedelta(1))
    ActionItemFactory(initiative=amber, title="C", owner=member, due_date=TODAY - dt.timedelta(2))
    rows = list(action_open_list(user=member, filters=ActionFilters(group="organisatie")))
    names = [r.owner_organisation_name for r in rows]
    assert names == sorted(names)
    assert [r.title for r in rows if r.owner_organisation_name == company.name] == ["C", "A"]


def test_htmx_filter_returns_only_the_results(client, member, amber):
    ActionItemFactory(initiative=amber, title="Eén")
    client.force_login(member)
    response = client.get(URL, headers=HX)
    body = response.content.decode()
    assert 'id="action-results"' in body and "<html" not in body


def test_query_count_does_not_grow_with_rows(client, member, amber, meeting):
    client.force_login(member)
    client.get(URL)  # warm the per-process caches

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    ActionItemFactory(initiative=amber, owner=member)
    one = count()
    for i in range(12):
        ActionItemFactory(initiative=amber, owner=member, due_date=TODAY + dt.timedelta(i))
        ActionItemFactory(initiative=None, meeting=meeting, due_date=TODAY - dt.timedelta(i))
    assert count() == one


# --- Marking done -------------------------------------------------------------------------


def test_owner_marks_done_inline_and_gets_the_row(client, member, amber):
    action = ActionItemFactory(initiative=amber, owner=member, title="Offerte sturen")
    client.force_login(member)
    response = client.post(_done_url(action), headers=HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="action-row-{action.pk}"' in body and "<html" not in body
    assert "is afgerond" in body
    action.refresh_from_db()
    assert action.status == ActionItem.Status.DONE and action.done_at is not None
    assert AuditEvent.objects.filter(action="action.status_changed").count() == 1


def test_plain_post_redirects_back_with_the_filters(client, member, amber):
    action = ActionItemFactory(initiative=amber, owner=member)
    client.force_login(member)
    response = client.post(_done_url(action), {"terug": "mijn=1&groep=eigenaar&evil=x"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?mijn=1&groep=eigenaar"
    action.refresh_from_db()
    assert action.status == ActionItem.Status.DONE


def test_marking_done_twice_changes_nothing_more(member, amber):
    action = ActionItemFactory(initiative=amber, owner=member)
    first = action_mark_done(actor=member, action=action)
    done_at = first.done_at
    again = action_mark_done(actor=member, action=action)
    assert again.done_at == done_at
    assert AuditEvent.objects.filter(action="action.status_changed").count() == 1


def test_programme_manager_marks_a_meeting_action_done(client, programme_manager, meeting):
    action = ActionItemFactory(initiative=None, meeting=meeting)
    client.force_login(programme_manager)
    assert client.post(_done_url(action), headers=HX).status_code == 200
    action.refresh_from_db()
    assert action.status == ActionItem.Status.DONE


def test_participant_of_the_initiative_may_mark_done(client, amber, competitor):
    partner: Organisation = OrganisationFactory(name="Partner BV")
    ParticipationFactory(initiative=amber, organisation=partner)
    someone = member_of(partner, email="p@partner.example")
    action = ActionItemFactory(initiative=amber)
    client.force_login(someone)
    response = client.get(URL)
    assert action.pk in response.context["can_done"]
    assert client.post(_done_url(action)).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionItem.Status.DONE


def test_member_who_sees_but_may_not_change_gets_404_and_nothing_changes(
    client, company, outsider, meeting
):
    green = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    action = ActionItemFactory(initiative=green)
    meeting.attending_organisations.add(outsider.memberships.get().organisation)
    meeting_action = ActionItemFactory(initiative=None, meeting=meeting)
    client.force_login(outsider)
    listed = client.get(URL)
    assert {action.pk, meeting_action.pk} <= {a.pk for a in listed.context["page"].object_list}
    assert not listed.context["can_done"]
    assert "Afgerond" not in listed.content.decode()
    for item in (action, meeting_action):
        assert client.post(_done_url(item), headers=HX).status_code == 404
        item.refresh_from_db()
        assert item.status == ActionItem.Status.OPEN


def test_outsider_gets_404_for_an_amber_action_and_nothing_changes(client, outsider, amber):
    action = ActionItemFactory(initiative=amber)
    client.force_login(outsider)
    assert client.post(_done_url(action)).status_code == 404
    assert client.post(_done_url(action), headers=HX).status_code == 404
    action.refresh_from_db()
    assert action.status == ActionItem.Status.OPEN
    assert action.title not in client.get(URL).content.decode()


def test_draft_meeting_action_cannot_be_marked_done(client, programme_manager, meeting):
    action = ActionItemFactory(initiative=None, meeting=meeting, status=ActionItem.Status.DRAFT)
    client.force_login(programme_manager)
    assert client.post(_done_url(action)).status_code == 404
    action.refresh_from_db()
    assert action.status == ActionItem.Status.DRAFT


def test_cancelled_action_is_refused_with_a_message(client, member, amber):
    action = ActionItemFactory(initiative=amber, owner=member, status=ActionItem.Status.CANCELLED)
    client.force_login(member)
    response = client.post(_done_url(action), headers=HX)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    action.refresh_from_db()
    assert action.status == ActionItem.Status.CANCELLED


def test_done_needs_post(client, member, amber):
    action = ActionItemFactory(initiative=amber, owner=member)
    client.force_login(member)
    assert client.get(_done_url(action)).status_code == 405


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
