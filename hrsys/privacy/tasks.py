"""The nightly retention sweep's worker task: it gets the sweep's id only (R-SEC-5)."""

from celery import shared_task


@shared_task(name="hrsys.privacy.tasks.retention_sweep", ignore_result=True)
def retention_sweep(sweep_id: int) -> dict:
    from .services import retention_sweep_run  # noqa: PLC0415 - a cycle: the services enqueue through this module

    return retention_sweep_run(sweep_id=sweep_id)


def enqueue_sweep(sweep_id: int) -> None:
    """The one place the sweep is enqueued (after commit); tests replace it."""
    retention_sweep.delay(sweep_id)
