"""Knowledge items (documents, lessons learned, best practices, contract experiences, event
reports, links) and the private file versions of documents."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from initiatives.models import Initiative
from lmi_portal.core.models import System, Theme, TimeStampedModel
from partners.models import Shareable


def default_review_by() -> date:
    """Twelve months (KNOWLEDGE_REVIEW_MONTHS) from today."""
    today = timezone.localdate()
    months = settings.KNOWLEDGE_REVIEW_MONTHS
    year, month = divmod(today.month - 1 + months, 12)
    day = min(today.day, 28)
    return date(today.year + year, month + 1, day)


class KnowledgeItem(Shareable):
    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        LESSON = "lesson", _("Les (lessons learned)")
        BEST_PRACTICE = "best_practice", _("Best practice")
        CONTRACT_EXPERIENCE = "contract_experience", _("Contractervaring")
        EVENT_REPORT = "event_report", _("Verslag van een bijeenkomst")
        LINK = "link", _("Link")

    class Status(models.TextChoices):
        DRAFT = "draft", _("concept")
        PUBLISHED = "published", _("gepubliceerd")
        ARCHIVED = "archived", _("gearchiveerd")

    class LessonStage(models.TextChoices):
        OBSERVATION = "observation", _("Waarneming")
        IDENTIFIED = "identified", _("Les geïdentificeerd")
        ACTION = "action", _("Actie")
        LEARNED = "learned", _("Les geleerd")

    kind = models.CharField(_("soort"), max_length=24, choices=Kind.choices, db_index=True)
    title = models.CharField(_("titel"), max_length=200)
    summary = models.TextField(_("samenvatting"), max_length=1000, blank=True)
    body = models.TextField(_("tekst"), max_length=50000, blank=True)
    body_html = models.TextField(editable=False, blank=True)
    url = models.URLField(_("adres (bij een link)"), max_length=500, blank=True)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("thema's"), blank=True, related_name="knowledge_items"
    )
    systems = models.ManyToManyField(
        System, verbose_name=_("systemen"), blank=True, related_name="knowledge_items"
    )
    related_initiatives = models.ManyToManyField(
        Initiative,
        verbose_name=_("gerelateerde initiatieven"),
        blank=True,
        related_name="knowledge_items",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PUBLISHED, db_index=True
    )
    lesson_stage = models.CharField(
        _("fase van de les"), max_length=12, choices=LessonStage.choices, blank=True
    )
    # The initiative whose closing produced this lesson, if any.
    source_initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("uit initiatief"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons_learned",
    )
    export_controlled = models.BooleanField(_("exportgecontroleerd"), default=False)
    # The person who vouches that the item is still valid; re-attests by review_by.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eigenaar (inhoud)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_knowledge_items",
    )
    review_by = models.DateField(_("herzien vóór"), default=default_review_by, db_index=True)
    attested_at = models.DateTimeField(_("laatst bevestigd"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Plain text of everything searchable (title, summary, body, the current file's text),
    # kept by the services; the SQLite search reads it, PostgreSQL indexes search_vector.
    search_text = models.TextField(editable=False, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("kennisitem")
        verbose_name_plural = _("kennisitems")
        indexes = [
            models.Index(fields=["tlp", "status"]),
            models.Index(fields=["status", "-updated_at"], name="knowledge_status_updated"),
            # Search ranks the most recently changed matches of a common word
            # (core.search.RANK_CANDIDATES): this index finds them without a sort.
            models.Index(fields=["-updated_at", "-id"], name="knowledge_updated_id"),
            # The library counts every published item the reader may see: with the fields the
            # access policy reads, PostgreSQL counts from this index alone (41 ms to 11 ms for
            # 50,000 items).
            models.Index(
                fields=["status", "tlp"],
                include=["owner_organisation", "id", "created_by"],
                name="knowledge_visible",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:detail", kwargs={"pk": self.pk})

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.review_by < timezone.localdate()


class DocumentVersion(TimeStampedModel):
    """One uploaded file of a knowledge item. Stored privately under a random key; served only
    by the download view, which asks the access policy about the item first."""

    item = models.ForeignKey(KnowledgeItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("versie"))
    # Random storage key under PRIVATE_MEDIA_ROOT; never derived from the uploaded name.
    storage_key = models.CharField(max_length=80, unique=True, editable=False)
    original_name = models.CharField(_("bestandsnaam"), max_length=200)
    content_type = models.CharField(_("soort bestand"), max_length=120)
    size = models.PositiveBigIntegerField(_("grootte (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("wat is er veranderd"), max_length=300, blank=True)

    class ExtractionStatus(models.TextChoices):
        PENDING = "pending", _("wordt gelezen")
        DONE = "done", _("gelezen")
        FAILED = "failed", _("kon niet worden gelezen")
        NONE = "none", _("geen tekst")

    extraction_status = models.CharField(
        max_length=10, choices=ExtractionStatus.choices, default=ExtractionStatus.PENDING
    )
    extracted_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("documentversie")
        verbose_name_plural = _("documentversies")
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="document_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.original_name} v{self.number}"

    def get_download_url(self) -> str:
        return reverse("knowledge:download", kwargs={"pk": self.item_id, "version": self.number})
