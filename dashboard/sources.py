"""What happened after each hire, in one place so the figures, the insights and the attrition model see the
same outcomes (the to-do list asks attendance and onboarding for their due items directly)."""

from .insights import employee_outcomes_for_applications

OUTCOME_KEYS = ("probation_passed", "late_count", "leave_count", "absence_count", "left_at", "left_within_year",
                "exit_reason", "exit_note")


def hire_outcomes(application_ids) -> dict[int, dict]:
    """Application id -> what happened after the hire (R-ATT-4, R-ATT-5); every value None while not known."""
    ids = list(application_ids)
    got = employee_outcomes_for_applications(ids) if ids else {}
    empty = dict.fromkeys(OUTCOME_KEYS)
    return {pk: {**empty, **(got.get(pk) or {})} for pk in ids}
