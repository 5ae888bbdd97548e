"""Writes of the portal admin: create, approve, suspend, reactivate and offboard organisations,
and manage sharing groups. Each runs in one transaction and writes an audit row.

Suspending or offboarding an organisation needs no further step to cut its members off: the
access policy counts only memberships of active organisations, at every request. Memberships are
kept (not ended), so reactivating an organisation restores its people as they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from lmi_portal.core.services import audit_log

from ..models import TLP, Membership, Organisation, OrganisationDomain, SharingGroup
from .accounts import organisation_set_status
from .invitations import invitation_create

S = Organisation.Status

# Addresses at these domains belong to private people, not to an organisation.
FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.com",
        "gmx.net",
        "proton.me",
        "protonmail.com",
        "ziggo.nl",
        "kpnmail.nl",
        "hotmail.nl",
        "live.nl",
        "planet.nl",
        "home.nl",
        "xs4all.nl",
        "hetnet.nl",
        "casema.nl",
        "upcmail.nl",
        "telfort.nl",
        "tele2.nl",
        "outlook.nl",
    }
)

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_DOMAIN_RE = re.compile(rf"^(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$")
_KVK_RE = re.compile(r"^\d{8}$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def domain_normalise(value: str) -> str:
    """Lower-case a domain, drop a leading "@" or trailing dot, and encode it as ASCII (IDNA)."""
    domain = value.strip().lower().lstrip("@").rstrip(".")
    try:
        return domain.encode("idna").decode("ascii")
    except UnicodeError:
        return domain


def domains_parse(text: str) -> list[str]:
    """The domains in a textarea (one per line; commas and spaces also separate), de-duplicated."""
    result: list[str] = []
    for part in re.split(r"[\s,;]+", text or ""):
        if part.strip():
            domain = domain_normalise(part)
            if domain not in result:
                result.append(domain)
    return result


def domains_validate(domains: Sequence[str], *, organisation: Organisation | None = None) -> None:
    """Refuse malformed, free-mail and already registered domains, with one message for each."""
    errors: list[ValidationError] = []
    for domain in domains:
        if len(domain) > 253 or not _DOMAIN_RE.match(domain):
            errors.append(
                ValidationError(
                    _("“%(domain)s” is geen geldige domeinnaam (bijvoorbeeld: bedrijf.nl)."),
                    params={"domain": domain},
                    code="invalid_domain",
                )
            )
        elif domain in FREE_MAIL_DOMAINS:
            errors.append(
                ValidationError(
                    _(
                        "“%(domain)s” is een domein voor privé-e-mail; iedereen kan daar een adres "
                        "aanmaken. Geef het eigen domein van de organisatie op."
                    ),
                    params={"domain": domain},
                    code="free_mail",
                )
            )
    taken = OrganisationDomain.objects.filter(domain__in=domains).select_related("organisation")
    if organisation is not None:
        taken = taken.exclude(organisation=organisation)
    for row in taken:
        errors.append(
            ValidationError(
                _("Het domein “%(domain)s” is al geregistreerd bij “%(organisation)s”."),
                params={"domain": row.domain, "organisation": row.organisation.name},
                code="domain_taken",
            )
        )
    if errors:
        raise ValidationError(errors)


def kvk_validate(kvk_number: str, *, organisation: Organisation | None = None) -> None:
    """Eight digits, and not registered for another organisation."""
    if not kvk_number:
        return
    if not _KVK_RE.match(kvk_number):
        raise ValidationError(_("Een KvK-nummer bestaat uit 8 cijfers."), code="invalid_kvk")
    other = Organisation.objects.filter(kvk_number=kvk_number)
    if organisation is not None:
        other = other.exclude(pk=organisation.pk)
    existing = other.first()
    if existing is not None:
        raise ValidationError(
            _("KvK-nummer %(kvk)s is al geregistreerd bij “%(organisation)s”."),
            params={"kvk": kvk_number, "organisation": existing.name},
            code="kvk_taken",
        )


def _collect(errors: dict[str, list[ValidationError]], field: str, exc: ValidationError) -> None:
    errors.setdefault(field, []).extend(exc.error_list)


def organisation_create(
    *,
    actor: Any,
    name: str,
    kind: str,
    kvk_number: str = "",
    country: str = "NL",
    website: str = "",
    domains: Iterable[str] = (),
    sharing_groups: Iterable[SharingGroup] = (),
    default_tlp: str = TLP.AMBER,
    contact_name: str = "",
    contact_email: str = "",
    contact_language: str | None = None,
    request: HttpRequest | None = None,
) -> Organisation:
    """Register a new organisation (status *invited*) and, if given, invite its primary contact.

    Everything happens in one transaction: on any error nothing is saved. Errors come as one
    ``ValidationError`` keyed by field name.
    """
    kvk_number = kvk_number.strip()
    country = country.strip().upper()
    domain_list = [domain_normalise(d) for d in domains]
    groups = list(sharing_groups)
    contact_email = contact_email.strip().lower()
    errors: dict[str, list[ValidationError]] = {}
    try:
        kvk_validate(kvk_number)
    except ValidationError as exc:
        _collect(errors, "kvk_number", exc)
    try:
        domains_validate(domain_list)
    except ValidationError as exc:
        _collect(errors, "domains", exc)
    if not _COUNTRY_RE.match(country):
        _collect(errors, "country", ValidationError(_("Kies een land (ISO-code van 2 letters).")))
    if contact_email:
        try:
            validate_email(contact_email)
        except ValidationError as exc:
            _collect(errors, "contact_email", exc)
    elif contact_name.strip():
        _collect(
            errors,
            "contact_email",
            ValidationError(_("Vul ook het e-mailadres van de contactpersoon in.")),
        )
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        kvk_number=kvk_number,
        country=country,
        website=website.strip(),
        default_tlp=default_tlp,
        status=S.INVITED,
        status_changed_at=timezone.now(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        organisation.full_clean(exclude=["kvk_number"] if "kvk_number" in errors else None)
    except ValidationError as exc:
        for field, messages in exc.error_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            organisation.save()
            for domain in domain_list:
                OrganisationDomain.objects.create(organisation=organisation, domain=domain)
            organisation.sharing_groups.set(groups)
            audit_log(
                action="organisation.created",
                actor=actor,
                target=organisation,
                request=request,
                data={
                    "organisation": organisation.pk,
                    "name": organisation.name,
                    "kvk_number": kvk_number,
                    "country": country,
                    "domains": domain_list,
                    "sharing_groups": [g.pk for g in groups],
                    "default_tlp": default_tlp,
                },
            )
            if contact_email:
                invitation_create(
                    actor=actor,
                    organisation=organisation,
                    email=contact_email,
                    role=Membership.Role.ORG_ADMIN,
                    full_name=contact_name,
                    language=contact_language,
                )
    except IntegrityError:
        # Someone registered the same name, KvK number or domain a moment ago.
        organisation.pk = None
        raise ValidationError(
            _("Deze naam, dit KvK-nummer of een van deze domeinen is zojuist al geregistreerd.")
        ) from None
    return organisation


@transaction.atomic
def organisation_approve(
    *, actor: Any, organisation: Organisation, request: HttpRequest | None = None
) -> Organisation:
    """An admin's approval: the organisation becomes active and its members get access."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.status not in (S.INVITED, S.ONBOARDING):
        raise ValidationError(
            _("Alleen een organisatie in onboarding kan worden goedgekeurd (nu: %(status)s).")
            % {"status": organisation.get_status_display()}
        )
    now = timezone.now()
    old = organisation.status
    organisation_set_status(
        actor=actor, organisation=organisation, status=S.ACTIVE, request=request
    )
    organisation.approved_at = now
    organisation.approved_by = actor if getattr(actor, "is_authenticated", False) else None
    organisation.status_changed_at = now
    organisation.status_reason = ""
    organisation.save(
        update_fields=["approved_at", "approved_by", "status_changed_at", "status_reason"]
    )
    audit_log(
        action="organisation.approved",
        actor=actor,
        target=organisation,
        request=request,
        data={"organisation": organisation.pk, "from": old},
    )
    return organisation


def _change_status(
    *,
    actor: Any,
    organisation: Organisation,
    status: str,
    allowed_from: Iterable[str],
    reason: str,
    reason_required: bool,
    action: str,
    request: HttpRequest | None,
) -> Organisation:
    reason = reason.strip()
    if reason_required and not reason:
        raise ValidationError({"reason": _("Geef een reden op.")})
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    old = organisation.status
    if old not in allowed_from:
        raise ValidationError(
            _("Dat kan niet bij een organisatie met status “%(status)s”.")
            % {"status": organisation.get_status_display()}
        )
    organisation_set_status(actor=actor, organisation=organisation, status=status, request=request)
    organisation.status_changed_at = timezone.now()
    organisation.status_reason = reason
    organisation.full_clean()
    organisation.save(update_fields=["status_changed_at", "status_reason"])
    audit_log(
        action=action,
        actor=actor,
        target=organisation,
        request=request,
        data={"organisation": organisation.pk, "from": old, "to": status, "reason": reason},
    )
    return organisation


@transaction.atomic
def organisation_suspend(
    *, actor: Any, organisation: Organisation, reason: str, request: HttpRequest | None = None
) -> Organisation:
    """Suspend: its members lose access at their next request; its content stays as it is."""
    return _change_status(
        actor=actor,
        organisation=organisation,
        status=S.SUSPENDED,
        allowed_from=(S.INVITED, S.ONBOARDING, S.ACTIVE),
        reason=reason,
        reason_required=True,
        action="organisation.suspended",
        request=request,
    )


@transaction.atomic
def organisation_offboard(
    *, actor: Any, organisation: Organisation, reason: str, request: HttpRequest | None = None
) -> Organisation:
    """The organisation leaves the LMI: no access for its members; content stays, per its TLP."""
    return _change_status(
        actor=actor,
        organisation=organisation,
        status=S.OFFBOARDED,
        allowed_from=(S.INVITED, S.ONBOARDING, S.ACTIVE, S.SUSPENDED),
        reason=reason,
        reason_required=True,
        action="organisation.offboarded",
        request=request,
    )


@transaction.atomic
def organisation_reactivate(
    *, actor: Any, organisation: Organisation, reason: str = "", request: HttpRequest | None = None
) -> Organisation:
    """Undo a suspension or offboarding: back to active if it was approved, else to onboarding."""
    status = S.ACTIVE if organisation.approved_at is not None else S.ONBOARDING
    return _change_status(
        actor=actor,
        organisation=organisation,
        status=status,
        allowed_from=(S.SUSPENDED, S.OFFBOARDED),
        reason=reason,
        reason_required=False,
        action="organisation.reactivated",
        request=request,
    )


# --- Sharing groups -------------------------------------------------------------------------


def _audit_group_members(
    *,
    actor: Any,
    group: SharingGroup,
    added: Iterable[int],
    removed: Iterable[int],
    request: HttpRequest | None,
) -> None:
    # One row per organisation, so that the audit log filtered on an organisation shows it.
    for action, ids in (
        ("sharing_group.organisation_added", added),
        ("sharing_group.organisation_removed", removed),
    ):
        for org_id in sorted(ids):
            audit_log(
                action=action,
                actor=actor,
                target=group,
                request=request,
                data={"organisation": org_id, "group": group.pk, "group_name": group.name},
            )


@transaction.atomic
def sharing_group_create(
    *,
    actor: Any,
    name: str,
    description: str = "",
    membership_hidden: bool = False,
    organisations: Iterable[Organisation] = (),
    request: HttpRequest | None = None,
) -> SharingGroup:
    """A new named set of organisations that items can be shared with."""
    group = SharingGroup(
        name=name.strip(), description=description.strip(), membership_hidden=membership_hidden
    )
    group.full_clean()
    group.save()
    org_ids = {o.pk for o in organisations}
    group.organisations.set(org_ids)
    audit_log(
        action="sharing_group.created",
        actor=actor,
        target=group,
        request=request,
        data={
            "group": group.pk,
            "name": group.name,
            "membership_hidden": membership_hidden,
            "organisations": sorted(org_ids),
        },
    )
    _audit_group_members(actor=actor, group=group, added=org_ids, removed=(), request=request)
    return group


@transaction.atomic
def sharing_group_update(
    *,
    actor: Any,
    group: SharingGroup,
    name: str,
    description: str = "",
    membership_hidden: bool = False,
    organisations: Iterable[Organisation] = (),
    request: HttpRequest | None = None,
) -> SharingGroup:
    """Rename a group, change its description, visibility or organisations."""
    group = SharingGroup.objects.select_for_update().get(pk=group.pk)
    before = {
        "name": group.name,
        "description": group.description,
        "membership_hidden": group.membership_hidden,
    }
    old_ids = set(group.organisations.values_list("pk", flat=True))
    group.name = name.strip()
    group.description = description.strip()
    group.membership_hidden = membership_hidden
    group.full_clean()
    group.save()
    new_ids = {o.pk for o in organisations}
    group.organisations.set(new_ids)
    after = {
        "name": group.name,
        "description": group.description,
        "membership_hidden": group.membership_hidden,
    }
    changed = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
    added, removed = new_ids - old_ids, old_ids - new_ids
    if changed or added or removed:
        audit_log(
            action="sharing_group.updated",
            actor=actor,
            target=group,
            request=request,
            data={
                "group": group.pk,
                "changed": changed,
                "added": sorted(added),
                "removed": sorted(removed),
            },
        )
    _audit_group_members(actor=actor, group=group, added=added, removed=removed, request=request)
    return group
