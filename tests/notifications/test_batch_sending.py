"""Sending in batches (issue 17): bulk claim, bulk outcomes, one pooled Twilio client, each sending number at its
rate -- with the guarantees of one-at-a-time sending: the attempt committed before the provider is called, each
message sent once (R-INT-3, R-NS-3, R-NS-4)."""

import threading

import pytest
from django.db import connection

from notifications.channels import twilio_sms
from notifications.channels.base import PermanentSendError, TransientSendError
from notifications.channels.rate_limit import LocalSlots, RedisSlots, SenderRateLimiter
from notifications.channels.twilio_client import twilio_client
from notifications.models import DeliveryAttempt, Notification, Status
from notifications.services import delivery, notification_deliver_batch
from tests.notifications.conftest import reload


def _due_sms(make_notification, outbox, count):
    rows = [make_notification(channel="sms", idempotency_key=f"batch:{i}") for i in range(count)]
    outbox.queue.clear()  # delivered below, by the batch under test
    return [n.pk for n in rows]


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_batch_send_each_message_once(fake_twilio, make_notification, outbox, monkeypatch):
    ids = _due_sms(make_notification, outbox, 6)
    original = twilio_sms.TwilioSmsBackend.send
    first_is_sending, second_is_done = threading.Event(), threading.Event()

    def send_while_the_other_worker_runs(self, notification):
        first_is_sending.set()  # phase 1 of worker A has committed: its attempts are in the database
        assert second_is_done.wait(timeout=30)
        return original(self, notification)

    monkeypatch.setattr(twilio_sms.TwilioSmsBackend, "send", send_while_the_other_worker_runs)
    results = {}

    def worker_a():
        try:
            results["a"] = notification_deliver_batch(notification_ids=ids)
        finally:
            connection.close()

    thread = threading.Thread(target=worker_a)
    thread.start()
    assert first_is_sending.wait(timeout=30)
    results["b"] = notification_deliver_batch(notification_ids=list(reversed(ids)))  # worker B, same rows
    second_is_done.set()
    thread.join(timeout=30)

    assert set(results["b"].values()) == {"busy"}
    assert set(results["a"].values()) == {"sent"}
    assert len(fake_twilio.messages) == 6
    assert sorted(m["body"] for m in fake_twilio.messages) == sorted(
        Notification.objects.filter(pk__in=ids).values_list("body", flat=True))
    assert DeliveryAttempt.objects.filter(notification_id__in=ids).count() == 6
    assert set(Notification.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Status.SENT}


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_and_their_workers_send_each_message_once(fake_twilio, make_notification, outbox):
    from django.utils import timezone

    ids = _due_sms(make_notification, outbox, 5)
    outbox.tick(timezone.now())
    outbox.tick(timezone.now())  # a second sweep, and every row handed out once more
    outbox.queue.append(list(ids))
    assert [outcome for pk, outcome in outbox.run()[-5:]] == ["skipped:sent"] * 5
    assert len(fake_twilio.messages) == 5
    assert DeliveryAttempt.objects.filter(notification_id__in=ids, outcome="sent").count() == 5


def test_outcomes_of_a_batch_are_written_per_message_in_bulk(fake_twilio, make_notification, outbox, monkeypatch,
                                                             django_assert_max_num_queries, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    ids = _due_sms(make_notification, outbox, 30)
    sent_id, retry_id, failed_id = ids[:3]
    original = twilio_sms.TwilioSmsBackend.send

    def scripted(self, notification):
        if notification.pk == retry_id:
            raise TransientSendError("queue overflow", code="30001")
        if notification.pk == failed_id:
            raise PermanentSendError("not a mobile number", code="21614")
        return original(self, notification)

    monkeypatch.setattr(twilio_sms.TwilioSmsBackend, "send", scripted)
    # the statements of a batch do not grow with its size: 30 messages cost what 3 would (two of them the
    # provider's circuit breaker: its state read before sending, reset after a success)
    with django_assert_max_num_queries(14):
        outcomes = notification_deliver_batch(notification_ids=ids)

    assert outcomes[sent_id] == "sent" and outcomes[retry_id] == "retry" and outcomes[failed_id] == "failed"
    assert list(outcomes.values()).count("sent") == 28
    sent, retry, failed = reload(Notification(pk=sent_id)), reload(Notification(pk=retry_id)), \
        reload(Notification(pk=failed_id))
    assert sent.status == Status.SENT and sent.sent_at and sent.lease_until is None
    assert sent.provider_message_id in {m["sid"] for m in fake_twilio.messages}
    assert sent.attempts.get().provider_message_id == sent.provider_message_id
    assert retry.status == Status.PENDING and retry.last_error_code == "30001" and retry.attempt_count == 1
    assert 59 <= (retry.next_attempt_at - retry.attempts.get().finished_at).total_seconds() <= 61
    assert retry.attempts.get().outcome == DeliveryAttempt.Outcome.TRANSIENT_ERROR
    assert failed.status == Status.FAILED and failed.failed_at and failed.last_error == "not a mobile number"
    assert failed.attempts.get().outcome == DeliveryAttempt.Outcome.PERMANENT_ERROR
    assert failed.attempts.get().error_code == "21614"
    assert len(fake_twilio.messages) == 28


def test_attempts_are_committed_before_any_provider_call(fake_twilio, make_notification, outbox, monkeypatch):
    ids = _due_sms(make_notification, outbox, 4)
    seen = []
    original = twilio_sms.TwilioSmsBackend.send

    def look_first(self, notification):
        seen.append((notification.pk, Notification.objects.get(pk=notification.pk).status,
                     DeliveryAttempt.objects.filter(notification_id=notification.pk, outcome="in_flight").count()))
        return original(self, notification)

    monkeypatch.setattr(twilio_sms.TwilioSmsBackend, "send", look_first)
    monkeypatch.setattr(twilio_sms.TwilioSmsBackend, "sends_in_threads", False)  # this probe reads the database
    notification_deliver_batch(notification_ids=ids)
    assert sorted(seen) == [(pk, Status.SENDING, 1) for pk in ids]


class FakeClock:
    def __init__(self, now: float):
        self.now = now
        self.slept: list[float] = []
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.slept.append(seconds)
            self.now += seconds


def test_the_rate_limit_spaces_a_senders_messages(fake_twilio, make_notification, outbox, monkeypatch, settings):
    settings.NOTIFICATIONS_SEND_THREADS = 1  # the fake clock is advanced by one send at a time
    clock = FakeClock(1000.0)
    limiter = SenderRateLimiter(rate_per_second=1, slots=LocalSlots(), clock=clock, sleep=clock.sleep,
                                horizon_seconds=2.5)
    monkeypatch.setattr(delivery, "sender_rate_limiter", lambda: limiter)
    sent_at = []
    original = twilio_sms.TwilioSmsBackend.send

    def timed(self, notification):
        sent_at.append(clock())
        return original(self, notification)

    monkeypatch.setattr(twilio_sms.TwilioSmsBackend, "send", timed)
    ids = _due_sms(make_notification, outbox, 5)

    outcomes = notification_deliver_batch(notification_ids=ids)
    assert list(outcomes.values()) == ["sent", "sent", "sent", "rate-limited", "rate-limited"]
    assert sent_at == [1000.0, 1001.0, 1002.0]  # one a second, the first at once
    for pk in ids[3:]:  # no slot within the horizon: back in the queue, no try counted
        late = reload(Notification(pk=pk))
        assert late.status == Status.PENDING and late.attempt_count == 0 and not late.attempts.exists()

    Notification.objects.filter(pk__in=ids[3:]).update(next_attempt_at=late.created_at)  # due again
    assert set(notification_deliver_batch(notification_ids=ids[3:]).values()) == {"sent"}
    assert sent_at == [1000.0, 1001.0, 1002.0, 1003.0, 1004.0]
    assert len(fake_twilio.messages) == 5


def test_each_sending_number_has_its_own_slots():
    clock = FakeClock(50.0)
    limiter = SenderRateLimiter(rate_per_second=2, clock=clock, sleep=clock.sleep)
    assert limiter.reserve("+15005550006", 3) == [50.0, 50.5, 51.0]
    assert limiter.reserve("+15005550007", 1) == [50.0]
    assert limiter.reserve("+15005550006", 1) == [51.5]
    assert limiter.reserve("", 2) == [50.0, 50.0]  # no sending number (console, e-mail): no limit


@pytest.mark.redis
def test_workers_share_a_numbers_slots_through_redis(settings):
    import uuid

    clock = FakeClock(2000.0)
    sender = f"+1500{uuid.uuid4().int % 10**7:07d}"
    one, two = (SenderRateLimiter(rate_per_second=10, slots=RedisSlots(settings.REDIS_URL), clock=clock,
                                  sleep=clock.sleep) for _ in range(2))
    first, second, third = one.reserve(sender, 2), two.reserve(sender, 2), one.reserve(sender, 1)
    assert [round(t, 3) for t in first + second + third] == [2000.0, 2000.1, 2000.2, 2000.3, 2000.4]


def test_one_twilio_client_and_connection_serve_many_sends(fake_twilio, make_notification):
    for _ in range(3):
        make_notification(channel="sms", run=True)  # three tasks, one after the other
    assert len(fake_twilio.messages) == 3
    assert fake_twilio.connections == 1  # kept alive: not a new TCP connection per message
    assert twilio_client() is twilio_client()
