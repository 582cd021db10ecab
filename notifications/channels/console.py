import logging

from .base import Backend, PermanentSendError, SendResult

logger = logging.getLogger("notifications.console")


class _ConsoleBackend(Backend):
    kind = ""

    def send(self, notification) -> SendResult:
        if not notification.recipient_phone:
            raise PermanentSendError("no phone number", code="no_phone")
        provider_id = f"CONSOLE-{self.kind}-{notification.public_token}"
        logger.info("%s to %s (notification %s): %s", self.kind, notification.recipient_phone, notification.pk,
                    notification.body)
        return SendResult(provider_id, {"backend": self.name})

    def find_sent(self, notification, *, since):
        # The log is not something to ask; logging twice is harmless.
        return None


class ConsoleSmsBackend(_ConsoleBackend):
    name = "console-sms"
    kind = "SMS"


class ConsoleVoiceBackend(_ConsoleBackend):
    name = "console-voice"
    kind = "VOICE"
