"""The organisation directory's filter form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import System, Theme

from .models import Organisation


class OrganisationFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False, max_length=200)
    kind = forms.ChoiceField(
        label=_("Soort"),
        required=False,
        choices=[("", _("Alle soorten")), *Organisation.Kind.choices],
    )
    theme = forms.ModelChoiceField(
        label=_("Thema"),
        required=False,
        queryset=Theme.objects.filter(is_active=True),
        to_field_name="slug",
        empty_label=_("Alle thema's"),
    )
    system = forms.ModelChoiceField(
        label=_("Systeem"),
        required=False,
        queryset=System.objects.filter(is_active=True),
        to_field_name="slug",
        empty_label=_("Alle systemen"),
    )

    def __init__(self, *args: Any, show_status: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only portal admins see organisations outside "active", so only they filter on status.
        if show_status:
            self.fields["status"] = forms.ChoiceField(
                label=_("Status"),
                required=False,
                choices=[("", _("Alle statussen")), *Organisation.Status.choices],
            )
