"""Reads of the notifications app; every one applies the viewer's data scope."""

from django.db.models import Count

from .models import CandidateAction, Channel, DeliveryAttempt, DeliveryReceipt, Notification, Status

DEFAULT_CHANNEL_ORDER = [Channel.SMS, Channel.EMAIL, Channel.VOICE]


def preferred_channels(*, recipient_type: str, recipient_id) -> list[str]:
    """Channels ordered by where this person answered before (R-NS-2): most answers first,
    then the default order (SMS, email, voice)."""
    counts = dict(
        CandidateAction.objects.filter(recipient_type=recipient_type, recipient_id=str(recipient_id),
                                       channel__in=DEFAULT_CHANNEL_ORDER)
        .values_list("channel").annotate(n=Count("id")).values_list("channel", "n")
    )
    return sorted(DEFAULT_CHANNEL_ORDER, key=lambda c: (-counts.get(c, 0), DEFAULT_CHANNEL_ORDER.index(c)))


#: Encrypted texts a list does not show: not loaded, so not decrypted row by row (R-SEC-2).
LIST_DEFERRED = ("body", "html_body")


def notification_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = Notification.objects.for_user(user).select_related("department").defer(*LIST_DEFERRED)
    for field in ("status", "channel", "template_key", "recipient_type", "recipient_id", "related_type",
                  "related_id"):
        if filters.get(field) not in (None, ""):
            qs = qs.filter(**{field: filters[field]})
    return qs


def failed_notifications(*, user):
    """Failed messages the user may see: the dashboard to-do list."""
    return (Notification.objects.for_user(user).filter(status=Status.FAILED).defer(*LIST_DEFERRED)
            .order_by("-failed_at"))


def inbox(*, user):
    """In-app messages to this staff user, newest first."""
    return Notification.objects.filter(
        recipient_type="accounts.user", recipient_id=str(user.pk), channel=Channel.IN_APP,
        status__in=[Status.SENT, Status.DELIVERED, Status.READ],
    ).order_by("-created_at")


def evidence_events(*, user, recipient_type: str, recipient_id) -> list[dict]:
    """Everything that happened between the employer and one person, in time order (R-NS-4):
    each message with its content, every try, every provider receipt and every action."""
    notifications = list(
        Notification.objects.for_user(user).for_recipient(recipient_type, recipient_id).order_by("created_at", "id")
    )
    ids = [n.pk for n in notifications]
    events: list[dict] = []
    for n in notifications:
        events.append({"at": n.created_at, "kind": "notification", "notification": n.pk, "channel": n.channel,
                       "status": n.status, "provider_id": n.provider_message_id,
                       "detail": f"[{n.template_key}] {n.subject}\n{n.visible_body}".strip(),
                       "to": n.recipient_email if n.channel == Channel.EMAIL else n.recipient_phone})
    for a in DeliveryAttempt.objects.filter(notification_id__in=ids).select_related("notification"):
        events.append({"at": a.started_at, "kind": f"attempt:{a.outcome}", "notification": a.notification_id,
                       "channel": a.channel, "status": a.outcome, "provider_id": a.provider_message_id,
                       "detail": " ".join(filter(None, [a.backend, a.error_code, a.error_message])), "to": ""})
    for r in DeliveryReceipt.objects.filter(notification_id__in=ids):
        events.append({"at": r.received_at, "kind": "receipt", "notification": r.notification_id,
                       "channel": "", "status": r.provider_status, "provider_id": r.provider_message_id,
                       "detail": r.payload, "to": ""})
    for c in CandidateAction.objects.filter(recipient_type=recipient_type, recipient_id=str(recipient_id)) \
            .filter(notification_id__in=ids) | CandidateAction.objects.for_user(user).filter(
                recipient_type=recipient_type, recipient_id=str(recipient_id), notification__isnull=True):
        events.append({"at": c.at, "kind": f"action:{c.kind}", "notification": c.notification_id,
                       "channel": c.channel, "status": "", "provider_id": "",
                       "detail": " ".join(filter(None, [str(c.detail or ""), c.user_agent])), "to": ""})
    events.sort(key=lambda e: (e["at"], e["kind"]))
    return events
