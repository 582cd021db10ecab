"""Reads of the employee file, within the viewer's scope (R-ONB-1, R-AI-4, R-ATT-5, R-SEC-1).

* ``employee_get(user=, employee_id=)`` -- one file (404 outside the scope). The file as staff read it, with the
  clock-in account and the probation review, is ``attendance.selectors.employee_file`` (a later stage).
* ``employee_list(user=, filters=)`` -- the files in scope, newest start first.
* ``attrition_list(user=)`` -- leavers with their reason and AI interview scores (R-ATT-5, R-AI-5).
"""

from hrsys.accounts.scope import get_for_user_or_404

from .models import Employee, EmployeeState


def employee_get(*, user, employee_id: int) -> Employee:
    return get_for_user_or_404(Employee.objects.select_related("department", "offer", "application__job"), user,
                               pk=employee_id)


def employee_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = Employee.objects.for_user(user).select_related("department").order_by("-start_date", "-pk")
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    return qs


def attrition_list(*, user, since=None):
    """Leavers with reason, dates and the AI interview snapshot, for question-bank review (R-ATT-5, R-AI-5)."""
    qs = Employee.objects.for_user(user).filter(state=EmployeeState.LEFT)
    if since:
        qs = qs.filter(exit_date__gte=since)
    return qs.select_related("department").order_by("-exit_date", "-pk")
