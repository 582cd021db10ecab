"""Delivery channels behind one interface (R-INT-3).

``get_backend(channel)`` returns the backend chosen by settings: SMS_BACKEND /
VOICE_BACKEND ("console" or "twilio"; SMS also "aliyun" or "tencent", R-CN-1), Django's EMAIL_BACKEND for email;
"wecom" / "dingtalk" are staff app messages (R-CN-2), configured by WECOM_* / DINGTALK_* (notifications/staff_im.py
routes staff messages there).
"""

from django.conf import settings

from .base import Backend, PermanentSendError, SendResult, TransientSendError
from .console import ConsoleSmsBackend, ConsoleVoiceBackend
from .email import EmailBackend
from .in_app import InAppBackend

__all__ = ["Backend", "PermanentSendError", "SendResult", "TransientSendError", "get_backend"]


def get_backend(channel: str) -> Backend:
    if channel == "email":
        return EmailBackend()
    if channel == "sms":
        if getattr(settings, "SMS_BACKEND", "console") == "aliyun":
            from .aliyun_sms import AliyunSmsBackend  # noqa: PLC0415 - the backend the settings choose

            return AliyunSmsBackend()
        if getattr(settings, "SMS_BACKEND", "console") == "tencent":
            from .tencent_sms import TencentSmsBackend  # noqa: PLC0415 - the backend the settings choose

            return TencentSmsBackend()
        if getattr(settings, "SMS_BACKEND", "console") == "twilio":
            from .twilio_sms import TwilioSmsBackend  # noqa: PLC0415 - the backend the settings choose; twilio is heavy (0.17 s)

            return TwilioSmsBackend()

        return ConsoleSmsBackend()
    if channel == "voice":
        if getattr(settings, "VOICE_BACKEND", "console") == "twilio":
            from .twilio_voice import TwilioVoiceBackend  # noqa: PLC0415 - the backend the settings choose; twilio is heavy (0.17 s)

            return TwilioVoiceBackend()

        return ConsoleVoiceBackend()
    if channel == "in_app":
        return InAppBackend()
    if channel == "wecom":  # staff app messages (R-CN-2); only a user who chose WeCom and is bound gets one
        from .wecom import WeComBackend  # noqa: PLC0415 - wechatpy is loaded only where WeCom is used

        return WeComBackend()
    if channel == "dingtalk":
        from .dingtalk import DingTalkBackend  # noqa: PLC0415 - loaded only where DingTalk is used

        return DingTalkBackend()
    raise ValueError(f"unknown channel {channel!r}")
