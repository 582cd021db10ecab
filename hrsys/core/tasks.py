import logging

from celery import shared_task
from django.utils import timezone

from .periodic import run_due_jobs

logger = logging.getLogger(__name__)


@shared_task(name="hrsys.core.tasks.task_probe_execute")
def task_probe_execute(probe_id: int) -> None:
    from .services import task_probe_mark_executed  # noqa: PLC0415 - a cycle: the services enqueue through this module

    task_probe_mark_executed(probe_id=probe_id)


@shared_task(name="hrsys.core.tasks.hr_tick")
def hr_tick() -> dict:
    """Beat calls this every minute: the same jobs as ``manage.py hr_tick``."""
    results = run_due_jobs(now=timezone.now(), source="beat")
    logger.info("hr_tick %s", results)
    return {k: str(v) for k, v in results.items()}
