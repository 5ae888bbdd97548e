"""People, their affiliations and ties, interactions, stale-contact flags, handovers, snapshots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import TimeStampedModel


class Person(TimeStampedModel):
    """The canonical record of a human, with or without a login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    first_name = models.CharField(_("voornaam"), max_length=100)
    last_name = models.CharField(_("achternaam"), max_length=100, db_index=True)
    expertise = models.TextField(_("expertise"), blank=True, max_length=2000)
    themes = models.ManyToManyField(
        "core.Theme", verbose_name=_("thema's"), blank=True, related_name="people"
    )
    systems = models.ManyToManyField(
        "core.System", verbose_name=_("systemen"), blank=True, related_name="people"
    )
    steward = models.ForeignKey(
        "self",
        verbose_name=_("beheerder van dit record"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stewarded",
        help_text=_("Wie dit record actueel houdt."),
    )
    last_confirmed_at = models.DateTimeField(_("laatst bevestigd"), null=True, blank=True)
    last_interaction_at = models.DateTimeField(_("laatste contact"), null=True, blank=True)
    email_bounced_at = models.DateTimeField(_("e-mail onbestelbaar sinds"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("geanonimiseerd op"), null=True, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "pk"]
        verbose_name = _("persoon")
        verbose_name_plural = _("personen")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_absolute_url(self) -> str:
        return reverse("network:person_detail", kwargs={"pk": self.pk})


class AffiliationQuerySet(models.QuerySet["Affiliation"]):
    def current(self) -> AffiliationQuerySet:
        today = timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))


class Affiliation(TimeStampedModel):
    """A post a person holds (or held) at an organisation, with the contact details of that post."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(
        "partners.Organisation",
        verbose_name=_("organisatie"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    title = models.CharField(_("functie"), max_length=200, blank=True)
    start_date = models.DateField(_("begindatum"), default=timezone.localdate)
    expected_rotation_date = models.DateField(
        _("verwachte functiewisseling"), null=True, blank=True
    )
    end_date = models.DateField(_("einddatum"), null=True, blank=True)
    email = models.EmailField(_("e-mailadres"), blank=True)
    phone = models.CharField(_("telefoon"), max_length=40, blank=True)

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("aanstelling")
        verbose_name_plural = _("aanstellingen")
        indexes = [
            models.Index(fields=["organisation", "end_date"]),
            models.Index(fields=["expected_rotation_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="affiliation_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organisation_id}"


class Tie(TimeStampedModel):
    """Two people who know each other. Stored once per pair and source, with a < b."""

    class Kind(models.TextChoices):
        COLLEAGUE = "colleague", _("collega")
        WORKED_TOGETHER = "worked_together", _("samengewerkt")
        MET = "met", _("ontmoet")
        INTRODUCED = "introduced", _("voorgesteld door iemand")

    class Source(models.TextChoices):
        DECLARED = "declared", _("opgegeven")
        DERIVED = "derived", _("afgeleid uit samenwerking")

    class Status(models.TextChoices):
        PENDING = "pending", _("wacht op bevestiging")
        CONFIRMED = "confirmed", _("bevestigd")
        DECLINED = "declined", _("afgewezen")

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("bron"), max_length=16, choices=Source.choices)
    kind = models.CharField(_("soort"), max_length=20, choices=Kind.choices, default=Kind.MET)
    strength = models.PositiveSmallIntegerField(_("sterkte"), default=1)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    declared_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    introduced_by = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What a derived tie comes from, e.g. "initiative:12" (for explaining it, not for logic).
    derived_from = models.CharField(max_length=100, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("connectie")
        verbose_name_plural = _("connecties")
        constraints = [
            models.CheckConstraint(condition=Q(person_a__lt=F("person_b")), name="tie_ordered"),
            models.CheckConstraint(
                condition=Q(strength__gte=1, strength__lte=3), name="tie_strength"
            ),
            models.UniqueConstraint(
                fields=["person_a", "person_b", "source"], name="tie_one_per_pair_and_source"
            ),
        ]
        indexes = [models.Index(fields=["status", "source"])]

    def __str__(self) -> str:
        return f"{self.person_a_id}-{self.person_b_id} ({self.source}, {self.status})"

    def other(self, person_id: int) -> int:
        return self.person_b_id if self.person_a_id == person_id else self.person_a_id


class Interaction(TimeStampedModel):
    """A quick "we spoke": resets staleness for everyone involved."""

    class Kind(models.TextChoices):
        SPOKE = "spoke", _("gesproken")
        MEETING = "meeting", _("overleg")
        VISIT = "visit", _("bezoek")
        EMAIL = "email", _("e-mail")

    date = models.DateField(_("datum"), default=timezone.localdate)
    kind = models.CharField(_("soort"), max_length=16, choices=Kind.choices, default=Kind.SPOKE)
    participants = models.ManyToManyField(Person, related_name="interactions")
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("notitie"), max_length=300, blank=True)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("contactmoment")
        verbose_name_plural = _("contactmomenten")

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


class ContactFlag(TimeStampedModel):
    """Why a person's record may be stale. At most one open flag per person and reason."""

    class Reason(models.TextChoices):
        NOT_CONFIRMED = "not_confirmed", _("lang niet bevestigd of gesproken")
        ROTATION_PASSED = "rotation_passed", _("verwachte functiewisseling voorbij")
        AFFILIATION_ENDED = "affiliation_ended", _("aanstelling beëindigd")
        EMAIL_BOUNCED = "email_bounced", _("e-mail onbestelbaar")
        STEWARD_GONE = "steward_gone", _("beheerder vertrokken")

    class Resolution(models.TextChoices):
        AUTO = "auto", _("oorzaak verdwenen")
        CONFIRMED = "confirmed", _("bevestigd")
        UPDATED = "updated", _("bijgewerkt")
        LEFT = "left", _("persoon vertrokken")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(_("reden"), max_length=24, choices=Reason.choices)
    raised_at = models.DateTimeField(_("gesignaleerd op"), default=timezone.now)
    resolved_at = models.DateTimeField(_("opgelost op"), null=True, blank=True)
    resolution = models.CharField(
        _("afhandeling"), max_length=16, choices=Resolution.choices, blank=True
    )
    notified_at = models.DateTimeField(_("beheerder gemaild op"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("signalering")
        verbose_name_plural = _("signaleringen")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "reason"],
                condition=Q(resolved_at__isnull=True),
                name="flag_one_open_per_person_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.reason}"


class Handover(TimeStampedModel):
    """Moving a departing person's contacts, roles and actions to a successor."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("afgerond")
        CANCELLED = "cancelled", _("geannuleerd")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="handovers")
    affiliation = models.ForeignKey(
        Affiliation, null=True, blank=True, on_delete=models.SET_NULL, related_name="handovers"
    )
    successor = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="successions"
    )
    due_date = models.DateField(_("uiterlijk"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    # What moved, per kind, for the record: {"stewardships": 3, "initiative_leads": 1, ...}
    moved = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["due_date"]
        verbose_name = _("overdracht")
        verbose_name_plural = _("overdrachten")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "affiliation"],
                condition=Q(status="open"),
                name="handover_one_open_per_affiliation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.successor_id}"


class NetworkSnapshot(models.Model):
    """Monthly network-health figures, for the trend."""

    taken_on = models.DateField(unique=True)
    metrics = models.JSONField(default=dict)

    class Meta:
        ordering = ["-taken_on"]

    def __str__(self) -> str:
        return str(self.taken_on)


class ContinuityRun(models.Model):
    """One run of the continuity analysis: progress while it runs, the dated result after."""

    class Status(models.TextChoices):
        RUNNING = "running", _("bezig")
        DONE = "done", _("klaar")
        FAILED = "failed", _("mislukt")

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {self.status}"
