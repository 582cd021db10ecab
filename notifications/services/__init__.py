"""Writes of the notifications app: the public API other apps call (R-NS-2, R-NS-3, R-NS-4, R-INT-3).

Other apps call :func:`notification_create` inside their own transaction (the row
is written with theirs, sending happens after commit), :func:`notification_cancel`
when the reason for a message went away (an interview was rescheduled), and
:func:`candidate_action_record` when a recipient acted on a message elsewhere
(e.g. the portal).

One module per sub-domain, every public name importable from here: ``outbox`` (create, cancel, re-queue),
``delivery`` (the dispatch sweep, sending with retries, HR's failure alert), ``receipts`` (provider callbacks,
recipients' actions, keypresses), ``escalation``; ``_common`` holds what they share.
"""

from ..types import Recipient
from .delivery import (
    AMBIGUOUS_ERRORS,
    backoff_seconds,
    lease_seconds,
    notification_deliver,
    notification_deliver_batch,
    notification_dispatch_due,
)
from .escalation import notification_escalate_due
from .outbox import notification_cancel, notification_create, notification_requeue
from .receipts import (
    ACTION_MARKS_READ,
    CALL_STATUS_MAP,
    MESSAGE_STATUS_MAP,
    VOICE_DIGITS,
    candidate_action_record,
    twilio_callback_record,
    voice_gather_record,
)
from .retention import notification_texts_erase, notifications_erasable, notifications_finished

__all__ = [
    "Recipient", "notification_texts_erase", "notifications_erasable", "notifications_finished", "notification_create", "notification_cancel", "candidate_action_record",
    "notification_dispatch_due", "notification_deliver", "notification_deliver_batch", "notification_escalate_due",
    "twilio_callback_record", "voice_gather_record", "notification_requeue",
    # settings and tables the services work by
    "lease_seconds", "backoff_seconds", "AMBIGUOUS_ERRORS", "MESSAGE_STATUS_MAP", "CALL_STATUS_MAP",
    "ACTION_MARKS_READ", "VOICE_DIGITS",
]
