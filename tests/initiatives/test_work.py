"""Obstacles and actions on an initiative, the work context's queries, and the handover mover."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from initiatives.models import ActionItem, Initiative, Obstacle
from initiatives.selectors.work import initiative_owner_choices, initiative_work_context
from initiatives.services import work as services
from lmi_portal.core.models import AuditEvent, Notification
from lmi_portal.core.notifications import follow_set
from partners.models import TLP, Organisation
from tests.factories import (
    ActionItemFactory,
    CommentFactory,
    InitiativeFactory,
    ObstacleFactory,
    OrganisationFactory,
    ParticipationFactory,
    PersonFactory,
    UserFactory,
    member_of,
    person_of,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2031, 3, 10)


@pytest.fixture
def amber(company) -> Initiative:
    return InitiativeFactory(
        title="Sensoren op de Boxer", owner_organisation=company, tlp=TLP.AMBER
    )


@pytest.fixture
def partner_org(db) -> Organisation:
    return OrganisationFactory(name="Thales Nederland", short_name="Thales")


def _url(name: str, *args: int) -> str:
    return reverse(f"initiatives:{name}", args=args)


HX = {"HX-Request": "true"}


# --- Obstacles: services --------------------------------------------------------------------


def test_contributor_raises_an_obstacle(member, amber):
    obstacle = services.obstacle_create(
        actor=member,
        initiative=amber,
        title="  Aanbesteding duurt te lang  ",
        category=Obstacle.Category.PROCUREMENT,
        description="Al drie maanden.",
        owner=member,
    )
    assert obstacle.title == "Aanbesteding duurt te lang"
    assert obstacle.status == Obstacle.Status.OPEN
    assert obstacle.owner == member and obstacle.created_by == member
    assert AuditEvent.objects.filter(action="obstacle.created").count() == 1


def test_new_obstacle_notifies_followers_through_the_notify_service(member, amber):
    with mock.patch("initiatives.services.notify.initiative_followers_notify") as notify:
        services.obstacle_create(
            actor=member, initiative=amber, title="Geen budget", category="funding"
        )
    notify.assert_called_once()
    kwargs = notify.call_args.kwargs
    assert kwargs["initiative"] == amber
    assert kwargs["verb"] == "initiative.obstacle_raised"
    assert kwargs["actor"] == member
    assert "Geen budget" in kwargs["text"]()


def test_new_obstacle_reaches_a_follower_who_may_see_it_and_not_one_who_may_not(
    member, amber, company, outsider
):
    colleague = member_of(company, email="collega@ddvs.example")
    follow_set(user=colleague, target=amber, following=True)
    follow_set(user=outsider, target=amber, following=True)
    services.obstacle_create(
        actor=member, initiative=amber, title="Geen budget", category="funding"
    )
    notes = Notification.objects.filter(verb="initiative.obstacle_raised")
    assert [n.recipient for n in notes] == [colleague]


@pytest.mark.parametrize(
    ("title", "category", "field"),
    [
        ("", "funding", "title"),
        ("   ", "funding", "title"),
        ("x" * 10000, "funding", "title"),
        ("Geldig", "bestaat-niet", "category"),
    ],
)
def test_bad_obstacle_input_is_a_clear_error_and_saves_nothing(
    member, amber, title, category, field
):
    with pytest.raises(ValidationError) as exc:
        services.obstacle_create(actor=member, initiative=amber, title=title, category=category)
    assert field in exc.value.message_dict
    assert not Obstacle.objects.exists()


def test_owner_must_work_at_the_owner_or_a_participant(member, amber, outsider):
    with pytest.raises(ValidationError) as exc:
        services.obstacle_create(
            actor=member, initiative=amber, title="X", category="other", owner=outsider
        )
    assert "owner" in exc.value.message_dict
    assert not Obstacle.objects.exists()


def test_owner_choices_are_active_members_of_owner_and_participants(
    member, amber, company, partner_org, outsider
):
    partner_member = member_of(partner_org)
    inactive = member_of(company, suspended=True)
    ParticipationFactory(initiative=amber, organisation=partner_org)
    users = [user for user, _label in initiative_owner_choices(initiative=amber)]
    assert member in users and partner_member in users
    assert outsider not in users and inactive not in users


def test_outsider_cannot_contribute_even_to_a_green_initiative(outsider, company):
    green = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    with pytest.raises(PermissionDenied):
        services.obstacle_create(actor=outsider, initiative=green, title="X", category="other")
    assert not Obstacle.objects.exists()


def test_resolving_dates_it_today_and_reopening_clears_it(member, amber):
    obstacle = ObstacleFactory(initiative=amber)
    with time_machine.travel(dt.datetime(2031, 3, 10, 12, tzinfo=dt.UTC), tick=False):
        services.obstacle_update(
            actor=member, obstacle=obstacle, status="resolved", category="funding", owner=None
        )
    obstacle.refresh_from_db()
    assert obstacle.status == Obstacle.Status.RESOLVED
    assert obstacle.resolved_on == TODAY
    assert obstacle.category == "funding"
    services.obstacle_update(
        actor=member, obstacle=obstacle, status="open", category="funding", owner=member
    )
    obstacle.refresh_from_db()
    assert obstacle.resolved_on is None and obstacle.owner == member


def test_unknown_obstacle_status_is_refused(member, amber):
    obstacle = ObstacleFactory(initiative=amber)
    with pytest.raises(ValidationError) as exc:
        services.obstacle_update(
            actor=member, obstacle=obstacle, status="weg", category="funding", owner=None
        )
    assert "status" in exc.value.message_dict
    obstacle.refresh_from_db()
    assert obstacle.status == Obstacle.Status.OPEN


def test_escalating_is_once_and_idempotent(member, amber, company):
    obstacle = ObstacleFactory(initiative=amber)
    services.obstacle_escalate(actor=member, obstacle=obstacle)
    obstacle.refresh_from_db()
    first = obstacle.escalated_at
    assert first is not None and obstacle.escalated_by == member
    colleague = member_of(company)
    services.obstacle_escalate(actor=colleague, obstacle=obstacle)
    obstacle.refresh_from_db()
    assert obstacle.escalated_at == first and obstacle.escalated_by == member
    assert AuditEvent.objects.filter(action="obstacle.escalated").count() == 1


def test_a_resolved_obstacle_is_not_escalated(member, amber):
    obstacle = ObstacleFactory(initiative=amber, status=Obstacle.Status.RESOLVED)
    with pytest.raises(ValidationError):
        services.obstacle_escalate(actor=member, obstacle=obstacle)
    obstacle.refresh_from_db()
    assert obstacle.escalated_at is None


# --- Obstacles: views -----------------------------------------------------------------------


def test_posting_an_obstacle_with_htmx_returns_the_section(client, member, amber):
    client.force_login(member)
    response = client.post(
        _url("obstacles", amber.pk),
        {"title": "Geen testvoertuig", "category": "capacity", "description": "", "owner": ""},
        headers=HX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="obstacles"')
    assert "Geen testvoertuig" in body and "Belemmering gemeld." in body
    assert Obstacle.objects.get().title == "Geen testvoertuig"


def test_invalid_obstacle_rerenders_with_error_and_keeps_input(client, member, amber):
    client.force_login(member)
    response = client.post(
        _url("obstacles", amber.pk),
        {"title": "", "category": "onbekend", "description": "Mijn toelichting"},
        headers=HX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Geef een korte titel." in body
    assert "Kies een categorie uit de lijst." in body
    assert "Mijn toelichting" in body
    assert not Obstacle.objects.exists()


def test_invalid_obstacle_without_javascript_gets_a_whole_page(client, member, amber):
    client.force_login(member)
    response = client.post(
        _url("obstacles", amber.pk), {"title": "x" * 10000, "category": "funding"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body and 'id="obstacles"' in body
    assert not Obstacle.objects.exists()


def test_obstacle_without_javascript_redirects_with_a_message(client, member, amber):
    client.force_login(member)
    response = client.post(
        _url("obstacles", amber.pk), {"title": "Te weinig monteurs", "category": "capacity"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{amber.get_absolute_url()}#obstacles"


def test_page_shows_raised_and_resolved_dates_and_escalated_badge(client, member, amber):
    ObstacleFactory(
        initiative=amber,
        title="Opgelost ding",
        status=Obstacle.Status.RESOLVED,
        raised_on=dt.date(2026, 1, 5),
        resolved_on=dt.date(2026, 2, 7),
    )
    escalated = ObstacleFactory(initiative=amber, title="Hangt bij inkoop")
    services.obstacle_escalate(actor=member, obstacle=escalated)
    client.force_login(member)
    body = client.get(_url("obstacles", amber.pk)).content.decode()
    assert "gemeld op 5 januari 2026" in body
    assert "opgelost op 7 februari 2026" in body
    assert "bij de werkgroep" in body


def test_escalate_button_with_htmx(client, member, amber):
    obstacle = ObstacleFactory(initiative=amber, title="Hangt bij inkoop")
    client.force_login(member)
    response = client.post(_url("obstacle_escalate", amber.pk, obstacle.pk), headers=HX)
    assert response.status_code == 200
    assert "staat op de lijst voor de werkgroep" in response.content.decode()
    obstacle.refresh_from_db()
    assert obstacle.escalated_at is not None


def test_update_obstacle_with_htmx(client, member, amber):
    obstacle = ObstacleFactory(initiative=amber)
    client.force_login(member)
    response = client.post(
        _url("obstacle_update", amber.pk, obstacle.pk),
        {"status": "in_progress", "category": "security", "owner": member.pk},
        headers=HX,
    )
    assert response.status_code == 200
    obstacle.refresh_from_db()
    assert (obstacle.status, obstacle.category, obstacle.owner) == (
        "in_progress",
        "security",
        member,
    )


def test_update_obstacle_with_unknown_status_keeps_it_and_says_why(client, member, amber):
    obstacle = ObstacleFactory(initiative=amber)
    client.force_login(member)
    response = client.post(
        _url("obstacle_update", amber.pk, obstacle.pk),
        {"status": "weg", "category": "security", "owner": ""},
        headers=HX,
    )
    assert response.status_code == 200
    assert "Kies een status uit de lijst." in response.content.decode()
    obstacle.refresh_from_db()
    assert obstacle.status == "open" and obstacle.category == "procurement"


def test_reader_who_is_not_a_contributor_sees_no_obstacle_forms(client, outsider, company):
    green = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    ObstacleFactory(initiative=green, title="Zichtbaar")
    client.force_login(outsider)
    response = client.get(_url("obstacles", green.pk), headers=HX)
    body = response.content.decode()
    assert response.status_code == 200 and "Zichtbaar" in body
    assert "Belemmering melden" not in body and "Naar de werkgroep" not in body
    response = client.post(_url("obstacles", green.pk), {"title": "X", "category": "other"})
    assert response.status_code == 404
    assert Obstacle.objects.count() == 1


# --- Actions --------------------------------------------------------------------------------


def test_action_owner_is_told_when_assigned(member, amber, company):
    colleague = member_of(company, email="collega@ddvs.example")
    action = services.action_create(
        actor=member, initiative=amber, title="Offerte opvragen", owner=colleague
    )
    note = Notification.objects.get(verb="action.assigned")
    assert note.recipient == colleague
    assert "Offerte opvragen" in note.text
    assert note.url.endswith(f"#action-{action.pk}")


def test_no_assignment_notice_for_yourself_or_someone_who_cannot_see_it(
    member, company, partner_org
):
    strict = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER_STRICT)
    ParticipationFactory(initiative=strict, organisation=partner_org)
    partner = member_of(partner_org)
    services.action_create(actor=member, initiative=strict, title="Zelf doen", owner=member)
    services.action_create(actor=member, initiative=strict, title="Ander", owner=partner)
    assert not Notification.objects.filter(verb="action.assigned").exists()


def test_reassigning_an_action_tells_the_new_owner(member, amber, company):
    colleague = member_of(company)
    action = ActionItemFactory(initiative=amber, owner=member)
    services.action_update(
        actor=member, action=action, title=action.title, owner=colleague, due_date=None
    )
    assert Notification.objects.get(verb="action.assigned").recipient == colleague


@pytest.mark.parametrize("title", ["", "  ", "x" * 10000])
def test_bad_action_title_is_refused(member, amber, title):
    with pytest.raises(ValidationError) as exc:
        services.action_create(actor=member, initiative=amber, title=title)
    assert "title" in exc.value.message_dict
    assert not ActionItem.objects.exists()


def test_done_sets_done_at_and_reopening_clears_it(member, amber):
    action = ActionItemFactory(initiative=amber)
    services.action_set_status(actor=member, action=action, status="done")
    action.refresh_from_db()
    assert action.status == "done" and action.done_at is not None
    services.action_set_status(actor=member, action=action, status="open")
    action.refresh_from_db()
    assert action.status == "open" and action.done_at is None
    services.action_set_status(actor=member, action=action, status="cancelled")
    action.refresh_from_db()
    assert action.status == "cancelled" and action.done_at is None


def test_unknown_action_status_is_a_clear_error(client, member, amber):
    action = ActionItemFactory(initiative=amber)
    with pytest.raises(ValidationError) as exc:
        services.action_set_status(actor=member, action=action, status="misschien")
    assert "status" in exc.value.message_dict
    client.force_login(member)
    response = client.post(
        _url("action_status", amber.pk, action.pk), {"status": "misschien"}, headers=HX
    )
    assert response.status_code == 200
    assert "Kies een status uit de lijst." in response.content.decode()
    action.refresh_from_db()
    assert action.status == "open"


def test_overdue_open_action_says_te_laat_in_words(client, member, amber):
    with time_machine.travel(dt.datetime(2031, 3, 10, 12, tzinfo=dt.UTC), tick=False):
        ActionItemFactory(initiative=amber, title="Rapport schrijven", due_date=dt.date(2031, 3, 1))
        ActionItemFactory(initiative=amber, title="Later", due_date=dt.date(2031, 4, 1))
        client.force_login(member)
        body = client.get(_url("actions", amber.pk), headers=HX).content.decode()
    assert body.count("te laat</span>") == 1
    assert "te laat: had uiterlijk 1 maart 2031 klaar moeten zijn" in body
    assert "uiterlijk 1 april 2031" in body


def test_done_action_is_not_overdue(client, member, amber):
    with time_machine.travel(dt.datetime(2031, 3, 10, 12, tzinfo=dt.UTC), tick=False):
        ActionItemFactory(
            initiative=amber, due_date=dt.date(2031, 3, 1), status=ActionItem.Status.DONE
        )
        client.force_login(member)
        body = client.get(_url("actions", amber.pk), headers=HX).content.decode()
    assert "te laat" not in body


def test_add_action_with_htmx_and_due_date(client, member, amber):
    client.force_login(member)
    response = client.post(
        _url("actions", amber.pk),
        {"title": "Kick-off plannen", "owner": member.pk, "due_date": "2026-05-01"},
        headers=HX,
    )
    assert response.status_code == 200
    action = ActionItem.objects.get()
    assert action.due_date == dt.date(2026, 5, 1) and action.owner == member
    assert "Actie toegevoegd." in response.content.decode()


def test_invalid_action_keeps_input(client, member, amber):
    client.force_login(member)
    response = client.post(
        _url("actions", amber.pk), {"title": "Iets", "due_date": "morgen"}, headers=HX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Vul een geldige datum in" in body and 'value="Iets"' in body
    assert not ActionItem.objects.exists()


def test_update_and_mark_done_through_the_views(client, member, amber):
    action = ActionItemFactory(initiative=amber, title="Oud")
    client.force_login(member)
    client.post(
        _url("action_update", amber.pk, action.pk),
        {"title": "Nieuw", "owner": "", "due_date": ""},
        headers=HX,
    )
    response = client.post(_url("action_status", amber.pk, action.pk), {"status": "done"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.title == "Nieuw" and action.status == "done"


# --- The outsider and other initiatives -----------------------------------------------------


def test_outsider_gets_404_on_every_work_url_and_nothing_is_written(client, amber, outsider):
    obstacle = ObstacleFactory(initiative=amber)
    action = ActionItemFactory(initiative=amber)
    client.force_login(outsider)
    for name in ("obstacles", "actions"):
        assert client.get(_url(name, amber.pk)).status_code == 404
        assert client.get(_url(name, amber.pk), headers=HX).status_code == 404
    posts = [
        (_url("obstacles", amber.pk), {"title": "X", "category": "other"}),
        (
            _url("obstacle_update", amber.pk, obstacle.pk),
            {"status": "resolved", "category": "other"},
        ),
        (_url("obstacle_escalate", amber.pk, obstacle.pk), {}),
        (_url("actions", amber.pk), {"title": "X"}),
        (_url("action_update", amber.pk, action.pk), {"title": "Gekaapt"}),
        (_url("action_status", amber.pk, action.pk), {"status": "done"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
        assert client.post(url, data, headers=HX).status_code == 404, url
    obstacle.refresh_from_db()
    action.refresh_from_db()
    assert obstacle.status == "open" and obstacle.escalated_at is None
    assert action.title != "Gekaapt" and action.status == "open"
    assert Obstacle.objects.count() == 1 and ActionItem.objects.count() == 1
    assert not AuditEvent.objects.filter(action__startswith=("obstacle.")).exists()
    assert not AuditEvent.objects.filter(action__startswith=("action.")).exists()


def test_obstacle_of_another_initiative_is_404(client, member, amber, company):
    other = InitiativeFactory(owner_organisation=company)
    obstacle = ObstacleFactory(initiative=other)
    client.force_login(member)
    response = client.post(_url("obstacle_escalate", amber.pk, obstacle.pk))
    assert response.status_code == 404
    obstacle.refresh_from_db()
    assert obstacle.escalated_at is None


# --- The work context -----------------------------------------------------------------------


def _fill(initiative: Initiative, owner, n: int) -> None:
    for i in range(n):
        org = OrganisationFactory()
        ParticipationFactory(initiative=initiative, organisation=org, role=f"rol {i}")
        ObstacleFactory(initiative=initiative, owner=owner)
        ActionItemFactory(initiative=initiative, owner=owner, due_date=dt.date(2026, 1, 1))
        CommentFactory(initiative=initiative, author=UserFactory())


@pytest.mark.parametrize("rows", [1, 25])
def test_work_context_runs_the_same_queries_for_1_and_25_rows(
    member, company, rows, django_assert_num_queries
):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER)
    _fill(initiative, member, rows)
    initiative = Initiative.objects.select_related("owner_organisation").get(pk=initiative.pk)
    from django.template.loader import render_to_string

    with django_assert_num_queries(10):
        context = initiative_work_context(user=member, initiative=initiative)
        context.update(initiative=initiative, can_edit=True)
        html = "".join(
            render_to_string(f"initiatives/partials/_{name}.html", context)
            for name in ("participants", "obstacles", "actions", "comments")
        )
    assert html.count('id="comment-') >= rows
    assert context["can_contribute"] and context["can_manage_participants"]


def test_work_context_for_a_reader_offers_no_forms(outsider, company):
    green = InitiativeFactory(owner_organisation=company, tlp=TLP.GREEN)
    context = initiative_work_context(user=outsider, initiative=green)
    assert context["can_comment"] is True
    assert context["can_contribute"] is False and context["can_manage_participants"] is False
    assert context["obstacle_form"] is None and context["action_form"] is None
    assert context["invite_form"] is None


# --- Handover mover -------------------------------------------------------------------------


def test_handover_moves_only_open_actions(member, amber, company):
    successor_user = member_of(company)
    open_action = ActionItemFactory(initiative=amber, owner=member)
    done = ActionItemFactory(initiative=amber, owner=member, status=ActionItem.Status.DONE)
    meeting_action = ActionItemFactory(initiative=None, owner=member)
    departing, successor = person_of(member), person_of(successor_user)

    assert services.action_owners_move(departing, None, dry_run=True) == {"action_owners": 2}
    assert services.action_owners_move(departing, successor) == {"action_owners": 2}

    for action in (open_action, done, meeting_action):
        action.refresh_from_db()
    assert open_action.owner == successor_user and meeting_action.owner == successor_user
    assert done.owner == member


def test_handover_to_someone_without_an_account_moves_nothing(member, amber):
    action = ActionItemFactory(initiative=amber, owner=member)
    with pytest.raises(ValidationError) as exc:
        services.action_owners_move(person_of(member), PersonFactory())
    assert "geen account" in str(exc.value)
    action.refresh_from_db()
    assert action.owner == member


def test_handover_of_a_person_without_account_or_actions_is_a_no_op(member):
    # Nothing to move reports nothing, so the handover summary lists only what applies.
    assert services.action_owners_move(PersonFactory(), None) == {}
    assert services.action_owners_move(person_of(member), PersonFactory()) == {}


def test_mover_runs_inside_a_real_handover(member, amber, company, programme_manager, monkeypatch):
    from lmi_portal.core import registry
    from network.models import Handover
    from network.services import handovers
    from tests.factories import AffiliationFactory

    departing = person_of(member)
    AffiliationFactory(
        person=departing,
        organisation=company,
        email=member.email,
        expected_rotation_date=dt.date.today() + dt.timedelta(days=60),
    )
    successor_user = member_of(company, email="opvolger@ddvs.example")
    successor = person_of(successor_user)
    AffiliationFactory(person=successor, organisation=company, email=successor_user.email)
    action = ActionItemFactory(initiative=amber, owner=member)
    # The registration line belongs in initiatives/apps.py; here it is made for this test only.
    providers = dict(registry.handover_movers._providers)
    providers.setdefault("initiative_actions", (31, services.action_owners_move))
    monkeypatch.setattr(registry.handover_movers, "_providers", providers)
    handovers.handovers_open_due()
    handover = Handover.objects.get(person=departing)

    assert handovers.handover_preview(handover=handover)["action_owners"] == 1
    handovers.handover_execute(actor=programme_manager, handover=handover, successor=successor)

    action.refresh_from_db()
    handover.refresh_from_db()
    assert action.owner == successor_user
    assert handover.moved["action_owners"] == 1
