"""Messages per second per sending number (Twilio queues, then drops, what a number sends faster than its
limit: 1 message per second for a US long code).

Time is cut into slots of ``1 / rate`` seconds; a message takes a free slot and goes at the slot's start, so two
messages of one number are at least one slot apart. Slots are taken with ``cache.add`` (atomic in Redis, the
production cache), so every worker process shares them; each process also remembers the last slot it saw taken,
so a long queue is not scanned from the start for every message.
"""

import threading
import time

from django.conf import settings
from django.core.cache import cache

#: A message whose number has no free slot within this many seconds is not sent now but put back (pending) until
#: then, so no send thread sleeps longer than this (the task's time limit and the lease are far longer).
HORIZON_SECONDS = 30.0


class SenderRateLimiter:
    def __init__(self, *, rate_per_second: float, clock=time.time, sleep=time.sleep, store=None,
                 horizon_seconds: float = HORIZON_SECONDS):
        self.rate = float(rate_per_second)
        self.clock, self.sleep = clock, sleep
        self.store = store if store is not None else cache
        self.horizon = horizon_seconds
        self._next_slot: dict[str, int] = {}
        self._lock = threading.Lock()

    def reserve(self, sender: str) -> float | None:
        """The clock time at which one more message of ``sender`` may go; None when no slot is free within the
        horizon. A rate of 0 (or less) means no limit."""
        now = self.clock()
        if self.rate <= 0 or not sender:
            return now
        interval = 1.0 / self.rate
        first = -int(-now // interval)  # the first slot starting now or later: no slot is shared with the past
        last = int((now + self.horizon) // interval)
        timeout = int(self.horizon) + 60
        with self._lock:
            slot = max(first, self._next_slot.get(sender, first))
            while slot <= last:
                if self.store.add(f"notifications:rate:{sender}:{slot}", 1, timeout=timeout):
                    self._next_slot[sender] = slot + 1
                    return slot * interval
                slot += 1
            self._next_slot[sender] = slot
            return None

    def wait_until(self, moment: float) -> None:
        delay = moment - self.clock()
        if delay > 0:
            self.sleep(delay)


_limiters: dict[float, SenderRateLimiter] = {}


def sender_rate_limiter() -> SenderRateLimiter:
    """This process's limiter at NOTIFICATIONS_SENDER_RATE messages per second per sending number."""
    rate = float(getattr(settings, "NOTIFICATIONS_SENDER_RATE", 0))
    limiter = _limiters.get(rate)
    if limiter is None:
        limiter = _limiters[rate] = SenderRateLimiter(rate_per_second=rate)
    return limiter
