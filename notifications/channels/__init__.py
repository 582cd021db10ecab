"""Delivery channels behind one interface (R-INT-3).

``get_backend(channel)`` returns the backend chosen by settings: SMS_BACKEND /
VOICE_BACKEND ("console" or "twilio"), Django's EMAIL_BACKEND for email.
"""

from django.conf import settings

from .base import Backend, PermanentSendError, SendResult, TransientSendError

__all__ = ["Backend", "PermanentSendError", "SendResult", "TransientSendError", "get_backend"]


def get_backend(channel: str) -> Backend:
    if channel == "email":
        from .email import EmailBackend

        return EmailBackend()
    if channel == "sms":
        if getattr(settings, "SMS_BACKEND", "console") == "twilio":
            from .twilio_sms import TwilioSmsBackend

            return TwilioSmsBackend()
        from .console import ConsoleSmsBackend

        return ConsoleSmsBackend()
    if channel == "voice":
        if getattr(settings, "VOICE_BACKEND", "console") == "twilio":
            from .twilio_voice import TwilioVoiceBackend

            return TwilioVoiceBackend()
        from .console import ConsoleVoiceBackend

        return ConsoleVoiceBackend()
    if channel == "in_app":
        from .in_app import InAppBackend

        return InAppBackend()
    raise ValueError(f"unknown channel {channel!r}")
