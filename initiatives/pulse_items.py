"""The Samenwerkingsmonitor questionnaire as data: statements, factors, short form, baselines and
the mapping of a factor mean to the thesis's levels (see DOMAIN.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from partners.models import Organisation

from .models.pulse import PulseForm, PulseResponse

if TYPE_CHECKING:  # django-stubs-ext is a development dependency
    from django_stubs_ext import StrPromise

# Results are shown only for groups of at least this many respondents.
MIN_GROUP = 5
SCALE = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Factor:
    code: str
    label: StrPromise


@dataclass(frozen=True)
class Statement:
    id: str
    factor: str
    text: StrPromise


FACTORS: tuple[Factor, ...] = (
    Factor("urgentie", _("Urgentie")),
    Factor("steun", _("Steun")),
    Factor("verwachtingen", _("Verwachtingen")),
    Factor("leiderschap", _("Leiderschap")),
    Factor("middelen", _("Middelen")),
    Factor("werkwijze", _("Werkwijze")),
    Factor("evaluatie", _("Evaluatie")),
    Factor("can_do", _("Can-do-mentaliteit")),
)
FACTOR_BY_CODE: dict[str, Factor] = {f.code: f for f in FACTORS}

STATEMENTS: tuple[Statement, ...] = (
    Statement(
        "U1",
        "urgentie",
        _(
            "De partnerorganisaties binnen LMI zijn van elkaar afhankelijk om onze doelen te "
            "bereiken."
        ),
    ),
    Statement(
        "U2",
        "urgentie",
        _("Samenwerking binnen LMI wordt door mijn organisatie gesteund en goedgekeurd."),
    ),
    Statement(
        "U3",
        "urgentie",
        _(
            "Mijn leidinggevenden moedigen mij actief aan om samen te werken met andere "
            "LMI-partners."
        ),
    ),
    Statement(
        "S1",
        "steun",
        _(
            "Ik voel me betrokken bij en kan bijdragen aan de vormgeving van de samenwerking "
            "binnen LMI."
        ),
    ),
    Statement(
        "S2",
        "steun",
        _(
            "Ik neem deel aan de samenwerking omdat ik de waarde ervan zie, niet alleen omdat "
            "het moet."
        ),
    ),
    Statement(
        "S3",
        "steun",
        _("De belangen van mijn organisatie worden binnen LMI gelijkwaardig behartigd."),
    ),
    Statement(
        "S4",
        "steun",
        _("Het is mij duidelijk waar ik de werkafspraken voor samenwerking binnen LMI kan vinden."),
    ),
    Statement(
        "S5",
        "steun",
        _("Ik ben tevreden over de wijze waarop informatie tussen de LMI-partners wordt gedeeld."),
    ),
    Statement(
        "E1",
        "verwachtingen",
        _("De LMI-partners hebben een gemeenschappelijk, organisatie-overstijgend doel."),
    ),
    Statement(
        "E2",
        "verwachtingen",
        _("Samenwerken met andere LMI-partners levert betere resultaten op dan alleen werken."),
    ),
    Statement(
        "E3",
        "verwachtingen",
        _(
            "Er is een goede balans tussen het eigen belang van mijn organisatie en het "
            "gezamenlijk LMI-belang."
        ),
    ),
    Statement(
        "L1",
        "leiderschap",
        _(
            "Er is iemand die het overzicht over LMI als geheel bewaakt en de juiste mensen "
            "verbindt."
        ),
    ),
    Statement(
        "L2",
        "leiderschap",
        _("Er vindt regelmatig overleg plaats (bijv. de werkgroep) en dat leidt tot voortgang."),
    ),
    Statement(
        "L3",
        "leiderschap",
        _(
            "De leiding binnen LMI begrijpt de verschillende culturen en belangen van Defensie- "
            "en industriepartners."
        ),
    ),
    Statement(
        "R1",
        "middelen",
        _("Er zijn voldoende financiële middelen en faciliteiten voor samenwerking."),
    ),
    Statement(
        "R2",
        "middelen",
        _(
            "Ik heb naast mijn reguliere werk voldoende tijd om samen te werken met andere "
            "LMI-partners."
        ),
    ),
    Statement("R3", "middelen", _("Als ik afwezig ben, kan iemand mijn LMI-werk overnemen.")),
    Statement(
        "W1",
        "werkwijze",
        _("Praktijkervaringen uit samenwerkingen worden gedeeld zodat anderen ervan kunnen leren."),
    ),
    Statement(
        "W2",
        "werkwijze",
        _("(Tussentijdse) successen binnen LMI worden gevierd en prestaties erkend."),
    ),
    Statement(
        "W3",
        "werkwijze",
        _("Nieuwe initiatieven worden aangemoedigd en er is ruimte om ze op te pakken."),
    ),
    Statement(
        "W4",
        "werkwijze",
        _(
            "Ik heb regelmatig contact met collega's van andere partnerorganisaties op mijn "
            "eigen niveau."
        ),
    ),
    Statement(
        "W5",
        "werkwijze",
        _("Ik heb kennis van de werkzaamheden die andere LMI-partners verrichten."),
    ),
    Statement(
        "W6",
        "werkwijze",
        _(
            "In mijn samenwerkingen is duidelijk wie penvoerder is en wie waarvoor "
            "verantwoordelijk is."
        ),
    ),
    Statement(
        "W7",
        "werkwijze",
        _("Ik kan snel de juiste persoon bij een andere partner vinden voor een specifieke vraag."),
    ),
    Statement("V1", "evaluatie", _("De samenwerking tussen de LMI-partners is effectief.")),
    Statement(
        "V2",
        "evaluatie",
        _(
            "Over het geheel ben ik tevreden over de samenwerking binnen LMI; het is de moeite "
            "waard."
        ),
    ),
    Statement(
        "V3",
        "evaluatie",
        _("We reflecteren (kort) op onze samenwerkingen en gebruiken de lessen."),
    ),
    Statement(
        "X1",
        "can_do",
        _(
            "Als middelen tekortschieten, benoemen we dat in plaats van het stilzwijgend op te "
            "vangen."
        ),
    ),
)
STATEMENT_BY_ID: dict[str, Statement] = {s.id: s for s in STATEMENTS}

SHORT_FORM_IDS: tuple[str, ...] = ("E2", "E3", "L2", "R2", "W6", "W7", "V2", "V3")

OPEN_QUESTION = _("Wat zou de samenwerking binnen LMI het meest verbeteren?")
WORKED_QUESTION = _("Eén ding dat goed werkte")
TO_CHANGE_QUESTION = _("Eén ding dat anders moet")

# Answer labels of the 5-point scale; "n.v.t." is stored as null.
SCALE_LABELS: dict[int, StrPromise] = {
    1: _("helemaal oneens"),
    2: _("oneens"),
    3: _("neutraal"),
    4: _("eens"),
    5: _("helemaal eens"),
}
NOT_APPLICABLE = _("n.v.t.")


def statements_for(form: str) -> tuple[Statement, ...]:
    """The statements of a form, in questionnaire order."""
    if form == PulseForm.SHORT:
        return tuple(s for s in STATEMENTS if s.id in SHORT_FORM_IDS)
    return STATEMENTS


def statement_ids_for(form: str) -> frozenset[str]:
    return frozenset(s.id for s in statements_for(form))


def factors_for(form: str) -> tuple[Factor, ...]:
    """The factors that have at least one statement in the form, in order."""
    present = {s.factor for s in statements_for(form)}
    return tuple(f for f in FACTORS if f.code in present)


@dataclass(frozen=True)
class Baseline:
    """A reference figure from a comparable Defence survey: the share answering 4 or 5."""

    statement_id: str
    share: int
    year: int
    description: StrPromise


BASELINES: tuple[Baseline, ...] = (
    Baseline("S5", 23, 2021, _("tevreden over de informatiedeling")),
    Baseline("W5", 30, 2021, _("weet wat andere onderdelen doen")),
    Baseline("V1", 16, 2021, _("vindt de samenwerking effectief")),
)


@dataclass(frozen=True)
class Level:
    code: str
    label: StrPromise
    css: str  # Bootstrap background utility; the label is always shown next to it

    @property
    def is_low(self) -> bool:
        return self.code in ("low", "low_partial")


LEVELS: tuple[tuple[float, Level], ...] = (
    (1.8, Level("low", _("laag"), "bg-danger-subtle")),
    (2.6, Level("low_partial", _("laag tot gedeeltelijk"), "bg-warning-subtle")),
    (3.4, Level("partial", _("gedeeltelijk"), "bg-secondary-subtle")),
    (4.2, Level("partial_high", _("gedeeltelijk tot hoog"), "bg-info-subtle")),
)
HIGH = Level("high", _("hoog"), "bg-success-subtle")


def level_for(mean: float) -> Level:
    """The thesis's level for a factor mean: < 1.8 laag · < 2.6 laag tot gedeeltelijk ·
    < 3.4 gedeeltelijk · < 4.2 gedeeltelijk tot hoog · otherwise hoog."""
    for upper, level in LEVELS:
        if mean < upper:
            return level
    return HIGH


# The portal's organisation kinds, folded into the monitor's three (a suggestion only: the
# respondent chooses). Knowledge institutions and government bodies other than Defence units
# are neither Defence nor industry.
ORG_KIND_SUGGESTION: dict[str, str] = {
    Organisation.Kind.DEFENCE_UNIT: PulseResponse.OrgKind.DEFENCE,
    Organisation.Kind.OEM: PulseResponse.OrgKind.INDUSTRY,
    Organisation.Kind.SME: PulseResponse.OrgKind.INDUSTRY,
    Organisation.Kind.STARTUP: PulseResponse.OrgKind.INDUSTRY,
    Organisation.Kind.ASSOCIATION: PulseResponse.OrgKind.INDUSTRY,
    Organisation.Kind.KNOWLEDGE: PulseResponse.OrgKind.OTHER,
    Organisation.Kind.GOVERNMENT: PulseResponse.OrgKind.OTHER,
    Organisation.Kind.OTHER: PulseResponse.OrgKind.OTHER,
}
