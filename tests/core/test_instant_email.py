"""Events that also send an email at once, unless the user turned that event off."""

from __future__ import annotations

import pytest

from initiatives.services.work import action_create
from lmi_portal.core.digests import preference_update
from lmi_portal.core.models import Notification, OutboxEmail
from lmi_portal.core.notifications import notification_send
from partners.models import TLP, OrganisationDomain
from partners.services.join_requests import join_request_create
from tests.factories import InitiativeFactory, member_of

pytestmark = pytest.mark.django_db


def test_an_assigned_action_notifies_and_emails_the_owner_in_their_language(member, company):
    owner = member_of(company, language="en")
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER, lead=member)
    action_create(actor=member, initiative=initiative, title="Sensoren bestellen", owner=owner)
    notification = Notification.objects.get(recipient=owner, verb="action.assigned")
    email = OutboxEmail.objects.get(recipient=owner)
    assert email.category == "instant"
    assert email.idempotency_key == f"notification:{notification.pk}"
    assert "Sensoren bestellen" in email.subject
    assert email.subject.startswith("LMI Portal:")
    assert f"/initiatieven/{initiative.pk}/#action-" in email.body_text
    assert '<html lang="en">' in email.body_html


def test_an_event_turned_off_still_notifies_in_the_portal_but_sends_no_email(member, company):
    owner = member_of(company)
    preference_update(
        user=owner, frequency="weekly", weekday=0, hour=7, instant_events=["mentioned"]
    )
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER, lead=member)
    action_create(actor=member, initiative=initiative, title="Offerte vergelijken", owner=owner)
    assert Notification.objects.filter(recipient=owner, verb="action.assigned").exists()
    assert not OutboxEmail.objects.filter(recipient=owner).exists()


def test_sending_the_same_notification_twice_is_two_notifications_each_emailed_once(company):
    user = member_of(company)
    for _ in range(2):
        notification_send(
            recipients=[user], verb="x", text=lambda: "Iets voor u", email_event="mentioned"
        )
    keys = set(OutboxEmail.objects.values_list("idempotency_key", flat=True))
    ids = set(Notification.objects.values_list("pk", flat=True))
    assert keys == {f"notification:{pk}" for pk in ids}


def test_join_request_reaches_admins_in_app_and_by_email_unless_turned_off(
    org_admin, company, competitor
):
    OrganisationDomain.objects.create(organisation=company, domain="ddvs.example")
    quiet_admin = member_of(company)
    quiet_admin.memberships.update(role="org_admin")
    preference_update(user=quiet_admin, frequency="weekly", weekday=0, hour=7, instant_events=[])
    requester = member_of(competitor, email="overstapper@ddvs.example")
    join_request_create(user=requester, organisation=company)
    assert Notification.objects.filter(verb="join_request.received").count() == 2
    emailed = set(OutboxEmail.objects.values_list("to", flat=True))
    assert org_admin.email in emailed
    assert quiet_admin.email not in emailed
