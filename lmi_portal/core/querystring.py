"""Numbers from a query string, read so that no odd value can break a page."""

from __future__ import annotations

# Row ids are 64-bit integers (BigAutoField): a number with more digits is nobody's id, and the
# database would refuse it instead of finding nothing.
MAX_ID_DIGITS = 18


def query_id(value: str | None) -> int | None:
    """A row id from a query-string value, or None for anything else: empty, signed, decimal,
    digits outside ASCII (``"²".isdigit()`` is true, ``int("²")`` fails) or too long."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS:
        return int(value)
    return None
