"""Sending: the dispatch sweep claims due rows in bulk, a worker sends them in batches (the attempts committed
before the provider is called, the outcomes written in bulk after), asks the provider before sending twice,
retries back off, and a failed message becomes an alert to HR (R-NS-4)."""

import logging
import os
import socket
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.accounts.models import Role, User
from hrsys.core.transactions import retry_when_locked

from .. import staff_im, tasks
from ..catalog import is_secret
from ..channels import Backend, PermanentSendError, SendResult, TransientSendError, get_backend
from ..channels.base import SendError, masked_recipient
from ..channels.rate_limit import sender_rate_limiter
from ..models import Channel, DeliveryAttempt, Notification, ProviderCircuit, Status
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


def send_threads() -> int:
    return max(1, int(_setting("NOTIFICATIONS_SEND_THREADS", 8)))


def _enqueue(ids: list[int]) -> None:
    if ids:
        tasks.enqueue_deliveries(ids)


#: What the sweep reads of a due row: enough to decide on quiet hours, nothing encrypted.
_SWEEP_FIELDS = ("id", "status", "channel", "ignore_quiet_hours", "time_zone", "next_attempt_at")


def _defer_in_bulk(deferrals: dict[datetime, list[int]]) -> None:
    """Quiet hours: one UPDATE per end of quiet hours (rows of one time zone share it)."""
    for until, ids in deferrals.items():
        Notification.objects.filter(pk__in=ids).update(next_attempt_at=until)


def notification_dispatch_due(*, now: datetime) -> dict:
    """The dispatch sweep (hr_tick, every minute): claim due rows in bulk, enqueue them in batches on commit.

    Due rows are locked with SKIP LOCKED (two sweeps never claim one row) and marked sending in one UPDATE per
    batch. Rows in quiet hours are moved to the end of them; rows whose worker vanished (lease expired while
    sending) are handed out again; the worker then asks the provider before sending anything twice.
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
                .order_by("next_attempt_at", "id").only(*_SWEEP_FIELDS)[:batch]
            )
            if not rows:
                break
            ids = []
            deferrals: dict[datetime, list[int]] = defaultdict(list)
            for notification in rows:
                until = _quiet_deferral(notification, now)
                if until is not None:
                    deferrals[until].append(notification.pk)
                else:
                    ids.append(notification.pk)
            _defer_in_bulk(deferrals)
            deferred += len(rows) - len(ids)
            Notification.objects.filter(pk__in=ids).update(status=Status.SENDING,
                                                           lease_until=now + timedelta(seconds=lease))
            claimed += len(ids)
            transaction.on_commit(partial(_enqueue, ids))
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SENDING, lease_until__lte=now)
            .order_by("lease_until").values_list("pk", flat=True)[:batch]
        )
        Notification.objects.filter(pk__in=ids).update(lease_until=now + timedelta(seconds=lease))
        reclaimed = len(ids)
        transaction.on_commit(partial(_enqueue, ids))
    return {"claimed": claimed, "deferred": deferred, "reclaimed": reclaimed}



#: Errors after which the provider may or may not have accepted the message.
AMBIGUOUS_ERRORS = {"network", "internal_error"}


@dataclass
class _Send:
    """One message of a batch between its claim and its outcome."""

    notification: Notification
    attempt: DeliveryAttempt
    backend: Backend
    interrupted_since: datetime | None
    not_before: float  # the rate limiter's clock time at which it may go
    result: SendResult | None = None
    error: SendError | None = None
    recovered: bool = False
    outcome: str = ""


def notification_deliver(*, notification_id: int) -> str:
    """Send one notification (the task enqueued when a row is written); a batch of one, see below."""
    return notification_deliver_batch(notification_ids=[notification_id])[notification_id]


def notification_deliver_batch(*, notification_ids: list[int]) -> dict[int, str]:
    """Send a batch of notifications (the Celery task calls this). Idempotent: exactly one message per row.

    1. record the attempts (one INSERT, one UPDATE, committed before any provider is called);
    2. call the providers, the sends of a batch at once in a small thread pool, each sending number at its
       rate (NOTIFICATIONS_SENDER_RATE); a message whose earlier try was interrupted is first looked up at the
       provider and sent only if it is not there;
    3. record the outcomes in bulk: sent, retry later with back-off, or failed (R-NS-4).

    Returns each id's outcome ("sent", "retry", "failed", "busy", "skipped:sent", ...).
    """
    ids = list(dict.fromkeys(int(pk) for pk in notification_ids))
    outcomes: dict[int, str] = {}
    sends = retry_when_locked(lambda: _begin(ids, outcomes))
    _call_providers(sends)
    # The outcomes must not be lost to a briefly locked database: the provider already has the messages.
    retry_when_locked(lambda: _finish(sends))
    for send in sends:
        outcomes[send.notification.pk] = send.outcome
        # The one log line per try: nothing personal in it, never the text (R-SEC-2).
        logger.info("notification %s %s to %s: %s%s", send.notification.pk, send.notification.channel,
                    masked_recipient(send.notification), send.outcome,
                    f" ({send.error.code})" if send.error is not None else "")
    return outcomes


def _begin(ids: list[int], outcomes: dict[int, str]) -> list[_Send]:
    """Phase 1, in one transaction: lock the rows, decide which may go, record their attempts."""
    outcomes.clear()
    outcomes.update(dict.fromkeys(ids, "missing"))
    now = timezone.now()
    lease = lease_seconds()
    rows = list(Notification.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    candidates = []
    deferrals: dict[datetime, list[int]] = defaultdict(list)
    for notification in rows:
        if notification.status == Status.PENDING:
            if notification.next_attempt_at > now:
                outcomes[notification.pk] = "not-due"
                continue
            until = _quiet_deferral(notification, now)
            if until is not None:
                deferrals[until].append(notification.pk)
                outcomes[notification.pk] = "deferred"
                continue
            notification.claim(now=now, lease_seconds=lease)  # written below, with the attempt
        if notification.status != Status.SENDING:
            outcomes[notification.pk] = f"skipped:{notification.status}"
            continue
        candidates.append(notification)
    _defer_in_bulk(deferrals)

    earlier: dict[int, list[DeliveryAttempt]] = defaultdict(list)
    tried = [n.pk for n in candidates if n.attempt_count]
    if tried:  # most rows are on their first try: no query for them
        for attempt in DeliveryAttempt.objects.filter(notification_id__in=tried).order_by("notification_id",
                                                                                          "number"):
            earlier[attempt.notification_id].append(attempt)
    limiter = sender_rate_limiter()
    backends: dict[str, Backend] = {}
    abandoned, rate_limited, waiting, ready = [], [], [], []
    for notification in candidates:
        attempts = earlier.get(notification.pk, [])
        in_flight = [a for a in attempts if a.outcome == DeliveryAttempt.Outcome.IN_FLIGHT]
        interrupted_since = None
        if in_flight:
            if in_flight[-1].started_at > now - timedelta(seconds=lease):
                outcomes[notification.pk] = "busy"  # another worker is sending it right now
                continue
            abandoned.append(in_flight[-1].pk)
            interrupted_since = in_flight[-1].started_at
        elif attempts and (attempts[-1].outcome == DeliveryAttempt.Outcome.ABANDONED or (
                attempts[-1].outcome == DeliveryAttempt.Outcome.TRANSIENT_ERROR
                and attempts[-1].error_code in AMBIGUOUS_ERRORS)):
            # A timeout (or a lost worker) does not prove the provider did not take the message: ask first.
            interrupted_since = attempts[-1].started_at
        if notification.channel not in backends:
            backends[notification.channel] = get_backend(notification.channel)
        backend = backends[notification.channel]
        waiting.append((notification, backend, interrupted_since))
    by_sender: dict[str, list[int]] = defaultdict(list)
    for index, (notification, backend, _since) in enumerate(waiting):
        by_sender[backend.sender(notification)].append(index)
    slots: dict[int, float | None] = {}
    for sender, indexes in by_sender.items():  # one reservation per sending number, not per message
        slots.update(zip(indexes, limiter.reserve(sender, len(indexes)), strict=True))
    for index, (notification, backend, interrupted_since) in enumerate(waiting):
        if slots[index] is None:
            rate_limited.append(notification.pk)
            outcomes[notification.pk] = "rate-limited"
        else:
            ready.append((notification, backend, interrupted_since, slots[index]))
    if abandoned:
        DeliveryAttempt.objects.filter(pk__in=abandoned).update(
            outcome=DeliveryAttempt.Outcome.ABANDONED, finished_at=now,
            error_message="worker lost before the outcome was recorded")
    if rate_limited:  # no slot of its number within the horizon: back in the queue, no try counted
        Notification.objects.filter(pk__in=rate_limited).update(
            status=Status.PENDING, lease_until=None, next_attempt_at=now + timedelta(seconds=limiter.horizon))
    ready = _hold_paused(ready, outcomes, now)
    if not ready:
        return []
    worker = socket.gethostname()
    attempts = DeliveryAttempt.objects.bulk_create([
        DeliveryAttempt(notification=notification, number=notification.attempt_count + 1,
                        channel=notification.channel, backend=backend.name, started_at=now, worker=worker)
        for notification, backend, _since, _at in ready
    ])
    lease_until = now + timedelta(seconds=lease)
    Notification.objects.filter(pk__in=[n.pk for n, *_rest in ready]).update(
        status=Status.SENDING, attempt_count=F("attempt_count") + 1, lease_until=lease_until)
    sends = []
    for (notification, backend, since, not_before), attempt in zip(ready, attempts, strict=True):
        notification.attempt_count += 1
        notification.lease_until = lease_until
        sends.append(_Send(notification, attempt, backend, since, not_before))
    return sends


def _circuit_settings() -> tuple[int, int, int]:
    return (max(1, int(_setting("NOTIFICATIONS_CIRCUIT_THRESHOLD", 20))),
            max(1, int(_setting("NOTIFICATIONS_CIRCUIT_OPEN_SECONDS", 300))),
            max(1, int(_setting("NOTIFICATIONS_CIRCUIT_PROBES", 3))))


def _hold_paused(ready: list, outcomes: dict[int, str], now: datetime) -> list:
    """Messages of a backend whose circuit is open wait until it closes, no try counted; when the pause is over
    (half open) a few of each batch go as a probe and the others wait a little (issue 21 item 3)."""
    names = {backend.name for _n, backend, _s, _a in ready}
    circuits = {c.backend: c for c in ProviderCircuit.objects.filter(backend__in=names)
                if c.consecutive_failures or c.open_until}
    if not circuits:
        return ready
    threshold, open_seconds, probes = _circuit_settings()
    kept, held, probing = [], defaultdict(list), defaultdict(int)
    for item in ready:
        notification, backend = item[0], item[1]
        circuit = circuits.get(backend.name)
        if circuit is not None and circuit.open_until and circuit.open_until > now:
            held[circuit.open_until].append(notification.pk)
            outcomes[notification.pk] = "paused"
            continue
        if circuit is not None and circuit.consecutive_failures >= threshold:  # half open
            if probing[backend.name] >= probes:
                held[now + timedelta(seconds=min(60, open_seconds))].append(notification.pk)
                outcomes[notification.pk] = "paused"
                continue
            probing[backend.name] += 1
        kept.append(item)
    for until, ids in held.items():
        Notification.objects.filter(pk__in=ids).update(status=Status.PENDING, lease_until=None,
                                                       next_attempt_at=until)
    return kept


def _record_circuits(sends: list[_Send], now: datetime) -> None:
    """A batch's outcomes per backend: a success closes its circuit, failures worth another try count up and
    open it at the threshold (a log line and ``/healthz``'s ``paused_providers`` say so)."""
    tally: dict[str, list] = {}
    for send in sends:
        counts = tally.setdefault(send.backend.name, [0, 0, ""])
        if send.error is None:
            counts[0] += 1
        elif isinstance(send.error, TransientSendError):
            counts[1] += 1
            counts[2] = f"{send.error.code}: {send.error}"[:200]
    recovered = [name for name, counts in tally.items() if counts[0]]
    if recovered:  # the usual case: one statement, which changes nothing unless the backend had been failing
        closed = (ProviderCircuit.objects.filter(backend__in=recovered)
                  .filter(Q(consecutive_failures__gt=0) | Q(open_until__isnull=False))
                  .update(consecutive_failures=0, open_until=None, updated_at=now))
        if closed:
            logger.info("provider %s answers again: sending resumes", ", ".join(sorted(recovered)))
    tally = {name: counts for name, counts in tally.items() if counts[1] and not counts[0]}
    if not tally:
        return
    ProviderCircuit.objects.bulk_create([ProviderCircuit(backend=name) for name in tally], ignore_conflicts=True)
    threshold, open_seconds, _probes = _circuit_settings()
    for circuit in ProviderCircuit.objects.select_for_update().filter(backend__in=tally).order_by("backend"):
        _successes, failures, last_error = tally[circuit.backend]
        circuit.consecutive_failures += failures
        circuit.last_error = last_error
        if circuit.consecutive_failures >= threshold and not (circuit.open_until and circuit.open_until > now):
            circuit.open_until = now + timedelta(seconds=open_seconds)
            circuit.opened_count += 1
            logger.warning("provider %s failed %d times in a row: its messages wait until %s",
                           circuit.backend, circuit.consecutive_failures, circuit.open_until.isoformat())
        circuit.save(update_fields=["consecutive_failures", "open_until", "opened_count", "last_error",
                                    "updated_at"])


def _call_provider(send: _Send) -> None:
    """Phase 2 for one message, outside any transaction."""
    sender_rate_limiter().wait_until(send.not_before)
    notification = send.notification
    try:
        if send.interrupted_since is not None:
            if notification.provider_message_id:  # a status callback already told us
                send.result = SendResult(notification.provider_message_id, {"from_callback": True})
            else:
                send.result = send.backend.find_sent(notification, since=send.interrupted_since)
            send.recovered = send.result is not None
        if send.result is None:
            send.result = send.backend.send(notification)
    except (TransientSendError, PermanentSendError) as exc:
        send.error = exc
    except Exception as exc:  # noqa: BLE001 - an unexpected error must not leave the row in flight
        logger.exception("notification %s: unexpected error while sending", notification.pk)
        send.error = TransientSendError(f"{exc.__class__.__name__}: {exc}", code="internal_error")


_pools: dict[tuple[int, int], ThreadPoolExecutor] = {}


def _send_pool() -> ThreadPoolExecutor:
    """This process's send threads (made after the worker forked, again if the setting changes)."""
    key = (os.getpid(), send_threads())
    pool = _pools.get(key)
    if pool is None:
        pool = _pools[key] = ThreadPoolExecutor(max_workers=key[1], thread_name_prefix="notification-send")
    return pool


def _call_providers(sends: list[_Send]) -> None:
    """Phase 2: the sends that may share a thread pool go at once; look-ups after a lost worker (they read the
    database) and backends that are not thread-safe go one after the other in this thread."""
    together = [s for s in sends if s.backend.sends_in_threads and s.interrupted_since is None]
    alone = [s for s in sends if not (s.backend.sends_in_threads and s.interrupted_since is None)]
    futures = [_send_pool().submit(_call_provider, send) for send in together] if len(together) > 1 else []
    if len(together) == 1:
        alone.insert(0, together[0])
    for send in alone:
        _call_provider(send)
    for future in futures:
        future.result()  # re-raises what a thread could not record (a lost worker stays lost)


#: What phase 3 reads of a row: its state, nothing encrypted.
_OUTCOME_FIELDS = ("id", "status", "template_key", "channel", "attempt_count", "max_attempts",
                   "provider_message_id", "sent_at", "failed_at", "next_attempt_at", "lease_until",
                   "last_error_code", "last_error")
_OUTCOME_WRITES = ["status", "provider_message_id", "sent_at", "failed_at", "next_attempt_at", "lease_until",
                   "last_error_code", "last_error"]


def _update_each(model, objects: list, fields: list[str]) -> None:
    """Write ``fields`` of each object (rows locked by the caller) in one statement:
    ``UPDATE ... SET f = v.columnN FROM (VALUES (id, ...), ...) AS v WHERE id = v.column1``.

    Django's ``bulk_update`` builds a CASE expression per field and row (about 10 ms a row in Python for these
    eight fields), ``executemany`` is a round trip per row. PostgreSQL types a VALUES column from its literals,
    so there each value is cast to its column's type; SQLite (3.33+) takes them as they are.
    """
    if not objects:
        return
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    cast = connection.vendor == "postgresql"
    assignments = ", ".join(
        f"{quote(f.column)} = " + (f"CAST(v.column{i} AS {f.db_type(connection)})" if cast else f"v.column{i}")
        for i, f in enumerate(columns, start=2))
    row = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = (f"UPDATE {table} SET {assignments} FROM (VALUES {', '.join([row] * len(objects))}) AS v "
           f"WHERE {table}.{pk} = v.column1")
    params = [value for obj in objects
              for value in [obj.pk, *(f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns)]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _redact_first(notification: Notification, secret: dict[int, list[str]]) -> None:
    """A message with a secret (a sign-in code) loses it once it went out or failed for good. Done before the
    transition: loading the deferred text fields makes django-fsm take the state in memory for the stored one."""
    if is_secret(notification.template_key):
        secret[notification.pk] = notification.redact_secret()


def _finish(sends: list[_Send]) -> None:
    """Phase 3, in one transaction: every outcome written in two statements (attempts, rows)."""
    if not sends:
        return
    now = timezone.now()
    current = {n.pk: n for n in Notification.objects.select_for_update()
               .filter(pk__in=[s.notification.pk for s in sends]).order_by("pk").only(*_OUTCOME_FIELDS)}
    changed, failed = [], []
    secret: dict[int, list[str]] = {}  # id -> text fields whose secret was removed
    for send in sends:
        notification, attempt, error = current[send.notification.pk], send.attempt, send.error
        attempt.finished_at = now
        if error is None:
            attempt.outcome = (DeliveryAttempt.Outcome.RECOVERED if send.recovered
                               else DeliveryAttempt.Outcome.SENT)
            attempt.provider_message_id = send.result.provider_message_id
            attempt.response = send.result.response
            send.outcome = "recovered" if send.recovered else "sent"
            if notification.status == Status.SENDING:
                _redact_first(notification, secret)
                notification.mark_sent(provider_message_id=send.result.provider_message_id, now=now)
                changed.append(notification)
            elif not notification.provider_message_id:
                notification.provider_message_id = send.result.provider_message_id
                changed.append(notification)
            continue
        permanent = isinstance(error, PermanentSendError)
        attempt.outcome = (DeliveryAttempt.Outcome.PERMANENT_ERROR if permanent
                           else DeliveryAttempt.Outcome.TRANSIENT_ERROR)
        attempt.error_code, attempt.error_message, attempt.response = error.code, str(error), error.response
        if notification.status != Status.SENDING:
            send.outcome = "stale"
        elif not permanent and notification.attempt_count < notification.max_attempts:
            # the back-off, or longer where the provider said how long to wait (429 Retry-After)
            at = now + timedelta(seconds=max(backoff_seconds(notification.attempt_count), error.retry_after or 0))
            notification.retry_later(at=at, code=error.code, message=str(error))
            changed.append(notification)
            send.outcome = "retry"
        else:
            _redact_first(notification, secret)
            notification.fail(now=now, code=error.code, message=str(error))
            changed.append(notification)
            failed.append(notification)
            send.outcome = "failed"
    _record_circuits(sends, now)
    _update_each(DeliveryAttempt, [s.attempt for s in sends], ["finished_at", "outcome", "provider_message_id",
                                                               "response", "error_code", "error_message"])
    _update_each(Notification, [n for n in changed if n.pk not in secret], _OUTCOME_WRITES)
    for notification in changed:  # a sign-in code leaves the stored text (rare: one save each)
        if notification.pk in secret:
            notification.save(update_fields=[*_OUTCOME_WRITES, *secret[notification.pk]])
    for notification in failed:
        _alert_hr_of_failure(notification)


def _alert_hr_of_failure(notification: Notification) -> None:
    """A failed message is a to-do for HR: an in-app alert to each HR user who may see it."""
    if notification.channel == Channel.IN_APP:
        return  # never alert about an alert
    if notification.channel in (Channel.WECOM, Channel.DINGTALK) and \
            notification.related_type == "notifications.notification":
        return  # nor about a failure alert's WeCom / DingTalk copy
    for user in User.objects.filter(is_active=True, role__in=[Role.HR_STAFF, Role.HR_DIRECTOR]):
        if not Notification.objects.for_user(user).filter(pk=notification.pk).exists():
            continue
        context = {
            "title": _("A message could not be delivered"),
            "message": _("%(channel)s to %(name)s failed: %(error)s") % {
                "channel": notification.get_channel_display(), "name": notification.recipient_name,
                "error": notification.last_error or notification.last_error_code},
            "url": f"{settings.PUBLIC_BASE_URL}/admin/notifications/notification/{notification.pk}/change/",
        }
        key = f"alert:failed:{notification.pk}:{user.pk}"
        # in the app, and in WeCom / DingTalk for a user who chose it (R-CN-2)
        for channel in (Channel.IN_APP, *staff_im.extra_channels(user_id=user.pk, channels=(Channel.IN_APP,))):
            notification_create(
                recipient=Recipient.for_user(user), channel=channel, template_key="generic_alert", context=context,
                idempotency_key=key if channel == Channel.IN_APP else f"{key}:{channel}",
                department=notification.department,
                related=("notifications.notification", notification.pk),
            )
