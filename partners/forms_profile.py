"""The profile wizard's three steps: about, expertise, logo."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import System, Theme

from .models import Organisation


class ProfileAboutForm(forms.Form):
    description = forms.CharField(
        label=_("Omschrijving"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Wat doet uw organisatie voor het onderhoud van landsystemen? Maximaal 2000 tekens."
        ),
    )
    website = forms.URLField(
        label=_("Website"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("Bijvoorbeeld https://www.voorbeeld.nl"),
    )


class ProfileExpertiseForm(forms.Form):
    themes = forms.ModelMultipleChoiceField(
        label=_("Expertisethema's"),
        required=False,
        queryset=Theme.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    systems = forms.ModelMultipleChoiceField(
        label=_("Systemen waaraan u werkt"),
        required=False,
        queryset=System.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        # Active vocabulary, plus whatever the organisation already has (so saving keeps it).
        fields["themes"].queryset = Theme.objects.filter(
            Q(is_active=True) | Q(pk__in=organisation.themes.values("pk"))
        )
        fields["systems"].queryset = System.objects.filter(
            Q(is_active=True) | Q(pk__in=organisation.systems.values("pk"))
        )


class ProfileLogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Logo (optioneel)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp,image/gif"}),
        help_text=_(
            "PNG, JPEG, WebP of GIF, maximaal 2 MB en 4000 bij 4000 pixels. "
            "Wij verkleinen het tot 512 bij 512 pixels."
        ),
    )
