"""Views of the knowledge hub, one module per area."""
