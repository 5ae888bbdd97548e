"""The daily dormancy scan: flag once per spell, notify the lead and programme managers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from initiatives.models import Initiative, Phase
from initiatives.services.activity import initiative_touch
from initiatives.services.dormant import VERB, initiatives_flag_dormant
from initiatives.tasks import initiatives_flag_dormant as flag_task
from lmi_portal.core.models import Activity, Notification
from partners.models import TLP
from tests.factories import InitiativeFactory, ParticipationFactory, member_of

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0)


@pytest.fixture
def lead(company):
    return member_of(company, email="penvoerder@ddvs.example")


def _initiative(company, lead, **kwargs) -> Initiative:
    kwargs.setdefault("tlp", TLP.GREEN)
    kwargs.setdefault("phase", Phase.PILOT)
    with time_machine.travel(START, tick=False):
        return InitiativeFactory(owner_organisation=company, lead=lead, **kwargs)


def _later(days: int):
    return time_machine.travel(START + timedelta(days=days), tick=False)


def _dormant_notifications(user) -> int:
    return Notification.objects.filter(recipient=user, verb=VERB).count()


def test_43_days_idle_is_flagged_and_the_lead_and_programme_manager_are_told(
    company, lead, programme_manager
):
    initiative = _initiative(company, lead)
    with _later(43):
        assert initiatives_flag_dormant() == 1
    initiative.refresh_from_db()
    assert initiative.dormant_since == START + timedelta(days=43)
    assert _dormant_notifications(lead) == 1
    assert _dormant_notifications(programme_manager) == 1
    notification = Notification.objects.get(recipient=lead)
    assert notification.url == initiative.get_absolute_url()
    assert "43 dagen" in notification.text
    assert Activity.objects.filter(verb=VERB, target_id=initiative.pk).count() == 1


def test_41_days_idle_is_not_flagged_yet(company, lead):
    initiative = _initiative(company, lead)
    with _later(41):
        assert initiatives_flag_dormant() == 0
    initiative.refresh_from_db()
    assert initiative.dormant_since is None
    assert Notification.objects.count() == 0


def test_running_twice_flags_and_notifies_once(company, lead, programme_manager):
    _initiative(company, lead)
    with _later(43):
        assert initiatives_flag_dormant() == 1
        assert initiatives_flag_dormant() == 0
    with _later(50):
        assert initiatives_flag_dormant() == 0
    assert _dormant_notifications(lead) == 1
    assert _dormant_notifications(programme_manager) == 1


def test_activity_ends_the_spell_and_a_later_spell_is_flagged_again(company, lead):
    initiative = _initiative(company, lead)
    with _later(43):
        initiatives_flag_dormant()
    with _later(45):
        initiative_touch(initiative)
    initiative.refresh_from_db()
    assert initiative.dormant_since is None
    with _later(80):  # 35 days after the touch
        assert initiatives_flag_dormant() == 0
    with _later(88):  # 43 days after the touch
        assert initiatives_flag_dormant() == 1
    assert _dormant_notifications(lead) == 2


@pytest.mark.parametrize("phase", [Phase.PAUSED, Phase.STOPPED, Phase.EMBEDDED])
def test_paused_stopped_and_embedded_initiatives_are_never_flagged(company, lead, phase):
    initiative = _initiative(company, lead, phase=phase)
    with _later(400):
        assert initiatives_flag_dormant() == 0
    initiative.refresh_from_db()
    assert initiative.dormant_since is None
    assert Notification.objects.count() == 0


def test_programme_manager_who_cannot_see_an_amber_initiative_gets_nothing(
    company, lead, programme_manager, lmi_cell
):
    hidden = _initiative(company, lead, tlp=TLP.AMBER, title="Alleen voor DDVS")
    shared = _initiative(company, lead, tlp=TLP.AMBER, title="Met de LMI-cel")
    ParticipationFactory(initiative=shared, organisation=lmi_cell)
    with _later(43):
        assert initiatives_flag_dormant() == 2
    pm_targets = set(
        Notification.objects.filter(recipient=programme_manager).values_list("target_id", flat=True)
    )
    assert pm_targets == {shared.pk}
    assert hidden.pk not in pm_targets
    assert _dormant_notifications(lead) == 2


def test_inactive_lead_and_lead_without_membership_get_nothing(company, competitor):
    from tests.factories import UserFactory

    gone = member_of(company, is_active=False)
    loner = UserFactory()
    _initiative(company, gone)
    _initiative(company, loner, tlp=TLP.CLEAR)
    with _later(43):
        assert initiatives_flag_dormant() == 2
    assert Notification.objects.count() == 0


def test_many_initiatives_are_flagged_in_batches(company, lead, monkeypatch):
    from initiatives.services import dormant

    monkeypatch.setattr(dormant, "BATCH_SIZE", 3)
    for _ in range(7):
        _initiative(company, lead)
    with _later(43):
        assert initiatives_flag_dormant() == 7
    assert Initiative.objects.filter(dormant_since__isnull=True).count() == 0
    assert _dormant_notifications(lead) == 7


def test_the_threshold_comes_from_settings(company, lead, settings):
    settings.INITIATIVE_DORMANT_AFTER_DAYS = 10
    _initiative(company, lead)
    with _later(11):
        assert initiatives_flag_dormant() == 1


def test_the_celery_task_runs_the_scan(company, lead):
    _initiative(company, lead)
    with _later(43):
        assert flag_task.delay().get() == 1
        assert flag_task.delay().get() == 0
    assert flag_task.name == "initiatives.tasks.initiatives_flag_dormant"
