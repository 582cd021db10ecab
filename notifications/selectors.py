"""Reads of the notifications app; every one applies the viewer's data scope."""

import functools
import operator

from django.db.models import Count, Q

from . import recipients
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


#: The recipient type of the ``candidate`` filter (a model label: the outbox imports no stage).
CANDIDATE = "candidates.candidate"


def recipient_search_q(*, user, term: str) -> Q:
    """Messages to the people the viewer may see whose name contains ``term``, or whose phone / e-mail / ID
    number is exactly ``term``, as the directories registered for their recipient types find them (today the
    candidates): the outbox searched by the person (R-UI-2, R-SEC-1). The message texts are encrypted and never
    searched. Nobody visible matches: a Q matching nothing."""
    term = (term or "").strip()
    found = []
    for recipient_type, directory in recipients.directories().items() if term else ():
        ids = [str(pk) for pk in directory.search(user, term)]
        if ids:
            found.append(Q(recipient_type=recipient_type, recipient_id__in=ids))
    return functools.reduce(operator.or_, found) if found else Q(pk__in=[])


def for_recipient_q(*, user, recipient_type: str, recipient_id) -> Q:
    """Messages to one person, if the viewer may see that person; otherwise a Q matching nothing (R-SEC-1): a
    person outside the scope gives an empty list, the same as one that does not exist."""
    directory = recipients.directory_for(recipient_type)
    visible = directory.visible(user, [str(recipient_id)]) if directory else {}
    return Q(recipient_type=recipient_type, recipient_id__in=list(visible)) if visible else Q(pk__in=[])


def recipient_messages(*, user, recipient_type: str, recipient_id, limit: int = 10) -> list[Notification]:
    """The latest messages to one person the viewer may see (the application page's messages, R-UI-2)."""
    return list(Notification.objects.for_user(user)
                .filter(for_recipient_q(user=user, recipient_type=recipient_type, recipient_id=recipient_id))
                .defer(*LIST_DEFERRED, "context").order_by("-created_at", "-id")[:limit])


def notification_list(*, user, filters: dict | None = None):
    """``search``: the candidate's name, or exactly their phone / e-mail / ID number; ``candidate``: one
    candidate's messages (both within the viewer's scope)."""
    filters = filters or {}
    qs = Notification.objects.for_user(user).select_related("department").defer(*LIST_DEFERRED)
    for field in ("status", "channel", "template_key", "recipient_type", "recipient_id", "related_type",
                  "related_id"):
        if filters.get(field) not in (None, ""):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("candidate") not in (None, ""):
        qs = qs.filter(for_recipient_q(user=user, recipient_type=CANDIDATE, recipient_id=filters["candidate"]))
    if (filters.get("search") or "").strip():
        qs = qs.filter(recipient_search_q(user=user, term=filters["search"]))
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
