"""Join by domain: someone with a verified address at an organisation's registered email
domain asks to join it; an organisation admin approves or declines. Both sides hear of it by
email, through the outbox, each in their own language."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lmi_portal.core.digests import instant_email_user_ids
from lmi_portal.core.notifications import notification_send
from lmi_portal.core.services import audit_log, outbox_enqueue

from ..access import MANAGEABLE_STATUSES, forget_access_context, managed_organisation_ids
from ..models import JoinRequest, Membership, Organisation, OrganisationDomain, User
from .accounts import membership_changed

# Subjects are translated when each email is rendered, in its recipient's language.
_SUBJECT_RECEIVED = gettext_lazy("Nieuw aanmeldverzoek voor %(organisation)s")
_SUBJECT_APPROVED = gettext_lazy("U bent toegevoegd aan %(organisation)s")
_SUBJECT_DECLINED = gettext_lazy("Uw aanmeldverzoek bij %(organisation)s")


def _verified_addresses_by_domain(user: Any) -> dict[str, str]:
    """{domain: address} for the user's verified email addresses."""
    addresses = EmailAddress.objects.filter(user_id=user.pk, verified=True).values_list(
        "email", flat=True
    )
    by_domain: dict[str, str] = {}
    for address in addresses:
        domain = address.rpartition("@")[2].strip().lower()
        if domain:
            by_domain.setdefault(domain, address.lower())
    return by_domain


def _domain_filter(domains: list[str]) -> Q:
    q = Q(pk__in=[])
    for domain in domains:
        q |= Q(domain__iexact=domain)
    return q


def join_request_candidates(*, user: Any) -> QuerySet[Organisation]:
    """Open organisations the user may ask to join: one of the user's verified addresses is at
    a domain the organisation registered, and the user is not a current member."""
    domains = list(_verified_addresses_by_domain(user))
    if not domains:
        return Organisation.objects.none()
    matching = OrganisationDomain.objects.filter(_domain_filter(domains)).values("organisation")
    current = Membership.objects.current().filter(user_id=user.pk).values("organisation")
    return (
        Organisation.objects.filter(pk__in=matching, status__in=MANAGEABLE_STATUSES)
        .exclude(pk__in=current)
        .order_by("name")
    )


def join_request_pending(*, organisation: Organisation) -> QuerySet[JoinRequest]:
    """The organisation's pending requests, oldest first, with their requesters."""
    return (
        JoinRequest.objects.filter(organisation=organisation, status=JoinRequest.Status.PENDING)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def _matching_address(user: Any, organisation: Organisation) -> str | None:
    by_domain = _verified_addresses_by_domain(user)
    registered = {d.lower() for d in organisation.domains.values_list("domain", flat=True)}
    for domain, address in by_domain.items():
        if domain in registered:
            return address
    return None


def _url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _notify(
    *, key: str, user: User, subject: Promise, template: str, context: dict[str, Any]
) -> None:
    """Queue one email to ``user`` in their language (the outbox sends it after commit)."""
    with translation.override(user.language):
        body = render_to_string(template, {**context, "recipient": user})
        outbox_enqueue(
            key=key,
            to=user.email,
            subject=str(subject) % {"organisation": context["organisation"].name},
            body_text=body,
            language=user.language,
        )


@transaction.atomic
def join_request_create(
    *,
    user: User,
    organisation: Organisation,
    motivation: str = "",
    request: HttpRequest | None = None,
) -> JoinRequest:
    """Ask to join ``organisation``; its organisation admins get an email."""
    if not join_request_candidates(user=user).filter(pk=organisation.pk).exists():
        raise PermissionDenied
    address = _matching_address(user, organisation)
    if address is None:  # pragma: no cover - the candidates query already required a match
        raise PermissionDenied
    if JoinRequest.objects.filter(
        user=user, organisation=organisation, status=JoinRequest.Status.PENDING
    ).exists():
        raise ValidationError(_("U heeft al een verzoek bij deze organisatie openstaan."))
    join_request = JoinRequest(
        user=user, organisation=organisation, email=address, motivation=motivation.strip()
    )
    join_request.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            join_request.save()
    except IntegrityError:  # a simultaneous second submit
        raise ValidationError(_("U heeft al een verzoek bij deze organisatie openstaan.")) from None
    audit_log(
        action="join_request.created",
        actor=user,
        target=join_request,
        request=request,
        data={"organisation": organisation.pk, "email": address},
    )
    admins = User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.current()
        .filter(organisation=organisation, role=Membership.Role.ORG_ADMIN)
        .values("user_id"),
    )
    path = reverse("partners:join_request_list", args=[organisation.pk])
    url = _url(path)
    requester, org_name = str(user), organisation.display_name
    notification_send(
        recipients=list(admins),
        verb="join_request.received",
        text=lambda: (
            _("%(name)s vraagt om lid te worden van %(organisation)s.")
            % {"name": requester, "organisation": org_name}
        ),
        url=path,
        actor=user,
    )
    emailed = instant_email_user_ids(user_ids=[a.pk for a in admins], event="join_request")
    for admin in admins:
        if admin.pk not in emailed:
            continue  # they chose the portal's notification and the digest only
        _notify(
            key=f"join_request:{join_request.pk}:received:{admin.pk}",
            user=admin,
            subject=_SUBJECT_RECEIVED,
            template="partners/email/join_request_received.txt",
            context={"join_request": join_request, "organisation": organisation, "url": url},
        )
    return join_request


def _decide(
    *,
    actor: User,
    join_request: JoinRequest,
    status: str,
    comment: str,
) -> JoinRequest:
    """Move a pending request to ``status``, once: a second decision finds nothing to change."""
    if join_request.organisation_id not in managed_organisation_ids(actor):
        raise PermissionDenied
    now = timezone.now()
    decided = JoinRequest.objects.filter(
        pk=join_request.pk, status=JoinRequest.Status.PENDING
    ).update(status=status, comment=comment, decided_by=actor, decided_at=now, updated_at=now)
    if not decided:
        raise ValidationError(_("Over dit verzoek is al besloten."))
    join_request.refresh_from_db()
    return join_request


def _notify_requester(join_request: JoinRequest) -> None:
    user = join_request.user
    if join_request.status == JoinRequest.Status.APPROVED:
        subject = _SUBJECT_APPROVED
        template = "partners/email/join_request_approved.txt"
    else:
        subject = _SUBJECT_DECLINED
        template = "partners/email/join_request_declined.txt"
    _notify(
        key=f"join_request:{join_request.pk}:{join_request.status}",
        user=user,
        subject=subject,
        template=template,
        context={
            "join_request": join_request,
            "organisation": join_request.organisation,
            "url": _url(reverse("dashboard")),
        },
    )


@transaction.atomic
def join_request_approve(
    *,
    actor: User,
    join_request: JoinRequest,
    comment: str = "",
    request: HttpRequest | None = None,
) -> Membership:
    """Approve: the requester becomes a member (role member) and gets an email."""
    join_request = _decide(
        actor=actor,
        join_request=join_request,
        status=JoinRequest.Status.APPROVED,
        comment=comment.strip(),
    )
    user, organisation = join_request.user, join_request.organisation
    membership = (
        Membership.objects.select_for_update().filter(user=user, organisation=organisation).first()
    )
    if membership is None:
        membership = Membership(user=user, organisation=organisation, role=Membership.Role.MEMBER)
    elif membership.end_date is not None and membership.end_date < timezone.localdate():
        # A former member returns: a fresh membership, as a member.
        membership.role = Membership.Role.MEMBER
        membership.start_date = timezone.localdate()
        membership.end_date = None
    membership.full_clean()
    membership.save()
    membership_changed(membership)
    forget_access_context(user)
    audit_log(
        action="join_request.approved",
        actor=actor,
        target=join_request,
        request=request,
        data={"organisation": organisation.pk, "user": user.pk, "membership": membership.pk},
    )
    _notify_requester(join_request)
    return membership


@transaction.atomic
def join_request_decline(
    *,
    actor: User,
    join_request: JoinRequest,
    comment: str,
    request: HttpRequest | None = None,
) -> JoinRequest:
    """Decline with a comment the requester reads; no membership is made."""
    comment = comment.strip()
    if not comment:
        raise ValidationError(_("Schrijf kort waarom u het verzoek afwijst."))
    join_request = _decide(
        actor=actor, join_request=join_request, status=JoinRequest.Status.DECLINED, comment=comment
    )
    audit_log(
        action="join_request.declined",
        actor=actor,
        target=join_request,
        request=request,
        data={"organisation": join_request.organisation_id, "user": join_request.user_id},
    )
    _notify_requester(join_request)
    return join_request
