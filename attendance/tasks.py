"""Celery tasks: they take ids, call one service and are idempotent (a redelivered task finds the delivery no
longer pending and does nothing)."""

from celery import shared_task


@shared_task(name="attendance.tasks.push_provisioning", ignore_result=True)
def push_provisioning(delivery_id: int) -> str:
    from .services import provisioning_deliver  # noqa: PLC0415 -- a cycle: the services enqueue through this module

    return provisioning_deliver(delivery_id=delivery_id)


def enqueue_push(delivery_id: int) -> None:
    """The one place push tasks are enqueued (after commit); tests replace it."""
    push_provisioning.delay(delivery_id)
