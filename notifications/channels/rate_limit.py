"""Messages per second per sending number (Twilio queues, then drops, what a number sends faster than its
limit: 1 message per second for a US long code; NOTIFICATIONS_SENDER_RATE).

Each number has a "next free moment". A batch takes ``n`` slots at once: the first at that moment or now,
whichever is later, the others ``1 / rate`` seconds apart; the next free moment moves past them. So two messages
of one number are at least ``1 / rate`` apart, whichever worker sends them: with Redis (production) the moment is
kept there and moved by one atomic script call per batch; without it, per process.
"""

import threading
import time

import redis
from django.conf import settings

#: Slots are handed out this far ahead at most; a message without a slot in that time is not sent now but put
#: back (pending) until then, so no send thread sleeps longer (the task's time limit and the lease are far longer).
HORIZON_SECONDS = 30.0

_TAKE_SCRIPT = """
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local now, interval, wanted, horizon = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local start = math.max(free, now)
local fit = math.min(wanted, math.floor((now + horizon - start) / interval) + 1)
if fit < 1 then return {string.format('%.6f', start), 0} end
redis.call('SET', KEYS[1], string.format('%.6f', start + fit * interval), 'PX', math.ceil((horizon + 60) * 1000))
return {string.format('%.6f', start), fit}
"""


class LocalSlots:
    """The next free moment of each number, in this process."""

    def __init__(self):
        self._free: dict[str, float] = {}
        self._lock = threading.Lock()

    def take(self, sender: str, *, now: float, interval: float, wanted: int, horizon: float) -> tuple[float, int]:
        with self._lock:
            start = max(self._free.get(sender, 0.0), now)
            fit = min(wanted, int((now + horizon - start) // interval) + 1)
            if fit >= 1:
                self._free[sender] = start + fit * interval
            return start, max(fit, 0)


class RedisSlots:
    """The next free moment of each number in Redis, shared by every worker process."""

    def __init__(self, url: str):
        self._script = redis.Redis.from_url(url).register_script(_TAKE_SCRIPT)

    def take(self, sender: str, *, now: float, interval: float, wanted: int, horizon: float) -> tuple[float, int]:
        start, fit = self._script(keys=[f"notifications:sender-rate:{sender}"],
                                  args=[repr(now), repr(interval), wanted, repr(horizon)])
        return float(start), int(fit)


class SenderRateLimiter:
    def __init__(self, *, rate_per_second: float, slots=None, clock=time.time, sleep=time.sleep,
                 horizon_seconds: float = HORIZON_SECONDS):
        self.rate = float(rate_per_second)
        self.slots = slots if slots is not None else LocalSlots()
        self.clock, self.sleep = clock, sleep
        self.horizon = horizon_seconds

    def reserve(self, sender: str, count: int) -> list[float | None]:
        """When each of ``count`` messages of ``sender`` may go (clock times, in order); None for those without
        a slot within the horizon. No limit (rate 0) or no sender: all now."""
        now = self.clock()
        if self.rate <= 0 or not sender or count <= 0:
            return [now] * count
        interval = 1.0 / self.rate
        start, fit = self.slots.take(sender, now=now, interval=interval, wanted=count, horizon=self.horizon)
        return [start + i * interval for i in range(fit)] + [None] * (count - fit)

    def wait_until(self, moment: float) -> None:
        delay = moment - self.clock()
        if delay > 0:
            self.sleep(delay)


_limiters: dict[tuple, SenderRateLimiter] = {}


def sender_rate_limiter() -> SenderRateLimiter:
    """This process's limiter at NOTIFICATIONS_SENDER_RATE messages per second per sending number."""
    rate = float(getattr(settings, "NOTIFICATIONS_SENDER_RATE", 0))
    redis_url = getattr(settings, "REDIS_URL", "")
    key = (rate, redis_url)
    limiter = _limiters.get(key)
    if limiter is None:
        slots = RedisSlots(redis_url) if redis_url and rate > 0 else LocalSlots()
        limiter = _limiters[key] = SenderRateLimiter(rate_per_second=rate, slots=slots)
    return limiter
