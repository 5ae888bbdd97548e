"""Forms of the members pages: they check input shape; the services decide the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Membership
from .services.members import MAX_IMPORT_BYTES


class MemberInviteForm(forms.Form):
    full_name = forms.CharField(
        label=_("Naam"),
        max_length=Invitation._meta.get_field("full_name").max_length,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    email = forms.EmailField(
        label=_("E-mailadres"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    job_title = forms.CharField(
        label=_("Functie"),
        required=False,
        max_length=Invitation._meta.get_field("job_title").max_length,
    )
    role = forms.ChoiceField(
        label=_("Rol"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER
    )


class MembershipRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rol"), choices=Membership.Role.choices)


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV-bestand"),
        help_text=_(
            "Een kopregel met de kolommen naam, e-mail en functie; gescheiden door ; of ,. "
            'Opgeslagen als UTF-8 (in Excel: "CSV UTF-8"). Maximaal 1 MB en 5.000 rijen.'
        ),
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> str:
        """The upload as text: not larger than 1 MB, and UTF-8 (with or without BOM)."""
        upload: UploadedFile = self.cleaned_data["file"]
        if (upload.size or 0) > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("Het bestand is groter dan 1 MB. Splits het in kleinere bestanden.")
            )
        data = upload.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("Het bestand is groter dan 1 MB. Splits het in kleinere bestanden.")
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                _(
                    'Het bestand is geen UTF-8-tekst. Sla het in Excel op als "CSV UTF-8" '
                    "en upload het opnieuw."
                )
            ) from None
        if "\x00" in text:
            raise forms.ValidationError(_("Dit is geen CSV-bestand."))
        self.filename = upload.name or ""
        return text

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filename = ""
