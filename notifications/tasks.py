"""Celery tasks: they take ids, call one service, and are idempotent (a redelivered
task finds the row no longer sending, or an attempt in flight, and does nothing)."""

from celery import shared_task
from django.conf import settings


@shared_task(name="notifications.tasks.deliver_notification", ignore_result=True)
def deliver_notification(notification_id: int) -> str:
    from .services import notification_deliver  # noqa: PLC0415 - a cycle: the services enqueue through this module

    return notification_deliver(notification_id=notification_id)


@shared_task(name="notifications.tasks.deliver_notifications", ignore_result=True)
def deliver_notifications(notification_ids: list[int]) -> dict:
    from .services import notification_deliver_batch  # noqa: PLC0415 - a cycle: the services enqueue through this module

    return notification_deliver_batch(notification_ids=notification_ids)


@shared_task(name="notifications.tasks.noop", ignore_result=True)
def noop(number: int = 0) -> None:
    """Does nothing: the benchmark measures what a Celery task costs by itself, its baseline."""


def enqueue_delivery(notification_id: int) -> None:
    """The one place a single delivery task is enqueued (after commit); tests replace it."""
    deliver_notification.delay(notification_id)


_ENQUEUE_ONE = enqueue_delivery


def enqueue_deliveries(notification_ids: list[int]) -> None:
    """The dispatch sweep's rows: one task per NOTIFICATIONS_SEND_BATCH of them.

    Where a test replaced :func:`enqueue_delivery` to run deliveries in its own process, every id goes through
    that replacement instead, so such tests still see each message the sweep hands out.
    """
    ids = list(notification_ids)
    if enqueue_delivery is not _ENQUEUE_ONE:
        for notification_id in ids:
            enqueue_delivery(notification_id)
        return
    size = max(1, int(getattr(settings, "NOTIFICATIONS_SEND_BATCH", 100)))
    for start in range(0, len(ids), size):
        deliver_notifications.delay(ids[start:start + size])
