"""Writes of onboarding cases, checklists and employee records (R-ONB-1, R-ONB-2, R-AI-4, R-ATT-1, R-ATT-5,
R-HOSP-1). The companion of ``models_employee``; ``services.onboarding_start_for_offer`` calls in here.

* ``onboarding_case_open`` -- the accepted offer opens the case, its checklist and the attendance account.
* ``onboarding_case_reschedule`` -- HR moves the start date: due dates and the attendance account follow.
* ``checklist_item_complete`` (staff) / ``checklist_item_complete_by_candidate`` (portal).
* ``employee_create`` -- the employee file from everything already known; also the sweep
  ``employees_create_due`` on the start date.
* ``employee_exit`` -- last day and attrition reason; the account closes after the last day.
* sweep ``checklist_remind_due`` -- reminders to item owners through the outbox.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.selectors import responsible_hr
from hrsys.accounts.models import Role, User
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.api.errors import Conflict
from hrsys.audit.services import MASK, audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible
from hrsys.core.actors import staff_user as _user
from notifications.services import notification_create
from notifications.types import Recipient

from .models import (
    AttritionReason,
    CaseState,
    ChecklistCategory,
    ChecklistItem,
    ChecklistTemplate,
    Employee,
    EmployeeState,
    Offer,
    OfferState,
    OnboardingCase,
    OnboardingInfo,
    OwnerRole,
)

logger = logging.getLogger(__name__)

#: used when no template matches the job: (category, title, owner, days from the start date, clinical only)
DEFAULT_CHECKLIST = [
    (ChecklistCategory.DOCUMENTS, gettext_lazy("ID card, diploma and bank card copies"), OwnerRole.CANDIDATE, -3,
     False),
    (ChecklistCategory.DOCUMENTS, gettext_lazy("Onboarding form in the portal"), OwnerRole.CANDIDATE, -3, False),
    (ChecklistCategory.DOCUMENTS, gettext_lazy("Labour contract signed"), OwnerRole.HR, 0, False),
    (ChecklistCategory.ACCOUNTS, gettext_lazy("E-mail and hospital information system accounts"), OwnerRole.IT, -1,
     False),
    (ChecklistCategory.EQUIPMENT, gettext_lazy("Badge, locker and work clothes"), OwnerRole.MANAGER, 0, False),
    (ChecklistCategory.TRAINING, gettext_lazy("Induction: safety, infection control, data privacy"), OwnerRole.HR,
     7, False),
    (ChecklistCategory.LICENCE, gettext_lazy("Practising licence registered to this hospital"), OwnerRole.HR, 30,
     True),
]


def _setting(name, default):
    return getattr(settings, name, default)






def _actor_label(actor) -> str:
    user = _user(actor)
    return user.get_username() if user is not None else str(actor)


def _today(now=None):
    return timezone.localdate(now or timezone.now())


def _ancestor_ids(department) -> list[int]:
    return [int(p) for p in department.path.strip("/").split("/") if p]


def is_clinical(job) -> bool:
    """Clinical jobs require a practising licence (R-HOSP-1)."""
    return bool(job.required_credentials)


def template_for_job(job) -> ChecklistTemplate | None:
    """The job's own template, else the nearest department's, else a global one."""
    active = ChecklistTemplate.objects.filter(active=True)
    own = active.filter(job=job).order_by("pk").first()
    if own is not None:
        return own
    ids = _ancestor_ids(job.department)
    by_dept = {t.department_id: t for t in active.filter(job__isnull=True, department_id__in=ids).order_by("-pk")}
    for dept_id in reversed(ids):
        if dept_id in by_dept:
            return by_dept[dept_id]
    return active.filter(job__isnull=True, department__isnull=True).order_by("pk").first()


def _owner_for(role, application):
    from attendance.services import department_managers  # noqa: PLC0415

    if role == OwnerRole.CANDIDATE:
        return None
    if role == OwnerRole.MANAGER:
        people = department_managers(application.job.department)
    elif role == OwnerRole.IT:
        people = list(User.objects.filter(is_active=True, role=Role.SYSADMIN).order_by("pk"))
    else:
        people = []
    people = people or list(responsible_hr(application))
    return people[0] if people else None


def _notify(recipient, *, channel, template_key, context, key, department, related):
    """One outbox row; a recipient unreachable on ``channel`` is skipped, not an error."""
    return notification_create(recipient=recipient, channel=channel, template_key=template_key, context=context,
                               idempotency_key=key[:200], department=department, related=related,
                               actor="onboarding", skip_unreachable=True)



# -- the case (R-ONB-1, R-ONB-2, R-ATT-1) ------------------------------------------------------------------

@transaction.atomic
def onboarding_case_open(*, offer_id: int, actor="onboarding") -> OnboardingCase:
    """An accepted offer opens the onboarding case with its checklist (owners, due dates) and schedules the
    attendance account for the start date, with no HR action (R-ONB-1, R-ONB-2, R-ATT-1). Idempotent."""
    offer = (Offer.objects.select_for_update(of=("self",))
             .select_related("application__job__department", "application__candidate").get(pk=offer_id))
    if offer.state != OfferState.ACCEPTED:
        raise Conflict(_("Only an accepted offer starts onboarding."))
    case = OnboardingCase.objects.filter(offer=offer).first()
    if case is None:
        application = offer.application
        job = application.job
        template = template_for_job(job)
        case = OnboardingCase.objects.create(offer=offer, application=application, candidate=application.candidate,
                                             department=job.department, template=template,
                                             start_date=offer.start_date)
        if template is not None:
            rows = [(i.category, i.title, i.owner_role, i.due_days, i.clinical_only) for i in template.items.all()]
        else:
            rows = [(c, str(t), o, d, clin) for c, t, o, d, clin in DEFAULT_CHECKLIST]
        clinical = is_clinical(job)
        items = []
        for order, (category, title, role, days, clinical_only) in enumerate(rows):
            if clinical_only and not clinical:
                continue
            items.append(ChecklistItem(case=case, category=category, title=title, owner_role=role,
                                       owner=_owner_for(role, application), due_days=days,
                                       due_date=case.start_date + dt.timedelta(days=days), order=order))
        ChecklistItem.objects.bulk_create(items)
        audit_record(actor=actor, action="onboarding.case.open", obj=case,
                     changes={"start_date": [None, str(case.start_date)], "items": [None, len(items)],
                              "template": [None, template.name if template else "default"]},
                     reason=_("Offer #%(id)s accepted") % {"id": offer.pk})
    from attendance.services import attendance_account_schedule_for_offer  # noqa: PLC0415

    attendance_account_schedule_for_offer(offer_id=offer.pk, actor=actor)
    if offer.onboarding_started_at is None:
        Offer.objects.filter(pk=offer.pk).update(onboarding_started_at=timezone.now())
    return case



@transaction.atomic
def onboarding_case_reschedule(*, actor, case_id: int, start_date) -> OnboardingCase:
    """HR moves the start date: a date in the past is refused (400); the checklist's due dates and the attendance
    account's effective date move; candidate and HR are told (R-ATT-2)."""
    _require(actor, "onboarding.change_onboardingcase")
    require_visible(OnboardingCase, actor, case_id)
    case = OnboardingCase.objects.select_for_update().get(pk=case_id)
    if case.state != CaseState.OPEN or Employee.objects.filter(case=case).exists():
        raise Conflict(_("The new hire has started already; the start date cannot move."))
    from attendance.services import attendance_account_reschedule  # noqa: PLC0415

    # the account service validates the date and sends the notices; the case follows it (receiver below)
    attendance_account_reschedule(actor=actor, offer_id=case.offer_id, start_date=start_date)
    case.refresh_from_db()
    return case


def follow_account_start_date(sender, *, account, old, new, actor, **kwargs):
    """Receiver of ``attendance.signals.start_date_moved``: the case and its due dates follow the account."""
    if not account.offer_id:
        return
    case = OnboardingCase.objects.select_for_update().filter(offer_id=account.offer_id).first()
    if case is None or case.start_date == new:
        return
    before = case.start_date
    case.start_date = new
    case.save(update_fields=["start_date"])
    for item in ChecklistItem.objects.filter(case=case, done_at__isnull=True):
        item.due_date = new + dt.timedelta(days=item.due_days)
        item.reminders_sent = 0
        item.save(update_fields=["due_date", "reminders_sent"])
    audit_record(actor=actor, action="onboarding.case.reschedule", obj=case,
                 changes={"start_date": [str(before), str(new)]})


@transaction.atomic
def onboarding_case_cancel(*, actor, case_id: int, reason: str) -> OnboardingCase:
    """The hire will not start (withdrew, no-show): the case closes and the attendance account is revoked."""
    _require(actor, "onboarding.change_onboardingcase")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason.")]})
    require_visible(OnboardingCase, actor, case_id)
    case = OnboardingCase.objects.select_for_update().get(pk=case_id)
    if case.state != CaseState.OPEN:
        raise Conflict(_("The case is closed already."))
    case.state, case.cancel_reason = CaseState.CANCELLED, reason[:300]
    case.save(update_fields=["state", "cancel_reason"])
    audit_record(actor=actor, action="onboarding.case.cancel", obj=case, reason=reason)
    from attendance.services import attendance_account_revoke  # noqa: PLC0415

    attendance_account_revoke(actor=actor, offer_id=case.offer_id, reason=reason)
    return case


def _complete(item, *, by, note=""):
    if item.done_at is not None:
        return item
    item.done_at, item.done_by, item.note = timezone.now(), by[:150], (note or "")[:2000]
    item.save(update_fields=["done_at", "done_by", "note"])
    audit_record(actor=by, action="onboarding.checklist.done", obj=item.case, changes={"item": [None, item.title]})
    return item


@transaction.atomic
def checklist_item_complete(*, actor, item_id: int, note: str = "") -> ChecklistItem:
    """Staff tick a checklist item: its owner always may (a manager handing out the badge), others need the
    permission and the case in their scope (R-ONB-2)."""
    user = _user(actor)
    if user is not None:
        get_for_user_or_404(ChecklistItem, user, pk=item_id)
        if not ChecklistItem.objects.filter(pk=item_id, owner=user).exists():
            _require(actor, "onboarding.change_checklistitem")
    item = ChecklistItem.objects.select_for_update(of=("self",)).select_related("case").get(pk=item_id)
    return _complete(item, by=_actor_label(actor), note=note)


@transaction.atomic
def checklist_item_complete_by_candidate(*, candidate_id: int, item_id: int, note: str = "") -> ChecklistItem:
    """The new hire ticks one of their own items in the portal; anyone else's item is a 404 (R-ONB-2)."""
    item = (ChecklistItem.objects.select_for_update(of=("self",)).select_related("case")
            .filter(pk=item_id, case__candidate_id=candidate_id, owner_role=OwnerRole.CANDIDATE).first())
    if item is None:
        raise Http404
    return _complete(item, by=f"candidate:{candidate_id}", note=note)


def checklist_remind_due(*, now: dt.datetime, batch: int = 200) -> dict:
    """Sweep: owners of open items are reminded ``ONBOARDING_REMIND_DAYS_BEFORE`` (2) days before the due date and
    once more when overdue, through the outbox (R-ONB-2)."""
    from django.db.models import Q  # noqa: PLC0415

    today = _today(now)
    before = int(_setting("ONBOARDING_REMIND_DAYS_BEFORE", 2))
    ids = list(ChecklistItem.objects.filter(done_at__isnull=True, case__state=CaseState.OPEN)
               .filter(Q(reminders_sent=0, due_date__lte=today + dt.timedelta(days=before))
                       | Q(reminders_sent=1, due_date__lt=today))
               .values_list("pk", flat=True)[:batch])
    sent = 0
    for item_id in ids:
        with transaction.atomic():
            item = (ChecklistItem.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("case__candidate", "case__department", "owner").filter(pk=item_id).first())
            if item is None or item.done_at is not None:
                continue
            item.reminders_sent += 1
            item.last_reminded_at = now
            item.save(update_fields=["reminders_sent", "last_reminded_at"])
            overdue = item.due_date < today
            key = f"onboarding:item:{item.pk}:due{item.due_date.isoformat()}:r{item.reminders_sent}"
            related = ("onboarding.onboardingcase", item.case_id)
            if item.owner_role == OwnerRole.CANDIDATE:
                candidate = item.case.candidate
                context = {"task_title": item.title, "due_date": item.due_date.isoformat(), "overdue": overdue,
                           "portal_url": f"{settings.PUBLIC_BASE_URL}/portal/onboarding/",
                           "organization_name": item.case.department.organization().name}
                for channel in ("sms", "email"):
                    _notify(candidate.as_recipient(), channel=channel, template_key="onboarding_task_reminder",
                            context=context, key=f"{key}:{channel}", department=item.case.department,
                            related=related)
            elif item.owner is not None:
                with translation.override(item.owner.preferred_language or "zh-hans"):
                    title = _("Onboarding task overdue") if overdue else _("Onboarding task due")
                    message = _("%(n)s starts on %(s)s: %(t)s (due %(d)s).") % {
                        "n": item.case.candidate.name, "s": item.case.start_date.isoformat(), "t": item.title,
                        "d": item.due_date.isoformat()}
                for channel in ("in_app", "email"):
                    _notify(Recipient.for_user(item.owner), channel=channel, template_key="generic_alert",
                            context={"title": title, "message": message,
                                     "url": f"{settings.PUBLIC_BASE_URL}/admin/onboarding/onboardingcase/"
                                            f"{item.case_id}/change/"},
                            key=f"{key}:{channel}", department=item.case.department, related=related)
            sent += 1
    return {"reminded": sent}


# -- the employee file (R-ONB-1, R-AI-4, R-HOSP-1) ------------------------------------------------------------

def _credentials(candidate, day) -> list[dict]:
    return [{"credential_id": c.pk, "type": c.type, "issuer": c.issuer,
             "expires_on": c.expires_on.isoformat() if c.expires_on else None, "valid_on_start": c.is_valid_on(day)}
            for c in candidate.credentials.all().order_by("type", "-expires_on")]


def _feedback(application) -> list[dict]:
    from interviews.models import InterviewFeedback  # noqa: PLC0415

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
    from interviews.ai.selectors import ai_result_summary  # noqa: PLC0415

    _require(actor, "onboarding.add_employee")
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
    from attendance.models import AttendanceAccount  # noqa: PLC0415
    from candidates.services import application_transition  # noqa: PLC0415

    AttendanceAccount.objects.filter(offer=offer).update(employee=employee)
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
        _notify(Recipient.for_user(person), channel="in_app", template_key="generic_alert",
                context={"title": title, "message": message, "url": ""},
                key=f"onboarding:case:{case.pk}:blocked:{person.pk}", department=case.department,
                related=("onboarding.onboardingcase", case.pk))


@transaction.atomic
def employee_exit(*, actor, employee_id: int, last_day, reason: str, note: str = "") -> Employee:
    """An employee leaves: the last working day and the attrition reason are recorded (the AI interview data stays
    linked for question-bank analysis) and the attendance account closes after the last day (R-ATT-5)."""
    _require(actor, "onboarding.change_employee")
    errors = {}
    if reason not in AttritionReason.values:
        errors["reason"] = [_("Choose a reason for leaving.")]
    try:
        last = last_day if isinstance(last_day, dt.date) else dt.date.fromisoformat(str(last_day))
    except ValueError:
        errors["last_day"] = [_("Enter a date as YYYY-MM-DD.")]
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
    from attendance.models import AttendanceAccount  # noqa: PLC0415
    from attendance.services import attendance_account_close  # noqa: PLC0415

    for account_id in AttendanceAccount.objects.filter(employee=employee).values_list("pk", flat=True):
        attendance_account_close(actor=actor, account_id=account_id, last_day=last, reason=reason)
    return employee
