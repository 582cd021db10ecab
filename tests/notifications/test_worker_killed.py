"""kill -9 of a real Celery worker in the middle of a run of SMS: after a new worker takes over, every message
has gone out exactly once (R-INT-3, R-NS-3; issue 17 item 2).

The worker sends through the real ``twilio`` client to the fake Twilio server, which takes each message and
answers a little later, so the kill lands while messages are in flight: some the provider took without the
worker hearing it (the new worker finds them at the provider instead of sending them again), some not yet sent.
The dispatch sweep runs in this process as beat would run it, on real time; the lease is 5 s (here and in the
workers) so rows abandoned by the killed worker, or claimed into a batch it took down with it, come back quickly.
"""

import os
import signal
from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from notifications import tasks
from notifications.models import DeliveryAttempt, Notification, Status
from notifications.services import notification_create, notification_dispatch_due
from notifications.types import Recipient
from tests.conftest import wait_until
from tests.notifications.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC, REAL_ENQUEUE, REAL_ENQUEUE_BATCHES

pytestmark = pytest.mark.slow

COUNT = 300


@pytest.mark.redis
def test_r_int_3_worker_killed_mid_run_loses_no_message_and_sends_none_twice(
        celery_worker_process, fake_twilio, monkeypatch, settings):
    settings.NOTIFICATIONS_LEASE_SECONDS = 5  # the sweep here and the workers agree on the lease, as in production
    monkeypatch.setattr(tasks, "enqueue_delivery", REAL_ENQUEUE)  # the real broker, not the in-process outbox
    monkeypatch.setattr(tasks, "enqueue_deliveries", REAL_ENQUEUE_BATCHES)  # the sweep's batches as well
    fake_twilio.answer_delay = 0.05
    worker_env = dict(broker="redis", concurrency=2, SMS_BACKEND="twilio", TWILIO_ACCOUNT_SID=ACCOUNT_SID,
                      TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_FROM_NUMBER="+15005550006",
                      TWILIO_API_BASE=fake_twilio.url, PUBLIC_BASE_URL=PUBLIC, NOTIFICATIONS_LEASE_SECONDS="5")
    first = celery_worker_process.start(**worker_env)  # before enqueuing: this process then sends to its queue
    with transaction.atomic():
        ids = [notification_create(
            recipient=Recipient(type="candidates.candidate", id=i, name=f"候选人{i}", phone=f"+86138{i:08d}"),
            channel="sms", template_key="generic_message", context={"message": f"第{i}条", "subject": "s"},
            idempotency_key=f"killed-worker:{i}", due_at=timezone.now() - timezone.timedelta(seconds=1),
            ignore_quiet_hours=True).pk for i in range(COUNT)]
    notification_dispatch_due(now=timezone.now())  # the sweep claims them in batches as well
    wait_until(lambda: len(fake_twilio.messages) >= COUNT // 5, timeout=120,
               message="the first worker to be sending")
    main = first.procs[0]
    os.killpg(main.pid, signal.SIGKILL)  # the worker and its pool processes, no chance to clean up
    main.wait(timeout=30)
    taken_before_kill = len(fake_twilio.messages)
    assert taken_before_kill < COUNT, "the kill must land before the run is over"

    celery_worker_process.start(**worker_env)

    sweeps = []

    def all_sent():
        sweeps.append(notification_dispatch_due(now=timezone.now()))  # beat's minute sweep, run here every poll
        return Notification.objects.filter(pk__in=ids, status=Status.SENT).count() == COUNT

    try:
        wait_until(all_sent, timeout=300, interval=1.0, message="every message sent after the kill")
    except AssertionError as timed_out:
        states = Counter(Notification.objects.filter(pk__in=ids).values_list("status", flat=True))
        stuck = list(Notification.objects.filter(pk__in=ids).exclude(status=Status.SENT).values(
            "pk", "lease_until", "attempt_count"))
        attempts = list(DeliveryAttempt.objects.filter(notification_id__in=[r["pk"] for r in stuck]).values(
            "notification_id", "outcome", "started_at"))
        raise AssertionError(f"{timed_out}: {dict(states)}; stuck {stuck}, attempts {attempts}, now "
                             f"{timezone.now()}, sweeps {sweeps[-3:]}; worker log:\n{celery_worker_process.log()[-4000:]}")

    to_numbers = [m["to"] for m in fake_twilio.messages]
    assert len(to_numbers) == COUNT and len(set(to_numbers)) == COUNT, "each recipient got exactly one SMS"
    sids = set(Notification.objects.filter(pk__in=ids).values_list("provider_message_id", flat=True))
    assert sids == {m["sid"] for m in fake_twilio.messages}
    # one successful attempt per message: sent, or -- where the killed worker never heard the provider's answer --
    # found at the provider by the next worker instead of being sent again
    outcomes = Counter(DeliveryAttempt.objects.filter(notification_id__in=ids).values_list("outcome", flat=True))
    assert outcomes["sent"] + outcomes["recovered"] == COUNT, outcomes
    assert outcomes["recovered"] <= outcomes["abandoned"], outcomes
    assert set(outcomes) <= {"sent", "recovered", "abandoned"}, outcomes
