"""The profile wizard of an organisation and its services (description, expertise, logo)."""

from __future__ import annotations

import io
import re
import zlib

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from lmi_portal.core.models import AuditEvent, System, Theme
from partners.models import Membership, Organisation
from partners.services.profile import organisation_set_logo, organisation_update_profile
from tests.conftest import TOTP_SECRET
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def admin_client(client, org_admin):
    """The company's organisation admin, signed in with their second factor set up."""
    if not Authenticator.objects.filter(user=org_admin, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(org_admin, TOTP_SECRET)
    client.force_login(org_admin)
    return client


def step_url(organisation: Organisation, step: int = 1) -> str:
    if step == 1:
        return reverse("partners:organisation_profile", args=[organisation.pk])
    return reverse("partners:organisation_profile_step", args=[organisation.pk, step])


def image_bytes(fmt: str, size: tuple[int, int], mode: str = "RGB", **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "navy").save(buffer, format=fmt, **save)
    return buffer.getvalue()


def upload(content: bytes, name: str = "logo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- Who may use the wizard ------------------------------------------------------------------


def test_org_admin_of_another_organisation_gets_404(client, company, competitor):
    rival_admin = UserFactory()
    MembershipFactory(user=rival_admin, organisation=competitor, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(rival_admin, TOTP_SECRET)
    client.force_login(rival_admin)
    assert client.get(step_url(company)).status_code == 404
    response = client.post(step_url(company), {"description": "Overgenomen", "website": ""})
    assert response.status_code == 404
    company.refresh_from_db()
    assert company.description == ""


def test_plain_member_gets_404(client, member, company):
    client.force_login(member)
    assert client.get(step_url(company)).status_code == 404
    assert client.get(step_url(company, 3)).status_code == 404


def test_portal_admin_without_membership_gets_404(admin_client_with_mfa, company):
    assert admin_client_with_mfa.get(step_url(company)).status_code == 404


def test_unknown_step_is_404(admin_client, company):
    assert admin_client.get(step_url(company, 4)).status_code == 404


def test_org_admin_of_an_onboarding_company_can_use_the_wizard(client):
    newcomer = OrganisationFactory(name="Nieuwkomer BV", onboarding=True)
    contact = UserFactory()
    MembershipFactory(user=contact, organisation=newcomer, role=Membership.Role.ORG_ADMIN)
    TOTP.activate(contact, TOTP_SECRET)
    client.force_login(contact)
    assert client.get(step_url(newcomer)).status_code == 200
    response = client.post(step_url(newcomer), {"description": "Wij zijn nieuw.", "website": ""})
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.description == "Wij zijn nieuw."


# --- The steps -------------------------------------------------------------------------------


@pytest.mark.parametrize("step", [1, 2, 3])
def test_each_step_shows_its_progress(admin_client, company, step):
    body = admin_client.get(step_url(company, step)).content.decode()
    assert f"Stap {step} van 3" in body
    assert f'<progress class="w-100" max="3" value="{step}"' in body
    assert 'aria-current="step"' in body
    assert "style=" not in body


def test_step_one_saves_description_and_website_and_audits(admin_client, org_admin, company):
    response = admin_client.post(
        step_url(company),
        {"description": "Wij onderhouden wielvoertuigen.", "website": "https://ddvs.example"},
    )
    assert response.status_code == 302
    assert response["Location"] == step_url(company, 2)
    company.refresh_from_db()
    assert company.description == "Wij onderhouden wielvoertuigen."
    assert company.website == "https://ddvs.example"
    assert company.profile_completed_at is None  # no theme yet
    event = AuditEvent.objects.get(action="organisation.profile_updated")
    assert event.actor == org_admin
    assert event.target_id == str(company.pk)
    assert set(event.data["fields"]) == {"description", "website"}


def test_step_two_saves_expertise_and_completes_the_profile(admin_client, company):
    company.description = "Wij onderhouden wielvoertuigen."
    company.save()
    data_ai = Theme.objects.get(slug="data-ai")
    boxer = System.objects.get(slug="boxer")
    response = admin_client.post(
        step_url(company, 2), {"themes": [data_ai.pk], "systems": [boxer.pk]}
    )
    assert response.status_code == 302
    assert response["Location"] == step_url(company, 3)
    company.refresh_from_db()
    assert list(company.themes.all()) == [data_ai]
    assert list(company.systems.all()) == [boxer]
    assert company.profile_completed_at is not None
    event = AuditEvent.objects.get(action="organisation.profile_updated")
    assert event.data == {"fields": ["themes", "systems"], "completed": True}


def test_profile_completed_at_is_set_only_the_first_time(org_admin, company):
    company.description = "Omschrijving"
    company.save()
    theme = Theme.objects.first()
    organisation_update_profile(actor=org_admin, organisation=company, themes=[theme])
    company.refresh_from_db()
    first = company.profile_completed_at
    assert first is not None
    organisation_update_profile(actor=org_admin, organisation=company, themes=[])
    organisation_update_profile(actor=org_admin, organisation=company, themes=[theme])
    company.refresh_from_db()
    assert company.profile_completed_at == first


def test_saving_unchanged_values_writes_no_audit_row(org_admin, company):
    organisation_update_profile(actor=org_admin, organisation=company, description="", website="")
    assert not AuditEvent.objects.filter(action="organisation.profile_updated").exists()


def test_step_two_only_offers_active_vocabulary(admin_client, company):
    retired = Theme.objects.create(slug="oud", name_nl="Oud thema", name_en="Old", is_active=False)
    body = admin_client.get(step_url(company, 2)).content.decode()
    assert "Oud thema" not in body
    assert "Data &amp; AI" in body
    company.themes.add(retired)  # an organisation keeps a retired theme it already has
    assert "Oud thema" in admin_client.get(step_url(company, 2)).content.decode()


def test_too_long_description_is_refused_and_the_input_kept(admin_client, company):
    text = "x" * 2001
    response = admin_client.post(step_url(company), {"description": text, "website": ""})
    assert response.status_code == 200
    body = response.content.decode()
    assert text in body
    assert "deze stap is nog niet opgeslagen" in body
    company.refresh_from_db()
    assert company.description == ""


def test_invalid_website_is_refused_with_the_description_kept(admin_client, company):
    response = admin_client.post(
        step_url(company), {"description": "Blijft staan", "website": "geen url met spaties"}
    )
    assert response.status_code == 200
    assert "Blijft staan" in response.content.decode()
    company.refresh_from_db()
    assert company.website == "" and company.description == ""


# --- The logo --------------------------------------------------------------------------------


def test_png_logo_is_reencoded_stripped_and_downscaled(admin_client, company, media):
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "geheime metadata")
    source = image_bytes("PNG", (1200, 600), pnginfo=info)
    response = admin_client.post(step_url(company, 3), {"logo": upload(source)})
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:organisation_detail", args=[company.pk])
    company.refresh_from_db()
    assert re.fullmatch(rf"logos/{company.pk}-[0-9a-f]{{16}}\.png", company.logo.name)
    with default_storage.open(company.logo.name) as stored:
        data = stored.read()
    assert b"geheime metadata" not in data
    stored_image = Image.open(io.BytesIO(data))
    assert stored_image.format == "PNG"
    assert stored_image.size == (512, 256)
    assert AuditEvent.objects.filter(
        action="organisation.profile_updated", data__fields=["logo"]
    ).exists()


def test_jpeg_logo_is_stored_as_png(admin_client, company, media):
    source = image_bytes("JPEG", (100, 80))
    admin_client.post(step_url(company, 3), {"logo": upload(source, "foto.jpg", "image/jpeg")})
    company.refresh_from_db()
    assert company.logo.name.endswith(".png")
    with default_storage.open(company.logo.name) as stored:
        image = Image.open(stored)
        assert (image.format, image.size) == ("PNG", (100, 80))


def test_transparent_gif_keeps_its_transparency(admin_client, company, media):
    source = image_bytes("GIF", (20, 20), mode="P", transparency=0)
    admin_client.post(step_url(company, 3), {"logo": upload(source, "logo.gif", "image/gif")})
    company.refresh_from_db()
    with default_storage.open(company.logo.name) as stored:
        assert Image.open(stored).mode == "RGBA"


def test_text_file_named_png_is_refused(admin_client, company, media):
    response = admin_client.post(
        step_url(company, 3), {"logo": upload(b"<html>geen plaatje</html>", "logo.png")}
    )
    assert response.status_code == 200
    assert "geen afbeelding in PNG-, JPEG-, WebP- of GIF-formaat" in response.content.decode()
    company.refresh_from_db()
    assert not company.logo
    assert not any(media.rglob("*.png"))  # nothing stored


def test_other_image_formats_are_refused(admin_client, company, media):
    response = admin_client.post(
        step_url(company, 3), {"logo": upload(image_bytes("BMP", (10, 10)), "logo.png")}
    )
    assert "geen afbeelding in PNG-, JPEG-, WebP- of GIF-formaat" in response.content.decode()
    company.refresh_from_db()
    assert not company.logo


def test_file_over_2_mb_is_refused(admin_client, company, media):
    big = image_bytes("PNG", (10, 10)) + b"\0" * (2 * 1024 * 1024)
    response = admin_client.post(step_url(company, 3), {"logo": upload(big)})
    assert response.status_code == 200
    assert "maximaal 2 MB" in response.content.decode()
    company.refresh_from_db()
    assert not company.logo


def test_image_larger_than_4000_pixels_is_refused(admin_client, company, media):
    wide = image_bytes("PNG", (4001, 10), mode="1")
    assert len(wide) < 2 * 1024 * 1024
    response = admin_client.post(step_url(company, 3), {"logo": upload(wide)})
    assert response.status_code == 200
    assert "maximaal 4000 bij 4000 pixels" in response.content.decode()
    company.refresh_from_db()
    assert not company.logo


def test_broken_image_is_refused(admin_client, company, media):
    truncated = image_bytes("PNG", (300, 300), mode="RGB", compress_level=0)[:2000]
    response = admin_client.post(step_url(company, 3), {"logo": upload(truncated)})
    assert response.status_code == 200
    assert "beschadigd of onvolledig" in response.content.decode()
    company.refresh_from_db()
    assert not company.logo


def test_finishing_without_a_logo_keeps_the_profile_and_adds_no_file(admin_client, company, media):
    response = admin_client.post(step_url(company, 3), {})
    assert response.status_code == 302
    assert response["Location"] == reverse("partners:organisation_detail", args=[company.pk])
    company.refresh_from_db()
    assert not company.logo
    assert not any(media.rglob("*.png"))


def test_new_logo_deletes_the_previous_file(
    admin_client, company, media, django_capture_on_commit_callbacks
):
    old = default_storage.save(
        f"logos/{company.pk}-oud.png", ContentFile(image_bytes("PNG", (5, 5)))
    )
    company.logo.name = old
    company.save(update_fields=["logo"])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(step_url(company, 3), {"logo": upload(image_bytes("PNG", (40, 40)))})
    company.refresh_from_db()
    assert company.logo.name != old
    assert default_storage.exists(company.logo.name)
    assert not default_storage.exists(old)


def test_refused_logo_keeps_the_previous_file(admin_client, company, media):
    old = default_storage.save(
        f"logos/{company.pk}-oud.png", ContentFile(image_bytes("PNG", (5, 5)))
    )
    company.logo.name = old
    company.save(update_fields=["logo"])
    admin_client.post(step_url(company, 3), {"logo": upload(b"niet een plaatje")})
    company.refresh_from_db()
    assert company.logo.name == old
    assert default_storage.exists(old)


def _png_claiming_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb's calling card)."""
    data = bytearray(image_bytes("PNG", (1, 1)))
    ihdr = 8  # after the signature: length (4), type (4), then width and height
    data[ihdr + 8 : ihdr + 16] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    crc = zlib.crc32(bytes(data[ihdr + 4 : ihdr + 8 + 13]))
    data[ihdr + 8 + 13 : ihdr + 8 + 17] = crc.to_bytes(4, "big")
    return bytes(data)


@pytest.mark.parametrize("size", [(4001, 4001), (60000, 60000)])
def test_huge_dimensions_are_refused_before_decoding(org_admin, company, media, size):
    with pytest.raises(ValidationError) as excinfo:
        organisation_set_logo(
            actor=org_admin, organisation=company, upload=io.BytesIO(_png_claiming_size(*size))
        )
    assert excinfo.value.code == "too_many_pixels"
    company.refresh_from_db()
    assert not company.logo
