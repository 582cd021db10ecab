"""What comes back: provider status callbacks, the recipient's actions on a message and keypresses on a
reminder call; a status only moves forward (R-NS-2, R-NS-4)."""

import hashlib
import json
from datetime import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from ..models import STATUS_RANK, CandidateAction, Channel, DeliveryReceipt, Notification, Status
from ..signals import candidate_action_recorded
from .delivery import _alert_hr_of_failure

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


SMS_REPORT_STATUS_MAP = {"delivered": Status.DELIVERED, "failed": Status.FAILED}


@transaction.atomic
def sms_receipt_record(*, provider: str, notification_id: int | None, provider_message_id: str, status: str,
                       error_code: str = "", payload: dict) -> tuple[DeliveryReceipt | None, bool]:
    """Store a domestic SMS provider's status report (pulled, R-CN-1) and apply it as a Twilio callback is:
    ``status`` "delivered" or "failed"; a status only moves forward. Returns (receipt, applied); the same report
    read twice is recognised by its digest and changes nothing."""
    digest = hashlib.sha256(json.dumps({"provider": provider, "id": provider_message_id, "status": status,
                                        "payload": payload}, sort_keys=True, default=str).encode()).hexdigest()
    if DeliveryReceipt.objects.filter(digest=digest).exists():
        return None, False
    notification = (Notification.objects.select_for_update().filter(pk=notification_id).first()
                    if notification_id else None)
    try:
        with transaction.atomic():
            receipt = DeliveryReceipt.objects.create(
                notification=notification, provider=provider, provider_message_id=provider_message_id[:200],
                provider_status=status[:30], error_code=(error_code or "")[:40],
                payload=json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str), digest=digest)
    except IntegrityError:
        return None, False
    if notification is None:
        return receipt, False
    if provider_message_id and not notification.provider_message_id.strip():
        Notification.objects.filter(pk=notification.pk).update(provider_message_id=provider_message_id[:200])
        notification.provider_message_id = provider_message_id[:200]
    target = SMS_REPORT_STATUS_MAP.get(status)
    applied = target is not None and _advance(
        notification, target, now=timezone.now(), code=receipt.error_code,
        message=_("Provider reported %(status)s") % {"status": f"{status} {error_code}".strip()})
    if applied:
        DeliveryReceipt.objects.filter(pk=receipt.pk).update(applied=True)
        receipt.applied = True
    return receipt, applied
