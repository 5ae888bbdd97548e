"""Hostile text on its way out: an initiative's title and summary, a comment, an action's title,
a meeting's title and a werkgroep decision, each holding markup, a script link, a spreadsheet
formula or a line break into a mail header, go into the digest, the instant and minutes emails,
the minutes' print page and DOCX, the CSV and Excel exports and the calendar feed.

HTML shows them escaped, text parts as the plain text they are, mail headers on one line, every
spreadsheet cell as text (a cell that starts like a formula gets an apostrophe) and the
calendar feed as one SUMMARY per meeting. Over the access sweep's world
(tests/access_sweep_world.py); every test is rolled back.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from docx import Document
from openpyxl import load_workbook

from initiatives.models import ActionItem, Initiative, Meeting
from initiatives.services.comments import comment_create
from initiatives.services.initiatives import initiative_create
from initiatives.services.meetings import meeting_create
from initiatives.services.minutes import decision_add, meeting_action_add, meeting_publish
from initiatives.services.work import action_create
from lmi_portal.core.csv_export import FORMULA_PREFIXES
from lmi_portal.core.digests import (
    digest_compose,
    digest_period,
    digest_render,
    notification_email_render,
)
from lmi_portal.core.models import Notification, OutboxEmail
from lmi_portal.core.notifications import follow_set
from lmi_portal.core.services import outbox_deliver, outbox_enqueue
from partners.models import TLP, Organisation

from . import test_access_sweep
from .hostile_input_cases import html_problems
from .test_access_sweep import Sweep, body_of

# The access sweep's world, built once for this module.
sweep_world = test_access_sweep.sweep_world

TITLE = (
    '=HYPERLINK("https://evil.example","klik") <script>alert(1)</script>\r\nBcc: buit@evil.example'
)
SUMMARY = '"><img src=x onerror=alert(2)>'
COMMENT = "<script>alert(3)</script> [klik](javascript:alert(3))"
ACTION = "@SUM(1+1)*cmd|' /C calc'!A0 <img src=x onerror=alert(4)>"
DECISION = "+31 <svg onload=alert(5)>"
MEETING = "-1+1 <script>alert(6)</script>\nBcc: buit@evil.example"
# What each shows as, literally, in a plain-text part.
PLAIN = ("<script>alert(1)</script>", "<img src=x onerror=alert(4)>", "<svg onload=alert(5)>")


@dataclass
class Hostile:
    sweep: Sweep
    initiative: Initiative
    action: ActionItem
    meeting: Meeting


@pytest.fixture
def hostile(sweep_world: Sweep, db: Any) -> Hostile:
    """The hostile texts, written through the services as a user would write them: the
    outsider follows the company, the member owns the action, the LMI meeting is published."""
    w = sweep_world.world
    member, pm = w.users["member"], w.users["programme_manager"]
    follow_set(user=w.users["outsider"], target=w.company, following=True)
    initiative = initiative_create(
        actor=member, owner_organisation=w.company, title=TITLE, summary=SUMMARY, tlp=TLP.GREEN
    )
    comment_create(actor=member, initiative=initiative, body=COMMENT)
    action = action_create(
        actor=w.users["org_admin"],
        initiative=initiative,
        title=ACTION,
        owner=member,
        due_date=timezone.localdate() + dt.timedelta(days=1),
    )
    Meeting.objects.filter(pk=w.meeting.pk).update(title=MEETING)
    w.meeting.refresh_from_db()
    decision_add(actor=pm, item=w.agenda_item, text=DECISION)
    meeting_action_add(actor=pm, item=w.agenda_item, title=ACTION, owner=pm)
    assert meeting_publish(actor=pm, meeting=w.meeting, tlp=TLP.AMBER)
    return Hostile(sweep=sweep_world, initiative=initiative, action=action, meeting=w.meeting)


def _plain_problems(text: str, where: str) -> list[str]:
    """A text part holds the texts as they are: never HTML-escaped."""
    return [f"{where}: {escape(p)!r} escaped" for p in PLAIN if escape(p) in text]


def _one_line_subject(email: OutboxEmail) -> list[str]:
    """The email leaves the outbox, its subject on one line."""
    problems = [] if "\n" not in email.subject and "\r" not in email.subject else ["subject"]
    mail.outbox.clear()
    outbox_deliver(email_id=email.pk)
    (sent,) = mail.outbox
    message = sent.message()  # the headers as they go out
    if message["Bcc"] or sent.bcc:
        problems.append(f"a Bcc header from the text: {message['Bcc']}")
    return problems


def test_the_digest_shows_the_texts_escaped_in_html_and_plain_in_text(hostile):
    w = hostile.sweep.world
    now = timezone.now()
    users = [w.users["outsider"], w.users["member"]]
    contents = digest_compose(
        users=users, since=now - dt.timedelta(hours=1), until=now + dt.timedelta(hours=1)
    )
    period = digest_period(frequency="weekly")
    problems = []
    for user in users:
        rendered = digest_render(user=user, period=period, content=contents[user.pk], nonce="n")
        html, text = rendered["body_html"], rendered["body_text"]
        problems += html_problems(html, f"{user.email} html")
        problems += _plain_problems(text, f"{user.email} text")
        problems += [f"{user.email} subject" for c in "\r\n" if c in rendered["subject"]]
    assert problems == []
    outsider = digest_render(user=users[0], period=period, content=contents[users[0].pk], nonce="n")
    member = digest_render(user=users[1], period=period, content=contents[users[1].pk], nonce="n")
    # The lines are there: the new initiative for its follower, the action for its owner.
    assert escape("<script>alert(1)</script>") in outsider["body_html"]
    assert "<script>alert(1)</script>" in outsider["body_text"]
    assert escape("<img src=x onerror=alert(4)>") in member["body_html"]
    assert "<img src=x onerror=alert(4)>" in member["body_text"]


def test_the_instant_email_shows_the_texts_inert_and_leaves_with_one_line_subject(hostile):
    w = hostile.sweep.world
    member = w.users["member"]
    notification = Notification.objects.filter(recipient=member, verb="action.assigned").latest(
        "pk"
    )
    rendered = notification_email_render(notification=notification)
    assert html_problems(rendered["body_html"], "html") == []
    assert _plain_problems(rendered["body_text"], "text") == []
    assert escape("<img src=x onerror=alert(4)>") in rendered["body_html"]
    # The notification's own email, as the service queued it; the title's line break and
    # "Bcc:" must not become a header.
    email = OutboxEmail.objects.get(idempotency_key=f"notification:{notification.pk}")
    assert _one_line_subject(email) == []
    followers = Notification.objects.filter(
        recipient=w.users["outsider"], verb="initiative.created"
    )
    for row in followers:
        rendered = notification_email_render(notification=row)
        assert html_problems(rendered["body_html"], "html") == []
        email = outbox_enqueue(key=f"hostile:{row.pk}", to="x@rmmv.example", **rendered)
        assert _one_line_subject(email) == []


def test_the_minutes_email_print_page_and_docx_show_the_texts_inert(hostile):
    w = hostile.sweep.world
    emails = OutboxEmail.objects.filter(idempotency_key__startswith=f"minutes:{w.meeting.pk}:")
    assert emails.exists()
    for email in emails:
        assert html_problems(email.body_html, email.to) == []
        assert _plain_problems(email.body_text, email.to) == []
        assert "<svg onload=alert(5)>" in email.body_text
        assert escape("<svg onload=alert(5)>") in email.body_html
    assert _one_line_subject(emails.first()) == []

    client = hostile.sweep.clients["programme_manager"]
    page = client.get(reverse("initiatives:meeting_print", kwargs={"pk": w.meeting.pk}))
    assert page.status_code == 200
    assert html_problems(body_of(page), "print") == []
    assert escape("<svg onload=alert(5)>") in body_of(page)

    export = client.get(reverse("initiatives:meeting_export", kwargs={"pk": w.meeting.pk}))
    assert export.status_code == 200
    document = Document(io.BytesIO(export.content))
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        cell.text for table in document.tables for row in table.rows for cell in row.cells
    )
    assert DECISION in text and ACTION in text  # as text runs, never as markup


def _csv_cells(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(body_of(response).lstrip("\ufeff"))))


def _formula_cells(rows: list[list[Any]]) -> list[str]:
    return [
        cell
        for row in rows
        for cell in row
        if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES)
    ]


def test_the_initiatives_csv_and_excel_exports_neutralise_formulas(hostile):
    client = hostile.sweep.clients["member"]
    url = reverse("initiatives:export")
    rows = _csv_cells(client.get(url, {"format": "csv"}))
    assert _formula_cells(rows) == []
    assert [cell for row in rows for cell in row if "HYPERLINK" in cell] == ["'" + TITLE]

    response = client.get(url, {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert _formula_cells([[cell.value for cell in cells]]) == []
    assert all(cell.data_type in ("s", "n", "d") for cell in cells)  # never "f", a formula
    assert [c.value for c in cells if "HYPERLINK" in str(c.value)] == ["'" + TITLE]


def test_every_other_csv_export_neutralises_formulas(hostile):
    w = hostile.sweep.world
    Organisation.objects.filter(pk=w.spare_org.pk).update(
        name='=HYPERLINK("https://evil.example")', description="@SUM(1)"
    )
    asks = [
        ("member", reverse("partners:organisation_list"), {"format": "csv"}),
        ("portal_admin", reverse("partners:beheer_audit_export"), {}),
        (
            "programme_manager",
            reverse("initiatives:pulse_export", kwargs={"pk": w.pulse_round.pk}),
            {},
        ),
    ]
    for role, url, query in asks:
        rows = _csv_cells(hostile.sweep.clients[role].get(url, query))
        assert len(rows) > 1, url
        assert _formula_cells(rows) == [], url
    directory = _csv_cells(hostile.sweep.clients["member"].get(asks[0][1], asks[0][2]))
    assert '\'=HYPERLINK("https://evil.example")' in [cell for row in directory for cell in row]


def test_the_calendar_feed_keeps_a_title_with_line_breaks_in_its_summary(hostile):
    w = hostile.sweep.world
    meeting = meeting_create(
        actor=w.users["programme_manager"],
        starts_at=timezone.now() + dt.timedelta(days=5),
        title="Werkgroep\r\nATTENDEE:mailto:buit@evil.example\nX-INJECTED:ja; <b>,",
        location="Zaal 1\nORGANIZER:mailto:buit@evil.example",
        attending_organisations=[w.competitor],
    )
    feed = hostile.sweep.clients["anonymous"].get(
        reverse("initiatives:calendar_feed", kwargs={"token": w.tokens["calendar"]})
    )
    assert feed.status_code == 200
    text = body_of(feed).replace("\r\n ", "")  # unfold
    lines = text.split("\r\n")
    assert not [line for line in lines if line.startswith(("ATTENDEE", "X-INJECTED", "ORGANIZER"))]
    summaries = [line for line in lines if line.startswith("SUMMARY:") and "Werkgroep\\n" in line]
    assert summaries == [
        "SUMMARY:Werkgroep\\nATTENDEE:mailto:buit@evil.example\\nX-INJECTED:ja\\; <b>\\,"
    ]
    assert meeting.pk
