"""Onboarding cases and their checklists (R-ONB-1, R-ONB-2, R-ATT-1, R-ATT-2, R-HOSP-1).

* ``onboarding_case_open`` -- the accepted offer opens the case and its checklist (owners, due dates).
* ``onboarding_case_reschedule`` -- HR moves the start date; ``onboarding_case_follow_start_date`` -- the case and
  its due dates follow the clock-in account's date.
* ``onboarding_case_cancel`` -- the hire will not start.
* ``checklist_item_complete`` (staff) / ``checklist_item_complete_by_candidate`` (portal).
* sweep ``checklist_remind_due`` -- reminders to item owners through the outbox.

Attendance (a later stage) hears of the case through ``onboarding.signals`` and is never imported here; the
employee file is created from the case by ``employees.services.employee_create``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.selectors import responsible_hr
from hrsys.accounts.models import Role, User
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.accounts.selectors import department_managers
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible
from hrsys.core.actors import staff_user as _user
from notifications.services import notification_create
from notifications.types import Recipient

from .. import signals
from ..models import (
    CaseState,
    ChecklistCategory,
    ChecklistItem,
    ChecklistTemplate,
    Offer,
    OfferState,
    OnboardingCase,
    OwnerRole,
)
from ._common import _setting

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
    """An accepted offer opens the onboarding case with its checklist (owners, due dates); attendance schedules
    the clock-in account for the start date (``signals.case_opened``), with no HR action (R-ONB-1, R-ONB-2,
    R-ATT-1). Idempotent."""
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
    signals.case_opened.send(sender=OnboardingCase, case=case, offer_id=offer.pk, actor=actor)
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
    if case.state != CaseState.OPEN:
        raise Conflict(_("The new hire has started already; the start date cannot move."))
    # the later stages answer: the employee file refuses once the new hire started (409); attendance validates
    # the date, moves the account and sends the notices, and the case follows it (onboarding_case_follow_start_date)
    signals.case_reschedule_requested.send(sender=OnboardingCase, case=case, offer_id=case.offer_id,
                                           start_date=start_date, actor=actor)
    case.refresh_from_db()
    return case


def onboarding_case_follow_start_date(*, offer_id: int, new: dt.date, actor) -> None:
    """The clock-in account of the offer moved to ``new`` (``attendance_account_reschedule``, inside its
    transaction): the case and its open items' due dates follow, their reminders start again (R-ATT-2)."""
    case = OnboardingCase.objects.select_for_update().filter(offer_id=offer_id).first()
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
    """The hire will not start (withdrew, no-show): the case closes; attendance revokes the account
    (``signals.case_cancelled``)."""
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
    signals.case_cancelled.send(sender=OnboardingCase, case=case, offer_id=case.offer_id, reason=reason, actor=actor)
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
