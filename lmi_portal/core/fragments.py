"""HTML fragments drawn before, kept per process by everything they show.

Drawing the rows of a long list (an initiative card, a knowledge item's table row) is most of
such a page's time, and most rows are the same for every reader and every visit. A fragment
is reused only for exactly the same content in the same language: the caller's key holds
every value the fragment shows, so an edit shows at once (even one made with ``update()``).
Which rows are shown is decided by the access policy on every request; this only saves
drawing them. In memory rather than in Redis: a round trip per row costs more than drawing it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.utils.safestring import SafeString, mark_safe


class FragmentCache:
    """At most ``size`` fragments, the least recently used dropped first."""

    def __init__(self, size: int = 5000) -> None:
        self._size = size
        self._fragments: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_draw(self, key: Hashable, draw: Callable[[], str]) -> SafeString:
        """The fragment for ``key``; ``draw`` (a template render, which escapes) makes it
        the first time."""
        with self._lock:
            html = self._fragments.get(key)
            if html is not None:
                self._fragments.move_to_end(key)
                return mark_safe(html)  # noqa: S308 - drawn by a template below
        html = draw()
        with self._lock:
            self._fragments[key] = html
            if len(self._fragments) > self._size:
                self._fragments.popitem(last=False)
        return mark_safe(html)  # noqa: S308 - rendered (and escaped) by a template

    def clear(self) -> None:
        with self._lock:
            self._fragments.clear()

    def __len__(self) -> int:
        return len(self._fragments)
