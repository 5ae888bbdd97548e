"""The weekly LMI-werkgroep: meetings in a series, their agenda, live minutes and the actions
they produce. A meeting is shareable like everything else: by default AMBER, owned by the LMI
cell and shared with the attending organisations (``participant_lookup``), so the access policy
decides who may see its agenda and minutes."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import TimeStampedModel
from partners.models import TLP, Organisation, Shareable

from .initiative import Initiative


class Meeting(Shareable):
    """One session of the weekly series. ``previous`` chains the series: the next meeting is
    created from the previous one (at most one successor each)."""

    participant_lookup = "attending_organisations"

    class Status(models.TextChoices):
        PREPARATION = "preparation", _("in voorbereiding")
        PUBLISHED = "published", _("verslag gepubliceerd")

    title = models.CharField(_("titel"), max_length=200, default="LMI-werkgroep")
    starts_at = models.DateTimeField(_("begint om"), db_index=True)
    duration_minutes = models.PositiveSmallIntegerField(_("duur (minuten)"), default=90)
    location = models.CharField(_("locatie"), max_length=200, blank=True)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("vorige bijeenkomst"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_meeting",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=Status.choices,
        default=Status.PREPARATION,
        db_index=True,
    )
    # Chatham House for the whole meeting: statements in the minutes carry no names.
    chatham_house = models.BooleanField(_("Chatham House Rule"), default=False)
    attending_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("deelnemende organisaties"),
        blank=True,
        related_name="werkgroep_meetings",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deelnemers"),
        blank=True,
        related_name="werkgroep_meetings",
    )
    published_at = models.DateTimeField(_("gepubliceerd op"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("werkgroepbijeenkomst")
        verbose_name_plural = _("werkgroepbijeenkomsten")

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("initiatives:meeting_detail", kwargs={"pk": self.pk})

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.PUBLISHED


class AgendaItem(TimeStampedModel):
    """One point on a meeting's agenda: linked to an initiative, to another item by its link, or
    free text. Partners propose (status proposed); the programme manager accepts or parks.
    ``minutes`` is edited live during the meeting; ``version`` rises with every save so that a
    writer who started from an older version sees a conflict instead of overwriting."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("voorgesteld")
        ACCEPTED = "accepted", _("op de agenda")
        PARKED = "parked", _("geparkeerd")
        DONE = "done", _("besproken")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField(_("volgorde"), default=0)
    title = models.CharField(_("onderwerp"), max_length=300)
    description = models.TextField(_("toelichting"), max_length=3000, blank=True)
    initiative = models.ForeignKey(
        Initiative,
        verbose_name=_("initiatief"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
    )
    # What put it on the agenda from the weekly view, e.g. "obstacle:12" or "knowledge:7";
    # unique per meeting (with the conditional constraint) so one click twice adds it once.
    source_key = models.CharField(max_length=60, blank=True)
    link_url = models.CharField(max_length=300, blank=True)
    timebox_minutes = models.PositiveSmallIntegerField(_("tijd (minuten)"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACCEPTED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voorgesteld door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_by_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The unfinished item of the previous meeting this one continues.
    carried_from = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="carried_to"
    )
    chatham_house = models.BooleanField(_("Chatham House Rule"), default=False)
    minutes = models.TextField(_("verslag"), max_length=20000, blank=True)
    version = models.PositiveIntegerField(default=0)
    minutes_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("agendapunt")
        verbose_name_plural = _("agendapunten")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "source_key"],
                condition=~models.Q(source_key=""),
                name="agenda_item_source_once",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_anonymous(self) -> bool:
        """Statements under this item are recorded without attribution."""
        return self.chatham_house or self.meeting.chatham_house


class Decision(TimeStampedModel):
    """A decision recorded under an agenda item (besluit)."""

    agenda_item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("besluit"), max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("besluit")
        verbose_name_plural = _("besluiten")

    def __str__(self) -> str:
        return self.text[:60]


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(TimeStampedModel):
    """A user's private iCal feed of werkgroep meetings. The URL carries a random token (only its
    hash is stored); revoking replaces it, so the old address stops working at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agenda-abonnement")
        verbose_name_plural = _("agenda-abonnementen")

    def __str__(self) -> str:
        return f"feed of {self.user_id}"


DEFAULT_MINUTES_TLP = TLP.AMBER
