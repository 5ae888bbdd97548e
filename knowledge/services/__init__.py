"""Writes on knowledge items, one module per area; each service owns its transaction."""
