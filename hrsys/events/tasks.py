"""The delivery task: takes a delivery id, calls one service, idempotent (a redelivered task finds the
delivery done, or an attempt in flight, and does nothing)."""

from celery import shared_task


@shared_task(name="hrsys.events.tasks.deliver_event", ignore_result=True)
def deliver_event(delivery_id: int) -> str:
    from .services import delivery_send  # noqa: PLC0415 - a cycle: the services enqueue through this module

    return delivery_send(delivery_id=delivery_id)


def enqueue_delivery(delivery_id: int) -> None:
    """The one place delivery tasks are enqueued (after commit); tests replace it."""
    deliver_event.delay(delivery_id)
