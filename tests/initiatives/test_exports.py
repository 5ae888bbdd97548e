"""CSV and Excel exports of the initiatives list: what the user may see, with the filters."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from initiatives.exports import XLSX_CONTENT_TYPE
from initiatives.models import Origin, Phase
from lmi_portal.core.models import AuditEvent, System, Theme
from partners.models import TLP
from tests.factories import InitiativeFactory, ParticipationFactory

pytestmark = pytest.mark.django_db

EXPORT = reverse("initiatives:export")
HEADER = [
    "ID",
    "Titel",
    "Fase",
    "Rubricering",
    "Eigenaar",
    "Deelnemers",
    "Penvoerder",
    "Plaatsvervanger",
    "Thema's",
    "Systemen",
    "Herkomst",
    "Laatst actief",
    "URL",
]


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[list[object]]:
    workbook = load_workbook(io.BytesIO(response.content))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


@pytest.fixture
def full(company, competitor, member) -> object:
    theme = Theme.objects.create(slug="test-data", name_nl="Testdata", name_en="Test data")
    system = System.objects.create(slug="test-cv90", name_nl="Test-CV90", name_en="Test CV90")
    initiative = InitiativeFactory(
        title="Voorspellend onderhoud Boxer",
        owner_organisation=company,
        tlp=TLP.AMBER,
        phase=Phase.PILOT,
        origin=Origin.PULL,
        lead=member,
        last_activity_at=datetime(2026, 5, 4, 10, 30, tzinfo=UTC),
    )
    initiative.themes.add(theme)
    initiative.systems.add(system)
    ParticipationFactory(initiative=initiative, organisation=competitor)
    return initiative


def test_csv_export_has_the_columns_and_the_row(client, member, full):
    client.force_login(member)
    response = client.get(EXPORT, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="initiatieven.csv"' in response["Content-Disposition"]
    header, row = csv_rows(response)
    assert header == HEADER
    assert row[:6] == [
        str(full.pk),
        "Voorspellend onderhoud Boxer",
        "Pilot",
        "TLP:AMBER — betrokken organisaties",
        "DDVS",
        "Rheinmetall MAN Military Vehicles Nederland",
    ]
    assert row[6] == str(member) and row[7] == ""
    assert row[8:11] == ["Testdata", "Test-CV90", "Pull: operationele behoefte"]
    assert row[11] == "2026-05-04 12:30"  # Amsterdam time
    assert row[12].endswith(f"/initiatieven/{full.pk}/")


def test_xlsx_export_opens_in_openpyxl_with_the_same_rows(client, member, full):
    client.force_login(member)
    response = client.get(EXPORT, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="initiatieven.xlsx"'
    header, row = xlsx_rows(response)
    assert list(header) == HEADER
    assert row[0] == full.pk
    assert row[1:5] == [
        "Voorspellend onderhoud Boxer",
        "Pilot",
        "TLP:AMBER — betrokken organisaties",
        "DDVS",
    ]
    assert row[11] == datetime(2026, 5, 4, 12, 30)
    assert row[12].endswith(f"/initiatieven/{full.pk}/")


def test_exports_apply_the_filters_without_pagination(client, member, company):
    InitiativeFactory.create_batch(30, owner_organisation=company, phase=Phase.PILOT)
    InitiativeFactory(title="Een idee", owner_organisation=company, phase=Phase.IDEA)
    client.force_login(member)
    csv_response = client.get(EXPORT, {"format": "csv", "phase": "pilot", "page": "2"})
    assert len(csv_rows(csv_response)) == 31
    xlsx_response = client.get(EXPORT, {"format": "xlsx", "phase": "idea"})
    assert [row[1] for row in xlsx_rows(xlsx_response)[1:]] == ["Een idee"]


def test_export_is_capped(client, member, company, monkeypatch):
    monkeypatch.setattr("initiatives.selectors.browse.EXPORT_LIMIT", 3)
    InitiativeFactory.create_batch(5, owner_organisation=company)
    client.force_login(member)
    assert len(csv_rows(client.get(EXPORT))) == 1 + 3


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_outsider_export_leaves_out_amber_initiatives_of_others(client, outsider, company, fmt):
    InitiativeFactory(title="Geheim plan", owner_organisation=company, tlp=TLP.AMBER)
    InitiativeFactory(title="Voor iedereen", owner_organisation=company, tlp=TLP.GREEN)
    client.force_login(outsider)
    response = client.get(EXPORT, {"format": fmt, "organisation": company.pk})
    rows = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert [row[1] for row in rows[1:]] == ["Voor iedereen"]


def test_formulas_are_neutralised_in_csv(client, member, company):
    InitiativeFactory(title='=HYPERLINK("http://kwaad.example","klik")', owner_organisation=company)
    client.force_login(member)
    _header, row = csv_rows(client.get(EXPORT, {"format": "csv"}))
    assert row[1] == '\'=HYPERLINK("http://kwaad.example","klik")'


def test_formulas_are_neutralised_in_xlsx(client, member, company):
    InitiativeFactory(title="=1+1", owner_organisation=company)
    InitiativeFactory(title="@SUM(A1:A2)", owner_organisation=company)
    client.force_login(member)
    response = client.get(EXPORT, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = {sheet.cell(row=r, column=2).value: sheet.cell(row=r, column=2) for r in (2, 3)}
    assert set(cells) == {"'=1+1", "'@SUM(A1:A2)"}
    assert all(cell.data_type == "s" for cell in cells.values())


def test_control_characters_do_not_break_the_workbook(client, member, company):
    InitiativeFactory(title="Titel\x07 met bel", owner_organisation=company)
    client.force_login(member)
    rows = xlsx_rows(client.get(EXPORT, {"format": "xlsx"}))
    assert rows[1][1] == "Titel met bel"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_is_audited(client, member, company, fmt):
    InitiativeFactory.create_batch(2, owner_organisation=company)
    client.force_login(member)
    client.get(EXPORT, {"format": fmt})
    event = AuditEvent.objects.get(action="initiatives.exported")
    assert event.actor == member
    assert event.data == {"format": fmt, "rows": 2}


def test_unknown_format_falls_back_to_csv(client, member):
    client.force_login(member)
    response = client.get(EXPORT, {"format": "pdf", "phase": "onzin"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("rows", [1, 25])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_query_count_is_constant(
    client, member, company, competitor, django_assert_num_queries, rows, fmt
):
    theme = Theme.objects.create(slug="test-qc", name_nl="Thema", name_en="Theme")
    for initiative in InitiativeFactory.create_batch(rows, owner_organisation=company, lead=member):
        initiative.themes.add(theme)
        ParticipationFactory(initiative=initiative, organisation=competitor)
    client.force_login(member)
    client.get(EXPORT, {"format": fmt})
    # session, user, access context, rows, themes, systems, participations, their
    # organisations, the audit row
    with django_assert_num_queries(9):
        response = client.get(EXPORT, {"format": fmt})
    found = csv_rows(response) if fmt == "csv" else xlsx_rows(response)
    assert len(found) == 1 + rows
