"""What the hostile-input tests (tests/test_hostile_input.py, tests/test_hostile_output.py)
share: the hostile values, the pages with query parameters, the forms, and the checks that a
page shows hostile text inert."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from django.forms import BaseForm
from hypothesis import strategies as st

from knowledge.models import default_review_by
from lmi_portal.core.models import Theme
from partners.models import OrganisationDomain

from .access_sweep_world import World
from .test_access_sweep import MEETING_FORM, body_of

# --- Query parameters ----------------------------------------------------------------------

PAGE = ("page",)
INITIATIVE_FILTERS = (
    "q",
    "phase",
    "theme",
    "system",
    "organisation",
    "origin",
    "sort",
    "new",
    "mine",
    "followed",
    "page",
    "format",
)
LIBRARY_FILTERS = (
    "q",
    "kind",
    "theme",
    "system",
    "organisation",
    "show",
    "sort",
    "overdue",
    "page",
)
MAP_FILTERS = ("niveau", "organisatie", "thema", "systeem")
AUDIT_FILTERS = ("organisation", "actor", "action", "date_from", "date_to", "page")

# URL name -> (who asks, the parameters the page reads).
PAGES: dict[str, tuple[str, tuple[str, ...]]] = {
    "dashboard": ("member", ()),
    "initiatives:list": ("member", INITIATIVE_FILTERS),
    "initiatives:board": ("member", INITIATIVE_FILTERS),
    "initiatives:pipeline": ("member", INITIATIVE_FILTERS),
    "initiatives:export": ("member", INITIATIVE_FILTERS),
    "initiatives:successes": ("member", PAGE),
    "initiatives:actions_dashboard": (
        "member",
        ("eigenaar", "organisatie", "mijn", "groep", "page"),
    ),
    "initiatives:werkgroep": ("programme_manager", ()),
    "initiatives:meeting_list": ("member", PAGE),
    "initiatives:pulse_list": ("programme_manager", PAGE),
    "initiatives:pulse_open": ("programme_manager", ("initiative",)),
    "knowledge:index": ("member", LIBRARY_FILTERS),
    "knowledge:review": ("member", PAGE),
    "knowledge:create": ("member", ("kind",)),
    "search": ("member", ("q", "type", "page", "kind", "soort")),
    "search_live": ("member", ("q",)),
    "partners:organisation_list": ("member", ("q", "kind", "theme", "system", "page", "format")),
    "partners:notifications": ("member", PAGE),
    "partners:member_import_detail": ("org_admin", ("fouten",)),
    "partners:beheer_onboarding": ("portal_admin", ("q", "status", "stuck", "page")),
    "partners:beheer_audit": ("portal_admin", AUDIT_FILTERS),
    "partners:beheer_audit_export": ("portal_admin", AUDIT_FILTERS),
    "partners:beheer_recipients": ("portal_admin", ("q", "problems", "page")),
    "partners:beheer_delivery_log": ("portal_admin", ("to", "status", "category", "page")),
    "network:index": ("member", ("q", "theme", "system", "organisation", "page")),
    "network:tie_declare": ("member", ("q",)),
    "network:introductions": ("member", ("persoon", "organisatie")),
    "network:stale": ("org_admin", ("organisatie", "reden", "page")),
    "network:continuity": ("programme_manager", ("persoon",)),
    "network:map": ("member", MAP_FILTERS),
    "network:map_data": ("member", MAP_FILTERS),
    "network:handovers": ("programme_manager", PAGE),
    "network:my_data": ("member", ("format",)),
}
# The directory shows portal admins a status filter too.
EXTRA_ASKS = [("partners:organisation_list", "portal_admin", ("q", "kind", "status", "page"))]

XSS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
)
NASTY = (
    "",
    " ",
    "\x00",
    "1\x00",
    "' OR 1=1 --",
    "%",
    "%00",
    "_",
    "-1",
    "0",
    "1.5",
    "1e999",
    "NaN",
    "9" * 30,
    "-" + "9" * 30,
    "2147483648",
    "9223372036854775808",
    "²",  # a digit to str.isdigit(), not to int()
    "١٢",  # Arabic-Indic digits: int() takes them
    "🙂",
    "\u202e",
    "null",
    "[]",
    "2024-02-30",
    "99999-01-01",
    "../../etc/passwd",
    "javascript:alert(1)",
    "=cmd|' /C calc'!A0",
    "{{7*7}}",
    "{% debug %}",
    "\r\nSet-Cookie: x=y",
    "x" * 10_000,
    *XSS,
)
UNKNOWN = "zz_onbekend"
# The worst of them, asked of every page in all its parameters at once (the property test
# draws from all of them); every other one also repeated, as ``?x=1&x=<value>``.
WORST = (
    "\x00",
    "' OR 1=1 --",
    "%",
    "9" * 30,
    "²",
    "2024-02-30",
    "x" * 10_000,
    XSS[1],
)

text_values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=40),
    st.integers().map(str),
)
values = st.one_of(text_values, st.lists(text_values, min_size=2, max_size=3))


class GetFormNames(HTMLParser):
    """The names of the fields in the page's GET forms (its filters, its search box)."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self._in_get_form = (found.get("method") or "get").lower() == "get"
        elif self._in_get_form and tag in ("input", "select", "textarea") and found.get("name"):
            self.names.add(str(found["name"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_get_form = False


# --- Forms --------------------------------------------------------------------------------

Kwargs = Callable[[World], dict[str, Any]]

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
MARKDOWN_LINK = "[klik](javascript:alert(1))"
# Text a form should take as it is, and every page show as text.
MIXED = f"=1+1 {SCRIPT}{IMG}[x](javascript:alert(1)){{{{7*7}}}}"
PAYLOADS = (
    SCRIPT,
    IMG,
    "'><svg onload=alert(1)>",
    MARKDOWN_LINK,
    "[x](JaVaScRiPt:alert(document.cookie))",
    "[x]( javascript:alert(1) )",
    '<a href="javascript:alert(1)">x</a>',
    "![x](javascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "javascript:alert(1)",
    "[x](&#106;avascript:alert(1))",
    "[x](java\tscript:alert(1))",
    "<x onmouseover=alert(1)>hover",
    "{{7*7}}",
    "{% debug %}",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "@SUM(A1)",
    "\x00",
    "Titel\x00met nul",
    "x" * 10_000,
    "",
    "   ",
    "\t\r\n",
    "' OR 1=1 --",
    "\u202eelif",
    "🙂" * 40,
    MIXED,
)
RAW_MARKUP = ("<script>alert", "<img src=x onerror", "<svg onload", '<a href="javascript')
# An error shown without a form in the context: a message, or an error set by the view.
ERROR_MARKS = ("alert-danger", "alert-warning", 'role="alert"')
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcdoc"}
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")
# How a browser reads an address (WHATWG URL): tabs and newlines anywhere are dropped, and
# controls and spaces at either end.
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_C0_OR_SPACE = "".join(map(chr, range(0x21)))


class _ScriptFinder(HTMLParser):
    """Markup that would run: a script address in a link or source (the way a browser reads
    it: entities decoded, whitespace ignored), an event handler or a script that calls alert."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        for name, value in attrs:
            plain = _TAB_OR_NEWLINE.sub("", value or "").strip(_C0_OR_SPACE).lower()
            script_address = name in URL_ATTRIBUTES and plain.startswith(SCRIPT_SCHEMES)
            if script_address or (name.startswith("on") and "alert" in plain):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and "alert(" in data:
            self.found.append(f"<script>{data[:40]}")


hostile_text = st.one_of(
    st.sampled_from(PAYLOADS),
    st.tuples(st.sampled_from(PAYLOADS), st.text(max_size=30)).map("".join),
    st.text(max_size=60),
)


def _initiative(w: World) -> dict[str, Any]:
    return {"pk": w.initiative.pk}


def _item(w: World) -> dict[str, Any]:
    return {"item_pk": w.agenda_item.pk}


def _meeting(w: World) -> dict[str, Any]:
    return {"pk": w.meeting.pk}


def _company(w: World) -> dict[str, Any]:
    return {"pk": w.company.pk}


def _initiative_page(w: World) -> tuple[str, dict[str, Any]]:
    return "initiatives:detail", _initiative(w)


def _meeting_page(w: World) -> tuple[str, dict[str, Any]]:
    return "initiatives:meeting_detail", _meeting(w)


def _company_page(w: World) -> tuple[str, dict[str, Any]]:
    return "partners:organisation_detail", _company(w)


def _join_by_domain(w: World) -> None:
    """The outsider's address matches the company's too: the outsider may ask to join it."""
    OrganisationDomain.objects.create(organisation=w.company, domain="rmmv.example")


@dataclass(frozen=True)
class FormCase:
    """One form: where it posts, who posts it, a body that saves, and which fields to spoil.

    ``text``: free-text fields, which should take any text that is not too long; ``choices``:
    fields with a fixed set of answers; ``not_found``: those of them that pick the object
    acted on, where a wrong value is a 404 by design (as for an object one may not see).
    ``shows``: pages (besides the one the answer leads to) that show what was saved, as
    ``(url name, kwargs)`` or ``(url name, kwargs, reader)``. ``setup`` runs first, in the
    same rolled-back transaction.
    """

    name: str
    role: str
    data: Kwargs
    text: tuple[str, ...]
    choices: tuple[str, ...] = ()
    kwargs: Kwargs | None = None
    query: Kwargs | None = None
    shows: tuple[Callable[[World], tuple[Any, ...]], ...] = ()
    setup: Callable[[World], None] | None = None
    not_found: tuple[str, ...] = ()


INITIATIVE = lambda w: {  # noqa: E731
    "title": "Nieuw initiatief",
    "summary": "Kort",
    "why": "",
    "how": "",
    "expected_effect": "",
    "owner_organisation": w.company.pk,
    "tlp": "green",
}
KNOWLEDGE = lambda w: {  # noqa: E731
    "kind": "best_practice",
    "owner_organisation": w.company.pk,
    "title": "Nieuwe werkwijze",
    "summary": "Kort",
    "body": "Tekst",
    "tlp": "green",
    "owner": w.users["member"].pk,
    "review_by": default_review_by().isoformat(),
    "status": "published",
}

FORMS = (
    FormCase(
        "initiatives:create",
        "member",
        INITIATIVE,
        text=("title", "summary", "why", "how", "expected_effect"),
        choices=("tlp", "owner_organisation", "phase", "origin", "themes"),
        shows=(lambda w: ("initiatives:list", {}),),
    ),
    FormCase(
        "initiatives:edit",
        "member",
        lambda w: {**INITIATIVE(w), "tlp": "amber_strict"},
        text=("title", "summary", "why", "how"),
        choices=("tlp", "lead", "shared_with_people"),
    ),
    FormCase(
        "initiatives:comments",
        "member",
        lambda w: {"body": "Eens."},
        text=("body",),
        shows=(_initiative_page,),
    ),
    FormCase(
        "initiatives:obstacles",
        "member",
        lambda w: {"title": "Nieuw obstakel", "category": "procurement", "description": ""},
        text=("title", "description"),
        choices=("category",),
        shows=(_initiative_page,),
    ),
    FormCase(
        "initiatives:actions",
        "member",
        lambda w: {"title": "Nieuwe actie"},
        text=("title",),
        choices=("due_date", "owner"),
        shows=(_initiative_page, lambda w: ("initiatives:actions_dashboard", {})),
    ),
    FormCase(
        "initiatives:phase",
        "member",
        lambda w: {"to_phase": "exploration", "reason": "Verder"},
        text=("reason",),
        choices=("to_phase",),
        kwargs=_initiative,
        shows=(_initiative_page,),
    ),
    FormCase(
        "knowledge:create",
        "member",
        KNOWLEDGE,
        text=("title", "summary", "body"),
        choices=("tlp", "kind", "review_by", "status"),
    ),
    FormCase(
        "knowledge:create",
        "member",
        lambda w: {**KNOWLEDGE(w), "kind": "link", "url": "https://www.defensie.nl/"},
        text=("title",),
        choices=("url",),
    ),
    FormCase(
        "knowledge:edit",
        "member",
        lambda w: (
            {k: v for k, v in KNOWLEDGE(w).items() if k not in ("kind", "status")}
            | {"tlp": "amber"}
        ),
        text=("title", "summary", "body"),
        choices=("tlp", "owner"),
        kwargs=lambda w: {"pk": w.knowledge_amber.pk},
    ),
    FormCase(
        "network:person_create",
        "member",
        lambda w: {
            "first_name": "Kim",
            "last_name": "Voorbeeld",
            "organisation": w.company.pk,
            "title": "Planner",
            "email": "",
            "phone": "",
            "expertise": "",
        },
        text=("first_name", "last_name", "title", "expertise"),
        choices=("phone", "email", "organisation", "expected_rotation_date"),
        shows=(lambda w: ("network:index", {}),),
    ),
    FormCase(
        "network:person_edit",
        "member",
        lambda w: {"first_name": "Anders", "last_name": "Genoemd", "expertise": ""},
        text=("first_name", "last_name", "expertise"),
        choices=("steward", "themes"),
        shows=(lambda w: ("network:person_detail", {"pk": w.person.pk}),),
    ),
    FormCase(
        "network:interaction_log",
        "outsider",
        lambda w: {"kind": "spoke", "note": "Gebeld"},
        text=("note",),
        choices=("kind",),
        shows=(
            lambda w: ("network:person_detail", {"pk": w.person.pk}),
            lambda w: ("network:my_data", {}),
        ),
    ),
    FormCase(
        "network:tie_declare",
        "member",
        lambda w: {"kind": "met", "strength": "2"},
        text=(),
        choices=("kind", "strength", "introduced_by"),
        query=lambda w: {"persoon": w.successor.pk},
    ),
    FormCase(
        "initiatives:meeting_create",
        "programme_manager",
        lambda w: {**MEETING_FORM, "location": ""},
        text=("title", "location"),
        choices=("date", "time", "duration_minutes", "tlp"),
    ),
    FormCase(
        "initiatives:agenda_add",
        "programme_manager",
        lambda w: {"title": "Nieuw punt", "description": ""},
        text=("title", "description"),
        choices=("timebox_minutes",),
        shows=(_meeting_page,),
    ),
    FormCase(
        "initiatives:minutes_save",
        "programme_manager",
        lambda w: {"text": "Besproken.", "version": str(w.agenda_item.version)},
        text=("text",),
        choices=("version", "overwrite"),
        shows=(_meeting_page, lambda w: ("initiatives:meeting_print", _meeting(w))),
    ),
    FormCase(
        "initiatives:decision_add",
        "programme_manager",
        lambda w: {"text": "Besloten."},
        text=("text",),
        shows=(_meeting_page, lambda w: ("initiatives:meeting_print", _meeting(w))),
    ),
    FormCase(
        "initiatives:meeting_action_add",
        "programme_manager",
        lambda w: {"title": "Uitzoeken"},
        text=("title",),
        choices=("due_date", "owner"),
        shows=(_meeting_page,),
    ),
    FormCase(
        "partners:member_invite",
        "org_admin",
        lambda w: {
            "email": "extra@ddvs.example",
            "full_name": "Extra Lid",
            "job_title": "",
            "role": "member",
        },
        text=("full_name", "job_title"),
        choices=("email", "role"),
    ),
    FormCase(
        "partners:beheer_organisation_invite",
        "portal_admin",
        lambda w: {
            "invite-email": "contact@ddvs.example",
            "invite-full_name": "Contact",
            "invite-language": "nl",
        },
        text=("invite-full_name",),
        choices=("invite-email", "invite-language"),
    ),
    FormCase(
        "partners:invitation_accept",
        "anonymous",
        lambda w: {
            "first_name": "Nieuw",
            "last_name": "Lid",
            "password1": "lang-en-geheim-wachtwoord",
            "password2": "lang-en-geheim-wachtwoord",
        },
        text=("first_name", "last_name"),
        choices=("password1",),
    ),
    FormCase(
        "partners:organisation_profile",
        "org_admin",
        lambda w: {"description": "Over ons", "website": "https://ddvs.example/"},
        text=("description",),
        choices=("website",),
        shows=(_company_page,),
    ),
    FormCase(
        "partners:organisation_profile_step",
        "org_admin",
        lambda w: {"themes": [Theme.objects.order_by("pk").first().pk], "systems": []},
        text=(),
        choices=("themes", "systems"),
    ),
    FormCase(
        "partners:join_organisation",
        "outsider",
        lambda w: {"organisation": w.company.pk, "motivation": "Ik werk er nu"},
        text=("motivation",),
        choices=("organisation",),
        setup=_join_by_domain,
        not_found=("organisation",),
        # The company's admin reads the motivation.
        shows=(lambda w: ("partners:join_request_list", _company(w), "org_admin"),),
    ),
    FormCase(
        "core:digest_preferences",
        "member",
        lambda w: {"frequency": "daily", "weekday": "1", "hour": "7", "language": "nl"},
        text=(),
        choices=("frequency", "weekday", "hour", "language", "instant_events"),
    ),
    FormCase(
        "partners:beheer_sharing_group_create",
        "portal_admin",
        lambda w: {"name": "Nieuwe groep", "description": ""},
        text=("name", "description"),
        choices=("organisations",),
    ),
    FormCase(
        "partners:beheer_organisation_create",
        "portal_admin",
        lambda w: {
            "name": "Nieuwe Partner BV",
            "kind": "oem",
            "country": "NL",
            "default_tlp": "amber",
            "contact_language": "nl",
            "kvk_number": "",
            "website": "",
            "domains": "",
            "contact_name": "Contact",
            "contact_email": "contact@nieuwe-partner.example",
        },
        text=("name", "contact_name"),
        choices=("kind", "kvk_number", "website", "domains", "contact_email", "sharing_groups"),
    ),
)


def inert_problems(page: Any, where: str, shown: list[str] | None = None) -> list[str]:
    """What makes ``page`` unsafe: raw markup from the input, or a script address in a link.
    The pages' text is added to ``shown``."""
    if not page.get("Content-Type", "").startswith("text/html"):
        return []
    body = body_of(page)
    if shown is not None:
        shown.append(body)
    return html_problems(body, where)


def html_problems(html: str, where: str) -> list[str]:
    """Raw markup from the input in ``html``, or markup that would run."""
    found = [f"{where}: raw {raw!r}" for raw in RAW_MARKUP if raw in html]
    finder = _ScriptFinder()
    finder.feed(html)
    return found + [f"{where}: {markup}" for markup in finder.found]


def form_errors(response: Any) -> list[str]:
    errors: list[str] = []
    for context in response.context or []:
        for layer in getattr(context, "dicts", [context]):
            for value in layer.values():
                if isinstance(value, BaseForm) and value.is_bound and value.errors:
                    errors += [str(e) for field in value.errors.values() for e in field]
    return errors
