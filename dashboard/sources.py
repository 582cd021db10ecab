"""What the dashboards read from apps that are still growing (onboarding cases, attendance, exits).

Each function asks the owning app's selectors for a documented hook and degrades to "no data yet"
when the app does not offer it (yet). The hooks, for the owners of those apps:

* ``attendance.selectors.employee_outcomes_for_applications(ids) -> {application_id: {
  "probation_passed": bool | None, "late_count": int | None, "leave_count": int | None,
  "flags": int | None, "left_at": date | None, "left_within_year": bool | None, "exit_reason": str}}``
  (R-ATT-4, R-ATT-5);
* ``attendance.selectors.probation_reviews_due(*, user)`` -> a scoped queryset or list of reviews due;
* ``onboarding.selectors_employee.onboarding_tasks_due(*, user, day)`` -> a scoped queryset or list of open
  checklist items due by ``day`` (R-ONB-2).

Probation pass / fail alone comes through ``interviews.ai.selectors.probation_outcomes`` (the same hook).
"""

import importlib

OUTCOME_KEYS = ("probation_passed", "late_count", "leave_count", "flags", "left_at", "left_within_year",
                "exit_reason")


def _hook(module: str, name: str):
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, name, None)


def hire_outcomes(application_ids) -> dict[int, dict]:
    """Application id -> what happened after the hire; every value None when not known (yet)."""
    ids = list(application_ids)
    empty = {k: None for k in OUTCOME_KEYS}
    fn = _hook("attendance.selectors", "employee_outcomes_for_applications")
    got = fn(ids) if fn is not None and ids else {}
    if fn is None and ids:
        from interviews.ai.selectors import probation_outcomes  # noqa: PLC0415

        got = {pk: {"probation_passed": v} for pk, v in probation_outcomes(ids).items()}
    return {pk: {**empty, **(got.get(pk) or {})} for pk in ids}


#: Probation reviews ending within this many days are on the to-do list.
PROBATION_REVIEW_DAYS = 14


def probation_reviews_due(*, user, day):
    """Undecided probation reviews ending within :data:`PROBATION_REVIEW_DAYS` (or overdue), in the
    viewer's scope; None when attendance does not record reviews (yet) (R-ATT-4)."""
    fn = _hook("attendance.selectors", "probation_reviews_due")
    if fn is not None:
        return fn(user=user)
    try:
        from attendance.models import ProbationReview  # noqa: PLC0415
    except ImportError:
        return None
    import datetime as dt  # noqa: PLC0415

    return (ProbationReview.objects.for_user(user)
            .filter(decision="", ends_on__lte=day + dt.timedelta(days=PROBATION_REVIEW_DAYS))
            .select_related("application__candidate").order_by("ends_on", "pk"))


def onboarding_tasks_due(*, user, day):
    """Open onboarding checklist items due by ``day``, or None when onboarding does not offer them yet."""
    fn = _hook("onboarding.selectors_employee", "onboarding_tasks_due")
    return None if fn is None else fn(user=user, day=day)
