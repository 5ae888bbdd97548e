"""Downloads of the initiatives a user may see, as CSV or Excel.

Both formats carry the same columns and neutralise spreadsheet formulas with ``safe_cell``:
someone else's title must never run as a formula on the reader's machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from io import BytesIO
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from lmi_portal.core.csv_export import csv_response, safe_cell
from lmi_portal.core.services import audit_log

from .models import Initiative

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILENAME = "initiatieven"


def export_header() -> list[str]:
    return [
        _("ID"),
        _("Titel"),
        _("Fase"),
        _("Rubricering"),
        _("Eigenaar"),
        _("Deelnemers"),
        _("Penvoerder"),
        _("Plaatsvervanger"),
        _("Thema's"),
        _("Systemen"),
        _("Herkomst"),
        _("Laatst actief"),
        _("URL"),
    ]


def export_row(initiative: Initiative) -> list[Any]:
    """One row; reads only what ``selectors.initiative_export_rows`` prefetched."""
    participants = sorted(p.organisation.display_name for p in initiative.participations.all())
    return [
        initiative.pk,
        initiative.title,
        initiative.get_phase_display(),
        initiative.get_tlp_display(),
        initiative.owner_organisation.display_name,
        "; ".join(participants),
        str(initiative.lead) if initiative.lead else "",
        str(initiative.deputy) if initiative.deputy else "",
        "; ".join(theme.name for theme in initiative.themes.all()),
        "; ".join(system.name for system in initiative.systems.all()),
        initiative.get_origin_display(),
        timezone.localtime(initiative.last_activity_at).replace(tzinfo=None),
        settings.SITE_URL.rstrip("/") + initiative.get_absolute_url(),
    ]


def initiatives_export(
    *, request: HttpRequest, user: Any, initiatives: Sequence[Initiative], fmt: str
) -> HttpResponseBase:
    """The download in ``fmt`` (csv or xlsx), recorded in the audit log."""
    fmt = fmt if fmt in FORMATS else CSV
    # Rows are built now, in the request's language, not while a response streams.
    header = export_header()
    rows = [export_row(initiative) for initiative in initiatives]
    audit_log(
        action="initiatives.exported",
        actor=user,
        request=request,
        data={"format": fmt, "rows": len(rows)},
    )
    if fmt == XLSX:
        return _xlsx_response(header=header, rows=rows)
    csv_rows = [[_csv_value(cell) for cell in row] for row in rows]
    return csv_response(filename=f"{FILENAME}.csv", header=header, rows=csv_rows)


def _csv_value(value: Any) -> Any:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else value


def _xlsx_response(*, header: list[str], rows: list[list[Any]]) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Initiatieven"))
    sheet.append([_text_cell(sheet, h) for h in header])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}.xlsx"'
    return response


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Cell:
    if isinstance(value, int):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    return _text_cell(sheet, value)


def _text_cell(sheet: WriteOnlyWorksheet, value: Any) -> Cell:
    """A cell that is text whatever it looks like: formula prefixes are neutralised, control
    characters the file format cannot hold are dropped, and the type is pinned to string."""
    text = ILLEGAL_CHARACTERS_RE.sub("", "" if value is None else str(value))
    cell = WriteOnlyCell(sheet, value=safe_cell(text))
    cell.data_type = "s"
    return cell
