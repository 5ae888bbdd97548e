"""Forms for the live minutes of a werkgroep meeting: the text per agenda item, decisions,
actions and the publish button. The owner list is loaded once per page and handed in, so
drawing one action form per agenda item runs no extra query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from partners.models import TLP

from .forms_work import ObjectChoiceField, _AutoIdForm
from .models import Meeting
from .services.minutes import MINUTES_MAX_LENGTH, PUBLISH_TLPS, publish_default_tlp


class MinutesForm(forms.Form):
    text = forms.CharField(required=False, strip=False, max_length=MINUTES_MAX_LENGTH)
    # The version the writer's text started from; a stale one means someone else saved.
    version = forms.IntegerField(min_value=0)
    # "Mijn tekst bewaren" after a conflict: the writer saw the stored version and replaces it.
    overwrite = forms.IntegerField(min_value=0, required=False)
    reload = forms.BooleanField(required=False)

    def base_version(self) -> int:
        data = self.cleaned_data
        return data["overwrite"] if data.get("overwrite") is not None else data["version"]


class DecisionForm(_AutoIdForm):
    text = forms.CharField(
        label=_("Besluit"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Schrijf het besluit op.")},
    )


class MeetingActionForm(_AutoIdForm):
    title = forms.CharField(
        label=_("Actie"),
        max_length=300,
        error_messages={"required": _("Geef een korte omschrijving van de actie.")},
    )
    owner = ObjectChoiceField(
        label=_("Eigenaar"),
        required=False,
        empty_label=_("— nog niemand —"),
        error_messages={"invalid_choice": _("Kies een eigenaar uit de lijst.")},
    )
    due_date = forms.DateField(
        label=_("Uiterlijk (optioneel)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Vul een geldige datum in, bijvoorbeeld 2026-03-31.")},
    )

    def __init__(
        self, *args: Any, owners: Sequence[tuple[Model, str]], id_prefix: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, id_prefix=id_prefix, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, ObjectChoiceField)
        field.set_options(owners)


class PublishForm(_AutoIdForm):
    tlp = forms.ChoiceField(
        label=_("Rubricering van het verslag"),
        choices=[(value, label) for value, label in TLP.choices if value in PUBLISH_TLPS],
        help_text=_(
            "AMBER: de deelnemende organisaties zien het verslag. Iedere deelnemer krijgt het per "
            "e-mail, als hij of zij het mag zien."
        ),
        error_messages={"invalid_choice": _("Kies een rubricering uit de lijst.")},
    )

    def __init__(
        self, *args: Any, meeting: Meeting, id_prefix: str = "publish", **kwargs: Any
    ) -> None:
        super().__init__(*args, id_prefix=id_prefix, **kwargs)
        # Never wider than the meeting itself by default: a RED meeting starts on RED.
        self.fields["tlp"].initial = publish_default_tlp(meeting)
