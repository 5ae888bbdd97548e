"""The "Ik ken …" form: how we know each other, and how well."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Person, Tie

STRENGTH_CHOICES = [
    (1, _("1: we hebben elkaar gesproken")),
    (2, _("2: ik ken hem of haar goed")),
    (3, _("3: we werken nauw samen")),
]


class TieDeclareForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Hoe kent u elkaar?"),
        choices=Tie.Kind.choices,
        initial=Tie.Kind.WORKED_TOGETHER,
        widget=forms.RadioSelect,
    )
    introduced_by = forms.ModelChoiceField(
        label=_("Voorgesteld door"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_('Alleen nodig bij "voorgesteld door iemand".'),
    )
    strength = forms.TypedChoiceField(
        label=_("Hoe goed kent u elkaar?"),
        choices=STRENGTH_CHOICES,
        coerce=int,
        initial=2,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, introducers: QuerySet[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["introduced_by"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = introducers
        field.empty_label = _("— kies —")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == Tie.Kind.INTRODUCED and not data.get("introduced_by"):
            self.add_error("introduced_by", _("Kies wie u aan elkaar heeft voorgesteld."))
        return data
