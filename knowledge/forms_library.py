"""The library's filter form; every filter lives in the URL, so a view can be bookmarked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.long_choices import NameModelChoiceField, SelectWidget, ShortModelChoiceField
from lmi_portal.core.models import System, Theme
from partners.access import organisations_visible_to

from .models import KnowledgeItem
from .selectors.items import Show, Sort

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Parameters that are not filters: the page number never travels between views.
NON_FILTER_PARAMS = ("page",)


def _choice_errors(message: StrOrPromise) -> dict[str, StrOrPromise]:
    return {"invalid_choice": message, "invalid_pk_value": message}


class LibraryFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Zoeken"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Zoek op ten hoogste 200 tekens.")},
    )
    kind = forms.ChoiceField(
        widget=SelectWidget,
        label=_("Soort"),
        required=False,
        choices=[("", _("Alle soorten")), *KnowledgeItem.Kind.choices],
        error_messages=_choice_errors(_("Deze soort bestaat niet; kies een soort uit de lijst.")),
    )
    theme = ShortModelChoiceField(
        widget=SelectWidget,
        label=_("Thema"),
        required=False,
        queryset=Theme.objects.filter(is_active=True),
        empty_label=_("Alle thema's"),
        error_messages=_choice_errors(_("Dit thema bestaat niet; kies een thema uit de lijst.")),
    )
    system = ShortModelChoiceField(
        widget=SelectWidget,
        label=_("Systeem"),
        required=False,
        queryset=System.objects.filter(is_active=True),
        empty_label=_("Alle systemen"),
        error_messages=_choice_errors(
            _("Dit systeem bestaat niet; kies een systeem uit de lijst.")
        ),
    )
    organisation = NameModelChoiceField(
        label=_("Organisatie"),
        required=False,
        queryset=organisations_visible_to(user=None),
        empty_label=_("Alle organisaties"),
        error_messages=_choice_errors(
            _("Deze organisatie bestaat niet; kies er een uit de lijst.")
        ),
    )
    show = forms.ChoiceField(
        widget=SelectWidget,
        label=_("Status"),
        required=False,
        choices=Show.choices,
        error_messages=_choice_errors(_("Kies gepubliceerd, gearchiveerd of mijn concepten.")),
    )
    sort = forms.ChoiceField(
        widget=SelectWidget,
        label=_("Sorteren op"),
        required=False,
        choices=Sort.choices,
        error_messages=_choice_errors(_("Deze sortering bestaat niet; kies er een uit de lijst.")),
    )
    overdue = forms.BooleanField(label=_("Alleen te herzien"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation: Any = self.fields["organisation"]
        organisation.queryset = organisations_visible_to(user=user).order_by("name")

    def valid_filters(self) -> dict[str, Any]:
        """The filters that hold up, as keyword arguments of ``selectors.items.knowledge_list``;
        a bad value in the URL drops only that filter (the form shows why)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        data = self.cleaned_data
        filters: dict[str, Any] = {
            "query": data.get("q") or "",
            "kind": data.get("kind") or "",
            "show": data.get("show") or Show.PUBLISHED,
            "sort": data.get("sort") or Sort.UPDATED,
            "overdue": bool(data.get("overdue")),
        }
        for name in ("theme", "system", "organisation"):
            if data.get(name) is not None:
                filters[name] = data[name].pk
        return filters
