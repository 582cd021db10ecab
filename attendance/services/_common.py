"""What every attendance service shares: input parsing, the account locked within the actor's scope, the
messages to staff and the new hire through the outbox, who is responsible for an account, and where staff handle
an object."""

from __future__ import annotations

import calendar
import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from candidates.selectors import hr_for_department
from candidates.selectors import responsible_hr as pipeline_hr
from hrsys.api.errors import Conflict
from hrsys.core.actors import staff_user as _user
from hrsys.core.inputs import clean_date
from notifications.services import notification_create
from notifications.types import Recipient

from ..models import AttendanceAccount, ProbationReview


def _setting(name, default):
    return getattr(settings, name, default)


_date = clean_date


def add_months(day: dt.date, months: int) -> dt.date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _conflict(obj, message):
    raise Conflict(message, allowed=[t.name for t in obj.get_available_state_transitions()])


# -- notifications ----------------------------------------------------------------------------------------


def _notify(recipient, *, channel, template_key, context, key, department, related):
    """One outbox row; a recipient unreachable on ``channel`` is skipped, not an error."""
    return notification_create(recipient=recipient, channel=channel, template_key=template_key, context=context,
                               idempotency_key=key[:200], department=department, related=related,
                               actor="attendance", skip_unreachable=True)


def _alert_staff(users, *, key, department, related, title_fn, message_fn, url=""):
    for user in users:
        with translation.override(user.preferred_language or "zh-hans"):
            title, message = str(title_fn()), str(message_fn())
        for channel in ("in_app", "email"):
            _notify(Recipient.for_user(user), channel=channel, template_key="generic_alert",
                    context={"title": title, "message": message, "url": url}, key=f"{key}:{user.pk}:{channel}",
                    department=department, related=related)


def _tell_candidate(candidate, *, key, department, related, template_key, context):
    """An account event to the new hire by SMS and e-mail, in a template HR can word (R-NS-2)."""
    if candidate is None:
        return
    recipient = candidate.as_recipient()
    for channel in ("sms", "email"):
        _notify(recipient, channel=channel, template_key=template_key, context=context, key=f"{key}:{channel}",
                department=department, related=related)


def responsible_hr(account) -> list:
    """HR staff of the account's department (nearest first); the HR directors when there is none."""
    if account.application_id:
        return pipeline_hr(account.application)
    return hr_for_department(account.department)


def _admin_url(obj) -> str:
    """Where staff handle ``obj``: a probation review on its review page (decision form), the rest on theirs."""
    if isinstance(obj, ProbationReview):
        return f"{settings.PUBLIC_BASE_URL}/admin/attendance/probationreview/{obj.pk}/decide/"
    return f"{settings.PUBLIC_BASE_URL}/admin/attendance/{obj._meta.model_name}/{obj.pk}/change/"


def _lock_account(actor, *, account_id=None, offer_id=None) -> AttendanceAccount:
    if account_id is None and offer_id is None:
        raise ValidationError({"account_id": [_("Name the account or the offer.")]})
    lookup = {"pk": account_id} if account_id is not None else {"offer_id": offer_id}
    user = _user(actor)
    qs = AttendanceAccount.objects.for_user(user) if user is not None else AttendanceAccount.objects.all()
    if not qs.filter(**lookup).exists():
        raise Http404
    return (AttendanceAccount.objects.select_for_update(of=("self",))
            .select_related("department", "application__candidate", "application__job").get(**lookup))
