"""Celery tasks of the network app; each area's tasks live in a submodule imported here."""

from . import (
    continuity,  # noqa: F401
    handovers,  # noqa: F401
    privacy,  # noqa: F401
    stale,  # noqa: F401
    ties,  # noqa: F401
)
