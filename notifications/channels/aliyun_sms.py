"""Aliyun SMS (阿里云短信服务, dysmsapi 2017-05-25) through its official SDK (R-CN-1, R-INT-3).

SendSms with the template code and parameters of the message, the signature ALIYUN_SMS_SIGN_NAME and the
notification's public token as ``OutId``; after a lost worker, QuerySendDetails (the number, the day) finds a
message with that ``OutId`` so it is never sent twice; the status pull (``pull_receipts``, every minute) reads
delivered / failed back the same way.

Errors: HTTP 429 / 5xx, network errors, ``Throttling*``, ``isp.SYSTEM_ERROR``, per-number flow control
(``isv.BUSINESS_LIMIT_CONTROL``, ``isv.DAY_LIMIT_CONTROL``) and an empty account (``isv.AMOUNT_NOT_ENOUGH``,
``isv.OUT_OF_SERVICE``: topped up, the same message goes; meanwhile the circuit breaker pauses the backend) are
worth another try; everything else (an invalid number, a template or signature not approved, missing
parameters, bad credentials) is permanent.
"""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from .base import Backend, PermanentSendError, ProcessClient, SendResult, TransientSendError
from .domestic_sms import aliyun_number, provider_template, require_phone

PROVIDER = "aliyun"
BACKEND_NAME = "aliyun-sms"
CHINA = ZoneInfo("Asia/Shanghai")

TRANSIENT_CODES = {
    "Throttling", "Throttling.User", "Throttling.Api", "ServiceUnavailable", "InternalError", "isp.SYSTEM_ERROR",
    "isp.GATEWAY_ERROR", "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.AMOUNT_NOT_ENOUGH",
    "isv.OUT_OF_SERVICE", "SignatureNonceUsed",
}

_client = ProcessClient()


def aliyun_client():
    """This process's client (one keep-alive pool, built again after a fork or a change of settings)."""
    from alibabacloud_dysmsapi20170525.client import Client  # noqa: PLC0415 - only when this backend is chosen
    from alibabacloud_tea_openapi.utils_models import Config  # noqa: PLC0415 - the SDK loads only where this backend is configured

    endpoint = settings.ALIYUN_SMS_ENDPOINT
    protocol = "https"
    if "://" in endpoint:
        protocol, endpoint = endpoint.split("://", 1)
    timeout_ms = int(float(getattr(settings, "NOTIFICATIONS_TWILIO_TIMEOUT", 15)) * 1000)
    key = (settings.ALIYUN_SMS_ACCESS_KEY_ID, settings.ALIYUN_SMS_ACCESS_KEY_SECRET, endpoint, protocol, timeout_ms)
    return _client.get(key, lambda: Client(Config(
        access_key_id=settings.ALIYUN_SMS_ACCESS_KEY_ID, access_key_secret=settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
        endpoint=endpoint.rstrip("/"), protocol=protocol, read_timeout=timeout_ms,
        connect_timeout=min(timeout_ms, 5000))))


def _error(code: str, message: str, *, status: int | None = None, response: dict | None = None):
    response = {"code": code, "message": message, **({"status": status} if status else {}), **(response or {})}
    if len(code) > 40:  # the error code columns hold 40 characters: the whole code goes into the message
        message = f"{code}: {message}"
    if code in TRANSIENT_CODES or (status is not None and (status == 429 or status >= 500)):
        return TransientSendError(message or code, code=code[:40], response=response)
    return PermanentSendError(message or code, code=code[:40], response=response)


def _call(method, request) -> dict:
    """One SDK call; its answer's body as a dict, or a Transient / Permanent send error."""
    from darabonba.exceptions import ResponseException  # noqa: PLC0415 - the SDK loads only where this backend is configured
    from Tea.exceptions import TeaException, UnretryableException  # noqa: PLC0415 - the SDK loads only where this backend is configured

    try:
        response = method(request)
    except ResponseException as exc:  # an HTTP error answer (4xx / 5xx)
        raise _error(str(exc.code or exc.status_code), str(getattr(exc, "message", "") or exc)[:300],
                     status=exc.status_code) from None
    except UnretryableException as exc:  # the network: no answer, or not one that could be read
        raise TransientSendError(f"network: {str(exc)[:200]}", code="network") from None
    except TeaException as exc:
        raise _error(str(exc.code or "error"), str(exc.message or exc)[:300]) from None
    body = response.body.to_map() if response.body is not None else {}
    if body.get("Code") != "OK":
        raise _error(str(body.get("Code") or "error"), str(body.get("Message") or ""), response=body)
    return body


def query_details(*, phone: str, day, biz_id: str = "") -> list[dict]:
    """The messages to ``phone`` on ``day`` (China's calendar day), as QuerySendDetails lists them."""
    from alibabacloud_dysmsapi20170525 import models  # noqa: PLC0415 - the SDK loads only where this backend is configured

    request = models.QuerySendDetailsRequest(phone_number=aliyun_number(phone), send_date=day.strftime("%Y%m%d"),
                                             page_size=50, current_page=1, biz_id=biz_id or None)
    body = _call(aliyun_client().query_send_details, request)
    details = (body.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
    return details if isinstance(details, list) else [details]


class AliyunSmsBackend(Backend):
    name = BACKEND_NAME
    # send reads the template's provider code from the database: one message after the other
    sends_in_threads = False

    def sender(self, notification) -> str:
        # NOTIFICATIONS_SENDER_RATE is Twilio's per-number rule; a signature has no such limit (the provider's
        # own flow control is per recipient, answered with an error worth another try)
        return ""

    def send(self, notification) -> SendResult:
        from alibabacloud_dysmsapi20170525 import models  # noqa: PLC0415 - the SDK loads only where this backend is configured

        phone = require_phone(notification)
        code, params = provider_template(notification, PROVIDER)
        request = models.SendSmsRequest(
            phone_numbers=aliyun_number(phone), sign_name=settings.ALIYUN_SMS_SIGN_NAME, template_code=code,
            template_param=json.dumps(dict(params), ensure_ascii=False) if params else None,
            out_id=notification.public_token)
        body = _call(aliyun_client().send_sms, request)
        return SendResult(str(body.get("BizId") or ""), {"biz_id": body.get("BizId"), "code": body.get("Code"),
                                                         "template_code": code})

    def find_sent(self, notification, *, since):
        """A message to this number with this notification's ``OutId`` on the day(s) since the lost try."""
        require_phone(notification)
        days = {timezone.localtime(since - timedelta(minutes=2), CHINA).date(),
                timezone.localtime(timezone.now(), CHINA).date()}
        for day in sorted(days):
            for detail in query_details(phone=notification.recipient_phone, day=day):
                if detail.get("OutId") == notification.public_token:
                    return SendResult(f"outid:{notification.public_token}",
                                      {"found": True, "send_status": detail.get("SendStatus")})
        return None
