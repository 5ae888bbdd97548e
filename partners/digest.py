"""Partners' part of the digest: join requests waiting for an organisation admin, and new
organisations in the network. Also who receives digests at all, and the batch access policy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lmi_portal.core.registry import DigestBatch, DigestLine, DigestPart

from .access import BatchAccess
from .models import JoinRequest, Membership, Organisation, User
from .selectors import active_member_users

# At most this many new organisations per digest (a busy week stays one short list).
NEW_ORGANISATIONS_MAX = 10


def digest_recipients() -> QuerySet[User]:
    """Digests go to active accounts with a membership that counts; nobody else sees content."""
    return active_member_users()


def digest_access(users: Iterable[Any]) -> BatchAccess:
    return BatchAccess(users)


def partners_digest_lines(batch: DigestBatch) -> dict[int, list[DigestLine]]:
    """Join requests to approve (org admins), and organisations that joined in the period."""
    lines: dict[int, list[DigestLine]] = defaultdict(list)
    members = [user for user in batch.users if batch.access.is_member(user)]
    if not members:
        return lines
    admin_of: dict[int, set[int]] = defaultdict(set)
    for user_id, org_id in (
        Membership.objects.current()
        .filter(
            user_id__in=[u.pk for u in members],
            role=Membership.Role.ORG_ADMIN,
            organisation__status__in=("onboarding", "active"),
        )
        .values_list("user_id", "organisation_id")
    ):
        admin_of[user_id].add(org_id)
    pending: dict[int, list[JoinRequest]] = defaultdict(list)
    org_ids = set().union(*admin_of.values()) if admin_of else set()
    for request in (
        JoinRequest.objects.filter(status=JoinRequest.Status.PENDING, organisation_id__in=org_ids)
        .select_related("organisation")
        .order_by("created_at")
    ):
        pending[request.organisation_id].append(request)
    joined = list(
        Organisation.objects.filter(
            status=Organisation.Status.ACTIVE,
            approved_at__gte=batch.since,
            approved_at__lt=batch.until,
        ).order_by("-approved_at")[:NEW_ORGANISATIONS_MAX]
    )
    for user in members:
        for org_id in sorted(admin_of.get(user.pk, ())):
            requests = pending.get(org_id, [])
            if requests:
                organisation = requests[0].organisation
                lines[user.pk].append(
                    DigestLine(
                        part=DigestPart.ACTIONS,
                        text=ngettext(
                            "%(count)s aanvraag om lid te worden van %(org)s",
                            "%(count)s aanvragen om lid te worden van %(org)s",
                            len(requests),
                        )
                        % {"count": len(requests), "org": organisation.display_name},
                        url=reverse("partners:join_request_list", args=[org_id]),
                        meta=_("wacht op u"),
                        sort=20,
                    )
                )
        for organisation in joined:
            lines[user.pk].append(
                DigestLine(
                    part=DigestPart.NETWORK,
                    text=_("Nieuw in het netwerk: %(org)s") % {"org": organisation.name},
                    url=reverse("partners:organisation_detail", args=[organisation.pk]),
                    meta=organisation.get_kind_display(),
                )
            )
    return lines
