"""Forms of the invitation, common-understanding and join-request pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Invitation, Organisation, User


class NewAccountForm(forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("Voornaam"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=gettext_lazy("Achternaam"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    password1 = forms.CharField(
        label=gettext_lazy("Wachtwoord"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("Minstens 12 tekens; geen veelgebruikt wachtwoord."),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Wachtwoord (nogmaals)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, invitation: Invitation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        if not self.is_bound and invitation.full_name:
            first, _sep, last = invitation.full_name.partition(" ")
            self.initial.setdefault("first_name", first)
            self.initial.setdefault("last_name", last)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("De twee wachtwoorden zijn niet gelijk."))
        elif password1:
            candidate = User(
                email=self.invitation.email,
                first_name=data.get("first_name", ""),
                last_name=data.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class PublishForm(forms.Form):
    text_nl = forms.CharField(
        label=gettext_lazy("Tekst (Nederlands)"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=20000,
    )
    text_en = forms.CharField(
        label=gettext_lazy("Tekst (Engels)"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=20000,
        required=False,
        help_text=gettext_lazy("Leeg laten toont Engelstalige gebruikers de Nederlandse tekst."),
    )


class JoinForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none())
    motivation = forms.CharField(
        label=gettext_lazy("Toelichting (optioneel)"), max_length=1000, required=False
    )

    def __init__(self, *args: Any, candidates: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = candidates  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Goedkeuren")), ("decline", gettext_lazy("Afwijzen"))]
    )
    comment = forms.CharField(max_length=1000, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("decision") == "decline" and not data.get("comment", "").strip():
            self.add_error("comment", _("Schrijf kort waarom u het verzoek afwijst."))
        return data
