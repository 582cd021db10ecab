"""Fixed-window counters in the cache: the one way public forms limit how often they are used (the portal's
one-time codes, the careers site's applications). Staff logins have their own throttle (hrsys.accounts.throttle).

With Redis (``REDIS_URL``) the counters are shared by every web process; the file cache shares them on one machine.
"""

from django.core.cache import cache


def within_limit(key: str, limit: int, seconds: int) -> bool:
    """Count one more use of ``key`` in its window of ``seconds``; True while the count is at most ``limit``."""
    if cache.add(key, 1, seconds):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.add(key, 1, seconds)
        return True
    return count <= limit
