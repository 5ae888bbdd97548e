"""Forms of the people pages: the directory filter, a person, an affiliation, "we spoke"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.long_choices import NameModelChoiceField, SelectWidget, ShortModelChoiceField
from lmi_portal.core.models import System, Theme
from partners.models import Organisation

from .models import Affiliation, Interaction, Person


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False, max_length=200)
    theme = ShortModelChoiceField(
        widget=SelectWidget,
        label=_("Thema"),
        required=False,
        queryset=Theme.objects.filter(is_active=True),
        to_field_name="slug",
        empty_label=_("Alle thema's"),
    )
    system = ShortModelChoiceField(
        widget=SelectWidget,
        label=_("Systeem"),
        required=False,
        queryset=System.objects.filter(is_active=True),
        to_field_name="slug",
        empty_label=_("Alle systemen"),
    )
    organisation = NameModelChoiceField(
        label=_("Organisatie"),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("Alle organisaties"),
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations.order_by("name")
        for name in ("theme", "system", "organisation"):
            self.fields[name].widget.attrs["class"] = "form-select"


class _BootstrapMixin:
    """Bootstrap classes on every widget, so templates can render ``{{ form }}``."""

    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs.setdefault("class", css)


class PersonForm(_BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = ["first_name", "last_name", "expertise", "themes", "systems", "steward"]
        widgets = {
            "expertise": forms.Textarea(attrs={"rows": 4}),
            "themes": forms.CheckboxSelectMultiple,
            "systems": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, stewards: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        steward = self.fields["steward"]
        assert isinstance(steward, forms.ModelChoiceField)
        steward.queryset = stewards
        steward.empty_label = _("Geen beheerder")
        themes = self.fields["themes"]
        systems = self.fields["systems"]
        assert isinstance(themes, forms.ModelMultipleChoiceField)
        assert isinstance(systems, forms.ModelMultipleChoiceField)
        themes.queryset = Theme.objects.filter(is_active=True)
        systems.queryset = System.objects.filter(is_active=True)
        self._style()


class PersonCreateForm(_BootstrapMixin, forms.Form):
    first_name = forms.CharField(label=_("Voornaam"), max_length=100)
    last_name = forms.CharField(label=_("Achternaam"), max_length=100)
    organisation = forms.ModelChoiceField(
        label=_("Organisatie"), queryset=Organisation.objects.none()
    )
    title = forms.CharField(label=_("Functie"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mailadres"), required=False)
    phone = forms.CharField(label=_("Telefoon"), max_length=40, required=False)
    expected_rotation_date = forms.DateField(
        label=_("Verwachte functiewisseling"), required=False, widget=DateInput()
    )
    expertise = forms.CharField(
        label=_("Expertise"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Thema's"),
        required=False,
        queryset=Theme.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )
    systems = forms.ModelMultipleChoiceField(
        label=_("Systemen"),
        required=False,
        queryset=System.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        initial_organisation: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations.order_by("name")
        if initial_organisation is not None:
            field.initial = initial_organisation
        self._style()


class AffiliationForm(_BootstrapMixin, forms.ModelForm):
    """Changing an existing post: its title, dates and contact details."""

    class Meta:
        model = Affiliation
        fields = ["title", "expected_rotation_date", "end_date", "email", "phone"]
        widgets = {"expected_rotation_date": DateInput(), "end_date": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Unique ids per affiliation: several of these forms share one page.
        self.auto_id = f"id_aff{self.instance.pk}_%s"
        self._style()


class AffiliationAddForm(_BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Affiliation
        fields = ["organisation", "title", "start_date", "expected_rotation_date", "email", "phone"]
        widgets = {"start_date": DateInput(), "expected_rotation_date": DateInput()}

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "new")
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations.order_by("name")
        self._style()


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Soort contact"), choices=Interaction.Kind.choices, initial=Interaction.Kind.SPOKE
    )
    note = forms.CharField(label=_("Notitie (optioneel)"), max_length=300, required=False)
