"""Aliyun SMS through its official SDK against a local fake Aliyun (R-CN-1, R-INT-3): the approved template's code,
the signature and the parameters; retries, permanent failures, no double send after a lost worker, delivery
receipts pulled back, and the console default untouched."""

import json

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from hrsys.core.periodic import run_due_jobs
from notifications.channels import aliyun_sms, get_backend
from notifications.channels.console import ConsoleSmsBackend
from notifications.models import (
    DeliveryAttempt,
    DeliveryReceipt,
    MessageTemplate,
    Notification,
    SmsProviderTemplate,
    Status,
)
from tests.notifications.conftest import PUBLIC, reload
from tests.notifications.fake_cn_sms import FakeAliyun

pytestmark = pytest.mark.django_db

SIGN = "市第一医院"


@pytest.fixture
def fake_aliyun(settings):
    server = FakeAliyun().start()
    settings.SMS_BACKEND = "aliyun"
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "LTAI5tFakeKey"
    settings.ALIYUN_SMS_ACCESS_KEY_SECRET = "fake-secret"
    settings.ALIYUN_SMS_SIGN_NAME = SIGN
    settings.ALIYUN_SMS_ENDPOINT = server.url
    settings.NOTIFICATIONS_SENDER_RATE = 0
    yield server
    server.stop()


@pytest.fixture
def reminder_code(db):
    template = MessageTemplate.objects.get(key="interview_reminder", language="zh-hans", channel="")
    return SmsProviderTemplate.objects.create(
        template=template, provider="aliyun", code="SMS_465921001",
        parameters="name=recipient_name\ntime=interview_time\nurl=confirm_url")


def _pull(at=None):
    return run_due_jobs(now=at or timezone.now(), only=["notifications.sms_receipts"])["notifications.sms_receipts"]


def test_r_cn_1_a_due_message_goes_once_with_template_code_sign_and_parameters(fake_aliyun, reminder_code,
                                                                              make_notification):
    """R-CN-1, R-INT-3: SendSms with the registered template code, the signature, the mapped parameters (the link
    tracked, as in the text) and the notification's token as OutId; the BizId is kept."""
    n = reload(make_notification(channel="sms", run=True))
    sends = fake_aliyun.sent("SendSms")
    assert len(sends) == 1
    sent = sends[0]
    assert sent["TemplateCode"] == "SMS_465921001" and sent["SignName"] == SIGN
    assert sent["PhoneNumbers"] == "13800138000" and sent["OutId"] == n.public_token
    params = json.loads(sent["TemplateParam"])
    assert params["name"] == "张伟" and params["time"] == "11-23 09:30"
    link = n.links.get(target_url="https://portal.example.org/c/1")
    assert params["url"] == f"{PUBLIC}/l/{link.token}"
    assert n.status == Status.SENT and n.provider_message_id == fake_aliyun.messages[0]["BizId"]
    attempt = n.attempts.get()
    assert attempt.backend == "aliyun-sms" and attempt.outcome == DeliveryAttempt.Outcome.SENT


def test_r_cn_1_throttling_and_server_errors_are_retried_with_back_off(fake_aliyun, reminder_code,
                                                                      make_notification, outbox, settings):
    """R-CN-1: per-number flow control (HTTP 200 with isv.BUSINESS_LIMIT_CONTROL), then a 503 and a gateway's HTML
    page are worth another try, each after the doubled back-off; then the message goes, once."""
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 60
    fake_aliyun.fail_next(200, "isv.BUSINESS_LIMIT_CONTROL")
    fake_aliyun.fail_next(503, "ServiceUnavailable")
    fake_aliyun.fail_next(502, "html")
    n = reload(make_notification(run=True))
    assert n.status == Status.PENDING and n.last_error_code == "isv.BUSINESS_LIMIT_CONTROL"
    first = n.attempts.get(number=1)
    assert 59 <= (n.next_attempt_at - first.finished_at).total_seconds() <= 61
    outbox.tick(n.next_attempt_at - timezone.timedelta(seconds=1))
    assert reload(n).attempt_count == 1  # not before its time
    outbox.tick(n.next_attempt_at)
    n = reload(n)
    assert n.status == Status.PENDING and n.last_error_code == "ServiceUnavailable"
    assert 119 <= (n.next_attempt_at - n.attempts.get(number=2).finished_at).total_seconds() <= 121
    outbox.tick(n.next_attempt_at)
    n = reload(n)
    assert n.status == Status.PENDING and n.last_error_code == "network"
    outbox.tick(n.next_attempt_at)  # a gateway's page is no proof the message was not taken: asked first
    n = reload(n)
    assert n.status == Status.SENT and len(fake_aliyun.messages) == 1
    assert [a.outcome for a in n.attempts.all()] == ["transient_error"] * 3 + ["sent"]
    assert [r["action"] for r in fake_aliyun.requests][-2:] == ["QuerySendDetails", "SendSms"]


@pytest.mark.parametrize("code", ["isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL",
                                  "isv.SMS_SIGNATURE_ILLEGAL"])
def test_r_cn_1_permanent_errors_fail_at_once_and_alert_hr(fake_aliyun, reminder_code, make_notification, users,
                                                           code):
    """R-CN-1: an invalid number, an unapproved template or signature fail at once, with the reason; HR is told."""
    fake_aliyun.fail_next(200, code)
    n = reload(make_notification(run=True))
    assert n.status == Status.FAILED and n.attempt_count == 1 and n.last_error_code == code
    assert n.last_error == f"fake error {code}"
    assert n.attempts.get().outcome == DeliveryAttempt.Outcome.PERMANENT_ERROR
    assert Notification.objects.filter(channel="in_app", template_key="generic_alert",
                                       related_id=str(n.pk)).exists()


def test_r_cn_1_bad_credentials_http_4xx_are_permanent(fake_aliyun, reminder_code, make_notification, settings):
    settings.ALIYUN_SMS_ACCESS_KEY_ID = "not-a-key"
    n = reload(make_notification(run=True))
    assert n.status == Status.FAILED and n.last_error_code == "MissingSignature"
    assert fake_aliyun.messages == []


def test_r_cn_1_a_template_without_a_code_fails_with_a_reason_hr_sees(fake_aliyun, make_notification, users):
    """R-CN-1: no Aliyun code for the message's template: nothing is sent, the message fails permanently saying
    so, and HR is alerted as for any failed message."""
    n = reload(make_notification(run=True))
    assert n.status == Status.FAILED and n.last_error_code == "no_template_code"
    assert "Aliyun" in n.last_error or "阿里云" in n.last_error
    assert fake_aliyun.requests == []
    alerts = Notification.objects.filter(channel="in_app", template_key="generic_alert", related_id=str(n.pk))
    assert alerts.exists() and all(n.last_error in alert.body for alert in alerts)


class WorkerLost(BaseException):
    """Stands for SIGKILL: nothing in the task can catch it."""


def test_r_cn_1_a_worker_lost_after_aliyun_accepted_never_sends_twice(fake_aliyun, reminder_code,
                                                                     make_notification, outbox, monkeypatch,
                                                                     settings):
    """R-CN-1, R-NS-3: the worker dies after Aliyun took the message; the next one finds it by its OutId
    (QuerySendDetails) and records it as recovered instead of sending it again."""
    settings.NOTIFICATIONS_LEASE_SECONDS = 300
    original = aliyun_sms.AliyunSmsBackend.send

    def send_then_die(self, notification):
        original(self, notification)
        raise WorkerLost

    monkeypatch.setattr(aliyun_sms.AliyunSmsBackend, "send", send_then_die)
    n = make_notification()
    with pytest.raises(WorkerLost):
        outbox.run()
    monkeypatch.setattr(aliyun_sms.AliyunSmsBackend, "send", original)
    assert reload(n).status == Status.SENDING and len(fake_aliyun.messages) == 1
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6), tick=True):
        assert outbox.tick()["reclaimed"] == 1
    n = reload(n)
    assert n.status == Status.SENT and len(fake_aliyun.sent("SendSms")) == 1
    assert n.provider_message_id == f"outid:{n.public_token}"
    assert [a.outcome for a in n.attempts.all()] == ["abandoned", "recovered"]
    # the receipt is still read back (by OutId)
    fake_aliyun.report(fake_aliyun.messages[0]["BizId"], delivered=True)
    assert _pull(timezone.now() + timezone.timedelta(minutes=7))["applied"] == 1
    assert reload(n).status == Status.DELIVERED


def test_r_cn_1_a_worker_lost_before_aliyun_accepted_sends_once(fake_aliyun, reminder_code, make_notification,
                                                               outbox, monkeypatch):
    original = aliyun_sms.AliyunSmsBackend.send

    def die(self, notification):
        raise WorkerLost

    monkeypatch.setattr(aliyun_sms.AliyunSmsBackend, "send", die)
    n = make_notification()
    with pytest.raises(WorkerLost):
        outbox.run()
    monkeypatch.setattr(aliyun_sms.AliyunSmsBackend, "send", original)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=11), tick=True):
        outbox.tick()
    assert reload(n).status == Status.SENT and len(fake_aliyun.messages) == 1


def test_r_cn_1_status_pull_marks_delivered_and_failed_once(fake_aliyun, reminder_code, make_notification, users):
    """R-CN-1, R-NS-4: the minute job asks QuerySendDetails; 3 = delivered, 2 = failed with the carrier's code
    (HR alerted); waiting messages stay sent; a second pull changes nothing."""
    ok = reload(make_notification(run=True))
    bad = reload(make_notification(run=True))
    waiting = reload(make_notification(run=True))
    fake_aliyun.report(ok.provider_message_id, delivered=True)
    fake_aliyun.report(bad.provider_message_id, delivered=False, err_code="MOBILE_NOT_ON_SERVICE")
    later = timezone.now() + timezone.timedelta(minutes=1)
    assert _pull(later) == {"asked": 3, "applied": 2}
    assert reload(ok).status == Status.DELIVERED and reload(ok).delivered_at
    bad = reload(bad)
    assert bad.status == Status.FAILED and bad.last_error_code == "MOBILE_NOT_ON_SERVICE"
    assert Notification.objects.filter(channel="in_app", related_id=str(bad.pk)).exists()
    assert reload(waiting).status == Status.SENT
    receipt = DeliveryReceipt.objects.get(notification=ok)
    assert receipt.provider == "aliyun" and receipt.applied and "PhoneNum" not in receipt.payload
    assert _pull(later) == {"asked": 1, "applied": 0}  # only the waiting one is asked again
    assert DeliveryReceipt.objects.count() == 2


def test_r_cn_1_delivered_aliyun_messages_count_in_the_dashboards_sms_figures(fake_aliyun, reminder_code,
                                                                             make_notification):
    """The dashboard's reminder delivery figures group by channel: Aliyun messages are SMS there."""
    from dashboard.models import NotificationDaily
    from dashboard.services import summaries_refresh

    n = reload(make_notification(run=True, related=("interviews.interview", 1)))
    fake_aliyun.report(n.provider_message_id, delivered=True)
    _pull(timezone.now() + timezone.timedelta(minutes=1))
    summaries_refresh(full=True)
    row = NotificationDaily.objects.get(channel="sms")
    assert (row.total, row.sent, row.delivered) == (1, 1, 1)


def test_r_cn_1_template_editor_shows_codes_and_length_with_the_signature(fake_aliyun, reminder_code, users):
    """R-CN-1: with Aliyun configured the template form has the provider code and parameters; the SMS length is
    counted with the 【signature】 (70 characters in one message, 67 per part beyond)."""
    client = Client()
    client.force_login(users.hr)
    template = reminder_code.template
    page = client.get(f"/admin/notifications/messagetemplate/{template.pk}/change/").content.decode()
    assert "SMS_465921001" in page and "provider_codes-0-parameters" in page
    assert f"【{SIGN}】" in page
    body = "您" * 60
    answer = client.post("/admin/notifications/messagetemplate/preview/", {
        "key": "interview_reminder", "language": "zh-hans", "channel": "sms", "body": body}).json()
    assert answer["signature"] == f"【{SIGN}】"
    assert answer["characters"] == 60 + len(SIGN) + 2 and answer["sms_parts"] == 1
    answer = client.post("/admin/notifications/messagetemplate/preview/", {
        "key": "interview_reminder", "language": "zh-hans", "channel": "sms", "body": "您" * 66}).json()
    assert answer["characters"] == 73 and answer["sms_parts"] == 2


def test_r_cn_1_parameters_are_validated(reminder_code):
    from django.core.exceptions import ValidationError

    reminder_code.parameters = "name=salary"
    with pytest.raises(ValidationError, match="salary"):
        reminder_code.full_clean()
    reminder_code.parameters = "just a line"
    with pytest.raises(ValidationError):
        reminder_code.full_clean()
    reminder_code.provider, reminder_code.parameters = "tencent", "name=recipient_name"
    with pytest.raises(ValidationError):
        reminder_code.full_clean()


def test_r_int_3_console_stays_the_default(settings, make_notification, users):
    """R-INT-3: without SMS settings nothing changes: the console backend, no provider fields in the form."""
    from django.conf import settings as live

    assert live.ALIYUN_SMS_ENDPOINT == "dysmsapi.aliyuncs.com"
    assert isinstance(get_backend("sms"), ConsoleSmsBackend)
    n = reload(make_notification(run=True))
    assert n.status == Status.SENT and n.provider_message_id.startswith("CONSOLE-SMS-")
    client = Client()
    client.force_login(users.hr)
    template = MessageTemplate.objects.get(key="interview_reminder", language="zh-hans", channel="")
    page = client.get(f"/admin/notifications/messagetemplate/{template.pk}/change/").content.decode()
    assert "provider_codes-TOTAL_FORMS" not in page
    assert _pull() == {}
