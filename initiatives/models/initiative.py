from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import System, Theme, TimeStampedModel
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


# The main line, in order; PAUSED and STOPPED are side states off it.
PHASE_ORDER: tuple[str, ...] = (
    Phase.IDEA,
    Phase.EXPLORATION,
    Phase.ELABORATION,
    Phase.PILOT,
    Phase.IMPLEMENTATION,
    Phase.EMBEDDED,
)
# Phases in which an initiative is still being worked on (for dormancy and the board).
ACTIVE_PHASES: tuple[str, ...] = PHASE_ORDER[:-1]


class Origin(models.TextChoices):
    PUSH = "push", _("Push: aanbod vanuit techniek of industrie")
    PULL = "pull", _("Pull: operationele behoefte")


class Effect(models.TextChoices):
    READINESS = "readiness", _("Hogere inzetgereedheid")
    COST = "cost", _("Lagere kosten")
    KNOWLEDGE = "knowledge", _("Kennisdeling")
    PEOPLE = "people", _("Personeel & opleiding")
    SUPPLY = "supply", _("Leveringszekerheid")


class Initiative(Shareable):
    """An idea for smarter collaboration, moving through phases."""

    participant_lookup = "participations__organisation"

    title = models.CharField(_("titel"), max_length=200)
    summary = models.TextField(_("samenvatting"), max_length=2000)
    why = models.TextField(_("waarom (probleem of kans)"), max_length=10000, blank=True)
    how = models.TextField(_("hoe"), max_length=10000, blank=True)
    origin = models.CharField(_("herkomst"), max_length=8, choices=Origin.choices, blank=True)
    # Codes from ``Effect``; a short list, never filtered on in the database.
    effects = models.JSONField(_("beoogd effect"), default=list, blank=True)
    expected_effect = models.TextField(_("toelichting effect"), max_length=2000, blank=True)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("thema's"), blank=True, related_name="initiatives"
    )
    systems = models.ManyToManyField(
        System, verbose_name=_("systemen"), blank=True, related_name="initiatives"
    )
    requirement_owner = models.ForeignKey(
        Organisation,
        verbose_name=_("behoeftesteller"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="required_initiatives",
    )
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
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("plaatsvervanger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deputised_initiatives",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("aangemaakt door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Filled when the initiative is closed as Geborgd: what it delivered and what was learned.
    result = models.TextField(_("resultaat"), max_length=2000, blank=True)
    lessons = models.JSONField(_("lessen"), default=list, blank=True)
    closed_at = models.DateTimeField(_("afgesloten op"), null=True, blank=True, db_index=True)
    phase_changed_at = models.DateTimeField(_("fase gewijzigd op"), default=timezone.now)
    # Any real work on the initiative (edit, comment, obstacle, action, phase) moves this on;
    # the dormancy scan and "new since my last visit" read it.
    last_activity_at = models.DateTimeField(
        _("laatste activiteit"), default=timezone.now, db_index=True
    )
    # Set when the dormancy scan flagged it; cleared by the next activity. Keeps the scan
    # idempotent: an initiative is flagged once per dormant spell.
    dormant_since = models.DateTimeField(_("slapend sinds"), null=True, blank=True)
    # Full-text search vector of title, summary, why and how; on PostgreSQL a trigger keeps it
    # current (migration 0004), SQLite leaves it empty and searches the text fields.
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("initiatief")
        verbose_name_plural = _("initiatieven")
        indexes = [
            models.Index(fields=["tlp", "phase"]),
            models.Index(fields=["phase", "-updated_at"], name="initiative_phase_updated"),
            models.Index(fields=["-updated_at", "-id"], name="initiative_updated_id"),
            # The board ranks every visible initiative per phase by activity: with the fields
            # the access policy reads, PostgreSQL answers from this index alone, without
            # reading or sorting the wide rows (13 ms to 4 ms on the scale data set).
            models.Index(
                fields=["phase", "-last_activity_at", "-id"],
                include=["tlp", "owner_organisation"],
                name="initiative_board_rank",
            ),
            # "Slapend" in the werkgroep view: the most recently dormant first, a few at a time.
            models.Index(
                fields=["-dormant_since", "-id"],
                condition=Q(dormant_since__isnull=False),
                name="initiative_dormant",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("initiatives:detail", kwargs={"pk": self.pk})

    def get_effects_display(self) -> list[str]:
        labels = dict(Effect.choices)
        return [str(labels[code]) for code in self.effects if code in labels]


class Participation(TimeStampedModel):
    """An organisation taking part in an initiative (brengen en halen).

    A row exists only while the organisation takes part: the access policy reads these rows
    for AMBER items, so leaving deletes the row and the visibility goes with it.
    """

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="participations"
    )
    role = models.CharField(_("rol"), max_length=120, blank=True)
    brings = models.TextField(_("brengt"), max_length=2000, blank=True)
    gets = models.TextField(_("haalt"), max_length=2000, blank=True)

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


class ParticipationInvite(TimeStampedModel):
    """An invitation to an organisation to take part; one of its admins accepts or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", _("uitgenodigd")
        ACCEPTED = "accepted", _("geaccepteerd")
        DECLINED = "declined", _("afgewezen")
        WITHDRAWN = "withdrawn", _("ingetrokken")

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="participation_invites"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="participation_invites"
    )
    message = models.TextField(_("toelichting"), max_length=2000, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("uitnodiging tot deelname")
        verbose_name_plural = _("uitnodigingen tot deelname")
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "organisation"],
                condition=models.Q(status="pending"),
                name="participation_invite_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.initiative} ({self.status})"


class PhaseChange(models.Model):
    """One step in an initiative's history; never edited, shown as the timeline."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="phase_changes"
    )
    from_phase = models.CharField(_("van fase"), max_length=16, choices=Phase.choices, blank=True)
    to_phase = models.CharField(_("naar fase"), max_length=16, choices=Phase.choices)
    reason = models.TextField(_("reden"), max_length=2000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("fasewijziging")
        verbose_name_plural = _("fasewijzigingen")
        indexes = [models.Index(fields=["initiative", "created_at"])]

    def __str__(self) -> str:
        return f"{self.initiative_id}: {self.from_phase or '—'} → {self.to_phase}"


class ListVisit(models.Model):
    """When a user last opened the initiatives list, for the "new since my last visit" filter.

    ``previous_seen_at`` is the visit before the current browsing session, so the filter keeps
    working while the user pages and filters within one session.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="initiative_list_visit"
    )
    seen_at = models.DateTimeField(default=timezone.now)
    previous_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} {self.seen_at:%Y-%m-%d %H:%M}"
