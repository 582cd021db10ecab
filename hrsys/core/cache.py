"""The cache backend: Django's Redis cache that treats Redis being away as a cache miss (issue 21 item 1).

Pages keep answering while Redis restarts: a read finds nothing, a write is dropped, and what the cache only
speeds up (the dashboard's per-viewer figures) is computed again. What the cache counts (login and careers
throttles) lets requests through while it is away (the database-side limits still hold) rather than refusing
everyone. One warning per minute says so; the outage also shows on /healthz (the broker is the same Redis).
"""

import functools
import inspect
import logging
import time

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


def _forgiving(name: str, fallback):
    """Django's ``RedisCache.<name>``, answering ``fallback(arguments)`` instead of raising while Redis is away."""
    method = getattr(RedisCache, name)
    signature = inspect.signature(method)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except _AWAY as exc:
            _away(name, exc)
            return fallback(signature.bind(self, *args, **kwargs).arguments)

    return call


class ForgivingRedisCache(RedisCache):
    add = _forgiving("add", lambda arguments: True)  # as if it was the first: a throttle counts nothing while away
    get = _forgiving("get", lambda arguments: arguments.get("default"))
    set = _forgiving("set", lambda arguments: None)
    touch = _forgiving("touch", lambda arguments: False)
    delete = _forgiving("delete", lambda arguments: False)
    get_many = _forgiving("get_many", lambda arguments: {})
    has_key = _forgiving("has_key", lambda arguments: False)
    incr = _forgiving("incr", lambda arguments: arguments.get("delta", 1))
    set_many = _forgiving("set_many", lambda arguments: [])
    delete_many = _forgiving("delete_many", lambda arguments: None)
    clear = _forgiving("clear", lambda arguments: False)
