from .base import Backend, PermanentSendError, SendResult


class _ConsoleBackend(Backend):
    """Local stand-in for Twilio: the message is kept in the development outbox (var/outbox/) for staff to read
    and never written to the log; notification_deliver logs one masked line (R-SEC-2)."""

    channel = ""

    def send(self, notification) -> SendResult:
        from notifications import dev_outbox  # noqa: PLC0415 - the module imports the admin

        if not notification.recipient_phone:
            raise PermanentSendError("no phone number", code="no_phone")
        provider_id = f"CONSOLE-{self.channel.upper()}-{notification.public_token}"
        kept = dev_outbox.write_text_message(notification, channel=self.channel, backend=self.name)
        return SendResult(provider_id, {"backend": self.name, "outbox": kept.name if kept else ""})

    def find_sent(self, notification, *, since):
        # Nothing to ask; a second copy in the development outbox is harmless.
        return None


class ConsoleSmsBackend(_ConsoleBackend):
    name = "console-sms"
    channel = "sms"


class ConsoleVoiceBackend(_ConsoleBackend):
    name = "console-voice"
    channel = "voice"
