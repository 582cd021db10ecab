"""Tencent Cloud SMS through its official SDK against a local fake Tencent Cloud (R-CN-1, R-INT-3): the template id,
the signature and the numbered parameters; retries, permanent failures, no double send after a lost worker,
status reports pulled back, and the console default untouched."""

import pytest
import time_machine
from django.utils import timezone

from hrsys.core.periodic import run_due_jobs
from notifications.channels import get_backend, tencent_sms
from notifications.models import (
    DeliveryAttempt,
    DeliveryReceipt,
    MessageTemplate,
    Notification,
    SmsProviderTemplate,
    Status,
)
from tests.notifications.conftest import PUBLIC, reload
from tests.notifications.fake_cn_sms import FakeTencent

pytestmark = pytest.mark.django_db

SIGN = "市第一医院"
APP_ID = "1400123456"


@pytest.fixture
def fake_tencent(settings):
    server = FakeTencent().start()
    settings.SMS_BACKEND = "tencent"
    settings.TENCENT_SMS_SECRET_ID = "AKIDfakeSecretId"
    settings.TENCENT_SMS_SECRET_KEY = "fake-secret-key"
    settings.TENCENT_SMS_SDK_APP_ID = APP_ID
    settings.TENCENT_SMS_SIGN_NAME = SIGN
    settings.TENCENT_SMS_ENDPOINT = server.url
    settings.NOTIFICATIONS_SENDER_RATE = 0
    yield server
    server.stop()


@pytest.fixture
def reminder_code(db):
    template = MessageTemplate.objects.get(key="interview_reminder", language="zh-hans", channel="")
    return SmsProviderTemplate.objects.create(template=template, provider="tencent", code="1987654",
                                              parameters="2=interview_time\n1=recipient_name\n3=confirm_url")


def _pull(at=None):
    return run_due_jobs(now=at or timezone.now(), only=["notifications.sms_receipts"])["notifications.sms_receipts"]


def test_r_cn_1_a_due_message_goes_once_with_template_id_sign_and_numbered_parameters(
        fake_tencent, reminder_code, make_notification):
    """R-CN-1, R-INT-3: SendSms with the template id, the signature, the app id, the parameters in their numbered
    order (the link tracked) and the token as SessionContext; the SerialNo is kept."""
    assert isinstance(get_backend("sms"), tencent_sms.TencentSmsBackend)
    n = reload(make_notification(run=True))
    sends = fake_tencent.sent("SendSms")
    assert len(sends) == 1
    sent = sends[0]
    assert sent["TemplateId"] == "1987654" and sent["SignName"] == SIGN and sent["SmsSdkAppId"] == APP_ID
    assert sent["PhoneNumberSet"] == ["+8613800138000"] and sent["SessionContext"] == n.public_token
    link = n.links.get(target_url="https://portal.example.org/c/1")
    assert sent["TemplateParamSet"] == ["张伟", "11-23 09:30", f"{PUBLIC}/l/{link.token}"]
    assert n.status == Status.SENT and n.provider_message_id == fake_tencent.messages[0]["SerialNo"]
    assert n.attempts.get().backend == "tencent-sms"


def test_r_cn_1_rate_limits_and_5xx_are_retried_then_sent_once(fake_tencent, reminder_code, make_notification,
                                                                outbox, settings):
    """R-CN-1: a request rate limit, a number's 30-second limit (inside the SendStatusSet) and a 502 are worth
    another try after the back-off; then the message goes once."""
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    fake_tencent.fail_next(200, "RequestLimitExceeded")
    fake_tencent.fail_next(200, "send:LimitExceeded.PhoneNumberThirtySecondLimit")
    fake_tencent.fail_next(502, "")
    n = reload(make_notification(run=True))
    assert n.status == Status.PENDING and n.last_error_code == "RequestLimitExceeded"
    assert 59 <= (n.next_attempt_at - n.attempts.get(number=1).finished_at).total_seconds() <= 61
    outbox.tick(n.next_attempt_at)
    n = reload(n)
    assert n.status == Status.PENDING and n.last_error_code == "LimitExceeded.PhoneNumberThirtySecondLimit"[:40]
    assert n.last_error.startswith("LimitExceeded.PhoneNumberThirtySecondLimit: ")
    outbox.tick(n.next_attempt_at)
    n = reload(n)
    assert n.status == Status.PENDING and n.last_error_code == "ServerNetworkError"
    outbox.tick(n.next_attempt_at)
    n = reload(n)
    assert n.status == Status.SENT and len(fake_tencent.messages) == 1
    assert [a.outcome for a in n.attempts.all()] == ["transient_error"] * 3 + ["sent"]


@pytest.mark.parametrize("code", ["send:InvalidParameterValue.IncorrectPhoneNumber",
                                  "send:FailedOperation.TemplateIncorrectOrUnapproved",
                                  "FailedOperation.SignatureIncorrectOrUnapproved"])
def test_r_cn_1_permanent_errors_fail_at_once_and_alert_hr(fake_tencent, reminder_code, make_notification, users,
                                                           code):
    fake_tencent.fail_next(200, code)
    n = reload(make_notification(run=True))
    code = code.removeprefix("send:")
    assert n.status == Status.FAILED and n.attempt_count == 1 and n.last_error_code == code[:40]
    assert code in n.last_error
    assert n.attempts.get().outcome == DeliveryAttempt.Outcome.PERMANENT_ERROR
    assert Notification.objects.filter(channel="in_app", template_key="generic_alert",
                                       related_id=str(n.pk)).exists()


def test_r_cn_1_a_template_without_a_tencent_code_fails_with_a_reason(fake_tencent, make_notification, users):
    n = reload(make_notification(run=True))
    assert n.status == Status.FAILED and n.last_error_code == "no_template_code"
    assert fake_tencent.requests == []


class WorkerLost(BaseException):
    """Stands for SIGKILL."""


def test_r_cn_1_a_worker_lost_after_tencent_accepted_never_sends_twice(fake_tencent, reminder_code,
                                                                      make_notification, outbox, monkeypatch,
                                                                      settings):
    """R-CN-1, R-NS-3: the worker dies after Tencent took the message; once its status report exists the next
    worker finds it by SessionContext (PullSmsSendStatusByPhoneNumber) and does not send it again."""
    settings.NOTIFICATIONS_LEASE_SECONDS = 300
    original = tencent_sms.TencentSmsBackend.send

    def send_then_die(self, notification):
        original(self, notification)
        raise WorkerLost

    monkeypatch.setattr(tencent_sms.TencentSmsBackend, "send", send_then_die)
    n = make_notification()
    with pytest.raises(WorkerLost):
        outbox.run()
    monkeypatch.setattr(tencent_sms.TencentSmsBackend, "send", original)
    serial = fake_tencent.messages[0]["SerialNo"]
    fake_tencent.report(serial, delivered=True)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6), tick=True):
        assert outbox.tick()["reclaimed"] == 1
    n = reload(n)
    assert n.status == Status.SENT and n.provider_message_id == serial
    assert len(fake_tencent.sent("SendSms")) == 1
    assert [a.outcome for a in n.attempts.all()] == ["abandoned", "recovered"]


def test_r_cn_1_a_worker_lost_before_tencent_accepted_sends_once(fake_tencent, reminder_code, make_notification,
                                                                outbox, monkeypatch):
    original = tencent_sms.TencentSmsBackend.send

    def die(self, notification):
        raise WorkerLost

    monkeypatch.setattr(tencent_sms.TencentSmsBackend, "send", die)
    n = make_notification()
    with pytest.raises(WorkerLost):
        outbox.run()
    monkeypatch.setattr(tencent_sms.TencentSmsBackend, "send", original)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11), tick=True):
        outbox.tick()
    assert reload(n).status == Status.SENT and len(fake_tencent.messages) == 1


def test_r_cn_1_status_pull_marks_delivered_and_failed_once(fake_tencent, reminder_code, make_notification, users):
    """R-CN-1, R-NS-4: PullSmsSendStatus's reports are matched by serial number: SUCCESS delivered, FAIL failed
    with the carrier's description (HR alerted); a report read again changes nothing."""
    ok = reload(make_notification(run=True))
    bad = reload(make_notification(run=True))
    fake_tencent.report(ok.provider_message_id, delivered=True)
    fake_tencent.report(bad.provider_message_id, delivered=False, description="MK:0001")
    assert _pull() == {"read": 2, "applied": 2}
    assert reload(ok).status == Status.DELIVERED
    bad = reload(bad)
    assert bad.status == Status.FAILED and bad.last_error_code == "MK:0001"
    assert Notification.objects.filter(channel="in_app", related_id=str(bad.pk)).exists()
    receipt = DeliveryReceipt.objects.get(notification=ok)
    assert receipt.provider == "tencent" and receipt.applied and "+86" not in receipt.payload
    fake_tencent.unread.append({**fake_tencent.reports[0], "SessionContext": ok.public_token})
    fake_tencent.unread[-1].pop("at")
    assert _pull() == {"read": 1, "applied": 0}  # the same report again
    assert DeliveryReceipt.objects.count() == 2


def test_r_cn_1_a_pull_error_is_logged_and_retried_next_minute(fake_tencent, reminder_code, make_notification):
    n = reload(make_notification(run=True))
    fake_tencent.report(n.provider_message_id, delivered=True)
    fake_tencent.fail_next(502, "")
    assert _pull() == {"read": 0, "applied": 0}
    assert _pull() == {"read": 1, "applied": 1}
    assert reload(n).status == Status.DELIVERED
