"""The Samenwerkingsmonitor: anonymous collaboration-health pulse rounds.

Anonymity is structural: ``PulseResponse`` has no link to a user and no timestamp, and
``PulseInvitation`` (which user may answer, and whether they did) has no link to a response
and no timestamp either, so the two cannot be joined or lined up in time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import TimeStampedModel

from .initiative import Initiative


class PulseForm(models.TextChoices):
    FULL = "full", _("Volledig (28 stellingen en een open vraag)")
    SHORT = "short", _("Kort (8 stellingen, bij afsluiting)")


class PulseRound(TimeStampedModel):
    """One round of the monitor, network-wide or about one initiative."""

    title = models.CharField(_("titel"), max_length=200)
    form = models.CharField(_("vragenlijst"), max_length=8, choices=PulseForm.choices)
    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiatief"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pulse_rounds",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    opens_at = models.DateTimeField(_("open vanaf"), default=timezone.now)
    closes_at = models.DateTimeField(_("sluit op"))
    closed_at = models.DateTimeField(_("gesloten op"), null=True, blank=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("monitorronde")
        verbose_name_plural = _("monitorrondes")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("initiatives:pulse_results", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.closed_at is None and self.opens_at <= now < self.closes_at


class PulseInvitation(models.Model):
    """Who may answer a round, and whether they did. Deliberately without timestamps."""

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pulse_invitations"
    )
    answered = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("uitnodiging monitor")
        verbose_name_plural = _("uitnodigingen monitor")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="pulse_invitation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}:{self.user_id}"


class PulseResponse(models.Model):
    """One anonymous set of answers. No user, no time: see the module docstring."""

    class OrgKind(models.TextChoices):
        DEFENCE = "defence", _("Defensie")
        INDUSTRY = "industry", _("Industrie")
        OTHER = "other", _("Anders")

    class Level(models.TextChoices):
        MANAGEMENT = "management", _("Management")
        WORKING = "working", _("Uitvoerend niveau")

    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="responses")
    org_kind = models.CharField(_("soort organisatie"), max_length=10, choices=OrgKind.choices)
    level = models.CharField(_("niveau"), max_length=10, choices=Level.choices)
    # Statement id → 1..5, or null for "n.v.t.".
    answers = models.JSONField(default=dict)
    open_answer = models.TextField(_("wat zou het meest helpen?"), max_length=2000, blank=True)
    worked = models.TextField(_("wat werkte goed?"), max_length=2000, blank=True)
    to_change = models.TextField(_("wat moet anders?"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("antwoord monitor")
        verbose_name_plural = _("antwoorden monitor")

    def __str__(self) -> str:
        return f"{self.round_id}:{self.pk}"
