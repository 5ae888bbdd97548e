from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from initiatives.models import Effect, Initiative, Phase, PhaseChange
from initiatives.services import initiatives as services
from lmi_portal.core.models import Activity, AuditEvent, System, Theme
from lmi_portal.core.registry import handover_movers
from partners.access import can_view
from partners.models import TLP, Organisation
from tests.factories import (
    InitiativeFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    member_of,
    person_of,
)

pytestmark = pytest.mark.django_db


# --- Posting --------------------------------------------------------------------------------


def test_create_records_audit_and_activity(member, company):
    initiative = services.initiative_create(
        actor=member, owner_organisation=company, title="  Slim plannen ", summary="Kort."
    )
    assert initiative.title == "Slim plannen"
    assert initiative.lead == member
    assert AuditEvent.objects.filter(
        action="initiative.created", target_id=str(initiative.pk)
    ).exists()
    assert Activity.objects.filter(verb="initiative.created", target_id=initiative.pk).exists()


def test_the_words_of_an_initiative_go_to_the_word_list(member, company):
    """Typo correction draws on the word list: an initiative's words are in it, as a
    knowledge item's are, from posting and from an edit of its texts."""
    from lmi_portal.core.models import SearchWord

    initiative = services.initiative_create(
        actor=member, owner_organisation=company, title="Kabelboomtester", summary="Kort."
    )
    assert SearchWord.objects.filter(word="kabelboomtester").exists()
    services.initiative_update(actor=member, initiative=initiative, why="Een hydrauliekpomp.")
    assert SearchWord.objects.filter(word="hydrauliekpomp").exists()


def test_create_with_only_title_and_summary_uses_the_defaults(member, company):
    Organisation.objects.filter(pk=company.pk).update(default_tlp=TLP.AMBER_STRICT)
    company.refresh_from_db()

    initiative = services.initiative_create(
        actor=member, owner_organisation=company, title="Snel geplaatst", summary="Twee zinnen."
    )

    assert initiative.tlp == TLP.AMBER_STRICT
    assert initiative.phase == Phase.IDEA
    assert initiative.lead == member and initiative.deputy is None
    assert initiative.created_by == member
    assert initiative.last_activity_at is not None


def test_an_explicit_sharing_level_wins_over_the_organisation_default(member, company):
    initiative = services.initiative_create(
        actor=member, owner_organisation=company, title="Voor iedereen", summary="x", tlp="green"
    )
    assert initiative.tlp == TLP.GREEN


def test_create_writes_the_first_step_of_the_timeline(member, company):
    initiative = services.initiative_create(
        actor=member, owner_organisation=company, title="Al bezig", summary="x", phase=Phase.PILOT
    )
    [change] = PhaseChange.objects.filter(initiative=initiative)
    assert (change.from_phase, change.to_phase, change.reason) == ("", Phase.PILOT, "")
    assert change.actor == member


@pytest.mark.parametrize("phase", [Phase.EMBEDDED, Phase.PAUSED, Phase.STOPPED, "onzin"])
def test_create_refuses_a_phase_that_is_no_start(member, company, phase):
    with pytest.raises(ValidationError) as exc:
        services.initiative_create(
            actor=member, owner_organisation=company, title="Te laat", summary="x", phase=phase
        )
    assert "phase" in exc.value.error_dict
    assert not Initiative.objects.exists()


def test_create_stores_the_optional_details(member, company):
    colleague = member_of(company)
    unit = OrganisationFactory(kind=Organisation.Kind.DEFENCE_UNIT)
    theme = Theme.objects.create(slug="t-test", name_nl="Testthema", name_en="Test theme")
    system = System.objects.create(slug="s-test", name_nl="Testsysteem", name_en="Test system")

    initiative = services.initiative_create(
        actor=member,
        owner_organisation=company,
        title="Volledig",
        summary="Alles ingevuld.",
        why=" Waarom ",
        how="Zo",
        origin="pull",
        effects=[Effect.READINESS, Effect.COST, Effect.READINESS],
        expected_effect="Minder stilstand",
        themes=[theme],
        systems=[system],
        requirement_owner=unit,
        deputy=colleague,
    )

    initiative.refresh_from_db()
    assert initiative.why == "Waarom" and initiative.how == "Zo" and initiative.origin == "pull"
    assert initiative.effects == [Effect.READINESS, Effect.COST]
    assert list(initiative.themes.all()) == [theme]
    assert list(initiative.systems.all()) == [system]
    assert initiative.requirement_owner == unit
    assert initiative.deputy == colleague


def test_red_item_always_names_its_creator(member, company):
    initiative = services.initiative_create(
        actor=member, owner_organisation=company, title="Rood", summary="x", tlp=TLP.RED
    )
    assert list(initiative.shared_with_people.all()) == [member]
    assert can_view(member, initiative)


def test_cannot_post_for_an_organisation_one_is_not_in(member, competitor):
    with pytest.raises(PermissionDenied):
        services.initiative_create(
            actor=member, owner_organisation=competitor, title="Niet van mij", summary="x"
        )


def test_invalid_input_saves_nothing(member, company):
    with pytest.raises(ValidationError):
        services.initiative_create(
            actor=member, owner_organisation=company, title="", summary="x", phase="onzin"
        )
    with pytest.raises(ValidationError) as exc:
        services.initiative_create(
            actor=member, owner_organisation=company, title="x" * 10_000, summary="x"
        )
    assert "title" in exc.value.error_dict
    assert not Initiative.objects.exists()
    assert not PhaseChange.objects.exists()


def test_lead_and_deputy_must_be_two_people(member, company):
    with pytest.raises(ValidationError) as exc:
        services.initiative_create(
            actor=member, owner_organisation=company, title="Eén", summary="x", deputy=member
        )
    assert "niet aan één persoon" in exc.value.error_dict["deputy"][0].message
    assert not Initiative.objects.exists()


def test_unknown_effect_is_refused(member, company):
    with pytest.raises(ValidationError) as exc:
        services.initiative_create(
            actor=member, owner_organisation=company, title="x", summary="x", effects=["geluk"]
        )
    assert "effects" in exc.value.error_dict
    assert not Initiative.objects.exists()


def test_a_deputy_who_may_not_see_the_initiative_is_refused(member, company, outsider):
    with pytest.raises(ValidationError) as exc:
        services.initiative_create(
            actor=member,
            owner_organisation=company,
            title="Alleen DDVS",
            summary="x",
            tlp=TLP.AMBER_STRICT,
            deputy=outsider,
        )
    assert "niet zien" in exc.value.error_dict["deputy"][0].message
    assert not Initiative.objects.exists()


def test_sharing_with_the_deputys_organisation_makes_them_a_valid_deputy(
    member, company, competitor, outsider
):
    initiative = services.initiative_create(
        actor=member,
        owner_organisation=company,
        title="Samen",
        summary="x",
        tlp=TLP.AMBER,
        deputy=outsider,
        shared_with_organisations=[competitor],
    )
    assert initiative.deputy == outsider and can_view(outsider, initiative)


# --- Editing --------------------------------------------------------------------------------


def test_update_changes_fields_audits_and_touches(member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member)
    later = timezone.now() + timedelta(days=3)
    with time_machine.travel(later, tick=False):
        services.initiative_update(
            actor=member, initiative=initiative, title=" Nieuwe titel ", why="Omdat het kan"
        )
    initiative.refresh_from_db()
    assert initiative.title == "Nieuwe titel" and initiative.why == "Omdat het kan"
    assert initiative.last_activity_at == later
    event = AuditEvent.objects.get(action="initiative.updated", target_id=str(initiative.pk))
    assert event.data["fields"] == ["title", "why"]


def test_update_without_changes_leaves_no_trace(member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member)
    before = initiative.last_activity_at
    services.initiative_update(actor=member, initiative=initiative, title=initiative.title)
    initiative.refresh_from_db()
    assert initiative.last_activity_at == before
    assert not AuditEvent.objects.filter(action="initiative.updated").exists()


def test_update_cannot_change_the_phase(member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member)
    with pytest.raises(TypeError):
        services.initiative_update(actor=member, initiative=initiative, phase=Phase.PILOT)
    initiative.refresh_from_db()
    assert initiative.phase == Phase.IDEA


def test_update_by_someone_who_may_not_edit_is_refused(outsider, company):
    initiative = InitiativeFactory(owner_organisation=company, title="Van DDVS", tlp=TLP.GREEN)
    with pytest.raises(PermissionDenied):
        services.initiative_update(actor=outsider, initiative=initiative, title="Gekaapt")
    initiative.refresh_from_db()
    assert initiative.title == "Van DDVS"


def test_update_with_bad_input_saves_nothing(member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, title="Goed")
    with pytest.raises(ValidationError):
        services.initiative_update(
            actor=member, initiative=initiative, title="", deputy=member, tlp="paars"
        )
    initiative.refresh_from_db()
    assert initiative.title == "Goed" and initiative.deputy is None


def test_update_to_red_keeps_the_editor_among_the_named(member, company):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, tlp=TLP.AMBER)
    services.initiative_update(actor=member, initiative=initiative, tlp=TLP.RED)
    assert list(initiative.shared_with_people.all()) == [member]


# --- Handover movers ------------------------------------------------------------------------


def test_deputies_mover_is_registered_after_the_leads_mover():
    keys = [key for key, _provider in handover_movers.items()]
    assert "initiative_deputies" in keys
    assert keys.index("initiative_deputies") == keys.index("initiatives") + 1


def test_deputies_mover_moves_the_deputy_posts(member, company):
    departing = member_of(company)
    successor = member_of(company)
    first = InitiativeFactory(owner_organisation=company, lead=member, deputy=departing)
    second = InitiativeFactory(owner_organisation=company, lead=member, deputy=departing)
    untouched = InitiativeFactory(
        owner_organisation=company, lead=member, deputy=member_of(company)
    )

    preview = services.initiative_deputies_move(
        person_of(departing), person_of(successor), dry_run=True
    )
    assert preview == {"initiative_deputies": 2}
    assert Initiative.objects.filter(deputy=departing).count() == 2

    moved = services.initiative_deputies_move(person_of(departing), person_of(successor))

    assert moved == {"initiative_deputies": 2}
    for initiative in (first, second):
        initiative.refresh_from_db()
        assert initiative.deputy == successor
    untouched.refresh_from_db()
    assert untouched.deputy != successor


def test_deputies_mover_leaves_the_post_empty_where_the_successor_already_leads(company):
    departing, successor = member_of(company), member_of(company)
    initiative = InitiativeFactory(owner_organisation=company, lead=successor, deputy=departing)

    moved = services.initiative_deputies_move(person_of(departing), person_of(successor))

    initiative.refresh_from_db()
    assert moved == {"initiative_deputies": 1}
    assert initiative.lead == successor and initiative.deputy is None


def test_deputies_mover_refuses_a_successor_without_an_account(member, company):
    departing = member_of(company)
    initiative = InitiativeFactory(owner_organisation=company, lead=member, deputy=departing)

    with pytest.raises(ValidationError, match="nog geen account"):
        services.initiative_deputies_move(person_of(departing), PersonFactory())

    initiative.refresh_from_db()
    assert initiative.deputy == departing


def test_deputies_mover_with_nothing_to_move_reports_nothing(company):
    departing = member_of(company)
    assert services.initiative_deputies_move(person_of(departing), PersonFactory()) == {}
    assert services.initiative_deputies_move(PersonFactory(), None, dry_run=True) == {}


def test_member_of_two_organisations_can_post_for_either(member, company):
    second = OrganisationFactory()
    MembershipFactory(user=member, organisation=second)
    from partners.access import forget_access_context

    forget_access_context(member)
    initiative = services.initiative_create(
        actor=member, owner_organisation=second, title="Namens de tweede", summary="x"
    )
    assert initiative.owner_organisation == second


def test_overlong_texts_are_refused_with_a_field_error(member, company):
    with pytest.raises(ValidationError) as exc:
        services.initiative_create(
            actor=member, owner_organisation=company, title="x", summary="y" * 2001, why="z" * 10001
        )
    assert set(exc.value.error_dict) == {"summary", "why"}
    assert not Initiative.objects.exists()


def test_a_refused_update_leaves_the_instance_as_stored(member, company, outsider):
    initiative = InitiativeFactory(owner_organisation=company, lead=member, tlp=TLP.AMBER_STRICT)
    with pytest.raises(ValidationError):
        services.initiative_update(
            actor=member, initiative=initiative, title="Andere titel", deputy=outsider
        )
    assert initiative.title != "Andere titel" and initiative.deputy is None
    initiative.refresh_from_db()
    assert initiative.deputy is None
