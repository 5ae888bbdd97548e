"""Writes of the network app, one module per area."""
