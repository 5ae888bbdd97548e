"""The form for a new version of a document: the file and a short note on what changed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .services.documents import NOTE_MAX_LENGTH
from .uploads import ACCEPT_ATTRIBUTE, ValidatedUpload, allowed_types_text, max_megabytes
from .uploads import validate_upload as validate


class DocumentVersionForm(forms.Form):
    file = forms.FileField(
        label=_("Bestand"),
        error_messages={
            "required": _("Kies een bestand."),
            "empty": _("Het bestand is leeg."),
            "invalid": _("Dit is geen bestand; kies het opnieuw."),
        },
        widget=forms.FileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    note = forms.CharField(
        label=_("Wat is er veranderd? (optioneel)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.TextInput(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "version-%s")
        super().__init__(*args, **kwargs)
        self.validated: ValidatedUpload | None = None
        self.fields["file"].help_text = _(
            "%(types)s; hoogstens %(max)s MB. Oudere versies blijven downloadbaar."
        ) % {"types": allowed_types_text(), "max": max_megabytes()}

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        # The content decides, here already, so the reason shows next to the field.
        self.validated = validate(upload)
        return upload
