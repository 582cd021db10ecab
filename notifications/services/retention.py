"""Erasing what messages said once they are kept no longer (R-SEC-5): the row stays (who was told what kind of
thing, when, through which channel: the delivery history), its text and the recipient's details go."""

from datetime import datetime

from django.db import transaction

from ..models import Notification, Status

#: only messages whose delivery is over are erased; a pending one still has to be sent
FINISHED = (Status.SENT, Status.DELIVERED, Status.READ, Status.FAILED, Status.CANCELLED)


def notifications_finished():
    """Messages whose delivery is over (sent, delivered, read, failed or cancelled)."""
    return Notification.objects.filter(status__in=FINISHED)


def notifications_erasable():
    return notifications_finished().filter(erased_at__isnull=True)


@transaction.atomic
def notification_texts_erase(*, ids, now: datetime, contact: bool = False) -> int:
    """Blank subject, bodies, template context and attachments of finished messages ``ids``; with ``contact``
    also the recipient's name, e-mail and phone (the person's own deletion). Returns how many were erased."""
    # the person's own deletion also reaches messages whose text went already (their contact details stayed)
    finished = notifications_finished() if contact else notifications_erasable()
    rows = list(finished.select_for_update(skip_locked=True).filter(pk__in=ids))
    fields = ["subject", "body", "html_body", "context", "attachments", "erased_at"]
    for row in rows:
        row.subject = row.body = row.html_body = ""
        row.context = ""
        row.attachments = []
        row.erased_at = row.erased_at or now
        if contact:
            row.recipient_name = row.recipient_email = row.recipient_phone = ""
    if contact:
        fields += ["recipient_name", "recipient_email", "recipient_phone"]
    Notification.objects.bulk_update(rows, fields)
    return len(rows)
