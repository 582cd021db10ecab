"""Probation reviews (R-ATT-4): reminders to the manager before the probation ends, and the decision (pass,
extend within six months in total, fail), audited."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.accounts.selectors import department_managers
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible as _visible
from hrsys.core.actors import staff_user as _user
from hrsys.core.timezones import local_today

from ..models import AccountState, ProbationDecision, ProbationReview
from ._common import _admin_url, _alert_staff, _setting, add_months, responsible_hr

MAX_PROBATION_MONTHS = 6  # PRC Labour Contract Law art. 19


def probation_remind_due(*, now: dt.datetime, batch: int = 200) -> dict:
    """Sweep: the department's manager is reminded of an undecided probation review
    ``ATTENDANCE_PROBATION_REMIND_DAYS`` (14) before it ends, and again on its last day (R-ATT-4)."""
    today = local_today(now)
    days = int(_setting("ATTENDANCE_PROBATION_REMIND_DAYS", 14))
    due = (ProbationReview.objects.filter(decision__in=["", ProbationDecision.EXTEND])
           .filter(account__state__in=[AccountState.ACTIVE, AccountState.SUSPENDED])
           .filter(Q(reminders_sent=0, ends_on__lte=today + dt.timedelta(days=days))
                   | Q(reminders_sent=1, ends_on__lte=today))
           .values_list("pk", flat=True)[:batch])
    sent = 0
    for review_id in list(due):
        with transaction.atomic():
            review = (ProbationReview.objects.select_for_update(skip_locked=True, of=("self",))
                      .select_related("account", "department").filter(pk=review_id).first())
            if review is None:
                continue
            number = review.reminders_sent + 1
            review.reminders_sent, review.last_reminded_at = number, now
            review.save(update_fields=["reminders_sent", "last_reminded_at"])
            people = department_managers(review.department) or responsible_hr(review.account)
            _alert_staff(people, key=f"attendance:probation:{review.pk}:e{review.extensions}:r{number}",
                         department=review.department, related=("attendance.probationreview", review.pk),
                         url=_admin_url(review), title_fn=lambda: _("Probation review due"),
                         message_fn=lambda r=review: _("The probation of %(n)s ends on %(d)s: please decide "
                                                       "(pass, extend or fail). Attendance and the AI interview "
                                                       "scores are on the review page.")
                         % {"n": r.account.holder_name, "d": r.ends_on.isoformat()})
            sent += 1
    return {"reminded": sent}


@transaction.atomic
def probation_decide(*, actor, review_id: int, decision: str, comment: str = "",
                     extend_months: int | None = None) -> ProbationReview:
    """Record the probation decision (pass / extend / fail), audited; an extension moves the end (the whole
    probation stays within six months) and the reminders start again (R-ATT-4)."""
    _require(actor, "attendance.change_probationreview")
    if decision not in ProbationDecision.values:
        raise ValidationError({"decision": [_("Choose pass, extend or fail.")]})
    comment = (comment or "").strip()
    if decision in (ProbationDecision.FAIL, ProbationDecision.EXTEND) and not comment:
        raise ValidationError({"comment": [_("Give the reason for this decision.")]})
    _visible(ProbationReview, actor, review_id)
    review = ProbationReview.objects.select_for_update(of=("self",)).select_related("account").get(pk=review_id)
    if review.decision in (ProbationDecision.PASS, ProbationDecision.FAIL):
        raise Conflict(_("The probation was decided already (%(d)s).") % {"d": review.get_decision_display()})
    before = {"decision": review.decision, "ends_on": str(review.ends_on)}
    if decision == ProbationDecision.EXTEND:
        months = int(extend_months or 1)
        new_end = add_months(review.ends_on + dt.timedelta(days=1), months) - dt.timedelta(days=1)
        if new_end >= add_months(review.starts_on, MAX_PROBATION_MONTHS):
            raise ValidationError({"extend_months": [_("Probation may not exceed six months in total.")]})
        review.ends_on, review.extensions, review.reminders_sent = new_end, review.extensions + 1, 0
    review.decision, review.comment = decision, comment[:4000]
    review.decided_by, review.decided_at = _user(actor), timezone.now()
    review.save()
    audit_record(actor=actor, action=f"attendance.probation.{decision}", obj=review,
                 changes={"decision": [before["decision"], decision], "ends_on": [before["ends_on"],
                                                                                  str(review.ends_on)]},
                 reason=comment)
    return review
