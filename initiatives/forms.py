from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import System, Theme
from partners.access import user_organisation_ids
from partners.models import TLP, Organisation, SharingGroup, User
from partners.selectors import active_member_users

from .models import Effect, Initiative, Origin, Phase
from .models.initiative import ACTIVE_PHASES
from .services.lifecycle import LESSON_MAX_LENGTH, RESULT_MAX_LENGTH, phase_change_targets

# From least to most strict, to pick the strictest of several organisations' defaults.
TLP_STRICTNESS: list[str] = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]


def active_people() -> QuerySet[User]:
    """Active users with a current membership, by name: the people one can name on an item."""
    return active_member_users().order_by("last_name", "first_name")


def choice_error(message: Promise | str) -> dict[str, Any]:
    """One clear message for every way a choice can be wrong (unknown value, bad id, no list)."""
    return {"invalid_choice": message, "invalid_pk_value": message, "invalid_list": message}


class ShareFormLayout(forms.Form):
    """The field groups of a form that shares something (an initiative, a knowledge item): the
    basics, the optional details under "Meer details", and the audience. A subclass names the
    groups, sets ``own_organisations`` and says whether it edits an existing object."""

    BASIC_FIELDS: tuple[str, ...] = ()
    DETAIL_FIELDS: tuple[str, ...] = ()
    AUDIENCE_FIELDS = ("shared_with_organisations", "shared_with_groups", "shared_with_people")
    own_organisations: list[Organisation]

    # Every shared thing is tagged the same way; subclasses set the querysets.
    themes = forms.ModelMultipleChoiceField(
        label=_("Thema's"),
        required=False,
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages=choice_error(_("Kies alleen thema's uit de lijst.")),
    )
    systems = forms.ModelMultipleChoiceField(
        label=_("Systemen"),
        required=False,
        queryset=System.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages=choice_error(_("Kies alleen systemen uit de lijst.")),
    )

    @property
    def editing(self) -> bool:
        raise NotImplementedError

    def _bound(self, names: tuple[str, ...]) -> list[forms.BoundField]:
        return [self[name] for name in names if name in self.fields]

    @property
    def basic_fields(self) -> list[forms.BoundField]:
        return self._bound(self.BASIC_FIELDS)

    @property
    def detail_fields(self) -> list[forms.BoundField]:
        return self._bound(self.DETAIL_FIELDS)

    @property
    def audience_fields(self) -> list[forms.BoundField]:
        return self._bound(self.AUDIENCE_FIELDS)

    @property
    def details_open(self) -> bool:
        """Editing shows everything; posting opens the details only to show an error there."""
        if self.editing:
            return True
        hidden = (*self.DETAIL_FIELDS, *self.AUDIENCE_FIELDS)
        return bool(self.is_bound and any(name in self.errors for name in hidden))

    @property
    def single_owner(self) -> Organisation | None:
        return self.own_organisations[0] if len(self.own_organisations) == 1 else None


class InitiativeForm(ShareFormLayout):
    """Posting (``initiative=None``) and editing an initiative.

    Only title, summary and sharing level are asked for up front; everything else is optional
    and sits in "Meer details". Phase and owner are set at posting only: the phase moves
    through the lifecycle afterwards, and the owner stays.
    """

    BASIC_FIELDS = ("title", "summary", "owner_organisation", "tlp")
    DETAIL_FIELDS = (
        "phase",
        "why",
        "how",
        "origin",
        "effects",
        "expected_effect",
        "themes",
        "systems",
        "requirement_owner",
        "lead",
        "deputy",
    )

    title = forms.CharField(
        label=_("Titel"),
        max_length=200,
        error_messages={
            "required": _("Geef het initiatief een titel."),
            "max_length": _(
                "De titel mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            ),
        },
    )
    summary = forms.CharField(
        label=_("Samenvatting"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Twee of drie zinnen: wat is het idee en wat levert het op?"),
        error_messages={
            "required": _("Vertel in een paar zinnen waar het initiatief over gaat."),
            "max_length": _(
                "De samenvatting mag hoogstens %(limit_value)d tekens lang zijn "
                "(nu %(show_value)d)."
            ),
        },
    )
    owner_organisation = forms.ModelChoiceField(
        label=_("Namens organisatie"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("— kies een organisatie —"),
        error_messages={
            "required": _("Kies namens welke organisatie."),
            **choice_error(_("Kies een van uw eigen organisaties.")),
        },
    )
    tlp = forms.ChoiceField(
        label=_("Rubricering (TLP)"),
        choices=TLP.choices,
        help_text=_(
            "Wie mag dit zien? GREEN: alle deelnemers van het portaal. AMBER: uw organisatie, "
            "de deelnemende organisaties en met wie u het deelt. Bij twijfel: AMBER."
        ),
        error_messages={
            "required": _("Kies wie het initiatief mag zien."),
            **choice_error(_("Kies een rubricering uit de lijst.")),
        },
    )
    phase = forms.ChoiceField(
        label=_("Fase"),
        required=False,
        choices=[(phase, Phase(phase).label) for phase in ACTIVE_PHASES],
        help_text=_("Loopt het al? Kies dan de fase waarin het nu is."),
        error_messages=choice_error(_("Kies een fase uit de lijst.")),
    )
    why = forms.CharField(
        label=_("Waarom: welk probleem of welke kans?"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _(
                "Het waarom mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            )
        },
    )
    how = forms.CharField(
        label=_("Hoe: de aanpak"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _(
                "De aanpak mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            )
        },
    )
    origin = forms.ChoiceField(
        label=_("Herkomst"),
        required=False,
        choices=Origin.choices,
        widget=forms.RadioSelect,
        error_messages=choice_error(_("Kies push of pull.")),
    )
    effects = forms.MultipleChoiceField(
        label=_("Beoogd effect"),
        required=False,
        choices=Effect.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages=choice_error(_("Kies alleen effecten uit de lijst.")),
    )
    expected_effect = forms.CharField(
        label=_("Toelichting effect"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bijvoorbeeld: tien procent minder stilstand van de Boxer."),
        error_messages={
            "max_length": _(
                "De toelichting mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            )
        },
    )
    requirement_owner = forms.ModelChoiceField(
        label=_("Behoeftesteller"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("— nog niet bekend —"),
        help_text=_("De Defensie-eenheid wier behoefte dit initiatief dient."),
        error_messages=choice_error(_("Kies een organisatie uit de lijst.")),
    )
    lead = forms.ModelChoiceField(
        label=_("Penvoerder"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("— niemand —"),
        help_text=_("Wie trekt het initiatief? Standaard bent u dat zelf."),
        error_messages=choice_error(_("Kies een persoon uit de lijst.")),
    )
    deputy = forms.ModelChoiceField(
        label=_("Plaatsvervanger"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("— nog niemand —"),
        help_text=_(
            "Zodat het initiatief niet aan één persoon hangt; liefst iemand van een andere "
            "organisatie."
        ),
        error_messages=choice_error(_("Kies een persoon uit de lijst.")),
    )
    shared_with_organisations = forms.ModelMultipleChoiceField(
        label=_("Delen met organisaties"),
        required=False,
        queryset=Organisation.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        error_messages=choice_error(_("Kies alleen organisaties uit de lijst.")),
    )
    shared_with_groups = forms.ModelMultipleChoiceField(
        label=_("Delen met deelgroepen"),
        required=False,
        queryset=SharingGroup.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 4}),
        error_messages=choice_error(_("Kies alleen deelgroepen uit de lijst.")),
    )
    shared_with_people = forms.ModelMultipleChoiceField(
        label=_("Delen met personen"),
        required=False,
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Bij RED zien alleen deze personen het initiatief (en uzelf)."),
        error_messages=choice_error(_("Kies alleen personen uit de lijst.")),
    )

    def __init__(
        self, *args: Any, user: User, initiative: Initiative | None = None, **kwargs: Any
    ) -> None:
        self.initiative = initiative
        if initiative is not None:
            kwargs.setdefault("initial", _initial_from(initiative))
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        active = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
        people = active_people()
        own = user_organisation_ids(user)
        if initiative is None:
            owners = list(active.filter(pk__in=own))
            self.own_organisations = owners
            fields["owner_organisation"].queryset = active.filter(pk__in=own)
            if len(owners) == 1:
                # Nothing to choose: the form shows the name and posts the id along.
                fields["owner_organisation"].widget = forms.HiddenInput()
                fields["owner_organisation"].initial = owners[0].pk
            else:
                fields["owner_organisation"].required = True
            defaults = [org.default_tlp for org in owners] or [TLP.AMBER]
            fields["tlp"].initial = max(defaults, key=TLP_STRICTNESS.index)
            fields["phase"].initial = Phase.IDEA
            fields["lead"].initial = user.pk
            fields["title"].widget.attrs["autofocus"] = True
        else:
            self.own_organisations = []
            del fields["owner_organisation"]
            del fields["phase"]
        current = initiative.pk if initiative is not None else None
        fields["themes"].queryset = _vocabulary(Theme, current)
        fields["systems"].queryset = _vocabulary(System, current)
        fields["requirement_owner"].queryset = active.order_by(
            Case(
                When(kind=Organisation.Kind.DEFENCE_UNIT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "name",
        )
        fields["lead"].queryset = people
        fields["deputy"].queryset = people
        fields["shared_with_organisations"].queryset = (
            active.exclude(pk__in=own)
            if initiative is None
            else active.exclude(pk=initiative.owner_organisation_id)
        )
        fields["shared_with_groups"].queryset = SharingGroup.objects.all()
        fields["shared_with_people"].queryset = people

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.initiative is None:
            if "owner_organisation" in data and data["owner_organisation"] is None:
                if len(self.own_organisations) == 1:
                    data["owner_organisation"] = self.own_organisations[0]
                elif "owner_organisation" not in self.errors:
                    self.add_error("owner_organisation", _("Kies namens welke organisatie."))
            data["phase"] = data.get("phase") or Phase.IDEA
        lead, deputy = data.get("lead"), data.get("deputy")
        if lead is not None and deputy is not None and lead == deputy:
            self.add_error(
                "deputy",
                _(
                    "De plaatsvervanger moet iemand anders zijn dan de penvoerder; kies een "
                    "tweede persoon, zodat het initiatief niet aan één persoon hangt."
                ),
            )
        return data

    @property
    def editing(self) -> bool:
        return self.initiative is not None

    def service_kwargs(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments for initiative_create / initiative_update
        (at posting, no lead means the poster leads)."""
        return dict(self.cleaned_data)


def _vocabulary(model: type[Theme] | type[System], initiative_id: int | None) -> QuerySet[Any]:
    """Active themes or systems, plus any retired one the initiative still carries."""
    keep = Q(is_active=True)
    if initiative_id is not None:
        keep |= Q(initiatives=initiative_id)
    return model.objects.filter(keep).distinct()


def _initial_from(initiative: Initiative) -> dict[str, Any]:
    return {
        "title": initiative.title,
        "summary": initiative.summary,
        "tlp": initiative.tlp,
        "why": initiative.why,
        "how": initiative.how,
        "origin": initiative.origin,
        "effects": list(initiative.effects),
        "expected_effect": initiative.expected_effect,
        "themes": list(initiative.themes.values_list("pk", flat=True)),
        "systems": list(initiative.systems.values_list("pk", flat=True)),
        "requirement_owner": initiative.requirement_owner_id,
        "lead": initiative.lead_id,
        "deputy": initiative.deputy_id,
        "shared_with_organisations": list(
            initiative.shared_with_organisations.values_list("pk", flat=True)
        ),
        "shared_with_groups": list(initiative.shared_with_groups.values_list("pk", flat=True)),
        "shared_with_people": list(initiative.shared_with_people.values_list("pk", flat=True)),
    }


class PhaseChangeForm(forms.Form):
    """Moving an initiative to another phase; the service decides whether a reason is needed."""

    to_phase = forms.ChoiceField(
        label=_("Nieuwe fase"),
        choices=(),
        error_messages={
            "required": _("Kies de fase waar het initiatief naartoe gaat."),
            **choice_error(_("Kies een fase uit de lijst; de huidige fase staat er niet bij.")),
        },
    )
    reason = forms.CharField(
        label=_("Reden (verplicht bij stoppen, pauzeren of teruggaan naar een eerdere fase)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": _(
                "De reden mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            )
        },
    )

    def __init__(self, *args: Any, initiative: Initiative, **kwargs: Any) -> None:
        # The form may be loaded inline on the initiative's page: ids of its own.
        kwargs.setdefault("auto_id", "phase-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field: Any = self.fields["to_phase"]
        field.choices = [(phase, Phase(phase).label) for phase in phase_change_targets(initiative)]


class CloseForm(forms.Form):
    """Closing as Geborgd: what it delivered and one or two lessons, kept short on purpose."""

    result = forms.CharField(
        label=_("Resultaat: wat heeft het opgeleverd?"),
        max_length=RESULT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Beschrijf kort wat het initiatief heeft opgeleverd."),
            "max_length": _(
                "Het resultaat mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            ),
        },
    )
    lesson_1 = forms.CharField(
        label=_("Les 1"),
        max_length=LESSON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Wat zou u een volgend initiatief meegeven?"),
        error_messages={
            "required": _("Noem ten minste één les die anderen kunnen gebruiken."),
            "max_length": _(
                "Een les mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            ),
        },
    )
    lesson_2 = forms.CharField(
        label=_("Les 2 (optioneel)"),
        required=False,
        max_length=LESSON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "max_length": _(
                "Een les mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            )
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "close-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @property
    def lessons(self) -> list[str]:
        return [self.cleaned_data.get("lesson_1", ""), self.cleaned_data.get("lesson_2", "")]
