"""Demo meeting history for the werkgroep: three published weekly meetings and the next one in
preparation. Everything is made through the werkgroep's own services (plan, agenda, minutes,
publish, next meeting with carry-over), so the demo shows what the portal really does.

People and minutes are fictional. Idempotent: once the LMI cell owns any meeting, the seeder
leaves the werkgroep alone (also meetings made by hand in the demo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from partners.access import can_view
from partners.models import TLP, Organisation, User

from .models import ActionItem, AgendaItem, Initiative, Meeting
from .services.actions import action_mark_done
from .services.agenda import agenda_item_add, agenda_item_set_status, agenda_item_update
from .services.meetings import meeting_create, meeting_next
from .services.minutes import decision_add, meeting_action_add, meeting_publish, minutes_save

PM_EMAIL = "pm@lmi.example"
LMI_CELL = "LMI-cel"
LOCATION = "Kromhoutkazerne, Utrecht, zaal De Brug"
# RMMV NL is not in this werkgroep: its people do not see these meetings.
ATTENDING = ("lmi.example", "ddvs.example", "bp3d.example", "13lbrig.example", "dgs.example")
ATTENDEES = (
    PM_EMAIL,
    "sanne.bakker@ddvs.example",
    "tom.hendriks@bp3d.example",
    "ruben.meijer@13lbrig.example",
    "eva.dijkstra@dgs.example",
)
PROPOSER = "sanne.bakker@ddvs.example"


@dataclass
class Action:
    title: str
    owner: str
    due_days: int  # from the meeting's date
    done: bool = False


@dataclass
class Item:
    title: str
    minutes: str
    initiative: str = ""
    timebox: int = 15
    decisions: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    chatham_house: bool = False
    # Not finished in the meeting: moves on to the next one.
    unfinished: bool = False


# Three meetings, oldest first. The carried-over items and the "open actions" item that the
# next meeting gets are closed in the meeting after (see ``_hold``).
MEETINGS: list[list[Item]] = [
    [
        Item(
            "Opleiding monteurs: eerste lesweek",
            "De eerste lesweek is goed ontvangen. Beide kanten willen een tweede groep.",
            initiative="Gezamenlijke opleiding monteurs wielvoertuigen",
            decisions=["Tweede lesweek in het voorjaar, op de locatie van 13 Lbrig."],
            actions=[
                Action(
                    "Lesrooster tweede groep opstellen", "ruben.meijer@13lbrig.example", 10, True
                ),
                Action("Evaluatie eerste lesweek delen als kennisitem", PM_EMAIL, 14, True),
            ],
        ),
        Item(
            "3D-printen in het veld: eisen aan materiaal",
            "DGS legt de materiaaleisen naast de eerste proefstukken. Nog geen besluit nodig.",
            initiative="3D-geprinte reservedelen in het veld",
            actions=[Action("Materiaaleisen op één A4", "eva.dijkstra@dgs.example", 12, True)],
        ),
        Item(
            "Ketendata: welke gegevens mogen gedeeld worden",
            "Niet aan toegekomen; schuift door naar volgende week.",
            initiative="Ketendata reservedelen: voorraad en levertijden delen",
            unfinished=True,
        ),
    ],
    [
        Item(
            "Monteurspool wielvoertuigen: spelregels",
            "Concept-spelregels besproken. Inzet loopt via de eigen werkgever; geen tarieven in "
            "de werkgroep.",
            initiative="Gedeelde monteurspool wielvoertuigen",
            decisions=["Spelregels vastgesteld als werkafspraak voor een half jaar."],
            actions=[
                Action(
                    "Spelregels rondsturen aan de deelnemers", "tom.hendriks@bp3d.example", 5, True
                ),
                Action("Aanspreekpunt per organisatie doorgeven", "sanne.bakker@ddvs.example", 3),
            ],
        ),
        Item(
            "Terugblik leveringsproblemen (Chatham House)",
            "Eén partner noemde de levertijd van aandrijfassen het grootste risico voor de "
            "gereedheid. Een ander gaf aan dat vroeg melden helpt, ook als de oplossing er nog "
            "niet is. Afspraak: knelpunten eerder in de werkgroep brengen.",
            chatham_house=True,
            decisions=["Knelpunten in de levering komen voortaan als vast punt op de agenda."],
        ),
    ],
    [
        Item(
            "Mobiele veldwerkplaats: proef tijdens oefening",
            "De proef tijdens de oefening is toegezegd. Transport nog regelen.",
            initiative="Mobiele veldwerkplaats Bushmaster",
            decisions=["Proef gaat door in de oefenperiode."],
            actions=[
                Action("Transport veldwerkplaats regelen", "ruben.meijer@13lbrig.example", 7),
                Action("Verzekering tijdens de proef nagaan", "sanne.bakker@ddvs.example", 14),
            ],
        ),
        Item(
            "Personeelsuitwisseling: tweede ronde",
            "Belangstelling bij drie bedrijven. Uitwerking volgt.",
            initiative="Personeelsuitwisseling Defensie en industrie",
            unfinished=True,
        ),
    ],
]
PROPOSAL = (
    "Onderhoudsdata Boxer: afspraken over eigendom",
    "Voorstel van DDVS: vóór de volgende fase afspreken wie eigenaar is van de sensordata.",
)


def _last_tuesday_morning(now: datetime) -> datetime:
    """The most recent Tuesday 10:00 (local time) before today: the last meeting."""
    today = timezone.localtime(now).date()
    days_back = (today.weekday() - 1) % 7 or 7
    day = today - timedelta(days=days_back)
    return timezone.make_aware(datetime.combine(day, time(10, 0)))


def _initiative(title: str, viewer: User) -> Initiative | None:
    initiative = Initiative.objects.filter(title=title).first()
    return initiative if initiative is not None and can_view(viewer, initiative) else None


def _hold(meeting: Meeting, items: list[Item], pm: User, users: dict[str, User]) -> None:
    """Run one meeting: close what was carried over, put the items on, write the minutes,
    record decisions and actions, then publish."""
    for carried in AgendaItem.objects.filter(meeting=meeting).order_by("position", "id"):
        minutes_save(
            actor=pm,
            item=carried,
            text="Doorgenomen; wat nog openstaat staat op het actieoverzicht.",
            version=carried.version,
        )
        agenda_item_set_status(actor=pm, item=carried, status=AgendaItem.Status.DONE)
    for spec in items:
        initiative = _initiative(spec.initiative, pm) if spec.initiative else None
        item = agenda_item_add(
            actor=pm,
            meeting=meeting,
            title=spec.title,
            initiative=initiative,
            timebox_minutes=spec.timebox,
        )
        if spec.chatham_house:
            item = agenda_item_update(
                actor=pm,
                item=item,
                title=item.title,
                initiative=initiative,
                timebox_minutes=spec.timebox,
                chatham_house=True,
            )
        item = minutes_save(actor=pm, item=item, text=spec.minutes, version=item.version)
        for text in spec.decisions:
            decision_add(actor=pm, item=item, text=text)
        for action in spec.actions:
            meeting_action_add(
                actor=pm,
                item=item,
                title=action.title,
                owner=users.get(action.owner),
                due_date=timezone.localtime(meeting.starts_at).date()
                + timedelta(days=action.due_days),
            )
        if not spec.unfinished:
            agenda_item_set_status(actor=pm, item=item, status=AgendaItem.Status.DONE)
    meeting_publish(actor=pm, meeting=meeting, tlp=TLP.AMBER)
    # Published the day after the meeting, as the cell usually does.
    Meeting.objects.filter(pk=meeting.pk).update(published_at=meeting.starts_at + timedelta(days=1))
    done = {a.title for spec in items for a in spec.actions if a.done}
    for agreed in ActionItem.objects.filter(meeting=meeting, title__in=done):
        action_mark_done(actor=pm, action=agreed)


def seed_demo_werkgroep(data: dict[str, Any]) -> None:
    pm = User.objects.filter(email=PM_EMAIL, is_active=True).first()
    cell = Organisation.objects.filter(short_name=LMI_CELL).first()
    if pm is None or cell is None or Meeting.objects.filter(owner_organisation=cell).exists():
        return
    users = {u.email: u for u in User.objects.filter(email__in=ATTENDEES, is_active=True)}
    organisations = list(
        Organisation.objects.filter(domains__domain__in=ATTENDING).exclude(pk=cell.pk).distinct()
    )
    last = _last_tuesday_morning(timezone.now())
    meeting = meeting_create(
        actor=pm,
        starts_at=last - timedelta(days=7 * (len(MEETINGS) - 1)),
        location=LOCATION,
        attending_organisations=organisations,
        attendees=list(users.values()),
        owner_organisation=cell,
    )
    for index, items in enumerate(MEETINGS):
        if index:
            meeting = meeting_next(actor=pm, meeting=meeting)
        _hold(meeting, items, pm, users)
    upcoming = meeting_next(actor=pm, meeting=meeting)
    proposer = users.get(PROPOSER)
    if proposer is not None:
        agenda_item_add(
            actor=proposer,
            meeting=upcoming,
            title=PROPOSAL[0],
            description=PROPOSAL[1],
            propose=True,
        )
    data["werkgroep_meetings"] = list(
        Meeting.objects.filter(owner_organisation=cell).order_by("starts_at")
    )


SCALE_WERKGROEP_TITLE = "Schaalwerkgroep"
SCALE_WERKGROEP_WEEKS = 104


def seed_scale_werkgroep(data: dict[str, Any]) -> None:
    """Two years of weekly scale meetings of the first scale organisation (the benchmark
    account's) with four others attending, all published but the next one, which is in
    preparation with agenda items on scale initiatives. The weekly view then measures its
    real path: "since the previous meeting", with items already on the agenda. Idempotent."""
    if Meeting.objects.filter(title=SCALE_WERKGROEP_TITLE).exists():
        return
    org_ids: list[int] = data["scale_organisation_ids"]
    owner_id, attending = org_ids[0], org_ids[:5]
    now = timezone.now()
    first = _last_tuesday_morning(now) - timedelta(weeks=SCALE_WERKGROEP_WEEKS - 1)
    previous: Meeting | None = None
    meetings = []
    for week in range(SCALE_WERKGROEP_WEEKS + 1):
        starts_at = first + timedelta(weeks=week)
        published = week < SCALE_WERKGROEP_WEEKS
        # One row at a time: each links to the one before it (the series' chain).
        previous = Meeting.objects.create(
            title=SCALE_WERKGROEP_TITLE,
            owner_organisation_id=owner_id,
            tlp=TLP.AMBER,
            starts_at=starts_at,
            previous=previous,
            status=Meeting.Status.PUBLISHED if published else Meeting.Status.PREPARATION,
            published_at=starts_at + timedelta(hours=3) if published else None,
        )
        meetings.append(previous)
    through = Meeting.attending_organisations.through
    through.objects.bulk_create(
        [through(meeting_id=m.pk, organisation_id=o) for m in meetings for o in attending]
    )
    upcoming = meetings[-1]
    initiatives = Initiative.objects.filter(
        owner_organisation_id__in=attending, tlp__in=(TLP.GREEN, TLP.AMBER)
    ).order_by("-pk")[:8]
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                meeting=upcoming,
                position=position,
                title=initiative.title,
                initiative=initiative,
                source_key=f"initiative:{initiative.pk}",
                timebox_minutes=10,
            )
            for position, initiative in enumerate(initiatives, start=1)
        ]
    )
