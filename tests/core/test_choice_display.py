"""``get_<field>_display()`` on the portal's models (``TimeStampedModel``): the label in the
reader's language, the raw value when it is not a choice, and no translation of every label on
each call."""

from __future__ import annotations

from unittest import mock

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from initiatives.models import Initiative, Phase
from knowledge.models import KnowledgeItem
from partners.models import TLP

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["nl", "en"])
def test_labels_follow_the_language(language):
    initiative = Initiative(phase=Phase.PILOT, tlp=TLP.AMBER)
    item = KnowledgeItem(kind=KnowledgeItem.Kind.LESSON)
    with translation.override(language):
        assert initiative.get_phase_display() == str(Phase.PILOT.label)
        assert initiative.get_tlp_display() == str(dict(TLP.choices)[TLP.AMBER])
        assert item.get_kind_display() == str(KnowledgeItem.Kind.LESSON.label)


def test_the_same_object_answers_in_each_language():
    initiative = Initiative(phase=Phase.EXPLORATION)
    with translation.override("nl"):
        dutch = initiative.get_phase_display()
    with translation.override("en"):
        english = initiative.get_phase_display()
    assert dutch != english


def test_a_value_outside_the_choices_is_shown_as_it_is():
    assert Initiative(phase="onbekend").get_phase_display() == "onbekend"


def test_one_label_is_translated_per_call():
    # Django's own method translates every label of the field (nine for the phase) each call.
    initiative = Initiative(phase=Phase.PILOT)
    gettext = trans_real.DjangoTranslation.gettext
    with (
        translation.override("en"),
        mock.patch.object(
            trans_real.DjangoTranslation, "gettext", autospec=True, side_effect=gettext
        ) as spy,
    ):
        initiative.get_phase_display()
    assert spy.call_count == 1
