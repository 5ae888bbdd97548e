"""The filter form shared by the initiatives list, board, pipeline and exports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.long_choices import NameModelChoiceField, SelectWidget, ShortModelChoiceField
from lmi_portal.core.models import System, Theme
from partners.access import organisations_visible_to

from .models import Origin, Phase
from .selectors.browse import Sort

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Parameters that are not filters: the page and the export format never travel between views.
NON_FILTER_PARAMS = ("page", "format")


def _choice_errors(message: StrOrPromise) -> dict[str, StrOrPromise]:
    return {"invalid_choice": message, "invalid_pk_value": message}


class InitiativeFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Zoeken"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Zoek op ten hoogste 200 tekens.")},
    )
    phase = forms.ChoiceField(
        widget=SelectWidget,
        label=_("Fase"),
        required=False,
        choices=[("", _("Alle fasen")), *Phase.choices],
        error_messages=_choice_errors(_("Deze fase bestaat niet; kies een fase uit de lijst.")),
    )
    theme = ShortModelChoiceField(
        widget=SelectWidget,
        label=_("Thema"),
        required=False,
        queryset=Theme.objects.filter(is_active=True),
        empty_label=_("Alle thema's"),
        error_messages={
            "invalid_choice": _("Dit thema bestaat niet; kies een thema uit de lijst."),
        },
    )
    system = ShortModelChoiceField(
        widget=SelectWidget,
        label=_("Systeem"),
        required=False,
        queryset=System.objects.filter(is_active=True),
        empty_label=_("Alle systemen"),
        error_messages={
            "invalid_choice": _("Dit systeem bestaat niet; kies een systeem uit de lijst."),
        },
    )
    organisation = NameModelChoiceField(
        label=_("Organisatie (eigenaar of deelnemer)"),
        required=False,
        queryset=organisations_visible_to(user=None),
        empty_label=_("Alle organisaties"),
        error_messages={
            "invalid_choice": _("Deze organisatie bestaat niet; kies er een uit de lijst."),
        },
    )
    origin = forms.ChoiceField(
        widget=SelectWidget,
        label=_("Herkomst"),
        required=False,
        choices=[("", _("Push en pull")), *Origin.choices],
        error_messages=_choice_errors(_("Kies push, pull of beide.")),
    )
    sort = forms.ChoiceField(
        widget=SelectWidget,
        label=_("Sorteren op"),
        required=False,
        choices=Sort.choices,
        error_messages=_choice_errors(_("Deze sortering bestaat niet; kies er een uit de lijst.")),
    )
    new = forms.BooleanField(label=_("Nieuw sinds mijn vorige bezoek"), required=False)
    mine = forms.BooleanField(label=_("Mijn initiatieven"), required=False)
    followed = forms.BooleanField(label=_("Gevolgd"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation: Any = self.fields["organisation"]
        organisation.queryset = organisations_visible_to(user=user).order_by("name")

    def valid_filters(self) -> dict[str, Any]:
        """The filters that hold up, as keyword arguments of ``selectors.initiative_list``;
        a bad value in the URL drops only that filter (the form shows why)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        filters: dict[str, Any] = {
            "query": data.get("q") or "",
            "phase": data.get("phase") or "",
            "origin": data.get("origin") or "",
            "sort": data.get("sort") or Sort.ACTIVITY,
            "mine": bool(data.get("mine")),
            "followed": bool(data.get("followed")),
            # Not a selector argument: the view turns it into ``new_since``.
            "new": bool(data.get("new")),
        }
        for name in ("theme", "system", "organisation"):
            if data.get(name) is not None:
                filters[name] = data[name].pk
        return filters
