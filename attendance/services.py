"""Every write of the attendance app (R-ATT-1..5, R-HOSP-1).

Accounts (R-ATT-1, R-ATT-2)
* ``attendance_account_schedule_for_offer`` -- an accepted offer schedules the account for its start date.
* ``attendance_account_reschedule`` -- a changed start date moves the effective date; candidate and HR told.
* ``attendance_account_activate`` / ``_suspend`` / ``_resume`` / ``_revoke``.
* sweeps: ``accounts_activate_due``, ``accounts_revoke_orphaned`` (offer withdrawn, candidate withdrew),
  ``accounts_no_show_due`` (no punch on day one).

Devices and punches (R-ATT-1, R-ATT-3)
* ``device_create`` / ``device_rotate_credentials``; ``punches_ingest`` (API), ``punches_import_csv`` (file);
  ``provisioning_deliver`` and the sweep ``provisioning_push_due`` for webhook devices.

Shifts, leave, results (R-ATT-3, R-HOSP-1)
* ``shift_assign``; ``leave_request_create`` / ``leave_request_decide``; sweep ``daily_results_refresh``.

Probation and exit (R-ATT-4, R-ATT-5)
* ``probation_decide``; sweep ``probation_remind_due``; ``attendance_account_close`` (exit).
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
import io
import logging
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from candidates.selectors import hr_for_department
from candidates.selectors import responsible_hr as pipeline_hr
from hrsys.accounts.models import Department, Role, User
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible as _visible
from hrsys.core.actors import staff_user as _user
from hrsys.core.timezones import local_today, local_tz
from notifications.services import notification_create
from notifications.types import Recipient

from . import devices, rules, signals, tasks
from .models import (
    AccountState,
    AttendanceAccount,
    DailyResult,
    DeliveryStatus,
    Device,
    DeviceAuth,
    DoorAccessGroup,
    LeaveRequest,
    LeaveState,
    LeaveType,
    ProbationDecision,
    ProbationReview,
    Provisioning,
    ProvisioningAttempt,
    ProvisioningDelivery,
    Punch,
    PunchRejection,
    PunchSource,
    ShiftAssignment,
    ShiftTemplate,
)
from .provisioning import account_payload, adapter_for

logger = logging.getLogger(__name__)

MAX_PROBATION_MONTHS = 6  # PRC Labour Contract Law art. 19


def _setting(name, default):
    return getattr(settings, name, default)







def _date(value, field):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise ValidationError({field: [_("Enter a date as YYYY-MM-DD.")]})


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


def _ancestor_ids(department) -> list[int]:
    return [int(p) for p in department.path.strip("/").split("/") if p]


def department_managers(department) -> list:
    """Managers of the department, nearest level first (a ward falls back to its department's manager)."""
    for dept_id in reversed(_ancestor_ids(department)):
        managers = list(User.objects.filter(is_active=True, role=Role.MANAGER, departments__id=dept_id)
                        .order_by("pk"))
        if managers:
            return managers
    return []


def _admin_url(obj) -> str:
    """Where staff handle ``obj``: a probation review on its review page (decision form), the rest on theirs."""
    if isinstance(obj, ProbationReview):
        return f"{settings.PUBLIC_BASE_URL}/admin/attendance/probationreview/{obj.pk}/decide/"
    return f"{settings.PUBLIC_BASE_URL}/admin/attendance/{obj._meta.model_name}/{obj.pk}/change/"


# -- accounts (R-ATT-1, R-ATT-2) ----------------------------------------------------------------------------

def door_groups_for(department) -> list[str]:
    """Door-access groups of the department and every department above it; by default one per department."""
    ancestors = _ancestor_ids(department)
    groups = list(DoorAccessGroup.objects.filter(department_id__in=ancestors).order_by("department__path", "code")
                  .values_list("code", flat=True))
    if groups:
        return groups
    return [f"dept:{code}" for code in Department.objects.filter(pk__in=ancestors).order_by("path")
            .values_list("code", flat=True)]


def _touch(account):
    """Stamp the change for pulling devices with the real clock, never a sweep's business time (a catch-up
    run for a past moment would otherwise stamp below every device's cursor)."""
    account.changed_at = timezone.now()


def _save_audit(account, *, actor, action, source_state, changes=None, reason=""):
    account.save()
    audit_record(actor=actor, action=f"attendance.account.{action}", obj=account,
                 changes={"state": [source_state, account.state], **(changes or {})}, reason=reason)


@transaction.atomic
def attendance_account_schedule_for_offer(*, offer_id: int, actor="onboarding") -> AttendanceAccount:
    """An accepted offer schedules the attendance account (clock-in id, door groups of the department)
    effective on the offer's start date, with no HR action (R-ATT-1). Idempotent: a second call returns the
    same account (and moves it when the offer's start date changed)."""
    from onboarding.models import Offer, OfferState  # noqa: PLC0415

    offer = (Offer.objects.select_related("application__job__department", "application__candidate")
             .get(pk=offer_id))
    if offer.state != OfferState.ACCEPTED:
        raise Conflict(_("Only an accepted offer schedules an attendance account."))
    existing = AttendanceAccount.objects.select_for_update().filter(offer=offer).first()
    if existing is not None:
        if existing.state == AccountState.SCHEDULED and existing.effective_date != offer.start_date:
            return attendance_account_reschedule(actor=actor, account_id=existing.pk, start_date=offer.start_date,
                                                 allow_past=True)
        return existing
    application = offer.application
    department = application.job.department
    account = AttendanceAccount(offer=offer, application=application, department=department,
                                holder_name=application.candidate.name, door_groups=door_groups_for(department),
                                effective_date=offer.start_date, probation_months=offer.probation_months)
    account.save()
    account.clock_id = f"{account.pk:08d}"
    account.save(update_fields=["clock_id"])
    audit_record(actor=actor, action="attendance.account.schedule", obj=account,
                 changes={"state": [None, account.state], "effective_date": [None, str(account.effective_date)],
                          "clock_id": [None, account.clock_id], "door_groups": [None, account.door_groups]},
                 reason=_("Offer #%(id)s accepted") % {"id": offer.pk})
    return account


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


@transaction.atomic
def attendance_account_reschedule(*, actor, start_date, account_id: int | None = None, offer_id: int | None = None,
                                  allow_past: bool = False) -> AttendanceAccount:
    """A changed start date moves the account's effective date (and the probation period); the candidate and HR
    are told (R-ATT-2). A start date in the past is refused (400); an account already active cannot move (409)."""
    _require(actor, "attendance.change_attendanceaccount")
    new_date = _date(start_date, "start_date")
    if not allow_past and new_date < local_today():
        raise ValidationError({"start_date": [_("The start date cannot be in the past.")]})
    account = _lock_account(actor, account_id=account_id, offer_id=offer_id)
    if account.state != AccountState.SCHEDULED:
        _conflict(account, _("The account is %(s)s already; only a scheduled account can move.")
                  % {"s": account.get_state_display()})
    old = account.effective_date
    if old == new_date:
        return account
    account.effective_date = new_date
    _touch(account)
    _save_audit(account, actor=actor, action="reschedule", source_state=account.state,
                changes={"effective_date": [str(old), str(new_date)]})
    signals.start_date_moved.send(sender=AttendanceAccount, account=account, old=old, new=new_date, actor=actor)
    related = ("attendance.attendanceaccount", account.pk)
    candidate = account.application.candidate if account.application_id else None
    key = f"attendance:account:{account.pk}:moved:{new_date.isoformat()}"
    _tell_candidate(candidate, key=f"{key}:candidate", department=account.department, related=related,
                    template_key="start_date_changed",
                    context={"start_date": new_date.isoformat(), "clock_id": account.clock_id or "",
                             "organization_name": account.department.organization().name})
    _alert_staff(responsible_hr(account), key=f"{key}:hr", department=account.department, related=related,
                 url=_admin_url(account), title_fn=lambda: _("Start date moved"),
                 message_fn=lambda: _("%(n)s now starts on %(new)s (was %(old)s); the attendance account moved with it.")
                 % {"n": account.holder_name, "new": new_date.isoformat(), "old": old.isoformat()})
    return account


def _covering_webhook_devices(account):
    return [d for d in Device.objects.filter(active=True, provisioning=Provisioning.WEBHOOK)
            .select_related("department") if account.department.path.startswith(d.department.path)]


def _queue_provisioning(account, action: str) -> None:
    """One delivery per webhook device that serves the account's department; pushed after commit."""
    payload = account_payload(account, action)
    for device in _covering_webhook_devices(account):
        delivery = ProvisioningDelivery.objects.create(device=device, account=account, action=action,
                                                       payload=payload)
        transaction.on_commit(functools.partial(tasks.enqueue_push, delivery.pk))


@transaction.atomic
def attendance_account_activate(*, actor, account_id: int, now=None) -> AttendanceAccount:
    """The start date arrived: the account works, the devices learn it, the probation period opens (R-ATT-1,
    R-ATT-4)."""
    now = now or timezone.now()
    account = _lock_account(actor, account_id=account_id)
    if account.state != AccountState.SCHEDULED:
        _conflict(account, _("Only a scheduled account can be activated."))
    if account.effective_date > local_today(now):
        raise ValidationError({"effective_date": [_("The account starts on %(d)s.") % {"d": account.effective_date}]})
    source = account.state
    account.activate()
    account.activated_at = now
    _touch(account)
    _save_audit(account, actor=actor, action="activate", source_state=source)
    ProbationReview.objects.get_or_create(
        account=account, defaults={"application": account.application, "department": account.department,
                                   "starts_on": account.effective_date,
                                   "ends_on": add_months(account.effective_date, account.probation_months)
                                   - dt.timedelta(days=1)})
    _queue_provisioning(account, "upsert")
    return account


def _deactivate(account, name, *, actor, reason, now=None, no_show=False):
    now = now or timezone.now()
    source = account.state
    getattr(account, name)()
    if source == AccountState.ACTIVE:
        account.deactivated_at = now
    if name == "revoke":
        account.revoke_reason = reason[:300]
    if no_show:
        account.no_show = True
    _touch(account)
    _save_audit(account, actor=actor, action=name, source_state=source, reason=reason)
    if source == AccountState.ACTIVE:
        _queue_provisioning(account, "delete")


@transaction.atomic
def attendance_account_suspend(*, actor, account_id: int, reason: str) -> AttendanceAccount:
    _require(actor, "attendance.change_attendanceaccount")
    account = _lock_account(actor, account_id=account_id)
    if account.state != AccountState.ACTIVE:
        _conflict(account, _("Only an active account can be suspended."))
    _deactivate(account, "suspend", actor=actor, reason=reason)
    return account


@transaction.atomic
def attendance_account_resume(*, actor, account_id: int) -> AttendanceAccount:
    _require(actor, "attendance.change_attendanceaccount")
    account = _lock_account(actor, account_id=account_id)
    if account.state != AccountState.SUSPENDED:
        _conflict(account, _("Only a suspended account can be resumed."))
    source = account.state
    account.resume()
    account.deactivated_at = None
    _touch(account)
    _save_audit(account, actor=actor, action="resume", source_state=source)
    _queue_provisioning(account, "upsert")
    return account


@transaction.atomic
def attendance_account_revoke(*, actor, reason: str, account_id: int | None = None, offer_id: int | None = None,
                              no_show: bool = False, now=None) -> AttendanceAccount | None:
    """A withdrawn offer, a candidate who withdrew, a day-one no-show or an exit revokes the account; devices
    forget it (R-ATT-2). Revoking a revoked account does nothing."""
    _require(actor, "attendance.change_attendanceaccount")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    try:
        account = _lock_account(actor, account_id=account_id, offer_id=offer_id)
    except Http404:
        if offer_id is not None and account_id is None and _user(actor) is None:
            return None  # the offer never scheduled an account
        raise
    if account.state == AccountState.REVOKED:
        return account
    _deactivate(account, "revoke", actor=actor, reason=reason, now=now, no_show=no_show)
    return account


def accounts_activate_due(*, now: dt.datetime, batch: int = 500) -> dict:
    """Sweep: scheduled accounts whose start date arrived become active (R-ATT-1)."""
    today = local_today(now)
    ids = list(AttendanceAccount.objects.filter(state=AccountState.SCHEDULED, effective_date__lte=today)
               .order_by("effective_date", "pk").values_list("pk", flat=True)[:batch])
    done = 0
    for account_id in ids:
        with transaction.atomic():
            claimed = (AttendanceAccount.objects.select_for_update(skip_locked=True)
                       .filter(pk=account_id, state=AccountState.SCHEDULED).exists())
            if claimed:
                attendance_account_activate(actor="hr_tick", account_id=account_id, now=now)
                done += 1
    return {"activated": done}


def accounts_revoke_orphaned(*, now: dt.datetime, batch: int = 200) -> dict:
    """Sweep: an account whose offer is no longer accepted, or whose candidate withdrew, is revoked (R-ATT-2)."""
    from candidates.models import State as AppState  # noqa: PLC0415
    from onboarding.models import OfferState  # noqa: PLC0415

    gone = (Q(offer__isnull=False) & ~Q(offer__state=OfferState.ACCEPTED)) | Q(
        application__state__in=[AppState.WITHDRAWN, AppState.REJECTED])
    ids = list(AttendanceAccount.objects.filter(gone, state__in=[AccountState.SCHEDULED, AccountState.ACTIVE,
                                                                AccountState.SUSPENDED])
               .values_list("pk", flat=True)[:batch])
    for account_id in ids:
        attendance_account_revoke(actor="hr_tick", account_id=account_id, now=now,
                                  reason="offer withdrawn or candidate withdrew")
    return {"revoked": len(ids)}


def accounts_no_show_due(*, now: dt.datetime, batch: int = 200) -> dict:
    """Sweep: an account activated for day one without a single punch by the next day's noon (local; setting
    ``ATTENDANCE_NO_SHOW_HOURS`` after the start date's midnight, default 36) is suspended as a day-one no-show
    and HR is told (R-ATT-2). Suspended, not revoked: the person may have come and forgotten to clock in, or
    work where there is no clock; HR resumes the account (it is not flagged twice) or records the exit."""
    hours = int(_setting("ATTENDANCE_NO_SHOW_HOURS", 36))
    tz = local_tz()
    today = local_today(now)
    earliest = today - dt.timedelta(days=(hours // 24) + 3)
    candidates = (AttendanceAccount.objects.filter(state=AccountState.ACTIVE, effective_date__gte=earliest,
                                                   effective_date__lt=today, no_show=False)
                  .exclude(punches__isnull=False).values_list("pk", "effective_date")[:batch])
    suspended = 0
    for account_id, effective in candidates:
        deadline = dt.datetime.combine(effective, dt.time(0), tzinfo=tz) + dt.timedelta(hours=hours)
        if now < deadline:
            continue
        with transaction.atomic():
            account = _lock_account("hr_tick", account_id=account_id)
            if account.state != AccountState.ACTIVE or account.no_show:
                continue
            _deactivate(account, "suspend", actor="hr_tick", reason="no punch on day one", now=now, no_show=True)
            _alert_staff(responsible_hr(account), key=f"attendance:account:{account.pk}:no_show",
                         department=account.department, related=("attendance.attendanceaccount", account.pk),
                         url=_admin_url(account), title_fn=lambda: _("Day-one no-show"),
                         message_fn=lambda a=account: _("%(n)s did not clock in on the start date %(d)s; the "
                                                        "attendance account is suspended. Resume it if they did "
                                                        "come, or record their exit.")
                         % {"n": a.holder_name, "d": a.effective_date.isoformat()})
            suspended += 1
    return {"no_show": suspended}


@transaction.atomic
def attendance_account_close(*, actor, account_id: int, last_day, reason: str) -> AttendanceAccount:
    """Exit: the account works until ``last_day`` and the sweep revokes it the day after (R-ATT-5); a last day in
    the past (or a scheduled account) revokes at once."""
    _require(actor, "attendance.change_attendanceaccount")
    last = _date(last_day, "last_day")
    account = _lock_account(actor, account_id=account_id)
    if account.state == AccountState.REVOKED:
        return account
    if last < local_today() or account.state == AccountState.SCHEDULED:
        _deactivate(account, "revoke", actor=actor, reason=_("Exit: %(reason)s") % {"reason": reason})
        return account
    old = account.last_working_day
    account.last_working_day = last
    account.save(update_fields=["last_working_day"])
    audit_record(actor=actor, action="attendance.account.exit_scheduled", obj=account,
                 changes={"last_working_day": [str(old) if old else None, last.isoformat()]}, reason=reason)
    return account


def accounts_close_due(*, now: dt.datetime, batch: int = 200) -> dict:
    """Sweep: accounts past their last working day are revoked (R-ATT-5)."""
    ids = list(AttendanceAccount.objects.filter(state__in=[AccountState.ACTIVE, AccountState.SUSPENDED],
                                                last_working_day__lt=local_today(now))
               .values_list("pk", flat=True)[:batch])
    for account_id in ids:
        attendance_account_revoke(actor="hr_tick", account_id=account_id, now=now, reason="exit: last day passed")
    return {"closed": len(ids)}


# -- devices and provisioning (R-ATT-1, R-ATT-3) --------------------------------------------------------------

@transaction.atomic
def device_create(*, actor, name: str, department_id: int, kind: str = "clock", auth: str = DeviceAuth.TOKEN,
                  provisioning: str = Provisioning.PULL, push_url: str = "", location: str = "") -> tuple[Device, str]:
    """A new device and its credential (token or HMAC secret), shown once; only the token's hash is kept."""
    _require(actor, "attendance.add_device")
    errors = {}
    if auth not in DeviceAuth.values:
        errors["auth"] = [_("Unknown authentication.")]
    if provisioning not in Provisioning.values:
        errors["provisioning"] = [_("Unknown provisioning.")]
    if provisioning == Provisioning.WEBHOOK and not push_url:
        errors["push_url"] = [_("A webhook device needs a URL.")]
    if not Department.objects.filter(pk=department_id).exists():
        errors["department"] = [_("Unknown department.")]
    if errors:
        raise ValidationError(errors)
    device = Device(name=name, department_id=department_id, kind=kind, auth=auth, provisioning=provisioning,
                    push_url=push_url, location=location)
    secret = _assign_credentials(device)
    device.save()
    audit_record(actor=actor, action="attendance.device.create", obj=device,
                 changes={"name": [None, name], "auth": [None, auth], "provisioning": [None, provisioning]})
    return device, secret


def _assign_credentials(device) -> str:
    secret = devices.new_secret()
    # webhook pushes are signed with the HMAC secret whatever the device uses to upload
    device.hmac_secret = secret
    if device.auth == DeviceAuth.TOKEN:
        token = devices.new_token()
        device.token_hash = devices.hash_token(token)
        return token if device.provisioning != Provisioning.WEBHOOK else f"{token} {secret}"
    device.token_hash = ""
    return secret


@transaction.atomic
def device_rotate_credentials(*, actor, device_id: int) -> str:
    _require(actor, "attendance.change_device")
    _visible(Device, actor, device_id)
    device = Device.objects.select_for_update().get(pk=device_id)
    secret = _assign_credentials(device)
    device.save()
    audit_record(actor=actor, action="attendance.device.rotate", obj=device)
    return secret


def push_backoff_seconds(attempt_number: int) -> int:
    base = int(_setting("ATTENDANCE_PUSH_RETRY_BASE_SECONDS", 60))
    cap = int(_setting("ATTENDANCE_PUSH_RETRY_MAX_SECONDS", 3600))
    return min(cap, base * 2 ** max(0, attempt_number - 1))


def provisioning_deliver(*, delivery_id: int, now=None) -> str:
    """Push one delivery through the device's adapter, logging the attempt; transient errors retry with
    exponential back-off up to ``ATTENDANCE_PUSH_MAX_ATTEMPTS``, 4xx fail at once (R-ATT-1)."""
    now = now or timezone.now()
    with transaction.atomic():
        delivery = (ProvisioningDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("device").filter(pk=delivery_id, status=DeliveryStatus.PENDING,
                                                     next_attempt_at__lte=now).first())
        if delivery is None:
            return "skipped"
        delivery.status = DeliveryStatus.SENDING
        delivery.attempts += 1
        delivery.save(update_fields=["status", "attempts"])
        attempt = ProvisioningAttempt.objects.create(delivery=delivery, number=delivery.attempts, started_at=now,
                                                     outcome="in_flight")
    result = adapter_for(delivery.device).push(delivery.device, delivery.payload)
    finished = timezone.now()
    max_attempts = int(_setting("ATTENDANCE_PUSH_MAX_ATTEMPTS", 6))
    with transaction.atomic():
        attempt.finished_at, attempt.status_code, attempt.error = finished, result.status_code, result.error
        if result.ok:
            attempt.outcome = "sent"
            delivery.status, delivery.delivered_at, delivery.last_error = DeliveryStatus.SENT, finished, ""
        else:
            attempt.outcome = "permanent_error" if result.permanent else "transient_error"
            delivery.last_error = (f"HTTP {result.status_code}: {result.error}" if result.status_code
                                   else result.error)[:2000]
            if result.permanent or delivery.attempts >= max_attempts:
                delivery.status = DeliveryStatus.FAILED
            else:
                delivery.status = DeliveryStatus.PENDING
                delivery.next_attempt_at = now + dt.timedelta(seconds=push_backoff_seconds(delivery.attempts))
        attempt.save()
        delivery.save(update_fields=["status", "delivered_at", "last_error", "next_attempt_at"])
    return delivery.status


def provisioning_push_due(*, now: dt.datetime, batch: int = 200) -> dict:
    """Sweep: due webhook deliveries are claimed and handed to the worker; deliveries stuck in ``sending`` for
    longer than the lease go back to pending (R-ATT-1)."""
    lease = dt.timedelta(seconds=int(_setting("ATTENDANCE_PUSH_LEASE_SECONDS", 600)))
    stuck = ProvisioningDelivery.objects.filter(status=DeliveryStatus.SENDING, next_attempt_at__lte=now - lease)
    stuck.update(status=DeliveryStatus.PENDING)
    with transaction.atomic():
        ids = list(ProvisioningDelivery.objects.select_for_update(skip_locked=True)
                   .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                   .order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:batch])
        for delivery_id in ids:
            transaction.on_commit(functools.partial(tasks.enqueue_push, delivery_id))
    return {"queued": len(ids)}


# -- punches (R-ATT-3) -----------------------------------------------------------------------------------------

REASONS = {
    "invalid": _("sequence, clock_id and time are required"),
    "bad_timestamp": _("time is not a date and time"),
    "future_timestamp": _("time is in the future"),
    "too_old": _("time is too far in the past"),
    "unknown_account": _("no such clock-in id on this device"),
    "inactive_account": _("the account was not active at that time"),
    "duplicate": _("already received"),
}


def _parse_time(raw, tz) -> dt.datetime | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            return dt.datetime.fromtimestamp(raw, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(raw, str):
        return None
    try:
        moment = parse_datetime(raw.strip().replace(" ", "T", 1))
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):  # device exports carry local wall-clock time
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(dt.UTC)


def punches_ingest(*, device: Device, punches: list, source: str = PunchSource.API, now=None) -> dict:
    """Store a device's batch of punches; idempotent on (device, sequence), tolerant of late and out-of-order
    uploads; reports every punch as accepted, duplicate or rejected with a reason (R-ATT-3).

    Each punch: ``{"sequence": int|str (optional in files), "clock_id": str, "time": ISO (naive = local) or unix,
    "direction": "in"|"out"|""}``. Without a sequence the key is the clock id and the second of the punch.
    The device row is locked so two uploads of one device never race; days touched become stale for the
    results sweep."""
    now = now or timezone.now()
    tz = local_tz()
    tolerance = dt.timedelta(seconds=int(_setting("ATTENDANCE_FUTURE_TOLERANCE_SECONDS", 300)))
    max_age = dt.timedelta(days=int(_setting("ATTENDANCE_MAX_PUNCH_AGE_DAYS", 62)))
    results: list[dict] = [{} for _ in punches]
    parsed = []
    for i, raw in enumerate(punches):
        item = raw if isinstance(raw, dict) else {}
        seq = item.get("sequence")
        clock_id = str(item.get("clock_id") or "").strip()
        seq_text = "" if seq is None else str(seq).strip()
        results[i] = {"index": i, "sequence": seq_text}
        if not clock_id or item.get("time") in (None, "") or (source == PunchSource.API and not seq_text):
            results[i].update(status="rejected", reason="invalid")
            continue
        moment = _parse_time(item.get("time"), tz)
        if moment is None:
            results[i].update(status="rejected", reason="bad_timestamp")
            continue
        if moment > now + tolerance:
            results[i].update(status="rejected", reason="future_timestamp")
            continue
        if moment < now - max_age:
            results[i].update(status="rejected", reason="too_old")
            continue
        direction = str(item.get("direction") or "").lower()
        parsed.append((i, seq_text, clock_id, moment, direction if direction in ("in", "out") else ""))

    with transaction.atomic():
        Device.objects.select_for_update().filter(pk=device.pk).update(last_seen_at=now)
        accounts = {a.clock_id: a for a in AttendanceAccount.objects.filter(clock_id__in={p[2] for p in parsed})
                    .select_related("department").only("pk", "clock_id", "state", "activated_at", "deactivated_at",
                                                       "effective_date", "department_id", "department__path")}
        keyed = []
        for i, seq_text, clock_id, moment, direction in parsed:
            account = accounts.get(clock_id)
            if account is None or not account.department.path.startswith(device.department.path):
                results[i].update(status="rejected", reason="unknown_account")
                continue
            if not account.active_at(moment):
                results[i].update(status="rejected", reason="inactive_account")
                continue
            key = seq_text or f"t{account.pk}-{int(moment.timestamp())}"
            keyed.append((i, key, account, moment, direction))
        existing = set(Punch.objects.filter(device=device, dedup_key__in=[k[1] for k in keyed])
                       .values_list("dedup_key", flat=True))
        new_rows, stale = [], set()
        for i, key, account, moment, direction in keyed:
            if key in existing:
                results[i].update(status="duplicate", reason="duplicate")
                continue
            existing.add(key)
            new_rows.append(Punch(device=device, account=account, dedup_key=key, punched_at=moment,
                                  direction=direction, source=source, received_at=now))
            results[i]["status"] = "accepted"
            local_day = timezone.localtime(moment, tz).date()
            # a punch after midnight may close the night shift of the day before
            stale.add((account.pk, account.department_id, local_day))
            stale.add((account.pk, account.department_id, local_day - dt.timedelta(days=1)))
        Punch.objects.bulk_create(new_rows, batch_size=1000, ignore_conflicts=True)
        _mark_stale(stale, accounts_by_pk={a.pk: a for a in accounts.values()})
        rejections = [PunchRejection(device=device, dedup_key=str(r.get("sequence", ""))[:40],
                                     clock_id=str((punches[r["index"]] or {}).get("clock_id", ""))[:40]
                                     if isinstance(punches[r["index"]], dict) else "",
                                     punched_at_raw=str((punches[r["index"]] or {}).get("time", ""))[:64]
                                     if isinstance(punches[r["index"]], dict) else "",
                                     reason=r["reason"], source=source, received_at=now)
                      for r in results if r.get("status") == "rejected"]
        PunchRejection.objects.bulk_create(rejections, batch_size=1000)
    counts = defaultdict(int)
    for r in results:
        counts[r["status"]] += 1
        if r["status"] == "rejected":
            r["message"] = str(REASONS[r["reason"]])
    return {"accepted": counts["accepted"], "duplicate": counts["duplicate"], "rejected": counts["rejected"],
            "results": results}


def _mark_stale(pairs, *, accounts_by_pk) -> None:
    """Days touched by new punches, leave or shift changes are recomputed by the sweep (never before the account
    existed)."""
    rows = []
    for account_pk, department_id, day in pairs:
        account = accounts_by_pk.get(account_pk)
        if account is not None and day < account.effective_date:
            continue
        rows.append(DailyResult(account_id=account_pk, department_id=department_id, work_date=day, stale=True))
    if rows:
        DailyResult.objects.bulk_create(rows, batch_size=1000, update_conflicts=True,
                                        unique_fields=["account", "work_date"], update_fields=["stale"])


def _mark_range_stale(account, start: dt.date, end: dt.date | None) -> None:
    end = min(end or local_today(), local_today())
    start = max(start, account.effective_date)
    days = (end - start).days + 1
    if days <= 0:
        return
    _mark_stale({(account.pk, account.department_id, start + dt.timedelta(days=n)) for n in range(days)},
                accounts_by_pk={account.pk: account})


CSV_COLUMNS = ("clock_id", "time")


def punches_import_csv(*, actor, device_id: int, data: bytes) -> dict:
    """Import a device's export (CSV with a header: ``clock_id,time[,sequence][,direction]``; time ISO or
    ``YYYY-MM-DD HH:MM:SS`` local); row-level errors name the line (R-ATT-3)."""
    _require(actor, "attendance.add_punch")
    _visible(Device, actor, device_id)
    device = Device.objects.select_related("department").get(pk=device_id)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # exports of Chinese clocks
        except UnicodeDecodeError:
            raise ValidationError({"file": [_("The file is not text (UTF-8 or GB18030).")]})
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ValidationError({"file": [_("Missing columns: %(c)s.") % {"c": ", ".join(missing)}]})
    rows = [{k.strip().lower(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    limit = int(_setting("ATTENDANCE_IMPORT_MAX_ROWS", 100000))
    if len(rows) > limit:
        raise ValidationError({"file": [_("At most %(n)s rows per file.") % {"n": limit}]})
    punches = [{"clock_id": r.get("clock_id"), "time": r.get("time"), "sequence": r.get("sequence") or None,
                "direction": r.get("direction", "")} for r in rows]
    report = {"accepted": 0, "duplicate": 0, "rejected": 0, "errors": []}
    for start in range(0, len(punches), 1000):
        part = punches_ingest(device=device, punches=punches[start:start + 1000], source=PunchSource.FILE)
        for key in ("accepted", "duplicate", "rejected"):
            report[key] += part[key]
        for r in part["results"]:
            if r["status"] == "rejected":
                report["errors"].append({"line": start + r["index"] + 2, "reason": r["reason"],
                                         "message": r["message"]})
    audit_record(actor=actor, action="attendance.punches.import", obj=device,
                 changes={"rows": [None, len(rows)], "accepted": [None, report["accepted"]],
                          "rejected": [None, report["rejected"]]})
    return report


# -- shifts and leave (R-ATT-3, R-HOSP-1) ----------------------------------------------------------------------

@transaction.atomic
def shift_assign(*, actor, account_id: int, template_id: int, start_date, end_date=None) -> ShiftAssignment:
    """Put an account on a shift template over a date range; overlapping ranges are refused (400)."""
    _require(actor, "attendance.add_shiftassignment")
    start = _date(start_date, "start_date")
    end = _date(end_date, "end_date") if end_date not in (None, "") else None
    errors = {}
    if end is not None and end < start:
        errors["end_date"] = [_("The end is before the start.")]
    template = ShiftTemplate.objects.filter(pk=template_id).first()
    if template is None:
        errors["template"] = [_("Unknown shift template.")]
    if errors:
        raise ValidationError(errors)
    account = _lock_account(actor, account_id=account_id)
    overlapping = ShiftAssignment.objects.filter(account=account).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        overlapping = overlapping.filter(start_date__lte=end)
    clash = overlapping.select_related("template").first()
    if clash is not None:
        raise ValidationError({"start_date": [
            _("Overlaps %(t)s from %(s)s to %(e)s.") % {"t": clash.template.name, "s": clash.start_date,
                                                        "e": clash.end_date or "-"}]})
    assignment = ShiftAssignment.objects.create(account=account, template=template, start_date=start, end_date=end,
                                                created_by=_user(actor))
    audit_record(actor=actor, action="attendance.shift.assign", obj=assignment,
                 changes={"template": [None, template.name], "start_date": [None, str(start)],
                          "end_date": [None, str(end) if end else None]})
    _mark_range_stale(account, start, end)
    return assignment


@transaction.atomic
def leave_request_create(*, actor, account_id: int, type: str, start_date, end_date, reason: str = "",  # noqa: A002
                         ) -> LeaveRequest:
    """Record a leave request (HR or the manager on the employee's behalf; later the employee portal); the
    department's manager is asked to decide (R-ATT-3)."""
    _require(actor, "attendance.add_leaverequest")
    start, end = _date(start_date, "start_date"), _date(end_date, "end_date")
    errors = {}
    if type not in LeaveType.values:
        errors["type"] = [_("Unknown leave type.")]
    if end < start:
        errors["end_date"] = [_("The end is before the start.")]
    if errors:
        raise ValidationError(errors)
    account = _lock_account(actor, account_id=account_id)
    if account.state == AccountState.REVOKED:
        _conflict(account, _("The account is revoked."))
    leave = LeaveRequest.objects.create(account=account, type=type, start_date=start, end_date=end,
                                        reason=(reason or "")[:2000])
    audit_record(actor=actor, action="attendance.leave.request", obj=leave,
                 changes={"type": [None, type], "start_date": [None, str(start)], "end_date": [None, str(end)]})
    _alert_staff(department_managers(account.department), key=f"attendance:leave:{leave.pk}:requested",
                 department=account.department, related=("attendance.leaverequest", leave.pk), url=_admin_url(leave),
                 title_fn=lambda: _("Leave request to decide"),
                 message_fn=lambda: _("%(n)s asks for %(t)s from %(s)s to %(e)s.")
                 % {"n": account.holder_name, "t": leave.get_type_display(), "s": start, "e": end})
    return leave


@transaction.atomic
def leave_request_decide(*, actor, leave_id: int, decision: str, comment: str = "") -> LeaveRequest:
    """The manager approves or rejects a leave request of their departments (404 outside them); approved days
    count as leave, not absence (R-ATT-3)."""
    _require(actor, "attendance.change_leaverequest")
    if decision not in ("approve", "reject", "cancel"):
        raise ValidationError({"decision": [_("Choose approve, reject or cancel.")]})
    _visible(LeaveRequest, actor, leave_id)
    leave = LeaveRequest.objects.select_for_update(of=("self",)).select_related("account").get(pk=leave_id)
    if decision == "reject" and not (comment or "").strip():
        raise ValidationError({"comment": [_("Say why the leave is rejected.")]})
    allowed = {t.name for t in leave.get_available_state_transitions()}
    if decision not in allowed:
        _conflict(leave, _("The request is %(s)s already.") % {"s": leave.get_state_display()})
    source = leave.state
    getattr(leave, decision)()
    leave.decided_by, leave.decided_at, leave.comment = _user(actor), timezone.now(), (comment or "")[:2000]
    leave.save()
    audit_record(actor=actor, action=f"attendance.leave.{decision}", obj=leave,
                 changes={"state": [source, leave.state]}, reason=comment)
    _mark_range_stale(leave.account, leave.start_date, leave.end_date)
    return leave


# -- daily results (R-ATT-3) -----------------------------------------------------------------------------------

def default_template() -> ShiftTemplate | None:
    return ShiftTemplate.objects.filter(is_default=True).order_by("pk").first()


def daily_results_refresh(*, now: dt.datetime, backfill_days: int = 7, chunk: int = 2000,
                          limit: int = 50000) -> dict:
    """Sweep: make sure every working account has a row for each recent day, then recompute stale rows whose
    shift window has closed (R-ATT-3). Reports read the stored rows, so they stay fast."""
    tz = local_tz()
    today = local_today(now)
    created = 0
    live = AttendanceAccount.objects.filter(state__in=[AccountState.ACTIVE, AccountState.SUSPENDED])
    for back in range(backfill_days, 0, -1):
        day = today - dt.timedelta(days=back)
        eligible = live.filter(effective_date__lte=day)
        if DailyResult.objects.filter(work_date=day, account__in=eligible).count() < eligible.count():
            rows = [DailyResult(account_id=pk, department_id=dept, work_date=day)
                    for pk, dept in eligible.values_list("pk", "department_id")]
            DailyResult.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
            created += len(rows)
    fallback = default_template()
    computed, last_pk = 0, 0
    while computed < limit:
        with transaction.atomic():
            rows = list(DailyResult.objects.select_for_update(skip_locked=True, of=("self",))
                        .filter(stale=True, work_date__lt=today, pk__gt=last_pk).order_by("pk")[:chunk])
            if not rows:
                break
            last_pk = rows[-1].pk
            done = _compute_rows(rows, now=now, tz=tz, fallback=fallback)
            computed += done
    return {"rows_created": created, "computed": computed}


def _compute_rows(rows, *, now, tz, fallback) -> int:
    account_ids = {r.account_id for r in rows}
    lo = min(r.work_date for r in rows) - dt.timedelta(days=1)
    hi = max(r.work_date for r in rows) + dt.timedelta(days=2)
    punches = defaultdict(list)
    for account_id, moment in Punch.objects.filter(
            account_id__in=account_ids, punched_at__gte=dt.datetime.combine(lo, dt.time(0), tzinfo=tz),
            punched_at__lt=dt.datetime.combine(hi, dt.time(0), tzinfo=tz)).values_list("account_id", "punched_at"):
        punches[account_id].append(moment)
    assignments = defaultdict(list)
    for a in ShiftAssignment.objects.filter(account_id__in=account_ids).select_related("template"):
        assignments[a.account_id].append(a)
    leaves = defaultdict(list)
    for leave in LeaveRequest.objects.filter(account_id__in=account_ids, state=LeaveState.APPROVED,
                                             start_date__lte=hi, end_date__gte=lo):
        leaves[leave.account_id].append((leave.start_date, leave.end_date))
    done = []
    for row in rows:
        day = row.work_date
        template, spec = None, None
        for a in assignments[row.account_id]:
            if a.start_date <= day and (a.end_date is None or day <= a.end_date):
                template, spec = a.template, rules.ShiftSpec.from_template(a.template, cycle_start=a.start_date)
                break
        if template is None and fallback is not None:
            template, spec = fallback, rules.ShiftSpec.from_template(fallback)
        if spec is not None:
            if spec.window(day, tz)[1] > now:
                continue  # the shift is not over yet
        elif dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz) > now:
            continue
        on_leave = any(s <= day <= e for s, e in leaves[row.account_id])
        outcome = rules.evaluate_day(day=day, shift=spec, punches=punches[row.account_id], on_leave=on_leave, tz=tz)
        row.status, row.shift = outcome.status, template
        row.first_in, row.last_out = outcome.first_in, outcome.last_out
        row.late_minutes, row.early_leave_minutes = outcome.late_minutes, outcome.early_leave_minutes
        row.overtime_minutes, row.worked_minutes = outcome.overtime_minutes, outcome.worked_minutes
        row.stale, row.computed_at = False, now
        done.append(row)
    # an upsert on (account, work_date): one INSERT .. ON CONFLICT per batch, unlike bulk_update's CASE per row
    DailyResult.objects.bulk_create(done, batch_size=1000, update_conflicts=True,
                                    unique_fields=["account", "work_date"],
                                    update_fields=["status", "shift", "first_in", "last_out", "late_minutes",
                                                   "early_leave_minutes", "overtime_minutes", "worked_minutes",
                                                   "stale", "computed_at"])
    return len(done)


# -- probation (R-ATT-4) ---------------------------------------------------------------------------------------

def probation_remind_due(*, now: dt.datetime, batch: int = 200) -> dict:
    """Sweep: the department's manager is reminded of an undecided probation review
    ``ATTENDANCE_PROBATION_REMIND_DAYS`` (14) before it ends, and again on its last day (R-ATT-4)."""
    today = local_today(now)
    days = int(_setting("ATTENDANCE_PROBATION_REMIND_DAYS", 14))
    due = (ProbationReview.objects.filter(decision__in=["", ProbationDecision.EXTEND])
           .filter(account__state__in=[AccountState.ACTIVE, AccountState.SUSPENDED])
           .filter(Q(reminders_sent=0, ends_on__lte=today + dt.timedelta(days=days))
                   | Q(reminders_sent=1, ends_on__lte=today))
           .values_list("pk", flat=True)[:batch])
    sent = 0
    for review_id in list(due):
        with transaction.atomic():
            review = (ProbationReview.objects.select_for_update(skip_locked=True, of=("self",))
                      .select_related("account", "department").filter(pk=review_id).first())
            if review is None:
                continue
            number = review.reminders_sent + 1
            review.reminders_sent, review.last_reminded_at = number, now
            review.save(update_fields=["reminders_sent", "last_reminded_at"])
            people = department_managers(review.department) or responsible_hr(review.account)
            _alert_staff(people, key=f"attendance:probation:{review.pk}:e{review.extensions}:r{number}",
                         department=review.department, related=("attendance.probationreview", review.pk),
                         url=_admin_url(review), title_fn=lambda: _("Probation review due"),
                         message_fn=lambda r=review: _("The probation of %(n)s ends on %(d)s: please decide "
                                                       "(pass, extend or fail). Attendance and the AI interview "
                                                       "scores are on the review page.")
                         % {"n": r.account.holder_name, "d": r.ends_on.isoformat()})
            sent += 1
    return {"reminded": sent}


@transaction.atomic
def probation_decide(*, actor, review_id: int, decision: str, comment: str = "",
                     extend_months: int | None = None) -> ProbationReview:
    """Record the probation decision (pass / extend / fail), audited; an extension moves the end (the whole
    probation stays within six months) and the reminders start again (R-ATT-4)."""
    _require(actor, "attendance.change_probationreview")
    if decision not in ProbationDecision.values:
        raise ValidationError({"decision": [_("Choose pass, extend or fail.")]})
    comment = (comment or "").strip()
    if decision in (ProbationDecision.FAIL, ProbationDecision.EXTEND) and not comment:
        raise ValidationError({"comment": [_("Give the reason for this decision.")]})
    _visible(ProbationReview, actor, review_id)
    review = ProbationReview.objects.select_for_update(of=("self",)).select_related("account").get(pk=review_id)
    if review.decision in (ProbationDecision.PASS, ProbationDecision.FAIL):
        raise Conflict(_("The probation was decided already (%(d)s).") % {"d": review.get_decision_display()})
    before = {"decision": review.decision, "ends_on": str(review.ends_on)}
    if decision == ProbationDecision.EXTEND:
        months = int(extend_months or 1)
        new_end = add_months(review.ends_on + dt.timedelta(days=1), months) - dt.timedelta(days=1)
        if new_end >= add_months(review.starts_on, MAX_PROBATION_MONTHS):
            raise ValidationError({"extend_months": [_("Probation may not exceed six months in total.")]})
        review.ends_on, review.extensions, review.reminders_sent = new_end, review.extensions + 1, 0
    review.decision, review.comment = decision, comment[:4000]
    review.decided_by, review.decided_at = _user(actor), timezone.now()
    review.save()
    audit_record(actor=actor, action=f"attendance.probation.{decision}", obj=review,
                 changes={"decision": [before["decision"], decision], "ends_on": [before["ends_on"],
                                                                                  str(review.ends_on)]},
                 reason=comment)
    return review
