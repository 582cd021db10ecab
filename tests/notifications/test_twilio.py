"""The real twilio client against a local fake Twilio: sending, retries, permanent failure,
and no double send after a lost worker (R-INT-3, R-NS-3)."""

import pytest
import time_machine
from django.utils import timezone

from notifications.channels import twilio_sms
from notifications.models import DeliveryAttempt, Notification, Status
from notifications.selectors import failed_notifications
from tests.notifications.conftest import PUBLIC, reload

pytestmark = pytest.mark.django_db


def test_sms_goes_through_the_real_client_with_a_status_callback(fake_twilio, make_notification):  # R-INT-3
    n = make_notification(channel="sms", run=True)
    assert len(fake_twilio.messages) == 1
    sent = fake_twilio.messages[0]
    n = reload(n)
    assert n.status == Status.SENT and n.provider_message_id == sent["sid"]
    assert sent["to"] == "+8613800138000" and sent["from"] == "+15005550006"
    assert sent["body"] == n.body
    assert sent["status_callback"] == f"{PUBLIC}/api/v1/integrations/twilio/status/?n={n.public_token}"
    attempt = n.attempts.get()
    assert attempt.outcome == DeliveryAttempt.Outcome.SENT and attempt.backend == "twilio-sms"


def test_voice_call_speaks_the_message_with_a_keypress_menu(fake_twilio, make_notification):
    make_notification(channel="voice", language="zh-hans", context={"organization_name": "市第一医院"}, run=True)
    make_notification(channel="voice", language="en", run=True)
    zh, en = (c["twiml"] for c in fake_twilio.calls)
    assert '<Gather action="https://hr.example.org/api/v1/integrations/twilio/voice/gather/?n=' in zh
    assert 'numDigits="1"' in zh
    assert '<Say language="zh-CN">' in zh and "按1" in zh and "市第一医院" in zh
    assert "https://" not in zh.split("<Say", 1)[1].split("</Say>")[0]  # links are not spoken
    assert '<Say language="en-US">' in en and "Press 1 to confirm" in en


def test_rate_limit_is_retried_with_exponential_backoff(fake_twilio, make_notification, outbox, settings):
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    fake_twilio.fail_next(429, 20429, times=2)
    start = timezone.now()
    n = make_notification(run=True)
    n = reload(n)
    assert n.status == Status.PENDING and n.last_error_code == "20429"
    first_gap = (n.next_attempt_at - start).total_seconds()
    assert 60 <= first_gap < 70
    outbox.tick(n.next_attempt_at - timezone.timedelta(seconds=1))
    assert reload(n).attempt_count == 1  # not before its time
    outbox.tick(n.next_attempt_at)
    n2 = reload(n)
    assert n2.status == Status.PENDING and n2.attempt_count == 2
    second = n2.attempts.get(number=2)
    assert 119 <= (n2.next_attempt_at - second.finished_at).total_seconds() <= 121  # doubled
    outbox.tick(n2.next_attempt_at)
    n3 = reload(n)
    assert n3.status == Status.SENT and n3.attempt_count == 3
    assert len(fake_twilio.messages) == 1
    assert [a.outcome for a in n3.attempts.all()] == ["transient_error", "transient_error", "sent"]


def test_r_sec_8_a_429_waits_as_long_as_twilio_says(fake_twilio, make_notification, outbox, settings):
    """R-SEC-8 (issue 21 item 3): Twilio's 429 with ``Retry-After: 300`` waits five minutes, not the one-minute
    back-off; a ``Retry-After`` shorter than the back-off leaves the back-off."""
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    fake_twilio.fail_next(429, 20429, retry_after=300)
    n = reload(make_notification(run=True))
    attempt = n.attempts.get(number=1)
    assert n.status == Status.PENDING and 299 <= (n.next_attempt_at - attempt.finished_at).total_seconds() <= 301
    assert attempt.response["retry_after"] == 300
    outbox.tick(n.next_attempt_at - timezone.timedelta(seconds=1))
    assert reload(n).attempt_count == 1  # not before
    fake_twilio.fail_next(429, 20429, retry_after=5)
    outbox.tick(n.next_attempt_at)
    n = reload(n)
    second = n.attempts.get(number=2)
    assert 119 <= (n.next_attempt_at - second.finished_at).total_seconds() <= 121  # the back-off is longer
    outbox.tick(n.next_attempt_at)
    assert reload(n).status == Status.SENT and len(fake_twilio.messages) == 1


def test_server_errors_exhaust_retries_then_fail_visibly(fake_twilio, make_notification, outbox, users, org):
    fake_twilio.fail_next(500, 20500, times=10)
    n = make_notification(max_attempts=3, department=org.emergency, run=True)
    for _ in range(3):
        outbox.tick(reload(n).next_attempt_at)
    n = reload(n)
    assert n.status == Status.FAILED and n.attempt_count == 3 and n.failed_at
    assert fake_twilio.messages == []
    # visible: the dashboard to-do list and an in-app alert for HR who may see it
    assert list(failed_notifications(user=users.hr)) == [n]
    assert list(failed_notifications(user=users.it_manager)) == []
    alerts = Notification.objects.filter(channel="in_app", related_id=str(n.pk))
    assert {a.recipient_id for a in alerts} == {str(users.hr.pk), str(users.director.pk)}


def test_invalid_number_fails_at_once(fake_twilio, make_notification, users):
    fake_twilio.fail_next(400, 21211)
    n = reload(make_notification(run=True))
    assert n.status == Status.FAILED and n.attempt_count == 1 and n.last_error_code == "21211"
    assert n.attempts.get().outcome == DeliveryAttempt.Outcome.PERMANENT_ERROR
    assert Notification.objects.filter(channel="in_app", template_key="generic_alert").exists()


class WorkerLost(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the task can catch and record it."""


def _crash_after_provider_accepts(monkeypatch):
    original = twilio_sms.TwilioSmsBackend.send

    def send_then_die(self, notification):
        original(self, notification)
        raise WorkerLost

    monkeypatch.setattr(twilio_sms.TwilioSmsBackend, "send", send_then_die)
    return original


def test_worker_lost_after_provider_accepted_never_sends_twice(fake_twilio, make_notification, outbox,
                                                               monkeypatch, settings):  # R-NS-3
    settings.NOTIFICATIONS_LEASE_SECONDS = 300
    original = _crash_after_provider_accepts(monkeypatch)
    n = make_notification()
    with pytest.raises(WorkerLost):
        outbox.run()
    monkeypatch.setattr(twilio_sms.TwilioSmsBackend, "send", original)  # a new, healthy worker
    n = reload(n)
    assert n.status == Status.SENDING and n.provider_message_id == ""
    assert len(fake_twilio.messages) == 1
    # a redelivered task while the first might still be running does nothing
    outbox.queue.append(n.pk)
    assert outbox.run()[-1] == (n.pk, "busy")
    # after the lease, the sweep hands it out again; the worker asks Twilio first
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6), tick=True):
        summary = outbox.tick()
    assert summary["reclaimed"] == 1
    n = reload(n)
    assert n.status == Status.SENT and n.provider_message_id == fake_twilio.messages[0]["sid"]
    assert len(fake_twilio.messages) == 1
    assert [a.outcome for a in n.attempts.all()] == ["abandoned", "recovered"]


def test_worker_lost_before_provider_accepted_sends_once(fake_twilio, make_notification, outbox, monkeypatch,
                                                         settings):
    def die(self, notification):
        raise WorkerLost

    original = twilio_sms.TwilioSmsBackend.send
    monkeypatch.setattr(twilio_sms.TwilioSmsBackend, "send", die)
    n = make_notification()
    with pytest.raises(WorkerLost):
        outbox.run()
    monkeypatch.setattr(twilio_sms.TwilioSmsBackend, "send", original)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11), tick=True):
        outbox.tick()
    assert reload(n).status == Status.SENT
    assert len(fake_twilio.messages) == 1  # nothing found at Twilio, so it was sent: once


def test_timeout_after_acceptance_is_looked_up_before_resending(fake_twilio, make_notification, outbox,
                                                                monkeypatch):
    import requests

    original = twilio_sms.TwilioSmsBackend.send
    calls = {"n": 0}

    def accepted_but_timed_out(self, notification):
        calls["n"] += 1
        if calls["n"] == 1:
            original(self, notification)
            raise twilio_sms.translate_error(requests.ReadTimeout("read timed out"))
        return original(self, notification)

    monkeypatch.setattr(twilio_sms.TwilioSmsBackend, "send", accepted_but_timed_out)
    n = make_notification(run=True)
    assert reload(n).status == Status.PENDING and reload(n).last_error_code == "network"
    outbox.tick(reload(n).next_attempt_at)
    n = reload(n)
    assert n.status == Status.SENT and len(fake_twilio.messages) == 1 and calls["n"] == 1
    assert n.attempts.last().outcome == DeliveryAttempt.Outcome.RECOVERED
