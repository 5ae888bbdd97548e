"""Writes on an organisation's members: invite, change role, deactivate, import from CSV.

Invariant: an organisation always keeps at least one current organisation admin. Role changes
and deactivations lock the organisation's admin memberships before checking it, so two admins
demoting each other at the same moment cannot both succeed.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext as _

from lmi_portal.core.csv_export import looks_like_formula
from lmi_portal.core.services import audit_log

from ..access import forget_access_context, managed_organisation_ids
from ..models import Invitation, MemberImport, Membership, Organisation, User
from .accounts import membership_end
from .invitations import invitation_create

logger = logging.getLogger(__name__)

MAX_IMPORT_BYTES = 1024 * 1024
MAX_IMPORT_ROWS = 5000
# Rows validated between two progress updates; small enough for a smooth progress bar.
IMPORT_CHUNK_SIZE = 250

# Header names are compared after _normalise_header: lower case, no spaces, dashes or underscores.
HEADER_ALIASES: dict[str, frozenset[str]] = {
    "name": frozenset({"naam", "name", "volledigenaam", "fullname"}),
    "email": frozenset({"email", "emailadres", "emailaddress", "mail"}),
    "job_title": frozenset({"functie", "functietitel", "jobtitle"}),
}
NAME_MAX_LENGTH = Invitation._meta.get_field("full_name").max_length or 200
JOB_TITLE_MAX_LENGTH = Invitation._meta.get_field("job_title").max_length or 120
EMAIL_MAX_LENGTH = 254


def _require_manager(actor: Any, organisation_id: int) -> None:
    """Services re-check what the view checked: only the organisation's admins manage members."""
    if getattr(actor, "is_portal_admin", False):
        return
    if organisation_id not in managed_organisation_ids(actor):
        raise PermissionDenied


def _lock_current_admin_ids(organisation_id: int) -> set[int]:
    """Lock and return the organisation's current admin memberships of active accounts."""
    return set(
        Membership.objects.current()
        .select_for_update(of=("self",))
        .filter(
            organisation_id=organisation_id,
            role=Membership.Role.ORG_ADMIN,
            user__is_active=True,
        )
        .values_list("pk", flat=True)
    )


def _ensure_another_admin(admin_ids: set[int], membership_pk: int, message: str) -> None:
    if membership_pk in admin_ids and not admin_ids - {membership_pk}:
        raise ValidationError(message)


def _lock_current_membership(membership: Membership) -> Membership:
    locked = (
        Membership.objects.current()
        .select_for_update(of=("self",))
        .select_related("user")
        .filter(pk=membership.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(_("Dit lidmaatschap is al beëindigd."))
    return locked


# --- Members -------------------------------------------------------------------------------


def member_invite(
    *,
    actor: Any,
    organisation: Organisation,
    email: str,
    full_name: str,
    job_title: str = "",
    role: str = Membership.Role.MEMBER,
) -> Invitation:
    """Invite one colleague; refused when the address already belongs to a current member.

    An open invitation for the same address is replaced by the new one (see invitation_create).
    """
    _require_manager(actor, organisation.pk)
    email = email.strip().lower()
    if (
        Membership.objects.current()
        .filter(organisation=organisation, user__email__iexact=email)
        .exists()
    ):
        raise ValidationError({"email": _("Deze persoon is al lid van deze organisatie.")})
    return invitation_create(
        actor=actor,
        organisation=organisation,
        email=email,
        role=role,
        full_name=full_name,
        job_title=job_title,
    )


def membership_change_role(
    *, actor: Any, membership: Membership, role: str, request: HttpRequest | None = None
) -> Membership:
    """Make a member organisation admin or plain member; the last admin cannot step down."""
    if role not in Membership.Role.values:
        raise ValidationError(_("Kies een geldige rol."))
    _require_manager(actor, membership.organisation_id)
    with transaction.atomic():
        admin_ids = _lock_current_admin_ids(membership.organisation_id)
        locked = _lock_current_membership(membership)
        old = locked.role
        if old == role:
            return locked
        if role != Membership.Role.ORG_ADMIN:
            _ensure_another_admin(
                admin_ids,
                locked.pk,
                _(
                    "Een organisatie heeft altijd minstens één beheerder. "
                    "Maak eerst iemand anders beheerder."
                ),
            )
        locked.role = role
        locked.full_clean()
        locked.save(update_fields=["role", "updated_at"])
        audit_log(
            action="membership.role_changed",
            actor=actor,
            target=locked,
            request=request,
            data={"organisation": locked.organisation_id, "from": old, "to": role},
        )
    membership.role = role
    return locked


def membership_deactivate(
    *, actor: Any, membership: Membership, request: HttpRequest | None = None
) -> Membership:
    """End a membership and every session of its user, so access ends at their next request."""
    _require_manager(actor, membership.organisation_id)
    with transaction.atomic():
        admin_ids = _lock_current_admin_ids(membership.organisation_id)
        locked = _lock_current_membership(membership)
        _ensure_another_admin(
            admin_ids,
            locked.pk,
            _(
                "De laatste beheerder van een organisatie kan niet worden gedeactiveerd. "
                "Maak eerst iemand anders beheerder."
            ),
        )
        membership_end(actor=actor, membership=locked, request=request)
        # The session hash includes the epoch, so raising it signs the user out everywhere.
        User.objects.filter(pk=locked.user_id).update(session_epoch=F("session_epoch") + 1)
        audit_log(
            action="membership.deactivated",
            actor=actor,
            target=locked,
            request=request,
            data={
                "organisation": locked.organisation_id,
                "user": locked.user_id,
                "sessions_ended": True,
            },
        )
    forget_access_context(membership.user)
    membership.end_date = locked.end_date
    return locked


# --- CSV import: parsing -------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    line: int
    name: str
    email: str
    job_title: str
    raw_cells: tuple[str, str, str]


def _normalise_header(value: str) -> str:
    return "".join(ch for ch in value.strip().lower() if ch not in " _-.")


def _sniff_delimiter(header_line: str) -> str:
    """`;` (Dutch Excel) or `,`: whichever the header row is split by."""
    try:
        return csv.Sniffer().sniff(header_line, delimiters=";,").delimiter
    except csv.Error:
        return ";" if header_line.count(";") > header_line.count(",") else ","


def _column_map(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _normalise_header(cell)
        for field, aliases in HEADER_ALIASES.items():
            if key in aliases:
                if field in columns:
                    raise ValidationError(
                        _("De kolom “%(column)s” staat twee keer in de kopregel.")
                        % {"column": cell.strip()}
                    )
                columns[field] = index
    missing = [label for field, label in _required_columns() if field not in columns]
    if missing:
        raise ValidationError(
            _(
                "De kopregel mist de kolom(men): %(missing)s. Gebruik de kolommen naam, "
                "e-mail en functie (of name, email, job title)."
            )
            % {"missing": ", ".join(missing)}
        )
    return columns


def _required_columns() -> list[tuple[str, str]]:
    return [("name", _("naam")), ("email", _("e-mail"))]


def member_import_parse(text: str) -> list[ImportRow]:
    """Split CSV text into rows; a file-level problem raises ValidationError (Dutch message)."""
    text = text.removeprefix("\ufeff")
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    if not header_line:
        raise ValidationError(_("Het bestand is leeg."))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(header_line))
    rows: list[ImportRow] = []
    columns: dict[str, int] | None = None
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _column_map(cells)
                continue
            if len(rows) >= MAX_IMPORT_ROWS:
                raise ValidationError(
                    _("Het bestand bevat meer dan %(max)s rijen. Splits het in kleinere bestanden.")
                    % {"max": f"{MAX_IMPORT_ROWS:,}".replace(",", ".")}
                )
            name, email, job_title = (
                cells[columns[field]] if field in columns and columns[field] < len(cells) else ""
                for field in ("name", "email", "job_title")
            )
            rows.append(
                ImportRow(
                    line=reader.line_num,
                    name=name.strip(),
                    email=email.strip().lower(),
                    job_title=job_title.strip(),
                    raw_cells=(name, email, job_title),
                )
            )
    except csv.Error as exc:
        raise ValidationError(
            _("Het bestand is geen geldig CSV-bestand (regel %(line)s).")
            % {"line": reader.line_num}
        ) from exc
    if not rows:
        raise ValidationError(_("Het bestand bevat geen rijen onder de kopregel."))
    return rows


# --- CSV import: validation ----------------------------------------------------------------


def _column_labels() -> tuple[str, str, str]:
    return (_("Naam"), _("E-mailadres"), _("Functie"))


def _row_problems(row: ImportRow) -> list[str]:
    """What is wrong with one row on its own, without looking at the database."""
    errors: list[str] = []
    for label, cell in zip(_column_labels(), row.raw_cells, strict=True):
        if looks_like_formula(cell) or looks_like_formula(cell.strip()):
            errors.append(
                _(
                    "%(column)s begint met een teken dat een spreadsheet als formule leest "
                    "(=, +, -, @). Haal dat teken weg."
                )
                % {"column": label}
            )
    if not row.name:
        errors.append(_("Naam ontbreekt."))
    elif len(row.name) > NAME_MAX_LENGTH:
        errors.append(_("Naam is te lang (maximaal %(max)s tekens).") % {"max": NAME_MAX_LENGTH})
    if len(row.job_title) > JOB_TITLE_MAX_LENGTH:
        errors.append(
            _("Functie is te lang (maximaal %(max)s tekens).") % {"max": JOB_TITLE_MAX_LENGTH}
        )
    if not row.email:
        errors.append(_("E-mailadres ontbreekt."))
    else:
        try:
            if len(row.email) > EMAIL_MAX_LENGTH:
                raise ValidationError("too long")
            validate_email(row.email)
        except ValidationError:
            errors.append(_("“%(email)s” is geen geldig e-mailadres.") % {"email": row.email})
    return errors


def _chunks(rows: list[ImportRow], size: int) -> Iterator[list[ImportRow]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _validate_chunk(
    organisation: Organisation, chunk: Iterable[ImportRow], first_line: dict[str, int]
) -> list[dict[str, Any]]:
    """Per-row results for one chunk; ``first_line`` remembers addresses seen in earlier rows."""
    results: list[dict[str, Any]] = [
        {
            "line": row.line,
            "name": row.name,
            "email": row.email,
            "job_title": row.job_title,
            "errors": _row_problems(row),
            "warnings": [],
        }
        for row in chunk
    ]
    emails = {r["email"] for r in results if r["email"]}
    members = set(
        Membership.objects.current()
        .filter(organisation=organisation)
        .annotate(email=Lower("user__email"))
        .filter(email__in=emails)
        .values_list("email", flat=True)
    )
    invited = set(
        Invitation.objects.open()
        .filter(organisation=organisation, email__in=emails)
        .values_list("email", flat=True)
    )
    for result in results:
        email = result["email"]
        if not email:
            continue
        if email in first_line:
            result["errors"].append(
                _("Dit e-mailadres staat ook op regel %(line)s.") % {"line": first_line[email]}
            )
        else:
            first_line[email] = result["line"]
        if email in members:
            result["errors"].append(_("Deze persoon is al lid van deze organisatie."))
        elif email in invited:
            # A warning, not an error: importing sends a fresh link and the old one stops working.
            result["warnings"].append(
                _("Heeft al een openstaande uitnodiging; die wordt vervangen door een nieuwe.")
            )
    return results


def _validate_all(organisation: Organisation, rows: list[ImportRow]) -> list[dict[str, Any]]:
    first_line: dict[str, int] = {}
    results: list[dict[str, Any]] = []
    for chunk in _chunks(rows, IMPORT_CHUNK_SIZE):
        results.extend(_validate_chunk(organisation, chunk, first_line))
    return results


def _uploader_language(member_import: MemberImport) -> str | None:
    uploader = member_import.uploaded_by
    return uploader.language if uploader is not None else None


def member_import_start(
    *, actor: Any, organisation: Organisation, filename: str, text: str
) -> MemberImport:
    """Store an uploaded CSV and queue its validation; nothing is invited yet.

    File-level problems (no header, too many rows, not CSV) raise ValidationError at once.
    """
    _require_manager(actor, organisation.pk)
    rows = member_import_parse(text)
    with transaction.atomic():
        member_import = MemberImport.objects.create(
            organisation=organisation,
            uploaded_by=actor,
            filename=filename[:200],
            status=MemberImport.Status.VALIDATING,
            total=len(rows),
            raw=text,
        )
        audit_log(
            action="member_import.uploaded",
            actor=actor,
            target=member_import,
            data={"organisation": organisation.pk, "rows": len(rows), "filename": filename[:200]},
        )
        import_id = member_import.pk
        transaction.on_commit(lambda: _schedule_validation(import_id))
    return member_import


def _schedule_validation(import_id: int) -> None:
    from ..tasks.members import member_import_validate

    try:
        member_import_validate.delay(import_id)
    except Exception:  # the broker is down: say so rather than leave a bar that never moves
        logger.warning("Could not enqueue validation of member import %s", import_id)
        MemberImport.objects.filter(pk=import_id, status=MemberImport.Status.VALIDATING).update(
            status=MemberImport.Status.FAILED,
            error=_("De controle kon niet worden gestart. Probeer het later opnieuw."),
        )


def member_import_validate(*, import_id: int) -> None:
    """Check every row of an uploaded CSV in chunks, saving progress after each chunk.

    Idempotent: an import that is no longer being validated is left alone, and the final
    status is set only if nobody cancelled it meanwhile.
    """
    member_import = (
        MemberImport.objects.select_related("organisation", "uploaded_by")
        .filter(pk=import_id, status=MemberImport.Status.VALIDATING)
        .first()
    )
    if member_import is None:
        return
    pending = MemberImport.objects.filter(pk=import_id, status=MemberImport.Status.VALIDATING)
    with translation.override(_uploader_language(member_import)):
        try:
            rows = member_import_parse(member_import.raw)
        except ValidationError as exc:
            pending.update(status=MemberImport.Status.FAILED, error=" ".join(exc.messages))
            return
        pending.update(total=len(rows), processed=0)
        first_line: dict[str, int] = {}
        results: list[dict[str, Any]] = []
        for chunk in _chunks(rows, IMPORT_CHUNK_SIZE):
            results.extend(_validate_chunk(member_import.organisation, chunk, first_line))
            if not pending.update(processed=len(results)):
                return  # cancelled while we were busy
    pending.update(status=MemberImport.Status.PREVIEW, rows=results, processed=len(results))


def member_import_error_count(member_import: MemberImport) -> int:
    return sum(1 for row in member_import.rows if row.get("errors"))


class ImportChangedError(ValidationError):
    """The data changed between preview and confirmation; the preview has been refreshed."""


def member_import_confirm_request(*, actor: Any, member_import: MemberImport) -> bool:
    """Confirm a previewed import: queue the invitations. False if it was already confirmed.

    Inviting thousands of people takes longer than a web request may, so a worker does it
    (member_import_confirm); the page follows its status. A double submit queues nothing.
    """
    _require_manager(actor, member_import.organisation_id)
    with transaction.atomic():
        locked = MemberImport.objects.select_for_update(of=("self",)).get(pk=member_import.pk)
        if locked.status in (MemberImport.Status.IMPORTING, MemberImport.Status.DONE):
            return False
        if locked.status != MemberImport.Status.PREVIEW:
            raise ValidationError(_("Deze import kan niet (meer) worden bevestigd."))
        if member_import_error_count(locked):
            raise ValidationError(
                _(
                    "Het bestand bevat fouten; er is niets geïmporteerd. "
                    "Pas het bestand aan en upload het opnieuw."
                )
            )
        locked.status = MemberImport.Status.IMPORTING
        locked.error = ""
        locked.save(update_fields=["status", "error", "updated_at"])
        import_id, actor_id = locked.pk, actor.pk
        transaction.on_commit(lambda: _schedule_import(import_id, actor_id))
    member_import.status = locked.status
    return True


def _schedule_import(import_id: int, actor_id: int) -> None:
    from ..tasks.members import member_import_run

    try:
        member_import_run.delay(import_id, actor_id)
    except Exception:  # the broker is down: back to the preview, so they can try again
        logger.warning("Could not enqueue member import %s", import_id)
        MemberImport.objects.filter(pk=import_id, status=MemberImport.Status.IMPORTING).update(
            status=MemberImport.Status.PREVIEW,
            error=_("Het importeren kon niet worden gestart. Probeer het later opnieuw."),
        )


def member_import_run(*, import_id: int, actor_id: int) -> None:
    """The worker's half of a confirmation: run member_import_confirm, record any failure.

    Idempotent: only an import that is waiting to be imported is touched.
    """
    member_import = MemberImport.objects.filter(
        pk=import_id, status=MemberImport.Status.IMPORTING
    ).first()
    actor = User.objects.filter(pk=actor_id).first()
    if member_import is None:
        return
    try:
        member_import_confirm(actor=actor, member_import=member_import)
    except ImportChangedError:
        pass  # the refreshed preview and its message are saved
    except Exception as exc:
        # Nothing was created (one transaction); give the preview back with a message.
        logger.exception("Member import %s failed", import_id)
        with translation.override(_uploader_language(member_import)):
            error = _("Het importeren is mislukt; er is niemand uitgenodigd. Probeer het opnieuw.")
            if isinstance(exc, ValidationError):
                error = " ".join(exc.messages)
        MemberImport.objects.filter(pk=import_id, status=MemberImport.Status.IMPORTING).update(
            status=MemberImport.Status.PREVIEW, error=error
        )


def member_import_confirm(*, actor: Any, member_import: MemberImport) -> int:
    """Invite everyone in a confirmed import, all or nothing. Returns how many were invited.

    Confirming again (a double submit) invites nobody and returns 0. The rows are checked once
    more against the database first: if someone became a member since the preview, nothing is
    imported and the refreshed preview shows why (ImportChangedError).
    """
    _require_manager(actor, member_import.organisation_id)
    changed = ""
    with transaction.atomic():
        locked = (
            MemberImport.objects.select_for_update(of=("self",))
            .select_related("organisation", "uploaded_by")
            .get(pk=member_import.pk)
        )
        if locked.status == MemberImport.Status.DONE:
            return 0
        if locked.status not in (MemberImport.Status.PREVIEW, MemberImport.Status.IMPORTING):
            raise ValidationError(_("Deze import kan niet (meer) worden bevestigd."))
        if member_import_error_count(locked):
            raise ValidationError(
                _(
                    "Het bestand bevat fouten; er is niets geïmporteerd. "
                    "Pas het bestand aan en upload het opnieuw."
                )
            )
        with translation.override(_uploader_language(locked)):
            rows = [
                ImportRow(
                    line=r["line"],
                    name=r["name"],
                    email=r["email"],
                    job_title=r["job_title"],
                    raw_cells=(r["name"], r["email"], r["job_title"]),
                )
                for r in locked.rows
            ]
            results = _validate_all(locked.organisation, rows)
            if any(r["errors"] for r in results):
                changed = _(
                    "Sinds de controle is er iets veranderd; er is niets geïmporteerd. "
                    "Bekijk de fouten hieronder."
                )
        if changed:
            locked.rows = results
            locked.status = MemberImport.Status.PREVIEW
            locked.error = changed
            locked.save(update_fields=["rows", "status", "error", "updated_at"])
        else:
            for row in results:
                invitation_create(
                    actor=actor,
                    organisation=locked.organisation,
                    email=row["email"],
                    role=Membership.Role.MEMBER,
                    full_name=row["name"],
                    job_title=row["job_title"],
                )
            locked.status = MemberImport.Status.DONE
            locked.imported_count = len(results)
            locked.error = ""
            locked.raw = ""  # the rows keep what was imported; the upload itself is not needed
            locked.save(update_fields=["status", "imported_count", "error", "raw", "updated_at"])
            audit_log(
                action="member_import.confirmed",
                actor=actor,
                target=locked,
                data={"organisation": locked.organisation_id, "invited": len(results)},
            )
    if changed:
        raise ImportChangedError(changed)
    member_import.status = locked.status
    member_import.imported_count = locked.imported_count
    return locked.imported_count


def member_import_cancel(*, actor: Any, member_import: MemberImport) -> MemberImport:
    """Drop an import that has not been confirmed; nobody is invited."""
    _require_manager(actor, member_import.organisation_id)
    open_statuses = (MemberImport.Status.VALIDATING, MemberImport.Status.PREVIEW)
    with transaction.atomic():
        cancelled = MemberImport.objects.filter(
            pk=member_import.pk, status__in=open_statuses
        ).update(status=MemberImport.Status.CANCELLED, raw="")
        if cancelled:
            audit_log(
                action="member_import.cancelled",
                actor=actor,
                target=member_import,
                data={"organisation": member_import.organisation_id},
            )
    member_import.refresh_from_db()
    return member_import
