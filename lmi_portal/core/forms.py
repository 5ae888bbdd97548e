"""Forms of the shared kernel: the digest and email preferences."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import DigestPreference

HOURS = [(hour, f"{hour:02d}:00") for hour in range(24)]


class DigestPreferenceForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("Overzicht per e-mail"),
        choices=DigestPreference.Frequency.choices,
        widget=forms.RadioSelect,
        help_text=_("Eén e-mail met wat u nodig heeft; een leeg overzicht wordt niet verstuurd."),
    )
    weekday = forms.TypedChoiceField(
        label=_("Dag (bij wekelijks)"), choices=DigestPreference.Weekday.choices, coerce=int
    )
    hour = forms.TypedChoiceField(label=_("Tijd"), choices=HOURS, coerce=int)
    language = forms.ChoiceField(label=_("Taal"), choices=settings.LANGUAGES)
    instant_events = forms.MultipleChoiceField(
        label=_("Ook direct een e-mail als"),
        choices=DigestPreference.InstantEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("In het portaal ziet u deze meldingen altijd onder 'Meldingen'."),
    )

    @classmethod
    def for_preference(cls, preference: DigestPreference, **kwargs: Any) -> DigestPreferenceForm:
        initial = {
            "frequency": preference.frequency,
            "weekday": preference.weekday,
            "hour": preference.hour,
            "language": preference.user.language,
            "instant_events": preference.instant_events,
        }
        return cls(initial=initial, **kwargs)
