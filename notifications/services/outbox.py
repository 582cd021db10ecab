"""The outbox: one row per message, written in the caller's transaction and sent after it commits; cancelled
when its reason went away, re-queued by HR after a failure (R-NS-2, R-NS-3, R-INT-3)."""

import base64
import json
import secrets
from datetime import datetime
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record
from hrsys.crypto.fields import normalize_email, normalize_phone

from .. import staff_im, tasks
from ..catalog import TEMPLATE_KEYS, allowed_variables
from ..models import Channel, EscalationPolicy, Notification, Status, TrackedLink
from ..rendering import URL_RE, find_links, render_message, rewrite_links
from ..selectors import preferred_channels
from ..types import Recipient
from ._common import _quiet_deferral, _reachable, _setting


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
        reachable = [c for c in preferred_channels(recipient_type=recipient.type, recipient_id=recipient.id)
                     if _reachable(email, phone, recipient.type, c)]
        channel = reachable[0] if reachable else ""
    # a staff message by e-mail goes to the user's WeCom / DingTalk when they chose it and are bound (R-CN-2)
    channel = staff_im.route(recipient_type=recipient.type, recipient_id=recipient.id, channel=channel,
                             template_key=template_key, attachments=attachments)
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
                        recipient: tuple[str, object] | None = None, actor=None, reason: str = "") -> int:
    """Cancel pending notifications by key, by related object (e.g. a rescheduled interview) or by recipient
    (``(type, id)``: a candidate whose data is deleted, R-SEC-6).

    Messages already handed to a provider cannot be taken back and are left as they are.
    Returns how many were cancelled.
    """
    if not idempotency_key and not related and not recipient:
        raise ValidationError({"idempotency_key": [_("Give an idempotency key or a related object.")]})
    qs = Notification.objects.select_for_update().filter(status=Status.PENDING)
    if idempotency_key:
        qs = qs.filter(idempotency_key=idempotency_key)
    if related:
        qs = qs.filter(related_type=related[0], related_id=str(related[1]))
    if recipient:
        qs = qs.for_recipient(recipient[0], recipient[1])
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
