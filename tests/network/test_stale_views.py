"""The one-click confirm link (no login, works once, expires, cannot be edited) and the
stale-contacts dashboard (programme managers: all; organisation admins: their own; others 404)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lmi_portal.core.models import AuditEvent
from network.models import ContactFlag, Person
from network.services.stale import confirm_token_for
from tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db

R = ContactFlag.Reason
HTMX = {"HX-Request": "true"}
LONG_AGO = timezone.now() - timedelta(days=400)


def confirm_url(token: str) -> str:
    return reverse("network:confirm_link", args=[token])


@pytest.fixture
def stale_person(db) -> Person:
    person = PersonFactory(first_name="Jeroen", last_name="Verbeek", last_confirmed_at=LONG_AGO)
    ContactFlag.objects.create(person=person, reason=R.NOT_CONFIRMED)
    return person


def test_the_confirm_link_asks_without_login_and_does_not_confirm_on_get(client, stale_person):
    response = client.get(confirm_url(confirm_token_for(stale_person)))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Jeroen Verbeek" in content
    assert "Ja, dit klopt nog" in content
    assert 'method="post"' in content
    stale_person.refresh_from_db()
    assert stale_person.last_confirmed_at == LONG_AGO  # mail scanners follow links
    assert ContactFlag.objects.get(person=stale_person).resolved_at is None


def test_pressing_the_button_confirms_without_login(client, stale_person):
    before = timezone.now()

    response = client.post(confirm_url(confirm_token_for(stale_person)))

    assert response.status_code == 200
    assert "bevestigd" in response.content.decode()
    stale_person.refresh_from_db()
    assert stale_person.last_confirmed_at >= before
    flag = ContactFlag.objects.get(person=stale_person)
    assert flag.resolved_at is not None
    assert flag.resolution == ContactFlag.Resolution.CONFIRMED
    audit = AuditEvent.objects.get(action="network.person_confirmed")
    assert audit.actor is None
    assert audit.target_id == str(stale_person.pk)
    assert audit.data == {"via": "email_link"}


def test_the_link_works_once_and_cannot_be_replayed(client, stale_person):
    url = confirm_url(confirm_token_for(stale_person))
    client.post(url)
    stale_person.refresh_from_db()
    confirmed_at = stale_person.last_confirmed_at

    again = client.post(url)
    shown = client.get(url)

    assert again.status_code == 410 and shown.status_code == 410
    assert "al bevestigd" in again.content.decode()
    stale_person.refresh_from_db()
    assert stale_person.last_confirmed_at == confirmed_at
    assert AuditEvent.objects.filter(action="network.person_confirmed").count() == 1


def test_a_link_to_a_never_confirmed_person_also_works_once(client):
    person = PersonFactory(last_confirmed_at=None)
    url = confirm_url(confirm_token_for(person))

    assert client.post(url).status_code == 200
    assert client.post(url).status_code == 410
    person.refresh_from_db()
    assert person.last_confirmed_at is not None


def test_an_older_link_stops_working_once_the_record_was_confirmed_otherwise(client, stale_person):
    url = confirm_url(confirm_token_for(stale_person))
    Person.objects.filter(pk=stale_person.pk).update(last_confirmed_at=timezone.now())

    assert client.post(url).status_code == 410


def test_an_expired_link_gets_a_clear_page_and_confirms_nothing(client, stale_person):
    url = confirm_url(confirm_token_for(stale_person))

    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        shown = client.get(url)
        pressed = client.post(url)

    assert shown.status_code == 410 and pressed.status_code == 410
    assert "verlopen" in pressed.content.decode()
    stale_person.refresh_from_db()
    assert stale_person.last_confirmed_at == LONG_AGO


def test_a_link_still_works_just_before_it_expires(client, stale_person):
    url = confirm_url(confirm_token_for(stale_person))

    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23)):
        assert client.post(url).status_code == 200


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_token_edited_to_another_person_confirms_nobody(client, stale_person):
    other = PersonFactory(last_confirmed_at=LONG_AGO)
    token = confirm_token_for(stale_person)
    _payload, timestamp, signature = token.rsplit(":", 2)
    edited = f"{_b64({'p': other.pk, 'c': 0})}:{timestamp}:{signature}"

    response = client.post(confirm_url(edited))

    assert response.status_code == 410
    assert "klopt niet" in response.content.decode()
    other.refresh_from_db()
    stale_person.refresh_from_db()
    assert other.last_confirmed_at == LONG_AGO == stale_person.last_confirmed_at


def test_a_token_signed_for_another_purpose_is_refused(client, stale_person):
    token = signing.dumps({"p": stale_person.pk, "c": 0}, salt="partners.invitation")

    assert client.post(confirm_url(token)).status_code == 410
    assert client.post(confirm_url("niet-een-token")).status_code == 410
    stale_person.refresh_from_db()
    assert stale_person.last_confirmed_at == LONG_AGO


def test_the_confirm_button_needs_the_csrf_token(stale_person):
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(confirm_url(confirm_token_for(stale_person)))

    assert response.status_code == 403
    stale_person.refresh_from_db()
    assert stale_person.last_confirmed_at == LONG_AGO


def test_a_link_for_an_anonymised_person_confirms_nothing(client, stale_person):
    url = confirm_url(confirm_token_for(stale_person))
    Person.objects.filter(pk=stale_person.pk).update(anonymised_at=timezone.now())

    assert client.post(url).status_code == 410


def test_a_signed_in_member_can_use_the_link_too(client, member, stale_person):
    client.force_login(member)

    assert client.post(confirm_url(confirm_token_for(stale_person))).status_code == 200


# --- The dashboard ---------------------------------------------------------------------------

DASHBOARD = "/netwerk/verouderd/"


def flagged(organisation, reason=R.NOT_CONFIRMED, **person_kwargs) -> Person:
    person = PersonFactory(**person_kwargs)
    AffiliationFactory(person=person, organisation=organisation)
    ContactFlag.objects.create(person=person, reason=reason)
    return person


def test_dashboard_url_is_named():
    assert reverse("network:stale") == DASHBOARD


def test_programme_manager_sees_every_open_flag_by_organisation(
    client, programme_manager, company, competitor
):
    ours = flagged(company, first_name="Kees", last_name="Bosch")
    theirs = flagged(competitor, R.ROTATION_PASSED, first_name="Lies", last_name="Mol")
    resolved = flagged(competitor, first_name="Opgelost", last_name="Al")
    ContactFlag.objects.filter(person=resolved).update(resolved_at=timezone.now())
    client.force_login(programme_manager)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    content = response.content.decode()
    assert ours.full_name in content and theirs.full_name in content
    assert "Opgelost Al" not in content
    assert company.name in content and competitor.name in content
    counts = response.context["counts"]
    assert counts.total == 2
    assert counts.per_reason[R.NOT_CONFIRMED] == 1 and counts.per_reason[R.ROTATION_PASSED] == 1
    by_org = {row["organisation_id"]: row["total"] for row in counts.rows}
    assert by_org == {company.pk: 1, competitor.pk: 1}
    assert reverse("network:person_detail", args=[ours.pk]) in content


def test_organisation_admin_sees_only_people_of_organisations_they_manage(
    client, org_admin, company, competitor
):
    ours = flagged(company, first_name="Kees", last_name="Bosch")
    flagged(competitor, first_name="Lies", last_name="Mol")
    client.force_login(org_admin)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    content = response.content.decode()
    assert ours.full_name in content
    assert "Lies Mol" not in content
    assert competitor.name not in content
    assert response.context["counts"].total == 1


def test_organisation_admin_still_sees_someone_who_left_their_organisation(
    client, org_admin, company
):
    person = PersonFactory(first_name="Vertrokken", last_name="Collega")
    AffiliationFactory(
        person=person,
        organisation=company,
        start_date=timezone.localdate() - timedelta(days=400),
        end_date=timezone.localdate() - timedelta(days=10),
    )
    ContactFlag.objects.create(person=person, reason=R.AFFILIATION_ENDED)
    client.force_login(org_admin)

    assert "Vertrokken Collega" in client.get(DASHBOARD).content.decode()


@pytest.mark.parametrize("who", ["member", "outsider", "portal_admin"])
def test_everyone_else_gets_404(client, request, who, company):
    flagged(company)
    client.force_login(request.getfixturevalue(who))

    assert client.get(DASHBOARD).status_code == 404


def test_anonymous_visitor_is_sent_to_login(client, company):
    response = client.get(DASHBOARD)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_filter_by_reason_and_organisation_answers_htmx_with_the_fragment(
    client, programme_manager, company, competitor
):
    flagged(company, first_name="Kees", last_name="Bosch")
    flagged(company, R.EMAIL_BOUNCED, first_name="Piet", last_name="Smit")
    flagged(competitor, R.EMAIL_BOUNCED, first_name="Lies", last_name="Mol")
    client.force_login(programme_manager)

    response = client.get(
        DASHBOARD, {"organisatie": company.pk, "reden": R.EMAIL_BOUNCED}, headers=HTMX
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content and 'id="stale-results"' in content
    assert "Piet Smit" in content
    assert "Kees Bosch" not in content and "Lies Mol" not in content
    assert "HX-Request" in response["Vary"]


def test_an_unknown_reason_or_organisation_filter_is_ignored(client, programme_manager, company):
    flagged(company, first_name="Kees", last_name="Bosch")
    client.force_login(programme_manager)

    response = client.get(DASHBOARD, {"organisatie": "x", "reden": "onzin"})

    assert response.status_code == 200
    assert "Kees Bosch" in response.content.decode()


def test_a_person_is_grouped_under_their_current_organisation(
    client, programme_manager, company, competitor
):
    person = PersonFactory(first_name="Overgestapt", last_name="Persoon")
    AffiliationFactory(
        person=person,
        organisation=competitor,
        start_date=timezone.localdate() - timedelta(days=900),
        end_date=timezone.localdate() - timedelta(days=300),
    )
    AffiliationFactory(
        person=person, organisation=company, start_date=timezone.localdate() - timedelta(days=200)
    )
    ContactFlag.objects.create(person=person, reason=R.NOT_CONFIRMED)
    client.force_login(programme_manager)

    counts = client.get(DASHBOARD).context["counts"]

    assert [row["organisation_id"] for row in counts.rows] == [company.pk]


def _dashboard_queries(client, n: int) -> int:
    orgs = [OrganisationFactory() for _ in range(3)]
    for i in range(n):
        flagged(orgs[i % 3], list(R)[i % len(R)])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["counts"].total == ContactFlag.objects.count()
    return len(queries)


def test_dashboard_query_count_does_not_grow_with_the_rows(client, programme_manager):
    client.force_login(programme_manager)
    client.get(DASHBOARD)  # the first request of a session does its own bookkeeping
    one = _dashboard_queries(client, 1)
    ContactFlag.objects.all().delete()
    many = _dashboard_queries(client, 25)

    assert one == many
