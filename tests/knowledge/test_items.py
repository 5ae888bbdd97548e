"""Knowledge items: sharing each kind, editing, drafts, the item page, who may see and do what,
and the handover mover."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from knowledge import forms as knowledge_forms
from knowledge.models import DocumentVersion, KnowledgeItem, default_review_by
from knowledge.services import items as services
from knowledge.uploads import ValidatedUpload
from lmi_portal.core.models import Activity, AuditEvent, System, Theme
from partners.models import TLP
from tests.factories import (
    AffiliationFactory,
    InitiativeFactory,
    KnowledgeItemFactory,
    MembershipFactory,
    PersonFactory,
    member_of,
    person_of,
)

pytestmark = pytest.mark.django_db

Kind = KnowledgeItem.Kind
Status = KnowledgeItem.Status
CREATE = reverse("knowledge:create")
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def reindexed(monkeypatch):
    """The items whose search text was rebuilt (search_index is tested on its own)."""
    calls: list[int] = []
    monkeypatch.setattr(
        services.search_index, "knowledge_item_reindex", lambda item: calls.append(item.pk)
    )
    return calls


@pytest.fixture
def theme(db) -> Theme:
    return Theme.objects.create(slug="k-onderhoud", name_nl="Kennis onderhoud", name_en="K")


@pytest.fixture
def system(db) -> System:
    return System.objects.create(slug="k-boxer", name_nl="Kennisboxer", name_en="K Boxer")


@pytest.fixture
def amber(company, member) -> KnowledgeItem:
    """An AMBER item of ``company``: the ``outsider`` (of ``competitor``) must never see it."""
    return KnowledgeItemFactory(
        title="Ervaringen prestatiecontract DDVS",
        owner_organisation=company,
        tlp=TLP.AMBER,
        owner=member,
        kind=Kind.LESSON,
        lesson_stage=KnowledgeItem.LessonStage.OBSERVATION,
    )


def post_item(client, kind: str, **data):
    payload = {"kind": kind, "title": "Slim plannen", "tlp": TLP.GREEN, "status": "published"}
    payload.update(data)
    return client.post(CREATE, payload)


def details(client, member, **extra):
    """The fields "Meer details" posts along with their defaults."""
    data = {"owner": member.pk, "review_by": default_review_by().isoformat(), "status": "published"}
    data.update(extra)
    return data


# --- Sharing each kind ---------------------------------------------------------------------


def test_new_item_starts_with_the_choice_of_kind(client, member):
    client.force_login(member)
    body = client.get(CREATE).content.decode()
    for code, label in Kind.choices:
        assert f"?kind={code}" in body
        assert str(label) in body


def test_unknown_kind_shows_the_choice_again(client, member):
    client.force_login(member)
    response = client.get(CREATE, {"kind": "virus"})
    assert response.status_code == 200
    assert "Wat wilt u delen?" in response.content.decode()


def test_best_practice_is_shared_with_defaults(client, member, company, reindexed):
    client.force_login(member)
    response = post_item(
        client,
        Kind.BEST_PRACTICE,
        summary="Plan onderhoud op gebruik.",
        **details(client, member, body="**Vet** <script>alert(1)</script>"),
    )

    item = KnowledgeItem.objects.get(title="Slim plannen")
    assert response.status_code == 302 and response["Location"] == item.get_absolute_url()
    assert item.kind == Kind.BEST_PRACTICE and item.status == Status.PUBLISHED
    assert item.owner_organisation == company and item.owner == member
    assert item.created_by == member and item.review_by == default_review_by()
    assert "<strong>Vet</strong>" in item.body_html and "<script>" not in item.body_html
    assert item.lesson_stage == "" and item.url == ""
    assert reindexed == [item.pk]
    assert AuditEvent.objects.filter(action="knowledge.created", target_id=str(item.pk)).exists()
    assert Activity.objects.filter(verb="knowledge.published", target_id=item.pk).exists()


@pytest.mark.parametrize("kind", [Kind.CONTRACT_EXPERIENCE, Kind.EVENT_REPORT])
def test_other_kinds_need_only_a_title(client, member, kind):
    client.force_login(member)
    response = post_item(client, kind, **details(client, member))
    assert response.status_code == 302
    assert KnowledgeItem.objects.get(title="Slim plannen").kind == kind


def test_lesson_starts_as_an_observation(client, member):
    client.force_login(member)
    post_item(client, Kind.LESSON, **details(client, member))
    assert KnowledgeItem.objects.get().lesson_stage == KnowledgeItem.LessonStage.OBSERVATION


def test_lesson_may_start_in_a_later_stage(client, member):
    client.force_login(member)
    post_item(client, Kind.LESSON, lesson_stage="action", **details(client, member))
    assert KnowledgeItem.objects.get().lesson_stage == KnowledgeItem.LessonStage.ACTION


def test_link_needs_an_address_and_keeps_the_input(client, member):
    client.force_login(member)
    response = post_item(client, Kind.LINK, summary="Mijn samenvatting", **details(client, member))

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_url_error"' in body and "Geef het adres van de link." in body
    assert 'value="Slim plannen"' in body and "Mijn samenvatting" in body
    assert not KnowledgeItem.objects.exists()


def test_link_refuses_a_script_address(client, member):
    client.force_login(member)
    response = post_item(client, Kind.LINK, url="javascript:alert(1)", **details(client, member))
    assert "Dit is geen geldig webadres" in response.content.decode()
    assert not KnowledgeItem.objects.exists()


def test_link_page_marks_the_external_address(client, member):
    client.force_login(member)
    post_item(client, Kind.LINK, url="https://www.defensie.nl/", **details(client, member))
    item = KnowledgeItem.objects.get()
    body = client.get(item.get_absolute_url()).content.decode()
    assert '<a href="https://www.defensie.nl/" rel="noopener noreferrer"' in body
    assert "(externe website)" in body


def test_invalid_htmx_post_returns_only_the_form_with_status_200(client, member):
    client.force_login(member)
    response = client.post(CREATE, {"kind": Kind.BEST_PRACTICE, "title": ""}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="item-form"') and "<html" not in body
    assert "Geef het kennisitem een titel." in body


def test_valid_htmx_post_redirects_by_header(client, member):
    client.force_login(member)
    response = client.post(
        CREATE,
        {
            "kind": Kind.BEST_PRACTICE,
            "title": "Via htmx",
            "tlp": TLP.GREEN,
            **details(client, member),
        },
        headers=HTMX,
    )
    item = KnowledgeItem.objects.get(title="Via htmx")
    assert response["HX-Redirect"] == item.get_absolute_url()


def test_member_of_two_organisations_chooses_one(client, member, company, competitor):
    MembershipFactory(user=member, organisation=competitor)
    client.force_login(member)
    response = post_item(client, Kind.BEST_PRACTICE, **details(client, member))
    assert "Kies namens welke organisatie." in response.content.decode()
    post_item(
        client, Kind.BEST_PRACTICE, owner_organisation=competitor.pk, **details(client, member)
    )
    assert KnowledgeItem.objects.get().owner_organisation == competitor


def test_cannot_share_on_behalf_of_another_organisation(member, competitor):
    with pytest.raises(PermissionDenied):
        services.knowledge_item_create(
            actor=member, organisation=competitor, kind=Kind.LINK, title="x", url="https://a.nl"
        )
    assert not KnowledgeItem.objects.exists()


def test_draft_is_saved_as_concept(client, member):
    client.force_login(member)
    post_item(client, Kind.BEST_PRACTICE, **details(client, member, status="draft"))
    item = KnowledgeItem.objects.get()
    assert item.status == Status.DRAFT
    assert not Activity.objects.filter(target_id=item.pk).exists()


def test_owner_defaults_to_the_poster_and_may_be_a_colleague(client, member, company):
    colleague = member_of(company, email="collega@ddvs.example")
    client.force_login(member)
    post_item(client, Kind.BEST_PRACTICE, **details(client, member, owner=colleague.pk))
    assert KnowledgeItem.objects.get().owner == colleague


def test_owner_must_be_a_member_of_the_owner_organisation(member, company, outsider):
    with pytest.raises(ValidationError) as exc:
        services.knowledge_item_create(
            actor=member, organisation=company, kind=Kind.BEST_PRACTICE, title="x", owner=outsider
        )
    assert "owner" in exc.value.error_dict
    assert not KnowledgeItem.objects.exists()


def test_review_date_in_the_past_is_refused_at_the_field(client, member):
    client.force_login(member)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = post_item(client, Kind.BEST_PRACTICE, **details(client, member, review_by=yesterday))
    body = response.content.decode()
    assert 'id="id_review_by_error"' in body and "Kies een datum vanaf vandaag." in body
    assert not KnowledgeItem.objects.exists()


def test_export_controlled_item_cannot_be_public(member, company):
    with pytest.raises(ValidationError) as exc:
        services.knowledge_item_create(
            actor=member,
            organisation=company,
            kind=Kind.BEST_PRACTICE,
            title="Technische gegevens",
            tlp=TLP.CLEAR,
            export_controlled=True,
        )
    assert "tlp" in exc.value.error_dict


def test_export_controlled_item_shows_a_warning(client, member, company):
    item = KnowledgeItemFactory(owner_organisation=company, export_controlled=True)
    client.force_login(member)
    body = client.get(item.get_absolute_url()).content.decode()
    assert "Valt onder exportcontrole." in body


def test_red_item_always_names_the_poster(member, company):
    item = services.knowledge_item_create(
        actor=member, organisation=company, kind=Kind.BEST_PRACTICE, title="Rood", tlp=TLP.RED
    )
    assert list(item.shared_with_people.all()) == [member]


def test_red_item_needs_an_owner_who_may_see_it(member, company):
    colleague = member_of(company, email="collega@ddvs.example")
    with pytest.raises(ValidationError) as exc:
        services.knowledge_item_create(
            actor=member,
            organisation=company,
            kind=Kind.BEST_PRACTICE,
            title="Rood",
            tlp=TLP.RED,
            owner=colleague,
        )
    assert "owner" in exc.value.error_dict
    assert not KnowledgeItem.objects.exists()


def test_themes_systems_and_initiatives_are_stored(member, company, theme, system):
    initiative = InitiativeFactory(owner_organisation=company)
    item = services.knowledge_item_create(
        actor=member,
        organisation=company,
        kind=Kind.BEST_PRACTICE,
        title="Getagd",
        themes=[theme],
        systems=[system],
        related_initiatives=[initiative],
    )
    assert list(item.themes.all()) == [theme] and list(item.systems.all()) == [system]
    assert list(item.related_initiatives.all()) == [initiative]


# --- Documents ----------------------------------------------------------------------------


def _fake_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("notitie.txt", b"Onderhoud van de Boxer.", content_type="text/plain")


def test_document_needs_a_file(client, member):
    client.force_login(member)
    response = post_item(client, Kind.DOCUMENT, **details(client, member))
    body = response.content.decode()
    assert 'id="id_file_error"' in body and "Kies het bestand dat u wilt delen." in body
    assert not KnowledgeItem.objects.exists()


def test_document_file_goes_to_the_document_service(client, member, monkeypatch, reindexed):
    """The file is checked in the form (error at the field) and stored by services.documents."""
    checked = ValidatedUpload(name="notitie.txt", content_type="text/plain", size=23, sha256="ab")
    stored: list[tuple] = []
    monkeypatch.setattr(knowledge_forms, "validate_upload", lambda upload: checked)
    monkeypatch.setattr(
        services.documents,
        "document_version_add",
        lambda **kwargs: stored.append((kwargs["item"].pk, kwargs["validated"], kwargs["actor"])),
    )
    client.force_login(member)
    response = post_item(client, Kind.DOCUMENT, file=_fake_upload(), **details(client, member))

    item = KnowledgeItem.objects.get()
    assert response.status_code == 302
    assert stored == [(item.pk, checked, member)]
    assert reindexed == [item.pk]


def test_refused_file_shows_why_at_the_field_and_keeps_the_rest(client, member, monkeypatch):
    def refuse(upload):
        raise ValidationError("Dit soort bestand wordt niet geaccepteerd (HTML).")

    monkeypatch.setattr(knowledge_forms, "validate_upload", refuse)
    client.force_login(member)
    response = post_item(
        client, Kind.DOCUMENT, file=_fake_upload(), summary="Bewaar mij", **details(client, member)
    )
    body = response.content.decode()
    assert 'id="id_file_error"' in body and "niet geaccepteerd (HTML)" in body
    assert 'value="Slim plannen"' in body and "Bewaar mij" in body
    assert not KnowledgeItem.objects.exists()


def test_htmx_form_keeps_a_good_file_selected_when_another_field_is_wrong(
    client, member, monkeypatch
):
    checked = ValidatedUpload(name="notitie.txt", content_type="text/plain", size=23, sha256="ab")
    monkeypatch.setattr(knowledge_forms, "validate_upload", lambda upload: checked)
    client.force_login(member)
    response = client.post(
        CREATE,
        {"kind": Kind.DOCUMENT, "title": "", "tlp": TLP.GREEN, "file": _fake_upload()},
        headers=HTMX,
    )
    body = response.content.decode()
    assert 'type="file" name="file"' in body and "hx-preserve" in body
    assert 'hx-encoding="multipart/form-data"' in body


def test_create_form_keeps_the_csrf_check(member):
    """The view parses its own uploads (to see the name as sent), so it checks CSRF itself."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = post_item(client, Kind.DOCUMENT, file=_fake_upload(), **details(client, member))
    assert response.status_code == 403
    assert not KnowledgeItem.objects.exists()


def test_document_is_stored_as_its_first_version(client, member, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    client.force_login(member)
    response = post_item(client, Kind.DOCUMENT, file=_fake_upload(), **details(client, member))

    item = KnowledgeItem.objects.get()
    assert response.status_code == 302
    assert list(item.versions.values_list("number", flat=True)) == [1]
    assert "notitie.txt" in client.get(item.get_absolute_url()).content.decode()


def test_html_posing_as_text_is_refused_and_nothing_is_stored(client, member, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    page = SimpleUploadedFile("pagina.txt", b"<html><script>alert(1)</script></html>", "text/plain")
    client.force_login(member)
    response = post_item(client, Kind.DOCUMENT, file=page, **details(client, member))

    assert 'id="id_file_error"' in response.content.decode()
    assert not KnowledgeItem.objects.exists() and not DocumentVersion.objects.exists()
    assert not [p for p in (tmp_path / "private").rglob("*") if p.is_file()]


# --- Drafts and visibility -----------------------------------------------------------------


def test_draft_is_seen_only_by_its_own_organisation(client, member, company, outsider):
    draft = KnowledgeItemFactory(owner_organisation=company, tlp=TLP.GREEN, status=Status.DRAFT)
    client.force_login(outsider)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_draft_stays_visible_to_its_author_elsewhere(client, company, competitor):
    author = member_of(competitor, email="auteur@rmmv.example")
    draft = KnowledgeItemFactory(
        owner_organisation=company, tlp=TLP.GREEN, status=Status.DRAFT, created_by=author
    )
    client.force_login(author)
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_outsider_gets_404_on_the_item_page(client, outsider, amber):
    client.force_login(outsider)
    assert client.get(amber.get_absolute_url()).status_code == 404
    assert client.get(amber.get_absolute_url(), headers=HTMX).status_code == 404


def test_missing_item_is_404(client, member):
    client.force_login(member)
    assert client.get(reverse("knowledge:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["edit", "publish", "archive", "attest", "lesson_stage"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_on_every_action_and_nothing_is_written(
    client, outsider, amber, name, method
):
    client.force_login(outsider)
    before = (AuditEvent.objects.count(), KnowledgeItem.objects.values().get(pk=amber.pk))
    data = {"title": "Overgenomen", "stage": "learned", "reason": "weg", "tlp": TLP.GREEN}
    response = getattr(client, method)(reverse(f"knowledge:{name}", args=[amber.pk]), data)
    assert response.status_code == 404
    assert (AuditEvent.objects.count(), KnowledgeItem.objects.values().get(pk=amber.pk)) == before


@pytest.mark.parametrize("name", ["edit", "publish", "archive", "attest", "lesson_stage"])
def test_member_who_may_see_but_not_act_gets_404(client, outsider, company, name):
    item = KnowledgeItemFactory(
        owner_organisation=company,
        tlp=TLP.GREEN,
        kind=Kind.LESSON,
        lesson_stage="observation",
        status=Status.ARCHIVED if name == "publish" else Status.PUBLISHED,
    )
    client.force_login(outsider)
    assert client.get(item.get_absolute_url()).status_code == 200
    response = client.post(reverse(f"knowledge:{name}", args=[item.pk]), {"stage": "learned"})
    assert response.status_code == 404


def test_item_page_hides_buttons_from_readers(client, outsider, company):
    item = KnowledgeItemFactory(owner_organisation=company, tlp=TLP.GREEN)
    client.force_login(outsider)
    body = client.get(item.get_absolute_url()).content.decode()
    assert reverse("knowledge:edit", args=[item.pk]) not in body
    assert reverse("knowledge:attest", args=[item.pk]) not in body


def test_item_page_shows_the_facts(client, member, company, theme, system):
    item = KnowledgeItemFactory(
        owner_organisation=company, owner=member, summary="Kort gezegd.", tlp=TLP.GREEN
    )
    item.themes.add(theme)
    item.systems.add(system)
    client.force_login(member)
    body = client.get(item.get_absolute_url()).content.decode()
    assert item.title in body and "Kort gezegd." in body
    assert "Kennis onderhoud" in body and "Kennisboxer" in body
    assert company.display_name in body and str(member) in body
    assert reverse("knowledge:edit", args=[item.pk]) in body


def test_item_page_lists_only_initiatives_the_reader_may_see(client, member, company, competitor):
    shown = InitiativeFactory(title="Open initiatief", owner_organisation=company)
    hidden = InitiativeFactory(
        title="Geheim initiatief", owner_organisation=competitor, tlp=TLP.AMBER_STRICT
    )
    item = KnowledgeItemFactory(owner_organisation=company, tlp=TLP.GREEN)
    item.related_initiatives.add(shown, hidden)
    client.force_login(member)
    body = client.get(item.get_absolute_url()).content.decode()
    assert "Open initiatief" in body and "Geheim initiatief" not in body


def test_document_page_includes_the_version_panel(client, member, company):
    item = KnowledgeItemFactory(owner_organisation=company, kind=Kind.DOCUMENT)
    client.force_login(member)
    response = client.get(item.get_absolute_url())
    assert response.status_code == 200
    assert "knowledge/_versions.html" in [t.name for t in response.templates]


# --- Related initiatives in the form --------------------------------------------------------


def test_form_offers_only_initiatives_the_user_may_see(client, member, company, competitor):
    InitiativeFactory(title="Zichtbaar initiatief", owner_organisation=company)
    InitiativeFactory(title="Verborgen initiatief", owner_organisation=competitor, tlp=TLP.RED)
    client.force_login(member)
    body = client.get(CREATE, {"kind": Kind.BEST_PRACTICE}).content.decode()
    assert "Zichtbaar initiatief" in body and "Verborgen initiatief" not in body


def test_form_lists_own_initiatives_but_accepts_any_visible_one(
    client, member, company, competitor
):
    """Thousands of visible initiatives make an unusable list: it shows those of the user's
    organisation (and what is already chosen); any visible one is still accepted."""
    InitiativeFactory(title="Eigen initiatief", owner_organisation=company)
    elsewhere = InitiativeFactory(
        title="Initiatief van een ander", owner_organisation=competitor, tlp=TLP.GREEN
    )
    client.force_login(member)
    body = client.get(CREATE, {"kind": Kind.BEST_PRACTICE}).content.decode()
    assert "Eigen initiatief" in body and "Initiatief van een ander" not in body

    response = post_item(
        client, Kind.BEST_PRACTICE, related_initiatives=[elsewhere.pk], **details(client, member)
    )
    assert response.status_code == 302
    item = KnowledgeItem.objects.get()
    assert list(item.related_initiatives.all()) == [elsewhere]
    body = client.get(reverse("knowledge:edit", kwargs={"pk": item.pk})).content.decode()
    assert "Initiatief van een ander" in body


def test_crafted_post_with_a_hidden_initiative_is_a_form_error(client, member, competitor):
    hidden = InitiativeFactory(owner_organisation=competitor, tlp=TLP.AMBER_STRICT)
    client.force_login(member)
    response = post_item(
        client, Kind.BEST_PRACTICE, related_initiatives=[hidden.pk], **details(client, member)
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_related_initiatives_error"' in body
    assert not KnowledgeItem.objects.exists()


def test_service_refuses_a_hidden_initiative_too(member, company, competitor):
    hidden = InitiativeFactory(owner_organisation=competitor, tlp=TLP.AMBER_STRICT)
    with pytest.raises(ValidationError) as exc:
        services.knowledge_item_create(
            actor=member,
            organisation=company,
            kind=Kind.BEST_PRACTICE,
            title="x",
            related_initiatives=[hidden],
        )
    assert "related_initiatives" in exc.value.error_dict
    assert not KnowledgeItem.objects.exists()


def test_edit_keeps_links_to_initiatives_the_editor_cannot_see(member, company, competitor):
    hidden = InitiativeFactory(owner_organisation=competitor, tlp=TLP.AMBER_STRICT)
    shown = InitiativeFactory(owner_organisation=company)
    item = KnowledgeItemFactory(owner_organisation=company)
    item.related_initiatives.add(hidden)
    services.knowledge_item_update(actor=member, item=item, related_initiatives=[shown])
    assert set(item.related_initiatives.all()) == {hidden, shown}


# --- Editing and publishing ---------------------------------------------------------------


def test_edit_form_saves_and_audits(client, member, company, reindexed):
    item = KnowledgeItemFactory(owner_organisation=company, owner=member, title="Oud")
    client.force_login(member)
    response = client.post(
        reverse("knowledge:edit", args=[item.pk]),
        {
            "title": "Nieuw",
            "tlp": TLP.AMBER,
            "body": "# Kop",
            "owner": member.pk,
            "review_by": item.review_by.isoformat(),
        },
    )
    item.refresh_from_db()
    assert response.status_code == 302
    assert (item.title, item.tlp) == ("Nieuw", TLP.AMBER)
    assert "<h3>Kop</h3>" in item.body_html
    event = AuditEvent.objects.get(action="knowledge.updated")
    assert (
        event.data["fields"] == ["body", "summary", "title", "tlp"]
        or "title" in event.data["fields"]
    )
    assert reindexed == [item.pk]


def test_edit_form_shows_the_current_values(client, member, company):
    item = KnowledgeItemFactory(owner_organisation=company, owner=member, title="Bestaand")
    client.force_login(member)
    body = client.get(reverse("knowledge:edit", args=[item.pk])).content.decode()
    assert 'value="Bestaand"' in body and 'name="kind"' not in body


def test_overdue_item_can_be_edited_without_touching_its_review_date(member, company):
    item = KnowledgeItemFactory(
        owner_organisation=company, owner=member, review_by=timezone.localdate() - timedelta(days=3)
    )
    services.knowledge_item_update(
        actor=member, item=item, title="Nieuwe titel", review_by=item.review_by
    )
    item.refresh_from_db()
    assert item.title == "Nieuwe titel"


def test_refused_edit_leaves_the_item_as_it_was(member, company, outsider):
    item = KnowledgeItemFactory(owner_organisation=company, owner=member, title="Oud")
    with pytest.raises(ValidationError):
        services.knowledge_item_update(actor=member, item=item, title="Nieuw", owner=outsider)
    assert item.title == "Oud"
    item.refresh_from_db()
    assert item.title == "Oud" and item.owner == member


def test_update_refuses_fields_it_does_not_own(member, company):
    item = KnowledgeItemFactory(owner_organisation=company)
    with pytest.raises(TypeError):
        services.knowledge_item_update(actor=member, item=item, status=Status.ARCHIVED)


def test_publishing_a_draft(client, member, company, reindexed):
    draft = KnowledgeItemFactory(owner_organisation=company, status=Status.DRAFT)
    client.force_login(member)
    response = client.post(reverse("knowledge:publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert response.status_code == 302 and draft.status == Status.PUBLISHED
    assert AuditEvent.objects.filter(action="knowledge.published").exists()
    assert reindexed == [draft.pk]


def test_get_on_an_action_changes_nothing(client, member, company):
    draft = KnowledgeItemFactory(owner_organisation=company, status=Status.DRAFT)
    client.force_login(member)
    response = client.get(reverse("knowledge:publish", args=[draft.pk]))
    draft.refresh_from_db()
    assert response.status_code == 302 and draft.status == Status.DRAFT


# --- Handover -----------------------------------------------------------------------------


@pytest.fixture
def departing(member, company):
    person = person_of(member)
    AffiliationFactory(person=person, organisation=company, email=member.email)
    return person


def test_mover_counts_in_a_dry_run_without_a_successor(departing, member, company):
    KnowledgeItemFactory.create_batch(2, owner_organisation=company, owner=member)
    KnowledgeItemFactory(owner_organisation=company, owner=member, status=Status.ARCHIVED)
    assert services.knowledge_owners_move(departing, None, dry_run=True) == {"knowledge_owners": 2}


def test_mover_hands_items_to_the_successor(departing, member, company):
    successor_user = member_of(company, email="opvolger@ddvs.example")
    successor = person_of(successor_user)
    items = KnowledgeItemFactory.create_batch(2, owner_organisation=company, owner=member)
    archived = KnowledgeItemFactory(owner_organisation=company, owner=member, status="archived")
    before = {i.pk: i.updated_at for i in items}

    assert services.knowledge_owners_move(departing, successor) == {"knowledge_owners": 2}
    for item in items:
        item.refresh_from_db()
        assert item.owner == successor_user and item.updated_at == before[item.pk]
    archived.refresh_from_db()
    assert archived.owner == member


def test_mover_never_hands_an_item_to_someone_who_may_not_see_it(departing, member, company):
    successor_user = member_of(company, email="opvolger@ddvs.example")
    successor = person_of(successor_user)
    red = KnowledgeItemFactory(owner_organisation=company, owner=member, tlp=TLP.RED)
    red.shared_with_people.add(member)
    green = KnowledgeItemFactory(owner_organisation=company, owner=member)

    assert services.knowledge_owners_move(departing, successor, dry_run=True) == {
        "knowledge_owners": 1
    }
    services.knowledge_owners_move(departing, successor)
    red.refresh_from_db()
    green.refresh_from_db()
    assert red.owner == member and green.owner == successor_user


def test_mover_refuses_a_successor_without_an_account(departing, member, company):
    KnowledgeItemFactory(owner_organisation=company, owner=member)
    with pytest.raises(ValidationError):
        services.knowledge_owners_move(departing, PersonFactory())
    assert KnowledgeItem.objects.get().owner == member


def test_mover_reports_nothing_when_there_is_nothing(departing):
    assert services.knowledge_owners_move(departing, None, dry_run=True) == {}
    assert services.knowledge_owners_move(PersonFactory(), None, dry_run=True) == {}


def test_mover_is_registered_for_handovers():
    from lmi_portal.core.registry import handover_movers

    assert dict(handover_movers.items())["knowledge_owners"] is services.knowledge_owners_move


# --- Sections on other pages ----------------------------------------------------------------


def test_initiative_page_shows_related_knowledge_the_reader_may_see(
    client, outsider, company, competitor
):
    initiative = InitiativeFactory(owner_organisation=competitor, tlp=TLP.GREEN)
    shown = KnowledgeItemFactory(title="Open les", owner_organisation=company, tlp=TLP.GREEN)
    hidden = KnowledgeItemFactory(title="Geheime les", owner_organisation=company, tlp=TLP.AMBER)
    draft = KnowledgeItemFactory(title="Conceptles", owner_organisation=company, status="draft")
    for item in (shown, hidden, draft):
        item.related_initiatives.add(initiative)
    client.force_login(outsider)
    body = client.get(initiative.get_absolute_url()).content.decode()
    assert "Gerelateerde kennis" in body and "Open les" in body
    assert "Geheime les" not in body and "Conceptles" not in body


def test_initiative_page_says_when_there_is_no_related_knowledge(client, member, company):
    initiative = InitiativeFactory(owner_organisation=company)
    client.force_login(member)
    body = client.get(initiative.get_absolute_url()).content.decode()
    assert "Nog geen gerelateerde kennisitems." in body


def test_organisation_page_shows_its_knowledge(client, outsider, company):
    KnowledgeItemFactory(title="Gedeelde kennis", owner_organisation=company, tlp=TLP.GREEN)
    KnowledgeItemFactory(title="Eigen kennis", owner_organisation=company, tlp=TLP.AMBER_STRICT)
    client.force_login(outsider)
    body = client.get(reverse("partners:organisation_detail", args=[company.pk])).content.decode()
    assert "Kennis van deze organisatie" in body and "Gedeelde kennis" in body
    assert "Eigen kennis" not in body


def test_publishing_twice_is_harmless(client, member, company):
    item = KnowledgeItemFactory(owner_organisation=company)
    client.force_login(member)
    response = client.post(reverse("knowledge:publish", args=[item.pk]), follow=True)
    assert "Dit kennisitem is al gepubliceerd." in response.content.decode()
    assert not AuditEvent.objects.filter(action="knowledge.published").exists()
