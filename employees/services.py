"""Writes of the employee file (R-ONB-1, R-AI-4, R-ATT-5, R-HOSP-1).

* ``employee_create`` -- the employee file from everything already known, on (or after) the start date; also the
  sweep ``employees_create_due``.
* ``employee_exit`` -- last day and attrition reason.

Attendance hears of both through ``employees.signals`` (it links and later closes the clock-in account).
The audit actions keep their names from before the employees app (``onboarding.employee.create`` / ``.exit``):
they are stored in the audit trail, and old and new rows should read and filter alike.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from candidates.selectors import responsible_hr
from candidates.services import application_transition
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.errors import Conflict
from hrsys.audit.services import MASK, audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible
from hrsys.core.actors import staff_user as _user
from hrsys.core.inputs import clean_date
from hrsys.events.services import event_publish
from interviews.ai.selectors import ai_result_summary
from interviews.models import InterviewFeedback
from notifications.services import notification_create
from notifications.types import Recipient
from onboarding.models import CaseState, OnboardingCase, OnboardingInfo

from . import signals
from .models import AttritionReason, Employee, EmployeeState


def _actor_label(actor) -> str:
    user = _user(actor)
    return user.get_username() if user is not None else str(actor)


def _today(now=None):
    return timezone.localdate(now or timezone.now())


def _credentials(candidate, day) -> list[dict]:
    return [{"credential_id": c.pk, "type": c.type, "issuer": c.issuer,
             "expires_on": c.expires_on.isoformat() if c.expires_on else None, "valid_on_start": c.is_valid_on(day)}
            for c in candidate.credentials.all().order_by("type", "-expires_on")]


def _feedback(application) -> list[dict]:
    return [{"feedback_id": f.pk, "interview_id": f.interview_id, "round": str(f.interview.round or ""),
             "interviewer": str(f.interviewer), "scores": f.scores, "recommendation": f.recommendation,
             "notes": f.notes, "submitted_at": f.submitted_at.isoformat()}
            for f in InterviewFeedback.objects.submitted().filter(interview__application=application)
            .select_related("interview__round", "interviewer").order_by("submitted_at")]


@transaction.atomic
def employee_create(*, actor, case_id: int, now=None) -> Employee:
    """The employee file on (or after) the start date, from everything already known -- candidate, onboarding
    form, offer salary, AI interview results, interview feedback, credentials -- with links back; the application
    becomes ``employee``; the attendance account is linked (R-ONB-1, R-AI-4). A required credential that is
    missing or expired on the start date blocks it (R-HOSP-1). Idempotent."""
    _require(actor, "employees.add_employee")
    require_visible(OnboardingCase, actor, case_id)
    now = now or timezone.now()
    case = (OnboardingCase.objects.select_for_update(of=("self",))
            .select_related("offer", "application__job__department", "candidate").get(pk=case_id))
    existing = Employee.objects.filter(case=case).first()
    if existing is not None:
        return existing
    if case.state == CaseState.CANCELLED:
        raise Conflict(_("The onboarding case was cancelled."))
    if case.start_date > _today(now):
        raise ValidationError({"start_date": [_("The new hire starts on %(d)s.") % {"d": case.start_date}]})
    application, candidate, offer = case.application, case.candidate, case.offer
    problems = application.credential_problems(today=case.start_date)
    if problems:
        raise ValidationError({"credentials": [_("Required credential missing or expired: %(c)s.")
                                               % {"c": ", ".join(str(p.get("label") or p.get("type")) for p in problems)}]})
    employee = Employee.objects.create(
        case=case, candidate=candidate, application=application, offer=offer,
        onboarding_info=OnboardingInfo.objects.filter(candidate=candidate).first(), department=case.department,
        name=candidate.name, phone=candidate.phone, email=candidate.email, id_number=candidate.id_number,
        job_title=application.job.title, job_level=offer.job_level, monthly_salary=offer.monthly_salary,
        currency=offer.currency, start_date=case.start_date, probation_months=offer.probation_months,
        profile={"education": candidate.education, "years_experience": candidate.years_experience,
                 "skills": list(candidate.skills or []), "source": candidate.source,
                 "language": candidate.preferred_language},
        ai_interview=ai_result_summary(application_id=application.pk) or {},
        interview_feedback=_feedback(application), credentials=_credentials(candidate, case.start_date),
        created_by=_actor_label(actor), created_at=now)
    employee.employee_no = f"E{case.start_date:%Y}{employee.pk:06d}"
    employee.save(update_fields=["employee_no"])
    audit_record(actor=actor, action="onboarding.employee.create", obj=employee,
                 changes={"employee_no": [None, employee.employee_no], "start_date": [None, str(case.start_date)],
                          "monthly_salary": [None, MASK]})  # encrypted personal data (R-SEC-2)
    signals.employee_created.send(sender=Employee, employee=employee, actor=actor)
    event_publish(type="employee.created", organisation=employee.department_id, payload={
        "employee_id": employee.pk, "employee_no": employee.employee_no, "application_id": application.pk,
        "candidate_id": candidate.pk, "offer_id": offer.pk, "department_id": employee.department_id,
        "start_date": employee.start_date, "state": employee.state})
    if application.state == "hired":
        user = _user(actor)
        pipeline_actor = user if user is not None and user.has_perm("candidates.change_application") \
            else f"onboarding:{_actor_label(actor)}"
        application_transition(actor=pipeline_actor, application_id=application.pk, transition="become_employee",
                               reason=_("Employee %(no)s from %(day)s") % {"no": employee.employee_no,
                                                                                "day": case.start_date})
    return employee


def employees_create_due(*, now: dt.datetime, batch: int = 200) -> dict:
    """Sweep: open cases whose start date arrived get their employee record (R-ONB-1); a case blocked by a
    credential is reported to HR once."""
    today = _today(now)
    ids = list(OnboardingCase.objects.filter(state=CaseState.OPEN, start_date__lte=today, employee__isnull=True)
               .values_list("pk", flat=True)[:batch])
    created = blocked = 0
    for case_id in ids:
        try:
            with transaction.atomic():
                employee_create(actor="hr_tick", case_id=case_id, now=now)
                created += 1
        except ValidationError as exc:
            blocked += 1
            _alert_blocked(case_id, exc)
    return {"created": created, "blocked": blocked}


def _alert_blocked(case_id, exc):
    case = OnboardingCase.objects.select_related("application", "candidate", "department").get(pk=case_id)
    detail = "; ".join(m for msgs in getattr(exc, "message_dict", {}).values() for m in msgs) or str(exc)
    for person in responsible_hr(case.application):
        with translation.override(person.preferred_language or "zh-hans"):
            title = _("Employee record blocked")
            message = _("%(n)s could not become an employee on %(d)s: %(x)s") % {
                "n": case.candidate.name, "d": case.start_date.isoformat(), "x": detail}
        # a recipient unreachable in-app is skipped, not an error
        notification_create(recipient=Recipient.for_user(person), channel="in_app", template_key="generic_alert",
                            context={"title": title, "message": message, "url": ""},
                            idempotency_key=f"onboarding:case:{case.pk}:blocked:{person.pk}"[:200],
                            department=case.department, related=("onboarding.onboardingcase", case.pk),
                            actor="onboarding", skip_unreachable=True)


@transaction.atomic
def employee_exit(*, actor, employee_id: int, last_day, reason: str, note: str = "") -> Employee:
    """An employee leaves: the last working day and the attrition reason are recorded (the AI interview data stays
    linked for question-bank analysis) and the attendance account closes after the last day (R-ATT-5)."""
    _require(actor, "employees.change_employee")
    errors = {}
    if reason not in AttritionReason.values:
        errors["reason"] = [_("Choose a reason for leaving.")]
    try:
        last = clean_date(last_day, "last_day")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        last = None
    if errors:
        raise ValidationError(errors)
    user = _user(actor)
    if user is not None:
        get_for_user_or_404(Employee, user, pk=employee_id)
    employee = Employee.objects.select_for_update().get(pk=employee_id)
    if employee.state == EmployeeState.LEFT:
        raise Conflict(_("The employee has left already."))
    if last < employee.start_date:
        raise ValidationError({"last_day": [_("The last day is before the start date.")]})
    employee.state, employee.exit_date, employee.attrition_reason = EmployeeState.LEFT, last, reason
    employee.exit_note = (note or "")[:4000]
    employee.save(update_fields=["state", "exit_date", "attrition_reason", "exit_note"])
    audit_record(actor=actor, action="onboarding.employee.exit", obj=employee,
                 changes={"exit_date": [None, last.isoformat()], "attrition_reason": [None, reason]}, reason=note)
    signals.employee_exited.send(sender=Employee, employee=employee, last_day=last, reason=reason, actor=actor)
    event_publish(type="employee.exited", organisation=employee.department_id, payload={
        "employee_id": employee.pk, "employee_no": employee.employee_no, "department_id": employee.department_id,
        "exit_date": last, "attrition_reason": reason, "state": employee.state})
    return employee
