"""Celery tasks: they take ids, call one service, and are idempotent (a redelivered
task finds the row no longer sending, or an attempt in flight, and does nothing)."""

from celery import shared_task


@shared_task(name="notifications.tasks.deliver_notification", ignore_result=True)
def deliver_notification(notification_id: int) -> str:
    from .services import notification_deliver  # noqa: PLC0415 - a cycle: the services enqueue through this module

    return notification_deliver(notification_id=notification_id)


def enqueue_delivery(notification_id: int) -> None:
    """The one place delivery tasks are enqueued (after commit); tests replace it."""
    deliver_notification.delay(notification_id)
