"""Delivery receipts of the domestic SMS providers, pulled every minute (R-CN-1, R-NS-4).

Aliyun: QuerySendDetails for each message sent in the last SMS_RECEIPT_PULL_HOURS that is not yet delivered or
failed (the number and the day; the message found by its ``OutId``, the notification's token). Tencent Cloud:
PullSmsSendStatus hands out the account's new status reports (each once); they are matched by their serial
number or ``SessionContext``. Both write through ``sms_receipt_record``: replays change nothing.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..channels.base import SendError
from ..channels.domestic_sms import configured_provider
from ..models import Channel, DeliveryAttempt, Notification, Status
from .receipts import sms_receipt_record

logger = logging.getLogger(__package__)

#: Messages asked about per minute (Aliyun: one request each), oldest first.
ALIYUN_PULL_LIMIT = 200
#: Tencent hands out at most 100 reports per request; this many requests per minute at most.
TENCENT_PULL_ROUNDS = 10
ALIYUN_STATUS = {3: "delivered", 2: "failed"}
TENCENT_STATUS = {"SUCCESS": "delivered", "FAIL": "failed"}


def sms_receipts_pull(*, now: datetime) -> dict:
    """The periodic job: read back the delivery reports of the configured domestic provider."""
    provider = configured_provider()
    if provider == "aliyun":
        return _pull_aliyun(now)
    if provider == "tencent":
        return _pull_tencent()
    return {}


def _pull_aliyun(now: datetime) -> dict:
    from ..channels.aliyun_sms import BACKEND_NAME, CHINA, query_details  # noqa: PLC0415 - the SDK is heavy

    hours = int(getattr(settings, "SMS_RECEIPT_PULL_HOURS", 24))
    sent_by_aliyun = DeliveryAttempt.objects.filter(
        backend=BACKEND_NAME, outcome__in=[DeliveryAttempt.Outcome.SENT, DeliveryAttempt.Outcome.RECOVERED])
    rows = list(Notification.objects.filter(
        channel=Channel.SMS, status=Status.SENT, sent_at__gte=now - timedelta(hours=hours),
        sent_at__lte=now - timedelta(seconds=30), pk__in=sent_by_aliyun.values("notification_id"),
    ).order_by("sent_at", "pk")[:ALIYUN_PULL_LIMIT])
    asked = applied = 0
    for notification in rows:
        biz_id = notification.provider_message_id
        day = timezone.localtime(notification.sent_at, CHINA).date()
        try:
            details = query_details(phone=notification.recipient_phone, day=day,
                                    biz_id="" if biz_id.startswith("outid:") else biz_id)
        except SendError as exc:
            logger.warning("aliyun status pull stopped: %s", exc.code)
            break
        asked += 1
        for detail in details:
            if detail.get("OutId") != notification.public_token:
                continue
            status = ALIYUN_STATUS.get(int(detail.get("SendStatus") or 0))
            if status is None:
                continue  # still waiting for the carrier's report
            payload = {k: v for k, v in detail.items() if k not in ("PhoneNum", "Content")}  # no personal data
            _receipt, done = sms_receipt_record(
                provider="aliyun", notification_id=notification.pk, provider_message_id=biz_id, status=status,
                error_code="" if status == "delivered" else str(detail.get("ErrCode") or ""), payload=payload)
            applied += int(done)
    return {"asked": asked, "applied": applied}


def _pull_tencent() -> dict:
    from ..channels.tencent_sms import _call  # noqa: PLC0415 - the SDK is heavy

    read = applied = 0
    for _round in range(TENCENT_PULL_ROUNDS):
        try:
            answer = _call("PullSmsSendStatus", {"Limit": 100, "SmsSdkAppId": settings.TENCENT_SMS_SDK_APP_ID})
        except SendError as exc:
            logger.warning("tencent status pull stopped: %s", exc.code)
            break
        reports = answer.get("PullSmsSendStatusSet") or []
        for report in reports:
            read += 1
            serial, token = str(report.get("SerialNo") or ""), str(report.get("SessionContext") or "")
            match = Q(provider_message_id=serial) if serial else Q(pk__in=[])
            if token:
                match |= Q(public_token=token)
            notification_id = (Notification.objects.filter(match, channel=Channel.SMS)
                               .values_list("pk", flat=True).first())
            status = TENCENT_STATUS.get(str(report.get("ReportStatus") or "").upper())
            if status is None:
                continue
            payload = {k: v for k, v in report.items() if k not in ("PhoneNumber", "SubscriberNumber")}
            _receipt, done = sms_receipt_record(
                provider="tencent", notification_id=notification_id, provider_message_id=serial, status=status,
                error_code="" if status == "delivered" else str(report.get("Description") or "")[:40],
                payload=payload)
            applied += int(done)
        if len(reports) < 100:
            break
    return {"read": read, "applied": applied}
