"""The Samenwerkingsmonitor: anonymity, opening and answering rounds, and aggregated results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404
from django.utils import timezone

from initiatives.demo_pulse import (
    AUTUMN_TITLE,
    NOT_YET_ANSWERED,
    SCALE_TITLE,
    SPRING_TITLE,
    seed_demo_pulse,
    seed_scale_pulse,
)
from initiatives.models import PulseForm, PulseInvitation, PulseResponse, PulseRound
from initiatives.pulse_items import (
    FACTORS,
    SHORT_FORM_IDS,
    STATEMENTS,
    factors_for,
    level_for,
    statements_for,
)
from initiatives.selectors.pulse import (
    _suppress,
    pulse_export_rows,
    pulse_org_kind_suggestion,
    pulse_results,
)
from initiatives.services.pulse import (
    pulse_answer_submit,
    pulse_round_close,
    pulse_round_open,
)
from lmi_portal.core.models import Notification, OutboxEmail
from partners.models import TLP, Membership, Organisation, User
from tests.factories import (
    InitiativeFactory,
    MembershipFactory,
    OrganisationFactory,
    ParticipationFactory,
    PulseRoundFactory,
    UserFactory,
    member_of,
)

pytestmark = pytest.mark.django_db

DEF, IND, OTH = (
    PulseResponse.OrgKind.DEFENCE,
    PulseResponse.OrgKind.INDUSTRY,
    PulseResponse.OrgKind.OTHER,
)
MGT, WRK = PulseResponse.Level.MANAGEMENT, PulseResponse.Level.WORKING


def respond(round_, n, *, org_kind=IND, level=WRK, answers=None, **texts):
    """n anonymous responses, written directly (the service is tested separately)."""
    PulseResponse.objects.bulk_create(
        [
            PulseResponse(
                round=round_,
                org_kind=org_kind,
                level=level,
                answers=dict(answers if answers is not None else {"U1": 4, "R1": 2}),
                **texts,
            )
            for _ in range(n)
        ]
    )


def invite(round_, user, answered=False):
    return PulseInvitation.objects.create(round=round_, user=user, answered=answered)


# --- The questionnaire as data --------------------------------------------------------------


def test_questionnaire_has_28_statements_and_an_8_item_short_form():
    assert len(STATEMENTS) == 28
    assert len({s.id for s in STATEMENTS}) == 28
    assert [s.id for s in statements_for(PulseForm.SHORT)] == list(SHORT_FORM_IDS)
    assert {s.factor for s in STATEMENTS} == {f.code for f in FACTORS}
    assert [f.code for f in factors_for(PulseForm.SHORT)] == [
        "verwachtingen",
        "leiderschap",
        "middelen",
        "werkwijze",
        "evaluatie",
    ]


@pytest.mark.parametrize(
    ("mean", "label"),
    [
        (1.0, "laag"),
        (1.79, "laag"),
        (1.8, "laag tot gedeeltelijk"),
        (2.59, "laag tot gedeeltelijk"),
        (2.6, "gedeeltelijk"),
        (3.39, "gedeeltelijk"),
        (3.4, "gedeeltelijk tot hoog"),
        (4.19, "gedeeltelijk tot hoog"),
        (4.2, "hoog"),
        (5.0, "hoog"),
    ],
)
def test_level_mapping_boundaries(mean, label):
    assert str(level_for(mean).label) == label


def test_only_the_two_lowest_levels_are_flagged():
    assert level_for(2.59).is_low
    assert not level_for(2.6).is_low


# --- Anonymity is structural ----------------------------------------------------------------


def test_a_response_references_no_user_and_no_time():
    user_model = get_user_model()
    for field in PulseResponse._meta.get_fields():
        assert not isinstance(field, models.DateTimeField | models.DateField), field.name
        if field.is_relation:
            assert field.related_model is not user_model, field.name
            # Its only link is to the round, which itself knows no respondent.
            assert field.related_model is PulseRound, field.name


def test_an_invitation_cannot_be_joined_to_a_response_nor_timed():
    for field in PulseInvitation._meta.get_fields():
        assert not isinstance(field, models.DateTimeField | models.DateField), field.name
        if field.is_relation:
            assert field.related_model is not PulseResponse, field.name
    assert {f.name for f in PulseInvitation._meta.concrete_fields} == {
        "id",
        "round",
        "user",
        "answered",
    }


def test_answering_writes_no_audit_row_or_notification_about_the_respondent(member):
    from lmi_portal.core.models import AuditEvent

    round_ = PulseRoundFactory()
    invite(round_, member)
    before = (AuditEvent.objects.count(), Notification.objects.count())
    pulse_answer_submit(user=member, round=round_, org_kind=IND, level=WRK, answers={"U1": 3})
    assert (AuditEvent.objects.count(), Notification.objects.count()) == before
    assert not AuditEvent.objects.filter(actor=member).exists()


# --- Opening a round ------------------------------------------------------------------------


def closes():
    return timezone.now() + timedelta(days=14)


def test_network_round_invites_every_active_member_once(
    programme_manager, member, outsider, company, django_capture_on_commit_callbacks, mailoutbox
):
    suspended_org = OrganisationFactory(suspended=True)
    left_behind = member_of(suspended_org)
    inactive = member_of(company, is_active=False)
    ended = UserFactory()
    MembershipFactory(
        user=ended,
        organisation=company,
        start_date=timezone.localdate() - timedelta(days=30),
        end_date=timezone.localdate() - timedelta(days=1),
    )
    with django_capture_on_commit_callbacks(execute=True):
        round_ = pulse_round_open(
            actor=programme_manager, title="Najaar", form=PulseForm.FULL, closes_at=closes()
        )
    invited = set(round_.invitations.values_list("user_id", flat=True))
    assert invited == {programme_manager.pk, member.pk, outsider.pk}
    assert left_behind.pk not in invited and inactive.pk not in invited and ended.pk not in invited
    # In-app and by email, but the manager is not told about their own round.
    notified = set(
        Notification.objects.filter(verb="pulse.invited").values_list("recipient_id", flat=True)
    )
    assert notified == {member.pk, outsider.pk}
    note = Notification.objects.get(recipient=member)
    assert note.url == f"/initiatieven/monitor/{round_.pk}/antwoorden/"
    assert "Najaar" in note.text
    assert sorted(m.to[0] for m in mailoutbox) == sorted([member.email, outsider.email])
    assert note.url in mailoutbox[0].body
    assert OutboxEmail.objects.filter(idempotency_key=f"pulse-invite:{round_.pk}:{member.pk}")


def test_invitation_email_is_in_the_recipients_language(programme_manager, company):
    english = member_of(company, language="en")
    round_ = pulse_round_open(
        actor=programme_manager, title="Round", form=PulseForm.SHORT, closes_at=closes()
    )
    email = OutboxEmail.objects.get(idempotency_key=f"pulse-invite:{round_.pk}:{english.pk}")
    assert email.language == "en"
    assert f"/initiatieven/monitor/{round_.pk}/antwoorden/" in email.body_text


def test_network_round_can_be_limited_to_organisations(
    programme_manager, member, outsider, company
):
    round_ = pulse_round_open(
        actor=programme_manager,
        title="Alleen DDVS",
        form=PulseForm.FULL,
        closes_at=closes(),
        organisations=[company],
    )
    assert set(round_.invitations.values_list("user_id", flat=True)) == {member.pk}


def test_only_programme_managers_open_rounds(member):
    with pytest.raises(PermissionDenied):
        pulse_round_open(actor=member, title="X", form=PulseForm.FULL, closes_at=closes())
    assert not PulseRound.objects.exists()


def test_a_round_needs_a_future_closing_time(programme_manager, member):
    with pytest.raises(ValidationError):
        pulse_round_open(
            actor=programme_manager,
            title="Te laat",
            form=PulseForm.FULL,
            closes_at=timezone.now() - timedelta(minutes=1),
        )
    assert not PulseRound.objects.exists()


def test_initiative_round_invites_owner_and_participants_who_can_see_it(
    programme_manager, member, outsider, company, competitor, lmi_cell
):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER)
    ParticipationFactory(initiative=initiative, organisation=lmi_cell)
    round_ = pulse_round_open(
        actor=programme_manager,
        title="Na afsluiting",
        form=PulseForm.SHORT,
        closes_at=closes(),
        initiative=initiative,
    )
    assert set(round_.invitations.values_list("user_id", flat=True)) == {
        member.pk,
        programme_manager.pk,
    }
    assert round_.initiative == initiative
    assert Notification.objects.get(recipient=member).target_id == initiative.pk


def test_amber_strict_initiative_round_leaves_out_participants_who_cannot_see_it(
    programme_manager, lmi_cell, competitor
):
    initiative = InitiativeFactory(owner_organisation=lmi_cell, tlp=TLP.AMBER_STRICT)
    ParticipationFactory(initiative=initiative, organisation=competitor)
    colleague = member_of(lmi_cell)
    competitor_member = member_of(competitor)
    round_ = pulse_round_open(
        actor=programme_manager,
        title="Streng",
        form=PulseForm.SHORT,
        closes_at=closes(),
        initiative=initiative,
    )
    invited = set(round_.invitations.values_list("user_id", flat=True))
    assert invited == {programme_manager.pk, colleague.pk}
    assert competitor_member.pk not in invited


def test_pm_who_cannot_see_an_amber_initiative_cannot_open_a_round_for_it(
    programme_manager, member, company
):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER)
    with pytest.raises(Http404):
        pulse_round_open(
            actor=programme_manager,
            title="Verboden",
            form=PulseForm.SHORT,
            closes_at=closes(),
            initiative=initiative,
        )
    assert not PulseRound.objects.exists()
    assert not PulseInvitation.objects.exists()


def test_organisations_and_initiative_together_are_refused(programme_manager, company, lmi_cell):
    initiative = InitiativeFactory(owner_organisation=lmi_cell, tlp=TLP.GREEN)
    with pytest.raises(ValidationError):
        pulse_round_open(
            actor=programme_manager,
            title="Allebei",
            form=PulseForm.FULL,
            closes_at=closes(),
            initiative=initiative,
            organisations=[company],
        )


def test_closing_is_for_programme_managers_and_idempotent(programme_manager, member):
    round_ = PulseRoundFactory()
    with pytest.raises(PermissionDenied):
        pulse_round_close(actor=member, round=round_)
    round_.refresh_from_db()
    assert round_.closed_at is None
    pulse_round_close(actor=programme_manager, round=round_)
    first = PulseRound.objects.get(pk=round_.pk).closed_at
    assert first is not None
    pulse_round_close(actor=programme_manager, round=round_)
    assert PulseRound.objects.get(pk=round_.pk).closed_at == first
    assert not PulseRound.objects.get(pk=round_.pk).is_open


# --- Answering ------------------------------------------------------------------------------


def test_answering_stores_an_anonymous_response_and_marks_the_invitation(member):
    round_ = PulseRoundFactory()
    invitation = invite(round_, member)
    pulse_answer_submit(
        user=member,
        round=round_,
        org_kind=IND,
        level=WRK,
        answers={"U1": 5, "R2": None},
        open_answer="  Meer tijd.  ",
    )
    response = PulseResponse.objects.get()
    assert response.answers == {"U1": 5, "R2": None}
    assert (response.org_kind, response.level, response.open_answer) == (IND, WRK, "Meer tijd.")
    invitation.refresh_from_db()
    assert invitation.answered is True


def test_answering_twice_is_refused(member):
    round_ = PulseRoundFactory()
    invite(round_, member)
    pulse_answer_submit(user=member, round=round_, org_kind=IND, level=WRK, answers={"U1": 4})
    with pytest.raises(ValidationError, match=r"U hebt deze ronde al ingevuld\."):
        pulse_answer_submit(user=member, round=round_, org_kind=IND, level=WRK, answers={"U1": 1})
    assert PulseResponse.objects.count() == 1


def test_a_user_who_is_not_invited_cannot_answer(member, outsider):
    round_ = PulseRoundFactory()
    invite(round_, member)
    with pytest.raises(Http404):
        pulse_answer_submit(user=outsider, round=round_, org_kind=IND, level=WRK, answers={})
    assert not PulseResponse.objects.exists()


@pytest.mark.parametrize("closed", ["closed_at", "closes_at"])
def test_a_closed_or_expired_round_refuses_answers(member, closed):
    round_ = PulseRoundFactory(**{closed: timezone.now() - timedelta(minutes=1)})
    invitation = invite(round_, member)
    with pytest.raises(ValidationError, match="gesloten"):
        pulse_answer_submit(user=member, round=round_, org_kind=IND, level=WRK, answers={"U1": 3})
    assert not PulseResponse.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered is False


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"answers": {"U1": 7}}, "ongeldig antwoord"),
        ({"answers": {"U1": 0}}, "ongeldig antwoord"),
        ({"answers": {"U1": "4"}}, "ongeldig antwoord"),
        ({"answers": {"U1": True}}, "ongeldig antwoord"),
        ({"answers": {"U1": 3.5}}, "ongeldig antwoord"),
        ({"answers": {"ZZ": 3}}, "Onbekende stelling"),
        ({"org_kind": ""}, "soort organisatie"),
        ({"org_kind": "navy"}, "soort organisatie"),
        ({"level": ""}, "niveau"),
        ({"open_answer": "x" * 2001}, "te lang"),
    ],
)
def test_garbage_is_refused_with_a_clear_error_and_nothing_is_saved(member, changes, message):
    round_ = PulseRoundFactory()
    invitation = invite(round_, member)
    kwargs = {"org_kind": IND, "level": WRK, "answers": {"U1": 3}, **changes}
    with pytest.raises(ValidationError, match=message):
        pulse_answer_submit(user=member, round=round_, **kwargs)
    assert not PulseResponse.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered is False


def test_the_short_form_accepts_only_its_eight_statements(member):
    round_ = PulseRoundFactory(form=PulseForm.SHORT)
    invite(round_, member)
    with pytest.raises(ValidationError, match="U1"):
        pulse_answer_submit(user=member, round=round_, org_kind=DEF, level=MGT, answers={"U1": 3})
    pulse_answer_submit(
        user=member,
        round=round_,
        org_kind=DEF,
        level=MGT,
        answers={"E2": 4, "V3": None},
        worked="De werkgroep",
        to_change="Eerder beginnen",
        open_answer="hoort bij de lange lijst",
    )
    response = PulseResponse.objects.get()
    assert (response.worked, response.to_change, response.open_answer) == (
        "De werkgroep",
        "Eerder beginnen",
        "",
    )


def test_leaving_every_statement_open_is_allowed(member):
    round_ = PulseRoundFactory()
    invite(round_, member)
    pulse_answer_submit(user=member, round=round_, org_kind=OTH, level=MGT, answers={})
    assert PulseResponse.objects.get().answers == {}


def test_org_kind_suggestion_follows_the_organisation_kind(member, programme_manager, company):
    assert pulse_org_kind_suggestion(user=member) == IND  # an OEM
    assert pulse_org_kind_suggestion(user=programme_manager) == DEF  # the LMI cell
    MembershipFactory(user=member, organisation=OrganisationFactory(kind="defence_unit"))
    from partners.access import forget_access_context

    forget_access_context(member)
    assert pulse_org_kind_suggestion(user=member) == ""  # mixed: no suggestion


def test_open_invitations_leave_out_answered_closed_and_invisible_rounds(
    member, company, competitor
):
    from initiatives.selectors.pulse import pulse_open_invitations

    open_round = PulseRoundFactory(title="Open")
    invite(open_round, member)
    invite(PulseRoundFactory(), member, answered=True)
    invite(PulseRoundFactory(closed_at=timezone.now()), member)
    invite(PulseRoundFactory(closes_at=timezone.now() - timedelta(hours=1)), member)
    hidden = InitiativeFactory(owner_organisation=competitor, tlp=TLP.AMBER)
    invite(PulseRoundFactory(initiative=hidden), member)
    own = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER)
    invite(PulseRoundFactory(initiative=own, title="Eigen"), member)
    titles = [i.round.title for i in pulse_open_invitations(user=member)]
    assert sorted(titles) == ["Eigen", "Open"]


# --- Results --------------------------------------------------------------------------------


def test_fewer_than_five_responses_show_nothing():
    round_ = PulseRoundFactory()
    respond(round_, 4, open_answer="geheim")
    results = pulse_results(round=round_)
    assert results.responses == 4
    assert results.enough is False
    assert results.factors == () and results.heat_rows == () and results.open_answers == ()


def test_five_responses_show_factor_and_statement_results():
    round_ = PulseRoundFactory()
    respond(round_, 3, answers={"U1": 5, "U2": 4, "R1": 1, "R2": None, "S5": 4})
    respond(round_, 2, answers={"U1": 2, "U2": 3, "R1": 2, "S5": 2}, open_answer="Meer tijd")
    results = pulse_results(round=round_)
    assert results.enough is True
    by_code = {f.factor.code: f for f in results.factors}
    # urgentie: (5+4)*3 + (2+3)*2 = 37 over 10 answers
    assert by_code["urgentie"].score.mean == 3.7
    assert by_code["urgentie"].score.n == 10
    assert str(by_code["urgentie"].score.level.label) == "gedeeltelijk tot hoog"
    # middelen: R1 1,1,1,2,2 (R2 n.v.t. is left out) = 7/5
    assert by_code["middelen"].score.mean == 1.4
    assert by_code["middelen"].score.is_low
    assert [f.factor.code for f in results.low_factors] == ["middelen"]
    r2 = next(s for s in by_code["middelen"].statements if s.statement.id == "R2")
    assert (r2.score.mean, r2.not_applicable, r2.share_agree) == (None, 3, None)
    u1 = next(s for s in by_code["urgentie"].statements if s.statement.id == "U1")
    assert u1.share_agree == 60
    baseline = {b.baseline.statement_id: b for b in results.baselines}
    assert baseline["S5"].share_now == 60
    assert baseline["S5"].difference == 60 - 23
    assert baseline["V1"].share_now is None
    assert results.open_answers == ("Meer tijd", "Meer tijd")


def test_heat_map_cell_with_four_respondents_is_hidden():
    round_ = PulseRoundFactory()
    respond(round_, 5, org_kind=IND, level=WRK)
    respond(round_, 5, org_kind=DEF, level=WRK)
    respond(round_, 4, org_kind=DEF, level=MGT)
    results = pulse_results(round=round_)
    groups = {g.key: g for g in results.heat_groups}
    assert groups["c:defence:management"].hidden == "small"
    assert groups["c:defence:management"].n == 4
    index = list(groups).index("c:defence:management")
    assert all(row.cells[index] is None for row in results.heat_rows)
    # Management as a whole is the same four people: hidden too.
    breakdown = {g.key: g for g in results.breakdown_groups}
    assert breakdown["l:management"].hidden == "small"


def test_a_small_group_cannot_be_worked_out_by_subtraction():
    round_ = PulseRoundFactory()
    respond(round_, 6, org_kind=IND, level=WRK)
    respond(round_, 3, org_kind=IND, level=MGT)
    results = pulse_results(round=round_)
    groups = {g.key: g for g in results.heat_groups}
    breakdown = {g.key: g for g in results.breakdown_groups}
    # Industry (9) minus industry·working (6) would give away the three managers.
    assert groups["c:industry:management"].hidden == "small"
    assert groups["c:industry:working"].hidden == "protected"
    assert breakdown["l:working"].hidden == "protected"
    # Industry as a whole (9) is everyone: showing it gives nothing away.
    assert breakdown["k:industry"].hidden == ""


def test_suppression_leaves_large_groups_alone():
    counts = {"all": 20, "k:defence": 10, "k:industry": 10, "k:other": 0}
    counts |= {"l:management": 10, "l:working": 10}
    counts |= {
        f"c:{k}:{lv}": 0
        for k in ("defence", "industry", "other")
        for lv in ("management", "working")
    }
    counts |= {"c:defence:management": 5, "c:defence:working": 5}
    counts |= {"c:industry:management": 5, "c:industry:working": 5}
    hidden = _suppress(counts)
    assert {k for k, v in hidden.items() if v} == {
        "k:other",
        "c:other:management",
        "c:other:working",
    }


def test_trend_compares_earlier_rounds_of_the_same_scope_with_enough_answers(lmi_cell):
    now = timezone.now()
    old = PulseRoundFactory(title="Voorjaar", opens_at=now - timedelta(days=200))
    respond(old, 5, answers={"U1": 2})
    too_small = PulseRoundFactory(title="Klein", opens_at=now - timedelta(days=100))
    respond(too_small, 4, answers={"U1": 5})
    other_scope = PulseRoundFactory(
        title="Initiatief",
        opens_at=now - timedelta(days=50),
        initiative=InitiativeFactory(owner_organisation=lmi_cell),
    )
    respond(other_scope, 6, answers={"U1": 5})
    short = PulseRoundFactory(title="Kort", form=PulseForm.SHORT, opens_at=now - timedelta(days=40))
    respond(short, 6, answers={"E2": 5})
    later = PulseRoundFactory(title="Later", opens_at=now + timedelta(days=1))
    respond(later, 6, answers={"U1": 5})
    current = PulseRoundFactory(title="Najaar", opens_at=now - timedelta(days=1))
    respond(current, 5, answers={"U1": 4})
    results = pulse_results(round=current)
    assert [r.title for r in results.trend_rounds] == ["Voorjaar", "Najaar"]
    assert results.trend_rounds[-1].is_current
    urgentie = next(r for r in results.trend_rows if r.factor.code == "urgentie")
    assert [c.mean for c in urgentie.cells] == [2.0, 4.0]
    assert urgentie.sparkline  # two points make a line


def test_results_take_a_fixed_number_of_queries(django_assert_num_queries):
    small, large = PulseRoundFactory(), PulseRoundFactory()
    respond(small, 5)
    respond(large, 300, answers={"U1": 3, "W5": 5})
    earlier = PulseRoundFactory(opens_at=timezone.now() - timedelta(days=300))
    respond(earlier, 40)
    with django_assert_num_queries(3):
        pulse_results(round=small)
    with django_assert_num_queries(3):
        pulse_results(round=large)


def test_open_answers_are_shuffled_not_in_answering_order():
    round_ = PulseRoundFactory()
    for i in range(30):
        respond(round_, 1, open_answer=f"antwoord {i:02d}")
    orders = {pulse_results(round=round_).open_answers for _ in range(5)}
    assert len(orders) > 1


def test_export_rows_are_aggregates_only():
    round_ = PulseRoundFactory()
    respond(round_, 6, org_kind=IND, level=WRK, open_answer="vertrouwelijk idee")
    respond(round_, 2, org_kind=DEF, level=MGT)
    rows = pulse_export_rows(pulse_results(round=round_))
    text = "\n".join(";".join(str(c) for c in row) for row in rows)
    assert "vertrouwelijk idee" not in text
    # The two Defence managers are not broken out, nor (by subtraction) the six others.
    assert {row[1] for row in rows if row[0] == "groep"} == set()
    # The same rows for 8 or 80 responses: nothing per response.
    respond(round_, 72, org_kind=IND, level=WRK)
    assert len(pulse_export_rows(pulse_results(round=round_))) == len(rows)


# --- Demo and scale data --------------------------------------------------------------------


def _demo_accounts():
    from partners.demo import seed_demo

    seed_demo({})


def test_demo_pulse_seeds_two_rounds_idempotently_and_leaves_daan_to_answer():
    _demo_accounts()
    seed_demo_pulse({})
    seed_demo_pulse({})
    spring = PulseRound.objects.get(title=SPRING_TITLE)
    autumn = PulseRound.objects.get(title=AUTUMN_TITLE)
    assert not spring.is_open and autumn.is_open
    assert PulseRound.objects.count() == 2
    daan = User.objects.get(email=NOT_YET_ANSWERED[0])
    assert PulseInvitation.objects.get(round=autumn, user=daan).answered is False
    assert Notification.objects.filter(recipient=daan, verb="pulse.invited").count() == 1
    members = Membership.objects.counting().values("user_id").distinct().count()
    assert autumn.invitations.count() == members
    assert autumn.responses.count() == autumn.invitations.filter(answered=True).count() >= 5
    results = pulse_results(round=autumn)
    assert results.enough
    assert "middelen" in {f.factor.code for f in results.low_factors}
    assert [r.title for r in results.trend_rounds] == [SPRING_TITLE, AUTUMN_TITLE]


def test_demo_pulse_does_nothing_without_demo_accounts():
    seed_demo_pulse({})
    assert not PulseRound.objects.exists()


def test_scale_pulse_makes_a_round_of_500_responses_once():
    org = OrganisationFactory(kind=Organisation.Kind.SME)
    for i in range(20):
        member_of(org, email=f"persoon{i:06d}@scale.example")
    data: dict = {}
    seed_scale_pulse(data)
    seed_scale_pulse(data)
    round_ = PulseRound.objects.get(title=SCALE_TITLE)
    assert data["scale_pulse_round_id"] == round_.pk
    assert round_.responses.count() == 500
    results = pulse_results(round=round_)
    assert results.enough and all(not g.hidden for g in results.heat_groups)
    assert len(results.trend_rounds) == 2
