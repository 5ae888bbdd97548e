"""Journey: a member says "Ik ken …" and the other person confirms it in their own browser."""

from __future__ import annotations

import re

import pytest
from django.db.models import Q
from playwright.sync_api import expect

from network.models import Affiliation, Person, Tie
from network.services.affiliations import person_for_user
from partners.models import Membership, User

from .browsing import Browsers
from .helpers import COMPETITORS, PARTNER_COLLEAGUE, assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

DECLARER = PARTNER_COLLEAGUE  # Joris Visser, DDVS
OTHER = COMPETITORS[1]  # Daan Mulder, RMMV NL


def _person_with_current_post(email: str) -> Person:
    """The demo account's person record, findable in the directory (a current post)."""
    user = User.objects.get(email=email)
    person = person_for_user(user=user)
    if not Affiliation.objects.current().filter(person=person).exists():
        membership = Membership.objects.filter(user=user).first()
        assert membership is not None
        Affiliation.objects.create(
            person=person, organisation_id=membership.organisation_id, email=email
        )
    return person


def test_member_declares_a_tie_and_the_other_person_confirms_it(browsers: Browsers) -> None:
    joris = _person_with_current_post(DECLARER)
    daan = _person_with_current_post(OTHER)
    # Whatever the demo network says about these two, the journey starts from "not linked".
    pair = Q(person_a=joris, person_b=daan) | Q(person_a=daan, person_b=joris)
    Tie.objects.filter(pair, source=Tie.Source.DECLARED).delete()

    page_a = browsers.new_page()
    log_in(page_a, DECLARER)
    page_a.goto("/netwerk/connecties/")
    page_a.get_by_role("link", name="Ik ken iemand").click()
    expect(page_a).to_have_url(re.compile(r"/netwerk/connecties/nieuw/$"))
    page_a.get_by_label("Zoek de persoon op naam").fill("Mulder")
    page_a.get_by_role("button", name="Zoeken").click()
    page_a.get_by_role("link", name=f"Kiezen {daan.full_name}").click()
    expect(page_a.get_by_role("heading", level=1)).to_have_text(f"Ik ken {daan.full_name}")
    assert_accessible(page_a)
    page_a.get_by_label("ontmoet").check()
    page_a.get_by_label("3: we werken nauw samen").check()
    page_a.get_by_role("button", name="Opgeven").click()

    expect(page_a).to_have_url(re.compile(r"/netwerk/connecties/$"))
    expect(page_a.get_by_role("status").first).to_contain_text("bevestigt de connectie nog")
    tie = Tie.objects.get(pair, source=Tie.Source.DECLARED)
    declared = page_a.locator(f"#pending-{tie.pk}")
    expect(declared).to_contain_text(daan.full_name)
    expect(declared).to_contain_text("wacht op bevestiging")
    assert tie.declared_by == joris
    assert (tie.status, tie.kind, tie.strength) == (Tie.Status.PENDING, Tie.Kind.MET, 3)

    page_b = browsers.new_page()
    log_in(page_b, OTHER)
    page_b.goto("/netwerk/connecties/")
    awaiting = page_b.locator(f"#tie-{tie.pk}")
    expect(awaiting).to_contain_text(joris.full_name)
    assert_accessible(page_b)
    # Confirming goes through htmx: only #my-ties is swapped, with the outcome in it.
    awaiting.get_by_role("button", name=f"Bevestigen {joris.full_name}").click()
    expect(page_b.locator("#my-ties").get_by_role("status")).to_contain_text("zijn nu verbonden")
    expect(page_b.locator(f"#confirmed-{joris.pk}")).to_contain_text(joris.full_name)
    expect(page_b.locator(f"#tie-{tie.pk}")).to_have_count(0)
    tie.refresh_from_db()
    assert tie.status == Tie.Status.CONFIRMED

    page_a.reload()
    confirmed = page_a.locator(f"#confirmed-{daan.pk}")
    expect(confirmed).to_contain_text(daan.full_name)
    expect(confirmed).to_contain_text("bevestigd")
    expect(page_a.locator(f"#pending-{tie.pk}")).to_have_count(0)
