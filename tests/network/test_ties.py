"""Ties: "Ik ken …", the other person's consent, who sees what, and ties derived from working
together."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lmi_portal.core.models import AuditEvent, OutboxEmail
from network.models import Person, Tie
from network.permissions import can_view_tie, visible_ties_q
from network.services import ties as services
from network.tasks.ties import network_derive_ties
from partners.models import User
from tests.factories import (
    InitiativeFactory,
    PersonFactory,
    UserFactory,
    member_of,
    person_of,
    tie_between,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TIES_URL = reverse("network:ties")
DECLARE_URL = reverse("network:tie_declare")


@pytest.fixture
def colleague(company) -> User:
    return member_of(company, email="collega@ddvs.example", first_name="Kees", last_name="Jansen")


@pytest.fixture
def third(company) -> User:
    return member_of(company, email="derde@ddvs.example")


@pytest.fixture
def nobody(db) -> User:
    """Signed in, but without any membership: not an active member of the portal."""
    return UserFactory(email="zonder-lid@test.example")


def declare(actor: User, other: User, **kwargs: object) -> Tie:
    return services.tie_declare(
        actor=actor,
        other=person_of(other),
        kind=kwargs.pop("kind", Tie.Kind.WORKED_TOGETHER),
        strength=kwargs.pop("strength", 2),
        **kwargs,  # type: ignore[arg-type]
    )


def confirm_url(tie: Tie) -> str:
    return reverse("network:tie_confirm", args=[tie.pk])


def decline_url(tie: Tie) -> str:
    return reverse("network:tie_decline", args=[tie.pk])


# --- Declaring -------------------------------------------------------------------------------


def test_declaring_stores_an_ordered_pending_tie_and_emails_the_other_person(
    member, colleague, mailoutbox, django_capture_on_commit_callbacks
):
    other = person_of(colleague)  # made first, so the declarer gets the higher id
    with django_capture_on_commit_callbacks(execute=True):
        tie = declare(member, colleague, strength=3)
    me = person_of(member)
    assert (tie.person_a_id, tie.person_b_id) == (other.pk, me.pk)
    assert (tie.source, tie.status, tie.strength) == (Tie.Source.DECLARED, Tie.Status.PENDING, 3)
    assert tie.declared_by == me
    assert AuditEvent.objects.filter(action="tie.declared", actor=member).exists()
    assert [m.to for m in mailoutbox] == [[colleague.email]]
    assert reverse("network:ties") in mailoutbox[0].body
    assert me.full_name in mailoutbox[0].subject


def test_declaring_to_a_person_without_login_sends_no_email(member):
    declare_to = PersonFactory()
    services.tie_declare(actor=member, other=declare_to, kind=Tie.Kind.MET, strength=1)
    assert Tie.objects.filter(status=Tie.Status.PENDING).count() == 1
    assert not OutboxEmail.objects.exists()


def test_declaring_to_yourself_is_refused(member):
    with pytest.raises(ValidationError, match="uzelf"):
        declare(member, member)
    assert not Tie.objects.exists()


def test_declaring_twice_while_pending_is_refused(member, colleague):
    declare(member, colleague)
    with pytest.raises(ValidationError, match="al opgegeven"):
        declare(member, colleague)
    assert Tie.objects.count() == 1


def test_declaring_what_the_other_already_declared_points_to_confirming(member, colleague):
    declare(colleague, member)
    with pytest.raises(ValidationError, match="bevestig die bij Mijn connecties"):
        declare(member, colleague)


def test_declaring_an_already_confirmed_tie_is_refused(member, colleague):
    tie = declare(member, colleague)
    services.tie_confirm(actor=colleague, tie=tie)
    with pytest.raises(ValidationError, match="al bevestigd"):
        declare(colleague, member)


def test_declaring_again_after_a_decline_waits_thirty_days(member, colleague):
    tie = declare(member, colleague)
    services.tie_decline(actor=colleague, tie=tie)
    with pytest.raises(ValidationError, match="opnieuw vragen"):
        declare(member, colleague)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        again = declare(member, colleague, kind=Tie.Kind.COLLEAGUE)
    assert again.pk == tie.pk
    assert (again.status, again.kind) == (Tie.Status.PENDING, Tie.Kind.COLLEAGUE)


def test_introduced_by_requires_someone_else(member, colleague, third):
    with pytest.raises(ValidationError, match="voorgesteld"):
        declare(member, colleague, kind=Tie.Kind.INTRODUCED)
    tie = declare(member, colleague, kind=Tie.Kind.INTRODUCED, introduced_by=person_of(third))
    assert tie.introduced_by == person_of(third)


def test_declare_page_finds_people_by_name_and_htmx_gets_only_the_results(
    client, member, colleague, company
):
    from tests.factories import AffiliationFactory

    AffiliationFactory(person=person_of(colleague), organisation=company)
    client.force_login(member)
    page = client.get(DECLARE_URL, {"q": "Jansen"}).content.decode()
    assert "Kees Jansen" in page and "<html" in page
    assert f"?persoon={person_of(colleague).pk}" in page
    fragment = client.get(DECLARE_URL, {"q": "Jansen"}, headers=HTMX).content.decode()
    assert "Kees Jansen" in fragment and "<html" not in fragment


def test_declaring_through_the_form_creates_a_pending_tie(client, member, colleague):
    other = person_of(colleague)
    client.force_login(member)
    url = f"{DECLARE_URL}?persoon={other.pk}"
    assert "Ik ken Kees Jansen" in client.get(url).content.decode()
    response = client.post(url, {"kind": Tie.Kind.MET, "strength": "1"})
    assert response.status_code == 302 and response["Location"] == TIES_URL
    tie = Tie.objects.get()
    assert (tie.status, tie.kind, tie.strength) == (Tie.Status.PENDING, Tie.Kind.MET, 1)
    assert tie.declared_by == person_of(member)


def test_declaring_twice_through_the_form_shows_the_reason(client, member, colleague):
    declare(member, colleague)
    client.force_login(member)
    response = client.post(
        f"{DECLARE_URL}?persoon={person_of(colleague).pk}", {"kind": "met", "strength": "1"}
    )
    assert response.status_code == 200
    assert "nog niet gereageerd" in response.content.decode()
    assert Tie.objects.count() == 1


def test_declaring_to_an_anonymised_or_unknown_person_is_404(client, member):
    gone = PersonFactory(anonymised_at=timezone.now())
    client.force_login(member)
    assert client.get(f"{DECLARE_URL}?persoon={gone.pk}").status_code == 404
    assert client.get(f"{DECLARE_URL}?persoon=999999").status_code == 404
    assert client.get(f"{DECLARE_URL}?persoon=abc").status_code == 404


# --- Consent ---------------------------------------------------------------------------------


def test_other_person_sees_the_request_and_confirms_it(client, member, colleague):
    tie = declare(member, colleague)
    client.force_login(colleague)
    page = client.get(TIES_URL).content.decode()
    assert "Wachten op uw bevestiging" in page and confirm_url(tie) in page
    response = client.post(confirm_url(tie))
    assert response.status_code == 302
    tie.refresh_from_db()
    assert tie.status == Tie.Status.CONFIRMED and tie.confirmed_at is not None
    assert AuditEvent.objects.filter(action="tie.confirmed", actor=colleague).exists()


def test_confirming_by_htmx_returns_the_refreshed_lists(client, member, colleague):
    tie = declare(member, colleague)
    client.force_login(colleague)
    response = client.post(confirm_url(tie), headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="my-ties"' in body and "zijn nu verbonden" in body
    assert confirm_url(tie) not in body


def test_other_person_declines(client, member, colleague):
    tie = declare(member, colleague)
    client.force_login(colleague)
    client.post(decline_url(tie))
    tie.refresh_from_db()
    assert tie.status == Tie.Status.DECLINED
    assert AuditEvent.objects.filter(action="tie.declined", actor=colleague).exists()
    assert not can_view_tie(member, tie)


def test_declarer_cannot_confirm_their_own_declaration(client, member, colleague):
    tie = declare(member, colleague)
    client.force_login(member)
    assert client.post(confirm_url(tie)).status_code == 404
    assert client.post(decline_url(tie)).status_code == 404
    with pytest.raises(Http404):
        services.tie_confirm(actor=member, tie=tie)
    tie.refresh_from_db()
    assert tie.status == Tie.Status.PENDING


def test_third_member_gets_404_on_confirm_and_decline(client, member, colleague, third):
    tie = declare(member, colleague)
    client.force_login(third)
    assert client.post(confirm_url(tie)).status_code == 404
    assert client.post(decline_url(tie)).status_code == 404
    tie.refresh_from_db()
    assert tie.status == Tie.Status.PENDING


def test_an_answered_tie_cannot_be_answered_again(client, member, colleague):
    tie = declare(member, colleague)
    client.force_login(colleague)
    client.post(confirm_url(tie))
    assert client.post(decline_url(tie)).status_code == 404
    tie.refresh_from_db()
    assert tie.status == Tie.Status.CONFIRMED


PAGES = [TIES_URL, DECLARE_URL, reverse("network:introductions")]


@pytest.mark.parametrize("url", PAGES)
def test_user_without_active_membership_is_stopped_before_ties_pages(client, nobody, url):
    # partners' ActiveAccountMiddleware answers first with its "no access" page (403) for
    # every non-account page; nothing of the network is shown.
    client.force_login(nobody)
    response = client.get(url)
    assert response.status_code in (403, 404)
    assert "Mijn connecties" not in response.content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_portal_admin_without_membership_gets_404_on_ties_pages(admin_client_with_mfa, url):
    # Admins pass the membership middleware (they manage accounts) but are no active member,
    # so the people part of the portal is a 404 for them like for anybody else outside it.
    assert admin_client_with_mfa.get(url).status_code == 404


def test_user_without_active_membership_cannot_confirm_or_declare(
    client, member, colleague, nobody, portal_admin
):
    tie = declare(member, colleague)
    client.force_login(nobody)
    assert client.post(confirm_url(tie)).status_code in (403, 404)
    assert client.post(f"{DECLARE_URL}?persoon={person_of(colleague).pk}").status_code in (
        403,
        404,
    )
    client.force_login(portal_admin)
    assert client.post(confirm_url(tie)).status_code == 404
    tie.refresh_from_db()
    assert tie.status == Tie.Status.PENDING
    assert Tie.objects.count() == 1


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(TIES_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Who sees a tie --------------------------------------------------------------------------


def test_pending_tie_is_invisible_to_a_third_member_but_visible_to_declarer_and_admin(
    member, colleague, third, portal_admin
):
    tie = declare(member, colleague)

    def sees(user: User) -> bool:
        listed = Tie.objects.filter(visible_ties_q(user), pk=tie.pk).exists()
        assert listed == can_view_tie(user, tie)
        return listed

    assert sees(member)
    assert sees(portal_admin)
    assert not sees(third)
    services.tie_confirm(actor=colleague, tie=tie)
    tie.refresh_from_db()
    assert sees(third)


def test_ties_page_shows_confirmed_awaiting_and_declared_with_derived_label(
    client, member, colleague, third
):
    me = person_of(member)
    derived_only = PersonFactory(first_name="Afgeleide", last_name="Persoon")
    tie_between(me, derived_only, source=Tie.Source.DERIVED, declared_by=None)
    declare(member, colleague)  # mine, pending
    declare(third, member)  # awaiting my answer
    outsider_pending = declare(colleague, third)  # not mine at all
    client.force_login(member)
    response = client.get(TIES_URL)
    data = response.context["ties"]
    assert [r.other for r in data.confirmed] == [derived_only]
    assert data.confirmed[0].derived and not data.confirmed[0].declared
    assert [r.other for r in data.declared_pending] == [person_of(colleague)]
    assert [r.other for r in data.awaiting_me] == [person_of(third)]
    body = response.content.decode()
    assert "afgeleid" in body and "wacht op bevestiging" in body
    assert confirm_url(outsider_pending) not in body


def test_declared_and_derived_tie_to_one_person_show_as_one_row(client, member, colleague):
    me, other = person_of(member), person_of(colleague)
    tie_between(me, other, source=Tie.Source.DERIVED, declared_by=None)
    tie_between(me, other, strength=3)
    client.force_login(member)
    rows = client.get(TIES_URL).context["ties"].confirmed
    assert len(rows) == 1
    assert rows[0].declared and rows[0].derived and rows[0].tie.strength == 3


def _add_ties(me: Person, count: int) -> None:
    for n in range(count):
        other = PersonFactory(last_name=f"Persoon{n:03d}")
        status = (Tie.Status.CONFIRMED, Tie.Status.PENDING)[n % 2]
        introducer = PersonFactory()
        tie_between(me if n % 3 else other, other if n % 3 else me, status=status)
        tie_between(me, other, source=Tie.Source.DERIVED, declared_by=None)
        Tie.objects.filter(person_a__in=[me, other], person_b__in=[me, other]).update(
            introduced_by=introducer
        )


def test_ties_page_query_count_is_constant(client, member, colleague, django_assert_num_queries):
    me = person_of(member)
    tie_between(me, person_of(colleague))
    client.force_login(member)
    client.get(TIES_URL)  # warm per-process caches
    with CaptureQueriesContext(connection) as one:
        response = client.get(TIES_URL)
    assert len(response.context["ties"].confirmed) == 1

    _add_ties(me, 12)
    with django_assert_num_queries(len(one)):
        response = client.get(TIES_URL)
    data = response.context["ties"]
    assert len(data.confirmed) == 13
    assert (len(data.declared_pending), len(data.awaiting_me)) == (4, 2)
    assert response.content.decode().count('<tr id="confirmed-') == 13


# --- Derived ties ----------------------------------------------------------------------------


def test_derived_ties_link_lead_and_creator_once_however_often_the_task_runs(company):
    u1, u2, u3, u4 = (member_of(company) for _ in range(4))
    InitiativeFactory(lead=u1, created_by=u2)
    InitiativeFactory(lead=u3, created_by=u2)
    InitiativeFactory(lead=u1, created_by=u2)  # the same pair again
    InitiativeFactory(lead=u4, created_by=u4)  # one person: no pair
    InitiativeFactory(lead=None, created_by=u1)

    assert network_derive_ties.delay().get() == 2
    p1, p2, p3 = (Person.objects.get(user=u) for u in (u1, u2, u3))
    pairs = set(
        Tie.objects.filter(source=Tie.Source.DERIVED).values_list("person_a_id", "person_b_id")
    )
    assert pairs == {tuple(sorted((p1.pk, p2.pk))), tuple(sorted((p2.pk, p3.pk)))}
    assert set(Tie.objects.values_list("status", flat=True)) == {Tie.Status.CONFIRMED}
    assert all(t.derived_from.startswith("initiative:") for t in Tie.objects.all())

    assert network_derive_ties.delay().get() == 0
    assert Tie.objects.count() == 2


def test_derived_ties_skip_anonymised_people_and_keep_declared_ties_apart(company):
    u1, u2, u3 = (member_of(company) for _ in range(3))
    p1, p2 = person_of(u1), person_of(u2)
    person_of(u3)
    Person.objects.filter(user=u3).update(anonymised_at=timezone.now())
    tie_between(p1, p2)  # a declared, confirmed tie already
    InitiativeFactory(lead=u1, created_by=u2)
    InitiativeFactory(lead=u1, created_by=u3)
    assert services.ties_derive() == 1
    assert Tie.objects.filter(source=Tie.Source.DERIVED).count() == 1
    assert Tie.objects.count() == 2


def test_deriving_ties_takes_the_same_queries_for_many_initiatives(
    company, django_assert_max_num_queries
):
    users = [member_of(company) for _ in range(12)]
    for u in users:
        person_of(u)
    InitiativeFactory(lead=users[0], created_by=users[1])
    with CaptureQueriesContext(connection) as few:
        services.ties_derive()
    for a, b in pairwise(users[1:]):
        InitiativeFactory(lead=a, created_by=b)
    with django_assert_max_num_queries(len(few)):
        created = services.ties_derive()
    assert created == 10
