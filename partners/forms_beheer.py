"""Forms of the portal admin's pages. They parse input; the services decide and validate again."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import OutboxEmail

from .models import TLP, Organisation, SharingGroup
from .services.organisations import domains_parse, domains_validate, kvk_validate

# The countries LMI partners come from; ISO 3166-1 alpha-2 codes.
COUNTRIES = [
    ("NL", _("Nederland")),
    ("BE", _("België")),
    ("DE", _("Duitsland")),
    ("LU", _("Luxemburg")),
    ("FR", _("Frankrijk")),
    ("GB", _("Verenigd Koninkrijk")),
    ("DK", _("Denemarken")),
    ("NO", _("Noorwegen")),
    ("SE", _("Zweden")),
    ("FI", _("Finland")),
    ("AT", _("Oostenrijk")),
    ("CH", _("Zwitserland")),
    ("IT", _("Italië")),
    ("ES", _("Spanje")),
    ("PL", _("Polen")),
    ("CZ", _("Tsjechië")),
    ("US", _("Verenigde Staten")),
    ("CA", _("Canada")),
]


class OrganisationCreateForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Soort organisatie"),
        choices=[("", _("Kies een soort")), *Organisation.Kind.choices],
    )
    kvk_number = forms.CharField(
        label=_("KvK-nummer"),
        required=False,
        max_length=20,
        help_text=_("8 cijfers. Leeg laten voor een organisatie zonder KvK-inschrijving."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    country = forms.ChoiceField(label=_("Land"), choices=COUNTRIES, initial="NL")
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    domains = forms.CharField(
        label=_("E-maildomeinen"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Eén per regel, bijvoorbeeld bedrijf.nl. Mensen met een geverifieerd adres op zo'n "
            "domein kunnen vragen om lid te worden. Domeinen voor privé-e-mail (zoals gmail.com) "
            "worden geweigerd."
        ),
    )
    sharing_groups = forms.ModelMultipleChoiceField(
        label=_("Deelgroepen"),
        queryset=SharingGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    default_tlp = forms.ChoiceField(
        label=_("Standaardrubricering"),
        choices=TLP.choices,
        initial=TLP.AMBER,
        help_text=_("De rubricering die nieuwe items van deze organisatie krijgen."),
    )
    contact_name = forms.CharField(
        label=_("Naam eerste contactpersoon"), required=False, max_length=200
    )
    contact_email = forms.EmailField(
        label=_("E-mailadres eerste contactpersoon"),
        required=False,
        help_text=_(
            "Optioneel. Deze persoon krijgt een uitnodiging als beheerder van de organisatie."
        ),
    )
    contact_language = forms.ChoiceField(
        label=_("Taal van de uitnodiging"), choices=settings.LANGUAGES, initial="nl"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["sharing_groups"]
        field.queryset = SharingGroup.objects.order_by("name")

    def clean_kvk_number(self) -> str:
        value = re.sub(r"[\s.]", "", self.cleaned_data["kvk_number"])
        kvk_validate(value)
        return value

    def clean_domains(self) -> list[str]:
        domains = domains_parse(self.cleaned_data["domains"])
        domains_validate(domains)
        return domains

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("contact_name", "").strip()
            and not data.get("contact_email")
            and "contact_email" not in self.errors
        ):
            self.add_error("contact_email", _("Vul ook het e-mailadres van de contactpersoon in."))
        return data


class ContactInviteForm(forms.Form):
    full_name = forms.CharField(label=_("Naam"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mailadres"))
    language = forms.ChoiceField(
        label=_("Taal van de uitnodiging"), choices=settings.LANGUAGES, initial="nl"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reden"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Toelichting (optioneel)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SharingGroupForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=120)
    description = forms.CharField(
        label=_("Omschrijving"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    membership_hidden = forms.BooleanField(
        label=_("Leden verborgen"),
        required=False,
        help_text=_("Alleen portalbeheerders zien welke organisaties in deze groep zitten."),
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Organisaties"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, group: SharingGroup | None = None, **kwargs: Any) -> None:
        self.group = group
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisations"]
        field.queryset = Organisation.objects.exclude(
            status=Organisation.Status.OFFBOARDED
        ).order_by("name")
        if group is not None:
            # Keep an offboarded organisation that is still in the group selectable.
            field.queryset = (
                (
                    Organisation.objects.exclude(status=Organisation.Status.OFFBOARDED)
                    | group.organisations.all()
                )
                .distinct()
                .order_by("name")
            )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        others = SharingGroup.objects.filter(name__iexact=name)
        if self.group is not None:
            others = others.exclude(pk=self.group.pk)
        if others.exists():
            raise ValidationError(_("Er is al een deelgroep met deze naam."))
        return name


class OnboardingFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoeken op naam"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alle statussen")), *Organisation.Status.choices],
    )
    stuck = forms.BooleanField(label=_("Alleen vastgelopen"), required=False)


class AuditFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Alle organisaties"),
    )
    actor = forms.CharField(label=_("Door (e-mailadres bevat)"), required=False, max_length=254)
    action = forms.ChoiceField(label=_("Actie"), required=False, choices=[])
    date_from = forms.DateField(
        label=_("Vanaf"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Tot en met"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field: Any = self.fields["organisation"]
        org_field.queryset = Organisation.objects.order_by("name").only("pk", "name")
        action_field: Any = self.fields["action"]
        action_field.choices = [("", _("Alle acties")), *((a, a) for a in actions)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("date_from")
        end: date | None = data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("De einddatum ligt vóór de begindatum."))
        return data


class DeliveryRecipientFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoeken op naam of e-mailadres"), required=False, max_length=200)
    problems = forms.BooleanField(label=_("Alleen problemen"), required=False)


class DeliveryLogFilterForm(forms.Form):
    to = forms.CharField(label=_("Aan (e-mailadres bevat)"), required=False, max_length=254)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Alle statussen")), *OutboxEmail.Status.choices],
    )
    category = forms.ChoiceField(
        label=_("Soort"),
        required=False,
        choices=[("", _("Alle soorten")), *OutboxEmail.Category.choices],
    )
