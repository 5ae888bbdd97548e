"""The shared kernel's follows and notifications (visibility is the caller's business)."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType

from lmi_portal.core.models import Notification, System, Theme
from lmi_portal.core.notifications import (
    follow_set,
    followers_of_any,
    notification_list,
    notification_send,
    notification_unread_count,
    notifications_mark_read,
)
from partners.models import Organisation, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_followers_of_any_combines_models_in_one_query(django_assert_num_queries):
    theme = Theme.objects.first()
    system = System.objects.first()
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    follow_set(user=a, target=theme, following=True)
    follow_set(user=b, target=system, following=True)
    follow_set(user=c, target=System.objects.last(), following=True)
    ContentType.objects.get_for_model(Theme)
    ContentType.objects.get_for_model(System)
    with django_assert_num_queries(1):
        ids = set(
            User.objects.filter(
                pk__in=followers_of_any(
                    targets=[
                        (Theme, [theme.pk]),
                        (System, System.objects.filter(pk=system.pk).values("pk")),
                    ]
                )
            ).values_list("pk", flat=True)
        )
    assert ids == {a.pk, b.pk}


def test_followers_of_nothing_is_nobody():
    assert list(followers_of_any(targets=[])) == []


def test_notification_send_skips_actor_and_inactive_users():
    actor, reader, gone = UserFactory(), UserFactory(), UserFactory(is_active=False)
    sent = notification_send(
        recipients=[actor, reader, gone], verb="x", text=lambda: "Hallo", actor=actor
    )
    assert sent == 1
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [reader.pk]


def test_notification_list_drops_what_the_visibility_function_hides():
    user = UserFactory()
    kept_org, hidden_org = (
        Organisation.objects.create(name="A"),
        Organisation.objects.create(name="B"),
    )
    theme = Theme.objects.first()
    for target in (kept_org, hidden_org, theme, None):
        notification_send(recipients=[user], verb="x", text=lambda: "t", target=target)

    def visible(model):
        if model is Organisation:
            return Organisation.objects.filter(pk=kept_org.pk)
        return None

    shown = list(notification_list(user=user, visible=visible))
    assert len(shown) == 3
    org_ct = ContentType.objects.get_for_model(Organisation)
    assert (org_ct.pk, hidden_org.pk) not in {(n.target_ct_id, n.target_id) for n in shown}
    assert notification_unread_count(user=user, visible=visible) == 3
    notifications_mark_read(user=user)
    assert notification_unread_count(user=user, visible=visible) == 0
