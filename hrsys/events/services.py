"""Outgoing events (R-INT-2): publish in the caller's transaction, deliver signed with retries, replay.

* :func:`event_publish` -- a stage's service calls it in its own transaction: one :class:`Event` and a
  :class:`Delivery` per matching subscription, enqueued on commit (the outbox pattern of notifications);
* :func:`delivery_send` -- the task: claim the delivery and commit the attempt, POST outside any
  transaction (``hrsys.core.safe_http``), record the outcome: 2xx delivered; 4xx refused for good except
  408 and 429; 5xx, 408, 429 and no answer retried with back-off (``Retry-After`` honoured);
* :func:`deliveries_dispatch_due` -- the sweep: due retries and deliveries whose worker vanished are
  enqueued again. At least once: a receiver may see an event twice and de-duplicates by its id;
* :func:`delivery_replay` and the subscription services for the admin and the API, audited.
"""

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.accounts.models import Department
from hrsys.audit.services import audit_record, diff_fields, snapshot
from hrsys.core import safe_http
from hrsys.core.actors import require_perm, staff_user
from hrsys.core.config import organisation_or_invalid
from hrsys.core.transactions import retry_when_locked

from . import tasks
from .models import Delivery, DeliveryAttempt, DeliveryStatus, Event, Subscription
from .signing import (
    DELIVERY_ID_HEADER,
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    signature_header,
)
from .types import EVENT_TYPES

logger = logging.getLogger(__name__)

SUBSCRIPTION_FIELDS = ("organisation", "name", "url", "secret", "event_types", "active")


def _setting(name, default):
    return getattr(settings, name, default)


def lease_seconds() -> int:
    return int(_setting("EVENTS_LEASE_SECONDS", 120))


def backoff_seconds(attempt_number: int) -> int:
    """After the n-th failed try: base, 2*base, 4*base ... capped (30 s, 1 min, 2 min ... 6 h by default)."""
    base = int(_setting("EVENTS_RETRY_BASE_SECONDS", 30))
    cap = int(_setting("EVENTS_RETRY_MAX_SECONDS", 6 * 3600))
    return min(cap, base * 2 ** max(0, attempt_number - 1))


def _enqueue(ids: list[int]) -> None:
    for delivery_id in ids:
        tasks.enqueue_delivery(delivery_id)


# -- publishing -------------------------------------------------------------------------------------------

def _organisation_of(organisation) -> Department | None:
    if organisation is None:
        return None
    if not isinstance(organisation, Department):
        organisation = Department.objects.filter(pk=organisation).first()
        if organisation is None:
            return None
    return organisation.organization()


@transaction.atomic
def event_publish(*, type: str, organisation, payload: dict, occurred_at: datetime | None = None) -> Event | None:
    """Record that ``type`` happened in ``organisation`` (a hospital or company, or any department of it)
    and queue a delivery to each active subscription of that organisation asking for it (R-INT-2).

    Call it inside the service's own transaction: the event exists exactly when the change does. Nothing
    is written when no subscription wants the event. ``payload`` holds ids and states, never secrets.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    org = _organisation_of(organisation)
    if org is None:
        return None
    subscriptions = [s for s in Subscription.objects.filter(organisation=org, active=True)
                     if type in (s.event_types or [])]
    if not subscriptions:
        return None
    event = Event(type=type, organisation=org, occurred_at=occurred_at or timezone.now())
    event.body = json.dumps({
        "id": str(event.id), "type": type, "created_at": event.occurred_at.astimezone(UTC).isoformat()
        .replace("+00:00", "Z"), "organisation": {"id": org.pk, "code": org.code}, "data": payload,
    }, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    event.save(force_insert=True)
    now = timezone.now()
    deliveries = Delivery.objects.bulk_create([
        Delivery(event=event, subscription=s, next_attempt_at=now, created_at=now) for s in subscriptions])
    ids = [d.pk for d in deliveries] if all(d.pk for d in deliveries) else \
        list(Delivery.objects.filter(event=event).values_list("pk", flat=True))
    transaction.on_commit(partial(_enqueue, ids))
    return event


# -- delivering -------------------------------------------------------------------------------------------


def _retry_after_seconds(value: str, now: datetime) -> int | None:
    """``Retry-After`` as seconds (a number or an HTTP date), or None."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return int(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0, int((moment - now).total_seconds()))


def _claim(delivery_id: int):
    """Phase 1 (its own committed transaction): take the delivery and open an attempt."""
    delivery = (Delivery.objects.select_for_update().select_related("event", "subscription")
                .filter(pk=delivery_id).first())
    if delivery is None:
        return "missing"
    now = timezone.now()
    if delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at > now:
        return "not-due"
    if delivery.status not in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
        return f"skipped:{delivery.status}"
    open_attempt = delivery.attempts.filter(outcome=DeliveryAttempt.Outcome.IN_FLIGHT).order_by("-number").first()
    if open_attempt is not None:
        if open_attempt.started_at > now - timedelta(seconds=lease_seconds()):
            return "busy"  # another worker is posting it right now
        open_attempt.outcome = DeliveryAttempt.Outcome.ABANDONED
        open_attempt.finished_at = now
        open_attempt.error = "worker lost before the outcome was recorded"
        open_attempt.save(update_fields=["outcome", "finished_at", "error"])
    if not delivery.subscription.active:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = _("The subscription is inactive.")
        delivery.lease_until = None
        delivery.save(update_fields=["status", "last_error", "lease_until"])
        return "inactive"
    if delivery.attempt_count >= delivery.max_attempts:
        delivery.status = DeliveryStatus.FAILED
        delivery.lease_until = None
        delivery.save(update_fields=["status", "lease_until"])
        return "failed"
    delivery.attempt_count += 1
    attempt = DeliveryAttempt.objects.create(delivery=delivery, number=delivery.attempt_count, started_at=now)
    delivery.status = DeliveryStatus.SENDING
    delivery.lease_until = now + timedelta(seconds=lease_seconds())
    delivery.save(update_fields=["status", "attempt_count", "lease_until"])
    return delivery, attempt


def delivery_send(*, delivery_id: int) -> str:
    """Post one delivery (the Celery task calls this); see the module docstring. Returns the outcome."""
    claimed = retry_when_locked(lambda: _claim(delivery_id))
    if isinstance(claimed, str):
        return claimed
    delivery, attempt = claimed
    body = delivery.event.body.encode("utf-8")
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "hrsys-events/1",
        EVENT_ID_HEADER: str(delivery.event_id),
        EVENT_TYPE_HEADER: delivery.event.type,
        DELIVERY_ID_HEADER: str(delivery.pk),
        SIGNATURE_HEADER: signature_header(delivery.subscription.secret, timestamp, body),
    }

    # Phase 2: the request, outside any transaction.
    status_code, error, permanent, retry_after, excerpt = None, "", False, None, ""
    try:
        answer = safe_http.post(delivery.subscription.url, body=body, headers=headers,
                                http_hosts=_setting("EVENTS_HTTP_HOSTS", ()),
                                private_hosts=_setting("EVENTS_ALLOW_PRIVATE_HOSTS", ()),
                                timeout=float(_setting("EVENTS_TIMEOUT_SECONDS", 10)))
        status_code = answer.status
        excerpt = answer.data[:500].decode("utf-8", "replace")
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
            permanent = status_code < 500 and status_code not in (408, 429)
            retry_after = _retry_after_seconds(answer.headers.get("retry-after", ""), timezone.now())
    except safe_http.Refused as exc:
        error, permanent = exc.reason, True
    except safe_http.FetchFailed as exc:
        error, permanent = str(exc), not exc.transient
    except Exception as exc:  # noqa: BLE001 - an unexpected error must not leave the delivery in flight
        logger.exception("event delivery %s: unexpected error", delivery_id)
        error = f"{exc.__class__.__name__}: {exc}"

    # Phase 3: the outcome.
    def finish():
        row = Delivery.objects.select_for_update().get(pk=delivery_id)
        tried = DeliveryAttempt.objects.select_for_update().get(pk=attempt.pk)
        now = timezone.now()
        tried.finished_at, tried.status_code, tried.error = now, status_code, error[:300]
        tried.response_excerpt = excerpt[:500]
        row.last_status_code, row.last_error, row.lease_until = status_code, error[:300], None
        if not error:
            tried.outcome = DeliveryAttempt.Outcome.DELIVERED
            row.status, row.delivered_at = DeliveryStatus.DELIVERED, now
            outcome = "delivered"
        elif not permanent and row.attempt_count < row.max_attempts:
            tried.outcome = DeliveryAttempt.Outcome.RETRY
            wait = backoff_seconds(row.attempt_count)
            if retry_after is not None:
                wait = min(retry_after, int(_setting("EVENTS_RETRY_AFTER_MAX_SECONDS", 24 * 3600)))
            row.status, row.next_attempt_at = DeliveryStatus.PENDING, now + timedelta(seconds=wait)
            outcome = "retry"
        else:
            tried.outcome = DeliveryAttempt.Outcome.PERMANENT if permanent else DeliveryAttempt.Outcome.RETRY
            row.status = DeliveryStatus.FAILED
            outcome = "failed"
        tried.save()
        row.save(update_fields=["status", "delivered_at", "next_attempt_at", "lease_until", "last_status_code",
                                "last_error"])
        return outcome

    outcome = retry_when_locked(finish)
    logger.info("event delivery %s (%s, attempt %s): %s%s", delivery_id, delivery.event.type, attempt.number,
                outcome, f" ({error})" if error else "")
    return outcome


def deliveries_dispatch_due(*, now: datetime) -> dict:
    """The sweep (hr_tick, every minute): enqueue due retries and deliveries whose worker vanished (lease
    over). Each is handed out for one lease, so the next minute's sweep does not enqueue it again."""
    batch = int(_setting("EVENTS_DISPATCH_BATCH", 500))
    lease = timedelta(seconds=lease_seconds())
    with transaction.atomic():
        free = Q(lease_until__isnull=True) | Q(lease_until__lte=now)
        rows = list(Delivery.objects.select_for_update(skip_locked=True)
                    .filter((Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & free)
                            | Q(status=DeliveryStatus.SENDING, lease_until__lte=now))
                    .order_by("next_attempt_at", "pk").values_list("pk", "status")[:batch])
        ids = [pk for pk, _status in rows]
        Delivery.objects.filter(pk__in=ids).update(lease_until=now + lease)
        transaction.on_commit(partial(_enqueue, ids))
    return {"enqueued": len(ids), "reclaimed": sum(1 for _pk, s in rows if s == DeliveryStatus.SENDING)}


@transaction.atomic
def delivery_replay(*, actor, delivery_id: int) -> Delivery:
    """Send an event again to the same subscription: a new delivery of the same event (same id, same body,
    so the receiver can tell it is the same event), audited (R-INT-2)."""
    require_perm(actor, "events.change_delivery")
    user = staff_user(actor)
    qs = Delivery.objects.for_user(user) if user is not None else Delivery.objects.all()
    original = qs.select_related("event", "subscription").filter(pk=delivery_id).first()
    if original is None:
        raise Http404
    now = timezone.now()
    replay = Delivery.objects.create(event=original.event, subscription=original.subscription, replay_of=original,
                                     next_attempt_at=now, created_at=now)
    audit_record(actor=actor, action="event_delivery.replay", obj=replay,
                 changes={"event": [None, str(original.event_id)], "replay_of": [None, original.pk]})
    transaction.on_commit(partial(_enqueue, [replay.pk]))
    return replay


# -- subscriptions ----------------------------------------------------------------------------------------

@transaction.atomic
def subscription_create(*, actor, organisation_id: int, name: str, url: str, secret: str, event_types: list,
                        active: bool = True) -> Subscription:
    """A new endpoint for an organisation's events (R-INT-2); 400 with field messages on bad input."""
    require_perm(actor, "events.add_subscription")
    subscription = Subscription(organisation=organisation_or_invalid(actor, organisation_id), name=name, url=url,
                                secret=secret, event_types=event_types, active=active)
    subscription.full_clean()
    subscription.save()
    audit_record(actor=actor, action="event_subscription.create", obj=subscription,
                 changes=diff_fields({}, snapshot(subscription, SUBSCRIPTION_FIELDS), model=Subscription))
    return subscription


def _subscription_for(actor, subscription_id) -> Subscription:
    user = staff_user(actor)
    qs = Subscription.objects.for_user(user) if user is not None else Subscription.objects.all()
    subscription = qs.select_for_update().filter(pk=subscription_id).first()
    if subscription is None:
        raise Http404
    return subscription


@transaction.atomic
def subscription_update(*, actor, subscription_id: int, **changes) -> Subscription:
    """Change a subscription; ``secret`` only when given (it is never read back)."""
    require_perm(actor, "events.change_subscription")
    subscription = _subscription_for(actor, subscription_id)
    unknown = set(changes) - set(SUBSCRIPTION_FIELDS) - {"organisation_id"}
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    before = snapshot(subscription, SUBSCRIPTION_FIELDS)
    if "organisation_id" in changes:
        subscription.organisation = organisation_or_invalid(actor, changes.pop("organisation_id"))
    for name, value in changes.items():
        if name == "secret" and not value:
            continue
        setattr(subscription, name, value)
    subscription.full_clean()
    subscription.save()
    audit_record(actor=actor, action="event_subscription.update", obj=subscription,
                 changes=diff_fields(before, snapshot(subscription, SUBSCRIPTION_FIELDS), model=Subscription))
    return subscription


@transaction.atomic
def subscription_delete(*, actor, subscription_id: int) -> None:
    """Remove a subscription with its delivery log (deactivate it to keep the log)."""
    require_perm(actor, "events.delete_subscription")
    subscription = _subscription_for(actor, subscription_id)
    audit_record(actor=actor, action="event_subscription.delete", obj=subscription,
                 changes=diff_fields(snapshot(subscription, SUBSCRIPTION_FIELDS), {}, model=Subscription))
    subscription.delete()
