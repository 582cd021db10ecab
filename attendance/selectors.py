"""Reads of the attendance app, always within the viewer's scope (R-ATT-1..5, R-AI-4, R-SEC-1).

For other apps:
* ``probation_report(user=, month=)`` -- the monthly probation view: lateness, early leave, absence and leave
  counts with flags, next to the AI interview scores and the interview feedback (R-ATT-4, R-AI-4).
* ``probation_decisions(user=)`` -- decided reviews for the dashboard's analytics (R-ATT-4, R-DASH).
* ``probation_outcomes_for_applications(ids)`` -- passed probation or not, for the insights that join it with
  the AI interview (``dashboard.insights``: the question bank, what happened after each hire; R-AI-5, R-DASH-2).
* ``probation_reviews_due(user=, day=)`` -- undecided reviews ending soon, for the HR to-do list (R-DASH-1).
* ``monthly_attendance_report(user=, month=)`` -- per account and month (admin page, Excel export).
* ``account_for_application(application_id)`` -- the attendance account of a hire (employee file, portal).
* ``employee_file(user=, employee_id=)`` -- the employee file as staff read it: the record with its links back,
  the clock-in account and the probation review (R-ONB-1, R-AI-4).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from employees.selectors import employee_get
from hrsys.accounts.scope import get_for_user_or_404
from interviews.ai.models import AIInterviewResult
from interviews.ai.selectors import ai_result_summary
from interviews.models import InterviewFeedback, Recommendation

from .models import (
    AccountState,
    AttendanceAccount,
    DailyResult,
    DayStatus,
    LeaveRequest,
    LeaveState,
    ProbationDecision,
    ProbationReview,
)


def month_bounds(month) -> tuple[dt.date, dt.date]:
    """First and last day of a month given as a date or ``YYYY-MM``."""
    if isinstance(month, str):
        year, mon = (int(p) for p in month.split("-")[:2])
        month = dt.date(year, mon, 1)
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def account_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = AttendanceAccount.objects.for_user(user).select_related("department")
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("department"):
        qs = qs.filter(department_id=filters["department"])
    return qs.order_by("-effective_date", "-id")


def account_for_application(application_id: int) -> AttendanceAccount | None:
    return AttendanceAccount.objects.filter(application_id=application_id).order_by("-id").first()


def _cursor(moment: dt.datetime, pk: int) -> str:
    return f"{moment.isoformat()}|{pk}"


def accounts_changed_for_device(*, device, cursor: str = "", limit: int = 500,
                                now: dt.datetime | None = None) -> tuple[list[AttendanceAccount], str]:
    """Accounts a pulling device must know about, changed after ``cursor`` (``<iso time>|<id>``, opaque to the
    device); active ones are upserts, suspended / revoked ones deletions; scheduled ones are not sent yet.

    ``changed_at`` is stamped when a service runs, not when its transaction commits, so a change may become
    visible after a pull already read past its stamp. The cursor that ends a pull therefore never moves
    beyond ``now - ATTENDANCE_PULL_SETTLE_SECONDS``: the next pull sends the recent changes again (devices
    apply upserts and deletions idempotently) and so also the ones that committed late. Full pages advance
    normally, so a burst (a thousand starters at midnight) still pages through (R-ATT-1)."""
    qs = (AttendanceAccount.objects.filter(department__path__startswith=device.department.path)
          .exclude(state=AccountState.SCHEDULED).exclude(activated_at__isnull=True))
    if cursor:
        try:
            stamp, _, last_id = cursor.partition("|")
            moment = dt.datetime.fromisoformat(stamp)
            if timezone.is_naive(moment):
                raise ValueError("bad cursor")
            qs = qs.filter(Q(changed_at__gt=moment) | Q(changed_at=moment, pk__gt=int(last_id or 0)))
        except ValueError:
            raise ValueError("bad cursor")
    rows = list(qs.order_by("changed_at", "pk")[:limit])
    if len(rows) == limit:
        return rows, _cursor(rows[-1].changed_at, rows[-1].pk)
    settled = (now or timezone.now()) - dt.timedelta(seconds=int(getattr(settings, "ATTENDANCE_PULL_SETTLE_SECONDS",
                                                                         120)))
    if rows:
        last = rows[-1]
        return rows, _cursor(last.changed_at, last.pk) if last.changed_at <= settled else _cursor(settled, 0)
    if cursor and moment > settled:
        return rows, _cursor(settled, 0)
    return rows, cursor


# -- monthly report (R-ATT-3) ---------------------------------------------------------------------------------

def _month_counts(account_ids, first, last) -> dict[int, dict]:
    late = Count("pk", filter=Q(late_minutes__gt=0))
    early = Count("pk", filter=Q(early_leave_minutes__gt=0))
    rows = (DailyResult.objects.filter(account_id__in=account_ids, work_date__gte=first, work_date__lte=last)
            .values("account_id")
            .annotate(late=late, late_minutes=Sum("late_minutes"), early=early,
                      absent=Count("pk", filter=Q(status=DayStatus.ABSENT)),
                      leave_days=Count("pk", filter=Q(status=DayStatus.LEAVE)),
                      present=Count("pk", filter=Q(status__in=[DayStatus.PRESENT, DayStatus.INCOMPLETE])),
                      missing=Count("pk", filter=Q(status=DayStatus.INCOMPLETE)),
                      overtime=Sum("overtime_minutes"), worked=Sum("worked_minutes")))
    return {r.pop("account_id"): r for r in rows}


def monthly_attendance_report(*, user, month, department_id: int | None = None) -> list[dict]:
    """One row per account of the viewer's departments that worked in the month (R-ATT-3)."""
    first, last = month_bounds(month)
    accounts = (AttendanceAccount.objects.for_user(user).filter(effective_date__lte=last)
                .exclude(state=AccountState.SCHEDULED).exclude(state=AccountState.REVOKED,
                                                               deactivated_at__isnull=True)
                .select_related("department").order_by("department__path", "holder_name", "pk"))
    if department_id:
        accounts = accounts.filter(department_id=department_id)
    accounts = list(accounts)
    counts = _month_counts([a.pk for a in accounts], first, last)
    out = []
    for a in accounts:
        c = counts.get(a.pk, {})
        out.append({"account_id": a.pk, "clock_id": a.clock_id, "name": a.holder_name, "department": a.department.name,
                    "month": first.strftime("%Y-%m"), "present_days": c.get("present", 0),
                    "late": c.get("late", 0), "late_minutes": c.get("late_minutes") or 0,
                    "early_leaves": c.get("early", 0), "absences": c.get("absent", 0),
                    "leave_days": c.get("leave_days", 0), "missing_punches": c.get("missing", 0),
                    "overtime_minutes": c.get("overtime") or 0, "worked_minutes": c.get("worked") or 0})
    return out


# -- probation (R-ATT-4, R-AI-4) ------------------------------------------------------------------------------

def probation_thresholds() -> dict:
    return {"late": int(getattr(settings, "ATTENDANCE_PROBATION_MAX_LATE", 5)),
            "leave_requests": int(getattr(settings, "ATTENDANCE_PROBATION_MAX_LEAVE_REQUESTS", 3)),
            "absences": int(getattr(settings, "ATTENDANCE_PROBATION_MAX_ABSENCES", 2))}


def probation_flags(*, late: int, leave_requests: int, absences: int) -> list[str]:
    """Flags of one month: more than the allowed late arrivals / leave requests / absences (R-ATT-4)."""
    limits = probation_thresholds()
    flags = []
    if late > limits["late"]:
        flags.append("late")
    if leave_requests > limits["leave_requests"]:
        flags.append("leave_requests")
    if absences > limits["absences"]:
        flags.append("absences")
    return flags


def _ai_scores(application_ids) -> dict[int, dict]:
    """Latest AI interview result per application, as plain scores (no transcript, no media)."""
    out: dict[int, dict] = {}
    for r in (AIInterviewResult.objects.filter(application_id__in=application_ids)
              .order_by("application_id", "-received_at", "-pk")
              .values("application_id", "overall_score", "dimension_scores", "recommendation")):
        if r["application_id"] in out:
            continue
        out[r["application_id"]] = {
            "overall": r["overall_score"], "recommendation": r["recommendation"],
            "dimensions": {k: (v.get("score") if isinstance(v, dict) else v)
                           for k, v in (r["dimension_scores"] or {}).items()}}
    return out


def _feedback(application_ids) -> dict[int, dict]:
    """Human interview feedback per application: recommendations and average score per dimension."""
    sums: dict[int, dict] = defaultdict(lambda: {"recommendations": [], "scores": defaultdict(list)})
    for f in (InterviewFeedback.objects.submitted().filter(interview__application_id__in=application_ids)
              .values("interview__application_id", "recommendation", "scores")):
        entry = sums[f["interview__application_id"]]
        entry["recommendations"].append(f["recommendation"])
        for key, value in (f["scores"] or {}).items():
            if isinstance(value, int | float):
                entry["scores"][key].append(value)
    labels = dict(Recommendation.choices)
    return {app: {"recommendations": e["recommendations"],
                  "recommendation_labels": [str(labels.get(r, r)) for r in e["recommendations"]],
                  "average_scores": {k: round(sum(v) / len(v), 1) for k, v in e["scores"].items()}}
            for app, e in sums.items()}


def probation_report(*, user, month, department_id: int | None = None, with_interviews: bool = True) -> list[dict]:
    """Per new hire in probation during the month: late arrivals, early leaves, absences and leave requests,
    the flags (more than 5 late / 3 leave requests by default), next to the AI interview's potential scores
    and the interview feedback, for the probation decision (R-ATT-4, R-AI-4)."""
    first, last = month_bounds(month)
    reviews = (ProbationReview.objects.for_user(user).filter(starts_on__lte=last, ends_on__gte=first)
               .select_related("account", "department").order_by("department__path", "account__holder_name", "pk"))
    if department_id:
        reviews = reviews.filter(department_id=department_id)
    reviews = list(reviews)
    account_ids = [r.account_id for r in reviews]
    counts = _month_counts(account_ids, first, last)
    leave_counts = dict(LeaveRequest.objects.filter(account_id__in=account_ids, start_date__gte=first,
                                                    start_date__lte=last,
                                                    state__in=[LeaveState.PENDING, LeaveState.APPROVED])
                        .values("account_id").annotate(n=Count("pk")).values_list("account_id", "n"))
    app_ids = [r.application_id for r in reviews if r.application_id]
    ai = _ai_scores(app_ids) if with_interviews else {}
    feedback = _feedback(app_ids) if with_interviews else {}
    out = []
    for r in reviews:
        c = counts.get(r.account_id, {})
        late, absences, leaves = c.get("late", 0), c.get("absent", 0), leave_counts.get(r.account_id, 0)
        out.append({
            "review_id": r.pk, "account_id": r.account_id, "application_id": r.application_id,
            "name": r.account.holder_name, "department": r.department.name, "month": first.strftime("%Y-%m"),
            "starts_on": r.starts_on, "ends_on": r.ends_on, "decision": r.decision,
            "late": late, "late_minutes": c.get("late_minutes") or 0, "early_leaves": c.get("early", 0),
            "absences": absences, "leave_requests": leaves, "leave_days": c.get("leave_days", 0),
            "flags": probation_flags(late=late, leave_requests=leaves, absences=absences),
            "ai": ai.get(r.application_id), "feedback": feedback.get(r.application_id),
        })
    return out


def probation_review_detail(*, user, review_id: int) -> dict:
    """One review with every month of its probation so far and the full AI summary (R-ATT-4, R-AI-4)."""
    review = get_for_user_or_404(ProbationReview.objects.select_related("account", "department"), user,
                                 pk=review_id)
    months, cursor = [], review.starts_on.replace(day=1)
    end = min(review.ends_on, timezone.localdate())
    while cursor <= end:
        rows = [r for r in probation_report(user=user, month=cursor, with_interviews=False)
                if r["review_id"] == review.pk]
        months.extend(rows)
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    return {"review": review, "months": months,
            "ai": ai_result_summary(application_id=review.application_id) if review.application_id else None,
            "feedback": _feedback([review.application_id]).get(review.application_id)}


def probation_decisions(*, user, since: dt.date | None = None):
    """Decided probation reviews for analytics (R-ATT-4, R-DASH): decision, department, dates, application."""
    qs = ProbationReview.objects.for_user(user).exclude(decision="").select_related("department", "account")
    if since:
        qs = qs.filter(decided_at__date__gte=since)
    return qs.order_by("-decided_at", "-pk")


def probation_reviews_due(*, user, day: dt.date):
    """Undecided probation reviews ending within ``ATTENDANCE_PROBATION_REMIND_DAYS`` of ``day`` (or overdue),
    in the viewer's scope, soonest first: the HR to-do list (R-ATT-4, R-DASH-1)."""
    within = dt.timedelta(days=int(getattr(settings, "ATTENDANCE_PROBATION_REMIND_DAYS", 14)))
    return (ProbationReview.objects.for_user(user)
            .filter(decision__in=["", ProbationDecision.EXTEND], ends_on__lte=day + within)
            .exclude(account__state=AccountState.REVOKED)
            .select_related("account").order_by("ends_on", "pk"))


def probation_outcomes_for_applications(application_ids) -> dict[int, bool | None]:
    """Application id -> passed probation (True) / failed (False) / not known yet (None); the dashboard's
    insights read this to judge the AI question bank and each hire (``dashboard.insights``; R-AI-5, R-DASH-2)."""
    ids = list(application_ids)
    out: dict[int, bool | None] = {pk: None for pk in ids}
    for app_id, decision in (ProbationReview.objects.filter(application_id__in=ids)
                             .filter(decision__in=[ProbationDecision.PASS, ProbationDecision.FAIL])
                             .values_list("application_id", "decision")):
        out[app_id] = decision == ProbationDecision.PASS
    return out


def employee_file(*, user, employee_id: int) -> dict:
    """The employee file: the record, links back (candidate, application, offer, onboarding form), the AI
    interview and feedback snapshots, the attendance account and the probation review (R-ONB-1, R-AI-4).
    404 outside the viewer's scope."""
    employee = employee_get(user=user, employee_id=employee_id)
    account = AttendanceAccount.objects.filter(employee=employee).order_by("-pk").first()
    probation = getattr(account, "probation", None) if account else None
    return {"employee": employee, "attendance_account": account, "probation": probation,
            "links": {"candidate": employee.candidate_id, "application": employee.application_id,
                      "offer": employee.offer_id, "onboarding_info": employee.onboarding_info_id,
                      "case": employee.case_id}}
