"""Initiatives and everything that hangs off them: participants, phase history, obstacles,
actions, comments, and the collaboration-health pulse (Samenwerkingsmonitor)."""

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
from .work import ActionItem, Comment, Obstacle

__all__ = [
    "ActionItem",
    "Comment",
    "Effect",
    "Initiative",
    "ListVisit",
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
