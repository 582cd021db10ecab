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


@shared_task(name="attendance.tasks.zkteco_pull", ignore_result=True)
def zkteco_pull(device_id: int) -> dict:
    """Pull one ZKTeco clock's logs (R-CN-3); a clock pulled by another worker right now is skipped."""
    from .services import zkteco_pull as pull  # noqa: PLC0415 -- a cycle: the services enqueue through this module

    return pull(device_id=device_id)


def enqueue_zkteco_pull(device_id: int) -> None:
    """The one place clock pulls are enqueued (after commit); tests replace it."""
    zkteco_pull.delay(device_id)
