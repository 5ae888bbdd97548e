"""The TLP badge shown on cards, item pages and the minutes."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils import translation

from partners.models import TLP
from tests.factories import InitiativeFactory

pytestmark = pytest.mark.django_db

RENDER = Template("{% load tlp %}{% tlp_badge item %}")


@pytest.mark.parametrize(
    ("tlp", "text"),
    [
        (TLP.CLEAR, "TLP:CLEAR"),
        (TLP.GREEN, "TLP:GREEN"),
        (TLP.AMBER, "TLP:AMBER"),
        (TLP.AMBER_STRICT, "TLP:AMBER+STRICT"),
        (TLP.RED, "TLP:RED"),
    ],
)
def test_badge_names_the_marking(tlp, text):
    html = RENDER.render(Context({"item": InitiativeFactory(tlp=tlp)}))
    assert f">{text}</span>" in html
    assert f'class="badge tlp-{tlp}"' in html


def test_initiative_page_and_board_card_show_the_badge(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company, tlp=TLP.AMBER_STRICT)
    client.force_login(member)
    assert ">TLP:AMBER+STRICT</span>" in client.get(initiative.get_absolute_url()).content.decode()
    board = client.get("/initiatieven/bord/").content.decode()
    assert ">TLP:AMBER+STRICT</span>" in board


@pytest.mark.parametrize("language", ["nl", "en"])
def test_badge_title_is_the_label_in_the_reader_language(language):
    item = InitiativeFactory(tlp=TLP.AMBER)
    with translation.override(language):
        html = RENDER.render(Context({"item": item}))
        assert f'title="{item.get_tlp_display()}"' in html
