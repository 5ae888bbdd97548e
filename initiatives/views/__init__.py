"""Views of initiatives, one module per area."""
