"""A participant's member opens an AMBER initiative of another company and reacts to it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from initiatives.models import Comment, Participation
from partners.models import TLP, Organisation, User
from tests.factories import InitiativeFactory

from .helpers import COMPETITORS, assert_accessible, log_in

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("demo")]

RMMV_MEMBER = COMPETITORS[1]  # daan.mulder@rmmv.example, a plain member: no TOTP step
TITLE = "Gezamenlijke diagnose-app voor de Fennek"


def test_participating_member_posts_a_markdown_comment(page: Page) -> None:
    ddvs = Organisation.objects.get(short_name="DDVS")
    rmmv = Organisation.objects.get(short_name="RMMV NL")
    initiative = InitiativeFactory(
        title=TITLE,
        summary="Eén app voor storingsdiagnose, gevoed door beide werkplaatsen.",
        owner_organisation=ddvs,
        tlp=TLP.AMBER,
    )
    Participation.objects.create(initiative=initiative, organisation=rmmv, role="Medeontwikkelaar")

    log_in(page, RMMV_MEMBER)
    response = page.goto(initiative.get_absolute_url())
    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    comments = page.locator("#comments")
    expect(comments).to_contain_text("Nog geen reacties.")

    page.get_by_label("Uw reactie").fill("Wij leveren de storingsdata; dat wordt **vet** goed.")
    page.evaluate("() => { window.__e2eSamePage = true; }")
    comments.get_by_role("button", name="Reageren").click()

    # htmx swapped only the comments section: the page itself stayed.
    expect(comments.get_by_role("status")).to_have_text("Reactie geplaatst.")
    expect(comments.locator(".comment-body strong")).to_have_text("vet")
    expect(comments).to_contain_text("Daan Mulder")
    assert page.evaluate("() => window.__e2eSamePage === true")
    expect(page).to_have_url(re.compile(rf"{initiative.get_absolute_url()}$"))
    expect(page.get_by_label("Uw reactie")).to_have_value("")

    comment = Comment.objects.get(initiative=initiative)
    assert comment.author == User.objects.get(email=RMMV_MEMBER)
    assert "<strong>vet</strong>" in comment.body_html
    assert_accessible(page)
