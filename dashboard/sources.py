"""What the dashboards read from the apps after the hire (onboarding, attendance), in one place so the
figures, the insights and the attrition model see the same outcomes."""

from attendance import selectors as attendance_selectors
from onboarding import selectors_employee

OUTCOME_KEYS = ("probation_passed", "late_count", "leave_count", "absence_count", "left_at", "left_within_year",
                "exit_reason", "exit_note")


def hire_outcomes(application_ids) -> dict[int, dict]:
    """Application id -> what happened after the hire (R-ATT-4, R-ATT-5); every value None while not known."""
    ids = list(application_ids)
    got = attendance_selectors.employee_outcomes_for_applications(ids) if ids else {}
    empty = dict.fromkeys(OUTCOME_KEYS)
    return {pk: {**empty, **(got.get(pk) or {})} for pk in ids}


def probation_reviews_due(*, user, day):
    """Undecided probation reviews ending soon or overdue, in the viewer's scope (R-ATT-4)."""
    return attendance_selectors.probation_reviews_due(user=user, day=day)


def onboarding_tasks_due(*, user, day):
    """Open onboarding checklist items due by ``day``, in the viewer's scope (R-ONB-2)."""
    return selectors_employee.onboarding_tasks_due(user=user, day=day)
