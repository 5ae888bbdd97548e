"""Writes on an organisation's profile: description, expertise and logo. Each one is audited."""

from __future__ import annotations

import contextlib
import io
import secrets
import warnings
from collections.abc import Iterable
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from lmi_portal.core.models import System, Theme
from lmi_portal.core.services import audit_log

from ..models import Organisation

DESCRIPTION_MAX_LENGTH = 2000
LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SOURCE_SIDE = 4000
LOGO_MAX_SIDE = 512
LOGO_FORMATS = ("PNG", "JPEG", "WEBP", "GIF")


def _mark_complete_if_ready(organisation: Organisation) -> bool:
    """Set ``profile_completed_at`` the first time description and a theme are both present."""
    if organisation.profile_completed_at is not None:
        return False
    if organisation.description.strip() and organisation.themes.exists():
        organisation.profile_completed_at = timezone.now()
        return True
    return False


@transaction.atomic
def organisation_update_profile(
    *,
    actor: Any,
    organisation: Organisation,
    description: str | None = None,
    website: str | None = None,
    themes: Iterable[Theme] | None = None,
    systems: Iterable[System] | None = None,
    request: HttpRequest | None = None,
) -> Organisation:
    """Change the given profile fields (``None`` leaves a field as it is)."""
    if description is not None and len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError(
            {"description": _("Een omschrijving is maximaal 2000 tekens lang.")}, code="max_length"
        )
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changed: list[str] = []
    if description is not None and description != org.description:
        org.description = description
        changed.append("description")
    if website is not None and website != org.website:
        org.website = website
        changed.append("website")
    # Only the fields this service writes; older rows may hold values newer rules refuse.
    org.clean_fields(exclude=[f.name for f in org._meta.fields if f.name not in changed])
    if themes is not None:
        new_themes = {t.pk for t in themes}
        if new_themes != set(org.themes.values_list("pk", flat=True)):
            org.themes.set(new_themes)
            changed.append("themes")
    if systems is not None:
        new_systems = {s.pk for s in systems}
        if new_systems != set(org.systems.values_list("pk", flat=True)):
            org.systems.set(new_systems)
            changed.append("systems")
    completed = _mark_complete_if_ready(org)
    if changed or completed:
        fields: list[str] = [f for f in ("description", "website") if f in changed]
        if completed:
            fields.append("profile_completed_at")
        org.save(update_fields=[*fields, "updated_at"])
    if changed:
        audit_log(
            action="organisation.profile_updated",
            actor=actor,
            target=org,
            request=request,
            data={"fields": changed, "completed": completed},
        )
    _copy_profile(org, organisation)
    return organisation


def _copy_profile(source: Organisation, target: Organisation) -> None:
    for field in ("description", "website", "logo", "profile_completed_at", "updated_at"):
        setattr(target, field, getattr(source, field))
    # Drop prefetched relations so callers read the new themes and systems.
    getattr(target, "_prefetched_objects_cache", {}).clear()


def logo_to_png(upload: IO[bytes], *, size: int | None = None) -> bytes:
    """Decode an uploaded image, check it, and return a clean PNG that fits 512x512.

    Raises ``ValidationError`` with a message for the user. The type is decided by decoding
    the data, never by the file name; metadata (EXIF, ICC, comments) does not survive.
    """
    if size is None:
        upload.seek(0, io.SEEK_END)
        size = upload.tell()
    if size > LOGO_MAX_BYTES:
        raise ValidationError(
            _("Het bestand is te groot: een logo mag maximaal 2 MB zijn."), code="too_big"
        )
    upload.seek(0)
    wrong_type = ValidationError(
        _("Dit bestand is geen afbeelding in PNG-, JPEG-, WebP- of GIF-formaat."),
        code="wrong_type",
    )
    broken = ValidationError(
        _("Deze afbeelding is beschadigd of onvolledig en kan niet worden gelezen."),
        code="broken",
    )
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb guard warns before it refuses; treat the warning as a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=LOGO_FORMATS)
            width, height = image.size  # read from the header; nothing decoded yet
            if width > LOGO_MAX_SOURCE_SIDE or height > LOGO_MAX_SOURCE_SIDE:
                raise ValidationError(
                    _("De afbeelding is te groot: maximaal 4000 bij 4000 pixels."),
                    code="too_many_pixels",
                )
            image.seek(0)  # first frame of an animated GIF or WebP
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("De afbeelding is te groot: maximaal 4000 bij 4000 pixels."),
            code="too_many_pixels",
        ) from None
    except UnidentifiedImageError:
        raise wrong_type from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise broken from None
    # Honour a phone photo's orientation; a malformed tag is not worth a refusal.
    upright: Image.Image = image
    with contextlib.suppress(Exception):
        upright = ImageOps.exif_transpose(image) or image
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or (
        upright.mode == "P" and "transparency" in upright.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    try:
        converted = upright.convert(mode)
    except (OSError, ValueError):
        raise broken from None
    converted.thumbnail((LOGO_MAX_SIDE, LOGO_MAX_SIDE), Image.Resampling.LANCZOS)
    # A fresh image from the raw pixels carries no metadata at all.
    clean = Image.frombytes(mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    return out.getvalue()


def organisation_set_logo(
    *,
    actor: Any,
    organisation: Organisation,
    upload: IO[bytes],
    size: int | None = None,
    request: HttpRequest | None = None,
) -> Organisation:
    """Store a re-encoded logo under logos/<org-id>-<random>.png; delete the previous file."""
    png = logo_to_png(upload, size=size)
    name = default_storage.save(
        f"logos/{organisation.pk}-{secrets.token_hex(8)}.png", ContentFile(png)
    )
    try:
        with transaction.atomic():
            org = Organisation.objects.select_for_update().get(pk=organisation.pk)
            previous = org.logo.name or ""
            org.logo.name = name
            org.save(update_fields=["logo", "updated_at"])
            audit_log(
                action="organisation.profile_updated",
                actor=actor,
                target=org,
                request=request,
                data={"fields": ["logo"], "completed": False},
            )
            if previous and previous != name:
                # Only once the new logo is committed; a rollback keeps the old file.
                transaction.on_commit(lambda: default_storage.delete(previous))
    except BaseException:
        default_storage.delete(name)
        raise
    _copy_profile(org, organisation)
    return organisation
