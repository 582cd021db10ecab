"""Short transactions that must not be lost to a briefly locked database."""

import time

from django.db import OperationalError, transaction


def retry_when_locked(fn, *, tries: int = 8):
    """Run ``fn`` in a transaction of its own, again when the database reports a lock conflict (SQLite
    'database is locked', PostgreSQL serialization failure or deadlock), with a growing pause; any other
    error, or the last conflict, is raised. For the bookkeeping around a provider call: the call happened,
    so its record must not be dropped over a moment's contention."""
    for attempt in range(tries):
        try:
            with transaction.atomic():
                return fn()
        except OperationalError as exc:
            if attempt == tries - 1 or not any(word in str(exc).lower() for word in ("locked", "deadlock",
                                                                                   "serializ")):
                raise
            time.sleep(0.05 * 2 ** attempt)
    raise AssertionError("unreachable")
