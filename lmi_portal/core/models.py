"""The shared kernel's tables: audit trail, email outbox, activity, heartbeat, vocabularies."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@functools.cache
def _choice_labels(field: models.Field[Any, Any]) -> dict[Any, Any]:
    return dict(field.flatchoices)


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("aangemaakt"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("gewijzigd"), auto_now=True)

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> str:
        """What ``get_<field>_display()`` answers, without Django's hashing of every choice
        label on each call: the labels are lazy, so that translated all of them, for every
        row of a list (a quarter of a board card's time)."""
        value = getattr(self, field.attname)
        try:
            label = _choice_labels(field).get(value, value)
        except TypeError:  # an unhashable value: Django's own way
            return str(super()._get_FIELD_display(field))  # type: ignore[misc]
        return str(force_str(label, strings_only=True))


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit record."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("AuditEvent rows cannot be updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("AuditEvent rows cannot be deleted.")


class AuditEvent(models.Model):
    """One security-relevant event. Rows are only ever added."""

    created_at = models.DateTimeField(_("tijdstip"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("actie"), max_length=64, db_index=True)
    target_type = models.CharField(_("soort object"), max_length=64, blank=True)
    target_id = models.CharField(_("object-id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP-adres"), null=True, blank=True)
    data = models.JSONField(_("gegevens"), default=dict, blank=True)

    objects: ClassVar[AuditEventQuerySet] = AuditEventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("auditgebeurtenis")
        verbose_name_plural = _("auditgebeurtenissen")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("AuditEvent rows cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("AuditEvent rows cannot be deleted.")


class OutboxEmail(TimeStampedModel):
    """An email waiting to be sent, being sent or sent. Sending is at most once per key."""

    class Status(models.TextChoices):
        PENDING = "pending", _("wacht")
        SENDING = "sending", _("wordt verstuurd")
        SENT = "sent", _("verstuurd")
        FAILED = "failed", _("mislukt")

    class Category(models.TextChoices):
        DIGEST = "digest", _("overzicht")
        INSTANT = "instant", _("directe melding")
        SERVICE = "service", _("dienstbericht")

    idempotency_key = models.CharField(_("idempotentiesleutel"), max_length=200, unique=True)
    to = models.EmailField(_("aan"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ontvanger"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category = models.CharField(
        _("soort"), max_length=16, choices=Category.choices, default=Category.SERVICE
    )
    # Extra headers, e.g. List-Unsubscribe for digests (RFC 8058).
    headers = models.JSONField(_("kopregels"), default=dict, blank=True)
    subject = models.CharField(_("onderwerp"), max_length=255)
    body_text = models.TextField(_("tekst"))
    body_html = models.TextField(_("HTML"), blank=True)
    language = models.CharField(_("taal"), max_length=8, default="nl")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    next_attempt_at = models.DateTimeField(_("volgende poging"), default=timezone.now)
    claimed_at = models.DateTimeField(_("geclaimd"), null=True, blank=True)
    sent_at = models.DateTimeField(_("verstuurd op"), null=True, blank=True)
    last_error = models.TextField(_("laatste fout"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("uitgaande e-mail")
        verbose_name_plural = _("uitgaande e-mails")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


def _every_instant_event() -> list[str]:
    return [event.value for event in DigestPreference.InstantEvent]


class DigestPreference(models.Model):
    """How and when one user wants the digest, and which events also send an email at once.

    Users without a row get the defaults (weekly, Monday 07:00, every instant email). Topics
    are the user's follows (``Follow``). ``unsubscribe_nonce`` is part of the signed
    unsubscribe link; it changes when the link is used, so a link works once.
    """

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("wekelijks")
        DAILY = "daily", _("dagelijks")
        OFF = "off", _("uit")

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("maandag")
        TUESDAY = 1, _("dinsdag")
        WEDNESDAY = 2, _("woensdag")
        THURSDAY = 3, _("donderdag")
        FRIDAY = 4, _("vrijdag")
        SATURDAY = 5, _("zaterdag")
        SUNDAY = 6, _("zondag")

    class InstantEvent(models.TextChoices):
        MENTIONED = "mentioned", _("iemand noemt mij (@-vermelding)")
        ASSIGNED = "assigned", _("ik krijg een actie toegewezen")
        INVITED = "invited", _("mijn organisatie wordt uitgenodigd voor een initiatief")
        HANDOVER = "handover", _("een overdracht aan of van mij")
        JOIN_REQUEST = "join_request", _("een aanvraag om lid te worden wacht op mij")

    DEFAULT_WEEKDAY = Weekday.MONDAY
    DEFAULT_HOUR = 7

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_preference"
    )
    frequency = models.CharField(
        _("overzicht per e-mail"),
        max_length=8,
        choices=Frequency.choices,
        default=Frequency.WEEKLY,
    )
    weekday = models.PositiveSmallIntegerField(
        _("dag"), choices=Weekday.choices, default=DEFAULT_WEEKDAY
    )
    hour = models.PositiveSmallIntegerField(
        _("uur"), default=DEFAULT_HOUR, validators=[MinValueValidator(0), MaxValueValidator(23)]
    )
    instant_events = models.JSONField(
        _("direct per e-mail"), default=_every_instant_event, blank=True
    )
    unsubscribe_nonce = models.CharField(max_length=32, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("berichtvoorkeur")
        verbose_name_plural = _("berichtvoorkeuren")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hour__gte=0, hour__lte=23), name="digest_hour_0_23"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="digest_weekday_0_6"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.frequency}"


class Digest(models.Model):
    """One user's digest for one period ("2026-W49" or "2026-12-05"): at most one, ever.

    The unique key is what makes a digest run safe to repeat or to run twice at once. An
    empty digest is recorded too (``email`` stays empty), so it is not composed again.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(_("periode"), max_length=16)
    created_at = models.DateTimeField(_("samengesteld op"), default=timezone.now)
    line_count = models.PositiveIntegerField(_("regels"), default=0)
    action_count = models.PositiveIntegerField(_("acties"), default=0)
    email = models.OneToOneField(
        OutboxEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="digest"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("overzicht")
        verbose_name_plural = _("overzichten")
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="digest_one_per_user_period")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period}"


class Activity(models.Model):
    """Something that happened to a shareable object; shown only through the access policy."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=64)
    target_ct = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_ct", "target_id")
    summary = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_ct", "target_id"])]
        verbose_name = _("activiteit")
        verbose_name_plural = _("activiteiten")

    def __str__(self) -> str:
        return f"{self.verb} {self.target_ct_id}:{self.target_id}"


class Heartbeat(models.Model):
    """Last time a periodic beat reached a worker; read by /health/."""

    name = models.CharField(max_length=32, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Vocabulary(models.Model):
    slug = models.SlugField(_("code"), max_length=64, unique=True)
    name_nl = models.CharField(_("naam (NL)"), max_length=120)
    name_en = models.CharField(_("naam (EN)"), max_length=120)
    is_active = models.BooleanField(_("in gebruik"), default=True)
    position = models.PositiveSmallIntegerField(_("volgorde"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name_nl"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nl").startswith("en") else self.name_nl


class Theme(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("thema")
        verbose_name_plural = _("thema's")


class System(Vocabulary):
    class Meta(Vocabulary.Meta):
        verbose_name = _("systeem")
        verbose_name_plural = _("systemen")


class Follow(models.Model):
    """A user following something (an initiative, a theme, a system, an organisation).

    Following says nothing about visibility: whatever is sent to followers goes through the
    access policy first.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    target_ct = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("target_ct", "target_id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("volgen")
        verbose_name_plural = _("gevolgd")
        constraints = [
            models.UniqueConstraint(fields=["user", "target_ct", "target_id"], name="follow_unique")
        ]
        indexes = [models.Index(fields=["target_ct", "target_id"])]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.target_ct_id}:{self.target_id}"


class Notification(models.Model):
    """An in-app message to one user, written in the recipient's language when it was made.

    ``target`` names the item it is about, so the notification list can drop notifications
    about items the recipient may no longer see.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=64)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    target_ct = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_ct", "target_id")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("melding")
        verbose_name_plural = _("meldingen")
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.text}"


class SearchWord(models.Model):
    """Every distinct word in the searchable texts, for typo tolerance: on PostgreSQL a query
    word that matches nothing is corrected to the most similar known word (pg_trgm)."""

    word = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("zoekwoord")
        verbose_name_plural = _("zoekwoorden")

    def __str__(self) -> str:
        return self.word
