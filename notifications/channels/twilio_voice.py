from datetime import timedelta

from django.conf import settings
from twilio.twiml.voice_response import Gather, VoiceResponse

from notifications.rendering import render_message

from .base import Backend, PermanentSendError, SendResult
from .twilio_client import callback_url, translate_error, twilio_client
from .twilio_sms import _sid_taken

VOICE_LANGUAGES = {"zh-hans": "zh-CN", "en": "en-US"}


def voice_language(language: str) -> str:
    return VOICE_LANGUAGES.get(language, "zh-CN")


def call_twiml(notification) -> str:
    """Speak the message, then "press 1 to confirm, 2 to reschedule" in the recipient's language."""

    lang = voice_language(notification.language)
    _subject, menu, _html = render_message(key="voice_menu", language=notification.language, channel="voice",
                                           context={"recipient_name": notification.recipient_name})
    response = VoiceResponse()
    gather = Gather(num_digits=1, timeout=8, method="POST",
                    action=callback_url("api:twilio-voice-gather", notification))
    gather.say(notification.body, language=lang)
    gather.say(menu, language=lang)
    response.append(gather)
    response.say(menu, language=lang)  # said once more if nothing was pressed
    return str(response)


class TwilioVoiceBackend(Backend):
    name = "twilio-voice"  # sent one at a time: the spoken menu is read from the database

    def sender(self, notification) -> str:
        return settings.TWILIO_FROM_NUMBER

    def send(self, notification) -> SendResult:
        if not notification.recipient_phone:
            raise PermanentSendError("no phone number", code="no_phone")
        try:
            call = twilio_client().calls.create(
                to=notification.recipient_phone,
                from_=settings.TWILIO_FROM_NUMBER,
                twiml=call_twiml(notification),
                status_callback=callback_url("api:twilio-status", notification),
                status_callback_event=["initiated", "ringing", "answered", "completed"],
            )
        except Exception as exc:
            translated = translate_error(exc)
            if translated is None:
                raise
            raise translated
        return SendResult(call.sid, {"sid": call.sid, "status": call.status})

    def find_sent(self, notification, *, since):
        try:
            calls = twilio_client().calls.list(to=notification.recipient_phone, from_=settings.TWILIO_FROM_NUMBER,
                                               limit=50)
        except Exception as exc:
            translated = translate_error(exc)
            if translated is None:
                raise
            raise translated
        floor = since - timedelta(minutes=2)
        for call in calls:
            if call.date_created and call.date_created >= floor and not _sid_taken(call.sid, notification):
                return SendResult(call.sid, {"sid": call.sid, "status": call.status, "found": True})
        return None
