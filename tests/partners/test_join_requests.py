"""Join by domain: a verified address at an organisation's domain may ask; its admins decide."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.urls import reverse

from lmi_portal.core.models import AuditEvent
from partners.models import JoinRequest, Membership, OrganisationDomain, User
from partners.services.join_requests import join_request_create
from tests.conftest import TOTP_SECRET
from tests.factories import MembershipFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

JOIN_URL = "/aanmelden-bij-organisatie/"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def ddvs_domain(company) -> OrganisationDomain:
    return OrganisationDomain.objects.create(organisation=company, domain="ddvs.example")


@pytest.fixture
def requester(competitor, ddvs_domain) -> User:
    """Someone active at another organisation, with a verified address at DDVS's domain."""
    return member_of(competitor, email="overstapper@ddvs.example", language="en")


@pytest.fixture
def ddvs_admin(org_admin) -> User:
    """DDVS's organisation admin (the shared cast's org_admin has TOTP)."""
    return org_admin


@pytest.fixture
def other_admin(competitor) -> User:
    """An organisation admin, but of the competing company."""
    user = UserFactory(email="beheerder@rmmv.example")
    MembershipFactory(user=user, organisation=competitor, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(user, TOTP_SECRET)
    return user


def list_url(organisation) -> str:
    return reverse("partners:join_request_list", args=[organisation.pk])


def decide_url(join_request) -> str:
    return reverse(
        "partners:join_request_decide", args=[join_request.organisation_id, join_request.pk]
    )


def ask(user, organisation, motivation="") -> JoinRequest:
    return join_request_create(user=user, organisation=organisation, motivation=motivation)


# --- Asking ------------------------------------------------------------------------------------


def test_urls_are_the_dutch_ones(company):
    assert reverse("partners:join_organisation") == JOIN_URL
    assert list_url(company) == f"/organisaties/{company.pk}/aanmeldverzoeken/"


def test_join_page_lists_the_organisation_of_a_verified_domain(client, requester, company):
    client.force_login(requester)
    response = client.get(JOIN_URL)
    assert response.status_code == 200
    assert company.name in response.content.decode()
    assert [row["organisation"] for row in response.context["organisations"]] == [company]


def test_unverified_address_at_the_domain_is_not_enough(client, competitor, company, ddvs_domain):
    user = member_of(competitor, email="iemand@rmmv.example")
    EmailAddress.objects.create(user=user, email="iemand@ddvs.example", verified=False)
    client.force_login(user)
    assert client.get(JOIN_URL).context["organisations"] == []
    response = client.post(JOIN_URL, {"organisation": company.pk})
    assert response.status_code == 404
    assert not JoinRequest.objects.exists()


def test_address_at_another_domain_cannot_ask(client, outsider, company, ddvs_domain):
    client.force_login(outsider)
    assert client.post(JOIN_URL, {"organisation": company.pk}).status_code == 404
    assert not JoinRequest.objects.exists()


def test_current_member_is_not_offered_their_own_organisation(client, member, ddvs_domain):
    client.force_login(member)  # lid@ddvs.example, already a member of DDVS
    assert client.get(JOIN_URL).context["organisations"] == []


def test_suspended_organisation_is_not_offered(client, requester, company):
    company.status = "suspended"
    company.save(update_fields=["status"])
    client.force_login(requester)
    assert client.get(JOIN_URL).context["organisations"] == []


def test_asking_stores_a_request_and_emails_the_org_admins(
    client, requester, company, ddvs_admin, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(requester)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            JOIN_URL, {"organisation": company.pk, "motivation": "Nieuw bij planning."}
        )

    assert response.status_code == 302
    join_request = JoinRequest.objects.get()
    assert (join_request.user, join_request.organisation, join_request.status) == (
        requester,
        company,
        JoinRequest.Status.PENDING,
    )
    assert join_request.email == "overstapper@ddvs.example"
    assert join_request.motivation == "Nieuw bij planning."
    assert [m.to for m in mailoutbox] == [[ddvs_admin.email]]
    assert list_url(company) in mailoutbox[0].body
    assert "Nieuw bij planning." in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="join_request.created", actor=requester).exists()
    page = client.get(JOIN_URL).content.decode()
    assert "Request pending" in page


def test_a_refused_motivation_comes_back_with_the_reason_and_the_text(client, requester, company):
    client.force_login(requester)
    text = "Planner bij de werkplaats. " * 40  # over the 1,000 characters allowed
    response = client.post(JOIN_URL, {"organisation": company.pk, "motivation": text})
    assert response.status_code == 200
    assert not JoinRequest.objects.exists()
    page = response.content.decode()
    assert f'id="motivation-error-{company.pk}"' in page
    assert "at most 1000 characters" in page
    assert 'aria-invalid="true"' in page
    assert text.strip() in page  # nothing typed is lost


def test_second_pending_request_is_refused(client, requester, company):
    ask(requester, company)
    client.force_login(requester)
    response = client.post(JOIN_URL, {"organisation": company.pk}, follow=True)
    assert "You already have an open request" in response.content.decode()
    assert JoinRequest.objects.count() == 1


# --- Deciding ----------------------------------------------------------------------------------


def test_org_admin_sees_pending_requests(client, ddvs_admin, requester, company):
    ask(requester, company, motivation="Graag toegang.")
    client.force_login(ddvs_admin)
    response = client.get(list_url(company))
    body = response.content.decode()
    assert response.status_code == 200
    assert "overstapper@ddvs.example" in body
    assert "Graag toegang." in body


def test_other_organisations_admin_gets_404(client, other_admin, requester, company):
    join_request = ask(requester, company)
    client.force_login(other_admin)
    assert client.get(list_url(company)).status_code == 404
    response = client.post(decide_url(join_request), {"decision": "approve"})
    assert response.status_code == 404
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING
    assert not Membership.objects.filter(user=requester, organisation=company).exists()


def test_plain_member_gets_404_on_the_requests_page(client, member, requester, company):
    ask(requester, company)
    client.force_login(member)
    assert client.get(list_url(company)).status_code == 404


def test_request_of_another_organisation_is_404_under_ones_own(
    client, ddvs_admin, company, competitor
):
    OrganisationDomain.objects.create(organisation=competitor, domain="rmmv.example")
    person = member_of(company, email="dubbel@rmmv.example")
    foreign = ask(person, competitor)
    client.force_login(ddvs_admin)
    url = reverse("partners:join_request_decide", args=[company.pk, foreign.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == JoinRequest.Status.PENDING


def test_approving_makes_a_member_and_emails_the_requester(
    client, ddvs_admin, requester, company, mailoutbox, django_capture_on_commit_callbacks
):
    join_request = ask(requester, company)
    client.force_login(ddvs_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide_url(join_request), {"decision": "approve", "comment": ""})

    assert response.status_code == 302
    membership = Membership.objects.current().get(user=requester, organisation=company)
    assert membership.role == Membership.Role.MEMBER
    join_request.refresh_from_db()
    assert (join_request.status, join_request.decided_by) == (
        JoinRequest.Status.APPROVED,
        ddvs_admin,
    )
    assert [m.to for m in mailoutbox] == [[requester.email]]
    assert company.name in mailoutbox[0].subject
    assert AuditEvent.objects.filter(action="join_request.approved", actor=ddvs_admin).exists()


def test_declining_keeps_no_membership_and_sends_the_comment(
    client, ddvs_admin, requester, company, mailoutbox, django_capture_on_commit_callbacks
):
    join_request = ask(requester, company)
    client.force_login(ddvs_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            decide_url(join_request),
            {"decision": "decline", "comment": "We kennen u (nog) niet."},
        )

    assert not Membership.objects.filter(user=requester, organisation=company).exists()
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.DECLINED
    assert join_request.comment == "We kennen u (nog) niet."
    assert [m.to for m in mailoutbox] == [[requester.email]]
    assert "We kennen u (nog) niet." in mailoutbox[0].body
    assert AuditEvent.objects.filter(action="join_request.declined", actor=ddvs_admin).exists()


def test_declining_without_a_comment_rerenders_with_an_error(
    client, ddvs_admin, requester, company
):
    join_request = ask(requester, company)
    client.force_login(ddvs_admin)
    response = client.post(decide_url(join_request), {"decision": "decline"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="join-requests"')
    assert "waarom u het verzoek afwijst" in body
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_htmx_decision_returns_the_list_fragment_without_the_request(
    client, ddvs_admin, requester, company
):
    join_request = ask(requester, company)
    client.force_login(ddvs_admin)
    response = client.post(decide_url(join_request), {"decision": "approve"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "is nu lid van" in body
    assert "overstapper@ddvs.example" not in body


def test_a_request_is_decided_only_once(client, ddvs_admin, requester, company):
    join_request = ask(requester, company)
    client.force_login(ddvs_admin)
    client.post(decide_url(join_request), {"decision": "decline", "comment": "Nee."})
    response = client.post(decide_url(join_request), {"decision": "approve"}, headers=HTMX)
    assert "al besloten" in response.content.decode()
    assert not Membership.objects.filter(user=requester, organisation=company).exists()


@pytest.mark.parametrize("count", [1, 5])
def test_requests_page_query_count_is_constant(
    client, ddvs_admin, company, ddvs_domain, competitor, django_assert_num_queries, count
):
    for n in range(count):
        ask(member_of(competitor, email=f"persoon{n}@ddvs.example"), company)
    client.force_login(ddvs_admin)
    client.get(list_url(company))  # warm the per-session and per-process caches
    with django_assert_num_queries(EXPECTED_LIST_QUERIES):
        response = client.get(list_url(company))
    assert len(response.context["join_requests"]) == count


# session, user, MFA check (managed organisations, second factor), access context, managed
# organisations (the view's accessor), the organisation, the pending requests with requesters
EXPECTED_LIST_QUERIES = 8


def test_someone_without_any_membership_can_still_ask_to_join(client, company, ddvs_domain):
    # Their old organisation's membership ended; the join page is the way back in.
    drifter = UserFactory(email="vertrokken@ddvs.example")
    client.force_login(drifter)
    assert client.get(reverse("dashboard")).status_code == 403
    response = client.get(reverse("partners:join_organisation"))
    assert response.status_code == 200
    assert company.name in response.content.decode()
    client.post(reverse("partners:join_organisation"), {"organisation": company.pk})
    assert JoinRequest.objects.filter(user=drifter, organisation=company).exists()
