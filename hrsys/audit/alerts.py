"""An alert to the HR director when one user opens unusually many people's records (R-SEC-7).

Every minute (``audit.access_volume``, hrsys/audit/jobs.py) the access log of the last hour is read: a staff
user who viewed or downloaded the records of more than ``ACCESS_ALERT_PEOPLE_PER_HOUR`` different people
(a candidate's page, résumé and applications count as one person: hrsys/audit/people.py) gets the HR
directors an in-app alert linking to the access report filtered by that user -- at most one per user per
hour, however long the reading goes on.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from hrsys.accounts.models import Role, User
from hrsys.core.timezones import local_today
from notifications.models import Notification
from notifications.services import notification_create
from notifications.types import Recipient

from .models import AccessLog
from .people import people_of
from .selectors import OPENING_KINDS, record_key

WINDOW = dt.timedelta(hours=1)
KEY_PREFIX = "audit:access-volume"


def _people_opened(viewer: User, rows) -> int:
    records = rows.values_list("object_type", "object_id").distinct()
    return len({key for key, _name in people_of(viewer, list(records)).values()})


def access_volume_alert_due(*, now: dt.datetime) -> dict:
    """Alert the HR directors about each user above the threshold in the hour before ``now`` (R-SEC-7)."""
    threshold = settings.ACCESS_ALERT_PEOPLE_PER_HOUR
    if threshold <= 0:
        return {"disabled": True}
    since = now - WINDOW
    recent = AccessLog.objects.filter(at__gt=since, at__lte=now, actor__isnull=False, kind__in=OPENING_KINDS) \
        .exclude(object_id="")
    # people <= records: only users with more records than the threshold can be above it
    suspects = list(recent.values("actor").annotate(n=Count(record_key(), distinct=True)).filter(n__gt=threshold)
                    .values_list("actor", flat=True))
    alerted = 0
    for viewer_id in suspects:
        alerted += _alert_one(viewer_id=viewer_id, rows=recent.filter(actor_id=viewer_id), now=now,
                              threshold=threshold)
    return {"checked": len(suspects), "alerted": alerted}


@transaction.atomic
def _alert_one(*, viewer_id: int, rows, now: dt.datetime, threshold: int) -> int:
    viewer = User.objects.select_for_update().get(pk=viewer_id)  # two sweeps at once: one alert
    prefix = f"{KEY_PREFIX}:{viewer_id}:"
    if Notification.objects.filter(idempotency_key__startswith=prefix, created_at__gt=now - WINDOW).exists():
        return 0
    people = _people_opened(viewer, rows)
    if people <= threshold:
        return 0
    today = local_today(now)
    url = (f"{settings.PUBLIC_BASE_URL}{reverse('admin:audit_accesslog_report')}?"
           + urlencode({"viewer": viewer_id, "since": today.isoformat(), "until": today.isoformat()}))
    sent = 0
    for director in User.objects.filter(is_active=True, role=Role.HR_DIRECTOR).order_by("pk"):
        with translation.override(director.preferred_language or "zh-hans"):
            title = _("Unusual reading of personal data")
            message = _("%(user)s opened the records of %(n)d people within an hour (the alert threshold is "
                        "%(limit)d).") % {"user": str(viewer), "n": people, "limit": threshold}
        created = notification_create(
            recipient=Recipient.for_user(director), channel="in_app", template_key="generic_alert",
            context={"title": title, "message": message, "url": url},
            idempotency_key=f"{prefix}{now:%Y%m%dT%H%M}:{director.pk}", related=("accounts.user", viewer_id),
            actor="hr_tick", skip_unreachable=True)
        sent += created is not None
    return 1 if sent else 0
