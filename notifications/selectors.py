"""Reads of the notifications app; every one applies the viewer's data scope."""

from django.db.models import Count, Q

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


CANDIDATE = "candidates.candidate"
#: At most this many matching candidates are looked at by one search ("王" matches many).
SEARCH_CANDIDATE_CAP = 500


def _visible_candidate_ids(user, q) -> list[str]:
    from candidates.models import Candidate  # noqa: PLC0415 - notifications never imports its callers at load

    return [str(pk) for pk in Candidate.objects.for_user(user).filter(q).order_by("-pk")
            .values_list("pk", flat=True)[:SEARCH_CANDIDATE_CAP]]


def candidate_search_q(*, user, term: str) -> Q:
    """Messages to the candidates the viewer may see whose name contains ``term``, or whose phone / e-mail / ID
    number is exactly ``term`` (through the blind indexes): the outbox searched by the person (R-UI-2, R-SEC-1).
    The message texts are encrypted and never searched. No visible candidate matches: a Q matching nothing."""
    from candidates.selectors import candidate_search_q as person_q  # noqa: PLC0415

    term = (term or "").strip()
    ids = _visible_candidate_ids(user, person_q(term)) if term else []
    return Q(recipient_type=CANDIDATE, recipient_id__in=ids) if ids else Q(pk__in=[])


def for_candidate_q(*, user, candidate_id) -> Q:
    """Messages to one candidate, if the viewer may see that candidate; otherwise a Q matching nothing (R-SEC-1):
    a candidate outside the scope gives an empty list, the same as one that does not exist."""
    try:
        pk = int(candidate_id)
    except (TypeError, ValueError):
        return Q(pk__in=[])
    ids = _visible_candidate_ids(user, Q(pk=pk))
    return Q(recipient_type=CANDIDATE, recipient_id__in=ids) if ids else Q(pk__in=[])


def candidate_messages(*, user, candidate_id, limit: int = 10) -> list[Notification]:
    """The latest messages to one candidate the viewer may see, for the application page (R-UI-2)."""
    return list(Notification.objects.for_user(user).filter(for_candidate_q(user=user, candidate_id=candidate_id))
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
        qs = qs.filter(for_candidate_q(user=user, candidate_id=filters["candidate"]))
    if (filters.get("search") or "").strip():
        qs = qs.filter(candidate_search_q(user=user, term=filters["search"]))
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
