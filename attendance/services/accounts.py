"""The clock-in account of a new hire (R-ATT-1, R-ATT-2, R-ATT-5).

* ``attendance_account_schedule_for_offer`` -- an accepted offer schedules the account for its start date.
* ``attendance_account_reschedule`` -- a changed start date moves the effective date; the onboarding case
  follows; candidate and HR told.
* ``attendance_account_activate`` / ``_suspend`` / ``_resume`` / ``_revoke``; ``attendance_account_close`` (exit).
* sweeps: ``accounts_activate_due``, ``accounts_revoke_orphaned`` (offer withdrawn, candidate withdrew),
  ``accounts_no_show_due`` (no punch on day one), ``accounts_close_due`` (past the last working day).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import State as AppState
from hrsys.accounts.models import Department
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user
from hrsys.core.timezones import local_today, local_tz
from hrsys.events.services import event_publish
from onboarding.models import Offer, OfferState
from onboarding.services import onboarding_case_follow_start_date

from ..models import AccountState, AttendanceAccount, DoorAccessGroup, ProbationReview
from ._common import (
    _admin_url,
    _alert_staff,
    _conflict,
    _date,
    _lock_account,
    _setting,
    _tell_candidate,
    add_months,
    responsible_hr,
)
from .devices import _queue_provisioning


def door_groups_for(department) -> list[str]:
    """Door-access groups of the department and every department above it; by default one per department."""
    ancestors = [int(p) for p in department.path.strip("/").split("/") if p]
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
    if action in OUTGOING_EVENTS:
        # ids and states for integrators (R-INT-2); never the clock-in credentials or the reason text
        event_publish(type=OUTGOING_EVENTS[action], organisation=account.department_id, payload={
            "account_id": account.pk, "employee_id": account.employee_id, "application_id": account.application_id,
            "offer_id": account.offer_id, "department_id": account.department_id, "state": account.state,
            "effective_date": account.effective_date, "no_show": account.no_show})


#: Account moves integrators hear about (R-INT-2): every account move is saved through _save_audit.
OUTGOING_EVENTS = {"activate": "attendance.account.activated", "suspend": "attendance.account.suspended",
                   "revoke": "attendance.account.revoked"}


@transaction.atomic
def attendance_account_schedule_for_offer(*, offer_id: int, actor="onboarding") -> AttendanceAccount:
    """An accepted offer schedules the attendance account (clock-in id, door groups of the department)
    effective on the offer's start date, with no HR action (R-ATT-1). Idempotent: a second call returns the
    same account (and moves it when the offer's start date changed)."""
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
    if account.offer_id:  # the onboarding case follows the date the clocks know
        onboarding_case_follow_start_date(offer_id=account.offer_id, new=new_date, actor=actor)
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
