"""Forms of the handover page: find or invite a successor, choose contacts to introduce."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Person


class SuccessorSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Zoek een opvolger op naam"), max_length=100, required=False, strip=True
    )


class SuccessorChooseForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class SuccessorInviteForm(forms.Form):
    first_name = forms.CharField(label=_("Voornaam"), max_length=100)
    last_name = forms.CharField(label=_("Achternaam"), max_length=100)
    email = forms.EmailField(label=_("E-mailadres"), max_length=254)


class IntroductionsForm(forms.Form):
    contacts = forms.TypedMultipleChoiceField(
        label=_("Aan wie stelt u de opvolger voor?"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Kies ten minste één contact.")},
    )

    def __init__(self, *args: Any, contacts: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["contacts"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(p.pk, p.full_name) for p in contacts]
