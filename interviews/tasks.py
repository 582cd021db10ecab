"""Celery tasks: they take ids and call one service."""

from celery import shared_task


@shared_task(name="interviews.tasks.run_batch", ignore_result=True)
def run_batch(run_id: int) -> None:
    from .services import batch_schedule_run  # noqa: PLC0415 - a cycle: the services enqueue through this module

    batch_schedule_run(run_id=run_id)


def enqueue_batch(run_id: int) -> None:
    """The one place batch runs are enqueued (after commit); tests replace it."""
    run_batch.delay(run_id)


@shared_task(name="interviews.tasks.remind_feedback", ignore_result=True)
def remind_feedback(interview_id: int, interviewer_id: int) -> None:
    """Remind one interviewer of their missing feedback (idempotent: once per interviewer and interview). The
    hr_tick sweep ``interviews.remind_feedback`` finds who is due; this runs one by hand or from elsewhere."""
    from .services import feedback_remind  # noqa: PLC0415 - a cycle: the services enqueue through this module

    feedback_remind(interview_id=interview_id, interviewer_id=interviewer_id)
