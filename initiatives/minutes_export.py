"""The minutes of a werkgroep meeting as a Word document (python-docx).

Reads only what ``services.minutes.minutes_document`` loaded, so it shows exactly what the print
page shows: under Chatham House no names of attendees, only of the owners of actions (tasks,
not statements).
"""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from docx import Document

# Characters XML 1.0 does not allow; pasted text sometimes carries them.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: Any) -> str:
    return _ILLEGAL_XML.sub("", str(text))


def minutes_docx(document: dict[str, Any]) -> bytes:
    """The .docx file's bytes."""
    meeting = document["meeting"]
    starts = timezone.localtime(meeting.starts_at)
    doc = Document()
    doc.core_properties.title = _clean(meeting.title)
    doc.add_heading(_clean(meeting.title), level=0)

    facts = doc.add_paragraph()
    facts.add_run(_("Datum") + ": ").bold = True
    facts.add_run(formats.date_format(starts, "j F Y H:i"))
    if meeting.location:
        facts.add_run("\n" + _("Locatie") + ": ").bold = True
        facts.add_run(_clean(meeting.location))
    facts.add_run("\n" + _("Rubricering") + ": ").bold = True
    facts.add_run(str(meeting.get_tlp_display()))
    if not meeting.is_locked:
        facts.add_run("\n" + _("Concept: nog niet gepubliceerd")).italic = True
    if meeting.chatham_house:
        doc.add_paragraph(_("Chatham House Rule: uitspraken zonder naam."))

    doc.add_heading(_("Aanwezig"), level=1)
    organisations = ", ".join(_clean(org.display_name) for org in document["organisations"])
    doc.add_paragraph(_("Organisaties") + ": " + (organisations or "—"))
    if document["people"]:
        doc.add_paragraph(
            _("Deelnemers") + ": " + ", ".join(_clean(person) for person in document["people"])
        )

    doc.add_heading(_("Agenda en verslag"), level=1)
    for number, item in enumerate(document["items"], start=1):
        doc.add_heading(f"{number}. {_clean(item.title)}", level=2)
        if item.chatham_house and not meeting.chatham_house:
            doc.add_paragraph().add_run(
                _("Chatham House Rule: uitspraken zonder naam.")
            ).italic = True
        for paragraph in (item.minutes or "").split("\n\n"):
            if paragraph.strip():
                doc.add_paragraph(_clean(paragraph.strip()))
        decisions = list(item.decisions.all())
        if decisions:
            doc.add_paragraph(_("Besluiten")).runs[0].bold = True
            for decision in decisions:
                doc.add_paragraph(_clean(decision.text), style="List Bullet")
        actions = list(item.actions.all())
        if actions:
            doc.add_paragraph(_("Acties")).runs[0].bold = True
            for action in actions:
                doc.add_paragraph(_action_line(action), style="List Bullet")

    if document["actions"]:
        doc.add_heading(_("Actielijst"), level=1)
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        header = table.rows[0].cells
        header[0].text = _("Actie")
        header[1].text = _("Eigenaar")
        header[2].text = _("Uiterlijk")
        for action in document["actions"]:
            cells = table.add_row().cells
            cells[0].text = _clean(action.title)
            cells[1].text = _clean(action.owner) if action.owner else _("nog niemand")
            cells[2].text = (
                formats.date_format(action.due_date, "j F Y") if action.due_date else "—"
            )

    buffer = BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _action_line(action: Any) -> str:
    owner = _clean(action.owner) if action.owner else _("nog niemand")
    line = f"{_clean(action.title)} ({_('eigenaar')}: {owner}"
    if action.due_date:
        line += f", {_('uiterlijk')} {formats.date_format(action.due_date, 'j F Y')}"
    return line + ")"
