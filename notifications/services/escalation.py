"""Escalation: a message not delivered or not opened in time is followed by one on another channel (R-NS-3)."""

import json
from datetime import datetime, timedelta

from django.db import transaction

from ..models import EscalationPolicy, Notification, Status
from ..selectors import preferred_channels
from ._common import _reachable, _setting
from .outbox import _recipient_of, notification_create


def notification_escalate_due(*, now: datetime) -> dict:
    """The escalation sweep (R-NS-3): a message not delivered / not opened in time is
    followed by one on another channel, chosen by policy or by learned preference (R-NS-2)."""
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
