from .base import Backend, PermanentSendError, SendResult


class InAppBackend(Backend):
    """HR users read in-app notifications in the dashboard: 'sending' makes them visible."""

    name = "in-app"
    sends_in_threads = True

    def send(self, notification) -> SendResult:
        if notification.recipient_type != "accounts.user":
            raise PermanentSendError("in-app messages go to staff users only", code="not_a_user")
        return SendResult(f"INAPP-{notification.public_token}", {})
