"""Pages of the Samenwerkingsmonitor: who reaches them, answering, results and the export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives.models import PulseForm, PulseInvitation, PulseResponse, PulseRound
from partners.models import TLP
from tests.factories import InitiativeFactory, ParticipationFactory, PulseRoundFactory

from .test_pulse import DEF, IND, MGT, WRK, invite, respond

pytestmark = pytest.mark.django_db

PM_ONLY = ("pulse_results", "pulse_export")


def url(name, round_=None):
    return reverse(f"initiatives:{name}", kwargs={"pk": round_.pk} if round_ else None)


def answer_data(**extra):
    data = {"org_kind": IND, "level": WRK, "U1": "4", "R1": "nvt", "open_answer": "Meer tijd"}
    data.update(extra)
    return data


def csv_rows(response):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- Only programme managers ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_non_managers_get_404_on_every_manager_page(client, request, who):
    round_ = PulseRoundFactory()
    respond(round_, 6)
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("pulse_list")).status_code == 404
    assert client.get(url("pulse_open")).status_code == 404
    assert client.post(url("pulse_open"), {"title": "x"}).status_code == 404
    for name in PM_ONLY:
        assert client.get(url(name, round_)).status_code == 404
    assert client.post(url("pulse_close", round_)).status_code == 404
    round_.refresh_from_db()
    assert round_.closed_at is None
    assert PulseRound.objects.count() == 1


def test_manager_lists_rounds_with_counts(client, programme_manager):
    round_ = PulseRoundFactory(title="Najaarsronde")
    respond(round_, 3)
    client.force_login(programme_manager)
    response = client.get(url("pulse_list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Najaarsronde" in body
    assert "3 van 0" in body


def count_queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_round_list_takes_the_same_queries_for_1_and_25_rounds(client, programme_manager):
    client.force_login(programme_manager)
    respond(PulseRoundFactory(), 2)
    client.get(url("pulse_list"))  # warm up
    one = count_queries(client, url("pulse_list"))
    for _ in range(24):
        respond(PulseRoundFactory(initiative=None), 2)
    assert count_queries(client, url("pulse_list")) == one


def test_manager_cannot_see_round_about_an_initiative_they_cannot_see(
    client, programme_manager, company
):
    hidden = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER, title="Geheim plan")
    round_ = PulseRoundFactory(initiative=hidden, title="Ronde over geheim plan")
    respond(round_, 6)
    client.force_login(programme_manager)
    for name in PM_ONLY:
        assert client.get(url(name, round_)).status_code == 404
    assert client.post(url("pulse_close", round_)).status_code == 404
    assert "Ronde over geheim plan" not in client.get(url("pulse_list")).content.decode()


# --- Opening a round ------------------------------------------------------------------------


def open_data(**extra):
    data = {
        "title": "Samenwerkingsmonitor najaar",
        "questionnaire": PulseForm.FULL,
        "closes_on": (timezone.localdate() + timedelta(days=10)).isoformat(),
    }
    data.update(extra)
    return data


def test_manager_opens_a_network_round(client, programme_manager, member):
    client.force_login(programme_manager)
    assert client.get(url("pulse_open")).status_code == 200
    response = client.post(url("pulse_open"), open_data())
    round_ = PulseRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == round_.get_absolute_url()
    assert round_.opened_by == programme_manager
    assert round_.closes_at.date() >= timezone.localdate() + timedelta(days=9)
    assert PulseInvitation.objects.filter(round=round_, user=member).exists()


def test_opening_through_htmx_redirects_with_hx_redirect(client, programme_manager, member):
    client.force_login(programme_manager)
    response = client.post(url("pulse_open"), open_data(), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response["HX-Redirect"] == PulseRound.objects.get().get_absolute_url()


def test_invalid_open_form_is_shown_again_with_the_input(client, programme_manager):
    client.force_login(programme_manager)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(
        url("pulse_open"),
        open_data(title="Mijn titel", closes_on=yesterday),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Kies vandaag of een latere dag." in body
    assert 'value="Mijn titel"' in body
    assert "<html" not in body  # only the form partial
    assert not PulseRound.objects.exists()


def test_manager_opens_a_round_about_a_visible_initiative(
    client, programme_manager, lmi_cell, member, company
):
    initiative = InitiativeFactory(owner_organisation=lmi_cell, tlp=TLP.AMBER)
    ParticipationFactory(initiative=initiative, organisation=company)
    client.force_login(programme_manager)
    page = client.get(url("pulse_open"), {"initiative": initiative.pk})
    assert page.status_code == 200
    body = page.content.decode()
    assert re.search(r'value="short"[^>]*checked', body)  # closing an initiative: short form
    assert re.search(rf'<option value="{initiative.pk}" selected>', body)
    client.post(
        url("pulse_open"), open_data(questionnaire=PulseForm.SHORT, initiative=initiative.pk)
    )
    round_ = PulseRound.objects.get()
    assert round_.initiative == initiative
    assert PulseInvitation.objects.filter(round=round_, user=member).exists()


def test_manager_cannot_open_a_round_about_an_amber_initiative_they_cannot_see(
    client, programme_manager, company
):
    hidden = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER)
    client.force_login(programme_manager)
    assert client.get(url("pulse_open"), {"initiative": hidden.pk}).status_code == 404
    assert client.get(url("pulse_open"), {"initiative": "abc"}).status_code == 404
    response = client.post(url("pulse_open"), open_data(initiative=hidden.pk))
    assert response.status_code == 404
    assert not PulseRound.objects.exists()
    assert not PulseInvitation.objects.exists()


def test_manager_closes_a_round(client, programme_manager):
    round_ = PulseRoundFactory()
    client.force_login(programme_manager)
    response = client.post(url("pulse_close", round_))
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.closed_at is not None


# --- Results --------------------------------------------------------------------------------


def test_four_responses_show_only_the_too_few_message(client, programme_manager):
    round_ = PulseRoundFactory()
    respond(round_, 4, answers={"U1": 5, "R1": 1}, open_answer="Een geheim idee")
    client.force_login(programme_manager)
    body = client.get(url("pulse_results", round_)).content.decode()
    assert "Nog te weinig antwoorden (minimaal 5) om uitkomsten te tonen." in body
    assert "5,00" not in body and "1,00" not in body  # no factor means
    assert "Urgentie" not in body and "Een geheim idee" not in body
    assert "4 antwoorden van 0 uitgenodigden" in body


def test_five_responses_show_results(client, programme_manager):
    round_ = PulseRoundFactory()
    respond(round_, 5, answers={"U1": 5, "R1": 1}, open_answer="Een goed idee")
    client.force_login(programme_manager)
    body = client.get(url("pulse_results", round_)).content.decode()
    assert "te weinig" not in body
    assert "Urgentie" in body and "5,00" in body
    assert "Middelen" in body and "1,00" in body
    assert "aandachtspunt" in body  # middelen is flagged in text, not only by colour
    assert "Een goed idee" in body
    assert "bg-danger-subtle" in body
    assert "style=" not in body


def test_heat_map_cell_with_four_respondents_shows_a_dash(client, programme_manager):
    round_ = PulseRoundFactory()
    respond(round_, 10, org_kind=IND, level=WRK, answers={"U1": 4})
    respond(round_, 10, org_kind=DEF, level=WRK, answers={"U1": 2})
    respond(round_, 4, org_kind=DEF, level=MGT, answers={"U1": 1})
    respond(round_, 5, org_kind=IND, level=MGT, answers={"U1": 3})
    client.force_login(programme_manager)
    body = client.get(url("pulse_results", round_)).content.decode()
    assert "minder dan 5 antwoorden" in body
    assert "—" in body
    assert "n = 10" in body


def test_results_take_the_same_queries_for_5_and_500_responses(client, programme_manager):
    client.force_login(programme_manager)
    small, large = PulseRoundFactory(), PulseRoundFactory()
    respond(small, 5)
    respond(large, 500, org_kind=DEF, answers={"U1": 3, "S5": 4, "V1": 2})
    client.get(url("pulse_results", small))
    assert count_queries(client, url("pulse_results", small)) == count_queries(
        client, url("pulse_results", large)
    )


def test_export_has_aggregates_and_no_rows_per_response(client, programme_manager):
    round_ = PulseRoundFactory()
    respond(round_, 10, org_kind=IND, level=WRK, answers={"U1": 4}, open_answer="persoonlijk")
    respond(round_, 10, org_kind=DEF, level=WRK, answers={"U1": 2})
    respond(round_, 3, org_kind=DEF, level=MGT, answers={"U1": 5})
    client.force_login(programme_manager)
    response = client.get(url("pulse_export", round_))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    text = "\n".join(",".join(r) for r in rows)
    assert "persoonlijk" not in text
    groups = {r[1] for r in rows[1:] if r[0] == "groep"}
    assert "Industrie · Uitvoerend niveau" in groups
    assert not any("Management" in g for g in groups)  # three managers: never broken out
    before = len(rows)
    respond(round_, 50, org_kind=IND, level=WRK)
    assert len(csv_rows(client.get(url("pulse_export", round_)))) == before


def test_export_below_five_has_no_results(client, programme_manager):
    round_ = PulseRoundFactory()
    respond(round_, 4, answers={"U1": 5})
    client.force_login(programme_manager)
    rows = csv_rows(client.get(url("pulse_export", round_)))
    assert not any(r[0] in ("factor", "stelling", "groep") for r in rows[1:])


# --- Answering ------------------------------------------------------------------------------


def test_invited_member_sees_the_answer_form_with_a_suggested_kind(client, member):
    round_ = PulseRoundFactory(title="Najaarsronde")
    invite(round_, member)
    client.force_login(member)
    response = client.get(url("pulse_answer", round_))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("<fieldset") == 2 + 28
    assert body.count('class="btn-check"') == 3 + 2 + 28 * 6
    assert 'value="industry" required checked' in body  # DDVS is an OEM
    assert "Wat zou de samenwerking binnen LMI het meest verbeteren?" in body
    assert "style=" not in body and "onclick" not in body


def test_short_form_asks_eight_statements_and_two_open_questions(client, member):
    round_ = PulseRoundFactory(form=PulseForm.SHORT)
    invite(round_, member)
    client.force_login(member)
    body = client.get(url("pulse_answer", round_)).content.decode()
    assert body.count("<fieldset") == 2 + 8
    assert "Eén ding dat goed werkte" in body and "Eén ding dat anders moet" in body


def test_not_invited_gets_404(client, member, outsider):
    round_ = PulseRoundFactory()
    invite(round_, member)
    client.force_login(outsider)
    assert client.get(url("pulse_answer", round_)).status_code == 404
    assert client.post(url("pulse_answer", round_), answer_data()).status_code == 404
    assert client.get(url("pulse_thanks", round_)).status_code == 404
    assert not PulseResponse.objects.exists()


def test_invited_outsider_to_a_round_about_an_amber_initiative_they_cannot_see_gets_404(
    client, outsider, company
):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER)
    round_ = PulseRoundFactory(initiative=initiative, form=PulseForm.SHORT)
    invitation = invite(round_, outsider)  # e.g. their organisation has since left
    client.force_login(outsider)
    assert client.get(url("pulse_answer", round_)).status_code == 404
    response = client.post(url("pulse_answer", round_), answer_data(U1="", E2="4"))
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.answered is False
    assert not PulseResponse.objects.exists()


def test_answering_saves_and_thanks(client, member):
    round_ = PulseRoundFactory()
    invitation = invite(round_, member)
    client.force_login(member)
    response = client.post(url("pulse_answer", round_), answer_data())
    assert response.status_code == 302
    assert response["Location"] == url("pulse_thanks", round_)
    saved = PulseResponse.objects.get()
    assert saved.answers == {"U1": 4, "R1": None}
    assert saved.open_answer == "Meer tijd"
    invitation.refresh_from_db()
    assert invitation.answered
    thanks = client.get(response["Location"]).content.decode()
    assert "Dank u wel" in thanks and "werkgroep" in thanks


def test_answering_through_htmx_redirects_with_hx_redirect(client, member):
    round_ = PulseRoundFactory()
    invite(round_, member)
    client.force_login(member)
    response = client.post(
        url("pulse_answer", round_), answer_data(), headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == url("pulse_thanks", round_)
    assert PulseResponse.objects.count() == 1


def test_second_submit_says_already_answered(client, member):
    round_ = PulseRoundFactory()
    invite(round_, member)
    client.force_login(member)
    client.post(url("pulse_answer", round_), answer_data())
    response = client.post(url("pulse_answer", round_), answer_data(U1="1"))
    assert response.status_code == 200
    assert "U hebt deze ronde al ingevuld." in response.content.decode()
    assert PulseResponse.objects.count() == 1
    assert PulseResponse.objects.get().answers["U1"] == 4


def test_second_htmx_submit_reloads_the_page_that_says_already_answered(client, member):
    round_ = PulseRoundFactory()
    invite(round_, member)
    client.force_login(member)
    client.post(url("pulse_answer", round_), answer_data())
    response = client.post(
        url("pulse_answer", round_), answer_data(), headers={"HX-Request": "true"}
    )
    assert response["HX-Redirect"] == url("pulse_answer", round_)
    assert PulseResponse.objects.count() == 1
    assert "U hebt deze ronde al ingevuld." in client.get(response["HX-Redirect"]).content.decode()


def test_closed_round_refuses_answers(client, member):
    round_ = PulseRoundFactory(closed_at=timezone.now())
    invitation = invite(round_, member)
    client.force_login(member)
    page = client.get(url("pulse_answer", round_)).content.decode()
    assert "Deze ronde is gesloten" in page
    client.post(url("pulse_answer", round_), answer_data())
    assert not PulseResponse.objects.exists()
    invitation.refresh_from_db()
    assert not invitation.answered


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (answer_data(U1="7"), "Kies bij deze stelling 1 tot en met 5, of n.v.t."),
        (answer_data(ZZ="3"), "onbekende antwoorden (ZZ)"),
        (answer_data(org_kind=""), "Kies voor welk soort organisatie u werkt."),
        ({"U1": "3"}, "Kies op welk niveau u werkt."),
    ],
)
def test_garbage_shows_a_clear_error_keeps_input_and_saves_nothing(client, member, data, message):
    round_ = PulseRoundFactory()
    invitation = invite(round_, member)
    client.force_login(member)
    response = client.post(url("pulse_answer", round_), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert "Er is nog niets opgeslagen." in body
    if data.get("open_answer"):
        assert "Meer tijd" in body  # the input is kept
    assert not PulseResponse.objects.exists()
    invitation.refresh_from_db()
    assert not invitation.answered


def test_invalid_htmx_answer_returns_the_form_partial(client, member):
    round_ = PulseRoundFactory()
    invite(round_, member)
    client.force_login(member)
    response = client.post(
        url("pulse_answer", round_), answer_data(level=""), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="pulse-answer-form"')
    assert 'value="industry" required checked' in body


def test_manager_can_answer_from_the_results_page(client, programme_manager):
    round_ = PulseRoundFactory()
    invite(round_, programme_manager)
    client.force_login(programme_manager)
    body = client.get(url("pulse_results", round_)).content.decode()
    assert url("pulse_answer", round_) in body
    client.post(url("pulse_answer", round_), answer_data(org_kind=DEF, level=MGT))
    body = client.get(url("pulse_results", round_)).content.decode()
    assert url("pulse_answer", round_) not in body
