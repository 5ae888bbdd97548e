"""The Redis cache, made harmless when Redis is down.

The portal only ever uses its cache to save work (the common-understanding version, the
network map, weekly aggregates) or for soft limits (rate limits, TOTP replay protection); none
of it is worth a broken page. So while Redis cannot be reached, this backend behaves like
Django's ``DummyCache``: nothing is kept, nothing fails, and a warning says why. ``/health/``
still reports the outage, because nothing survives its round trip through the cache.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

T = TypeVar("T")


class ResilientRedisCache(RedisCache):
    """Django's ``RedisCache``; a Redis error turns the call into what ``DummyCache`` does."""

    def _forgiving(self, default: T, call: Callable[..., T], *args: Any) -> T:
        try:
            return call(*args)
        except RedisError as exc:
            logger.warning(
                "Cache %s failed, carrying on without the cache: %s: %s",
                call.__name__,
                type(exc).__name__,
                exc,
            )
            return default

    def add(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        # True, as DummyCache says: False would read as "taken" (a TOTP code already used, an
        # allauth rate-limit lock held) and lock people out for as long as Redis is down.
        return self._forgiving(True, super().add, key, value, timeout, version)

    def get(self, key: Any, default: Any | None = None, version: int | None = None) -> Any:
        return self._forgiving(default, super().get, key, default, version)

    def set(
        self,
        key: Any,
        value: Any,
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._forgiving(None, super().set, key, value, timeout, version)

    def touch(
        self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._forgiving(False, super().touch, key, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._forgiving(False, super().delete, key, version)

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        return self._forgiving({}, super().get_many, keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._forgiving(False, super().has_key, key, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except RedisError as exc:
            logger.warning("Cache incr failed: %s: %s", type(exc).__name__, exc)
            # What any cache says of a key it does not hold (callers already handle it).
            raise ValueError(f"Key '{key}' not found.") from exc

    def set_many(
        self,
        data: dict[Any, Any],
        timeout: float | None = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list[Any]:
        return self._forgiving([], super().set_many, data, timeout, version)

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        self._forgiving(None, super().delete_many, keys, version)

    def clear(self) -> None:
        self._forgiving(None, super().clear)
