"""The cache backend: Django's Redis cache that treats Redis being away as a cache miss (issue 21 item 1).

Pages keep answering while Redis restarts: a read finds nothing, a write is dropped, and what the cache only
speeds up (the dashboard's per-viewer figures) is computed again. What the cache counts (login and careers
throttles) lets requests through while it is away (the database-side limits still hold) rather than refusing
everyone. One warning per minute says so; the outage also shows on /healthz (the broker is the same Redis).
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_AWAY = (RedisConnectionError, RedisTimeoutError, OSError)
_last_warning = [0.0]


def _away(operation: str, exc: Exception) -> None:
    if time.monotonic() - _last_warning[0] > 60:
        _last_warning[0] = time.monotonic()
        logger.warning("cache unavailable (%s on %s): answering without it", exc.__class__.__name__, operation)


class ForgivingRedisCache(RedisCache):
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except _AWAY as exc:
            _away("add", exc)
            return True  # as if it was the first: a throttle counts nothing while away

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except _AWAY as exc:
            _away("get", exc)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except _AWAY as exc:
            _away("set", exc)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except _AWAY as exc:
            _away("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except _AWAY as exc:
            _away("delete", exc)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except _AWAY as exc:
            _away("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except _AWAY as exc:
            _away("has_key", exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _AWAY as exc:
            _away("incr", exc)
            return delta

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except _AWAY as exc:
            _away("set_many", exc)
            return []

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except _AWAY as exc:
            _away("delete_many", exc)
            return None

    def clear(self):
        try:
            return super().clear()
        except _AWAY as exc:
            _away("clear", exc)
            return False
