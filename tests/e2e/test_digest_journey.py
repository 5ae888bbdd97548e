"""The digest: a partner previews it, it is sent once, its HTML renders in a real browser (a
screenshot is kept), and its unsubscribe link works without signing in."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from initiatives.models import Initiative
from initiatives.services.work import action_create
from lmi_portal.core.digests import digest_run, preference_update
from lmi_portal.core.models import DigestPreference, OutboxEmail
from partners.access import can_view
from partners.models import User

from .browsing import Browsers
from .helpers import PARTNER, PARTNER_COLLEAGUE, assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

# Kept by CI as an artefact (see README, "Development"): what the email looks like.
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "e2e-screenshots"


def test_partner_previews_gets_one_digest_that_renders_and_unsubscribes_once(
    page: Page, browsers: Browsers
) -> None:
    lead = User.objects.get(email=PARTNER)
    user = User.objects.get(email=PARTNER_COLLEAGUE)
    initiative = next(
        i
        for i in Initiative.objects.filter(owner_organisation__memberships__user=user)
        if can_view(user, i) and can_view(lead, i)
    )
    action_create(
        actor=lead,
        initiative=initiative,
        title="Meetgegevens Boxer aanleveren",
        owner=user,
        due_date=timezone.localdate() + timedelta(days=2),
    )
    # Due whenever the test runs: daily, from midnight.
    preference_update(user=user, frequency="daily", weekday=0, hour=0, instant_events=[])

    log_in(page, PARTNER_COLLEAGUE)
    page.goto("/berichten/voorbeeld/")
    expect(page.get_by_role("heading", name="Acties voor jou")).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile("Meetgegevens Boxer aanleveren"))
    ).to_be_visible()
    assert_accessible(page)

    digest_run()
    digest_run()  # the next hourly tick: nothing new
    (email,) = OutboxEmail.objects.filter(recipient=user, category="digest")
    assert "Meetgegevens Boxer aanleveren" in email.body_text
    assert "/berichten/afmelden/" in email.body_text

    # The HTML part in a real browser, at desktop and phone width.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    viewer = browsers.new_page()
    for name, width in (("desktop", 1280), ("phone", 390)):
        viewer.set_viewport_size({"width": width, "height": 900})
        viewer.set_content(email.body_html)
        expect(viewer.get_by_role("heading", name="Acties voor jou")).to_be_visible()
        link = viewer.get_by_role("link", name=re.compile("Meetgegevens Boxer aanleveren"))
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["x"] + box["width"] <= width  # nothing off the screen
        viewer.screenshot(path=str(SCREENSHOTS / f"digest-email-{name}.png"), full_page=True)

    # The unsubscribe link from the header, opened without signing in.
    header = "".join(email.headers["List-Unsubscribe"].split()).strip("<>")
    path = "/" + header.split("://", 1)[1].split("/", 1)[1]
    anonymous = browsers.new_page()
    anonymous.goto(path)
    anonymous.get_by_role("button", name="Ja, afmelden").click()
    expect(anonymous.get_by_role("status")).to_contain_text("U bent afgemeld")
    assert DigestPreference.objects.get(user=user).frequency == "off"
    anonymous.goto(path)
    expect(anonymous.get_by_role("alert")).to_contain_text("niet (meer) geldig")
