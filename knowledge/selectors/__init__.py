"""Reads of knowledge items, one module per area; every read goes through partners.access."""
