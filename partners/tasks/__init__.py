"""Celery tasks of the partners app; each area's tasks live in a submodule imported here."""

from . import (
    members,  # noqa: F401
    onboarding,  # noqa: F401
)
