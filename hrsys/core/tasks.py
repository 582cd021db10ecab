import logging
import math
from contextlib import contextmanager
from datetime import UTC, datetime

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

from .periodic import run_due_jobs

logger = logging.getLogger(__name__)


@shared_task(name="hrsys.core.tasks.task_probe_execute")
def task_probe_execute(probe_id: int) -> None:
    from .services import task_probe_mark_executed  # noqa: PLC0415 - a cycle: the services enqueue through this module

    task_probe_mark_executed(probe_id=probe_id)


def beat_slot(now: datetime) -> datetime:
    """The start of the beat period ``now`` falls in (``HR_TICK_SECONDS``, from the epoch)."""
    period = max(float(settings.HR_TICK_SECONDS), 1.0)
    return datetime.fromtimestamp(math.floor(now.timestamp() / period) * period, tz=UTC)


@shared_task(name="hrsys.core.tasks.hr_tick")
def hr_tick() -> dict:
    """Beat calls this every minute: the same jobs as ``manage.py hr_tick``, once per beat period whatever the
    number of beats (each run claims its period; a second one runs nothing) and never two at once (a tick that
    comes while another is still running skips: what is due then is due at the next tick too, and a worker is not
    tied up waiting)."""
    now = timezone.now()
    with _one_at_a_time() as alone:
        results = run_due_jobs(now=now, source="beat", slot=beat_slot(now)) if alone else None
    if results is None:
        reason = "another tick has run this period" if alone else "another tick is still running"
        logger.info("hr_tick skipped: %s", reason)
        return {"skipped": reason}
    logger.info("hr_tick %s", results)
    return {k: str(v) for k, v in results.items()}


#: the PostgreSQL advisory lock ticks take turns with (an arbitrary constant of this application)
TICK_LOCK_KEY = 7_526_711_438_210_001


@contextmanager
def _one_at_a_time():
    """Whether this tick may run: PostgreSQL, a session advisory lock nobody else holds (taken, not waited for,
    released after); elsewhere one machine runs one worker: always."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [TICK_LOCK_KEY])
        alone = cursor.fetchone()[0]
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [TICK_LOCK_KEY])
