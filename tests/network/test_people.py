"""The people directory (expert finder), person pages, editing, confirming and "we spoke"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lmi_portal.core.models import AuditEvent, System, Theme
from network.models import Affiliation, ContactFlag, Interaction, Person, Tie
from network.permissions import can_edit_person, visible_ties_q
from partners.models import TLP, Membership
from tests.factories import (
    AffiliationFactory,
    InitiativeFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
    person_of,
    tie_between,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
INDEX = reverse("network:index")


def detail_url(person: Person) -> str:
    return reverse("network:person_detail", args=[person.pk])


def edit_url(person: Person) -> str:
    return reverse("network:person_edit", args=[person.pk])


def at(organisation, **kwargs) -> Person:
    """A person without a login with a current post at ``organisation``."""
    return AffiliationFactory(organisation=organisation, **kwargs).person


@pytest.fixture
def theme(db) -> Theme:
    return Theme.objects.create(slug="test-voorspellend", name_nl="Voorspellend", name_en="PdM")


@pytest.fixture
def system(db) -> System:
    return System.objects.create(slug="test-boxer", name_nl="Boxer", name_en="Boxer")


@pytest.fixture
def me(member, company) -> Person:
    """The member's own person record, with a current post at the company."""
    person = person_of(member)
    AffiliationFactory(person=person, organisation=company)
    return person


# --- Directory ------------------------------------------------------------------------------


def test_user_without_active_membership_cannot_open_the_directory(client, company):
    at(company, person=PersonFactory(first_name="Zichtbaar", last_name="Nooit"))
    client.force_login(UserFactory())
    response = client.get(INDEX)
    assert response.status_code in (403, 404)
    assert "Nooit" not in response.content.decode()


def test_portal_admin_without_membership_gets_404_on_directory(client, portal_admin):
    client.force_login(portal_admin)
    assert client.get(INDEX).status_code == 404


def test_directory_lists_current_people_but_not_departed_or_anonymised(client, member, company):
    at(company, person=PersonFactory(last_name="Actueel"))
    gone = PersonFactory(last_name="Vertrokken")
    AffiliationFactory(
        person=gone,
        organisation=company,
        start_date=timezone.localdate() - timedelta(days=400),
        end_date=timezone.localdate() - timedelta(days=10),
    )
    at(company, person=PersonFactory(last_name="Anoniem", anonymised_at=timezone.now()))
    at(OrganisationFactory(suspended=True), person=PersonFactory(last_name="Geschorst"))
    client.force_login(member)
    body = client.get(INDEX).content.decode()
    assert "Actueel" in body
    assert "Vertrokken" not in body
    assert "Anoniem" not in body
    assert "Geschorst" not in body


def test_directory_searches_name_and_expertise(client, member, company):
    at(company, person=PersonFactory(last_name="Bakkerman", expertise="Hydrauliek"))
    at(company, person=PersonFactory(last_name="Smidsma", expertise="Predictive maintenance"))
    client.force_login(member)
    body = client.get(INDEX, {"q": "predictive"}).content.decode()
    assert "Smidsma" in body and "Bakkerman" not in body
    body = client.get(INDEX, {"q": "bakker"}).content.decode()
    assert "Bakkerman" in body and "Smidsma" not in body


def test_directory_filters_by_theme_system_and_organisation(
    client, member, company, competitor, theme, system
):
    themed = at(company, person=PersonFactory(last_name="Themaman"))
    themed.themes.add(theme)
    systemed = at(company, person=PersonFactory(last_name="Systeemvrouw"))
    systemed.systems.add(system)
    at(competitor, person=PersonFactory(last_name="Concurrentman"))
    client.force_login(member)

    body = client.get(INDEX, {"theme": theme.slug}).content.decode()
    assert "Themaman" in body and "Systeemvrouw" not in body
    assert f'text-bg-primary">{theme.name}</span>' in body
    body = client.get(INDEX, {"system": system.slug}).content.decode()
    assert "Systeemvrouw" in body and "Themaman" not in body
    assert f'text-bg-secondary">{system.name}</span>' in body
    body = client.get(INDEX, {"organisation": competitor.pk}).content.decode()
    assert "Concurrentman" in body and "Themaman" not in body


def test_directory_organisation_filter_uses_current_affiliations_only(client, member, company):
    former = PersonFactory(last_name="Oudgediende")
    AffiliationFactory(
        person=former,
        organisation=company,
        start_date=timezone.localdate() - timedelta(days=900),
        end_date=timezone.localdate() - timedelta(days=100),
    )
    AffiliationFactory(person=former, organisation=OrganisationFactory())
    client.force_login(member)
    body = client.get(INDEX, {"organisation": company.pk}).content.decode()
    assert "Oudgediende" not in body


def test_directory_htmx_request_gets_only_the_results_fragment(client, member, company):
    at(company, person=PersonFactory(last_name="Fragmentman"))
    client.force_login(member)
    response = client.get(INDEX, {"q": "Fragment"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="results"' in body and "Fragmentman" in body
    assert "HX-Request" in response["Vary"]


def test_directory_paginates_by_25(client, member, company):
    for _ in range(26):
        at(company)
    client.force_login(member)
    response = client.get(INDEX)
    assert len(response.context["page"].object_list) == 25
    assert response.context["page"].paginator.count == 26


def test_directory_query_count_is_constant(
    client, member, company, theme, system, django_assert_num_queries
):
    first = at(company)
    first.themes.add(theme)
    client.force_login(member)
    client.get(INDEX)  # warm per-process caches
    with CaptureQueriesContext(connection) as one:
        response = client.get(INDEX)
    assert len(response.context["page"].object_list) == 1

    for n in range(24):
        person = at(OrganisationFactory() if n % 2 else company)
        AffiliationFactory(person=person, organisation=company)
        person.themes.add(theme)
        person.systems.add(system)
    with django_assert_num_queries(len(one)):
        response = client.get(INDEX)
    assert len(response.context["page"].object_list) == 25


# --- Person page ----------------------------------------------------------------------------


def test_person_page_shows_affiliations_current_first_and_soon_rotation(client, member, company):
    person = PersonFactory(last_name="Roteerder", expertise="Reservedelen")
    today = timezone.localdate()
    AffiliationFactory(
        person=person,
        organisation=OrganisationFactory(name="Vorige werkgever"),
        title="Oude functie",
        start_date=today - timedelta(days=2000),
        end_date=today - timedelta(days=800),
    )
    AffiliationFactory(
        person=person,
        organisation=company,
        title="Huidige functie",
        start_date=today - timedelta(days=700),
        expected_rotation_date=today + timedelta(days=30),
    )
    client.force_login(member)
    response = client.get(detail_url(person))
    body = response.content.decode()
    assert response.status_code == 200
    rows = response.context["affiliations"]
    assert [r.is_current for r in rows] == [True, False]
    assert rows[0].rotation_soon is True
    assert body.index("Huidige functie") < body.index("Oude functie")
    assert "binnenkort" in body
    assert "Reservedelen" in body


def test_rotation_far_away_is_not_highlighted(client, member, company):
    person = at(company, expected_rotation_date=timezone.localdate() + timedelta(days=200))
    client.force_login(member)
    response = client.get(detail_url(person))
    assert response.context["affiliations"][0].rotation_soon is False
    assert "binnenkort" not in response.content.decode()


def test_person_page_shows_only_confirmed_ties_to_others(client, member, outsider, company):
    person = at(company, person=PersonFactory(last_name="Middenpunt"))
    confirmed = at(company, person=PersonFactory(last_name="Bevestigd"))
    pending = at(company, person=PersonFactory(last_name="Wachtend"))
    declined = at(company, person=PersonFactory(last_name="Afgewezen"))
    declarer = person_of(member)
    tie_between(person, confirmed)
    tie_between(person, pending, status=Tie.Status.PENDING, declared_by=declarer)
    tie_between(person, declined, status=Tie.Status.DECLINED, declared_by=declarer)
    client.force_login(outsider)
    body = client.get(detail_url(person)).content.decode()
    assert "Bevestigd" in body
    assert "Wachtend" not in body
    assert "Afgewezen" not in body


def test_declarer_sees_their_pending_tie_marked_as_such(client, member, company):
    me = person_of(member)
    AffiliationFactory(person=me, organisation=company)
    other = at(company, person=PersonFactory(last_name="Nogniet"))
    tie_between(me, other, status=Tie.Status.PENDING, declared_by=me)
    client.force_login(member)
    body = client.get(detail_url(other)).content.decode()
    assert "Nogniet" in body  # the page title
    assert f'href="{detail_url(me)}"' in body
    assert "wacht op bevestiging" in body


def test_visible_ties_q_keeps_pending_ties_to_declarer_and_admin(member, outsider, portal_admin):
    a, b = PersonFactory(), PersonFactory()
    tie = tie_between(a, b, status=Tie.Status.PENDING, declared_by=person_of(member))
    for user, expected in ((member, True), (outsider, False), (portal_admin, True)):
        assert Tie.objects.filter(visible_ties_q(user), pk=tie.pk).exists() is expected


def test_person_page_lists_visible_initiatives_only(client, member, company, competitor):
    colleague = member_with_person(company, last_name="Penvoerder")
    visible = InitiativeFactory(title="Zichtbaar initiatief", lead=colleague.user)
    hidden = InitiativeFactory(
        title="Geheim initiatief",
        created_by=colleague.user,
        tlp=TLP.AMBER_STRICT,
        owner_organisation=competitor,
    )
    client.force_login(member)
    body = client.get(detail_url(colleague)).content.decode()
    assert visible.title in body
    assert hidden.title not in body


def member_with_person(organisation, **person_kwargs) -> Person:
    user = UserFactory()
    MembershipFactory(user=user, organisation=organisation)
    person = person_of(user)
    for key, value in person_kwargs.items():
        setattr(person, key, value)
    person.save()
    AffiliationFactory(person=person, organisation=organisation)
    return person


def test_missing_or_anonymised_person_is_404(client, member, company):
    gone = at(company, person=PersonFactory(anonymised_at=timezone.now()))
    client.force_login(member)
    assert client.get(detail_url(gone)).status_code == 404
    assert client.get(reverse("network:person_detail", args=[999999])).status_code == 404


def test_person_page_for_user_without_membership_is_refused(client, company):
    person = at(company, person=PersonFactory(last_name="Afgeschermd"))
    client.force_login(UserFactory())
    response = client.get(detail_url(person))
    assert response.status_code in (403, 404)
    assert "Afgeschermd" not in response.content.decode()


# --- Who may edit ---------------------------------------------------------------------------


@pytest.fixture
def subject(company) -> Person:
    """A person without a login at the company, kept by a steward elsewhere."""
    steward_user = UserFactory()
    MembershipFactory(user=steward_user, organisation=OrganisationFactory())
    person = at(company, person=PersonFactory(last_name="Onderwerp"))
    person.steward = person_of(steward_user)
    person.save()
    return person


def test_org_admin_of_affiliated_organisation_may_edit(client, org_admin, subject):
    client.force_login(org_admin)
    assert client.get(edit_url(subject)).status_code == 200


def test_steward_may_edit(client, subject):
    client.force_login(subject.steward.user)
    assert client.get(edit_url(subject)).status_code == 200


def test_person_may_edit_their_own_record(client, member, me):
    client.force_login(member)
    assert client.get(edit_url(me)).status_code == 200


def test_plain_member_of_same_organisation_gets_404_on_edit(client, member, subject):
    client.force_login(member)
    assert client.get(edit_url(subject)).status_code == 404
    assert client.post(reverse("network:person_confirm", args=[subject.pk])).status_code == 404


def test_other_organisations_admin_gets_404_on_edit(client, competitor, subject):
    from allauth.mfa.totp.internal.auth import TOTP

    from tests.conftest import TOTP_SECRET

    other_admin = UserFactory()
    MembershipFactory(user=other_admin, organisation=competitor, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(other_admin, TOTP_SECRET)
    client.force_login(other_admin)
    assert client.get(edit_url(subject)).status_code == 404
    assert can_edit_person(other_admin, subject) is False


def test_org_admin_loses_edit_right_when_affiliation_ended(org_admin, subject):
    Affiliation.objects.filter(person=subject).update(
        start_date=timezone.localdate() - timedelta(days=30),
        end_date=timezone.localdate() - timedelta(days=1),
    )
    assert can_edit_person(org_admin, subject) is False


def test_saving_a_person_updates_and_confirms_the_record(client, subject, theme, system):
    steward_user = subject.steward.user
    client.force_login(steward_user)
    response = client.post(
        edit_url(subject),
        {
            "first_name": "Nieuwe",
            "last_name": "Naam",
            "expertise": "Digital twins",
            "themes": [theme.pk],
            "systems": [system.pk],
            "steward": subject.steward.pk,
        },
    )
    assert response.status_code == 302
    subject.refresh_from_db()
    assert subject.full_name == "Nieuwe Naam"
    assert subject.expertise == "Digital twins"
    assert list(subject.themes.all()) == [theme]
    assert subject.last_confirmed_at is not None
    assert AuditEvent.objects.filter(
        action="network.person_updated", actor=steward_user, target_id=str(subject.pk)
    ).exists()


def test_steward_must_have_a_login(client, subject):
    client.force_login(subject.steward.user)
    no_login = PersonFactory()
    response = client.post(
        edit_url(subject),
        {"first_name": "A", "last_name": "B", "expertise": "", "steward": no_login.pk},
    )
    assert response.status_code == 200
    subject.refresh_from_db()
    assert subject.first_name != "A"


def test_confirm_sets_last_confirmed_at_and_resolves_not_confirmed_flag(client, org_admin, subject):
    flag = ContactFlag.objects.create(person=subject, reason=ContactFlag.Reason.NOT_CONFIRMED)
    client.force_login(org_admin)
    before = timezone.now()
    response = client.post(reverse("network:person_confirm", args=[subject.pk]))
    assert response.status_code == 302
    subject.refresh_from_db()
    flag.refresh_from_db()
    assert subject.last_confirmed_at is not None and subject.last_confirmed_at >= before
    assert flag.resolved_at is not None
    assert flag.resolution == ContactFlag.Resolution.CONFIRMED


def test_editing_an_affiliation_sets_end_date_and_confirms(client, org_admin, subject):
    affiliation = subject.affiliations.get()
    end = timezone.localdate() + timedelta(days=5)
    client.force_login(org_admin)
    response = client.post(
        reverse("network:affiliation_edit", args=[subject.pk, affiliation.pk]),
        {
            "title": "Nieuwe titel",
            "expected_rotation_date": "",
            "end_date": end.isoformat(),
            "email": "nieuw@ddvs.example",
            "phone": "+31 6 0000 0000",
        },
    )
    assert response.status_code == 302
    affiliation.refresh_from_db()
    subject.refresh_from_db()
    assert (affiliation.title, affiliation.end_date) == ("Nieuwe titel", end)
    assert subject.last_confirmed_at is not None


def test_affiliation_of_another_person_is_404(client, org_admin, subject, company):
    other = at(company)
    client.force_login(org_admin)
    url = reverse("network:affiliation_edit", args=[subject.pk, other.affiliations.get().pk])
    assert client.post(url, {"title": "x"}).status_code == 404


def test_adding_an_affiliation(client, org_admin, subject, competitor):
    client.force_login(org_admin)
    response = client.post(
        reverse("network:affiliation_add", args=[subject.pk]),
        {
            "new-organisation": competitor.pk,
            "new-title": "Adviseur",
            "new-start_date": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert subject.affiliations.filter(organisation=competitor, title="Adviseur").exists()


def test_member_adds_a_person_without_login_and_becomes_steward(client, member, me, company):
    client.force_login(member)
    assert client.get(reverse("network:person_create")).status_code == 200
    response = client.post(
        reverse("network:person_create"),
        {
            "first_name": "Kees",
            "last_name": "Zonderaccount",
            "organisation": company.pk,
            "title": "Monteur",
            "email": "kees@ddvs.example",
        },
    )
    person = Person.objects.get(last_name="Zonderaccount")
    assert response.status_code == 302
    assert response["Location"] == detail_url(person)
    assert person.user is None
    assert person.steward == me
    assert person.affiliations.get().organisation == company
    assert AuditEvent.objects.filter(action="network.person_created", actor=member).exists()


def test_user_without_membership_cannot_add_a_person(client, company):
    client.force_login(UserFactory())
    response = client.post(
        reverse("network:person_create"),
        {"first_name": "X", "last_name": "Y", "organisation": company.pk},
    )
    assert response.status_code in (403, 404)
    assert not Person.objects.filter(last_name="Y").exists()


# --- We spoke -------------------------------------------------------------------------------


def test_we_spoke_resets_staleness_for_both_and_their_tie(client, member, me, company):
    other = at(company, person=PersonFactory(last_name="Gesproken"))
    tie = tie_between(me, other)
    client.force_login(member)
    before = timezone.now()
    response = client.post(
        reverse("network:interaction_log", args=[other.pk]), {"kind": "spoke", "note": "Koffie"}
    )
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert set(interaction.participants.all()) == {me, other}
    assert interaction.logged_by == member
    for obj in (me, other, tie):
        obj.refresh_from_db()
        assert obj.last_interaction_at is not None and obj.last_interaction_at >= before


def test_we_spoke_by_htmx_returns_the_fragment(client, member, me, company):
    other = at(company)
    client.force_login(member)
    response = client.post(
        reverse("network:interaction_log", args=[other.pk]), {"kind": "spoke"}, headers=HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and 'id="interaction"' in body
    assert "Vastgelegd" in body


def test_we_spoke_with_oneself_is_refused(client, member, me):
    client.force_login(member)
    client.post(reverse("network:interaction_log", args=[me.pk]), {"kind": "spoke"})
    assert not Interaction.objects.exists()


def test_we_spoke_for_user_without_membership_is_refused(client, company):
    other = at(company)
    client.force_login(UserFactory())
    response = client.post(reverse("network:interaction_log", args=[other.pk]), {"kind": "spoke"})
    assert response.status_code in (403, 404)
    assert not Interaction.objects.exists()
