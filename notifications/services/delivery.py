"""Sending: the dispatch sweep claims due rows, one delivery per row asks the provider before sending twice,
retries back off, and a failed message becomes an alert to HR (R-NS-4)."""

import logging
import socket
import time
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.accounts.models import Role, User

from .. import tasks
from ..channels import PermanentSendError, SendResult, TransientSendError, get_backend
from ..channels.base import masked_recipient
from ..models import Channel, DeliveryAttempt, Notification, Status
from ..types import Recipient
from ._common import _quiet_deferral, _setting
from .outbox import notification_create

logger = logging.getLogger(__package__)  # one logger for the package, named as before the split


def lease_seconds() -> int:
    return int(_setting("NOTIFICATIONS_LEASE_SECONDS", 600))


def backoff_seconds(attempt_number: int) -> int:
    """Exponential back-off after the n-th failed try: base, 2*base, 4*base ... capped."""
    base = int(_setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60))
    cap = int(_setting("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600))
    return min(cap, base * 2 ** max(0, attempt_number - 1))


def _enqueue(ids: list[int]) -> None:
    for notification_id in ids:
        tasks.enqueue_delivery(notification_id)


def notification_dispatch_due(*, now: datetime) -> dict:
    """The dispatch sweep (hr_tick, every minute): claim due rows, enqueue one task each on commit.

    Rows in quiet hours are moved to the end of them; rows whose worker vanished
    (lease expired while sending) are handed out again; the task then asks the
    provider before sending anything twice.
    """
    batch = int(_setting("NOTIFICATIONS_DISPATCH_BATCH", 500))
    limit = int(_setting("NOTIFICATIONS_DISPATCH_MAX_PER_TICK", 20000))
    lease = lease_seconds()
    claimed = deferred = reclaimed = 0
    while claimed + deferred < limit:
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(status=Status.PENDING, next_attempt_at__lte=now)
                .order_by("next_attempt_at", "id")[:batch]
            )
            if not rows:
                break
            ids = []
            for notification in rows:
                until = _quiet_deferral(notification, now)
                if until is not None:
                    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=until)
                    deferred += 1
                    continue
                notification.claim(now=now, lease_seconds=lease)
                notification.save(update_fields=["status", "lease_until"])
                ids.append(notification.pk)
            claimed += len(ids)
            transaction.on_commit(partial(_enqueue, ids))
    with transaction.atomic():
        stuck = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING, lease_until__lte=now)
            .order_by("lease_until")[:batch]
        )
        ids = []
        for notification in stuck:
            Notification.objects.filter(pk=notification.pk).update(lease_until=now + timedelta(seconds=lease))
            ids.append(notification.pk)
        reclaimed = len(ids)
        transaction.on_commit(partial(_enqueue, ids))
    return {"claimed": claimed, "deferred": deferred, "reclaimed": reclaimed}


def _retry_when_locked(fn, *, tries: int = 8):
    """Run a short transaction again when the database reports a lock conflict
    (SQLite 'database is locked', PostgreSQL serialization / deadlock)."""
    for attempt in range(tries):
        try:
            with transaction.atomic():
                return fn()
        except OperationalError as exc:
            if attempt == tries - 1 or not any(word in str(exc).lower() for word in ("locked", "deadlock",
                                                                                   "serializ")):
                raise
            time.sleep(0.05 * 2 ** attempt)
    raise AssertionError("unreachable")


#: Errors after which the provider may or may not have accepted the message.
AMBIGUOUS_ERRORS = {"network", "internal_error"}


def notification_deliver(*, notification_id: int) -> str:
    """Send one notification (the Celery task calls this). Idempotent: exactly one message per row.

    1. record the attempt (committed before the provider is called);
    2. if an earlier attempt was interrupted, ask the provider whether it already
       accepted the message, and send only if it did not;
    3. record the outcome: sent, retry later with back-off, or failed (R-NS-4).
    """
    # Phase 1: claim the try (committed before the provider is called).
    def begin():
        with transaction.atomic():
            notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
            if notification is None:
                return "missing"
            now = timezone.now()
            if notification.status == Status.PENDING:
                if notification.next_attempt_at > now:
                    return "not-due"
                until = _quiet_deferral(notification, now)
                if until is not None:
                    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=until)
                    return "deferred"
                notification.claim(now=now, lease_seconds=lease_seconds())
                notification.save(update_fields=["status", "lease_until"])
            if notification.status != Status.SENDING:
                return f"skipped:{notification.status}"
            interrupted_since = None
            open_attempt = notification.attempts.filter(outcome=DeliveryAttempt.Outcome.IN_FLIGHT).last()
            if open_attempt is not None:
                if open_attempt.started_at > now - timedelta(seconds=lease_seconds()):
                    return "busy"  # another worker is sending it right now
                open_attempt.outcome = DeliveryAttempt.Outcome.ABANDONED
                open_attempt.finished_at = now
                open_attempt.error_message = "worker lost before the outcome was recorded"
                open_attempt.save(update_fields=["outcome", "finished_at", "error_message"])
                interrupted_since = open_attempt.started_at
            else:
                last = notification.attempts.order_by("-number").first()
                if last is not None and last.outcome == DeliveryAttempt.Outcome.TRANSIENT_ERROR \
                        and last.error_code in AMBIGUOUS_ERRORS:
                    # A timeout does not prove the provider did not take the message: ask first.
                    interrupted_since = last.started_at
            backend = get_backend(notification.channel)
            attempt = DeliveryAttempt.objects.create(
                notification=notification, number=notification.attempt_count + 1, channel=notification.channel,
                backend=backend.name, started_at=now, worker=socket.gethostname(),
            )
            notification.attempt_count += 1
            notification.lease_until = now + timedelta(seconds=lease_seconds())
            notification.save(update_fields=["attempt_count", "lease_until"])

        return notification, attempt, backend, interrupted_since

    begun = _retry_when_locked(begin)
    if isinstance(begun, str):
        return begun
    notification, attempt, backend, interrupted_since = begun
    attempt_id = attempt.pk

    # Phase 2: talk to the provider, outside any transaction.
    result: SendResult | None = None
    error: Exception | None = None
    recovered = False
    try:
        if interrupted_since is not None:
            if notification.provider_message_id:  # a status callback already told us
                result = SendResult(notification.provider_message_id, {"from_callback": True})
            else:
                result = backend.find_sent(notification, since=interrupted_since)
            recovered = result is not None
        if result is None:
            result = backend.send(notification)
    except (TransientSendError, PermanentSendError) as exc:
        error = exc
    except Exception as exc:  # noqa: BLE001 - an unexpected error must not leave the row in flight
        logger.exception("notification %s: unexpected error while sending", notification_id)
        error = TransientSendError(f"{exc.__class__.__name__}: {exc}", code="internal_error")

    # Phase 3: record the outcome. It must not be lost to a briefly locked database:
    # the provider already has the message.
    def finish():
        with transaction.atomic():
            notification = Notification.objects.select_for_update().get(pk=notification_id)
            attempt = DeliveryAttempt.objects.select_for_update().get(pk=attempt_id)
            now = timezone.now()
            attempt.finished_at = now
            if error is None:
                attempt.outcome = DeliveryAttempt.Outcome.RECOVERED if recovered else DeliveryAttempt.Outcome.SENT
                attempt.provider_message_id = result.provider_message_id
                attempt.response = result.response
                attempt.save()
                if notification.status == Status.SENDING:
                    notification.mark_sent(provider_message_id=result.provider_message_id, now=now)
                    notification.save(update_fields=["status", "provider_message_id", "sent_at", "lease_until",
                                                     *notification.redact_secret()])
                elif not notification.provider_message_id:
                    Notification.objects.filter(pk=notification.pk).update(
                        provider_message_id=result.provider_message_id)
                return "recovered" if recovered else "sent"
            permanent = isinstance(error, PermanentSendError)
            attempt.outcome = (DeliveryAttempt.Outcome.PERMANENT_ERROR if permanent
                               else DeliveryAttempt.Outcome.TRANSIENT_ERROR)
            attempt.error_code, attempt.error_message, attempt.response = error.code, str(error), error.response
            attempt.save()
            if notification.status != Status.SENDING:
                return "stale"
            if not permanent and notification.attempt_count < notification.max_attempts:
                at = now + timedelta(seconds=backoff_seconds(notification.attempt_count))
                notification.retry_later(at=at, code=error.code, message=str(error))
                notification.save(update_fields=["status", "next_attempt_at", "lease_until", "last_error_code",
                                                 "last_error"])
                return "retry"
            notification.fail(now=now, code=error.code, message=str(error))
            notification.save(update_fields=["status", "failed_at", "lease_until", "last_error_code", "last_error",
                                             *notification.redact_secret()])
            _alert_hr_of_failure(notification)
            return "failed"

    outcome = _retry_when_locked(finish)
    # The one log line per try: nothing personal in it, never the text (R-SEC-2).
    logger.info("notification %s %s to %s: %s%s", notification_id, notification.channel,
                masked_recipient(notification), outcome, f" ({error.code})" if error is not None else "")
    return outcome


def _alert_hr_of_failure(notification: Notification) -> None:
    """A failed message is a to-do for HR: an in-app alert to each HR user who may see it."""
    if notification.channel == Channel.IN_APP:
        return  # never alert about an alert
    for user in User.objects.filter(is_active=True, role__in=[Role.HR_STAFF, Role.HR_DIRECTOR]):
        if not Notification.objects.for_user(user).filter(pk=notification.pk).exists():
            continue
        notification_create(
            recipient=Recipient.for_user(user), channel=Channel.IN_APP, template_key="generic_alert",
            context={
                "title": _("A message could not be delivered"),
                "message": _("%(channel)s to %(name)s failed: %(error)s") % {
                    "channel": notification.get_channel_display(), "name": notification.recipient_name,
                    "error": notification.last_error or notification.last_error_code},
                "url": f"{settings.PUBLIC_BASE_URL}/admin/notifications/notification/{notification.pk}/change/",
            },
            idempotency_key=f"alert:failed:{notification.pk}:{user.pk}",
            department=notification.department,
            related=("notifications.notification", notification.pk),
        )
