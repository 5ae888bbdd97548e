"""Browsing initiatives: the filtered list, the board, the pipeline chart and exports.

``initiative_list`` is the one place that filters; the board, the pipeline and the exports take
its queryset, so every view of the initiatives shows the same selection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Lower, RowNumber, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lmi_portal.core.models import System, Theme
from lmi_portal.core.notifications import followed_ids
from partners.access import user_organisation_ids, visible_queryset
from partners.models import Organisation

from ..models import Initiative, ListVisit, Participation, Phase, PhaseChange
from ..models.initiative import PHASE_ORDER

# The board's columns and the chart's bars: the main line, then the side states.
BOARD_PHASES: tuple[str, ...] = (*PHASE_ORDER, Phase.PAUSED, Phase.STOPPED)
BOARD_COLUMN_SIZE = 10
# Without a previous visit, "new since my last visit" means the last two weeks.
NEW_WITHOUT_VISIT = timedelta(days=14)
PIPELINE_WEEKS = 13


class Sort:
    ACTIVITY = "activity"
    NEWEST = "newest"
    TITLE = "title"
    PHASE = "phase"

    choices = (
        (ACTIVITY, _("Laatst actief")),
        (NEWEST, _("Nieuwste")),
        (TITLE, _("Titel A-Z")),
        (PHASE, _("Fase")),
    )


def _phase_rank() -> Case:
    return Case(
        *(When(phase=code, then=Value(rank)) for rank, code in enumerate(BOARD_PHASES)),
        default=Value(len(BOARD_PHASES)),
        output_field=IntegerField(),
    )


_ORDERINGS: dict[str, tuple[Any, ...]] = {
    Sort.ACTIVITY: (F("last_activity_at").desc(), F("id").desc()),
    Sort.NEWEST: (F("created_at").desc(), F("id").desc()),
    Sort.TITLE: (Lower("title"), F("id")),
    Sort.PHASE: (_phase_rank(), F("last_activity_at").desc(), F("id").desc()),
}


def initiative_list(
    *,
    user: Any,
    phase: str = "",
    query: str = "",
    theme: int | None = None,
    system: int | None = None,
    organisation: int | None = None,
    origin: str = "",
    new_since: NewSince | None = None,
    mine: bool = False,
    followed: bool = False,
    sort: str = Sort.ACTIVITY,
) -> QuerySet[Initiative]:
    """Initiatives the user may see, filtered, most recently active first by default.

    ``theme``, ``system`` and ``organisation`` are ids; ``organisation`` matches the owner or a
    participating organisation; ``new_since`` comes from ``initiative_list_new_since``. Every
    filter is optional.
    """
    qs = visible_queryset(user, Initiative.objects.all()).select_related(
        "owner_organisation", "lead"
    )
    if phase:
        qs = qs.filter(phase=phase)
    query = query.strip()
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    # Subqueries rather than joins, so no initiative appears twice.
    if theme is not None:
        qs = qs.filter(
            pk__in=_through(Initiative.themes).filter(theme_id=theme).values("initiative_id")
        )
    if system is not None:
        qs = qs.filter(
            pk__in=_through(Initiative.systems).filter(system_id=system).values("initiative_id")
        )
    if organisation is not None:
        qs = qs.filter(
            Q(owner_organisation_id=organisation)
            | Q(
                pk__in=Participation.objects.filter(organisation_id=organisation).values(
                    "initiative_id"
                )
            )
        )
    if origin:
        qs = qs.filter(origin=origin)
    if new_since is not None:
        new = Q(created_at__gt=new_since.moment)
        if new_since.with_activity:
            new |= Q(last_activity_at__gt=new_since.moment)
        qs = qs.filter(new)
    if mine:
        qs = qs.filter(_mine(user))
    if followed:
        qs = qs.filter(_followed(user))
    return qs.order_by(*_ORDERINGS.get(sort, _ORDERINGS[Sort.ACTIVITY]))


def _through(field: Any) -> QuerySet[Any]:
    return field.through.objects.all()


def _mine(user: Any) -> Q:
    """Led, deputised or started by the user, or owned or joined by one of their organisations."""
    orgs = user_organisation_ids(user)
    return (
        Q(lead_id=user.pk)
        | Q(deputy_id=user.pk)
        | Q(created_by_id=user.pk)
        | Q(owner_organisation_id__in=orgs)
        | Q(pk__in=Participation.objects.filter(organisation_id__in=orgs).values("initiative_id"))
    )


def _followed(user: Any) -> Q:
    """Followed directly, or through a followed theme, system or owner organisation."""
    themes = followed_ids(user=user, model=Theme)
    systems = followed_ids(user=user, model=System)
    return (
        Q(pk__in=followed_ids(user=user, model=Initiative))
        | Q(pk__in=_through(Initiative.themes).filter(theme_id__in=themes).values("initiative_id"))
        | Q(
            pk__in=_through(Initiative.systems)
            .filter(system_id__in=systems)
            .values("initiative_id")
        )
        | Q(owner_organisation_id__in=followed_ids(user=user, model=Organisation))
    )


@dataclass(frozen=True)
class NewSince:
    """What "new since my last visit" keeps: created after ``moment``, or also worked on after
    it (``with_activity``)."""

    moment: datetime
    with_activity: bool


def initiative_list_new_since(*, user: Any) -> NewSince:
    """Created or active since the visit before this browsing session; for someone without such
    a visit, created in the last two weeks."""
    previous = (
        ListVisit.objects.filter(user_id=user.pk).values_list("previous_seen_at", flat=True).first()
    )
    if previous is None:
        return NewSince(moment=timezone.now() - NEW_WITHOUT_VISIT, with_activity=False)
    return NewSince(moment=previous, with_activity=True)


# --- Board -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardColumn:
    phase: str
    label: str
    count: int
    initiatives: list[Initiative]

    @property
    def more(self) -> int:
        return self.count - len(self.initiatives)


def initiative_phase_counts(*, initiatives: QuerySet[Initiative]) -> dict[str, int]:
    """How many of ``initiatives`` are in each phase (one query; every phase present)."""
    rows = initiatives.order_by().values("phase").annotate(n=Count("pk")).values_list("phase", "n")
    counts = dict.fromkeys(BOARD_PHASES, 0)
    counts.update(rows)
    return counts


# A card's themes as a plain list (``card_themes``): a prefetch into the related manager
# builds a filtered queryset for every card, which costs more than the query itself.
CARD_THEMES = Prefetch("themes", to_attr="card_themes")

# What a board card shows (initiatives/partials/_browse_card.html without the summary): the
# long texts, the search vector and the lead's account details stay in the database.
BOARD_CARD_FIELDS = (
    "pk",
    "title",
    "tlp",
    "phase",
    "dormant_since",
    "last_activity_at",
    "owner_organisation__name",
    "owner_organisation__short_name",
    "lead__first_name",
    "lead__last_name",
    "lead__email",
)


def initiative_board(
    *, initiatives: QuerySet[Initiative], per_column: int = BOARD_COLUMN_SIZE
) -> list[BoardColumn]:
    """One column per phase with its count and its most recently active initiatives.

    Three queries whatever the data: the ids and the phase counts of the top rows of every
    phase at once (window functions over narrow rows: thousands of visible initiatives are
    counted and sorted without their texts, lead and owner); those rows by key; their themes.
    """
    counts = dict.fromkeys(BOARD_PHASES, 0)
    top_ids = []
    ranked = (
        initiatives.order_by()
        .annotate(
            column_rank=Window(
                RowNumber(),
                partition_by=[F("phase")],
                order_by=[F("last_activity_at").desc(), F("id").desc()],
            ),
            column_count=Window(Count("pk"), partition_by=[F("phase")]),
        )
        .filter(column_rank__lte=per_column)
        .values_list("pk", "phase", "column_count")
    )
    for pk, phase, count in ranked:
        top_ids.append(pk)
        counts[phase] = count
    # The access policy chose these rows above; here they are only looked up by key (with
    # the policy's filter again, PostgreSQL would test it a second time, and Django build it).
    top = (
        Initiative.objects.filter(pk__in=top_ids)
        .select_related("owner_organisation", "lead")
        .order_by("phase", "-last_activity_at", "-id")
        .only(*BOARD_CARD_FIELDS)
        .prefetch_related(CARD_THEMES)
    )
    by_phase: dict[str, list[Initiative]] = {code: [] for code in BOARD_PHASES}
    for initiative in top:
        by_phase.setdefault(initiative.phase, []).append(initiative)
    labels = dict(Phase.choices)
    return [
        BoardColumn(
            phase=code, label=str(labels[code]), count=counts[code], initiatives=by_phase[code]
        )
        for code in BOARD_PHASES
    ]


# --- Pipeline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineWeek:
    start: date
    number: int
    counts: list[int]  # phase changes into each of BOARD_PHASES, in that order

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Pipeline:
    phases: list[tuple[str, str]]  # (code, label) in board order
    counts: list[int]  # initiatives now in each phase
    weeks: list[PipelineWeek]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def phase_rows(self) -> list[tuple[str, str, int]]:
        return [(code, label, n) for (code, label), n in zip(self.phases, self.counts, strict=True)]

    @property
    def flow_totals(self) -> list[int]:
        return [sum(week.counts[i] for week in self.weeks) for i in range(len(self.phases))]

    @property
    def flow_total(self) -> int:
        return sum(week.total for week in self.weeks)


def initiative_pipeline(
    *, initiatives: QuerySet[Initiative], weeks: int = PIPELINE_WEEKS, today: date | None = None
) -> Pipeline:
    """Initiatives per phase now, and the phase changes into each phase per week over the last
    ``weeks`` weeks (this week included). Only changes of ``initiatives`` count, which are
    already limited to what the user may see. Two queries."""
    today = today or timezone.localdate()
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    start = timezone.make_aware(datetime.combine(first_monday, time.min))
    counts = initiative_phase_counts(initiatives=initiatives)
    # Days in the local time zone, folded into weeks here: portable across databases.
    rows = (
        PhaseChange.objects.filter(
            initiative__in=initiatives.order_by().values("pk"), created_at__gte=start
        )
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "to_phase")
        .annotate(n=Count("pk"))
        .values_list("day", "to_phase", "n")
    )
    column = {code: i for i, code in enumerate(BOARD_PHASES)}
    grid = [[0] * len(BOARD_PHASES) for _ in range(weeks)]
    for day, to_phase, n in rows:
        week = (day - first_monday).days // 7
        if 0 <= week < weeks and to_phase in column:
            grid[week][column[to_phase]] += n
    labels = dict(Phase.choices)
    return Pipeline(
        phases=[(code, str(labels[code])) for code in BOARD_PHASES],
        counts=[counts[code] for code in BOARD_PHASES],
        weeks=[
            PipelineWeek(
                start=first_monday + timedelta(weeks=i),
                number=(first_monday + timedelta(weeks=i)).isocalendar().week,
                counts=grid[i],
            )
            for i in range(weeks)
        ],
    )


# --- Export ----------------------------------------------------------------------------------

EXPORT_LIMIT = 10_000


def initiative_export_rows(*, initiatives: QuerySet[Initiative]) -> list[Initiative]:
    """At most ``EXPORT_LIMIT`` of ``initiatives`` with everything an export row shows, in a
    fixed number of queries."""
    return list(
        initiatives.select_related("owner_organisation", "lead", "deputy").prefetch_related(
            "themes", "systems", "participations__organisation"
        )[:EXPORT_LIMIT]
    )
