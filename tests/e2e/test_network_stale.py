"""A steward confirms a stale contact from the "klopt dit nog?" email, without signing in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from lmi_portal.core.models import OutboxEmail
from network.models import ContactFlag, Person
from network.services.stale import stale_contacts_scan
from partners.models import User
from tests.factories import AffiliationFactory, PersonFactory, person_of

from .browsing import Browsers
from .helpers import PARTNER_COLLEAGUE, PROGRAMME_MANAGER, assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]


def confirm_link_for(email: str, name: str) -> str:
    """The path of the confirm link for ``name`` in the newest "klopt dit nog?" email to
    ``email``. The email names the configured SITE_URL; the test server runs elsewhere."""
    message = (
        OutboxEmail.objects.filter(to=email, idempotency_key__startswith="network:klopt-dit-nog:")
        .order_by("-created_at")
        .first()
    )
    assert message is not None, f"no 'klopt dit nog?' email to {email} in the outbox"
    entry = message.body_text.split(name, 1)
    assert len(entry) == 2, message.body_text
    match = re.search(r"https?://[^/\s]+(/netwerk/bevestigen/[^/\s]+/)", entry[1])
    assert match, message.body_text
    return match.group(1)


def test_steward_confirms_a_stale_contact_from_the_email_link(
    page: Page, browsers: Browsers
) -> None:
    steward_user = User.objects.get(email=PARTNER_COLLEAGUE)
    steward = person_of(steward_user)
    organisation = steward_user.memberships.first().organisation
    if not steward.affiliations.exists():
        AffiliationFactory(person=steward, organisation=organisation)
    contact = PersonFactory(
        first_name="Wessel", last_name="Hoogeveen", steward=steward, last_confirmed_at=None
    )
    long_ago = timezone.now() - timedelta(days=400)
    Person.objects.filter(pk=contact.pk).update(created_at=long_ago)
    AffiliationFactory(person=contact, organisation=organisation)

    stale_contacts_scan()

    flag = ContactFlag.objects.get(person=contact, reason=ContactFlag.Reason.NOT_CONFIRMED)
    assert flag.resolved_at is None and flag.notified_at is not None
    link = confirm_link_for(PARTNER_COLLEAGUE, "Wessel Hoogeveen")

    # The programme manager sees the flag on the stale-contacts dashboard, under the organisation.
    manager = browsers.new_page()
    log_in(manager, PROGRAMME_MANAGER)
    manager.goto("/netwerk/verouderd/")
    expect(manager.locator("#stale-results")).to_contain_text("Wessel Hoogeveen")
    expect(manager.locator("#stale-results")).to_contain_text(organisation.name)
    assert_accessible(manager)

    # Not signed in: the link opens a page that asks, and confirms only on the button.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Klopt dit nog?")
    expect(page.locator("main")).to_contain_text("Wessel Hoogeveen")
    assert_accessible(page)
    contact.refresh_from_db()
    assert contact.last_confirmed_at is None

    page.get_by_role("button", name="Ja, dit klopt nog").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Bedankt, bevestigd")
    contact.refresh_from_db()
    flag.refresh_from_db()
    assert contact.last_confirmed_at is not None
    assert flag.resolved_at is not None
    assert flag.resolution == ContactFlag.Resolution.CONFIRMED

    # The same link a second time: already confirmed, nothing changes.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze gegevens zijn al bevestigd")
