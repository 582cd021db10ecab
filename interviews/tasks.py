"""Celery tasks: they take ids and call one service."""

from celery import shared_task


@shared_task(name="interviews.tasks.run_batch", ignore_result=True)
def run_batch(run_id: int) -> None:
    from .services import batch_schedule_run

    batch_schedule_run(run_id=run_id)


def enqueue_batch(run_id: int) -> None:
    """The one place batch runs are enqueued (after commit); tests replace it."""
    run_batch.delay(run_id)
