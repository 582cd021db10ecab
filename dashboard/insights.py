"""Insights that join stages: what the AI interview and its question bank said, next to what happened after
the hire (R-AI-5, R-DASH-2, R-ATT-4, R-ATT-5).

They read from the interviews, the employee file and attendance together, so they live here, on
top of the stages, and not in one of them: an earlier stage never imports a later one (issue 16 item 3; was
``interviews.ai.selectors.question_outcome_stats`` / ``probation_outcomes``, which imported attendance, and
``attendance.selectors.employee_outcomes_for_applications``).

* ``employee_outcomes_for_applications(ids)`` -- what happened after each hire (``sources.hire_outcomes`` gives
  it to the figures, the insights page and the attrition model).
* ``question_outcome_stats()`` -- per bank question: asked, hired, passed probation
  (``/api/v1/ai-interviews/questions/stats/``).
"""

from __future__ import annotations

import datetime as dt
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from attendance.models import DailyResult, DayStatus, LeaveRequest
from attendance.selectors import probation_outcomes_for_applications
from candidates.models import HIRED_STATES
from candidates.models import State as AppState
from employees.models import Employee
from interviews.ai.models import Question, QuestionUsage


def employee_outcomes_for_applications(application_ids) -> dict[int, dict]:
    """Application id -> what happened after the hire, for the dashboard's AI-score-versus-outcome
    insights (R-DASH-2, R-ATT-4, R-ATT-5): probation result, late days and leave requests while
    employed, and whether (and why: the reason code and HR's exit note) the person left within a year.
    None where not known (yet).
    Four queries whatever the number of applications."""
    ids = list(application_ids)
    probation = probation_outcomes_for_applications(ids)
    days = {r["account__application_id"]: r for r in DailyResult.objects.filter(account__application_id__in=ids)
            .values("account__application_id")
            .annotate(late=Count("pk", filter=Q(late_minutes__gt=0)),
                      absent=Count("pk", filter=Q(status=DayStatus.ABSENT)))}
    leave = dict(LeaveRequest.objects.filter(account__application_id__in=ids)
                 .values("account__application_id").annotate(n=Count("pk"))
                 .values_list("account__application_id", "n"))
    today = timezone.localdate()
    out = {pk: {"probation_passed": probation.get(pk)} for pk in ids}
    for emp in Employee.objects.filter(application_id__in=ids).only(
            "application_id", "start_date", "exit_date", "attrition_reason", "exit_note"):
        year_end = emp.start_date + dt.timedelta(days=365)
        if emp.exit_date:
            left_within_year = emp.exit_date <= year_end
        else:
            left_within_year = False if today > year_end else None
        out[emp.application_id].update({
            "late_count": days.get(emp.application_id, {}).get("late", 0),
            "absence_count": days.get(emp.application_id, {}).get("absent", 0),
            "leave_count": leave.get(emp.application_id, 0),
            "left_at": emp.exit_date, "left_within_year": left_within_year,
            "exit_reason": emp.attrition_reason or "", "exit_note": emp.exit_note or "",
        })
    return out


# -- question bank statistics (R-AI-5) ---------------------------------------------------------------------

def question_outcome_stats(*, question_ids=None, since: date | None = None) -> list[dict]:
    """Per question: how often asked, how many of those candidates were hired, and how many hires
    passed probation (R-AI-5). Outcomes are read from the pipeline states now and from probation
    (``attendance.selectors.probation_outcomes_for_applications``) when attendance provides it."""
    usages = QuestionUsage.objects.select_related("application")
    if question_ids is not None:
        usages = usages.filter(question_id__in=list(question_ids))
    if since is not None:
        usages = usages.filter(asked_at__date__gte=since)
    by_question: dict[int, set[int]] = {}
    states: dict[int, str] = {}
    for u in usages:
        by_question.setdefault(u.question_id, set()).add(u.application_id)
        states[u.application_id] = u.application.state
    probation = probation_outcomes_for_applications([a for a, s in states.items() if s in HIRED_STATES])
    questions = Question.objects.in_bulk(list(by_question))
    out = []
    for qid, apps in sorted(by_question.items()):
        hired = [a for a in apps if states[a] in HIRED_STATES]
        passed = [a for a in hired if probation.get(a) is True]
        failed = [a for a in hired if probation.get(a) is False]
        rejected = [a for a in apps if states[a] == AppState.REJECTED]
        q = questions.get(qid)
        out.append({"question_id": qid, "text": q.text if q else "", "dimension": q.dimension if q else "",
                    "asked": len(apps), "hired": len(hired), "rejected": len(rejected),
                    "passed_probation": len(passed), "failed_probation": len(failed),
                    "hire_rate": round(len(hired) / len(apps), 3) if apps else None})
    return out
