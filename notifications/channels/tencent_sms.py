"""Tencent Cloud SMS (腾讯云短信, sms 2021-01-11) through its official SDK (R-CN-1, R-INT-3).

SendSms with the template id and its numbered parameters, the signature TENCENT_SMS_SIGN_NAME, the application
TENCENT_SMS_SDK_APP_ID and the notification's public token as ``SessionContext`` (echoed in every status
report). Delivery receipts: PullSmsSendStatus, every minute (``pull_receipts``). After a lost worker,
PullSmsSendStatusByPhoneNumber lists the number's status reports since the lost try; one carrying this
notification's ``SessionContext`` means Tencent took it, so it is not sent again. Tencent lists a message there
once its status report exists (seconds after sending; a lost try is looked up only after
NOTIFICATIONS_LEASE_SECONDS, 10 minutes): a message whose report is still missing then would be sent again --
the one gap, documented in the README.

Errors: network errors, HTTP errors, ``RequestLimitExceeded*``, ``InternalError*``, per-number flow control
(``LimitExceeded.PhoneNumber*Limit``, ``LimitExceeded.DeliveryFrequencyLimit``, ``LimitExceeded.DailyLimit``)
and an empty package (``FailedOperation.InsufficientBalanceInSmsPackage``) are worth another try; everything else
(an invalid number, a template or signature not approved, a blacklisted number, bad credentials) is permanent.
"""

import json

from django.conf import settings
from django.utils import timezone

from .base import Backend, PermanentSendError, ProcessClient, SendResult, TransientSendError
from .domestic_sms import provider_template, require_phone

PROVIDER = "tencent"
BACKEND_NAME = "tencent-sms"

TRANSIENT_PREFIXES = ("RequestLimitExceeded", "InternalError", "ServerNetworkError", "ClientNetworkError")
TRANSIENT_CODES = {
    "LimitExceeded.PhoneNumberThirtySecondLimit", "LimitExceeded.PhoneNumberOneHourLimit",
    "LimitExceeded.PhoneNumberDailyLimit", "LimitExceeded.DeliveryFrequencyLimit", "LimitExceeded.DailyLimit",
    "FailedOperation.InsufficientBalanceInSmsPackage", "ResourceUnavailable",
}

_client = ProcessClient()


def tencent_client():
    """This process's client (one keep-alive session, built again after a fork or a change of settings)."""
    from tencentcloud.common import credential  # noqa: PLC0415 - only when this backend is chosen
    from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: PLC0415 - the SDK loads only where this backend is configured
    from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: PLC0415 - the SDK loads only where this backend is configured
    from tencentcloud.sms.v20210111.sms_client import SmsClient  # noqa: PLC0415 - the SDK loads only where this backend is configured

    endpoint = settings.TENCENT_SMS_ENDPOINT
    scheme = "https"
    if "://" in endpoint:
        scheme, endpoint = endpoint.split("://", 1)
    timeout = int(float(getattr(settings, "NOTIFICATIONS_TWILIO_TIMEOUT", 15)))
    key = (settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY, endpoint, scheme,
           settings.TENCENT_SMS_REGION, timeout)

    def build():
        http = HttpProfile(protocol=scheme, endpoint=endpoint.rstrip("/"), reqTimeout=timeout, keepAlive=True)
        return SmsClient(credential.Credential(settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY),
                         settings.TENCENT_SMS_REGION, ClientProfile(httpProfile=http))

    return _client.get(key, build)


def _error(code: str, message: str, response: dict | None = None):
    response = {"code": code, "message": message, **(response or {})}
    if len(code) > 40:  # the error code columns hold 40 characters: the whole code goes into the message
        message = f"{code}: {message}"
    if code in TRANSIENT_CODES or code.startswith(TRANSIENT_PREFIXES):
        return TransientSendError(message or code, code=code[:40], response=response)
    return PermanentSendError(message or code, code=code[:40], response=response)


def _call(action: str, params: dict) -> dict:
    """One SDK call (the request model filled from ``params``); the answer as a dict, or a send error."""
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import (  # noqa: PLC0415 - the SDK loads only where this backend is configured
        TencentCloudSDKException,
    )
    from tencentcloud.sms.v20210111 import models  # noqa: PLC0415 - the SDK loads only where this backend is configured

    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    try:
        response = getattr(tencent_client(), action)(request)
    except TencentCloudSDKException as exc:
        message = exc.message.decode(errors="replace") if isinstance(exc.message, bytes) else str(exc.message)
        raise _error(str(exc.code or "error"), message[:300]) from None
    return json.loads(response.to_json_string())


def status_reports(*, phone: str, since, until) -> list[dict]:
    """The status reports of ``phone`` between two moments (PullSmsSendStatusByPhoneNumber)."""
    answer = _call("PullSmsSendStatusByPhoneNumber", {
        "BeginTime": int(since.timestamp()), "EndTime": int(until.timestamp()), "Offset": 0, "Limit": 100,
        "PhoneNumber": phone, "SmsSdkAppId": settings.TENCENT_SMS_SDK_APP_ID})
    return answer.get("PullSmsSendStatusSet") or []


class TencentSmsBackend(Backend):
    name = BACKEND_NAME
    # send reads the template's provider code from the database: one message after the other
    sends_in_threads = False

    def sender(self, notification) -> str:
        # NOTIFICATIONS_SENDER_RATE is Twilio's per-number rule; a signature has no such limit (the provider's
        # own flow control is per recipient, answered with an error worth another try)
        return ""

    def send(self, notification) -> SendResult:
        phone = require_phone(notification)
        code, params = provider_template(notification, PROVIDER)
        answer = _call("SendSms", {
            "PhoneNumberSet": [phone], "SmsSdkAppId": settings.TENCENT_SMS_SDK_APP_ID, "TemplateId": code,
            "SignName": settings.TENCENT_SMS_SIGN_NAME, "TemplateParamSet": [value for _name, value in sorted(
                params, key=lambda pair: int(pair[0]) if pair[0].isdigit() else 0)],
            "SessionContext": notification.public_token})
        statuses = answer.get("SendStatusSet") or []
        status = statuses[0] if statuses else {}
        if str(status.get("Code", "")).lower() != "ok":
            raise _error(str(status.get("Code") or "error"), str(status.get("Message") or ""),
                         {"request_id": answer.get("RequestId")})
        return SendResult(str(status.get("SerialNo") or ""), {"serial_no": status.get("SerialNo"),
                                                              "fee": status.get("Fee"), "template_id": code})

    def find_sent(self, notification, *, since):
        """A status report of this number, since the lost try, carrying this notification's SessionContext."""
        phone = require_phone(notification)
        reports = status_reports(phone=phone, since=since - timezone.timedelta(minutes=2), until=timezone.now())
        for report in reports:
            if report.get("SessionContext") == notification.public_token:
                return SendResult(str(report.get("SerialNo") or ""), {"found": True,
                                                                       "report": report.get("ReportStatus")})
        return None
