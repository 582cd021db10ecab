"""Redis restarted while reminders are due: the tasks queued in it are lost, and still every due message is sent
exactly once after it comes back, because the minute sweep hands over again what was claimed and not sent
(R-SEC-8, R-NS-4; issue 21 item 1).

The dispatch sweep (as beat runs it) claims 40 due SMS and queues their batches in a Redis of the test's own;
Redis is killed before any worker runs (no persistence: the queue is gone) and started again empty; then a real
worker and beat start on it, and the sweep hands the abandoned rows out again once their lease is over. The SMS go
through the real ``twilio`` client to the fake Twilio server.
"""

from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import tasks
from notifications.models import Notification, Status
from notifications.services import notification_create, notification_dispatch_due
from notifications.types import Recipient
from tests.conftest import wait_until
from tests.faults.redis_server import ThrowawayRedis
from tests.notifications.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC, REAL_ENQUEUE, REAL_ENQUEUE_BATCHES

pytestmark = pytest.mark.slow

COUNT = 40


@pytest.mark.redis
def test_r_sec_8_due_messages_survive_a_redis_restart_each_sent_once(celery_worker_process, fake_twilio, monkeypatch,
                                                                   settings, tmp_path):
    redis_server = ThrowawayRedis(tmp_path / "redis")
    if not redis_server.available:
        pytest.skip("redis-server not installed")
    redis_server.start()
    try:
        settings.REDIS_URL = redis_server.url  # the worker fixture's Redis broker: this one
        settings.NOTIFICATIONS_LEASE_SECONDS = 5
        monkeypatch.setattr(tasks, "enqueue_delivery", REAL_ENQUEUE)
        monkeypatch.setattr(tasks, "enqueue_deliveries", REAL_ENQUEUE_BATCHES)
        celery_worker_process._configure_this_process("redis")  # this process queues into that Redis
        with transaction.atomic():
            ids = [notification_create(
                recipient=Recipient(type="candidates.candidate", id=i, name=f"候选人{i}", phone=f"+86137{i:08d}"),
                channel="sms", template_key="generic_message", context={"message": f"面试提醒{i}", "subject": "s"},
                idempotency_key=f"redis-restart:{i}", due_at=timezone.now() - timezone.timedelta(seconds=1),
                ignore_quiet_hours=True).pk for i in range(COUNT)]
        claimed = notification_dispatch_due(now=timezone.now())  # beat's sweep: claimed, batches queued in Redis
        assert Notification.objects.filter(pk__in=ids, status=Status.SENDING).count() == COUNT, claimed

        redis_server.kill()  # the queued batches go with it
        redis_server.start()  # back on the same port, empty
        celery_worker_process.start(broker="redis", beat=True, HR_TICK_SECONDS="1", SMS_BACKEND="twilio",
                                    TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                                    TWILIO_FROM_NUMBER="+15005550006", TWILIO_API_BASE=fake_twilio.url,
                                    PUBLIC_BASE_URL=PUBLIC, NOTIFICATIONS_SENDER_RATE="0",
                                    NOTIFICATIONS_LEASE_SECONDS="5")
        wait_until(lambda: Notification.objects.filter(pk__in=ids, status=Status.SENT).count() == COUNT,
                   timeout=180, interval=0.5,
                   message=f"every message sent after the restart; log:\n{celery_worker_process.log()[-3000:]}")
    finally:
        celery_worker_process.stop()
        redis_server.kill()
    to_numbers = Counter(m["to"] for m in fake_twilio.messages)
    assert len(to_numbers) == COUNT and set(to_numbers.values()) == {1}, "each recipient got exactly one SMS"
