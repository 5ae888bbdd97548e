"""Writes and reads of follows and in-app notifications.

Core knows nothing about visibility: callers pass only recipients the access policy lets see
the target, and readers of notifications filter again through the policy (see partners).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation

from .models import Follow, Notification


def follow_set(*, user: Any, target: models.Model, following: bool) -> bool:
    """Follow or unfollow ``target``; returns whether the user now follows it. Idempotent."""
    ct = ContentType.objects.get_for_model(target)
    if following:
        Follow.objects.get_or_create(user=user, target_ct=ct, target_id=target.pk)
    else:
        Follow.objects.filter(user=user, target_ct=ct, target_id=target.pk).delete()
    return following


def follows(*, user: Any, target: models.Model) -> bool:
    ct = ContentType.objects.get_for_model(target)
    return Follow.objects.filter(user=user, target_ct=ct, target_id=target.pk).exists()


def followed_ids(*, user: Any, model: type[models.Model]) -> models.QuerySet[Follow, Any]:
    """A subquery of the ids of ``model`` rows the user follows (use in ``pk__in``)."""
    ct = ContentType.objects.get_for_model(model)
    return Follow.objects.filter(user=user, target_ct=ct).values("target_id")


def follower_ids(*, model: type[models.Model], ids: Iterable[int]) -> set[int]:
    """User ids following any of the ``model`` rows in ``ids``; one query."""
    ct = ContentType.objects.get_for_model(model)
    return set(
        Follow.objects.filter(target_ct=ct, target_id__in=list(ids)).values_list(
            "user_id", flat=True
        )
    )


def followers_of_any(
    *, targets: Iterable[tuple[type[models.Model], Iterable[int] | QuerySet[Any, Any]]]
) -> QuerySet[Follow, Any]:
    """A subquery of the user ids following any of the given rows (use in ``pk__in``).

    ``targets`` pairs a model with ids or a ``values()`` subquery of ids, so a caller can ask
    "who follows this initiative, its themes or its organisations" in one query.
    """
    q = Q()
    for model, ids in targets:
        ct = ContentType.objects.get_for_model(model)
        q |= Q(target_ct=ct, target_id__in=ids if isinstance(ids, QuerySet) else list(ids))
    if not q:
        return Follow.objects.none().values("user_id")
    return Follow.objects.filter(q).values("user_id")


def notification_send(
    *,
    recipients: Iterable[Any],
    verb: str,
    text: Callable[[], str],
    url: str = "",
    target: models.Model | None = None,
    actor: Any = None,
    email_event: str = "",
) -> int:
    """Write one notification per recipient, its text rendered in the recipient's language.

    ``text`` is called inside ``translation.override`` for each recipient, so it should build
    its message with ``gettext``. The actor is never notified of their own action. With an
    ``email_event`` (a ``DigestPreference.InstantEvent``), recipients who want that event by
    email also get it at once through the outbox. Returns how many were written.
    """
    ct = ContentType.objects.get_for_model(target) if target is not None else None
    actor_id = getattr(actor, "pk", None)
    now = timezone.now()
    rows = []
    for recipient in recipients:
        if recipient.pk == actor_id or not recipient.is_active:
            continue
        with translation.override(getattr(recipient, "language", "") or "nl"):
            message = str(text())[:300]
        rows.append(
            Notification(
                recipient=recipient,
                actor=actor if actor_id else None,
                verb=verb,
                text=message,
                url=url,
                target_ct=ct,
                target_id=target.pk if target is not None else None,
                created_at=now,
            )
        )
    Notification.objects.bulk_create(rows)
    if email_event and rows:
        _email_notifications(rows, event=email_event)
    return len(rows)


def _email_notifications(rows: list[Notification], *, event: str) -> None:
    """The instant email of each notification whose recipient wants ``event`` by email;
    keyed by the notification, so it is never sent twice."""
    from .digests import instant_email_user_ids, notification_email_render
    from .services import outbox_enqueue

    wanted = instant_email_user_ids(user_ids=[row.recipient_id for row in rows], event=event)
    for row in rows:
        recipient = row.recipient
        if recipient.pk not in wanted or not recipient.email:
            continue
        language = getattr(recipient, "language", "") or "nl"
        with translation.override(language):
            rendered = notification_email_render(notification=row)
        outbox_enqueue(
            key=f"notification:{row.pk}",
            to=recipient.email,
            language=language,
            recipient=recipient,
            category="instant",
            **rendered,
        )


@transaction.atomic
def notifications_mark_read(*, user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read: the given ones, or all when ``ids`` is None."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# A reader of notifications passes a function that, for a model, returns the queryset of rows
# the reader may see, or None when that model needs no check. Core cannot know the policy.
TargetVisibility = Callable[[type[models.Model]], "QuerySet[Any, Any] | None"]


def notification_list(*, user: Any, visible: TargetVisibility) -> QuerySet[Notification, Any]:
    """The user's notifications, newest first, without those about items they may not see.

    Filtered in the database (one subquery per kind of target the user has notifications
    about), so pagination and the unread count agree with what is shown.
    """
    qs = Notification.objects.filter(recipient=user)
    ct_ids = (
        qs.filter(target_ct__isnull=False)
        .order_by()
        .values_list("target_ct_id", flat=True)
        .distinct()
    )
    for ct_id in list(ct_ids):
        model = ContentType.objects.get_for_id(ct_id).model_class()
        allowed = visible(model) if model is not None else None
        if allowed is not None:
            qs = qs.filter(~Q(target_ct_id=ct_id) | Q(target_id__in=allowed.values("pk")))
    return qs.order_by("-created_at", "-id")


def notification_unread_count(*, user: Any, visible: TargetVisibility) -> int:
    return notification_list(user=user, visible=visible).filter(read_at__isnull=True).count()
