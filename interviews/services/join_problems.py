"""The candidate could not join (network, device, link ...): the report, HR's alert and HR's answer (R-NS-8)."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user

from ..models import ACTIVE_STATES, Interview, JoinProblem, Kind, State
from ._common import _lock_interview, _log, _move
from .booking import interview_reschedule, interview_schedule
from .messages import alert_hr
from .rebooking import rebooking_offer_create
from .reminders import _cancel_reminders


@transaction.atomic
def interview_report_could_not_join(*, interview_id: int, reason: str, detail: str = "",
                                    channel: str = "portal") -> JoinProblem:
    """The candidate could not join (network, device, link ...): recorded, HR alerted at once (R-NS-8)."""
    if reason not in JoinProblem.Reason.values:
        raise ValidationError({"reason": [_("Choose one of: %(options)s.") % {"options": ", ".join(
            JoinProblem.Reason.values)}]})
    if len(detail or "") > 2000:
        raise ValidationError({"detail": [_("At most 2000 characters.")]})
    interview = _lock_interview(interview_id)
    if interview.state in (State.CANCELLED, State.RESCHEDULED, State.COMPLETED):
        raise Conflict(_("This interview is %(state)s.") % {"state": interview.get_state_display()}, allowed=[])
    problem = JoinProblem.objects.create(interview=interview, reason=reason, detail=detail or "", channel=channel)
    _log(interview, actor="candidate", kind="could_not_join", detail={"reason": reason, "channel": channel})
    candidate = interview.application.candidate
    label = problem.get_reason_display()
    alert_hr(interview, key=f"interview:{interview.pk}:join-problem:{problem.pk}", channels=("in_app", "sms"),
             urgent=True,
             title_fn=lambda: _("Candidate could not join"),
             message_fn=lambda: _("%(c)s could not join the %(title)s for %(job)s: %(reason)s. Offer help, a new "
                                  "slot or an on-site interview.")
             % {"c": candidate.name, "title": interview.title, "job": interview.application.job.title,
                "reason": label})
    return problem


@transaction.atomic
def join_problem_resolve(*, actor, problem_id: int, resolution: str, starts_at: datetime | None = None,
                         room_id: int | None = None) -> JoinProblem:
    """HR answers a could-not-join report: new slots offered to pick, or an on-site interview booked (R-NS-8)."""
    _require(actor, "interviews.change_interview")
    user = _user(actor)
    qs = JoinProblem.objects.for_user(user) if user is not None else JoinProblem.objects.all()
    problem = qs.select_for_update(of=("self",)).filter(pk=problem_id).first()
    if problem is None:
        raise Http404
    if problem.resolution:
        raise Conflict(_("This report was answered already."), allowed=[])
    if resolution not in (JoinProblem.Resolution.NEW_SLOT, JoinProblem.Resolution.ON_SITE,
                          JoinProblem.Resolution.HELPED):
        raise ValidationError({"resolution": [_("Choose new_slot, on_site or helped.")]})
    interview = _lock_interview(problem.interview_id)
    if resolution == JoinProblem.Resolution.ON_SITE:
        if starts_at is None:
            raise ValidationError({"starts_at": [_("Give the time of the on-site interview.")]})
        if interview.state in ACTIVE_STATES:
            interview_reschedule(actor=actor, interview_id=interview.pk, starts_at=starts_at, room_id=room_id,
                                 on_site=True, reason=_("On site after a technical problem"))
        else:
            new = interview_schedule(
                actor=actor, application_id=interview.application_id, starts_at=starts_at, kind=interview.kind,
                round_id=interview.round_id, room_id=room_id, on_site=True, previous=interview,
                interviewer_ids=list(interview.interviewers.values_list("pk", flat=True))
                if interview.kind == Kind.HUMAN else None)
            Interview.objects.filter(pk=interview.pk).update(follow_up_done_at=timezone.now())
            _log(interview, actor=actor, kind="on_site_booked", detail={"interview": new.pk})
    elif resolution == JoinProblem.Resolution.NEW_SLOT:
        if interview.state in ACTIVE_STATES:
            interview.cancelled_at = timezone.now()
            interview.cancel_reason = "technical problem"
            _move(interview, "cancel", actor=actor, reason="technical problem")
            _cancel_reminders(interview, reason="technical problem")
        rebooking_offer_create(actor=actor, interview_id=interview.pk)
    problem.resolution = resolution
    problem.resolved_at = timezone.now()
    problem.resolved_by = user
    problem.save(update_fields=["resolution", "resolved_at", "resolved_by"])
    audit_record(actor=actor, action="interview.join_problem_resolve", obj=problem,
                 changes={"resolution": ["", resolution]})
    return problem
