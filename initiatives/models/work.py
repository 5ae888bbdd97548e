from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import TimeStampedModel

from .initiative import Initiative


class Obstacle(TimeStampedModel):
    """Something blocking an initiative (belemmering / knelpunt)."""

    class Category(models.TextChoices):
        SILOS = "silos", _("Verkokering")
        PROCUREMENT = "procurement", _("Trage aanbesteding")
        FUNDING = "funding", _("Financiering")
        IP_LIABILITY = "ip_liability", _("IP / aansprakelijkheid")
        SECURITY = "security", _("Beveiligingseisen")
        CAPACITY = "capacity", _("Capaciteit / tijd")
        TRUST = "trust", _("Gebrek aan vertrouwen")
        ONE_PERSON = "one_person", _("Afhankelijk van één persoon")
        RAISED_LATE = "raised_late", _("Probleem te laat gedeeld")
        OTHER = "other", _("Overig")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        IN_PROGRESS = "in_progress", _("in behandeling")
        RESOLVED = "resolved", _("opgelost")

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="obstacles")
    title = models.CharField(_("belemmering"), max_length=200)
    description = models.TextField(_("toelichting"), max_length=5000, blank=True)
    category = models.CharField(_("categorie"), max_length=16, choices=Category.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eigenaar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_obstacles",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    raised_on = models.DateField(_("gemeld op"), default=timezone.localdate)
    resolved_on = models.DateField(_("opgelost op"), null=True, blank=True)
    # Put forward for the weekly werkgroep; the werkgroep view lists these.
    escalated_at = models.DateTimeField(_("geëscaleerd op"), null=True, blank=True, db_index=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["status", "-raised_on", "-id"]
        verbose_name = _("belemmering")
        verbose_name_plural = _("belemmeringen")

    def __str__(self) -> str:
        return self.title


class ActionItem(TimeStampedModel):
    """An action with an owner and a due date (actiepunt)."""

    class Status(models.TextChoices):
        # Recorded in a werkgroep meeting whose minutes are not yet published.
        DRAFT = "draft", _("concept (werkgroep)")
        OPEN = "open", _("open")
        DONE = "done", _("afgerond")
        CANCELLED = "cancelled", _("vervallen")

    # Optional: the werkgroep's meeting actions need not belong to an initiative.
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    # Set for actions agreed in a werkgroep meeting (under one of its agenda items).
    meeting = models.ForeignKey(
        "initiatives.Meeting",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="actions",
    )
    agenda_item = models.ForeignKey(
        "initiatives.AgendaItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="actions",
    )
    title = models.CharField(_("actie"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eigenaar"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_actions",
    )
    due_date = models.DateField(_("uiterlijk"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    done_at = models.DateTimeField(_("afgerond op"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["status", "due_date", "id"]
        verbose_name = _("actiepunt")
        verbose_name_plural = _("actiepunten")
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["owner", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.OPEN
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


class Comment(models.Model):
    """A Markdown comment on an initiative; ``body_html`` is the sanitised rendering."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("reactie"), max_length=10000)
    body_html = models.TextField(editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("reactie")
        verbose_name_plural = _("reacties")
        indexes = [models.Index(fields=["initiative", "created_at"])]

    def __str__(self) -> str:
        return f"{self.author_id} on {self.initiative_id}"
