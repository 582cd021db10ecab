"""Writes of the notifications app: the public API other apps call (R-NS-2, R-NS-3, R-NS-4, R-INT-3).

Other apps call :func:`notification_create` inside their own transaction (the row
is written with theirs, sending happens after commit), :func:`notification_cancel`
when the reason for a message went away (an interview was rescheduled), and
:func:`candidate_action_record` when a recipient acted on a message elsewhere
(e.g. the portal).
"""

import base64
import hashlib
import json
import logging
import secrets
import socket
import time
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from hrsys.audit.services import audit_record
from hrsys.crypto.fields import normalize_email, normalize_phone

from . import tasks
from .catalog import TEMPLATE_KEYS, allowed_variables
from .channels import PermanentSendError, SendResult, TransientSendError, get_backend
from .channels.base import masked_recipient
from .models import (
    STATUS_RANK,
    CandidateAction,
    Channel,
    DeliveryAttempt,
    DeliveryReceipt,
    EscalationPolicy,
    Notification,
    Status,
    TrackedLink,
)
from .quiet_hours import quiet_until
from .rendering import URL_RE, find_links, render_message, rewrite_links
from .signals import candidate_action_recorded
from .types import Recipient

logger = logging.getLogger(__name__)

__all__ = [
    "Recipient", "notification_create", "notification_cancel", "candidate_action_record",
    "notification_dispatch_due", "notification_deliver", "notification_escalate_due",
    "twilio_callback_record", "voice_gather_record", "notification_requeue",
]


def _setting(name: str, default):
    return getattr(settings, name, default)


def lease_seconds() -> int:
    return int(_setting("NOTIFICATIONS_LEASE_SECONDS", 600))


def backoff_seconds(attempt_number: int) -> int:
    """Exponential back-off after the n-th failed try: base, 2*base, 4*base ... capped."""
    base = int(_setting("NOTIFICATIONS_RETRY_BASE_SECONDS", 60))
    cap = int(_setting("NOTIFICATIONS_RETRY_MAX_SECONDS", 3600))
    return min(cap, base * 2 ** max(0, attempt_number - 1))


def _reachable(recipient_email: str, recipient_phone: str, recipient_type: str, channel: str) -> bool:
    if channel == Channel.EMAIL:
        return bool(recipient_email)
    if channel in (Channel.SMS, Channel.VOICE):
        return bool(recipient_phone)
    return recipient_type == "accounts.user"


def _quiet_deferral(notification: Notification, moment: datetime) -> datetime | None:
    """When ``notification`` must wait for the end of the recipient's quiet hours; None if it may go now."""
    if notification.channel == Channel.IN_APP:
        return None
    if notification.ignore_quiet_hours and notification.channel != Channel.VOICE:
        return None  # urgent texts may go at night; calls never do
    return quiet_until(moment, notification.time_zone)


def _enqueue(ids: list[int]) -> None:
    for notification_id in ids:
        tasks.enqueue_delivery(notification_id)


# --------------------------------------------------------------------------- create / cancel


@transaction.atomic
def notification_create(
    *,
    recipient: Recipient,
    channel: str,
    template_key: str,
    context: dict,
    idempotency_key: str,
    due_at: datetime | None = None,
    department=None,
    related: tuple[str, object] | None = None,
    attachments=(),
    escalation_policy: EscalationPolicy | str | None = None,
    ignore_quiet_hours: bool = False,
    max_attempts: int | None = None,
    escalated_from: Notification | None = None,
    actor=None,
    skip_unreachable: bool = False,
) -> Notification | None:
    """Write one outbox row; sending happens after the caller's transaction commits (R-NS-3, R-INT-3).

    The same ``idempotency_key`` always yields the same row: calling twice never
    creates or sends two messages. ``channel="auto"`` picks the recipient's preferred
    reachable channel (R-NS-2). ``attachments`` are ``(filename, bytes, content_type)``.
    ``skip_unreachable``: a recipient with no address for the channel gets no message (``None``) instead
    of an error -- for the many "tell them by SMS and by e-mail" senders; every other error still raises.
    """
    existing = Notification.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    errors: dict[str, list[str]] = {}
    if not idempotency_key or len(idempotency_key) > 200:
        errors["idempotency_key"] = [_("An idempotency key of at most 200 characters is required.")]
    if template_key not in TEMPLATE_KEYS:
        errors["template_key"] = [_("Unknown template key %(key)s.") % {"key": template_key}]
    else:
        unknown = sorted(set(context) - allowed_variables(template_key))
        if unknown:
            errors["context"] = [_("Unknown variables: %(names)s.") % {"names": ", ".join(unknown)}]
    email = normalize_email(recipient.email)
    phone = normalize_phone(recipient.phone)
    if phone and not phone.startswith("+"):
        errors["phone"] = [_("Not a valid phone number.")]
    if channel == "auto":
        from .selectors import preferred_channels

        reachable = [c for c in preferred_channels(recipient_type=recipient.type, recipient_id=recipient.id)
                     if _reachable(email, phone, recipient.type, c)]
        channel = reachable[0] if reachable else ""
    if channel not in Channel.values:
        errors["channel"] = [_("No channel can reach this recipient.") if channel == ""
                             else _("Unknown channel %(channel)s.") % {"channel": channel}]
    elif not _reachable(email, phone, recipient.type, channel):
        errors["channel"] = [_("The recipient has no address for channel %(channel)s.") % {"channel": channel}]
    if isinstance(escalation_policy, str):
        policy = EscalationPolicy.objects.filter(code=escalation_policy, active=True).first()
        if policy is None:
            errors["escalation_policy"] = [_("Unknown escalation policy %(code)s.") % {"code": escalation_policy}]
        escalation_policy = policy
    if skip_unreachable and set(errors) == {"channel"}:
        return None
    if errors:
        raise ValidationError(errors)

    language = recipient.language if recipient.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    full_context = {"recipient_name": recipient.name, **context}
    subject, body, html = render_message(key=template_key, language=language, channel=channel,
                                         context=full_context)
    public_token = secrets.token_urlsafe(12)
    links: dict[str, str] = {}
    if channel == Channel.VOICE:
        body = " ".join(URL_RE.sub("", body).split())  # links cannot be spoken
    else:
        for url in find_links(body, html):
            links[url] = secrets.token_urlsafe(9)
        base = settings.PUBLIC_BASE_URL
        mapping = {url: f"{base}/l/{token}" for url, token in links.items()}
        body = rewrite_links(body, mapping)
        if html:
            html = rewrite_links(html, mapping, html=True)
            html += f'<img src="{base}/l/o/{public_token}.gif" width="1" height="1" alt="">'
    now = timezone.now()
    due = due_at or now
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                public_token=public_token,
                idempotency_key=idempotency_key,
                recipient_type=recipient.type,
                recipient_id=str(recipient.id),
                recipient_name=recipient.name,
                recipient_email=email,
                recipient_phone=phone,
                language=language,
                time_zone=recipient.time_zone or "Asia/Shanghai",
                department=department,
                channel=channel,
                template_key=template_key,
                context=json.dumps(context, ensure_ascii=False, default=str),
                subject=subject[:300],
                body=body,
                html_body=html,
                attachments=[
                    {"filename": name, "content_type": ctype, "content_b64": base64.b64encode(data).decode()}
                    for name, data, ctype in attachments
                ],
                related_type=related[0] if related else "",
                related_id=str(related[1]) if related else "",
                due_at=due,
                next_attempt_at=due,
                ignore_quiet_hours=ignore_quiet_hours,
                max_attempts=max_attempts or int(_setting("NOTIFICATIONS_MAX_ATTEMPTS", 5)),
                escalation_policy=escalation_policy,
                escalated_from=escalated_from,
            )
    except IntegrityError:
        # A concurrent caller created the same key first: theirs is the one.
        return Notification.objects.get(idempotency_key=idempotency_key)
    TrackedLink.objects.bulk_create(
        [TrackedLink(token=token, notification=notification, target_url=url) for url, token in links.items()]
    )
    audit_record(actor=actor or "notifications", action="notification.create", obj=notification,
                 changes={"channel": [None, channel], "template_key": [None, template_key],
                          "due_at": [None, due.isoformat()]})
    if due <= now and _quiet_deferral(notification, now) is None:
        transaction.on_commit(partial(tasks.enqueue_delivery, notification.pk))
    return notification


@transaction.atomic
def notification_cancel(*, idempotency_key: str | None = None, related: tuple[str, object] | None = None,
                        actor=None, reason: str = "") -> int:
    """Cancel pending notifications by key or by related object (e.g. a rescheduled interview).

    Messages already handed to a provider cannot be taken back and are left as they are.
    Returns how many were cancelled.
    """
    if not idempotency_key and not related:
        raise ValidationError({"idempotency_key": [_("Give an idempotency key or a related object.")]})
    qs = Notification.objects.select_for_update().filter(status=Status.PENDING)
    if idempotency_key:
        qs = qs.filter(idempotency_key=idempotency_key)
    if related:
        qs = qs.filter(related_type=related[0], related_id=str(related[1]))
    now = timezone.now()
    count = 0
    for notification in qs:
        notification.cancel(now=now)
        notification.save(update_fields=["status", "cancelled_at"])
        audit_record(actor=actor or "notifications", action="notification.cancel", obj=notification,
                     changes={"status": [Status.PENDING, Status.CANCELLED]}, reason=reason)
        count += 1
    return count


@transaction.atomic
def notification_requeue(*, notification_id: int, actor) -> Notification:
    """HR re-sends a failed notification after fixing the cause (e.g. a corrected phone number)."""
    original = Notification.objects.select_for_update().get(pk=notification_id)
    if original.status != Status.FAILED:
        raise ValidationError({"status": [_("Only failed notifications can be sent again.")]})
    copy = notification_create(
        recipient=_recipient_of(original), channel=original.channel, template_key=original.template_key,
        context=json.loads(original.context or "{}"), department=original.department,
        idempotency_key=f"{original.idempotency_key}:requeue:{original.attempts.count()}",
        related=(original.related_type, original.related_id) if original.related_type else None,
        actor=actor,
    )
    return copy


def _recipient_of(notification: Notification) -> Recipient:
    return Recipient(type=notification.recipient_type, id=notification.recipient_id,
                     name=notification.recipient_name, email=notification.recipient_email,
                     phone=notification.recipient_phone, language=notification.language,
                     time_zone=notification.time_zone)


# --------------------------------------------------------------------------- dispatch


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
    from hrsys.accounts.models import Role, User

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


# --------------------------------------------------------------------------- receipts and actions

MESSAGE_STATUS_MAP = {
    "sent": Status.SENT, "delivered": Status.DELIVERED, "read": Status.READ,
    "failed": Status.FAILED, "undelivered": Status.FAILED,
}
CALL_STATUS_MAP = {
    "in-progress": Status.DELIVERED, "answered": Status.DELIVERED, "completed": Status.DELIVERED,
    "busy": Status.FAILED, "no-answer": Status.FAILED, "failed": Status.FAILED, "canceled": Status.FAILED,
}


def _advance(notification: Notification, target: str, *, now, code: str = "", message: str = "") -> bool:
    """Move forward only: an out-of-order or replayed callback never moves a status back."""
    if STATUS_RANK[target] <= STATUS_RANK[notification.status] or notification.status == Status.CANCELLED:
        return False
    if notification.status == Status.FAILED:
        return False  # failed is final; a later 'read' cannot be trusted over the provider's failure
    transition_of = {Status.SENT: notification.mark_sent, Status.DELIVERED: notification.mark_delivered,
                     Status.READ: notification.mark_read, Status.FAILED: notification.fail}.get(target)
    if transition_of is None or not can_proceed(transition_of):
        return False
    if notification.status == Status.PENDING:
        notification.lease_until = None
    if target == Status.SENT:
        notification.mark_sent(provider_message_id="", now=now)
    elif target == Status.DELIVERED:
        notification.mark_delivered(now=now)
    elif target == Status.READ:
        notification.mark_read(now=now)
    elif target == Status.FAILED:
        notification.fail(now=now, code=code, message=message)
    else:
        return False
    notification.save()
    if target == Status.FAILED:
        _alert_hr_of_failure(notification)
    return True


@transaction.atomic
def twilio_callback_record(*, params: dict, token: str = "") -> tuple[DeliveryReceipt | None, bool]:
    """Store a Twilio status callback and apply it (R-NS-4). Returns (receipt, applied).

    Replays (same parameters) are recognised by their digest and change nothing.
    """
    digest = hashlib.sha256(
        json.dumps({"params": params, "token": token}, sort_keys=True).encode()).hexdigest()
    if DeliveryReceipt.objects.filter(digest=digest).exists():
        return None, False
    is_call = "CallSid" in params and "MessageSid" not in params
    sid = params.get("MessageSid") or params.get("SmsSid") or params.get("CallSid") or ""
    raw_status = (params.get("MessageStatus") or params.get("SmsStatus") or params.get("CallStatus") or "").lower()
    qs = Notification.objects.select_for_update()
    notification = qs.filter(public_token=token).first() if token else None
    if notification is None and sid:
        notification = qs.filter(provider_message_id=sid).first()
    try:
        with transaction.atomic():
            receipt = DeliveryReceipt.objects.create(
                notification=notification, provider="twilio", provider_message_id=sid,
                provider_status=raw_status, error_code=params.get("ErrorCode", "") or "",
                payload=json.dumps(params, ensure_ascii=False, sort_keys=True), digest=digest,
            )
    except IntegrityError:
        return None, False  # the same callback arrived twice at once
    if notification is None:
        return receipt, False
    if sid and not notification.provider_message_id:
        # The worker may have been lost after Twilio accepted: remember the id now.
        Notification.objects.filter(pk=notification.pk).update(provider_message_id=sid)
        notification.provider_message_id = sid
    target = (CALL_STATUS_MAP if is_call else MESSAGE_STATUS_MAP).get(raw_status)
    applied = False
    if target is not None:
        applied = _advance(notification, target, now=timezone.now(), code=receipt.error_code,
                           message=_("Provider reported %(status)s") % {"status": raw_status})
    if applied:
        DeliveryReceipt.objects.filter(pk=receipt.pk).update(applied=True)
        receipt.applied = True
    return receipt, applied


ACTION_MARKS_READ = {
    CandidateAction.Kind.LINK_OPEN, CandidateAction.Kind.EMAIL_OPEN, CandidateAction.Kind.CONFIRM,
    CandidateAction.Kind.RESCHEDULE, CandidateAction.Kind.DECLINE, CandidateAction.Kind.KEYPRESS,
    CandidateAction.Kind.REPLY,
}


@transaction.atomic
def candidate_action_record(*, kind: str, channel: str, notification: Notification | None = None,
                            recipient_type: str = "", recipient_id=None, department=None, link=None,
                            detail: dict | None = None, user_agent: str = "", at: datetime | None = None
                            ) -> CandidateAction:
    """Record what a recipient did in answer to a message (R-NS-2, R-NS-4).

    With a notification, the recipient and department are taken from it and the
    notification counts as read. Other apps get ``signals.candidate_action_recorded``
    after commit (e.g. interviews confirms the slot on "confirm").
    """
    if kind not in CandidateAction.Kind.values:
        raise ValidationError({"kind": [_("Unknown action %(kind)s.") % {"kind": kind}]})
    if notification is None and not (recipient_type and recipient_id is not None):
        raise ValidationError({"recipient_id": [_("Give a notification or a recipient.")]})
    if notification is not None:
        notification = Notification.objects.select_for_update().get(pk=notification.pk)
        recipient_type, recipient_id = notification.recipient_type, notification.recipient_id
        department = notification.department
    action = CandidateAction.objects.create(
        recipient_type=recipient_type, recipient_id=str(recipient_id), department=department,
        notification=notification, link=link, kind=kind, channel=channel, detail=detail or {},
        user_agent=(user_agent or "")[:400], at=at or timezone.now(),
    )
    if notification is not None and kind in ACTION_MARKS_READ:
        _advance(notification, Status.READ, now=action.at)
    transaction.on_commit(partial(candidate_action_recorded.send, sender=CandidateAction, action=action,
                                  notification=notification))
    return action


VOICE_DIGITS = {"1": CandidateAction.Kind.CONFIRM, "2": CandidateAction.Kind.RESCHEDULE}


def voice_gather_record(*, params: dict, token: str = "") -> tuple[Notification | None, CandidateAction | None]:
    """A keypress on a reminder call: 1 confirms, 2 asks to reschedule, others are kept as keypresses."""
    qs = Notification.objects.all()
    notification = qs.filter(public_token=token).first() if token else None
    if notification is None and params.get("CallSid"):
        notification = qs.filter(provider_message_id=params["CallSid"]).first()
    if notification is None:
        return None, None
    digits = (params.get("Digits") or "").strip()
    kind = VOICE_DIGITS.get(digits, CandidateAction.Kind.KEYPRESS)
    action = candidate_action_record(kind=kind, channel=Channel.VOICE, notification=notification,
                                     detail={"digits": digits, "call_sid": params.get("CallSid", "")})
    return notification, action


# --------------------------------------------------------------------------- escalation


def notification_escalate_due(*, now: datetime) -> dict:
    """The escalation sweep (R-NS-3): a message not delivered / not opened in time is
    followed by one on another channel, chosen by policy or by learned preference (R-NS-2)."""
    from .selectors import preferred_channels

    escalated = resolved = 0
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(escalation_policy__active=True, escalated_at__isnull=True,
                    status__in=[Status.SENT, Status.DELIVERED, Status.READ, Status.FAILED])
            .select_related("escalation_policy")
            .order_by("id")[: int(_setting("NOTIFICATIONS_DISPATCH_BATCH", 500))]
        )
        for notification in rows:
            policy = notification.escalation_policy
            base = notification.sent_at or notification.failed_at or notification.due_at
            answered = notification.actions.exists() or notification.status == Status.READ
            if policy.trigger == EscalationPolicy.Trigger.NOT_DELIVERED:
                missed = notification.status in (Status.SENT, Status.FAILED) and not answered
            else:
                missed = not answered
            if not missed:
                if answered or notification.status == Status.DELIVERED and \
                        policy.trigger == EscalationPolicy.Trigger.NOT_DELIVERED:
                    Notification.objects.filter(pk=notification.pk).update(escalated_at=now)
                    resolved += 1
                continue
            if notification.status != Status.FAILED and base + timedelta(minutes=policy.after_minutes) > now:
                continue
            channel = policy.fallback_channel
            if channel == "auto":
                options = [c for c in preferred_channels(recipient_type=notification.recipient_type,
                                                         recipient_id=notification.recipient_id)
                           if c != notification.channel
                           and _reachable(notification.recipient_email, notification.recipient_phone,
                                          notification.recipient_type, c)]
                channel = options[0] if options else ""
            Notification.objects.filter(pk=notification.pk).update(escalated_at=now)
            if not channel:
                continue
            notification_create(
                recipient=_recipient_of(notification), channel=channel, template_key=notification.template_key,
                context=json.loads(notification.context or "{}"), department=notification.department,
                idempotency_key=f"{notification.idempotency_key}:escalate:{channel}"[:200],
                related=(notification.related_type, notification.related_id) if notification.related_type else None,
                escalated_from=notification, actor="notifications.escalate",
            )
            escalated += 1
    return {"escalated": escalated, "resolved": resolved}
