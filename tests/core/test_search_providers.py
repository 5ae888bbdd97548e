"""The search providers of initiatives, organisations and people: what each finds, and that
each keeps to what the user may see."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from lmi_portal.core.models import SearchWord
from lmi_portal.core.search import SearchTerms, with_corrections
from lmi_portal.core.selectors import search_for_user
from partners.models import TLP
from tests.factories import (
    AffiliationFactory,
    InitiativeFactory,
    OrganisationFactory,
    ParticipationFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="full-text search runs on PostgreSQL"
)


def group(user, query: str, key: str, **kwargs):
    results = search_for_user(user=user, query=query, **kwargs)
    return next((g for g in results.groups if g.key == key), None)


def titles(user, query: str, key: str) -> list[str]:
    found = group(user, query, key)
    return [hit.title for hit in found.hits] if found else []


# --- Initiatives --------------------------------------------------------------------------------


def test_initiatives_are_found_in_title_summary_why_and_how(member, company):
    InitiativeFactory(title="Gedeelde kalibratie", owner_organisation=company, tlp=TLP.GREEN)
    InitiativeFactory(title="A", summary="Kalibratie van meetmiddelen.", tlp=TLP.GREEN)
    InitiativeFactory(title="B", why="Elke werkplaats kalibreert zelf.", tlp=TLP.GREEN)
    InitiativeFactory(title="C", how="Een pool voor kalibratiewerk.", tlp=TLP.GREEN)
    InitiativeFactory(title="D", summary="Iets anders.", tlp=TLP.GREEN)
    found = titles(member, "kalibr", "initiatives")
    assert found[0] == "Gedeelde kalibratie"  # the title weighs most
    assert sorted(found) == ["A", "B", "C", "Gedeelde kalibratie"]


def test_initiative_hits_carry_phase_organisation_and_a_marked_snippet(member, company):
    InitiativeFactory(
        title="Voorraadpool", summary="Een gedeelde voorraad <b>onderdelen</b>.", tlp=TLP.GREEN,
        owner_organisation=company,
    )  # fmt: skip
    hit = group(member, "onderdelen", "initiatives").hits[0]
    assert hit.meta == ("Idee", "DDVS")
    assert "<mark>onderdelen</mark>" in hit.snippet
    assert "<b>" not in hit.snippet


def test_amber_initiative_is_found_by_a_participant_only(member, outsider, company, competitor):
    hidden = InitiativeFactory(title="Pantserglas", owner_organisation=company, tlp=TLP.AMBER)
    assert titles(outsider, "pantserglas", "initiatives") == []
    assert group(outsider, "pantserglas", "initiatives").total == 0
    ParticipationFactory(initiative=hidden, organisation=competitor)
    assert titles(outsider, "pantserglas", "initiatives") == ["Pantserglas"]


@postgresql_only
def test_initiatives_use_dutch_stemming_and_typo_tolerance(member):
    InitiativeFactory(title="Banden", summary="Voertuigen worden sneller onderhouden.")
    assert titles(member, "onderhoud", "initiatives") == ["Banden"]
    from lmi_portal.core.search import search_words_register

    search_words_register(["onderhouden"])
    assert titles(member, "onderhoudn", "initiatives") == ["Banden"]


@postgresql_only
def test_initiative_vector_follows_edits(member):
    initiative = InitiativeFactory(title="Eerste naam", tlp=TLP.GREEN)
    initiative.title = "Tweede naam"
    initiative.save()
    assert titles(member, "tweede", "initiatives") == ["Tweede naam"]
    assert titles(member, "eerste", "initiatives") == []


# --- Organisations ------------------------------------------------------------------------------


def test_organisations_are_found_by_name_short_name_and_description(member, company):
    OrganisationFactory(name="Werkplaats Oost", description="Specialist in aandrijflijnen.")
    assert titles(member, "ddvs", "organisations") == ["Dutch Defence Vehicle Systems"]
    assert titles(member, "aandrijf", "organisations") == ["Werkplaats Oost"]
    hit = group(member, "aandrijf", "organisations").hits[0]
    assert "<mark>aandrijf</mark>" in hit.snippet.lower()


def test_suspended_organisations_are_not_found(member, company):
    OrganisationFactory(name="Geschorste Werkplaats", suspended=True)
    assert titles(member, "geschorste", "organisations") == []


# --- People -------------------------------------------------------------------------------------


def test_people_are_found_by_name_post_and_organisation(member, company):
    person = PersonFactory(first_name="Jorien", last_name="Vermeulen", expertise="Hydrauliek")
    AffiliationFactory(person=person, organisation=company, title="Planner instandhouding")
    assert titles(member, "vermeulen", "people") == ["Jorien Vermeulen"]
    assert titles(member, "planner", "people") == ["Jorien Vermeulen"]
    assert titles(member, "ddvs jorien", "people") == ["Jorien Vermeulen"]
    hit = group(member, "hydraul", "people").hits[0]
    assert hit.meta == ("Planner instandhouding · DDVS",)
    assert "<mark>Hydraul</mark>" in hit.snippet


def test_people_appear_once_however_many_posts_match(member, company):
    person = PersonFactory(first_name="Sem", last_name="Dekker")
    AffiliationFactory(person=person, organisation=company, title="Planner")
    AffiliationFactory(person=person, organisation=OrganisationFactory(), title="Planner")
    found = group(member, "planner", "people")
    assert found.total == 1
    assert len(found.hits) == 1


def test_people_who_left_or_were_anonymised_are_not_found(member, company):
    left = PersonFactory(last_name="Vertrokken")
    AffiliationFactory(
        person=left, organisation=company, end_date=timezone.localdate() - timedelta(days=1),
        start_date=timezone.localdate() - timedelta(days=400),
    )  # fmt: skip
    gone = PersonFactory(last_name="Weggehaald", anonymised_at=timezone.now())
    AffiliationFactory(person=gone, organisation=company)
    assert titles(member, "vertrokken", "people") == []
    assert titles(member, "weggehaald", "people") == []


def test_people_are_no_group_for_someone_without_a_membership(company):
    PersonFactory(last_name="Vermeulen")
    loner = UserFactory()
    assert group(loner, "vermeulen", "people") is None
    # Nor do they see initiatives beyond CLEAR, or organisations.
    InitiativeFactory(title="Vermeulen groen", tlp=TLP.GREEN)
    InitiativeFactory(title="Vermeulen openbaar", tlp=TLP.CLEAR)
    assert titles(loner, "vermeulen", "initiatives") == ["Vermeulen openbaar"]
    assert group(loner, "dutch", "organisations").total == 0


def test_people_rank_by_name_before_post_organisation_or_expertise(member, company):
    """A name (4) before a post, its organisation or the expertise (2 each), however many
    fields a person matches; equal scores by last name."""
    by_name = PersonFactory(first_name="Ans", last_name="Kraan", expertise="Kraanwerk")
    by_post = PersonFactory(first_name="Dirk", last_name="Aalders", expertise="Hydrauliek")
    by_both = PersonFactory(first_name="Cor", last_name="Bakker", expertise="Kraanbouw")
    by_expertise = PersonFactory(first_name="Bert", last_name="Claes", expertise="Kraanwerk")
    AffiliationFactory(person=by_name, organisation=company, title="Planner")
    AffiliationFactory(person=by_post, organisation=company, title="Kraanmachinist")
    AffiliationFactory(person=by_both, organisation=company, title="Kraanmachinist")
    AffiliationFactory(person=by_expertise, organisation=company, title="Planner")
    found = group(member, "kraan", "people")
    assert [(hit.title, hit.score) for hit in found.hits] == [
        ("Ans Kraan", 4.0),
        ("Dirk Aalders", 2.0),
        ("Cor Bakker", 2.0),
        ("Bert Claes", 2.0),
    ]
    # Two words add up: a name and a post outrank a post alone.
    both = group(member, "kraan planner", "people")
    assert [(hit.title, hit.score) for hit in both.hits] == [
        ("Ans Kraan", 6.0),
        ("Bert Claes", 4.0),
    ]


@postgresql_only
def test_a_typo_retry_keeps_the_people_group_instead_of_searching_again(
    member, company, monkeypatch
):
    from lmi_portal.core.registry import search_providers
    from lmi_portal.core.search import search_words_register

    order, people = search_providers._providers["people"]
    calls = []

    def counting(user, request):
        calls.append(request.terms)
        return people(user, request)

    monkeypatch.setitem(search_providers._providers, "people", (order, counting))
    InitiativeFactory(title="Onderhoud van de Boxer", tlp=TLP.GREEN)
    search_words_register(["onderhoud"])
    results = search_for_user(user=member, query="onderhuod")
    assert len(calls) == 1  # the plain words only; people never use corrections
    assert results.terms.corrected
    found = {g.key: g for g in results.groups}
    assert [hit.title for hit in found["initiatives"].hits] == ["Onderhoud van de Boxer"]
    assert found["people"].total == 0


def test_people_rankings_are_shared_by_members_and_the_people_read_again(
    member, company, competitor
):
    """Every member searches the same directory: a second member's search reuses the
    ranking, but the people shown are read again, so someone anonymised or gone since drops
    out at once."""
    from django.test.utils import CaptureQueriesContext

    from tests.factories import member_of

    stays = PersonFactory(first_name="Sanne", last_name="Remmers")
    goes = PersonFactory(first_name="Ruud", last_name="Remmerswaal")
    for person in (stays, goes):
        AffiliationFactory(person=person, organisation=company, title="Monteur")
    assert titles(member, "remmers", "people") == ["Sanne Remmers", "Ruud Remmerswaal"]
    other = member_of(competitor)
    goes.anonymised_at = timezone.now()
    goes.save(update_fields=["anonymised_at"])
    with CaptureQueriesContext(connection) as queries:
        found = group(other, "remmers", "people")
    assert [hit.title for hit in found.hits] == ["Sanne Remmers"]
    people_queries = [q["sql"] for q in queries if '"network_person"' in q["sql"]]
    assert people_queries and not any("OVER ()" in sql for sql in people_queries)
    # Another page size is another ranking, made afresh.
    assert group(other, "remmers", "people", group="people").total == 1


@postgresql_only
def test_a_word_outside_the_word_list_is_looked_up_before_it_is_ranked(member, company):
    """A term that begins no known word is most likely a typo: the first round only looks at
    the index, and the ranked, access-filtered queries run once, with the corrections. A word
    that does match without being in the list (here an initiative's) is still found."""
    from django.test.utils import CaptureQueriesContext

    from lmi_portal.core.search import search_words_register

    InitiativeFactory(title="Remschijven van de Fennek", tlp=TLP.GREEN, owner_organisation=company)
    search_words_register(["onderhoud"])
    InitiativeFactory(title="Onderhoud van de Boxer", tlp=TLP.GREEN, owner_organisation=company)
    with CaptureQueriesContext(connection) as queries:
        results = search_for_user(user=member, query="onderhuod")
    assert results.terms.corrected
    found = {g.key: g for g in results.groups}
    assert [hit.title for hit in found["initiatives"].hits] == ["Onderhoud van de Boxer"]
    ranked = [q["sql"] for q in queries if "ts_rank(" in q["sql"]]
    assert len(ranked) == 2  # initiatives and knowledge, with the corrections only
    SearchWord.objects.filter(word__startswith="remschijf").delete()
    assert titles(member, "remschijven", "initiatives") == ["Remschijven van de Fennek"]


@postgresql_only
def test_a_query_is_unknown_when_any_of_its_terms_begins_no_known_word(db):
    from lmi_portal.core.search import search_words_register

    search_words_register(["onderhoud", "boxer"])
    assert not SearchTerms.parse("boxer onderh").unknown
    assert SearchTerms.parse("boxer onderhuod").unknown
    assert SearchTerms.parse("bxoer").unknown
    assert not with_corrections(SearchTerms.parse("bxoer")).unknown  # asked before, not after
