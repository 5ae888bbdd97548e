"""Small registries through which domain apps plug into core without core importing them.

Apps register in ``AppConfig.ready()``; core iterates the registered providers. Digest
providers return sections for one user's digest, search providers return hits for one user's
query, demo seeders fill the demo and scale data sets in dependency order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class DigestLine:
    text: str
    url: str = ""


@dataclass(frozen=True)
class DigestSection:
    title: str
    lines: tuple[DigestLine, ...]


@dataclass(frozen=True)
class SearchHit:
    kind: str
    title: str
    url: str
    snippet: str = ""
    score: float = 0.0


class Registry(Generic[F]):
    """An ordered set of named providers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._providers: dict[str, tuple[int, F]] = {}

    def register(self, key: str, provider: F, *, order: int = 100) -> None:
        if key in self._providers and self._providers[key][1] is not provider:
            raise ValueError(f"{self.name}: provider {key!r} is already registered")
        self._providers[key] = (order, provider)

    def unregister(self, key: str) -> None:
        self._providers.pop(key, None)

    def items(self) -> Iterator[tuple[str, F]]:
        for key, (_order, provider) in sorted(self._providers.items(), key=lambda kv: kv[1][0]):
            yield key, provider

    def __contains__(self, key: object) -> bool:
        return key in self._providers

    def __len__(self) -> int:
        return len(self._providers)


DigestProvider = Callable[[Any, datetime], DigestSection | None]
SearchProvider = Callable[[Any, str, int], list[SearchHit]]
Seeder = Callable[[dict[str, Any]], None]

digest_providers: Registry[DigestProvider] = Registry("digest")
search_providers: Registry[SearchProvider] = Registry("search")
demo_seeders: Registry[Seeder] = Registry("demo")
scale_seeders: Registry[Seeder] = Registry("scale")
