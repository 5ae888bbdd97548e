"""Initiatives and everything that hangs off them: participants, phase history, obstacles,
actions, comments, the collaboration-health pulse (Samenwerkingsmonitor) and the weekly
werkgroep meetings."""

from .initiative import (
    Effect,
    Initiative,
    ListVisit,
    Origin,
    Participation,
    ParticipationInvite,
    Phase,
    PhaseChange,
)
from .pulse import PulseForm, PulseInvitation, PulseResponse, PulseRound
from .werkgroep import AgendaItem, CalendarFeed, Decision, Meeting
from .work import ActionItem, Comment, Obstacle

__all__ = [
    "ActionItem",
    "AgendaItem",
    "CalendarFeed",
    "Comment",
    "Decision",
    "Effect",
    "Initiative",
    "ListVisit",
    "Meeting",
    "Obstacle",
    "Origin",
    "Participation",
    "ParticipationInvite",
    "Phase",
    "PhaseChange",
    "PulseForm",
    "PulseInvitation",
    "PulseResponse",
    "PulseRound",
]
