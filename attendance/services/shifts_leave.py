"""Shifts and leave (R-ATT-3, R-HOSP-1): an account put on a shift template over a date range; leave requested
on the employee's behalf and decided by the department's manager. Days touched are recomputed by the results
sweep."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.accounts.selectors import department_managers
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible as _visible
from hrsys.core.actors import staff_user as _user

from ..models import AccountState, LeaveRequest, LeaveType, ShiftAssignment, ShiftTemplate
from ._common import _admin_url, _alert_staff, _conflict, _date, _lock_account
from .punches import _mark_range_stale


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
