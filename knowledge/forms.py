"""Forms of the knowledge items: sharing and editing an item, archiving, a lesson's stage."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from initiatives.forms import TLP_STRICTNESS, ShareFormLayout, active_people, choice_error
from initiatives.models import Initiative
from lmi_portal.core.models import System, Theme
from partners.access import user_organisation_ids
from partners.models import TLP, Organisation, SharingGroup, User

from .models import KnowledgeItem, default_review_by
from .selectors.items import (
    knowledge_initiative_choices,
    knowledge_initiative_options,
    knowledge_owner_choices,
)
from .services.items import ARCHIVE_REASON_MAX_LENGTH, EDITABLE_FIELDS
from .uploads import ValidatedUpload, validate_upload

Kind = KnowledgeItem.Kind
Status = KnowledgeItem.Status

# What each kind is for, shown where one picks the kind of a new item.
KIND_DESCRIPTIONS: dict[str, Promise] = {
    Kind.DOCUMENT: _(
        "Een bestand (PDF, Word, Excel, PowerPoint, OpenDocument, afbeelding, tekst of CSV), "
        "met versiegeschiedenis."
    ),
    Kind.LESSON: _("Wat ging goed of mis, en wat leren we ervan? Van waarneming tot geleerde les."),
    Kind.BEST_PRACTICE: _("Een werkwijze die zich bewezen heeft en die anderen kunnen overnemen."),
    Kind.CONTRACT_EXPERIENCE: _(
        "Ervaringen met nieuwe contractvormen en samenwerkingsmodellen; nooit tarieven of prijzen."
    ),
    Kind.EVENT_REPORT: _(
        "Een verslag van een bijeenkomst, zoals de werkgroep of het materieellogistiek diner."
    ),
    Kind.LINK: _("Een verwijzing naar een website of een document elders."),
}

# The file types validate_upload accepts, as a hint for the browser's file picker only.
FILE_ACCEPT = (
    ".pdf,.docx,.xlsx,.pptx,.odt,.ods,.odp,.png,.jpg,.jpeg,.txt,.csv,"
    "application/pdf,image/png,image/jpeg,text/plain,text/csv"
)


class KnowledgeItemForm(ShareFormLayout):
    """Sharing (``item=None``, for one ``kind``) and editing a knowledge item.

    Up front only what is needed: title, a short summary, the file or address where the kind
    has one, and who may see it. Everything else sits in "Meer details". Kind, owner
    organisation and status are set when sharing; afterwards the status changes through
    publishing and archiving, and a lesson's stage through its stepper.
    """

    BASIC_FIELDS = ("owner_organisation", "title", "summary", "file", "url", "lesson_stage", "tlp")
    DETAIL_FIELDS = (
        "body",
        "themes",
        "systems",
        "related_initiatives",
        "owner",
        "review_by",
        "status",
        "export_controlled",
    )

    kind = forms.ChoiceField(
        choices=Kind.choices,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Kies wat voor kennisitem u deelt."),
            **choice_error(_("Kies een soort uit de lijst.")),
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
    title = forms.CharField(
        label=_("Titel"),
        max_length=200,
        error_messages={
            "required": _("Geef het kennisitem een titel."),
            "max_length": _(
                "De titel mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            ),
        },
    )
    summary = forms.CharField(
        label=_("Samenvatting"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Twee of drie zinnen: waar gaat het over en voor wie is het nuttig?"),
        error_messages={
            "max_length": _(
                "De samenvatting mag hoogstens %(limit_value)d tekens lang zijn "
                "(nu %(show_value)d)."
            )
        },
    )
    file = forms.FileField(
        label=_("Bestand"),
        required=False,
        widget=forms.FileInput(attrs={"accept": FILE_ACCEPT}),
        help_text=_(
            "PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG, tekst of CSV. Nieuwe "
            "versies voegt u later toe op de pagina van het item."
        ),
        error_messages={
            "required": _("Kies het bestand dat u wilt delen."),
            "empty": _("Het bestand is leeg."),
            "invalid": _("Er is geen bestand ontvangen; kies het bestand opnieuw."),
            "missing": _("Er is geen bestand ontvangen; kies het bestand opnieuw."),
        },
    )
    url = forms.URLField(
        label=_("Adres (URL)"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("Bijvoorbeeld https://www.defensie.nl/…"),
        error_messages={
            "required": _("Geef het adres van de link."),
            "invalid": _("Dit is geen geldig webadres; begin met https://."),
            "max_length": _(
                "Het adres mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            ),
        },
    )
    lesson_stage = forms.ChoiceField(
        label=_("Fase van de les"),
        required=False,
        choices=KnowledgeItem.LessonStage.choices,
        help_text=_("Begin gerust bij de waarneming; de fase kunt u later met één klik verzetten."),
        error_messages=choice_error(_("Kies een fase uit de lijst.")),
    )
    tlp = forms.ChoiceField(
        label=_("Rubricering (TLP)"),
        choices=TLP.choices,
        help_text=_(
            "Wie mag dit zien? GREEN: alle deelnemers van het portaal. AMBER: uw organisatie en "
            "met wie u het deelt. Bij twijfel: AMBER."
        ),
        error_messages={
            "required": _("Kies wie het kennisitem mag zien."),
            **choice_error(_("Kies een rubricering uit de lijst.")),
        },
    )
    body = forms.CharField(
        label=_("Tekst"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Markdown mag: **vet**, *schuin*, lijstjes met - en koppen met #. HTML wordt als "
            "tekst getoond."
        ),
        error_messages={
            "max_length": _(
                "De tekst mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            )
        },
    )
    related_initiatives = forms.ModelMultipleChoiceField(
        label=_("Gerelateerde initiatieven"),
        required=False,
        queryset=Initiative.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Houd Ctrl of Cmd ingedrukt om er meer te kiezen."),
        error_messages=choice_error(_("Kies alleen initiatieven uit de lijst.")),
    )
    owner = forms.ModelChoiceField(
        label=_("Eigenaar (wie staat voor de inhoud in)"),
        queryset=User.objects.none(),
        empty_label=None,
        help_text=_(
            "Deze persoon bevestigt af en toe dat het item nog klopt. Standaard bent u dat zelf."
        ),
        error_messages={
            "required": _("Kies wie voor de inhoud instaat."),
            **choice_error(_("Kies een collega uit de lijst.")),
        },
    )
    review_by = forms.DateField(
        label=_("Herzien vóór"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Tot wanneer klopt dit zeker? Daarna vraagt het portaal de eigenaar het te bevestigen."
        ),
        error_messages={
            "required": _("Kies een datum."),
            "invalid": _("Geef een datum op, bijvoorbeeld 2027-06-30."),
        },
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (Status.PUBLISHED, _("Meteen publiceren")),
            (Status.DRAFT, _("Opslaan als concept")),
        ],
        widget=forms.RadioSelect,
        help_text=_("Een concept zien alleen de leden van uw organisatie."),
        error_messages=choice_error(_("Kies publiceren of concept.")),
    )
    export_controlled = forms.BooleanField(
        label=_("Valt onder exportcontrole"),
        required=False,
        help_text=_(
            "Vink dit aan als de inhoud onder exportcontrole valt, bijvoorbeeld technische "
            "gegevens van militair materieel. Het item krijgt dan een waarschuwing en kan niet "
            "openbaar (TLP:CLEAR) worden. Dit portaal bevat nooit gerubriceerde informatie."
        ),
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
        help_text=_("Bij RED zien alleen deze personen het kennisitem (en uzelf)."),
        error_messages=choice_error(_("Kies alleen personen uit de lijst.")),
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        kind: str = "",
        item: KnowledgeItem | None = None,
        **kwargs: Any,
    ) -> None:
        self.item = item
        self.validated_upload: ValidatedUpload | None = None
        if item is not None:
            kind = item.kind
            kwargs.setdefault("initial", _initial_from(item))
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.item_kind = kind
        fields: dict[str, Any] = self.fields
        active = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
        own = user_organisation_ids(user)
        if item is None:
            owners = list(active.filter(pk__in=own))
            self.own_organisations = owners
            fields["kind"].initial = kind
            fields["owner_organisation"].queryset = active.filter(pk__in=own)
            if len(owners) == 1:
                # Nothing to choose: the form shows the name and posts the id along.
                fields["owner_organisation"].widget = forms.HiddenInput()
                fields["owner_organisation"].initial = owners[0].pk
            else:
                fields["owner_organisation"].required = True
            defaults = [org.default_tlp for org in owners] or [TLP.AMBER]
            fields["tlp"].initial = max(defaults, key=TLP_STRICTNESS.index)
            fields["owner"].queryset = knowledge_owner_choices(organisation_ids=own)
            fields["owner"].initial = user.pk
            fields["review_by"].initial = default_review_by()
            fields["status"].initial = Status.PUBLISHED
            fields["lesson_stage"].initial = KnowledgeItem.LessonStage.OBSERVATION
            fields["title"].widget.attrs["autofocus"] = True
            fields["shared_with_organisations"].queryset = active.exclude(pk__in=own)
        else:
            self.own_organisations = []
            for name in ("kind", "owner_organisation", "file", "lesson_stage", "status"):
                del fields[name]
            members = knowledge_owner_choices(organisation_ids=[item.owner_organisation_id])
            fields["owner"].queryset = User.objects.filter(
                Q(pk__in=members.values("pk")) | Q(pk=item.owner_id)
            ).order_by("last_name", "first_name", "email")
            fields["shared_with_organisations"].queryset = active.exclude(
                pk=item.owner_organisation_id
            )
        # Only the fields of this kind.
        if kind != Kind.DOCUMENT:
            fields.pop("file", None)
        elif "file" in fields:
            fields["file"].required = True
        if kind != Kind.LINK:
            del fields["url"]
        else:
            fields["url"].required = True
        if kind != Kind.LESSON:
            fields.pop("lesson_stage", None)
        current = item.pk if item is not None else None
        fields["themes"].queryset = _vocabulary(Theme, current)
        fields["systems"].queryset = _vocabulary(System, current)
        fields["related_initiatives"].queryset = knowledge_initiative_choices(user=user)
        fields["related_initiatives"].widget.choices = [
            (i.pk, i.title)
            for i in knowledge_initiative_options(user=user, include_ids=self._chosen_initiatives())
        ]
        fields["shared_with_groups"].queryset = SharingGroup.objects.all()
        fields["shared_with_people"].queryset = active_people()

    def _chosen_initiatives(self) -> list[int]:
        """Initiative ids already chosen (bound data or initial), so the list always shows them."""
        if self.is_bound:
            data: Any = self.data
            raw: Any = data.getlist(self.add_prefix("related_initiatives"), [])
        else:
            raw = self.initial.get("related_initiatives") or []
        ids = []
        for value in raw:
            try:
                ids.append(int(getattr(value, "pk", value)))
            except (TypeError, ValueError):
                continue
        return ids

    @property
    def kind_label(self) -> str:
        return str(Kind(self.item_kind).label) if self.item_kind in Kind.values else ""

    def clean_file(self) -> UploadedFile | None:
        """The file's content decides whether it is accepted; the error shows at the field."""
        upload = self.cleaned_data.get("file")
        if upload:
            self.validated_upload = validate_upload(upload)
        return upload

    def keep_file_selection(self) -> None:
        """With htmx, a re-shown form keeps the chosen file unless the file itself was refused
        (hx-preserve); without JavaScript a browser always asks for it again."""
        if "file" in self.fields and self.is_bound and not self.errors.get("file"):
            self.fields["file"].widget.attrs["hx-preserve"] = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            self.item is None
            and "owner_organisation" in data
            and data["owner_organisation"] is None
        ):
            if len(self.own_organisations) == 1:
                data["owner_organisation"] = self.own_organisations[0]
            elif "owner_organisation" not in self.errors:
                self.add_error("owner_organisation", _("Kies namens welke organisatie."))
        return data

    @property
    def editing(self) -> bool:
        return self.item is not None

    def create_kwargs(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of services.items.knowledge_item_create."""
        data = dict(self.cleaned_data)
        data["organisation"] = data.pop("owner_organisation")
        data["upload"] = data.pop("file", None)
        data["validated"] = self.validated_upload
        return data

    def update_kwargs(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of services.items.knowledge_item_update."""
        return {name: value for name, value in self.cleaned_data.items() if name in EDITABLE_FIELDS}


def _vocabulary(model: type[Theme] | type[System], item_id: int | None) -> QuerySet[Any]:
    """Active themes or systems, plus any retired one the item still carries."""
    keep = Q(is_active=True)
    if item_id is not None:
        keep |= Q(knowledge_items=item_id)
    return model.objects.filter(keep).distinct()


def _initial_from(item: KnowledgeItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "summary": item.summary,
        "url": item.url,
        "tlp": item.tlp,
        "body": item.body,
        "themes": list(item.themes.values_list("pk", flat=True)),
        "systems": list(item.systems.values_list("pk", flat=True)),
        "related_initiatives": list(item.related_initiatives.values_list("pk", flat=True)),
        "owner": item.owner_id,
        "review_by": item.review_by,
        "export_controlled": item.export_controlled,
        "shared_with_organisations": list(
            item.shared_with_organisations.values_list("pk", flat=True)
        ),
        "shared_with_groups": list(item.shared_with_groups.values_list("pk", flat=True)),
        "shared_with_people": list(item.shared_with_people.values_list("pk", flat=True)),
    }


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Waarom archiveren? (optioneel)"),
        required=False,
        max_length=ARCHIVE_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Bijvoorbeeld: vervangen door een nieuwer document."),
        error_messages={
            "max_length": _(
                "De reden mag hoogstens %(limit_value)d tekens lang zijn (nu %(show_value)d)."
            )
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "archive-%s")
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class LessonStageForm(forms.Form):
    stage = forms.ChoiceField(
        choices=KnowledgeItem.LessonStage.choices,
        error_messages={
            "required": _("Kies een fase."),
            **choice_error(_("Deze fase bestaat niet. Kies een fase uit de lijst.")),
        },
    )
