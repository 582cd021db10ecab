"""Daily attendance results (R-ATT-3): the sweep that gives every working account a row per day and computes
the stale ones once their shift is over (lateness, early leave, absence, leave, overtime); reports read the
stored rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction

from hrsys.core.timezones import local_today, local_tz

from .. import rules
from ..models import (
    AccountState,
    AttendanceAccount,
    DailyResult,
    LeaveRequest,
    LeaveState,
    Punch,
    ShiftAssignment,
    ShiftTemplate,
)


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
