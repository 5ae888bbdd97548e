"""Organisations, accounts, memberships and sharing groups, and the shareable-item base."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import TimeStampedModel


class TLP(models.TextChoices):
    """Traffic Light Protocol markings as used by information-sharing communities."""

    CLEAR = "clear", _("TLP:CLEAR — openbaar")
    GREEN = "green", _("TLP:GREEN — alle deelnemers")
    AMBER = "amber", _("TLP:AMBER — betrokken organisaties")
    AMBER_STRICT = "amber_strict", _("TLP:AMBER+STRICT — alleen eigen organisatie")
    RED = "red", _("TLP:RED — alleen genoemde personen")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("portal_role", User.PortalRole.ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An account. People without an account live in network.Person."""

    class PortalRole(models.TextChoices):
        MEMBER = "member", _("deelnemer")
        PROGRAMME_MANAGER = "programme_manager", _("programmamanager")
        ADMIN = "admin", _("portalbeheerder")

    username = None  # type: ignore[assignment]
    email = models.EmailField(_("e-mailadres"), unique=True)
    language = models.CharField(
        _("taal"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    portal_role = models.CharField(
        _("portalrol"), max_length=32, choices=PortalRole.choices, default=PortalRole.MEMBER
    )

    # Raising this ends every session of the user at their next request.
    session_epoch = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        verbose_name = _("gebruiker")
        verbose_name_plural = _("gebruikers")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "partners.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_portal_admin(self) -> bool:
        return self.portal_role == self.PortalRole.ADMIN

    @property
    def is_programme_manager(self) -> bool:
        return self.portal_role == self.PortalRole.PROGRAMME_MANAGER


class Organisation(TimeStampedModel):
    class Kind(models.TextChoices):
        DEFENCE_UNIT = "defence_unit", _("defensie-eenheid")
        OEM = "oem", _("OEM / hoofdaannemer")
        SME = "sme", _("MKB")
        STARTUP = "startup", _("start-up")
        KNOWLEDGE = "knowledge", _("kennisinstelling")
        GOVERNMENT = "government", _("overheid")
        ASSOCIATION = "association", _("brancheorganisatie")
        OTHER = "other", _("overig")

    class Status(models.TextChoices):
        INVITED = "invited", _("uitgenodigd")
        ONBOARDING = "onboarding", _("in onboarding")
        ACTIVE = "active", _("actief")
        SUSPENDED = "suspended", _("geschorst")
        OFFBOARDED = "offboarded", _("vertrokken")

    name = models.CharField(_("naam"), max_length=200, unique=True)
    short_name = models.CharField(_("korte naam"), max_length=40, blank=True)
    kind = models.CharField(_("soort"), max_length=32, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.INVITED, db_index=True
    )
    kvk_number = models.CharField(
        _("KvK-nummer"),
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^\d{8}$", _("Een KvK-nummer bestaat uit 8 cijfers."))],
    )
    country = models.CharField(_("land"), max_length=2, default="NL")
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("omschrijving"), blank=True, max_length=2000)
    default_tlp = models.CharField(
        _("standaardrubricering"),
        max_length=16,
        choices=TLP.choices,
        default=TLP.AMBER,
        help_text=_("De rubricering die nieuwe items van deze organisatie krijgen."),
    )
    themes = models.ManyToManyField(
        "core.Theme", verbose_name=_("expertisethema's"), blank=True, related_name="organisations"
    )
    systems = models.ManyToManyField(
        "core.System", verbose_name=_("systemen"), blank=True, related_name="organisations"
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    profile_completed_at = models.DateTimeField(_("profiel compleet"), null=True, blank=True)
    approved_at = models.DateTimeField(_("goedgekeurd op"), null=True, blank=True)
    approved_by = models.ForeignKey(
        "User",
        verbose_name=_("goedgekeurd door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_changed_at = models.DateTimeField(_("status gewijzigd"), default=timezone.now)
    status_reason = models.TextField(_("reden statuswijziging"), blank=True, max_length=1000)
    created_by = models.ForeignKey(
        "User",
        verbose_name=_("aangemaakt door"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        constraints = [
            models.UniqueConstraint(
                fields=["kvk_number"], condition=~Q(kvk_number=""), name="org_unique_kvk"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self) -> MembershipQuerySet:
        today = timezone.localdate()
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)

    def counting(self) -> MembershipQuerySet:
        """Memberships that give access: current, in an active organisation."""
        return self.current().filter(organisation__status=Organisation.Status.ACTIVE)


class Membership(TimeStampedModel):
    class Role(models.TextChoices):
        ORG_ADMIN = "org_admin", _("beheerder organisatie")
        MEMBER = "member", _("lid")

    user = models.ForeignKey(
        User, verbose_name=_("gebruiker"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisatie"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("rol"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    job_title = models.CharField(_("functie"), max_length=120, blank=True)
    start_date = models.DateField(_("begindatum"), default=timezone.localdate)
    end_date = models.DateField(_("einddatum"), null=True, blank=True)

    objects: ClassVar[MembershipQuerySet] = MembershipQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("lidmaatschap")
        verbose_name_plural = _("lidmaatschappen")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"


class SharingGroup(TimeStampedModel):
    """A named set of organisations an item can be shared with, e.g. "Defence only"."""

    name = models.CharField(_("naam"), max_length=120, unique=True)
    description = models.TextField(_("omschrijving"), blank=True)
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisaties"), related_name="sharing_groups", blank=True
    )
    membership_hidden = models.BooleanField(
        _("leden verborgen"),
        default=False,
        help_text=_("Alleen beheerders zien welke organisaties in deze groep zitten."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("deelgroep")
        verbose_name_plural = _("deelgroepen")

    def __str__(self) -> str:
        return self.name


class Shareable(TimeStampedModel):
    """Base of every item with an audience. partners.access decides who may see it.

    A subclass names, in ``participant_lookup``, the path from the item to the organisations
    taking part in it (or leaves it empty when the kind has no participants).
    """

    participant_lookup: ClassVar[str] = ""

    owner_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("eigenaar"),
        on_delete=models.PROTECT,
        related_name="owned_%(class)ss",
    )
    tlp = models.CharField(
        _("rubricering (TLP)"), max_length=16, choices=TLP.choices, default=TLP.GREEN
    )
    shared_with_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("gedeeld met organisaties"),
        blank=True,
        related_name="shared_%(class)ss",
    )
    shared_with_groups = models.ManyToManyField(
        SharingGroup,
        verbose_name=_("gedeeld met deelgroepen"),
        blank=True,
        related_name="shared_%(class)ss",
    )
    shared_with_people = models.ManyToManyField(
        User, verbose_name=_("gedeeld met personen"), blank=True, related_name="shared_%(class)ss"
    )

    class Meta:
        abstract = True


class OrganisationDomain(models.Model):
    """An email domain that belongs to one organisation (for join requests and invitations)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domein"), max_length=253, unique=True)

    class Meta:
        ordering = ["domain"]
        verbose_name = _("e-maildomein")
        verbose_name_plural = _("e-maildomeinen")

    def __str__(self) -> str:
        return self.domain


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(TimeStampedModel):
    """A single-use invitation to join an organisation. Only a hash of the token is stored."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mailadres"))
    full_name = models.CharField(_("naam"), max_length=200, blank=True)
    job_title = models.CharField(_("functie"), max_length=120, blank=True)
    role = models.CharField(
        _("rol"), max_length=16, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    language = models.CharField(
        _("taal"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("verloopt op"))
    sent_count = models.PositiveSmallIntegerField(_("keer verstuurd"), default=0)
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(_("geaccepteerd op"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("ingetrokken op"), null=True, blank=True)

    objects: ClassVar[InvitationQuerySet] = InvitationQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")
        indexes = [models.Index(fields=["organisation", "email"])]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class CommonUnderstanding(models.Model):
    """One version of the charter every participant accepts ("gemeenschappelijk begrip")."""

    version = models.PositiveIntegerField(_("versie"), unique=True)
    text_nl = models.TextField(_("tekst (NL)"))
    text_en = models.TextField(_("tekst (EN)"), blank=True)
    published_at = models.DateTimeField(_("gepubliceerd op"), default=timezone.now)
    published_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-version"]
        verbose_name = _("gemeenschappelijk begrip")
        verbose_name_plural = _("versies gemeenschappelijk begrip")

    def __str__(self) -> str:
        return f"v{self.version}"


class CommonUnderstandingAcceptance(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cu_acceptances")
    version = models.ForeignKey(
        CommonUnderstanding, on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_at = models.DateTimeField(_("geaccepteerd op"), default=timezone.now)

    class Meta:
        verbose_name = _("acceptatie gemeenschappelijk begrip")
        verbose_name_plural = _("acceptaties gemeenschappelijk begrip")
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="cu_acceptance_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} v{self.version.version}"


class JoinRequest(TimeStampedModel):
    """Someone with a verified address at an organisation's domain asks to join it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("in behandeling")
        APPROVED = "approved", _("goedgekeurd")
        DECLINED = "declined", _("afgewezen")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="join_requests")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="join_requests"
    )
    email = models.EmailField(_("e-mailadres"))
    motivation = models.TextField(_("toelichting"), blank=True, max_length=1000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    comment = models.TextField(_("opmerking"), blank=True, max_length=1000)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("besloten op"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("aanmeldverzoek")
        verbose_name_plural = _("aanmeldverzoeken")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(status="pending"),
                name="joinrequest_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation}"


class MemberImport(TimeStampedModel):
    """A CSV of colleagues to invite: validated first (with progress), imported on confirmation."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("wordt gecontroleerd")
        PREVIEW = "preview", _("klaar voor controle")
        IMPORTING = "importing", _("wordt geïmporteerd")
        DONE = "done", _("geïmporteerd")
        FAILED = "failed", _("mislukt")
        CANCELLED = "cancelled", _("geannuleerd")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="member_imports"
    )
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VALIDATING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    # [{"line": 2, "name": ..., "email": ..., "job_title": ..., "errors": [...]}, ...]
    rows = models.JSONField(default=list, blank=True)
    raw = models.TextField(blank=True)
    error = models.TextField(blank=True)
    imported_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("ledenimport")
        verbose_name_plural = _("ledenimports")

    def __str__(self) -> str:
        return f"{self.organisation} {self.filename}"

    @property
    def percent(self) -> int:
        return int(100 * self.processed / self.total) if self.total else 0


class OnboardingReminder(models.Model):
    """A reminder sent for an organisation stuck on one onboarding step; at most one per step."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="onboarding_reminders"
    )
    step = models.CharField(max_length=32)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "step"], name="reminder_once_per_step")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.step}"
