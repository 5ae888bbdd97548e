"""The knowledge hub in the demo and scale data sets: the mix, idempotence, stored files whose
text search can find, and scale rows that top up."""

from __future__ import annotations

import io
from datetime import timedelta

import docx
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from pypdf import PdfReader

from initiatives.models import Initiative, Phase
from knowledge import demo
from knowledge.demo_files import docx_bytes, pdf_bytes
from knowledge.models import DocumentVersion, KnowledgeItem
from lmi_portal.core.models import Activity, SearchWord
from partners.access import can_view
from partners.models import TLP, User

pytestmark = pytest.mark.django_db

Kind = KnowledgeItem.Kind
Status = KnowledgeItem.Status
THROUGH = [
    KnowledgeItem.themes.through,
    KnowledgeItem.systems.through,
    KnowledgeItem.related_initiatives.through,
    KnowledgeItem.shared_with_organisations.through,
    KnowledgeItem.shared_with_groups.through,
    KnowledgeItem.shared_with_people.through,
]
BOXER_DOCUMENT = "Onderhoudsconcept Boxer: aandrijflijn en eindaandrijvingen"
FENNEK_DOCUMENT = "Werkinstructie onderhoud Fennek in het veld"
RED_DOCUMENT = "Storingsanalyse eindaandrijving Boxer (vertrouwelijk)"
# Only in the text of the Boxer PDF's second version, nowhere in the item's own fields.
FILE_ONLY_WORD = "trillingsspectrum"


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def stored_files(settings) -> list:
    root = settings.PRIVATE_MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def seed() -> dict[str, KnowledgeItem]:
    call_command("seed_demo", verbosity=0)
    return {item.title: item for item in KnowledgeItem.objects.all()}


def user(email: str) -> User:
    return User.objects.get(email=email)


# --- Generated files --------------------------------------------------------------------------


def test_generated_pdf_is_valid_and_its_text_extractable():
    content = pdf_bytes(
        "Onderhoudsconcept \u2013 één titel",
        ["Haakjes (zo) en een \\ backslash blijven staan.", "woord " * 1000],
        author="DDVS",
    )
    assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(content), strict=True)
    assert len(reader.pages) >= 2  # long text runs over onto a second page
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Onderhoudsconcept \u2013 één titel" in text
    assert "Haakjes (zo) en een \\ backslash blijven staan." in text
    assert reader.metadata.title == "Onderhoudsconcept \u2013 één titel"
    # The same text gives the same bytes: stable checksums across runs.
    assert pdf_bytes("a", ["b"]) == pdf_bytes("a", ["b"])


def test_generated_docx_has_the_heading_paragraphs_and_bullets():
    content = docx_bytes("Checklist veldonderhoud", ["Eerste alinea.", "- een punt"], author="DGS")
    document = docx.Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    assert texts == ["Checklist veldonderhoud", "Eerste alinea.", "een punt"]
    assert document.paragraphs[2].style.name == "List Bullet"
    assert document.core_properties.author == "DGS"


def test_generated_files_pass_the_upload_checks_and_extraction(tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from knowledge.extraction import extract_text
    from knowledge.uploads import validate_upload

    for name, content in (
        ("concept.pdf", pdf_bytes("Onderhoudsconcept", ["De monteurs onderhouden de CV90."])),
        ("instructie.docx", docx_bytes("Veldonderhoud", ["De monteurs onderhouden de CV90."])),
    ):
        validated = validate_upload(SimpleUploadedFile(name, content))
        path = tmp_path / name
        path.write_bytes(content)
        assert "De monteurs onderhouden de CV90." in extract_text(path, validated.content_type)


# --- seed_demo --------------------------------------------------------------------------------


def test_seed_demo_has_every_kind_level_status_and_stage():
    items = seed()
    assert 15 <= len(items) <= 25
    assert {i.kind for i in items.values()} == set(Kind.values)
    tlps = [i.tlp for i in items.values()]
    assert tlps.count(TLP.GREEN) > len(tlps) / 2
    assert {TLP.AMBER, TLP.RED, TLP.CLEAR} <= set(tlps)
    assert [i.status for i in items.values()].count(Status.DRAFT) == 1
    assert [i.status for i in items.values()].count(Status.ARCHIVED) == 1
    stages = {i.lesson_stage for i in items.values() if i.kind == Kind.LESSON}
    assert stages == set(KnowledgeItem.LessonStage.values)
    assert not [i for i in items.values() if i.kind != Kind.LESSON and i.lesson_stage]
    for item in items.values():
        assert item.owner is not None and item.created_by is not None, item
        if item.source_initiative_id is None:  # lessons belong to the initiative's owner
            assert item.owner_organisation.memberships.filter(user=item.owner).exists(), item
        assert item.created_at <= item.updated_at <= timezone.now(), item
        assert item.search_text.startswith(item.title), item
        assert item.themes.exists(), item
    assert items["Defensie Strategie voor Industrie en Innovatie (D-SII)"].url.startswith("https")
    diner = items["Verslag materieellogistiek diner"]
    assert (diner.kind, diner.tlp) == (Kind.EVENT_REPORT, TLP.CLEAR)
    contract = items["Ervaringen met het nieuwe prestatiegebaseerde contract"]
    assert contract.kind == Kind.CONTRACT_EXPERIENCE
    assert contract.related_initiatives.exists()


def test_seed_demo_amber_and_red_items_have_an_audience_and_stay_within_it():
    items = seed()
    amber = [i for i in items.values() if i.tlp == TLP.AMBER]
    assert len(amber) >= 2
    for item in amber:
        assert item.shared_with_groups.exists() or item.shared_with_organisations.exists()
    red = items[RED_DOCUMENT]
    assert red.tlp == TLP.RED and red.export_controlled
    assert can_view(user("pm@lmi.example"), red)
    assert not can_view(user("lotte.smit@rmmv.example"), red)
    contract = items["Ervaringen met het nieuwe prestatiegebaseerde contract"]
    assert can_view(user("sanne.bakker@ddvs.example"), contract)  # LMI-kern
    assert not can_view(user("ruben.meijer@13lbrig.example"), contract)
    for item in items.values():
        assert can_view(item.owner, item), item


def test_seed_demo_documents_have_two_private_versions_with_extracted_text(settings):
    items = seed()
    for title, suffix in ((BOXER_DOCUMENT, ".pdf"), (FENNEK_DOCUMENT, ".docx")):
        versions = list(items[title].versions.order_by("number"))
        assert [v.number for v in versions] == [1, 2], title
        older, newer = versions
        assert older.created_at < newer.created_at
        assert older.sha256 != newer.sha256
        for version in versions:
            assert version.original_name.endswith(suffix)
            assert version.extraction_status == DocumentVersion.ExtractionStatus.DONE
            assert "onderhoud" in version.extracted_text.lower()
            # Stored under a random key, never under the uploaded name.
            assert version.original_name not in version.storage_key
            assert version.size > 0 and len(version.sha256) == 64
    files = stored_files(settings)
    assert len(files) == DocumentVersion.objects.count() == 5
    assert not any(f.name.endswith((".pdf", ".docx")) for f in files)
    boxer = items[BOXER_DOCUMENT]
    assert FILE_ONLY_WORD in boxer.versions.get(number=2).extracted_text
    assert FILE_ONLY_WORD not in boxer.versions.get(number=1).extracted_text
    assert FILE_ONLY_WORD not in f"{boxer.title} {boxer.summary} {boxer.body}".lower()
    assert FILE_ONLY_WORD in boxer.search_text  # the current file's text is searchable


def test_seed_demo_lessons_come_from_the_initiative_closed_as_geborgd():
    items = seed()
    initiative = Initiative.objects.get(title=demo.CLOSED_INITIATIVE)
    assert initiative.phase == Phase.EMBEDDED
    lessons = [i for i in items.values() if i.source_initiative_id == initiative.pk]
    assert len(lessons) == len(initiative.lessons) == 2
    for lesson in lessons:
        assert lesson.kind == Kind.LESSON
        assert lesson.lesson_stage == KnowledgeItem.LessonStage.LEARNED
        assert lesson.owner_organisation == initiative.owner_organisation
        assert lesson.tlp == initiative.tlp
        assert initiative in lesson.related_initiatives.all()
        assert lesson.created_at == lesson.updated_at == initiative.closed_at
        assert lesson.review_by > timezone.localdate()
        activity = Activity.objects.get(target_id=lesson.pk, verb="knowledge.published")
        assert activity.created_at == initiative.closed_at


def test_seed_demo_has_an_overdue_item_on_its_owners_review_list():
    from knowledge.selectors.items import knowledge_items_due_for_review

    items = seed()
    today = timezone.localdate()
    overdue = [i for i in items.values() if i.is_overdue]
    assert [i.title for i in overdue] == ["Smeerschema CV90 bij vorst en sneeuw"]
    (item,) = overdue
    assert item.owner.email == "sanne.bakker@ddvs.example"
    assert item.owner.has_usable_password()
    due = list(knowledge_items_due_for_review(user=item.owner))
    assert item in due
    for other in items.values():
        if other != item and other.status == Status.PUBLISHED:
            assert other.review_by > today, other
    attested = items["Defensie Strategie voor Industrie en Innovatie (D-SII)"]
    assert attested.attested_at is not None
    assert attested.review_by == timezone.localdate(attested.attested_at) + timedelta(days=365)


def test_seed_demo_texts_carry_the_words_search_demonstrates():
    items = seed()
    texts = " ".join(i.search_text.lower() for i in items.values())
    for word in ("onderhoud ", "onderhouden", "onderhoudsconcept", "boxer", "contract"):
        assert word in texts, word
    words = set(SearchWord.objects.values_list("word", flat=True))
    assert {"onderhoudsconcept", "onderhouden", FILE_ONLY_WORD} <= words
    if connection.vendor == "postgresql":
        assert not KnowledgeItem.objects.filter(search_vector__isnull=True).exists()


def test_seed_demo_twice_changes_nothing(settings):
    seed()

    def snapshot():
        return (
            KnowledgeItem.objects.count(),
            DocumentVersion.objects.count(),
            [m.objects.count() for m in THROUGH],
            sorted(KnowledgeItem.objects.values_list("pk", "updated_at", "review_by")),
            len(stored_files(settings)),
            SearchWord.objects.count(),
        )

    first = snapshot()
    seed()
    assert snapshot() == first


def test_seeded_knowledge_pages_render(client):
    items = seed()
    joris = user("joris.visser@ddvs.example")
    client.force_login(joris)
    for url in ("/kennis/", "/kennis/te-herzien/", "/zoeken/?q=onderhoud"):
        assert client.get(url).status_code == 200, url
    for item in items.values():
        response = client.get(item.get_absolute_url())
        expected = 200 if can_view(joris, item) else 404
        assert response.status_code == expected, item


def test_seeded_search_finds_a_word_that_is_only_in_a_file(client):
    seed()
    client.force_login(user("joris.visser@ddvs.example"))
    response = client.get("/zoeken/", {"q": FILE_ONLY_WORD})
    assert response.status_code == 200
    assert BOXER_DOCUMENT in response.content.decode()


def test_a_competitor_finds_nothing_of_the_red_demo_document(client):
    red = seed()[RED_DOCUMENT]
    client.force_login(user("daan.mulder@rmmv.example"))
    for path in ("/zoeken/", "/zoeken/live/"):
        response = client.get(path, {"q": "Storingsanalyse eindaandrijving"})
        assert response.status_code == 200
        html = response.content.decode()
        assert red.get_absolute_url() not in html
        assert red.title not in html and "afdichtring" not in html


# --- seed_scale -------------------------------------------------------------------------------


def scale(**sizes):
    options = {"organisations": 6, "people": 60, "initiatives": 10, "ties": 30, **sizes}
    call_command("seed_scale", verbosity=0, **options)
    return KnowledgeItem.objects.filter(title__startswith=demo.SCALE_PREFIX)


def test_seed_scale_adds_a_realistic_spread_of_knowledge_items(settings):
    items = scale(knowledge=400)
    assert items.count() == 400
    assert set(items.values_list("kind", flat=True)) == set(Kind.values)
    assert set(items.values_list("tlp", flat=True)) == set(TLP.values)
    assert set(items.values_list("status", flat=True)) == set(Status.values)
    statuses = list(items.values_list("status", flat=True))
    assert statuses.count(Status.PUBLISHED) > 0.8 * len(statuses)
    lessons = items.filter(kind=Kind.LESSON)
    assert not lessons.filter(lesson_stage="").exists()
    assert not items.exclude(kind=Kind.LESSON).exclude(lesson_stage="").exists()
    assert not items.filter(kind=Kind.LINK, url="").exists()
    now = timezone.now()
    today = timezone.localdate()
    for item in items.prefetch_related("themes"):
        assert item.created_at <= item.updated_at <= now, item
        assert now - item.created_at < timedelta(days=3 * 366), item
        assert item.search_text.startswith(item.title) and item.summary in item.search_text
        assert item.body_html.startswith("<"), item
        assert item.owner_organisation.name.startswith("Schaalorganisatie ")
        assert item.themes.all(), item
    overdue = items.filter(status=Status.PUBLISHED, review_by__lt=today).count()
    assert 0.03 * 400 < overdue < 0.3 * 400
    assert items.filter(attested_at__isnull=False).exists()
    assert items.filter(related_initiatives__isnull=False).exists()
    assert items.filter(tlp=TLP.AMBER, shared_with_organisations__isnull=False).exists()
    for red in items.filter(tlp=TLP.RED):
        assert red.shared_with_people.exists(), red
    assert items.filter(systems__isnull=False).count() > 0.8 * 400


def test_seed_scale_stores_a_few_document_versions_with_their_text(settings):
    items = scale(knowledge=400)
    versions = DocumentVersion.objects.filter(item__in=items)
    assert 1 <= versions.count() <= 10
    assert len(stored_files(settings)) == versions.count()
    for version in versions.select_related("item"):
        assert version.item.kind == Kind.DOCUMENT
        assert version.extraction_status == DocumentVersion.ExtractionStatus.DONE
        assert version.extracted_text in version.item.search_text
        assert version.item.created_at <= version.created_at <= version.item.updated_at
        path = next(p for p in stored_files(settings) if p.name in version.storage_key)
        assert path.stat().st_size == version.size


def test_seed_scale_makes_knowledge_searchable():
    items = scale(knowledge=100)
    words = set(SearchWord.objects.values_list("word", flat=True))
    assert {"onderhoud", "onderhouden", "onderhoudsconcept", "reservedelen"} <= words
    if connection.vendor == "postgresql":
        assert not items.filter(search_vector__isnull=True).exists()


def test_seed_scale_tops_up_and_defaults_to_five_items_per_initiative(settings):
    items = scale(knowledge=120)
    assert items.count() == 120
    before = (DocumentVersion.objects.count(), [m.objects.count() for m in THROUGH])
    scale(knowledge=120)
    assert items.count() == 120
    assert (DocumentVersion.objects.count(), [m.objects.count() for m in THROUGH]) == before
    scale(knowledge=150)
    assert items.count() == 150
    assert len(set(items.values_list("title", flat=True))) == 150
    scale(initiatives=40)  # no size given: five per initiative
    assert items.count() == 200
