"""A real Celery worker on the real Redis broker sends each notification exactly once (R-INT-3)."""

import pytest
from django.db import transaction

from notifications import tasks
from notifications.models import DeliveryAttempt, Notification, Status
from notifications.services import notification_create, notification_dispatch_due
from notifications.types import Recipient
from tests.conftest import wait_until
from tests.notifications.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC, REAL_ENQUEUE

pytestmark = pytest.mark.slow


@pytest.mark.redis
def test_redis_worker_sends_each_notification_once_despite_duplicate_tasks(
        celery_worker_process, fake_twilio, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue_delivery", REAL_ENQUEUE)  # the real broker, not the in-process outbox
    celery_worker_process.start(
        broker="redis", concurrency=4, SMS_BACKEND="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM_NUMBER="+15005550006", TWILIO_API_BASE=fake_twilio.url,
        PUBLIC_BASE_URL=PUBLIC)
    ids = []
    with transaction.atomic():
        for i in range(5):
            ids.append(notification_create(
                recipient=Recipient(type="candidates.candidate", id=i, name=f"候选人{i}", phone=f"+861380013800{i}"),
                channel="sms", template_key="generic_message", context={"message": f"第{i}条", "subject": "s"},
                idempotency_key=f"worker-test:{i}", ignore_quiet_hours=True).pk)
    # every task enqueued twice more, plus a sweep: redelivery and duplicates must not double-send
    for notification_id in ids:
        tasks.deliver_notification.delay(notification_id)
        tasks.deliver_notification.delay(notification_id)
    from django.utils import timezone

    notification_dispatch_due(now=timezone.now())
    wait_until(lambda: Notification.objects.filter(pk__in=ids, status=Status.SENT).count() == 5,
               message=f"worker to send 5 notifications; log:\n{celery_worker_process.log()[-3000:]}")
    assert len(fake_twilio.messages) == 5
    assert len({m["body"] for m in fake_twilio.messages}) == 5
    sids = set(Notification.objects.filter(pk__in=ids).values_list("provider_message_id", flat=True))
    assert sids == {m["sid"] for m in fake_twilio.messages}
    assert DeliveryAttempt.objects.filter(notification_id__in=ids, outcome="sent").count() == 5
