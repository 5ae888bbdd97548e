from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.access import user_organisation_ids
from partners.models import TLP, Membership, Organisation, SharingGroup, User

from .models import Initiative, Phase


class InitiativeFilterForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False, max_length=200)
    phase = forms.ChoiceField(
        label=_("Fase"), required=False, choices=[("", _("Alle fasen")), *Phase.choices]
    )


class InitiativeForm(forms.ModelForm):
    class Meta:
        model = Initiative
        fields = [
            "title",
            "summary",
            "phase",
            "owner_organisation",
            "tlp",
            "shared_with_organisations",
            "shared_with_groups",
            "shared_with_people",
            "lead",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 5}),
            "shared_with_organisations": forms.SelectMultiple(attrs={"size": 6}),
            "shared_with_groups": forms.SelectMultiple(attrs={"size": 4}),
            "shared_with_people": forms.SelectMultiple(attrs={"size": 6}),
        }
        help_texts = {
            "tlp": _("Wie mag dit zien? Bij twijfel: AMBER (alleen betrokken organisaties)."),
            "summary": _("Twee of drie zinnen: wat is het idee en wat levert het op?"),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        own = user_organisation_ids(user)
        active = Organisation.objects.filter(status=Organisation.Status.ACTIVE)
        fields["owner_organisation"].queryset = active.filter(pk__in=own)
        if len(own) == 1:
            self.fields["owner_organisation"].initial = next(iter(own))
        fields["shared_with_organisations"].queryset = active.exclude(pk__in=own)
        fields["shared_with_groups"].queryset = SharingGroup.objects.all()
        people = User.objects.filter(
            is_active=True, pk__in=Membership.objects.counting().values("user_id")
        ).order_by("last_name", "first_name")
        fields["shared_with_people"].queryset = people
        fields["lead"].queryset = people.filter(
            pk__in=Membership.objects.counting().filter(organisation_id__in=own).values("user_id")
        )
        self.fields["lead"].initial = user.pk
        self.fields["tlp"].initial = TLP.AMBER
        self.fields["title"].widget.attrs["autofocus"] = True
