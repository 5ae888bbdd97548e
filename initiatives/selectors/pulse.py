"""Reads of the Samenwerkingsmonitor: rounds for programme managers, a user's invitation, and
the aggregated results.

Results never show a group of fewer than five respondents: below five responses in total
nothing is shown at all, and a breakdown group (organisation kind x level, kind, level) is
shown only when it has five or more, and when hiding the small ones does not leave them to be
worked out by subtraction from the groups that are shown (complementary suppression).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.access import user_organisation_ids, visible_queryset
from partners.models import Organisation, User

from ..models import Initiative, PulseInvitation, PulseResponse, PulseRound
from ..permissions import is_programme_manager
from ..pulse_items import (
    BASELINES,
    MIN_GROUP,
    ORG_KIND_SUGGESTION,
    STATEMENT_BY_ID,
    Baseline,
    Factor,
    Level,
    Statement,
    factors_for,
    level_for,
    statements_for,
)
from .initiatives import initiative_get

TREND_ROUNDS = 6  # earlier rounds shown in the trend, newest first
INITIATIVE_CHOICES = 300

# --- Access ---------------------------------------------------------------------------------


def pulse_rounds_for_manager(*, user: User) -> QuerySet[PulseRound]:
    """Rounds a programme manager may follow: network-wide ones, and those about an initiative
    they can see. Anyone else gets none. Counts come as subqueries (no join blow-up)."""
    if not is_programme_manager(user):
        return PulseRound.objects.none()
    visible = visible_queryset(user, Initiative.objects.all()).values("pk")
    responses = (
        PulseResponse.objects.filter(round=OuterRef("pk"))
        .order_by()
        .values("round")
        .annotate(c=Count("pk"))
        .values("c")
    )
    invited = (
        PulseInvitation.objects.filter(round=OuterRef("pk"))
        .order_by()
        .values("round")
        .annotate(c=Count("pk"))
        .values("c")
    )
    zero = Value(0, output_field=IntegerField())
    return (
        PulseRound.objects.filter(Q(initiative__isnull=True) | Q(initiative__in=visible))
        .select_related("initiative")
        .annotate(
            n_responses=Coalesce(Subquery(responses, output_field=IntegerField()), zero),
            n_invited=Coalesce(Subquery(invited, output_field=IntegerField()), zero),
        )
        .order_by("-opens_at", "-pk")
    )


def pulse_round_get_for_manager(*, user: User, pk: int) -> PulseRound:
    """A round for a programme manager who may see its initiative (if any); else 404."""
    if not is_programme_manager(user):
        raise Http404
    round_ = PulseRound.objects.filter(pk=pk).first()
    if round_ is None:
        raise Http404
    if round_.initiative_id is not None:
        round_.initiative = initiative_get(user=user, pk=round_.initiative_id)
    return round_


def pulse_invitation_get(*, user: User, round_pk: int) -> PulseInvitation:
    """The user's invitation to a round (with the round); 404 if not invited, or if the round is
    about an initiative the user can no longer see."""
    invitation = (
        PulseInvitation.objects.select_related("round")
        .filter(round_id=round_pk, user_id=user.pk)
        .first()
    )
    if invitation is None:
        raise Http404
    if invitation.round.initiative_id is not None:
        invitation.round.initiative = initiative_get(user=user, pk=invitation.round.initiative_id)
    return invitation


def pulse_can_answer(*, user: User, round: PulseRound) -> bool:
    """Whether the user is invited to this open round and has not answered yet."""
    return (
        round.is_open
        and PulseInvitation.objects.filter(
            round_id=round.pk, user_id=user.pk, answered=False
        ).exists()
    )


def pulse_open_invitations(*, user: User) -> QuerySet[PulseInvitation]:
    """The user's unanswered invitations to rounds open now, leaving out rounds about an
    initiative the user can no longer see (e.g. for a "to do" block on the dashboard)."""
    now = timezone.now()
    visible = visible_queryset(user, Initiative.objects.all()).values("pk")
    return (
        PulseInvitation.objects.filter(
            user_id=user.pk,
            answered=False,
            round__closed_at__isnull=True,
            round__opens_at__lte=now,
            round__closes_at__gt=now,
        )
        .filter(Q(round__initiative__isnull=True) | Q(round__initiative__in=visible))
        .select_related("round")
        .order_by("round__closes_at")
    )


def pulse_org_kind_suggestion(*, user: User) -> str:
    """The monitor's organisation kind that fits all of the user's organisations, or ""."""
    kinds = set(
        Organisation.objects.filter(pk__in=user_organisation_ids(user)).values_list(
            "kind", flat=True
        )
    )
    suggestions = {ORG_KIND_SUGGESTION.get(kind, "") for kind in kinds}
    return suggestions.pop() if len(suggestions) == 1 else ""


def pulse_initiative_choices(*, user: User) -> list[tuple[int, str]]:
    """Initiatives a programme manager may open a round about (the most recently active)."""
    qs = visible_queryset(user, Initiative.objects.all()).order_by("-last_activity_at", "-pk")
    return list(qs.values_list("pk", "title")[:INITIATIVE_CHOICES])


# --- Results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Score:
    """A mean on the 1-5 scale (n.v.t. left out), its number of answers and level."""

    mean: float | None
    n: int
    level: Level | None

    @property
    def is_low(self) -> bool:
        return self.level is not None and self.level.is_low


@dataclass(frozen=True)
class StatementResult:
    statement: Statement
    score: Score
    not_applicable: int
    share_agree: int | None  # % answering 4 or 5, of those who gave a score


@dataclass(frozen=True)
class FactorResult:
    factor: Factor
    score: Score
    statements: tuple[StatementResult, ...]


@dataclass(frozen=True)
class Group:
    """A breakdown group. ``hidden`` is "" (shown), "small" (fewer than five) or "protected"
    (hidden so that a small neighbour cannot be worked out by subtraction)."""

    key: str
    label: str
    n: int
    hidden: str


@dataclass(frozen=True)
class GroupRow:
    factor: Factor
    cells: tuple[Score | None, ...]  # aligned with the groups; None where the group is hidden


@dataclass(frozen=True)
class TrendRound:
    title: str
    opens_at: datetime
    n: int
    is_current: bool


@dataclass(frozen=True)
class TrendRow:
    factor: Factor
    cells: tuple[Score | None, ...]  # aligned with the trend rounds
    sparkline: str  # SVG polyline points, "" with fewer than two means


@dataclass(frozen=True)
class BaselineResult:
    baseline: Baseline
    statement: Statement
    share_now: int | None
    n: int

    @property
    def difference(self) -> int | None:
        return None if self.share_now is None else self.share_now - self.baseline.share


@dataclass(frozen=True)
class PulseResults:
    round: PulseRound
    responses: int
    invited: int
    answered: int
    enough: bool
    factors: tuple[FactorResult, ...] = ()
    heat_groups: tuple[Group, ...] = ()
    heat_rows: tuple[GroupRow, ...] = ()
    breakdown_groups: tuple[Group, ...] = ()
    breakdown_rows: tuple[GroupRow, ...] = ()
    trend_rounds: tuple[TrendRound, ...] = ()
    trend_rows: tuple[TrendRow, ...] = ()
    baselines: tuple[BaselineResult, ...] = ()
    open_answers: tuple[str, ...] = ()
    worked: tuple[str, ...] = ()
    to_change: tuple[str, ...] = ()

    @property
    def response_rate(self) -> int | None:
        return round(100 * self.answered / self.invited) if self.invited else None

    @property
    def low_factors(self) -> tuple[FactorResult, ...]:
        return tuple(f for f in self.factors if f.score.is_low)

    @property
    def has_hidden_groups(self) -> bool:
        return any(g.hidden for g in (*self.heat_groups, *self.breakdown_groups))


@dataclass
class _Tally:
    """Running sums of 1-5 answers (and n.v.t.) for one statement or factor."""

    total: int = 0
    n: int = 0
    agree: int = 0
    not_applicable: int = 0

    def score(self) -> Score:
        if not self.n:
            return Score(mean=None, n=0, level=None)
        mean = round(self.total / self.n, 2)
        # The level follows the mean as shown, so a 2.60 on screen never reads "laag tot ...".
        return Score(mean=mean, n=self.n, level=level_for(mean))


@dataclass
class _Group:
    """Respondents and per-factor sums of one group (plain dicts: this runs per answer)."""

    respondents: int = 0
    total: dict[str, int] = field(default_factory=dict)
    n: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, factor_codes: Iterable[str]) -> _Group:
        codes = list(factor_codes)
        return cls(total=dict.fromkeys(codes, 0), n=dict.fromkeys(codes, 0))

    def merge(self, other: _Group) -> None:
        self.respondents += other.respondents
        for factor, total in other.total.items():
            self.total[factor] = self.total.get(factor, 0) + total
            self.n[factor] = self.n.get(factor, 0) + other.n[factor]

    def score(self, factor: str) -> Score:
        return _Tally(total=self.total.get(factor, 0), n=self.n.get(factor, 0)).score()


ORG_KINDS = PulseResponse.OrgKind
LEVELS = PulseResponse.Level


@dataclass
class _Aggregate:
    statements: dict[str, _Tally]
    everyone: _Group
    groups: dict[str, _Group]  # "k:<kind>", "l:<level>", "c:<kind>:<level>"


def _aggregate(
    rows: Iterable[tuple[str, str, dict[str, Any]]], statements: Sequence[Statement]
) -> _Aggregate:
    """One pass over the responses: per statement, and per factor for each kind x level cell;
    the kind and level groups are sums of cells (a few dozen additions, whatever the size)."""
    factor_of = {s.id: s.factor for s in statements}
    codes = set(factor_of.values())
    per_statement = {s.id: _Tally() for s in statements}
    cells = {(k, lv): _Group.of(codes) for k in ORG_KINDS.values for lv in LEVELS.values}
    everyone = _Group.of(codes)
    nobody = _Group.of(codes)  # a kind or level outside the choices: in the total only
    for org_kind, level, answers in rows:
        everyone.respondents += 1
        cell = cells.get((org_kind, level), nobody)
        cell.respondents += 1
        cell_total, cell_n = cell.total, cell.n
        for key, value in (answers or {}).items():
            factor = factor_of.get(key)
            if factor is None:
                continue
            tally = per_statement[key]
            if value is None:
                tally.not_applicable += 1
            elif type(value) is int:
                tally.total += value
                tally.n += 1
                if value >= 4:
                    tally.agree += 1
                cell_total[factor] += value
                cell_n[factor] += 1
    for statement_id, tally in per_statement.items():
        factor = factor_of[statement_id]
        everyone.total[factor] += tally.total
        everyone.n[factor] += tally.n
    groups: dict[str, _Group] = {}
    for (k, lv), cell in cells.items():
        groups[f"c:{k}:{lv}"] = cell
        groups.setdefault(f"k:{k}", _Group.of(codes)).merge(cell)
        groups.setdefault(f"l:{lv}", _Group.of(codes)).merge(cell)
    return _Aggregate(statements=per_statement, everyone=everyone, groups=groups)


def _suppress(counts: dict[str, int]) -> dict[str, str]:
    """Which breakdown groups to hide, and why. Groups: "all", "k:<kind>", "l:<level>" and
    "c:<kind>:<level>". A shown total minus the shown parts must never leave 1 to 4 people."""
    hidden = {key: ("small" if n < MIN_GROUP else "") for key, n in counts.items()}
    kinds, levels = ORG_KINDS.values, LEVELS.values
    partitions: list[tuple[str, list[str]]] = [
        ("all", [f"k:{k}" for k in kinds]),
        ("all", [f"l:{lv}" for lv in levels]),
        ("all", [f"c:{k}:{lv}" for k in kinds for lv in levels]),
        *((f"k:{k}", [f"c:{k}:{lv}" for lv in levels]) for k in kinds),
        *((f"l:{lv}", [f"c:{k}:{lv}" for k in kinds]) for lv in levels),
    ]
    changed = True
    while changed:
        changed = False
        for parent, children in partitions:
            if hidden[parent]:
                continue
            left_out = sum(counts[c] for c in children if hidden[c] and counts[c])
            shown = [c for c in children if not hidden[c] and counts[c]]
            if 0 < left_out < MIN_GROUP and shown:
                smallest = min(shown, key=lambda c: (counts[c], c))
                hidden[smallest] = "protected"
                changed = True
    return hidden


def _group_rows(
    factors: Sequence[Factor], groups: Sequence[Group], sums: dict[str, _Group]
) -> tuple[GroupRow, ...]:
    return tuple(
        GroupRow(
            factor=factor,
            cells=tuple(
                None if group.hidden else sums[group.key].score(factor.code) for group in groups
            ),
        )
        for factor in factors
    )


def _breakdowns(
    aggregate: _Aggregate, factors: Sequence[Factor]
) -> tuple[tuple[Group, ...], tuple[GroupRow, ...], tuple[Group, ...], tuple[GroupRow, ...]]:
    counts = {key: g.respondents for key, g in aggregate.groups.items()}
    counts["all"] = aggregate.everyone.respondents
    hidden = _suppress(counts)
    kind_label = dict(ORG_KINDS.choices)
    level_label = dict(LEVELS.choices)

    def group(key: str, label: str) -> Group:
        return Group(key=key, label=label, n=counts[key], hidden=hidden[key])

    heat_groups = tuple(
        group(f"c:{k}:{lv}", f"{kind_label[k]} · {level_label[lv]}")
        for k in ORG_KINDS.values
        for lv in LEVELS.values
    )
    breakdown_groups = tuple(group(f"k:{k}", str(kind_label[k])) for k in ORG_KINDS.values)
    breakdown_groups += tuple(group(f"l:{lv}", str(level_label[lv])) for lv in LEVELS.values)
    return (
        heat_groups,
        _group_rows(factors, heat_groups, aggregate.groups),
        breakdown_groups,
        _group_rows(factors, breakdown_groups, aggregate.groups),
    )


def _sparkline(cells: Sequence[Score | None], width: int = 96, height: int = 24) -> str:
    points = [(i, c.mean) for i, c in enumerate(cells) if c is not None and c.mean is not None]
    if len(points) < 2 or len(cells) < 2:
        return ""
    step = width / (len(cells) - 1)
    return " ".join(f"{i * step:.1f},{height - (mean - 1) / 4 * height:.1f}" for i, mean in points)


def _factor_sums(answers_list: Iterable[dict[str, Any]], statements: Sequence[Statement]) -> _Group:
    factor_of = {s.id: s.factor for s in statements}
    sums = _Group.of(set(factor_of.values()))
    total, n = sums.total, sums.n
    for answers in answers_list:
        sums.respondents += 1
        for key, value in (answers or {}).items():
            factor = factor_of.get(key)
            if factor is not None and type(value) is int:
                total[factor] += value
                n[factor] += 1
    return sums


def _trend(
    round_: PulseRound, factors: Sequence[Factor], current: _Group
) -> tuple[tuple[TrendRound, ...], tuple[TrendRow, ...]]:
    """Factor means of earlier rounds of the same scope and form with enough responses (one
    query), oldest first, then this round."""
    scope = (
        Q(initiative_id=round_.initiative_id)
        if round_.initiative_id is not None
        else Q(initiative__isnull=True)
    )
    earlier = (
        PulseRound.objects.filter(scope, form=round_.form)
        .filter(Q(opens_at__lt=round_.opens_at) | Q(opens_at=round_.opens_at, pk__lt=round_.pk))
        .annotate(n=Count("responses"))
        .filter(n__gte=MIN_GROUP)
        .order_by("-opens_at", "-pk")
        .values("pk")[:TREND_ROUNDS]
    )
    by_round: dict[int, tuple[str, datetime, list[dict[str, Any]]]] = {}
    for pk, title, opens_at, answers in PulseResponse.objects.filter(
        round_id__in=Subquery(earlier)
    ).values_list("round_id", "round__title", "round__opens_at", "answers"):
        by_round.setdefault(pk, (title, opens_at, []))[2].append(answers)
    if not by_round:
        return (), ()
    statements = statements_for(round_.form)
    ordered = sorted(by_round.items(), key=lambda item: (item[1][1], item[0]))
    rounds = [
        TrendRound(title=title, opens_at=opens_at, n=len(answers), is_current=False)
        for _pk, (title, opens_at, answers) in ordered
    ]
    rounds.append(
        TrendRound(
            title=round_.title,
            opens_at=round_.opens_at,
            n=current.respondents,
            is_current=True,
        )
    )
    sums = [_factor_sums(answers, statements) for _pk, (_t, _o, answers) in ordered]
    sums.append(current)
    rows = []
    for factor in factors:
        cells = tuple(s.score(factor.code) for s in sums)
        rows.append(TrendRow(factor=factor, cells=cells, sparkline=_sparkline(cells)))
    return tuple(rounds), tuple(rows)


def _texts(values: Iterable[str]) -> tuple[str, ...]:
    """Non-empty open answers in a fresh random order, so that their order cannot be matched
    to the order in which people answered."""
    texts = [v.strip() for v in values if v and v.strip()]
    random.SystemRandom().shuffle(texts)
    return tuple(texts)


def pulse_results(*, round: PulseRound) -> PulseResults:
    """The aggregated results of a round (a fixed number of queries, whatever its size)."""
    counts = PulseInvitation.objects.filter(round_id=round.pk).aggregate(
        invited=Count("pk"), answered=Count("pk", filter=Q(answered=True))
    )
    rows = list(
        PulseResponse.objects.filter(round_id=round.pk).values_list(
            "org_kind", "level", "answers", "open_answer", "worked", "to_change"
        )
    )
    base = PulseResults(
        round=round,
        responses=len(rows),
        invited=counts["invited"] or 0,
        answered=counts["answered"] or 0,
        enough=False,
    )
    if len(rows) < MIN_GROUP:
        return base
    statements = statements_for(round.form)
    factors = factors_for(round.form)
    aggregate = _aggregate(((k, lv, a) for k, lv, a, *_rest in rows), statements)
    per_statement = aggregate.statements
    factor_results = tuple(
        FactorResult(
            factor=factor,
            score=aggregate.everyone.score(factor.code),
            statements=tuple(
                StatementResult(
                    statement=s,
                    score=per_statement[s.id].score(),
                    not_applicable=per_statement[s.id].not_applicable,
                    share_agree=_share(per_statement[s.id]),
                )
                for s in statements
                if s.factor == factor.code
            ),
        )
        for factor in factors
    )
    heat_groups, heat_rows, breakdown_groups, breakdown_rows = _breakdowns(aggregate, factors)
    trend_rounds, trend_rows = _trend(round, factors, aggregate.everyone)
    baselines = tuple(
        BaselineResult(
            baseline=b,
            statement=STATEMENT_BY_ID[b.statement_id],
            share_now=_share(per_statement[b.statement_id]),
            n=per_statement[b.statement_id].n,
        )
        for b in BASELINES
        if b.statement_id in per_statement
    )
    return dataclasses.replace(
        base,
        enough=True,
        factors=factor_results,
        heat_groups=heat_groups,
        heat_rows=heat_rows,
        breakdown_groups=breakdown_groups,
        breakdown_rows=breakdown_rows,
        trend_rounds=trend_rounds,
        trend_rows=trend_rows,
        baselines=baselines,
        open_answers=_texts(r[3] for r in rows),
        worked=_texts(r[4] for r in rows),
        to_change=_texts(r[5] for r in rows),
    )


def _share(tally: _Tally) -> int | None:
    return round(100 * tally.agree / tally.n) if tally.n else None


# --- Export ---------------------------------------------------------------------------------


def pulse_export_header() -> list[str]:
    return [
        _("onderdeel"),
        _("groep"),
        _("factor"),
        _("stelling"),
        _("aantal"),
        _("gemiddelde"),
        _("niveau"),
        _("aandeel 4-5 (%)"),
        _("referentie 2021 (%)"),
    ]


def pulse_export_rows(results: PulseResults) -> list[list[Any]]:
    """Aggregates only: totals, factors, statements and breakdown groups of five or more.
    Never one row per response, and no open answers."""
    everyone = _("alle respondenten")
    rows: list[list[Any]] = [
        [_("uitgenodigd"), everyone, "", "", results.invited, "", "", "", ""],
        [_("antwoorden"), everyone, "", "", results.responses, "", "", "", ""],
    ]
    if not results.enough:
        rows.append(
            [
                _("Nog te weinig antwoorden (minimaal 5) om uitkomsten te tonen."),
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
        return rows
    baseline_by_id = {b.baseline.statement_id: b.baseline.share for b in results.baselines}
    for f in results.factors:
        rows.append([_("factor"), everyone, f.factor.label, "", *_score_cells(f.score), "", ""])
        for s in f.statements:
            rows.append(
                [
                    _("stelling"),
                    everyone,
                    f.factor.label,
                    f"{s.statement.id} {s.statement.text}",
                    *_score_cells(s.score),
                    "" if s.share_agree is None else s.share_agree,
                    baseline_by_id.get(s.statement.id, ""),
                ]
            )
    for groups, group_rows in (
        (results.heat_groups, results.heat_rows),
        (results.breakdown_groups, results.breakdown_rows),
    ):
        for i, group in enumerate(groups):
            if group.hidden:
                continue
            rows.append([_("groep"), group.label, "", "", group.n, "", "", "", ""])
            for row in group_rows:
                cell = row.cells[i]
                if cell is not None:
                    rows.append(
                        [_("groep"), group.label, row.factor.label, "", *_score_cells(cell), "", ""]
                    )
    return rows


def _score_cells(score: Score) -> list[Any]:
    if score.mean is None:
        return [score.n, "", ""]
    return [score.n, f"{score.mean:.2f}", score.level.label if score.level else ""]
