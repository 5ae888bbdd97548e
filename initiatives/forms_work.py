"""Forms for the work on an initiative: participants, obstacles, actions and comments.

The choice lists (organisations, possible owners) are loaded once per page by the selector
and handed in as lists, so drawing one form per row runs no extra query.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import Model
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.long_choices import SelectWidget

from .models import ActionItem, Obstacle, Participation

StrOrPromise = str | Promise

COMMENT_MAX_LENGTH = 10000


class ObjectChoiceField(forms.ChoiceField):
    """A choice among objects already in memory; cleans to the object (or None).

    Unlike ModelChoiceField it never queries while rendering, which matters when a page
    draws one form per obstacle or action; and its options are written without the template
    engine, which matters when a programme manager may invite any of a thousand organisations.
    """

    widget = SelectWidget

    def __init__(
        self,
        *,
        options: Sequence[tuple[Model, str]] = (),
        empty_label: StrOrPromise | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.empty_label = empty_label
        self.set_options(options)

    def set_options(self, options: Sequence[tuple[Model, str]]) -> None:
        self.objects = {str(obj.pk): obj for obj, _label in options}
        choices: list[tuple[str, StrOrPromise]] = [(str(obj.pk), label) for obj, label in options]
        if self.empty_label is not None:
            choices.insert(0, ("", self.empty_label))
        self.choices = choices

    def prepare_value(self, value: Any) -> Any:
        return str(value.pk) if isinstance(value, Model) else value

    def clean(self, value: Any) -> Model | None:
        key = super().clean(value)
        return self.objects.get(key) if key else None


class _AutoIdForm(forms.Form):
    """Several forms share the initiative's page: each gets its own id prefix."""

    def __init__(self, *args: Any, id_prefix: str, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{id_prefix}-%s")
        super().__init__(*args, **kwargs)


class InviteForm(_AutoIdForm):
    organisation = ObjectChoiceField(
        label=_("Organisatie"),
        empty_label=_("— kies een organisatie —"),
        error_messages={
            "required": _("Kies de organisatie die u wilt uitnodigen."),
            "invalid_choice": _("Deze organisatie kunt u niet uitnodigen."),
        },
    )
    message = forms.CharField(
        label=_("Toelichting (optioneel)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("De beheerders van die organisatie zien de titel, de samenvatting en dit."),
    )

    def __init__(
        self, *args: Any, organisations: Sequence[Model], id_prefix: str = "invite", **kwargs: Any
    ) -> None:
        super().__init__(*args, id_prefix=id_prefix, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, ObjectChoiceField)
        field.set_options([(org, str(org)) for org in organisations])


class ParticipationForm(forms.ModelForm):
    class Meta:
        model = Participation
        fields = ["role", "brings", "gets"]
        labels = {
            "role": _("Rol"),
            "brings": _("Wat brengt deze organisatie in?"),
            "gets": _("Wat haalt deze organisatie eruit?"),
        }
        widgets = {
            "brings": forms.Textarea(attrs={"rows": 2}),
            "gets": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        kwargs.setdefault("auto_id", f"participation-{getattr(instance, 'pk', 'new')}-%s")
        super().__init__(*args, **kwargs)


def _owner_field() -> ObjectChoiceField:
    return ObjectChoiceField(
        label=_("Eigenaar"),
        required=False,
        empty_label=_("— nog niemand —"),
        error_messages={"invalid_choice": _("Kies een eigenaar uit de lijst.")},
    )


class _OwnerForm(_AutoIdForm):
    def __init__(
        self,
        *args: Any,
        owners: Sequence[tuple[Model, str]],
        id_prefix: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, id_prefix=id_prefix, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, ObjectChoiceField)
        field.set_options(owners)


_TITLE_REQUIRED = _("Geef een korte titel.")
_CATEGORY_INVALID = _("Kies een categorie uit de lijst.")
_STATUS_INVALID = _("Kies een status uit de lijst.")


class ObstacleForm(_OwnerForm):
    title = forms.CharField(
        label=_("Belemmering"),
        max_length=200,
        error_messages={"required": _TITLE_REQUIRED},
    )
    category = forms.ChoiceField(
        label=_("Categorie"),
        choices=[("", _("— kies een categorie —")), *Obstacle.Category.choices],
        error_messages={
            "required": _("Kies een categorie."),
            "invalid_choice": _CATEGORY_INVALID,
        },
    )
    description = forms.CharField(
        label=_("Toelichting (optioneel)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    owner = _owner_field()


class ObstacleUpdateForm(_OwnerForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=Obstacle.Status.choices,
        error_messages={"invalid_choice": _STATUS_INVALID},
    )
    category = forms.ChoiceField(
        label=_("Categorie"),
        choices=Obstacle.Category.choices,
        error_messages={"invalid_choice": _CATEGORY_INVALID},
    )
    owner = _owner_field()


class ActionForm(_OwnerForm):
    title = forms.CharField(
        label=_("Actie"),
        max_length=300,
        error_messages={"required": _TITLE_REQUIRED},
    )
    owner = _owner_field()
    due_date = forms.DateField(
        label=_("Uiterlijk (optioneel)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Vul een geldige datum in, bijvoorbeeld 2026-03-31.")},
    )


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=ActionItem.Status.choices,
        error_messages={
            "required": _STATUS_INVALID,
            "invalid_choice": _STATUS_INVALID,
        },
    )


class CommentForm(_AutoIdForm):
    body = forms.CharField(
        label=_("Uw reactie"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Markdown; noem iemand met @naam"),
        error_messages={
            "required": _("Schrijf eerst een reactie."),
            "max_length": _(
                "Een reactie is hoogstens %(limit_value)d tekens lang; deze is %(show_value)d "
                "tekens."
            ),
        },
    )

    def __init__(self, *args: Any, id_prefix: str = "comment", **kwargs: Any) -> None:
        super().__init__(*args, id_prefix=id_prefix, **kwargs)
