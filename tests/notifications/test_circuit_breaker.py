"""A provider failing again and again is paused (circuit breaker) instead of burning every message's tries; it
is probed after the pause, and once it answers every message goes out exactly once (R-SEC-8, R-NS-4; issue 21
item 3). Through the real ``twilio`` client against the fake Twilio server, which answers 500 until told not to.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from notifications.models import Notification, ProviderCircuit, Status
from tests.notifications.conftest import reload

pytestmark = pytest.mark.no_daytime
START = "2026-11-23T02:00:00Z"  # 10:00 in Shanghai: no quiet hours


@pytest.fixture
def circuit_settings(settings):
    settings.NOTIFICATIONS_CIRCUIT_THRESHOLD = 5
    settings.NOTIFICATIONS_CIRCUIT_OPEN_SECONDS = 600
    settings.NOTIFICATIONS_CIRCUIT_PROBES = 2
    settings.NOTIFICATIONS_DISPATCH_BATCH = 5  # the sweep claims (and queues) five at a time
    return settings


def test_r_sec_8_a_provider_down_is_paused_not_burning_every_message(fake_twilio, make_notification, outbox,
                                                                    circuit_settings):
    fake_twilio.fail_next(500, 20500, times=10_000)
    with time_machine.travel(START, tick=False):
        ids = [make_notification(idempotency_key=f"circuit:{i}", max_attempts=3).pk for i in range(30)]
        outbox.tick()
        now = timezone.now()
    circuit = ProviderCircuit.objects.get(backend="twilio-sms")
    assert circuit.open_until == now + timedelta(seconds=600) and circuit.opened_count == 1
    rows = Notification.objects.filter(pk__in=ids)
    tried = rows.filter(attempt_count=1)
    assert tried.count() == 5 and len(fake_twilio.failures) == 10_000 - 5  # the first five, then nothing
    untouched = rows.filter(attempt_count=0)
    assert untouched.count() == 25
    assert set(untouched.values_list("status", "next_attempt_at").distinct()) == {(Status.PENDING,
                                                                                   circuit.open_until)}
    with time_machine.travel(now, tick=False):
        assert Client().get("/healthz").json()["paused_providers"] == ["twilio-sms"]

    with time_machine.travel(now + timedelta(minutes=5), tick=False):  # still paused: the retries wait too
        outbox.tick()
    assert rows.filter(attempt_count__gt=1).count() == 0 and not fake_twilio.messages

    with fake_twilio.lock:
        fake_twilio.failures.clear()  # the provider is back
    moment = circuit.open_until
    for _ in range(10):  # the pause is over: a probe, then everything, each once
        moment += timedelta(minutes=2)
        with time_machine.travel(moment, tick=False):
            outbox.tick()
        if rows.filter(status=Status.SENT).count() == 30:
            break
    assert rows.filter(status=Status.SENT).count() == 30
    to_numbers = [m["to"] for m in fake_twilio.messages]
    assert len(to_numbers) == 30 and len({m["sid"] for m in fake_twilio.messages}) == 30
    assert max(rows.values_list("attempt_count", flat=True)) <= 2  # nobody's tries were used up
    circuit.refresh_from_db()
    assert circuit.consecutive_failures == 0 and circuit.open_until is None


def test_a_probe_that_fails_pauses_again(fake_twilio, make_notification, outbox, circuit_settings):
    fake_twilio.fail_next(500, 20500, times=10_000)
    with time_machine.travel(START, tick=False):
        for i in range(10):
            make_notification(idempotency_key=f"probe:{i}", max_attempts=5)
        outbox.tick()
    first = ProviderCircuit.objects.get(backend="twilio-sms")
    with time_machine.travel(first.open_until + timedelta(seconds=1), tick=False):
        before = len(fake_twilio.failures)
        outbox.tick()
        probed = before - len(fake_twilio.failures)
    again = ProviderCircuit.objects.get(backend="twilio-sms")
    assert 1 <= probed <= 2  # the probe: at most NOTIFICATIONS_CIRCUIT_PROBES messages
    assert again.opened_count == 2 and again.open_until > first.open_until


def test_permanent_errors_do_not_pause_the_provider(fake_twilio, make_notification, outbox, circuit_settings):
    """An invalid number is the message's fault, not the provider's: the others keep going."""
    fake_twilio.fail_next(400, 21211, times=8)
    with time_machine.travel(START, tick=False):
        ids = [make_notification(idempotency_key=f"bad:{i}").pk for i in range(12)]
        outbox.tick()
    assert not ProviderCircuit.objects.filter(open_until__isnull=False).exists()
    assert Notification.objects.filter(pk__in=ids, status=Status.SENT).count() == 4
    assert reload(Notification.objects.get(pk=ids[0])).status == Status.FAILED
