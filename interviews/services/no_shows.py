"""No-shows: the sweep that finds them, marking one, the follow-up (HR alert on urgent jobs, a backup, a
rebooking offer unless credentials block it) and HR's own handling (R-NS-5..R-NS-7, R-HOSP-1)."""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application, Priority
from candidates.models import State as AppState
from candidates.services import credential_problems_in_words
from hrsys.api.errors import Conflict
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible

from ..models import BOOKED_STATES, Interview, Kind, RebookingOffer, State
from ._common import _app_transition, _local, _lock_interview, _log, _move, _setting
from .backups import promote_backup
from .booking import interview_schedule
from .messages import _send_cancellations, alert_hr
from .rebooking import rebooking_offer_create
from .reminders import _cancel_reminders

NO_SHOW_GRACE_MINUTES = 120


def no_show_grace() -> timedelta:
    return timedelta(minutes=_setting("INTERVIEWS_NO_SHOW_GRACE_MINUTES", NO_SHOW_GRACE_MINUTES))


def detect_no_shows(*, now: datetime, batch: int = 200) -> dict:
    """The sweep: AI interviews past their deadline without completion, human rounds not marked attended
    within the grace period after their end, become no-shows (R-NS-5). Each in its own transaction."""
    marked = 0
    due_q = (
        Interview.objects.filter(state__in=BOOKED_STATES, kind=Kind.AI, deadline__lte=now)
        | Interview.objects.filter(state__in=BOOKED_STATES, kind=Kind.HUMAN, ends_at__lte=now - no_show_grace())
    )
    ids = list(due_q.order_by("starts_at").values_list("pk", flat=True)[:batch])
    for interview_id in ids:
        with transaction.atomic():
            row = (Interview.objects.select_for_update(skip_locked=True).filter(pk=interview_id,
                                                                                 state__in=BOOKED_STATES).first())
            if row is None:
                continue
            interview_mark_no_show(actor="hr_tick", interview_id=interview_id,
                                   reason=_("No attendance recorded by the deadline."))
            marked += 1
    return {"no_shows": marked}


@transaction.atomic
def interview_mark_no_show(*, actor, interview_id: int, reason: str = "") -> Interview:
    """Mark a no-show, sync the application and calendars, then start the follow-up (R-NS-5..7)."""
    _require(actor, "interviews.change_interview")
    require_visible(Interview, actor, interview_id)
    interview = _lock_interview(interview_id)
    if interview.state not in BOOKED_STATES:
        raise Conflict(_("This interview is %(state)s.") % {"state": interview.get_state_display()}, allowed=[])
    interview.no_show_at = timezone.now()
    _move(interview, "mark_no_show", actor=actor, reason=reason)
    _cancel_reminders(interview, reason="no-show")
    app = Application.objects.select_related("job").get(pk=interview.application_id)
    if interview.kind == Kind.AI and app.state == AppState.AI_INVITED:
        _app_transition(actor, app, "ai_no_show", reason=reason or _("AI interview not taken"))
    # Interviewers' calendars: the slot is off.
    _send_cancellations(interview, reason=_("the candidate did not attend"), to_candidate=False)
    _follow_up(interview, actor=actor)
    return interview


def _follow_up(interview, *, actor):
    job = interview.application.job
    candidate = interview.application.candidate
    if job.priority in (Priority.HIGH, Priority.URGENT):
        alert_hr(interview, key=f"interview:{interview.pk}:urgent-no-show", channels=("sms", "voice", "in_app"),
                 urgent=True,
                 title_fn=lambda: _("Urgent: no-show for %(job)s") % {"job": job.title},
                 message_fn=lambda: _("%(c)s missed the %(title)s at %(when)s for the %(priority)s job %(job)s.")
                 % {"c": candidate.name, "title": interview.title, "when": _local(interview.starts_at),
                    "priority": job.get_priority_display(), "job": job.title})
        promote_backup(interview=interview, actor=actor)
    app = Application.objects.select_related("job", "candidate").prefetch_related("candidate__credentials").get(
        pk=interview.application_id)
    problems = app.credential_problems()
    if problems and (interview.kind == Kind.HUMAN or "reinvite_ai" in (job.credential_checkpoints or [])):
        text = credential_problems_in_words(problems)
        RebookingOffer.objects.create(interview=interview, status=RebookingOffer.Status.BLOCKED,
                                      expires_at=timezone.now())
        _log(interview, actor=actor, kind="reinvite_blocked", detail={"credentials": problems})
        alert_hr(interview, key=f"interview:{interview.pk}:credentials", channels=("in_app", "email"),
                 title_fn=lambda: _("Re-invitation blocked: credentials"),
                 message_fn=lambda: _("%(c)s missed the interview for %(job)s and cannot be re-invited: %(p)s")
                 % {"c": candidate.name, "job": job.title, "p": text})
        return None
    return rebooking_offer_create(actor=actor, interview_id=interview.pk)


@transaction.atomic
def no_show_mark_handled(*, actor, interview_id: int) -> Interview:
    """HR took care of a no-show by hand: it leaves the to-do list (R-NS-6)."""
    _require(actor, "interviews.change_interview")
    require_visible(Interview, actor, interview_id)
    interview = _lock_interview(interview_id)
    if interview.state != State.NO_SHOW:
        raise Conflict(_("Only no-shows can be marked handled."), allowed=[])
    interview.follow_up_done_at = timezone.now()
    interview.save(update_fields=["follow_up_done_at"])
    _log(interview, actor=actor, kind="no_show_handled")
    return interview


def _lock_open_no_show(actor, interview_id) -> Interview:
    """The no-show whose follow-up HR is about to take over: in scope (404), locked, still open (409)."""
    require_visible(Interview, actor, interview_id)
    interview = _lock_interview(interview_id)
    if interview.state != State.NO_SHOW:
        raise Conflict(_("Only a no-show can be rebooked (this interview is %(state)s).")
                       % {"state": interview.get_state_display()}, allowed=[])
    if interview.follow_up_done_at is not None:
        raise Conflict(_("This no-show was handled already (rebooked, closed or moved to the talent pool)."),
                       allowed=[])
    return interview


@transaction.atomic
def no_show_rebook(*, actor, interview_id: int, starts_at: datetime) -> Interview:
    """HR books the new time of a missed interview, agreed with the candidate (on the phone, usually): the same
    round, interviewers, room and length, any free time (the offered slots or another). It replaces the open
    rebooking link (withdrawn: the candidate cannot book a second time), sends the invitation with its .ics and
    the reminders like every booking, and takes the no-show off the to-do list (R-NS-6, R-SCHED-5, R-UI-2)."""
    _require(actor, "interviews.change_interview")
    _require(actor, "interviews.add_interview")
    missed = _lock_open_no_show(actor, interview_id)
    app = Application.objects.select_related("job").prefetch_related("candidate__credentials").get(
        pk=missed.application_id)
    problems = app.credential_problems()
    if problems and (missed.kind == Kind.HUMAN or "reinvite_ai" in (app.job.credential_checkpoints or [])):
        raise Conflict(_("Not rebooked: the candidate's credentials do not allow it (%(problems)s).")
                       % {"problems": credential_problems_in_words(problems)}, allowed=[])
    interview = interview_schedule(
        actor=actor, application_id=missed.application_id, starts_at=starts_at, kind=missed.kind,
        round_id=missed.round_id,
        interviewer_ids=list(missed.interviewers.values_list("pk", flat=True)) if missed.kind == Kind.HUMAN else None,
        room_id=missed.room_id, meeting_url=missed.meeting_url, on_site=missed.on_site,
        duration_minutes=int((missed.ends_at - missed.starts_at).total_seconds() // 60), previous=missed)
    withdrawn = RebookingOffer.objects.filter(interview=missed, status=RebookingOffer.Status.OPEN).update(
        status=RebookingOffer.Status.WITHDRAWN)
    Interview.objects.filter(pk=missed.pk).update(follow_up_done_at=timezone.now())
    _log(missed, actor=actor, kind="rebooked_by_hr", detail={"interview": interview.pk,
                                                              "offers_withdrawn": withdrawn})
    return interview


@transaction.atomic
def no_show_rebooking_link_send(*, actor, interview_id: int) -> RebookingOffer:
    """HR sends the candidate a new rebooking link (SMS and e-mail, fresh free slots, a new expiry); the link sent
    before stops working (R-NS-6)."""
    _require(actor, "interviews.change_interview")
    missed = _lock_open_no_show(actor, interview_id)
    return rebooking_offer_create(actor=actor, interview_id=missed.pk)
