"""Reads of initiatives, one module per area; every read goes through partners.access."""

from .browse import initiative_list
from .initiatives import initiative_get

__all__ = ["initiative_get", "initiative_list"]
