"""Document versions: private storage, numbering, downloads behind the access policy (with an
audit row for every attempt), previews, the upload view and the version panel."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from knowledge import storage
from knowledge.models import DocumentVersion, KnowledgeItem
from knowledge.selectors.documents import version_panel_context
from knowledge.services.documents import document_version_add
from knowledge.views.documents import content_disposition
from lmi_portal.core.models import AuditEvent
from partners.models import TLP
from tests.factories import KnowledgeItemFactory, OrganisationFactory, member_of

from .conftest import Files, stored_files

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def add(item, actor, name="plan.pdf", content=None, note=""):
    content = Files.pdf("Onderhoud aan de Boxer") if content is None else content
    return document_version_add(
        actor=actor, item=item, upload=Files.upload(name, content), note=note
    )


def download_url(item, number):
    return reverse("knowledge:download", kwargs={"pk": item.pk, "version": number})


def preview_url(item, number):
    return reverse("knowledge:preview", kwargs={"pk": item.pk, "version": number})


def upload_url(item):
    return reverse("knowledge:version_upload", kwargs={"pk": item.pk})


# --- Storing -------------------------------------------------------------------------------


def test_version_is_stored_privately_under_a_random_key(member, document_item, private_media):
    version = add(document_item, member, name="Onderhoudsplan Boxer.pdf")
    assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{48}", version.storage_key)
    files = stored_files(private_media)
    assert files == [private_media / version.storage_key]
    assert "Onderhoud" not in str(files[0])
    assert files[0].read_bytes() == Files.pdf("Onderhoud aan de Boxer")
    assert version.number == 1
    assert version.original_name == "Onderhoudsplan Boxer.pdf"
    assert version.content_type == "application/pdf"
    assert version.uploaded_by == member


def test_versions_are_numbered_and_the_item_is_touched(member, document_item):
    before = document_item.updated_at
    first = add(document_item, member)
    second = add(document_item, member, name="plan-v2.pdf", note="Tabel bijgewerkt")
    assert (first.number, second.number) == (1, 2)
    assert second.note == "Tabel bijgewerkt"
    document_item.refresh_from_db()
    assert document_item.updated_at > before


def test_version_added_is_audited(member, document_item):
    version = add(document_item, member)
    event = AuditEvent.objects.get(action="knowledge.version_added")
    assert event.actor == member
    assert event.target_id == str(document_item.pk)
    assert event.data["version"] == version.number
    assert event.data["sha256"] == version.sha256


def test_file_is_removed_again_when_the_row_cannot_be_written(
    member, document_item, private_media, monkeypatch
):
    def broken_save(self, *args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(DocumentVersion, "save", broken_save)
    with pytest.raises(IntegrityError):
        add(document_item, member)
    assert stored_files(private_media) == []


def test_only_documents_get_files(member, company, private_media):
    lesson = KnowledgeItemFactory(kind=KnowledgeItem.Kind.LESSON, owner_organisation=company)
    with pytest.raises(ValidationError):
        add(lesson, member)
    assert stored_files(private_media) == []


def test_archived_document_gets_no_new_version(member, document_item, private_media):
    document_item.status = KnowledgeItem.Status.ARCHIVED
    document_item.save()
    with pytest.raises(ValidationError):
        add(document_item, member)
    assert stored_files(private_media) == []


def test_storage_refuses_anything_that_is_not_a_key():
    for key in ["../etc/passwd", "ab/../../x", "AB/" + "0" * 48, ""]:
        with pytest.raises(ValueError):
            storage.path_of(key)


def test_storage_refuses_a_root_inside_media_root(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.MEDIA_ROOT = tmp_path
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    with pytest.raises(ImproperlyConfigured):
        storage.private_root()


# --- Downloads -----------------------------------------------------------------------------


def test_outsiders_download_of_a_restricted_file_is_404_and_audited(
    client, member, outsider, document_item
):
    version = add(document_item, member)
    client.force_login(outsider)
    for url in (download_url(document_item, 1), preview_url(document_item, 1)):
        response = client.get(url)
        assert response.status_code == 404
        assert b"Onderhoud" not in response.content
    denied = AuditEvent.objects.filter(action="knowledge.download_denied", actor=outsider)
    assert denied.count() == 2
    assert {e.data["item"] for e in denied} == {document_item.pk}
    assert {e.data["version"] for e in denied} == {version.number}
    assert not AuditEvent.objects.filter(action="knowledge.download").exists()


def test_missing_item_or_version_answers_the_same_404_and_is_audited(client, member, document_item):
    add(document_item, member)
    client.force_login(member)
    assert client.get(download_url(document_item, 7)).status_code == 404
    missing = reverse("knowledge:download", kwargs={"pk": 999999, "version": 1})
    assert client.get(missing).status_code == 404
    reasons = sorted(
        e.data["reason"] for e in AuditEvent.objects.filter(action="knowledge.download_denied")
    )
    assert reasons == ["no_such_version", "not_visible"]


def test_red_item_is_404_even_for_a_member_of_the_owner(client, member, company):
    item = KnowledgeItemFactory(
        kind=KnowledgeItem.Kind.DOCUMENT, tlp=TLP.RED, owner_organisation=company
    )
    add(item, member)  # the service does not decide sight; views do
    client.force_login(member)
    assert client.get(download_url(item, 1)).status_code == 404


def test_member_downloads_with_safe_headers(client, member, document_item):
    add(document_item, member, name="Onderhoudsplan Boxér.pdf")
    client.force_login(member)
    response = client.get(download_url(document_item, 1))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == Files.pdf("Onderhoud aan de Boxer")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"Onderhoudsplan Boxer.pdf\"; filename*=UTF-8''"
        + quote("Onderhoudsplan Boxér.pdf")
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; sandbox; frame-ancestors 'none'"
    )
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    event = AuditEvent.objects.get(action="knowledge.download")
    assert event.actor == member
    assert event.target_id == str(document_item.pk)
    assert event.data["version"] == 1


def test_old_version_stays_downloadable_after_a_new_one(client, member, document_item):
    add(document_item, member, name="plan-v1.docx", content=Files.docx("Eerste versie"))
    add(document_item, member, name="plan-v2.docx", content=Files.docx("Tweede versie"))
    client.force_login(member)
    old = client.get(download_url(document_item, 1))
    assert old.status_code == 200
    assert b"".join(old.streaming_content) == Files.docx("Eerste versie")
    assert "plan-v1.docx" in old["Content-Disposition"]
    assert old["Content-Type"] == DOCX
    new = client.get(download_url(document_item, 2))
    assert "plan-v2.docx" in new["Content-Disposition"]


def test_x_accel_mode_hands_the_file_to_nginx(client, member, document_item, settings):
    settings.KNOWLEDGE_X_ACCEL_PREFIX = "/_private/"
    version = add(document_item, member)
    client.force_login(member)
    response = client.get(download_url(document_item, 1))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_private/{version.storage_key}"
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert AuditEvent.objects.filter(action="knowledge.download").count() == 1


def test_x_accel_mode_still_refuses_outsiders(client, member, outsider, document_item, settings):
    settings.KNOWLEDGE_X_ACCEL_PREFIX = "/_private/"
    add(document_item, member)
    client.force_login(outsider)
    response = client.get(download_url(document_item, 1))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_pdf_preview_is_inline_and_may_be_framed_by_the_item_page(client, member, document_item):
    add(document_item, member)
    client.force_login(member)
    response = client.get(preview_url(document_item, 1))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert response["Content-Security-Policy"] == (
        "default-src 'none'; sandbox; frame-ancestors 'self'"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="knowledge.download")
    assert event.data["inline"] is True


def test_image_preview_is_inline(client, member, document_item):
    add(document_item, member, name="foto.png", content=Files.png())
    client.force_login(member)
    response = client.get(preview_url(document_item, 1))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline;")


def test_office_files_have_no_preview(client, member, document_item):
    add(document_item, member, name="plan.docx", content=Files.docx("x"))
    client.force_login(member)
    assert client.get(preview_url(document_item, 1)).status_code == 404
    event = AuditEvent.objects.get(action="knowledge.download_denied")
    assert event.data["reason"] == "not_inline"


def test_content_disposition_escapes_awkward_names():
    header = content_disposition("attachment", 'a"b;c\\d é.pdf')
    ascii_part = header.split("filename*=")[0]
    assert '"' not in ascii_part.split('filename="')[1].rstrip('"; ')
    assert header.endswith("UTF-8''" + quote('a"b;c\\d é.pdf', safe=""))


def test_download_of_a_draft_is_404_for_other_organisations(client, member, company):
    item = KnowledgeItemFactory(
        kind=KnowledgeItem.Kind.DOCUMENT,
        tlp=TLP.GREEN,
        owner_organisation=company,
        status=KnowledgeItem.Status.DRAFT,
    )
    add(item, member)
    someone = member_of(OrganisationFactory())
    client.force_login(someone)
    assert client.get(download_url(item, 1)).status_code == 404


# --- The upload view -----------------------------------------------------------------------


def test_member_uploads_a_new_version(
    client, member, document_item, private_media, django_capture_on_commit_callbacks
):
    add(document_item, member)
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            upload_url(document_item),
            {"file": Files.upload("plan-v2.pdf", Files.pdf("Tweede")), "note": "Nieuwe planning"},
            follow=True,
        )
    assert response.redirect_chain[-1][0].endswith(f"{document_item.get_absolute_url()}#versions")
    version = DocumentVersion.objects.get(item=document_item, number=2)
    assert version.note == "Nieuwe planning"
    assert version.extraction_status == DocumentVersion.ExtractionStatus.DONE
    assert "Tweede" in version.extracted_text
    assert len(stored_files(private_media)) == 2
    assert "Versie 2 (plan-v2.pdf) is toegevoegd." in response.content.decode()


def test_htmx_upload_redirects_the_page(client, member, document_item):
    client.force_login(member)
    response = client.post(
        upload_url(document_item),
        {"file": Files.upload("plan.pdf", Files.pdf("x"))},
        headers={"HX-Request": "true"},
    )
    assert response["HX-Redirect"] == document_item.get_absolute_url()
    assert DocumentVersion.objects.filter(item=document_item).count() == 1


def test_htmx_upload_with_a_refused_file_shows_the_reason_at_the_field(
    client, member, document_item, private_media
):
    client.force_login(member)
    response = client.post(
        upload_url(document_item),
        {"file": Files.upload("plan.docx", Files.pdf("x")), "note": "Mijn toelichting"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="versions"')
    assert 'id="version-file_error"' in page
    assert "eindigt op .docx" in page
    assert 'value="Mijn toelichting"' in page
    assert not DocumentVersion.objects.exists()
    assert stored_files(private_media) == []


def test_upload_without_javascript_shows_errors_on_a_page_of_its_own(client, member, document_item):
    client.force_login(member)
    response = client.post(upload_url(document_item), {"note": "zonder bestand"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" in page
    assert "Kies een bestand." in page
    assert 'value="zonder bestand"' in page


def test_upload_form_page_works_without_javascript(client, member, document_item):
    client.force_login(member)
    response = client.get(upload_url(document_item))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'for="version-file"' in page
    assert 'id="version-file"' in page


def test_outsider_cannot_upload_and_nothing_is_written(
    client, member, outsider, document_item, private_media
):
    add(document_item, member)
    client.force_login(outsider)
    for method in (client.get, client.post):
        response = method(
            upload_url(document_item), {"file": Files.upload("x.pdf", Files.pdf("x"))}
        )
        assert response.status_code == 404
    assert DocumentVersion.objects.count() == 1
    assert len(stored_files(private_media)) == 1
    assert not AuditEvent.objects.filter(action="knowledge.version_added", actor=outsider).exists()


def test_member_who_sees_but_may_not_edit_gets_403(client, company, private_media):
    item = KnowledgeItemFactory(
        kind=KnowledgeItem.Kind.DOCUMENT, tlp=TLP.GREEN, owner_organisation=company
    )
    reader = member_of(OrganisationFactory())
    client.force_login(reader)
    response = client.post(upload_url(item), {"file": Files.upload("x.pdf", Files.pdf("x"))})
    assert response.status_code == 403
    assert not DocumentVersion.objects.exists()
    assert stored_files(private_media) == []


def test_upload_view_keeps_the_csrf_check(member, document_item):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(
        upload_url(document_item), {"file": Files.upload("x.pdf", Files.pdf("x"))}
    )
    assert response.status_code == 403
    assert not DocumentVersion.objects.exists()


def test_upload_to_something_that_is_not_a_document_is_404(client, member, company):
    lesson = KnowledgeItemFactory(kind=KnowledgeItem.Kind.LESSON, owner_organisation=company)
    client.force_login(member)
    assert client.get(upload_url(lesson)).status_code == 404


# --- The version panel ---------------------------------------------------------------------


def test_panel_lists_versions_with_who_when_size_and_checksum(client, member, document_item):
    member.first_name, member.last_name = "Kim", "Testlid"
    member.save(update_fields=["first_name", "last_name"])
    with time_machine.travel(datetime(2026, 3, 4, 9, 15, tzinfo=AMSTERDAM), tick=False):
        first = add(document_item, member, name="plan-v1.pdf")
    # 2,560 bytes of plain text, shown as "2,5 KB".
    with time_machine.travel(datetime(2026, 5, 6, 14, 30, tzinfo=AMSTERDAM), tick=False):
        second = add(document_item, member, name="plan-v2.txt", content=b"Onderhoud\n" * 256)
    context = version_panel_context(member, document_item)
    rows = context["version_rows"]
    assert [r.version.number for r in rows] == [2, 1]
    assert rows[0].is_latest
    assert rows[1].sha_short == first.sha256[:12]
    assert rows[1].download_url == download_url(document_item, 1)
    assert rows[1].preview_url == preview_url(document_item, 1)
    assert rows[0].preview_url == ""  # the latest is plain text: no preview
    assert context["version_preview"] is None
    assert context["version_form"] is not None

    client.force_login(member)
    page = client.get(document_item.get_absolute_url()).content.decode()
    newest = page.split('id="version-2"')[1].split("</tr>")[0]
    oldest = page.split('id="version-1"')[1].split("</tr>")[0]
    assert "<td>Kim Testlid</td>" in newest and "<td>Kim Testlid</td>" in oldest
    assert '<time datetime="2026-05-06T14:30:00+02:00">6 Mei 2026 14:30</time>' in newest
    assert '<time datetime="2026-03-04T09:15:00+01:00">4 Mrt 2026 09:15</time>' in oldest
    assert "2,5\xa0KB" in newest
    assert second.sha256[:12] in newest and first.sha256[:12] in oldest


def test_panel_has_no_upload_form_for_readers(member, company):
    item = KnowledgeItemFactory(
        kind=KnowledgeItem.Kind.DOCUMENT, tlp=TLP.GREEN, owner_organisation=company
    )
    add(item, member)
    reader = member_of(OrganisationFactory())
    context = version_panel_context(reader, item)
    assert context["version_form"] is None
    assert context["version_preview"].is_pdf


def test_item_page_shows_the_panel_with_preview_and_history(client, member, document_item):
    add(document_item, member, name="plan-v1.pdf")
    add(document_item, member, name="foto.png", content=Files.png())
    client.force_login(member)
    page = client.get(document_item.get_absolute_url()).content.decode()
    assert 'id="versions"' in page
    assert "plan-v1.pdf" in page
    assert download_url(document_item, 1) in page
    assert f'<img src="{preview_url(document_item, 2)}"' in page
    assert 'enctype="multipart/form-data"' in page
    assert "style=" not in page.split('id="versions"')[1].split("</section>")[0]


def test_panel_renders_for_a_pdf_preview_in_a_frame(client, member, document_item):
    add(document_item, member)
    client.force_login(member)
    page = client.get(document_item.get_absolute_url()).content.decode()
    assert f'<iframe src="{preview_url(document_item, 1)}"' in page
