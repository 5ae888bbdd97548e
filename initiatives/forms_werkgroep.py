"""Forms for werkgroep meetings and their agenda. They only collect input; the services in
``services/meetings.py`` and ``services/agenda.py`` decide what is allowed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import TLP, Organisation, User
from partners.selectors import active_member_users

from .forms_work import ObjectChoiceField
from .models import AgendaItem, Initiative, Meeting


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.email
        return f"{name} ({obj.email})" if name != obj.email else name


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Titel"), max_length=200, initial="LMI-werkgroep")
    date = forms.DateField(label=_("Datum"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Begintijd"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("Duur (minuten)"), min_value=5, max_value=600, initial=90
    )
    location = forms.CharField(label=_("Locatie"), max_length=200, required=False)
    attending_organisations = forms.ModelMultipleChoiceField(
        label=_("Deelnemende organisaties"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leden van deze organisaties zien de agenda en het verslag (TLP:AMBER)."),
    )
    attendees = PersonChoiceField(
        label=_("Deelnemers"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=_("Actieve leden van de deelnemende organisaties. Zij krijgen het verslag."),
    )
    chatham_house = forms.BooleanField(
        label=_("Chatham House Rule voor de hele bijeenkomst (uitspraken zonder naam)"),
        required=False,
    )
    tlp = forms.ChoiceField(label=_("Rubricering (TLP)"), choices=TLP.choices, initial=TLP.AMBER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(status=Organisation.Status.ACTIVE).order_by(
            "name"
        )
        field = self.fields["attending_organisations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = organisations
        people = self.fields["attendees"]
        assert isinstance(people, forms.ModelMultipleChoiceField)
        people.queryset = active_member_users().order_by("first_name", "last_name", "email")

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        local = timezone.localtime(meeting.starts_at)
        return {
            "title": meeting.title,
            "date": local.date(),
            "time": local.time().replace(second=0, microsecond=0),
            "duration_minutes": meeting.duration_minutes,
            "location": meeting.location,
            "attending_organisations": list(meeting.attending_organisations.all()),
            "attendees": list(meeting.attendees.all()),
            "chatham_house": meeting.chatham_house,
            "tlp": meeting.tlp,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date") and data.get("time"):
            data["starts_at"] = timezone.make_aware(datetime.combine(data["date"], data["time"]))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "starts_at": data["starts_at"],
            "duration_minutes": data["duration_minutes"],
            "location": data["location"],
            "title": data["title"],
            "attending_organisations": list(data["attending_organisations"]),
            "attendees": list(data["attendees"]),
            "chatham_house": data["chatham_house"],
            "tlp": data["tlp"],
        }


class AgendaItemForm(forms.Form):
    """Add, propose or edit an agenda item. Programme managers also set the time box (and,
    when editing, Chatham House for the item)."""

    title = forms.CharField(
        label=_("Onderwerp"),
        max_length=300,
        required=False,
        help_text=_("Leeg laten neemt de titel van het gekozen initiatief over."),
    )
    initiative = ObjectChoiceField(
        label=_("Initiatief (optioneel)"), required=False, empty_label=_("— geen —")
    )
    description = forms.CharField(
        label=_("Toelichting"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    timebox_minutes = forms.IntegerField(
        label=_("Tijd (minuten)"), min_value=1, max_value=600, required=False
    )
    chatham_house = forms.BooleanField(label=_("Chatham House Rule voor dit punt"), required=False)

    def __init__(
        self,
        *args: Any,
        initiatives: Sequence[Initiative] = (),
        current_label: str = "",
        manage: bool = False,
        edit: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "agenda-%s" if not edit else "agenda-edit-%s")
        super().__init__(*args, **kwargs)
        field = self.fields["initiative"]
        assert isinstance(field, ObjectChoiceField)
        options = [(i, i.title) for i in initiatives]
        current = self.initial.get("initiative")
        if isinstance(current, Initiative) and all(i.pk != current.pk for i in initiatives):
            # Linked by someone else: keep it selectable under the item's own (visible) title.
            options.insert(0, (current, current_label or current.title))
        field.set_options(options)
        if not manage:
            del self.fields["timebox_minutes"]
        if not (manage and edit):
            del self.fields["chatham_house"]

    @classmethod
    def initial_for(cls, item: AgendaItem) -> dict[str, Any]:
        return {
            "title": item.title,
            "initiative": item.initiative,
            "description": item.description,
            "timebox_minutes": item.timebox_minutes,
            "chatham_house": item.chatham_house,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("title") or "").strip() and not data.get("initiative"):
            self.add_error("title", _("Geef een onderwerp of kies een initiatief."))
        return data
