"""Writes on initiatives, one module per area; each service owns its transaction."""

from .initiatives import initiative_create, initiative_leads_move

__all__ = ["initiative_create", "initiative_leads_move"]
