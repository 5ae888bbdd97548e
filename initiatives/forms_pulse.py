"""Forms of the Samenwerkingsmonitor: opening a round, and answering one."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from partners.models import Organisation

from .models import PulseForm, PulseResponse
from .pulse_items import (
    NOT_APPLICABLE,
    OPEN_QUESTION,
    SCALE,
    SCALE_LABELS,
    TO_CHANGE_QUESTION,
    WORKED_QUESTION,
    Statement,
    statements_for,
)
from .services.pulse import OPEN_TEXT_MAX

NOT_APPLICABLE_VALUE = "nvt"
DEFAULT_OPEN_DAYS = 14


class PulseRoundOpenForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200)
    # Not named "form": an input of that name shadows the form's own .form in the DOM.
    questionnaire = forms.ChoiceField(
        label=_("Vragenlijst"),
        choices=PulseForm.choices,
        initial=PulseForm.FULL,
        widget=forms.RadioSelect,
    )
    closes_on = forms.DateField(
        label=_("Open tot en met"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("De ronde sluit aan het eind van deze dag."),
    )
    initiative = forms.IntegerField(
        label=_("Over één initiatief"),
        required=False,
        help_text=_("Leeg laten voor een ronde over de samenwerking in het netwerk."),
    )
    organisations = forms.ModelMultipleChoiceField(
        label=_("Alleen deze organisaties"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_(
            "Leeg laten: iedereen in het netwerk. Bij een initiatief worden de betrokken "
            "organisaties uitgenodigd."
        ),
    )

    def __init__(
        self, *args: Any, initiative_choices: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["organisations"].queryset = Organisation.objects.filter(
            status=Organisation.Status.ACTIVE
        ).order_by("name")
        self.fields["initiative"].widget = forms.Select(
            choices=[("", _("— het hele netwerk —")), *initiative_choices]
        )
        today = timezone.localdate()
        self.fields["closes_on"].initial = today + timedelta(days=DEFAULT_OPEN_DAYS)
        self.fields["title"].initial = _("Samenwerkingsmonitor %(month)s") % {
            "month": formats.date_format(today, "F Y")
        }

    def clean_closes_on(self) -> date:
        value: date = self.cleaned_data["closes_on"]
        if value < timezone.localdate():
            raise forms.ValidationError(_("Kies vandaag of een latere dag."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("initiative") and cleaned.get("organisations"):
            raise forms.ValidationError(_("Kies óf organisaties óf een initiatief, niet allebei."))
        return cleaned

    def closes_at(self) -> datetime:
        """The end of the chosen day, local time."""
        day: date = self.cleaned_data["closes_on"]
        return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


class PulseAnswerForm(forms.Form):
    """Two attributes, one optional 1-5/n.v.t. choice per statement, and the open question(s).

    Field names of the statements are their ids (U1 … X1); any other posted name is refused,
    so a tampered form is an error rather than silently half-saved."""

    org_kind = forms.ChoiceField(
        label=_("Voor welk soort organisatie werkt u?"),
        choices=PulseResponse.OrgKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies voor welk soort organisatie u werkt."),
            "invalid_choice": _("Kies Defensie, Industrie of Anders."),
        },
    )
    level = forms.ChoiceField(
        label=_("Op welk niveau werkt u?"),
        choices=PulseResponse.Level.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Kies op welk niveau u werkt."),
            "invalid_choice": _("Kies Management of Uitvoerend niveau."),
        },
    )

    ALLOWED_EXTRA = frozenset({"csrfmiddlewaretoken"})

    def __init__(self, *args: Any, round_form: str, suggested_org_kind: str = "", **kw: Any):
        super().__init__(*args, **kw)
        self.round_form = round_form
        self.statements: tuple[Statement, ...] = statements_for(round_form)
        # The buttons show the number; a screen reader also hears what it means.
        choices: list[tuple[str, str]] = [
            (str(v), format_html('{}<span class="visually-hidden"> {}</span>', v, SCALE_LABELS[v]))
            for v in SCALE
        ]
        choices.append((NOT_APPLICABLE_VALUE, str(NOT_APPLICABLE)))
        for statement in self.statements:
            self.fields[statement.id] = forms.ChoiceField(
                label=statement.text,
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
                error_messages={
                    "invalid_choice": _("Kies bij deze stelling 1 tot en met 5, of n.v.t.")
                },
            )
        if round_form == PulseForm.SHORT:
            self.fields["worked"] = forms.CharField(
                label=WORKED_QUESTION,
                required=False,
                max_length=OPEN_TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields["to_change"] = forms.CharField(
                label=TO_CHANGE_QUESTION,
                required=False,
                max_length=OPEN_TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        else:
            self.fields["open_answer"] = forms.CharField(
                label=OPEN_QUESTION,
                required=False,
                max_length=OPEN_TEXT_MAX,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        if suggested_org_kind and not self.is_bound:
            self.initial["org_kind"] = suggested_org_kind

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        unknown = sorted(set(self.data) - set(self.fields) - self.ALLOWED_EXTRA)
        if unknown:
            raise forms.ValidationError(
                _("Het formulier bevat onbekende antwoorden (%(names)s); er is niets opgeslagen.")
                % {"names": ", ".join(unknown)[:200]}
            )
        return cleaned

    def statement_fields(self) -> list[forms.BoundField]:
        return [self[s.id] for s in self.statements]

    def answers(self) -> dict[str, int | None]:
        """Given answers: 1-5, or None for n.v.t.; statements left open are left out."""
        result: dict[str, int | None] = {}
        for statement in self.statements:
            value = self.cleaned_data.get(statement.id) or ""
            if value == NOT_APPLICABLE_VALUE:
                result[statement.id] = None
            elif value:
                result[statement.id] = int(value)
        return result
