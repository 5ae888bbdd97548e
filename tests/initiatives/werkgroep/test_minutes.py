"""Live minutes: saved as you type, conflicts instead of silent overwrites, decisions and
actions under an agenda item, and who may write them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.urls import reverse

from initiatives.models import ActionItem, AgendaItem, Decision, Meeting
from initiatives.services.meetings import meeting_create
from initiatives.services.minutes import (
    MinutesConflict,
    decision_add,
    decision_delete,
    meeting_action_add,
    meeting_action_delete,
    minutes_save,
)
from initiatives.views.minutes import minutes_context
from partners.models import User

from ...factories import InitiativeFactory, member_of

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def _named(user: User, first: str, last: str) -> User:
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def attendee(member) -> User:
    """An attendee from the company (Dutch)."""
    return _named(member, "Fenna", "Kortenhoeve")


@pytest.fixture
def english_attendee(company) -> User:
    return _named(member_of(company, language="en"), "Ruben", "Zandvliet")


@pytest.fixture
def bystander(company) -> User:
    """A member of an attending organisation who can see the meeting but did not attend."""
    return _named(member_of(company), "Jorien", "Heuvelkamp")


@pytest.fixture
def manager(programme_manager) -> User:
    return _named(programme_manager, "Marit", "Oosterloo")


@pytest.fixture
def meeting(manager, attendee, english_attendee, company) -> Meeting:
    """AMBER, owned by the LMI cell, attended by the company; the competitor does not attend."""
    return meeting_create(
        actor=manager,
        starts_at=datetime(2030, 3, 14, 9, 0, tzinfo=UTC),
        location="Utrecht",
        attending_organisations=[company],
        attendees=[manager, attendee, english_attendee],
    )


@pytest.fixture
def item(meeting, lmi_cell) -> AgendaItem:
    initiative = InitiativeFactory(owner_organisation=lmi_cell, title="Predictief onderhoud CV90")
    return AgendaItem.objects.create(
        meeting=meeting, position=0, title="Voorraad reservedelen", initiative=initiative
    )


def _save_url(item: AgendaItem) -> str:
    return reverse("initiatives:minutes_save", args=[item.pk])


# --- Services -------------------------------------------------------------------------------


def test_save_stores_the_text_and_raises_the_version(item, attendee):
    saved = minutes_save(actor=attendee, item=item, text="Eerste regel", version=0)
    assert (saved.minutes, saved.version, saved.minutes_updated_by) == ("Eerste regel", 1, attendee)
    saved = minutes_save(actor=attendee, item=item, text="Eerste regel\r\nTweede", version=1)
    item.refresh_from_db()
    assert (item.minutes, item.version) == ("Eerste regel\nTweede", 2)


def test_a_stale_version_is_a_conflict_with_both_texts_and_nothing_is_overwritten(
    item, attendee, manager
):
    minutes_save(actor=manager, item=item, text="Tekst van de voorzitter", version=0)
    with pytest.raises(MinutesConflict) as exc:
        minutes_save(actor=attendee, item=item, text="Mijn eigen tekst", version=0)
    assert exc.value.current_text == "Tekst van de voorzitter"
    assert exc.value.current_version == 1
    assert exc.value.updated_by == manager
    item.refresh_from_db()
    assert (item.minutes, item.version) == ("Tekst van de voorzitter", 1)


def test_saving_the_stored_text_again_is_no_conflict(item, attendee, manager):
    minutes_save(actor=manager, item=item, text="Zelfde tekst", version=0)
    saved = minutes_save(actor=attendee, item=item, text="Zelfde tekst", version=0)
    assert saved.version == 1


def test_only_attendees_and_managers_write_minutes(item, bystander, outsider):
    for user in (bystander, outsider):
        with pytest.raises(PermissionDenied):
            minutes_save(actor=user, item=item, text="Niet van mij", version=0)
        with pytest.raises(PermissionDenied):
            decision_add(actor=user, item=item, text="Besluit")
    item.refresh_from_db()
    assert item.minutes == "" and not Decision.objects.exists()


def test_too_long_minutes_are_refused(item, attendee):
    with pytest.raises(ValidationError):
        minutes_save(actor=attendee, item=item, text="x" * 20001, version=0)


def test_decisions_are_added_and_deleted(item, attendee):
    decision = decision_add(actor=attendee, item=item, text="  We bestellen vooraf.  ")
    assert decision.text == "We bestellen vooraf." and decision.created_by == attendee
    with pytest.raises(ValidationError):
        decision_add(actor=attendee, item=item, text="   ")
    decision_delete(actor=attendee, decision=decision)
    assert not Decision.objects.exists()


def test_an_action_is_a_draft_of_the_meeting_and_the_items_initiative(item, attendee, bystander):
    action = meeting_action_add(
        actor=attendee, item=item, title="Lijst maken", owner=bystander, due_date=date(2030, 4, 1)
    )
    assert action.status == ActionItem.Status.DRAFT
    assert (action.meeting, action.agenda_item, action.initiative) == (
        item.meeting,
        item,
        item.initiative,
    )
    assert action.owner == bystander  # a member of an attending organisation may own it
    meeting_action_delete(actor=attendee, action=action)
    assert not ActionItem.objects.exists()


def test_an_action_owner_must_attend_or_belong_to_an_attending_organisation(
    item, attendee, outsider
):
    with pytest.raises(ValidationError) as exc:
        meeting_action_add(actor=attendee, item=item, title="Iets", owner=outsider)
    assert "owner" in exc.value.message_dict
    assert not ActionItem.objects.exists()


# --- Views: saving as you type ---------------------------------------------------------------


def test_autosave_answers_with_the_time_and_the_new_version(client, item, attendee):
    client.force_login(attendee)
    response = client.post(_save_url(item), {"text": "Getypt", "version": 0}, **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Opgeslagen om" in body
    assert 'name="version" value="1"' in body
    assert "<textarea" not in body  # what is being typed is never replaced
    item.refresh_from_db()
    assert item.minutes == "Getypt"


def test_autosave_conflict_shows_the_stored_text_and_keeps_the_stale_version(
    client, item, attendee, manager
):
    minutes_save(actor=manager, item=item, text="Versie van de voorzitter", version=0)
    client.force_login(attendee)
    response = client.post(_save_url(item), {"text": "Mijn versie", "version": 0}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Iemand anders heeft dit verslag intussen gewijzigd." in body
    assert "Versie van de voorzitter" in body
    assert 'name="version" value="0"' in body  # further typing conflicts again, never overwrites
    assert 'name="overwrite" value="1"' in body
    assert "Marit Oosterloo" in body
    item.refresh_from_db()
    assert item.minutes == "Versie van de voorzitter"


def test_typing_while_a_conflict_is_shown_saves_nothing(client, item, attendee, manager):
    minutes_save(actor=manager, item=item, text="Versie van de voorzitter", version=0)
    client.force_login(attendee)
    response = client.post(
        _save_url(item),
        {"text": "Mijn versie", "version": 0, "in_conflict": "1"},
        HTTP_HX_TRIGGER=f"minutes-text-{item.pk}",
        **HX,
    )
    assert response.status_code == 204
    item.refresh_from_db()
    assert item.minutes == "Versie van de voorzitter"


def test_keeping_my_text_after_a_conflict_replaces_the_version_seen(
    client, item, attendee, manager
):
    minutes_save(actor=manager, item=item, text="Versie van de voorzitter", version=0)
    client.force_login(attendee)
    response = client.post(
        _save_url(item), {"text": "Mijn versie", "version": 0, "overwrite": 1}, **HX
    )
    assert 'name="version" value="2"' in response.content.decode()
    item.refresh_from_db()
    assert (item.minutes, item.version) == ("Mijn versie", 2)


def test_taking_over_the_stored_version_reloads_the_editor(client, item, attendee, manager):
    minutes_save(actor=manager, item=item, text="Versie van de voorzitter", version=0)
    client.force_login(attendee)
    response = client.post(
        _save_url(item), {"text": "Mijn versie", "version": 0, "reload": "on"}, **HX
    )
    body = response.content.decode()
    assert f'id="minutes-{item.pk}"' in body
    assert ">Versie van de voorzitter</textarea>" in body
    assert 'name="version" value="1"' in body


def test_without_javascript_save_returns_to_the_meeting(client, item, attendee):
    client.force_login(attendee)
    response = client.post(_save_url(item), {"text": "Zonder JS", "version": 0})
    assert response.status_code == 302
    assert response["Location"].endswith(f"{item.meeting.get_absolute_url()}#minutes-{item.pk}")
    item.refresh_from_db()
    assert item.minutes == "Zonder JS"


def test_without_javascript_a_conflict_shows_both_texts_and_keeps_the_input(
    client, item, attendee, manager
):
    minutes_save(actor=manager, item=item, text="Versie van de voorzitter", version=0)
    client.force_login(attendee)
    response = client.post(_save_url(item), {"text": "Mijn versie", "version": 0})
    body = response.content.decode()
    assert response.status_code == 200
    assert ">Mijn versie</textarea>" in body
    assert "Versie van de voorzitter" in body
    item.refresh_from_db()
    assert item.minutes == "Versie van de voorzitter"


@pytest.mark.parametrize("who", ["outsider", "bystander"])
def test_outsiders_and_non_attendees_get_404_on_every_write(client, request, item, attendee, who):
    decision = decision_add(actor=attendee, item=item, text="Staat vast")
    action = meeting_action_add(actor=attendee, item=item, title="Blijft staan")
    client.force_login(request.getfixturevalue(who))
    posts = [
        (_save_url(item), {"text": "Ingebroken", "version": 0}),
        (reverse("initiatives:decision_add", args=[item.pk]), {"text": "Ingebroken"}),
        (reverse("initiatives:decision_delete", args=[item.pk, decision.pk]), {}),
        (reverse("initiatives:meeting_action_add", args=[item.pk]), {"title": "Ingebroken"}),
        (reverse("initiatives:meeting_action_delete", args=[item.pk, action.pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
        assert client.post(url, data, **HX).status_code == 404, url
    item.refresh_from_db()
    assert item.minutes == ""
    assert list(Decision.objects.values_list("text", flat=True)) == ["Staat vast"]
    assert list(ActionItem.objects.values_list("title", flat=True)) == ["Blijft staan"]


# --- Views: decisions and actions ------------------------------------------------------------


def test_decision_added_inline_comes_back_in_the_items_outcomes(client, item, attendee):
    client.force_login(attendee)
    url = reverse("initiatives:decision_add", args=[item.pk])
    response = client.post(url, {"text": "Voorraad centraal beheren"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="outcomes-{item.pk}"' in body and "Voorraad centraal beheren" in body
    assert Decision.objects.get().agenda_item == item


def test_an_empty_decision_shows_the_error_next_to_the_field(client, item, attendee):
    client.force_login(attendee)
    response = client.post(reverse("initiatives:decision_add", args=[item.pk]), {"text": ""}, **HX)
    assert "Schrijf het besluit op." in response.content.decode()
    assert not Decision.objects.exists()


def test_action_added_inline_with_owner_and_due_date(client, item, attendee, english_attendee):
    client.force_login(attendee)
    response = client.post(
        reverse("initiatives:meeting_action_add", args=[item.pk]),
        {"title": "Offerte opvragen", "owner": english_attendee.pk, "due_date": "2030-04-01"},
        **HX,
    )
    assert response.status_code == 200
    action = ActionItem.objects.get()
    assert (action.title, action.owner, action.due_date, action.status) == (
        "Offerte opvragen",
        english_attendee,
        date(2030, 4, 1),
        ActionItem.Status.DRAFT,
    )
    assert "Offerte opvragen" in response.content.decode()


def test_an_owner_outside_the_meeting_is_refused_and_the_input_kept(
    client, item, attendee, outsider
):
    client.force_login(attendee)
    response = client.post(
        reverse("initiatives:meeting_action_add", args=[item.pk]),
        {"title": "Iets regelen", "owner": outsider.pk},
        **HX,
    )
    body = response.content.decode()
    assert "Kies een eigenaar uit de lijst." in body
    assert 'value="Iets regelen"' in body
    assert not ActionItem.objects.exists()


# --- The partial on the meeting page ---------------------------------------------------------


def _render_partial(user: User, item: AgendaItem) -> str:
    context = minutes_context(user=user, meeting=item.meeting)
    return render_to_string(
        "initiatives/werkgroep/_minutes.html", {**context, "item": item, "meeting": item.meeting}
    )


def test_writers_get_the_editor_and_others_read_the_text(item, attendee, bystander):
    minutes_save(actor=attendee, item=item, text="Regel één\n\nRegel twee", version=0)
    item.refresh_from_db()
    editor = _render_partial(attendee, item)
    assert 'hx-trigger="input changed delay:1s, blur"' in editor
    assert 'name="version" value="1"' in editor
    assert "Fenna Kortenhoeve" in editor  # the owner choices list the attendees
    reader = _render_partial(bystander, item)
    assert "<textarea" not in reader and "<p>Regel één</p>" in reader


def test_minutes_context_runs_a_fixed_number_of_queries(
    item, attendee, bystander, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        context = minutes_context(user=attendee, meeting=item.meeting)
    assert context["can_edit_minutes"] is True
    # Three attendees, and the company member who did not attend.
    assert {owner for owner, _label in context["minutes_owner_options"]} == {
        *item.meeting.attendees.all(),
        bystander,
    }


def test_chatham_house_minutes_name_nobody_but_action_owners(
    client, item, attendee, manager, english_attendee
):
    Meeting.objects.filter(pk=item.meeting_id).update(chatham_house=True)
    item.meeting.refresh_from_db()
    minutes_save(actor=manager, item=item, text="Er werd gezegd dat het kan.", version=0)
    decision_add(actor=manager, item=item, text="Het kan.")
    meeting_action_add(actor=manager, item=item, title="Uitzoeken", owner=english_attendee)
    # A conflict answer would normally say who saved last; under Chatham House it does not.
    client.force_login(attendee)
    body = client.post(_save_url(item), {"text": "Anders", "version": 0}, **HX).content.decode()
    assert "Er werd gezegd dat het kan." in body
    assert "Marit" not in body and "Oosterloo" not in body
    item = AgendaItem.objects.prefetch_related("decisions", "actions__owner").get(pk=item.pk)
    page = _render_partial(attendee, item).replace(
        # The owner picker of the action form lists people: that is a form, not the minutes.
        _render_partial(attendee, item).split("<select", 1)[1].split("</select>", 1)[0],
        "",
    )
    assert "Chatham House Rule: uitspraken zonder naam" in page
    assert "Ruben Zandvliet" in page  # the owner of an action (a task, not a statement)
    for name in ("Oosterloo", "Kortenhoeve"):
        assert name not in page
