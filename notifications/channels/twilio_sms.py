from datetime import timedelta

from django.conf import settings

from notifications.models import Notification

from .base import Backend, PermanentSendError, SendResult
from .twilio_client import callback_url, translate_error, twilio_client


def _sid_taken(sid: str, notification) -> bool:
    return Notification.objects.filter(provider_message_id=sid).exclude(pk=notification.pk).exists()


class TwilioSmsBackend(Backend):
    name = "twilio-sms"
    sends_in_threads = True  # the pooled client is shared; a send is one HTTP request

    def sender(self, notification) -> str:
        return settings.TWILIO_FROM_NUMBER

    def send(self, notification) -> SendResult:
        if not notification.recipient_phone:
            raise PermanentSendError("no phone number", code="no_phone")
        try:
            message = twilio_client().messages.create(
                to=notification.recipient_phone,
                from_=settings.TWILIO_FROM_NUMBER,
                body=notification.body,
                status_callback=callback_url("api:twilio-status", notification),
            )
        except Exception as exc:
            translated = translate_error(exc)
            if translated is None:
                raise
            raise translated
        return SendResult(message.sid, {"sid": message.sid, "status": message.status})

    def find_sent(self, notification, *, since):
        """A message to this number with this exact body created since the lost attempt
        began (bodies carry the notification's own tracked-link tokens)."""
        try:
            messages = twilio_client().messages.list(
                to=notification.recipient_phone, from_=settings.TWILIO_FROM_NUMBER, limit=50)
        except Exception as exc:
            translated = translate_error(exc)
            if translated is None:
                raise
            raise translated
        floor = since - timedelta(minutes=2)
        for message in messages:
            if (message.body == notification.body and message.date_created and message.date_created >= floor
                    and not _sid_taken(message.sid, notification)):
                return SendResult(message.sid, {"sid": message.sid, "status": message.status, "found": True})
        return None
