"""Celery tasks: they take ids, call one service, and are idempotent (R-AI-1, R-AI-6, R-PIPE-3)."""

from celery import shared_task


@shared_task(name="ai_interviews.process_delivery", ignore_result=True)
def process_delivery(delivery_id: int) -> str:
    """A received vendor delivery: its result, scores, moves and messages (the webhook only stored it)."""
    from .services import ai_delivery_process  # noqa: PLC0415 - a cycle: the services enqueue through this module

    return ai_delivery_process(delivery_id=delivery_id)


@shared_task(name="ai_interviews.process_deliveries", ignore_result=True)
def process_deliveries(delivery_ids: list[int]) -> list[str]:
    """Deliveries the webhook handed over in one batch (``interviews.ai.hand_over``), each processed in a
    transaction of its own as ``process_delivery`` does: one that fails is recorded and retried alone."""
    from .services import ai_delivery_process  # noqa: PLC0415 - a cycle: the services enqueue through this module

    return [ai_delivery_process(delivery_id=delivery_id) for delivery_id in delivery_ids]


@shared_task(name="ai_interviews.apply_moves", ignore_result=True)
def apply_moves(result_id: int) -> str:
    from .services import ai_result_apply_moves  # noqa: PLC0415 - a cycle: the services enqueue through this module

    return ai_result_apply_moves(result_id=result_id)


@shared_task(name="ai_interviews.release_hold", ignore_result=True)
def release_hold(result_id: int) -> str:
    from .services import ai_hold_release  # noqa: PLC0415 - a cycle: the services enqueue through this module

    return ai_hold_release(result_id=result_id)


@shared_task(name="ai_interviews.fetch_media", bind=True, ignore_result=True, max_retries=5)
def fetch_media(self, media_id: int) -> str:
    from .services import MediaFetchError, ai_media_fetch  # noqa: PLC0415 - a cycle: the services enqueue through this module

    try:
        return ai_media_fetch(media_id=media_id)
    except MediaFetchError as exc:  # transient: back off 1, 2, 4 ... minutes
        raise self.retry(exc=exc, countdown=60 * 2 ** self.request.retries)


TASKS = {"process_delivery": process_delivery, "process_deliveries": process_deliveries,
         "apply_moves": apply_moves, "release_hold": release_hold, "fetch_media": fetch_media}


def enqueue(name: str, obj_id: int | list[int]) -> None:
    """The one place this app's tasks are enqueued (after commit); tests replace it."""
    TASKS[name].delay(obj_id)
