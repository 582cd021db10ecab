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


def run_due_jobs(*, now: datetime, only: list[str] | None = None, source: str = "manual") -> dict[str, object]:
    """Run every registered job for the moment ``now``; one failing job does not stop the others."""
    results: dict[str, object] = {}
    for name, job in registered_jobs().items():
        if only and name not in only:
            continue
        try:
            results[name] = job(now)
        except Exception as exc:  # noqa: BLE001 - reported, and the other sweeps still run
            logger.exception("periodic job %s failed", name)
            results[name] = f"error: {exc.__class__.__name__}: {exc}"

    TickRun.objects.create(moment=now, source=source, results={k: str(v) for k, v in results.items()})
    return results
