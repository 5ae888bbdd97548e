"""Celery tasks of the network app; each area's tasks live in a submodule imported here."""
