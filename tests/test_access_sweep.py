"""The access sweep: every URL of the portal, asked by every role of the cast, over one crafted
world (tests/access_sweep_world.py), checked against the access policy of DESIGN.md.

For every URL name the table ``SWEEP`` says how to fill in the URL and who gets through. Then:

* whoever may not see the object gets 404, on GET and on POST (anonymous and suspended users:
  the login page); someone who sees it but may not do this gets 403 or 404;
* a refused request writes nothing: every table, the file stores and the mail outbox are the
  same afterwards (with a valid form body where the table gives one, which the allowed role's
  POST proves by changing something);
* no response ever contains the marker word of an item the role may not read;
* whoever is allowed gets in: not 403/404, no detour to the login, MFA or charter page.

The Django admin (``admin/``, behind allauth and MFA) and allauth's own ``accounts/`` pages are
left out. A URL without an entry, or an entry without a URL, fails ``test_every_url_has_an_entry``.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from lmi_portal.core.models import Theme
from partners.models import Membership, Organisation

from .access_sweep_world import (
    ACTIVE_MEMBERS,
    COMPANY,
    EVERYONE,
    ROLES,
    SEARCH_WORD,
    SIGNED_IN,
    World,
    build_world,
)
from .conftest import TOTP_SECRET
from .factories import MembershipFactory, OrganisationFactory, UserFactory, member_of
from .knowledge.conftest import pdf_bytes

Kwargs = Callable[[World], dict[str, Any]]

PM = frozenset({"programme_manager"})
ADMIN = frozenset({"portal_admin"})
NOBODY: frozenset[str] = frozenset()
BOUNCE_TOKEN = "sweep-bounce-token"
SKIPPED_PREFIXES = ("admin/", "accounts/")
# Sessions change on every request; the rest is static.
UNFINGERPRINTED = {"sessions.Session", "auth.Permission", "contenttypes.ContentType"}
GATES = ("/accounts/", "/gemeenschappelijk-begrip/")


def _none(w: World) -> dict[str, Any]:
    return {}


# A POST without a form that writes all the same (so the allowed role's POST must change
# something, and the refused roles' the same POST nothing).
EMPTY: Kwargs = _none


@dataclass(frozen=True)
class Entry:
    """How to ask one URL and who gets through.

    ``allow``: the roles that get in. ``audience``: who may see the object but not do this
    (they get 403 or 404; everyone else outside ``allow`` gets 404). ``post_only``: the view
    serves POST only, so the allowed roles are checked with a POST (rolled back). ``data``: a
    POST body that works for an allowed role. ``forged``: kwargs with a forged token, which
    every role must get a 404 (or 410) for. ``viewer``: whose sight the answer shows (a token
    link shows its owner's). ``writer``: who proves ``data`` (default: the first of member,
    org admin, ... allowed). ``audits_refusals``: the view writes an AuditEvent for a refused
    request on purpose, so audit rows are left out of "nothing changes".
    """

    kind: str
    allow: frozenset[str]
    kwargs: Kwargs = _none
    audience: frozenset[str] = NOBODY
    post_only: bool = False
    query: Kwargs | None = None
    data: Kwargs | None = None
    headers: dict[str, str] = field(default_factory=dict)
    forged: Kwargs | None = None
    forged_headers: dict[str, str] = field(default_factory=dict)
    viewer: str | None = None
    writer: str | None = None
    audits_refusals: bool = False
    xfail: str = ""


def content(kwargs: Kwargs, allow: frozenset[str] = COMPANY, **kw: Any) -> Entry:
    """The company's AMBER+STRICT item, or something that belongs to it."""
    return Entry("content", allow, kwargs, **kw)


def admin(kwargs: Kwargs = _none, allow: frozenset[str] = ADMIN, **kw: Any) -> Entry:
    return Entry("admin", allow, kwargs, **kw)


def pm(kwargs: Kwargs = _none, allow: frozenset[str] = PM, **kw: Any) -> Entry:
    return Entry("pm", allow, kwargs, **kw)


def members(kwargs: Kwargs = _none, allow: frozenset[str] = SIGNED_IN, **kw: Any) -> Entry:
    """Pages for (active) members; what they list is checked by the markers."""
    return Entry("member", allow, kwargs, **kw)


def org_admin_only(
    kwargs: Kwargs, allow: frozenset[str] = frozenset({"org_admin"}), **kw: Any
) -> Entry:
    """The company's organisation admin manages it (portal admins do not)."""
    return Entry("org_admin", allow, kwargs, **kw)


def public(kwargs: Kwargs = _none, **kw: Any) -> Entry:
    return Entry("public", EVERYONE, kwargs, **kw)


def token(kwargs: Kwargs, forged: Kwargs, **kw: Any) -> Entry:
    return Entry("token", EVERYONE, kwargs, forged=forged, **kw)


def pk(name: str, key: str = "pk") -> Kwargs:
    return lambda w: {key: getattr(w, name).pk}


def company_pk(w: World) -> dict[str, Any]:
    return {"pk": w.company.pk}


def company_row(key: str, name: str) -> Kwargs:
    """The company's address with one of its rows (or another organisation's) in it."""
    return lambda w: {"pk": w.company.pk, key: getattr(w, name).pk}


def crossed(child: Kwargs) -> Entry:
    """A part of the AMBER+STRICT initiative asked under the GREEN initiative everyone sees: it
    does not belong there, so everyone gets 404 and nothing changes."""
    return Entry(
        "content", NOBODY, lambda w: {"pk": w.green_initiative.pk, **child(w)}, post_only=True
    )


MEETING_FORM = {
    "title": "Extra werkgroep",
    "date": "2030-06-03",
    "time": "09:00",
    "duration_minutes": "90",
    "tlp": "amber",
}
FORGED = "Zm9yZ2VkLXRva2Vu:1abcde:forgedsignatureforgedsignatureforgedsig"
SEARCH = {"q": SEARCH_WORD}


def _initiative(w: World, **more: Any) -> dict[str, Any]:
    return {"pk": w.initiative.pk, **more}


def _item(w: World, **more: Any) -> dict[str, Any]:
    return {"item_pk": w.agenda_item.pk, **more}


def _upload(w: World) -> dict[str, Any]:
    return {"file": SimpleUploadedFile("plan.pdf", pdf_bytes("Tweede versie"), "application/pdf")}


SWEEP: dict[str, Entry | tuple[Entry, ...]] = {
    # --- Project pages and the shared kernel -----------------------------------------------
    "dashboard": members(),
    "health": public(),
    "search": members(query=lambda w: SEARCH),
    "search_live": members(query=lambda w: SEARCH),
    "about": members(),
    "set_language": public(post_only=True, data=lambda w: {"language": "en", "next": "/"}),
    "core:digest_preferences": members(
        data=lambda w: {"frequency": "off", "weekday": "1", "hour": "7", "language": "nl"}
    ),
    "core:digest_preview": members(),
    "core:digest_unsubscribe": token(
        lambda w: {"token": w.tokens["unsubscribe"]},
        lambda w: {"token": FORGED},
        viewer="member",
    ),
    "core:email_bounce_webhook": token(
        _none,
        _none,
        post_only=True,
        data=lambda w: {"address": "lid@ddvs.example"},
        headers={"Authorization": f"Bearer {BOUNCE_TOKEN}"},
        forged_headers={"Authorization": "Bearer wrong"},
    ),
    # --- Initiatives: browsing -------------------------------------------------------------
    "initiatives:list": members(),
    "initiatives:board": members(),
    "initiatives:pipeline": members(),
    "initiatives:export": (
        members(query=lambda w: {"format": "csv"}),
        members(query=lambda w: {"format": "xlsx"}),
    ),
    "initiatives:successes": members(),
    "initiatives:create": members(
        allow=ACTIVE_MEMBERS,
        data=lambda w: {
            "title": "Nieuw",
            "summary": "Kort",
            "owner_organisation": w.company.pk,
            "tlp": "green",
        },
    ),
    # --- One initiative and its sections ----------------------------------------------------
    "initiatives:detail": (
        content(_initiative),
        # RED: named people only, so not the company's admin.
        content(pk("initiative_red"), allow=frozenset({"member"})),
        # AMBER of the LMI cell, to which the company is invited (not yet taking part).
        content(pk("lmi_initiative"), allow=PM),
        # GREEN, with the AMBER+STRICT document related to it: nobody else learns its title.
        members(pk("green_initiative"), allow=ACTIVE_MEMBERS),
    ),
    "initiatives:edit": content(
        _initiative,
        data=lambda w: {
            "title": "Nieuwe titel",
            "summary": "Nieuw",
            "owner_organisation": w.company.pk,
            "tlp": "amber_strict",
        },
    ),
    "initiatives:phase": content(
        _initiative, data=lambda w: {"to_phase": "exploration", "reason": "Verder"}
    ),
    "initiatives:close": content(
        _initiative, data=lambda w: {"result": "Geborgd", "lesson_1": "Vroeg beginnen"}
    ),
    "initiatives:participants": content(_initiative),
    "initiatives:participation_invite": content(
        _initiative,
        post_only=True,
        data=lambda w: {"organisation": w.spare_org.pk, "message": ""},
    ),
    "initiatives:participation_invite_withdraw": (
        content(
            lambda w: _initiative(w, invite_pk=w.participation_invite.pk),
            post_only=True,
            data=EMPTY,
        ),
        crossed(lambda w: {"invite_pk": w.participation_invite.pk}),
    ),
    "initiatives:participation_update": (
        content(
            lambda w: _initiative(w, participation_pk=w.participation.pk),
            post_only=True,
            data=lambda w: {"role": "Leverancier", "brings": "Kennis", "gets": "Data"},
        ),
        crossed(lambda w: {"participation_pk": w.participation.pk}),
    ),
    "initiatives:participation_leave": (
        content(
            lambda w: _initiative(w, participation_pk=w.participation.pk),
            post_only=True,
            data=EMPTY,
        ),
        crossed(lambda w: {"participation_pk": w.participation.pk}),
    ),
    "initiatives:obstacles": content(
        _initiative, data=lambda w: {"title": "Nieuw", "category": "procurement"}
    ),
    "initiatives:obstacle_update": (
        content(
            lambda w: _initiative(w, obstacle_pk=w.obstacle.pk),
            post_only=True,
            data=lambda w: {"status": "resolved", "category": "procurement"},
        ),
        crossed(lambda w: {"obstacle_pk": w.obstacle.pk}),
    ),
    "initiatives:obstacle_escalate": (
        content(lambda w: _initiative(w, obstacle_pk=w.obstacle.pk), post_only=True, data=EMPTY),
        crossed(lambda w: {"obstacle_pk": w.obstacle.pk}),
    ),
    "initiatives:actions": content(_initiative, data=lambda w: {"title": "Nieuwe actie"}),
    "initiatives:action_update": (
        content(
            lambda w: _initiative(w, action_pk=w.action.pk),
            post_only=True,
            data=lambda w: {"title": "Andere titel"},
        ),
        crossed(lambda w: {"action_pk": w.action.pk}),
    ),
    "initiatives:action_status": (
        content(
            lambda w: _initiative(w, action_pk=w.action.pk),
            post_only=True,
            data=lambda w: {"status": "done"},
        ),
        crossed(lambda w: {"action_pk": w.action.pk}),
    ),
    "initiatives:comments": content(_initiative, data=lambda w: {"body": "Eens."}),
    "initiatives:comment_delete": (
        content(lambda w: _initiative(w, comment_pk=w.comment.pk), post_only=True, data=EMPTY),
        crossed(lambda w: {"comment_pk": w.comment.pk}),
    ),
    "initiatives:follow": content(_initiative, post_only=True, data=lambda w: {"following": "1"}),
    # --- Participation invitations (the invited organisation's admin answers) ---------------
    "initiatives:invites": org_admin_only(_none),
    "initiatives:invite_respond": (
        org_admin_only(
            pk("company_invite", "invite_pk"),
            post_only=True,
            data=lambda w: {"answer": "decline"},
        ),
        # The company's invitation to the competitor is the competitor's admins' to answer.
        org_admin_only(
            pk("participation_invite", "invite_pk"),
            allow=NOBODY,
            post_only=True,
            data=lambda w: {"answer": "accept"},
        ),
    ),
    # --- Following ----------------------------------------------------------------------------
    "initiatives:following": members(allow=ACTIVE_MEMBERS),
    "initiatives:follow_topic": (
        members(
            lambda w: {"kind": "thema", "pk": Theme.objects.order_by("pk").first().pk},
            allow=ACTIVE_MEMBERS,
            post_only=True,
            data=lambda w: {"following": "1"},
        ),
        # An organisation that is still onboarding is not in the directory: nobody follows it.
        members(
            lambda w: {"kind": "organisatie", "pk": w.onboarding_org.pk},
            allow=NOBODY,
            post_only=True,
            data=lambda w: {"following": "1"},
        ),
    ),
    # --- Actions dashboard ----------------------------------------------------------------------
    "initiatives:actions_dashboard": members(),
    "initiatives:action_done": (
        content(pk("action", "action_pk"), post_only=True, data=EMPTY),
        # The member's action from the company's AMBER+STRICT meeting: the owner finishes it;
        # managers could, but cannot see this meeting.
        content(
            pk("company_meeting_action", "action_pk"),
            allow=frozenset({"member"}),
            audience=frozenset({"org_admin"}),
            post_only=True,
            data=EMPTY,
        ),
    ),
    # --- Werkgroep: the weekly cockpit, meetings, agenda and minutes --------------------------
    "initiatives:werkgroep": pm(),
    "initiatives:agenda_put": (
        pm(post_only=True, data=lambda w: {"key": f"initiative:{w.green_initiative.pk}"}),
        # The company's AMBER+STRICT initiative, its parts, its monitor round and its document
        # are out of the programme manager's sight too.
        *(
            pm(
                post_only=True,
                allow=NOBODY,
                data=lambda w, kind=kind, name=name: {"key": f"{kind}:{getattr(w, name).pk}"},
            )
            for kind, name in (
                ("initiative", "initiative"),
                ("obstacle", "obstacle"),
                ("action", "action"),
                ("pulse", "strict_pulse_round"),
                ("knowledge", "document"),
            )
        ),
    ),
    "initiatives:meeting_list": members(),
    "initiatives:meeting_create": pm(data=lambda w: MEETING_FORM),
    "initiatives:meeting_detail": (
        pm(pk("meeting"), allow=PM | COMPANY),
        # The company's AMBER+STRICT meeting: the programme manager is not in its audience.
        content(pk("company_meeting")),
    ),
    "initiatives:meeting_edit": pm(pk("meeting"), audience=COMPANY, data=lambda w: MEETING_FORM),
    "initiatives:meeting_next": pm(pk("meeting"), audience=COMPANY, post_only=True, data=EMPTY),
    "initiatives:agenda_add": pm(
        pk("meeting"), allow=PM | COMPANY, post_only=True, data=lambda w: {"title": "Nieuw punt"}
    ),
    "initiatives:agenda_reorder": pm(
        pk("meeting"),
        audience=COMPANY,
        post_only=True,
        data=lambda w: {"order": list(reversed(_agenda_ids(w)))},
    ),
    "initiatives:agenda_item_move": pm(
        _item, audience=COMPANY, post_only=True, data=lambda w: {"direction": "down"}
    ),
    "initiatives:agenda_item_status": pm(
        _item, audience=COMPANY, post_only=True, data=lambda w: {"status": "parked"}
    ),
    "initiatives:agenda_item_edit": pm(_item, audience=COMPANY),
    # Minutes: programme managers and the attendees (the member) write them.
    "initiatives:minutes_save": pm(
        _item,
        allow=PM | {"member"},
        audience=COMPANY,
        post_only=True,
        data=lambda w: {"text": "Besproken.", "version": str(w.agenda_item.version)},
    ),
    "initiatives:decision_add": pm(
        _item,
        allow=PM | {"member"},
        audience=COMPANY,
        post_only=True,
        data=lambda w: {"text": "Besloten."},
    ),
    "initiatives:decision_delete": (
        pm(
            lambda w: _item(w, decision_pk=w.decision.pk),
            allow=PM | {"member"},
            audience=COMPANY,
            post_only=True,
            data=EMPTY,
        ),
        # A decision of the company's meeting, asked under the LMI meeting's agenda item.
        pm(lambda w: _item(w, decision_pk=w.company_decision.pk), allow=NOBODY, post_only=True),
    ),
    "initiatives:meeting_action_add": pm(
        _item,
        allow=PM | {"member"},
        audience=COMPANY,
        post_only=True,
        data=lambda w: {"title": "Uitzoeken"},
    ),
    "initiatives:meeting_action_delete": (
        pm(
            lambda w: _item(w, action_pk=w.meeting_action.pk),
            allow=PM | {"member"},
            audience=COMPANY,
            post_only=True,
            data=EMPTY,
        ),
        pm(
            lambda w: _item(w, action_pk=w.company_meeting_action.pk),
            allow=NOBODY,
            post_only=True,
        ),
    ),
    "initiatives:meeting_publish": pm(
        pk("meeting"), audience=COMPANY, post_only=True, data=lambda w: {"tlp": "amber"}
    ),
    # Print and export: published minutes for the meeting's audience (a draft: managers only).
    "initiatives:meeting_print": (
        content(pk("company_meeting")),
        # An agenda item links the company's AMBER+STRICT initiative: the print page must not
        # name it to the programme manager (it once did; the meeting page never did).
        pm(pk("meeting"), audience=COMPANY),
    ),
    "initiatives:meeting_export": (
        content(pk("company_meeting")),
        pm(pk("meeting"), audience=COMPANY),
    ),
    "initiatives:calendar": members(allow=ACTIVE_MEMBERS, data=lambda w: {"doe": "nieuw"}),
    "initiatives:calendar_feed": token(
        lambda w: {"token": w.tokens["calendar"]},
        lambda w: {"token": "x" * 43},
        viewer="outsider",
    ),
    # --- Samenwerkingsmonitor ---------------------------------------------------------------------
    "initiatives:pulse_list": pm(),
    "initiatives:pulse_open": (
        pm(query=lambda w: {"initiative": w.green_initiative.pk}),
        # Preset to the company's AMBER+STRICT initiative: a 404, also for the manager.
        pm(allow=NOBODY, query=lambda w: {"initiative": w.initiative.pk}),
    ),
    "initiatives:pulse_results": (
        pm(pk("pulse_round")),
        # A round about the company's AMBER+STRICT initiative: no manager may follow it.
        pm(pk("strict_pulse_round"), allow=NOBODY),
    ),
    "initiatives:pulse_export": (
        pm(pk("pulse_round")),
        pm(pk("strict_pulse_round"), allow=NOBODY),
    ),
    "initiatives:pulse_close": pm(pk("pulse_round"), post_only=True, data=EMPTY),
    # Invited are the member, the outsider and the manager; only the member can see the
    # initiative the round is about.
    "initiatives:pulse_answer": content(pk("strict_pulse_round"), allow=frozenset({"member"})),
    "initiatives:pulse_thanks": content(pk("strict_pulse_round"), allow=frozenset({"member"})),
    # --- Partners: directory and profile ---------------------------------------------------------
    "partners:organisation_list": (
        members(),
        members(query=lambda w: {"format": "csv"}),
    ),
    "partners:organisation_detail": (
        members(company_pk),
        # Still onboarding: only portal admins (and its own members) see it.
        admin(pk("onboarding_org")),
    ),
    "partners:organisation_logo": members(company_pk),
    "partners:organisation_profile": org_admin_only(
        company_pk, data=lambda w: {"description": "Over ons", "website": ""}
    ),
    "partners:organisation_profile_step": org_admin_only(lambda w: {**company_pk(w), "step": 2}),
    "partners:members": org_admin_only(company_pk),
    "partners:member_invite": org_admin_only(
        company_pk,
        post_only=True,
        data=lambda w: {
            "email": "extra@ddvs.example",
            "full_name": "Extra Lid",
            "job_title": "",
            "role": "member",
        },
    ),
    # Each with the competitor's row under the company's address too: a 404 for everyone.
    "partners:member_role": (
        org_admin_only(
            company_row("membership_pk", "member_membership"),
            post_only=True,
            data=lambda w: {"role": "org_admin"},
        ),
        org_admin_only(
            company_row("membership_pk", "outsider_membership"),
            allow=NOBODY,
            post_only=True,
            data=lambda w: {"role": "org_admin"},
        ),
    ),
    "partners:member_deactivate": (
        org_admin_only(company_row("membership_pk", "member_membership"), data=EMPTY),
        org_admin_only(company_row("membership_pk", "outsider_membership"), allow=NOBODY),
    ),
    "partners:member_invitation_resend": (
        org_admin_only(company_row("invitation_pk", "invitation"), post_only=True, data=EMPTY),
        org_admin_only(
            company_row("invitation_pk", "competitor_invitation"), allow=NOBODY, post_only=True
        ),
    ),
    "partners:member_invitation_revoke": (
        org_admin_only(company_row("invitation_pk", "invitation"), post_only=True, data=EMPTY),
        org_admin_only(
            company_row("invitation_pk", "competitor_invitation"), allow=NOBODY, post_only=True
        ),
    ),
    "partners:member_import": org_admin_only(company_pk),
    "partners:member_import_detail": (
        org_admin_only(company_row("import_pk", "member_import")),
        org_admin_only(company_row("import_pk", "competitor_import"), allow=NOBODY),
    ),
    "partners:member_import_confirm": (
        org_admin_only(company_row("import_pk", "member_import"), post_only=True),
        org_admin_only(company_row("import_pk", "competitor_import"), allow=NOBODY, post_only=True),
    ),
    "partners:member_import_cancel": (
        org_admin_only(company_row("import_pk", "member_import"), post_only=True, data=EMPTY),
        org_admin_only(company_row("import_pk", "competitor_import"), allow=NOBODY, post_only=True),
    ),
    "partners:join_request_list": org_admin_only(company_pk),
    "partners:join_request_decide": (
        org_admin_only(
            company_row("request_pk", "join_request"),
            post_only=True,
            data=lambda w: {"decision": "approve", "comment": ""},
        ),
        org_admin_only(
            company_row("request_pk", "competitor_join_request"),
            allow=NOBODY,
            post_only=True,
            data=lambda w: {"decision": "approve", "comment": ""},
        ),
    ),
    "partners:join_organisation": members(),
    "partners:invitation_accept": token(
        lambda w: {"token": w.tokens["invitation"]}, lambda w: {"token": FORGED}
    ),
    "partners:common_understanding": members(),
    "partners:common_understanding_new": admin(
        data=lambda w: {"text_nl": "Wij delen.", "text_en": "We share."}
    ),
    # --- Partners: beheer (portal admins only) ---------------------------------------------------
    "partners:beheer": admin(),
    "partners:beheer_onboarding": admin(),
    "partners:beheer_organisation_create": admin(
        data=lambda w: {
            "name": "Nieuwe Partner BV",
            "kind": "oem",
            "country": "NL",
            "default_tlp": "amber",
            "contact_language": "nl",
        }
    ),
    "partners:beheer_organisation": admin(company_pk),
    "partners:beheer_organisation_approve": admin(pk("onboarding_org"), post_only=True, data=EMPTY),
    "partners:beheer_organisation_suspend": admin(
        company_pk, post_only=True, data=lambda w: {"suspend-reason": "Contract beëindigd"}
    ),
    "partners:beheer_organisation_offboard": admin(
        company_pk, post_only=True, data=lambda w: {"offboard-reason": "Vertrokken"}
    ),
    "partners:beheer_organisation_reactivate": admin(pk("onboarding_org"), post_only=True),
    "partners:beheer_organisation_invite": admin(
        company_pk,
        post_only=True,
        data=lambda w: {
            "invite-email": "contact@ddvs.example",
            "invite-full_name": "Contact",
            "invite-language": "nl",
        },
    ),
    "partners:beheer_invitation_resend": (
        admin(company_row("invitation_pk", "invitation"), post_only=True, data=EMPTY),
        admin(company_row("invitation_pk", "competitor_invitation"), allow=NOBODY, post_only=True),
    ),
    "partners:beheer_sharing_groups": admin(),
    "partners:beheer_sharing_group_create": admin(data=lambda w: {"name": "Nieuwe groep"}),
    "partners:beheer_sharing_group_edit": admin(
        pk("sharing_group"), data=lambda w: {"name": "Hernoemd"}
    ),
    "partners:beheer_audit": admin(),
    "partners:beheer_audit_export": admin(),
    "partners:beheer_recipients": admin(),
    # Instant emails name items in their subjects; the log shows the kind of message instead,
    # so an admin without membership reads no title (it once showed subjects).
    "partners:beheer_delivery_log": admin(),
    "partners:beheer_delivery_mark_bounced": admin(pk("failed_email"), post_only=True, data=EMPTY),
    # --- Notifications -------------------------------------------------------------------------
    "partners:notifications": members(),
    "partners:notifications_mark_read": members(post_only=True, data=EMPTY),
    "partners:notifications_badge": members(),
    # The member's notification about the company's AMBER+STRICT initiative.
    "partners:notification_mark_read": (
        content(pk("notification"), allow=frozenset({"member"}), post_only=True, data=EMPTY),
        # The outsider's own notification, about an item the outsider may not see (any more).
        content(pk("outsider_notification"), allow=NOBODY, post_only=True),
    ),
    # --- Network -------------------------------------------------------------------------------
    "network:index": members(allow=ACTIVE_MEMBERS),
    "network:person_create": members(allow=ACTIVE_MEMBERS),
    "network:person_detail": members(pk("person"), allow=ACTIVE_MEMBERS),
    # The member's own record: the member and the company's admin keep it.
    "network:person_edit": members(
        pk("person"),
        allow=COMPANY,
        audience=ACTIVE_MEMBERS,
        data=lambda w: {"first_name": "Anders", "last_name": "Genoemd", "expertise": ""},
    ),
    "network:person_confirm": members(
        pk("person"), allow=COMPANY, audience=ACTIVE_MEMBERS, post_only=True, data=EMPTY
    ),
    "network:interaction_log": members(
        pk("person"),
        allow=ACTIVE_MEMBERS,
        post_only=True,
        data=lambda w: {"kind": "spoke"},
        writer="outsider",  # the member cannot log a talk with themself
    ),
    "network:affiliation_add": members(
        pk("person"), allow=COMPANY, audience=ACTIVE_MEMBERS, post_only=True
    ),
    "network:affiliation_edit": (
        members(
            lambda w: {"pk": w.person.pk, "affiliation_pk": w.affiliation.pk},
            allow=COMPANY,
            audience=ACTIVE_MEMBERS,
            post_only=True,
        ),
        # The org admin's own post, asked under the member's record.
        members(
            lambda w: {"pk": w.person.pk, "affiliation_pk": w.admin_affiliation.pk},
            allow=NOBODY,
            audience=ACTIVE_MEMBERS,
            post_only=True,
        ),
    ),
    "network:ties": members(allow=ACTIVE_MEMBERS),
    "network:tie_declare": members(allow=ACTIVE_MEMBERS),
    # The org admin declared a tie with the member: only the member answers it.
    "network:tie_confirm": members(
        pk("pending_tie"),
        allow=frozenset({"member"}),
        audience=ACTIVE_MEMBERS,
        post_only=True,
        data=EMPTY,
    ),
    "network:tie_decline": members(
        pk("pending_tie"),
        allow=frozenset({"member"}),
        audience=ACTIVE_MEMBERS,
        post_only=True,
        data=EMPTY,
    ),
    "network:introductions": (
        members(allow=ACTIVE_MEMBERS),
        members(allow=ACTIVE_MEMBERS, query=lambda w: {"persoon": w.person.pk}),
        # An organisation still onboarding is not in the directory.
        members(allow=NOBODY, query=lambda w: {"organisatie": w.onboarding_org.pk}),
    ),
    "network:stale": members(allow=PM | {"org_admin"}, audience=ACTIVE_MEMBERS),
    "network:confirm_link": token(
        lambda w: {"token": w.tokens["confirm"]}, lambda w: {"token": FORGED}
    ),
    "network:continuity": members(allow=PM | {"org_admin"}, audience=ACTIVE_MEMBERS),
    "network:continuity_run_start": members(
        allow=PM | {"org_admin"}, audience=ACTIVE_MEMBERS, post_only=True
    ),
    "network:continuity_run_status": members(
        pk("continuity_run"), allow=PM | {"org_admin"}, audience=ACTIVE_MEMBERS
    ),
    "network:map": members(allow=ACTIVE_MEMBERS),
    "network:map_data": members(allow=ACTIVE_MEMBERS),
    "network:handovers": members(allow=PM | {"org_admin"}, audience=ACTIVE_MEMBERS),
    # The member's handover: the member, the company's admin and programme managers.
    "network:handover_detail": members(pk("handover"), allow=PM | COMPANY),
    "network:handover_successor": members(
        pk("handover"),
        allow=PM | COMPANY,
        post_only=True,
        data=lambda w: {"person": w.successor.pk},
    ),
    "network:handover_invite": members(
        pk("handover"), allow=frozenset({"org_admin"}), audience=PM | COMPANY, post_only=True
    ),
    "network:handover_execute": members(pk("handover"), allow=PM | COMPANY, post_only=True),
    "network:handover_introductions": members(
        pk("handover"), allow=COMPANY, audience=PM, post_only=True
    ),
    "network:my_data": (
        members(),
        members(query=lambda w: {"format": "json"}),
    ),
    "network:person_anonymise": admin(pk("anonymisable"), data=EMPTY),
    # --- Knowledge -------------------------------------------------------------------------------
    "knowledge:index": members(),
    "knowledge:review": members(),
    "knowledge:create": members(allow=ACTIVE_MEMBERS),
    "knowledge:detail": (
        content(pk("document")),
        content(pk("knowledge_red"), allow=frozenset({"member"})),
        content(pk("draft")),  # GREEN, but a draft: the company only
        # GREEN, related to the AMBER+STRICT initiative: nobody else learns its title.
        members(pk("knowledge_green"), allow=ACTIVE_MEMBERS),
    ),
    "knowledge:edit": content(pk("document")),
    "knowledge:publish": content(pk("draft"), data=EMPTY),
    "knowledge:archive": content(pk("document"), data=lambda w: {"reason": "Vervangen"}),
    "knowledge:attest": content(pk("document"), data=EMPTY),
    "knowledge:lesson_stage": content(pk("lesson"), data=lambda w: {"stage": "identified"}),
    "knowledge:version_upload": content(pk("document"), data=_upload),
    # Downloads audit every refusal on purpose (knowledge.download_denied), so audit rows are
    # left out of "nothing changes" here, and only here.
    "knowledge:download": (
        content(lambda w: {"pk": w.document.pk, "version": 1}, audits_refusals=True),
        content(lambda w: {"pk": w.document.pk, "version": 2}, allow=NOBODY, audits_refusals=True),
    ),
    "knowledge:preview": (
        content(lambda w: {"pk": w.document.pk, "version": 1}, audits_refusals=True),
        content(lambda w: {"pk": w.document.pk, "version": 2}, allow=NOBODY, audits_refusals=True),
    ),
}


def _agenda_ids(w: World) -> list[int]:
    return list(w.meeting.agenda_items.order_by("position", "pk").values_list("pk", flat=True))


# --- The URLs ------------------------------------------------------------------------------


def url_names() -> set[str]:
    """Every named URL pattern, namespaced, except the Django admin's and allauth's."""
    names: set[str] = set()

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, route, ns)
            elif isinstance(pattern, URLPattern):
                assert pattern.name, f"URL {route} has no name, so the sweep cannot list it"
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver(), "", "")
    return names


def test_every_url_has_an_entry():
    names = url_names()
    assert len(names) > 100
    assert sorted(names - set(SWEEP)) == [], "URLs without an entry in the access sweep"
    assert sorted(set(SWEEP) - names) == [], "entries in the access sweep without a URL"


# --- The world, built once for the module ------------------------------------------------------


def _cast() -> dict[str, Any]:
    """The shared cast of tests/conftest.py, made the same way (module-scoped here)."""
    company = OrganisationFactory(name="Dutch Defence Vehicle Systems", short_name="DDVS")
    competitor = OrganisationFactory(name="Rheinmetall MAN Military Vehicles Nederland")
    lmi_cell = OrganisationFactory(name="LMI-cel", kind=Organisation.Kind.DEFENCE_UNIT)
    org_admin = UserFactory(email="beheerder@ddvs.example")
    MembershipFactory(user=org_admin, organisation=company, role=Membership.Role.ORG_ADMIN)
    programme_manager = member_of(lmi_cell, email="pm@lmi.example", programme_manager=True)
    portal_admin = UserFactory(email="beheer@lmi.example", portal_admin=True)
    for user in (org_admin, programme_manager, portal_admin):
        TOTP.activate(user, TOTP_SECRET)
    return {
        "company": company,
        "competitor": competitor,
        "lmi_cell": lmi_cell,
        "member": member_of(company, email="lid@ddvs.example"),
        "org_admin": org_admin,
        "outsider": member_of(competitor, email="concurrent@rmmv.example"),
        "programme_manager": programme_manager,
        "portal_admin": portal_admin,
    }


@dataclass
class Sweep:
    world: World
    clients: dict[str, Client]
    roots: tuple[Path, ...]


@pytest.fixture(scope="module")
def sweep_world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Sweep]:
    """Built once; each test runs in a savepoint of its own (the ``db`` fixture), so nothing
    one test does is seen by the next. Files go to a directory of this module's own."""
    root = tmp_path_factory.mktemp("sweep")
    roots = (root / "media", root / "private")
    with (
        override_settings(
            MEDIA_ROOT=roots[0],
            PRIVATE_MEDIA_ROOT=roots[1],
            CLAMD_URL="",
            KNOWLEDGE_X_ACCEL_PREFIX="",
            EMAIL_BOUNCE_TOKEN=BOUNCE_TOKEN,
        ),
        django_db_blocker.unblock(),
    ):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world(**_cast())
            clients = {}
            for role in ROLES:
                client = Client()
                user = world.users[role]
                if user is not None:
                    client.force_login(user)
                clients[role] = client
            yield Sweep(world=world, clients=clients, roots=roots)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


# --- Checking one URL ----------------------------------------------------------------------


def fingerprint(*, skip: frozenset[str], roots: tuple[Path, ...]) -> dict[str, str]:
    """Every row of every table (hashed per table), the stored files and the mail outbox."""
    found: dict[str, str] = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if label in UNFINGERPRINTED or label in skip:
            continue
        rows = list(model._base_manager.order_by("pk").values_list())
        found[label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    files = sorted(str(p) for r in roots if r.exists() for p in r.rglob("*") if p.is_file())
    found["files"] = repr(files)
    found["mail"] = str(len(mail.outbox))
    return found


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return sorted(key for key in before if before[key] != after.get(key))


def body_of(response: HttpResponseBase) -> str:
    if getattr(response, "streaming", False):
        # The test client closes the response once its content is read; closing it again
        # would fire request_finished and drop the database connection.
        content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        content = response.content  # type: ignore[attr-defined]
    if content.startswith(b"PK\x03\x04"):  # DOCX and XLSX: the text is in the XML parts
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [n for n in archive.namelist() if n.endswith(".xml")]
            content = b"".join(archive.read(n) for n in names)
    return content.decode("utf-8", errors="replace")


def is_login_redirect(response: HttpResponseBase) -> bool:
    return response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def send(
    client: Client,
    method: str,
    url: str,
    entry: Entry,
    w: World,
    *,
    forged: bool = False,
    htmx: bool = False,
) -> HttpResponseBase:
    headers = entry.forged_headers if forged else entry.headers
    if htmx:
        headers = {**headers, "HX-Request": "true"}
    if method == "GET":
        return client.get(url, entry.query(w) if entry.query else None, headers=headers)
    if entry.query:  # the same parameters in the address, as a form would post them
        url = f"{url}?{urlencode(entry.query(w))}"
    return client.post(url, entry.data(w) if entry.data else {}, headers=headers)


def leaks(response: HttpResponseBase, viewer: str, w: World) -> list[str]:
    """The marker words in the answer that ``viewer`` may not read."""
    text = body_of(response).upper()
    return [word for word, readers in w.markers.items() if viewer not in readers and word in text]


def refusal_problem(entry: Entry, role: str, method: str, response: HttpResponseBase) -> str:
    status = response.status_code
    if status == 405:
        return ""  # the method is not served at all: the same answer for every object
    if entry.forged is not None or entry.kind == "public":
        ok = status in (404, 410)
    elif role in ("anonymous", "suspended"):
        ok = is_login_redirect(response) or status == 404
    elif role in entry.audience:
        ok = status in (403, 404)
    else:
        ok = status == 404
    if ok:
        return ""
    where = f" -> {response['Location']}" if status in (301, 302, 303) else ""
    return f"{role} {method}: {status}{where}, expected a refusal"


def admission_problem(role: str, method: str, response: HttpResponseBase) -> str:
    status = response.status_code
    if response.get("HX-Redirect", "").startswith(GATES):
        return f"{role} {method}: sent to {response['HX-Redirect']}, expected to get in"
    if status in (301, 302, 303):
        if response["Location"].startswith(GATES):
            return f"{role} {method}: sent to {response['Location']}, expected to get in"
        return ""
    if method == "GET" and status < 400:
        return ""
    if method == "POST" and status not in (403, 404, 405) and status < 500:
        return ""
    return f"{role} {method}: {status}, expected to get in"


def check(entry: Entry, name: str, sweep: Sweep) -> list[str]:
    w, clients = sweep.world, sweep.clients
    skip = frozenset({"core.AuditEvent"}) if entry.audits_refusals else frozenset()
    url = reverse(name, kwargs=entry.kwargs(w))
    problems: list[str] = []

    def note_leaks(role: str, method: str, response: HttpResponseBase) -> None:
        words = leaks(response, entry.viewer or role, w)
        if words:
            problems.append(f"{role} {method}: the answer shows {', '.join(words)}")

    # Everyone refused, on GET and on POST: refused, nothing shown, nothing written.
    refused = [role for role in ROLES if role not in entry.allow]
    attempts: list[tuple[str, str, bool]] = [
        (r, m, False) for r in refused for m in ("GET", "POST")
    ]
    if entry.forged is not None:
        attempts += [(r, m, True) for r in ROLES for m in ("GET", "POST")]
    before = fingerprint(skip=skip, roots=sweep.roots)
    with transaction.atomic():
        for role, method, forged in attempts:
            target = reverse(name, kwargs=entry.forged(w)) if forged and entry.forged else url
            response = send(clients[role], method, target, entry, w, forged=forged)
            problem = refusal_problem(entry, role, method, response)
            if problem:
                problems.append(("forged " if forged else "") + problem)
            note_leaks(role, method, response)
        after = fingerprint(skip=skip, roots=sweep.roots)
        transaction.set_rollback(True)
    if after != before:
        problems += _who_wrote(entry, name, sweep, attempts, before, skip)

    # Everyone allowed gets in (a POST-only URL is asked with a POST), rolled back each time.
    # A page that is also an htmx partial is asked both ways.
    for role in sorted(entry.allow):
        method = "POST" if entry.post_only else "GET"
        for htmx in (False, True) if method == "GET" else (False,):
            with transaction.atomic():
                response = send(clients[role], method, url, entry, w, htmx=htmx)
                problem = admission_problem(role, method, response)
                if problem:
                    problems.append(("htmx " if htmx else "") + problem)
                note_leaks(role, method, response)
                transaction.set_rollback(True)

    # The body given for POST is a real write: the first allowed role's POST changes something.
    if entry.data is not None and entry.allow and entry.forged is None:
        writer = entry.writer or next(
            r for r in ("member", "org_admin", *ROLES) if r in entry.allow
        )
        with transaction.atomic():
            response = send(clients[writer], "POST", url, entry, w)
            if fingerprint(skip=skip, roots=sweep.roots) == before:
                problems.append(
                    f"{writer} POST: {response.status_code} but nothing changed, so the body "
                    "in the table proves nothing"
                )
            transaction.set_rollback(True)
    return problems


def _who_wrote(
    entry: Entry,
    name: str,
    sweep: Sweep,
    attempts: list[tuple[str, str, bool]],
    before: dict[str, str],
    skip: frozenset[str],
) -> list[str]:
    """Something changed: find out which refused request did it, one at a time."""
    w, found = sweep.world, []
    for role, method, forged in attempts:
        with transaction.atomic():
            target = reverse(
                name, kwargs=(entry.forged or entry.kwargs)(w) if forged else entry.kwargs(w)
            )
            send(sweep.clients[role], method, target, entry, w, forged=forged)
            after = fingerprint(skip=skip, roots=sweep.roots)
            transaction.set_rollback(True)
        if after != before:
            found.append(
                f"{'forged ' if forged else ''}{role} {method}: refused, yet changed "
                f"{', '.join(changed(before, after))}"
            )
    return found or ["refused requests changed something, but none of them alone"]


class KnownBug(Exception):
    """What a case marked ``xfail`` finds; any other failure of the same URL still fails."""


def cases_of(name: str) -> tuple[Entry, ...]:
    found = SWEEP[name]
    return found if isinstance(found, tuple) else (found,)


def _params() -> list[Any]:
    params = []
    for name in sorted(SWEEP):
        reasons = [case.xfail for case in cases_of(name) if case.xfail]
        marks = (
            [pytest.mark.xfail(strict=True, raises=KnownBug, reason=" ".join(reasons))]
            if reasons
            else []
        )
        params.append(pytest.param(name, marks=marks, id=name))
    return params


@pytest.mark.parametrize("name", _params())
def test_access(name, sweep_world, db):
    cases = cases_of(name)
    problems, known = [], []
    for number, entry in enumerate(cases):
        prefix = f"case {number + 1}: " if len(cases) > 1 else ""
        found = [prefix + p for p in check(entry, name, sweep_world)]
        (known if entry.xfail else problems).extend(found)
    assert problems == [], f"{name}:\n  " + "\n  ".join(problems)
    if known:
        raise KnownBug(f"{name}:\n  " + "\n  ".join(known))


def test_the_world_has_items_at_every_level(sweep_world, db):
    """The markers cover all five TLP levels, and the sweep's cast is signed in as intended."""
    words = set(sweep_world.world.markers)
    for level in ("OPENBAAR", "GROEN", "ORANJE", "STRIKT", "ROOD"):
        assert f"INI{level}" in words and f"KENNIS{level}" in words
    dashboard = sweep_world.clients["member"].get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert sweep_world.clients["suspended"].get(reverse("dashboard")).status_code == 302
    assert settings.EMAIL_BOUNCE_TOKEN == BOUNCE_TOKEN
