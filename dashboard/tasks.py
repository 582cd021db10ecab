"""Celery tasks of the dashboards: re-warming cached figures runs as its own task so a slow warm-up
(seconds per viewer at 100,000 applications) never holds up the minute's reminder and no-show sweeps."""

from celery import shared_task

from .cache import warm_figures as warm_cached_figures


@shared_task(name="dashboard.tasks.warm_figures", ignore_result=True)
def warm_figures() -> dict:
    return warm_cached_figures()


def enqueue_warm() -> None:
    """The one place the warm-up is enqueued; tests replace it."""
    warm_figures.delay()
