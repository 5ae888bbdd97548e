"""Bulk invitations from CSV: validated with progress, previewed, imported only on confirmation."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lmi_portal.core.models import AuditEvent, OutboxEmail
from partners.models import Invitation, MemberImport, Membership, User
from partners.services import invitations as invitation_services
from partners.services import members as services
from partners.tasks.members import member_import_validate
from tests.conftest import TOTP_SECRET
from tests.factories import MembershipFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}

CLEAN_CSV = (
    "naam;e-mail;functie\n"
    "Sanne Voorbeeld;sanne@ddvs.example;Hoofd werkplaats\n"
    "Piet Proef;piet@ddvs.example;Planner\n"
    "Kim Test;kim@ddvs.example;\n"
)


@pytest.fixture
def admin_client(client, org_admin):
    if not Authenticator.objects.filter(user=org_admin).exists():
        TOTP.activate(org_admin, TOTP_SECRET)  # mandatory for organisation admins
    client.force_login(org_admin)
    return client


@pytest.fixture
def other_org_admin(competitor) -> User:
    user = UserFactory(email="beheerder@rmmv.example")
    MembershipFactory(user=user, organisation=competitor, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(user, TOTP_SECRET)
    return user


def import_url(organisation):
    return reverse("partners:member_import", args=[organisation.pk])


def detail_url(member_import: MemberImport):
    return reverse(
        "partners:member_import_detail", args=[member_import.organisation_id, member_import.pk]
    )


def confirm_url(member_import: MemberImport):
    return reverse(
        "partners:member_import_confirm", args=[member_import.organisation_id, member_import.pk]
    )


def upload(client, organisation, content: str | bytes, name: str = "collegas.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        import_url(organisation), {"file": SimpleUploadedFile(name, data, "text/csv")}
    )


def upload_and_validate(client, organisation, content, capture) -> MemberImport:
    """Upload, let the (eager) validation task run after commit, and return the import."""
    with capture(execute=True):
        response = upload(client, organisation, content)
    assert response.status_code == 302, response.content.decode()[:2000]
    member_import = MemberImport.objects.get()
    assert response["Location"] == detail_url(member_import)
    member_import.refresh_from_db()
    return member_import


def row_errors(member_import: MemberImport) -> dict[int, list[str]]:
    return {row["line"]: row["errors"] for row in member_import.rows if row["errors"]}


# --- The happy path --------------------------------------------------------------------------


def test_clean_file_is_previewed_then_imported_as_invitations_with_emails(
    admin_client, org_admin, company, mailoutbox, django_capture_on_commit_callbacks
):
    member_import = upload_and_validate(
        admin_client, company, CLEAN_CSV, django_capture_on_commit_callbacks
    )
    assert member_import.status == MemberImport.Status.PREVIEW
    assert (member_import.processed, member_import.total) == (3, 3)
    assert [r["email"] for r in member_import.rows] == [
        "sanne@ddvs.example",
        "piet@ddvs.example",
        "kim@ddvs.example",
    ]
    body = admin_client.get(detail_url(member_import)).content.decode()
    assert "Importeer 3 uitnodigingen" in body
    assert "Hoofd werkplaats" in body
    # Nothing is imported before confirmation.
    assert not Invitation.objects.exists()
    assert not mailoutbox

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(confirm_url(member_import))

    assert response.status_code == 302
    assert response["Location"] == detail_url(member_import)
    assert (
        "3 uitnodigingen verstuurd" in admin_client.get(detail_url(member_import)).content.decode()
    )
    invitations = Invitation.objects.filter(organisation=company).order_by("email")
    assert [(i.email, i.full_name, i.job_title, i.role) for i in invitations] == [
        ("kim@ddvs.example", "Kim Test", "", "member"),
        ("piet@ddvs.example", "Piet Proef", "Planner", "member"),
        ("sanne@ddvs.example", "Sanne Voorbeeld", "Hoofd werkplaats", "member"),
    ]
    assert OutboxEmail.objects.count() == 3
    assert sorted(m.to[0] for m in mailoutbox) == [i.email for i in invitations]
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.DONE
    assert member_import.imported_count == 3
    event = AuditEvent.objects.get(action="member_import.confirmed")
    assert event.actor == org_admin and event.data["invited"] == 3


def test_confirming_twice_imports_once(
    admin_client, company, mailoutbox, django_capture_on_commit_callbacks
):
    member_import = upload_and_validate(
        admin_client, company, CLEAN_CSV, django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(confirm_url(member_import))
        second = admin_client.post(confirm_url(member_import), follow=True)
    assert "al bevestigd" in second.content.decode()
    assert Invitation.objects.count() == 3
    assert len(mailoutbox) == 3
    assert AuditEvent.objects.filter(action="member_import.confirmed").count() == 1


def test_confirm_service_is_idempotent(org_admin, company, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        member_import = services.member_import_start(
            actor=org_admin, organisation=company, filename="a.csv", text=CLEAN_CSV
        )
    member_import.refresh_from_db()
    assert services.member_import_confirm(actor=org_admin, member_import=member_import) == 3
    assert services.member_import_confirm(actor=org_admin, member_import=member_import) == 0
    assert Invitation.objects.count() == 3


def test_nothing_is_imported_while_validating(admin_client, company):
    # Without running on-commit callbacks, the validation task never ran.
    upload(admin_client, company, CLEAN_CSV)
    member_import = MemberImport.objects.get()
    assert member_import.status == MemberImport.Status.VALIDATING
    response = admin_client.post(confirm_url(member_import), follow=True)
    assert "kan niet (meer) worden bevestigd" in response.content.decode()
    assert not Invitation.objects.exists()


# --- File formats ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("naam;e-mail;functie\nSanne;sanne@ddvs.example;Monteur\n", id="semicolon"),
        pytest.param("naam,e-mail,functie\nSanne,sanne@ddvs.example,Monteur\n", id="comma"),
        pytest.param(
            "\ufeffnaam;e-mail;functie\r\nSanne;sanne@ddvs.example;Monteur\r\n".encode(),
            id="utf8-bom-crlf",
        ),
        pytest.param("Naam;E-mailadres;Functie\nSanne;sanne@ddvs.example;Monteur\n", id="dutch"),
        pytest.param("Name,Email,Job title\nSanne,sanne@ddvs.example,Monteur\n", id="english"),
        pytest.param("name,email,job_title\nSanne,sanne@ddvs.example,Monteur\n", id="job_title"),
        pytest.param(
            'e-mail;naam;functie;opmerking\nsanne@ddvs.example;Sanne;"Monteur; APK";x\n',
            id="reordered-quoted-extra-column",
        ),
    ],
)
def test_accepted_file_formats_give_the_same_row(
    admin_client, company, django_capture_on_commit_callbacks, content
):
    member_import = upload_and_validate(
        admin_client, company, content, django_capture_on_commit_callbacks
    )
    assert member_import.status == MemberImport.Status.PREVIEW
    [row] = member_import.rows
    assert (row["line"], row["name"], row["email"]) == (2, "Sanne", "sanne@ddvs.example")
    assert row["job_title"] in ("Monteur", "Monteur; APK")
    assert row["errors"] == []


def test_dutch_headers_and_utf8_accents_survive(
    admin_client, company, django_capture_on_commit_callbacks
):
    content = "\ufeffNaam;E-mail;Functie\nJosé Brûlé;jose@ddvs.example;Technicus wielvoertuigen\n"
    member_import = upload_and_validate(
        admin_client, company, content.encode("utf-8"), django_capture_on_commit_callbacks
    )
    assert member_import.rows[0]["name"] == "José Brûlé"
    assert "José Brûlé" in admin_client.get(detail_url(member_import)).content.decode()


# --- Per-row errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("Bert;geen-adres;Monteur", "is geen geldig e-mailadres", id="bad-email"),
        pytest.param(";leeg@ddvs.example;Monteur", "Naam ontbreekt", id="missing-name"),
        pytest.param("Bert;;Monteur", "E-mailadres ontbreekt", id="missing-email"),
        pytest.param("=cmd|' /C calc'!A0;bert@ddvs.example;", "als formule leest", id="formula"),
        pytest.param("Bert;bert@ddvs.example;@SUM(1+1)", "als formule leest", id="formula-at"),
        pytest.param("Bert;bert@ddvs.example;\t=1+1", "Functie begint met", id="formula-after-tab"),
        pytest.param("Bert;sanne@ddvs.example;", "staat ook op regel 2", id="duplicate"),
        pytest.param("Bert;SANNE@ddvs.example;", "staat ook op regel 2", id="duplicate-case"),
        pytest.param("B" * 201 + ";bert@ddvs.example;", "Naam is te lang", id="name-too-long"),
    ],
)
def test_bad_row_is_reported_and_nothing_can_be_imported(
    admin_client, company, django_capture_on_commit_callbacks, line, expected
):
    content = f"naam;e-mail;functie\nSanne;sanne@ddvs.example;Monteur\n{line}\n"
    member_import = upload_and_validate(
        admin_client, company, content, django_capture_on_commit_callbacks
    )
    assert member_import.status == MemberImport.Status.PREVIEW
    errors = row_errors(member_import)
    assert list(errors) == [3]
    assert any(expected in error for error in errors[3])

    body = admin_client.get(detail_url(member_import)).content.decode()
    assert expected in body
    assert "Pas het bestand aan en upload het opnieuw" in body
    assert confirm_url(member_import) not in body  # no confirm button

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(confirm_url(member_import))
    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.exists()
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.PREVIEW


def test_current_member_is_a_row_error(
    admin_client, member, company, django_capture_on_commit_callbacks
):
    content = f"naam;e-mail;functie\nLid;{member.email.upper()};\n"
    member_import = upload_and_validate(
        admin_client, company, content, django_capture_on_commit_callbacks
    )
    assert row_errors(member_import) == {2: ["Deze persoon is al lid van deze organisatie."]}
    assert (
        confirm_url(member_import)
        not in admin_client.get(detail_url(member_import)).content.decode()
    )


def test_member_of_another_organisation_may_be_invited(
    admin_client, outsider, company, django_capture_on_commit_callbacks
):
    content = f"naam;e-mail;functie\nCollega;{outsider.email};\n"
    member_import = upload_and_validate(
        admin_client, company, content, django_capture_on_commit_callbacks
    )
    assert row_errors(member_import) == {}


def test_open_invitation_is_a_warning_and_is_replaced_on_import(
    admin_client, org_admin, company, django_capture_on_commit_callbacks
):
    earlier = invitation_services.invitation_create(
        actor=org_admin, organisation=company, email="sanne@ddvs.example"
    )
    member_import = upload_and_validate(
        admin_client, company, CLEAN_CSV, django_capture_on_commit_callbacks
    )
    first = member_import.rows[0]
    assert first["errors"] == [] and "openstaande uitnodiging" in first["warnings"][0]
    body = admin_client.get(detail_url(member_import)).content.decode()
    assert "Let op:" in body and "Importeer 3 uitnodigingen" in body

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(confirm_url(member_import))
    earlier.refresh_from_db()
    assert earlier.revoked_at is not None
    assert Invitation.objects.open().filter(email="sanne@ddvs.example").count() == 1


def test_preview_can_show_only_rows_with_errors(
    admin_client, company, django_capture_on_commit_callbacks
):
    content = "naam;e-mail;functie\nGoed;goed@ddvs.example;\nFout;fout;\n"
    member_import = upload_and_validate(
        admin_client, company, content, django_capture_on_commit_callbacks
    )
    body = admin_client.get(detail_url(member_import), {"fouten": "1"}).content.decode()
    assert "goed@ddvs.example" not in body and "Fout" in body


# --- File-level errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            "naam;e-mail\n" + "".join(f"P{n};p{n}@ddvs.example\n" for n in range(5001)),
            "meer dan 5.000 rijen",
            id="too-many-rows",
        ),
        pytest.param(
            b"naam;e-mail;functie\n" + b"x" * (1024 * 1024), "groter dan 1 MB", id="too-large"
        ),
        pytest.param(
            "naam;e-mail\nJosé;jose@ddvs.example\n".encode("latin-1"), "geen UTF-8", id="latin-1"
        ),
        pytest.param("naam;functie\nSanne;Monteur\n", "mist de kolom(men): e-mail", id="no-email"),
        pytest.param("voornaam;adres\nSanne;x\n", "mist de kolom(men): naam, e-mail", id="header"),
        pytest.param("naam;e-mail;functie\n", "geen rijen onder de kopregel", id="header-only"),
        pytest.param("", "bestand is leeg", id="empty"),
        pytest.param("\n  \n", "Het bestand is leeg", id="blank"),
        pytest.param(b"\x00\x01\x02naam", "geen CSV-bestand", id="binary"),
    ],
)
def test_unusable_file_is_refused_and_nothing_is_stored(admin_client, company, content, expected):
    response = upload(admin_client, company, content)
    assert response.status_code == 200
    body = response.content.decode()
    assert expected in body
    assert "er is niets geïmporteerd" in body
    assert not MemberImport.objects.exists()
    assert not Invitation.objects.exists()


def test_exactly_the_row_limit_is_accepted():
    text = "naam;e-mail\n" + "".join(
        f"P{n};p{n}@ddvs.example\n" for n in range(services.MAX_IMPORT_ROWS)
    )
    assert len(services.member_import_parse(text)) == services.MAX_IMPORT_ROWS


def test_blank_lines_are_skipped_and_line_numbers_kept():
    rows = services.member_import_parse("\nnaam;e-mail\n\nSanne;s@ddvs.example\n;\n")
    assert [(r.line, r.name) for r in rows] == [(4, "Sanne")]


# --- Progress ------------------------------------------------------------------------------


def test_progress_fragment_shows_progress_and_keeps_polling(admin_client, org_admin, company):
    member_import = MemberImport.objects.create(
        organisation=company, uploaded_by=org_admin, filename="groot.csv", total=200, processed=50
    )
    response = admin_client.get(detail_url(member_import), headers=HTMX)
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="import-status"')
    assert "<html" not in body
    assert 'hx-trigger="every 1s"' in body
    assert '<progress id="import-progress"' in body
    assert 'value="50" max="200"' in body
    assert "50 van 200 rijen (25%)" in body
    assert 'style="' not in body  # the CSP forbids inline styles
    assert "HX-Request" in response["Vary"]


def test_progress_fragment_stops_polling_when_validation_is_done(admin_client, org_admin, company):
    member_import = MemberImport.objects.create(
        organisation=company,
        uploaded_by=org_admin,
        filename="klaar.csv",
        status=MemberImport.Status.PREVIEW,
        total=1,
        processed=1,
        rows=[{"line": 2, "name": "A", "email": "a@ddvs.example", "job_title": "", "errors": []}],
    )
    body = admin_client.get(detail_url(member_import), headers=HTMX).content.decode()
    assert body.lstrip().startswith('<div id="import-status"')
    assert "hx-trigger" not in body and "hx-get" not in body
    assert "Importeer 1 uitnodiging" in body


def test_full_progress_page_works_without_javascript(admin_client, org_admin, company):
    member_import = MemberImport.objects.create(
        organisation=company, uploaded_by=org_admin, filename="groot.csv", total=10, processed=3
    )
    body = admin_client.get(detail_url(member_import)).content.decode()
    assert "<html" in body
    assert f'href="{detail_url(member_import)}"' in body  # a plain reload link
    assert "Vernieuwen" in body


def test_validation_saves_progress_after_each_chunk(
    org_admin, company, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "IMPORT_CHUNK_SIZE", 2)
    seen: list[tuple[int, int]] = []
    original = services._validate_chunk

    def spy(organisation, chunk, first_line):
        progress = MemberImport.objects.values_list("processed", "total").get()
        seen.append(progress)
        return original(organisation, chunk, first_line)

    monkeypatch.setattr(services, "_validate_chunk", spy)
    text = "naam;e-mail\n" + "".join(f"P{n};p{n}@ddvs.example\n" for n in range(5))
    with django_capture_on_commit_callbacks(execute=True):
        services.member_import_start(
            actor=org_admin, organisation=company, filename="a.csv", text=text
        )
    assert seen == [(0, 5), (2, 5), (4, 5)]
    assert MemberImport.objects.get().processed == 5


def test_validation_task_is_idempotent(org_admin, company):
    member_import = services.member_import_start(
        actor=org_admin, organisation=company, filename="a.csv", text=CLEAN_CSV
    )
    member_import_validate.delay(member_import.pk)
    member_import.refresh_from_db()
    rows = member_import.rows
    member_import_validate.delay(member_import.pk)  # a redelivered message
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.PREVIEW
    assert member_import.rows == rows and len(rows) == 3


def test_validation_does_not_revive_a_cancelled_import(org_admin, company):
    member_import = services.member_import_start(
        actor=org_admin, organisation=company, filename="a.csv", text=CLEAN_CSV
    )
    services.member_import_cancel(actor=org_admin, member_import=member_import)
    member_import_validate.delay(member_import.pk)
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.CANCELLED
    assert member_import.rows == []


def test_broker_down_marks_the_import_failed(
    org_admin, company, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(member_import_validate, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        member_import = services.member_import_start(
            actor=org_admin, organisation=company, filename="a.csv", text=CLEAN_CSV
        )
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.FAILED
    assert "kon niet worden gestart" in member_import.error


# --- Cancel, atomicity, changes between preview and confirm -----------------------------------


def test_cancel_sets_cancelled_and_blocks_confirmation(
    admin_client, company, django_capture_on_commit_callbacks
):
    member_import = upload_and_validate(
        admin_client, company, CLEAN_CSV, django_capture_on_commit_callbacks
    )
    response = admin_client.post(
        reverse("partners:member_import_cancel", args=[company.pk, member_import.pk])
    )
    assert response["Location"] == import_url(company)
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.CANCELLED
    admin_client.post(confirm_url(member_import))
    assert not Invitation.objects.exists()


def test_import_is_all_or_nothing(
    org_admin, company, monkeypatch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_import = services.member_import_start(
            actor=org_admin, organisation=company, filename="a.csv", text=CLEAN_CSV
        )
    member_import.refresh_from_db()
    calls = {"n": 0}
    original = services.invitation_create

    def fails_on_third(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("mail template broken")
        return original(**kwargs)

    monkeypatch.setattr(services, "invitation_create", fails_on_third)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.member_import_confirm(actor=org_admin, member_import=member_import)
    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.exists()
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.PREVIEW


def test_failure_in_the_worker_imports_nothing_and_gives_the_preview_back(
    admin_client, company, monkeypatch, django_capture_on_commit_callbacks
):
    member_import = upload_and_validate(
        admin_client, company, CLEAN_CSV, django_capture_on_commit_callbacks
    )
    original = services.invitation_create
    calls = {"n": 0}

    def fails_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("smtp template broken")
        return original(**kwargs)

    monkeypatch.setattr(services, "invitation_create", fails_on_second)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(confirm_url(member_import))
    body = admin_client.get(detail_url(member_import)).content.decode()
    assert "Het importeren is mislukt; er is niemand uitgenodigd" in body
    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.exists()
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.PREVIEW

    # Once fixed, the same import can be confirmed.
    monkeypatch.setattr(services, "invitation_create", original)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(confirm_url(member_import))
    assert Invitation.objects.count() == 3


def test_confirmation_is_queued_and_the_page_polls_while_importing(
    admin_client, company, django_capture_on_commit_callbacks
):
    member_import = upload_and_validate(
        admin_client, company, CLEAN_CSV, django_capture_on_commit_callbacks
    )
    admin_client.post(confirm_url(member_import))  # on-commit not run: the worker has not begun
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.IMPORTING
    assert not Invitation.objects.exists()
    body = admin_client.get(detail_url(member_import), headers=HTMX).content.decode()
    assert 'hx-trigger="every 1s"' in body and "<progress" in body
    assert "3 uitnodigingen worden aangemaakt" in body
    # A second click while it is queued adds nothing.
    admin_client.post(confirm_url(member_import))
    assert MemberImport.objects.get().status == MemberImport.Status.IMPORTING


def test_someone_who_joined_since_the_preview_stops_the_import(
    admin_client, company, django_capture_on_commit_callbacks
):
    member_import = upload_and_validate(
        admin_client, company, CLEAN_CSV, django_capture_on_commit_callbacks
    )
    member_of(company, email="piet@ddvs.example")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(confirm_url(member_import))
    body = admin_client.get(detail_url(member_import)).content.decode()
    assert "er is niets geïmporteerd" in body
    assert "al lid van deze organisatie" in body
    assert not Invitation.objects.exists()
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.PREVIEW
    assert row_errors(member_import) == {3: ["Deze persoon is al lid van deze organisatie."]}
    assert confirm_url(member_import) not in body


# --- Who may import --------------------------------------------------------------------------


def test_other_organisations_admin_gets_404_on_import_pages(
    client, other_org_admin, org_admin, company, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_import = services.member_import_start(
            actor=org_admin, organisation=company, filename="a.csv", text=CLEAN_CSV
        )
    client.force_login(other_org_admin)
    assert client.get(import_url(company)).status_code == 404
    assert upload(client, company, CLEAN_CSV).status_code == 404
    assert client.get(detail_url(member_import)).status_code == 404
    assert client.get(detail_url(member_import), headers=HTMX).status_code == 404
    assert client.post(confirm_url(member_import)).status_code == 404
    cancel = reverse("partners:member_import_cancel", args=[company.pk, member_import.pk])
    assert client.post(cancel).status_code == 404
    assert not Invitation.objects.exists()
    assert MemberImport.objects.count() == 1


def test_other_organisations_import_is_404_under_own_organisation(
    client, other_org_admin, org_admin, company, competitor
):
    member_import = services.member_import_start(
        actor=org_admin, organisation=company, filename="a.csv", text=CLEAN_CSV
    )
    client.force_login(other_org_admin)
    url = reverse("partners:member_import_detail", args=[competitor.pk, member_import.pk])
    assert client.get(url).status_code == 404


def test_plain_member_gets_404_on_import_page(client, member, company):
    client.force_login(member)
    assert client.get(import_url(company)).status_code == 404


def test_start_service_refuses_a_plain_member(member, company):
    with pytest.raises(PermissionDenied):
        services.member_import_start(
            actor=member, organisation=company, filename="a.csv", text=CLEAN_CSV
        )
    assert not MemberImport.objects.exists()


def test_upload_is_audited(admin_client, org_admin, company):
    upload(admin_client, company, CLEAN_CSV)
    event = AuditEvent.objects.get(action="member_import.uploaded")
    assert event.actor == org_admin and event.data["rows"] == 3


def test_broker_down_at_confirmation_gives_the_preview_back(
    admin_client, company, monkeypatch, django_capture_on_commit_callbacks
):
    from partners.tasks.members import member_import_run

    member_import = upload_and_validate(
        admin_client, company, CLEAN_CSV, django_capture_on_commit_callbacks
    )

    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(member_import_run, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(confirm_url(member_import))
    member_import.refresh_from_db()
    assert member_import.status == MemberImport.Status.PREVIEW
    assert "kon niet worden gestart" in member_import.error
    assert not Invitation.objects.exists()
