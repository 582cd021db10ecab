import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from hrsys.core.masking import mask_email, mask_phone


@dataclass
class SendResult:
    provider_message_id: str
    response: dict = field(default_factory=dict)


class SendError(Exception):
    def __init__(self, message: str, *, code: str = "", response: dict | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.code = str(code or "")
        self.response = response or {}
        #: what the provider asked us to wait before the next try (HTTP ``Retry-After``), in seconds
        self.retry_after = retry_after


class TransientSendError(SendError):
    """Timeouts, 5xx, rate limits: worth another try later."""


class PermanentSendError(SendError):
    """Invalid number, 4xx, missing address: retrying cannot help."""


class Backend:
    """One way of delivering a notification.

    ``send`` hands the message to the provider exactly once per call and returns
    the provider's id. ``find_sent`` answers, after a worker was lost mid-send,
    whether the provider already accepted this notification (then it must not be
    sent again); backends without a way to ask return None and rely on their own
    provider-side de-duplication (email: the deterministic Message-ID).

    ``sends_in_threads``: ``send`` touches neither the database nor shared state, so the sends of a batch may
    run at once in a worker's thread pool. ``sender`` names the sending number whose rate limit applies
    (NOTIFICATIONS_SENDER_RATE); empty for none.
    """

    name = "base"
    sends_in_threads = False

    def sender(self, notification) -> str:
        return ""

    def send(self, notification) -> SendResult:
        raise NotImplementedError

    def find_sent(self, notification, *, since) -> SendResult | None:
        return None


def masked_recipient(notification) -> str:
    """Who a notification goes to, fit for a log line: the phone or e-mail masked, a staff user by id (R-SEC-2)."""

    if notification.channel == "email":
        return mask_email(notification.recipient_email) or "-"
    if notification.channel in ("sms", "voice"):
        return mask_phone(notification.recipient_phone) or "-"
    return f"{notification.recipient_type}#{notification.recipient_id}"


class ProcessClient:
    """A provider's client, one per process and per settings: built on first use, again after a fork (the process
    id is part of the key) or when the settings it was built from change. One keep-alive pool instead of a new
    connection per message; the send threads of a batch share it."""

    def __init__(self):
        self._client, self._key = None, None
        self._lock = threading.Lock()

    def get(self, key: tuple, build: Callable[[], object]):
        key = (os.getpid(), *key)
        with self._lock:
            if self._key != key:
                self._client, self._key = build(), key
            return self._client
