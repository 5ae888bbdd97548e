"""The common understanding ("gemeenschappelijk begrip"): publishing versions, accepting them.

Every signed-in request asks "has this user accepted the current version?"
(partners.middleware.CommonUnderstandingMiddleware). To keep that free of database queries
on ordinary requests, the current version number is cached and the session remembers which
version its user accepted; publishing a version updates the cache after commit.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from lmi_portal.core.services import audit_log

from ..models import CommonUnderstanding, CommonUnderstandingAcceptance, User

_CURRENT_VERSION_KEY = "partners:common_understanding:current_version"
# With a shared cache (Redis) publishing updates every process at once; a per-process cache
# (the embedded default) catches up within this many seconds.
_CURRENT_VERSION_TTL = 60
SESSION_ACCEPTED_KEY = "lmi_cu_accepted_version"


def common_understanding_current() -> CommonUnderstanding | None:
    """The version everyone must have accepted (the highest), or None before the first."""
    return CommonUnderstanding.objects.order_by("-version").first()


def common_understanding_current_version() -> int:
    """The number of the current version (0 when none is published), from the cache."""
    version = cache.get(_CURRENT_VERSION_KEY)
    if version is None:
        version = CommonUnderstanding.objects.aggregate(v=Max("version"))["v"] or 0
        cache.set(_CURRENT_VERSION_KEY, version, _CURRENT_VERSION_TTL)
    return int(version)


def common_understanding_acceptance(
    *, user: Any, version: CommonUnderstanding
) -> CommonUnderstandingAcceptance | None:
    """The user's acceptance of ``version``, if any."""
    return CommonUnderstandingAcceptance.objects.filter(user_id=user.pk, version=version).first()


def common_understanding_has_accepted_current(*, user: Any, session: Any = None) -> bool:
    """Whether ``user`` accepted the current version; the session remembers a yes."""
    current = common_understanding_current_version()
    if not current:
        return True
    if session is not None and session.get(SESSION_ACCEPTED_KEY) == current:
        return True
    accepted = CommonUnderstandingAcceptance.objects.filter(
        user_id=user.pk, version__version=current
    ).exists()
    if accepted and session is not None:
        session[SESSION_ACCEPTED_KEY] = current
    return accepted


@transaction.atomic
def common_understanding_accept(
    *, user: User, version: CommonUnderstanding, request: HttpRequest | None = None
) -> CommonUnderstandingAcceptance:
    """Store that ``user`` accepts ``version`` now; accepting twice keeps the first time."""
    acceptance, created = CommonUnderstandingAcceptance.objects.get_or_create(
        user=user, version=version, defaults={"accepted_at": timezone.now()}
    )
    if created:
        audit_log(
            action="common_understanding.accepted",
            actor=user,
            target=acceptance,
            request=request,
            data={"version": version.version},
        )
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_ACCEPTED_KEY] = version.version
    return acceptance


@transaction.atomic
def common_understanding_publish(
    *, actor: User, text_nl: str, text_en: str = "", request: HttpRequest | None = None
) -> CommonUnderstanding:
    """Publish the next version; everyone accepts it again at their next request."""
    if not getattr(actor, "is_portal_admin", False):
        raise PermissionDenied
    text_nl, text_en = text_nl.strip(), text_en.strip()
    current = CommonUnderstanding.objects.select_for_update().order_by("-version").first()
    if current is not None and (current.text_nl, current.text_en) == (text_nl, text_en):
        raise ValidationError(_("De tekst is niet gewijzigd; er is geen nieuwe versie nodig."))
    number = (CommonUnderstanding.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    version = CommonUnderstanding(
        version=number,
        text_nl=text_nl,
        text_en=text_en,
        published_at=timezone.now(),
        published_by=actor,
    )
    version.full_clean()
    try:
        with transaction.atomic():
            version.save()
    except IntegrityError:
        raise ValidationError(
            _("Er is zojuist al een nieuwe versie gepubliceerd; bekijk die eerst.")
        ) from None
    audit_log(
        action="common_understanding.published",
        actor=actor,
        target=version,
        request=request,
        data={"version": number},
    )
    # Forget the old number now, and store the new one once it is visible to other requests.
    cache.delete(_CURRENT_VERSION_KEY)
    transaction.on_commit(lambda: cache.set(_CURRENT_VERSION_KEY, number, _CURRENT_VERSION_TTL))
    return version
