"""Reads of onboarding cases and employee files (R-ONB-1, R-ONB-2, R-AI-4, R-ATT-5).

* ``onboarding_progress_for_candidate(candidate_id)`` -- what the portal shows the new hire.
* ``onboarding_case_list(user=)`` / ``case_progress(case)`` -- HR's view.
* ``employee_file(user=, employee_id=)`` -- the file with links back and the attendance / probation status.
* ``attrition_list(user=)`` -- leavers with their reason and AI interview scores (R-ATT-5, R-AI-5).
"""

from django.db.models import Count, Q

from hrsys.accounts.scope import get_for_user_or_404

from .models import CaseState, ChecklistItem, Employee, EmployeeState, OnboardingCase, OwnerRole


def case_progress(case) -> dict:
    items = list(case.items.all())
    done = sum(1 for i in items if i.done_at)
    return {"total": len(items), "done": done, "percent": round(100 * done / len(items)) if items else 100}


def onboarding_progress_for_candidate(candidate_id: int) -> list[dict]:
    """The candidate's open and finished onboarding cases: start date, progress, every item (title, owner, due,
    done) and which ones the candidate completes in the portal (R-ONB-2). No staff names."""
    out = []
    for case in (OnboardingCase.objects.filter(candidate_id=candidate_id).exclude(state=CaseState.CANCELLED)
                 .select_related("application__job").prefetch_related("items").order_by("-start_date")):
        out.append({
            "case_id": case.pk, "job": case.application.job.title, "start_date": case.start_date,
            "state": case.state, **case_progress(case),
            "items": [{"id": i.pk, "category": i.category, "category_label": i.get_category_display(),
                       "title": i.title, "owner_role": i.owner_role, "owner_label": i.get_owner_role_display(),
                       "due_date": i.due_date, "done": i.done_at is not None,
                       "mine": i.owner_role == OwnerRole.CANDIDATE} for i in case.items.all()],
        })
    return out


def onboarding_case_list(*, user, filters: dict | None = None):
    filters = filters or {}
    qs = (OnboardingCase.objects.for_user(user).select_related("candidate", "department", "application__job")
          .annotate(items_total=Count("items"), items_done=Count("items", filter=Q(items__done_at__isnull=False))))
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    return qs.order_by("start_date", "pk")


def checklist_items_for_owner(*, user):
    """Open items assigned to the user (their onboarding to-do)."""
    return ChecklistItem.objects.for_user(user).filter(owner=user, done_at__isnull=True).order_by("due_date")


def employee_file(*, user, employee_id: int) -> dict:
    """The employee file: the record, links back (candidate, application, offer, onboarding form), the AI
    interview and feedback snapshots, the attendance account and the probation review (R-ONB-1, R-AI-4)."""
    from attendance.models import AttendanceAccount  # noqa: PLC0415

    employee = get_for_user_or_404(Employee.objects.select_related("department", "offer", "application__job"), user,
                                   pk=employee_id)
    account = AttendanceAccount.objects.filter(employee=employee).order_by("-pk").first()
    probation = getattr(account, "probation", None) if account else None
    return {"employee": employee, "attendance_account": account, "probation": probation,
            "links": {"candidate": employee.candidate_id, "application": employee.application_id,
                      "offer": employee.offer_id, "onboarding_info": employee.onboarding_info_id,
                      "case": employee.case_id}}


def attrition_list(*, user, since=None):
    """Leavers with reason, dates and the AI interview snapshot, for question-bank review (R-ATT-5, R-AI-5)."""
    qs = Employee.objects.for_user(user).filter(state=EmployeeState.LEFT)
    if since:
        qs = qs.filter(exit_date__gte=since)
    return qs.select_related("department").order_by("-exit_date", "-pk")


def onboarding_tasks_due(*, user, day):
    """Open checklist items due by ``day`` in the viewer's scope, for the HR to-do list (R-ONB-2)."""
    return (ChecklistItem.objects.for_user(user).filter(done_at__isnull=True, due_date__lte=day)
            .select_related("case__candidate", "owner").order_by("due_date", "pk"))
