"""The registry of periodic sweeps.

Apps register their sweeps with ``@periodic_job("name")``; ``manage.py hr_tick``
and the Celery beat task (every minute) both call :func:`run_due_jobs`, so an
operator or a test can run "everything due at time T" by hand. Each job takes
the moment ``now`` (aware, UTC) and returns a short summary (e.g. a count).
Jobs must be idempotent: running the same minute twice does nothing twice.
"""

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import IntegrityError, transaction

from .models import TickRun

logger = logging.getLogger(__name__)

_jobs: dict[str, Callable[[datetime], object]] = {}


def periodic_job(name: str):
    def register(func):
        if name in _jobs and _jobs[name] is not func:
            raise ValueError(f"periodic job {name!r} registered twice")
        _jobs[name] = func
        return func

    return register


def registered_jobs() -> dict[str, Callable[[datetime], object]]:
    return dict(sorted(_jobs.items()))


def run_due_jobs(*, now: datetime, only: list[str] | None = None, source: str = "manual",
                 slot: datetime | None = None) -> dict[str, object] | None:
    """Run every registered job for the moment ``now``; one failing job does not stop the others.

    With ``slot`` (beat's period), the run first claims it: a unique row, committed before any job runs. A second
    beat, or the same tick delivered twice, finds it taken and returns None having run nothing.
    """
    claimed = None
    if slot is not None:
        try:
            with transaction.atomic():
                claimed = TickRun.objects.create(moment=now, source=source, slot=slot, results={})
        except IntegrityError:
            logger.info("periodic run for %s skipped: another tick has run it", slot.isoformat())
            return None
    results: dict[str, object] = {}
    for name, job in registered_jobs().items():
        if only and name not in only:
            continue
        try:
            results[name] = job(now)
        except Exception as exc:  # noqa: BLE001 - reported, and the other sweeps still run
            logger.exception("periodic job %s failed", name)
            results[name] = f"error: {exc.__class__.__name__}: {exc}"

    summary = {k: str(v) for k, v in results.items()}
    if claimed is not None:
        claimed.results = summary
        claimed.save(update_fields=["results"])
    else:
        TickRun.objects.create(moment=now, source=source, results=summary)
    return results
