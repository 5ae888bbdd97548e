from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import TimeStampedModel
from partners.models import Organisation, Shareable


class Phase(models.TextChoices):
    IDEA = "idea", _("Idee")
    EXPLORATION = "exploration", _("Verkenning")
    ELABORATION = "elaboration", _("Uitwerking")
    PILOT = "pilot", _("Pilot")
    IMPLEMENTATION = "implementation", _("Implementatie")
    EMBEDDED = "embedded", _("Geborgd")
    PAUSED = "paused", _("Gepauzeerd")
    STOPPED = "stopped", _("Gestopt")


class Initiative(Shareable):
    """An idea for smarter collaboration, moving through phases."""

    participant_lookup = "participations__organisation"

    title = models.CharField(_("titel"), max_length=200)
    summary = models.TextField(_("samenvatting"), max_length=2000)
    phase = models.CharField(
        _("fase"), max_length=16, choices=Phase.choices, default=Phase.IDEA, db_index=True
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("penvoerder"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_initiatives",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aangemaakt door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("initiatief")
        verbose_name_plural = _("initiatieven")
        indexes = [models.Index(fields=["tlp", "phase"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("initiatives:detail", kwargs={"pk": self.pk})


class Participation(TimeStampedModel):
    """An organisation taking part in an initiative (brengen en halen)."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(_("rol"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("deelname")
        verbose_name_plural = _("deelnames")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "organisation"], name="participation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} in {self.initiative}"
