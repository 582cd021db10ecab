"""Booking an interview and its own life: schedule, move, cancel, confirmed, held, AI interview completed, and
the next round booked by itself (R-SCHED-1, R-SCHED-3..5, R-NS-1, R-NS-5, R-PIPE-2, R-PIPE-3).

Double booking is prevented in the database transaction: a booking locks the candidate row and every
interviewer's ``InterviewerProfile`` row and room row (``select_for_update``, fixed order, so no deadlock),
then checks overlaps and inserts. A second scheduler waits on the lock and sees the first one's interview
when it checks.
"""

import logging
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.consent import consent_required
from candidates.models import Application, Candidate, InterviewRound, Purpose
from candidates.models import State as AppState
from hrsys.api.errors import Conflict
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible
from hrsys.core.actors import staff_user as _user

from .. import availability, ics
from ..models import ACTIVE_STATES, BOOKED_STATES, Interview, InterviewerProfile, Kind, Room, State
from ..scheduling import Request, Timeline
from ._common import AI_DEADLINE_HOURS, User, _app_transition, _lock_interview, _log, _move, _setting
from .messages import _send_cancellations, _send_invitations, _staff_message
from .reminders import _cancel_reminders, _plan_reminders

logger = logging.getLogger(__package__)  # one logger for the package, named as before the split


DEFAULT_AI_MINUTES = 30
#: An open AI invitation starts "now"; this much slack lets the moment the caller took pass the check.
OPEN_WINDOW_SLACK = timedelta(minutes=1)
#: A next round booked by itself gives the candidate a day's notice (or the lead time, when longer).
NEXT_ROUND_NOTICE = timedelta(hours=24)


def _lock_people(candidate_id, user_ids, room_id):
    """Lock the candidate, the interviewers' profiles and the room, always in the same order."""
    Candidate.objects.select_for_update().filter(pk=candidate_id).first()
    for uid in sorted(user_ids):
        if not InterviewerProfile.objects.filter(user_id=uid).exists():
            try:
                with transaction.atomic():
                    InterviewerProfile.objects.create(user_id=uid)
            except IntegrityError:
                pass  # created by a concurrent booking: lock theirs
    list(InterviewerProfile.objects.select_for_update().filter(user_id__in=sorted(user_ids)).order_by("user_id"))
    if room_id:
        list(Room.objects.select_for_update().filter(pk=room_id))


def _availability_problems(*, user_ids, room_id, candidate_id, start, end, exclude_ids=()) -> list[str]:
    engine = availability.build_engine(user_ids=user_ids, room_ids=[room_id] if room_id else [],
                                       start=start - timedelta(hours=12), end=end + timedelta(hours=12),
                                       exclude_interview_ids=exclude_ids)
    problems = []
    day = engine.day_of(start)
    for uid in sorted(user_ids):
        res = engine.resources.get(uid)
        why = res.why_not(start, end, day) if res else "unknown_interviewer"
        if why:
            name = res.name if res else str(uid)
            problems.append({
                "no_working_time": _("%(name)s does not work at that time (working hours, holiday or weekend).")
                % {"name": name},
                "daily_limit": _("%(name)s already has the most interviews allowed that day.") % {"name": name},
                "interviewer_busy": _("%(name)s is busy or booked at that time (buffer included).") % {"name": name},
            }.get(why, _("%(name)s is not available.") % {"name": name}))
    if room_id:
        res = engine.resources.get(("room", room_id))
        if res is None or res.why_not(start, end, day):
            problems.append(_("The room is booked at that time."))
    busy = Timeline(availability.candidate_busy(candidate_id, exclude_interview_ids=exclude_ids))
    if busy.first_conflict(start, end):
        problems.append(_("The candidate has another interview at that time."))
    return problems


def _clean_interviewers(actor, interviewer_ids, round_obj) -> list:
    if interviewer_ids is None:
        return list(round_obj.interviewers.filter(is_active=True)) if round_obj else []
    if not isinstance(interviewer_ids, list | tuple) or not all(isinstance(i, int) for i in interviewer_ids):
        raise ValidationError({"interviewers": [_("Give a list of user ids.")]})
    user = _user(actor)
    known = {u.pk: u for u in User.objects.filter(pk__in=interviewer_ids, is_active=True)}
    visible = set(User.objects.for_user(user).filter(pk__in=interviewer_ids).values_list("pk", flat=True)) \
        if user is not None else set(known)
    errors = []
    for uid in interviewer_ids:
        if uid not in known:
            errors.append(_("User %(id)s is not an active user.") % {"id": uid})
        elif uid not in visible:
            errors.append(_("%(name)s belongs to a department you may not schedule.") % {"name": known[uid]})
    if errors:
        raise ValidationError({"interviewers": errors})
    return [known[i] for i in dict.fromkeys(interviewer_ids)]


def _sync_application_on_booking(actor, interview, *, reinvite=False):
    """A booked interview moves the application to the matching stage (R-PIPE-2)."""
    app = Application.objects.get(pk=interview.application_id)
    if interview.kind == Kind.AI:
        if app.state == AppState.SCREENING:
            _app_transition(actor, app, "invite_ai")
        elif app.state == AppState.AI_NO_SHOW:
            _app_transition(actor, app, "reinvite_ai", reason=_("Rebooked after a missed AI interview"))
    elif app.state in (AppState.SCREENING, AppState.AI_COMPLETED, AppState.AI_REVIEW):
        _app_transition(actor, app, "advance_to_interview")


@transaction.atomic
def interview_schedule(*, actor, application_id: int, starts_at: datetime, kind: str = Kind.HUMAN,
                       round_id: int | None = None, interviewer_ids=None, room_id: int | None = None,
                       meeting_url: str = "", on_site: bool = False, duration_minutes: int | None = None,
                       deadline: datetime | None = None, previous: Interview | None = None,
                       sequence: int = 0, ical_uid: str = "", check_availability: bool = True,
                       vendor_reference: str = "", open_window: bool = False) -> Interview:
    """Book an AI interview or a human round without double-booking anyone (R-SCHED-1, R-SCHED-3, R-SCHED-4).

    Locks the candidate, interviewers and room, checks working time, busy blocks,
    daily limits, buffers and other interviews, then creates the interview in
    ``scheduled``, moves the application, sends the .ics invitations and plans the
    reminders. Bad input raises ValidationError before anything is written.
    """
    _require(actor, "interviews.add_interview")
    user = _user(actor)
    errors: dict[str, list] = {}
    apps = Application.objects.for_user(user) if user is not None else Application.objects.all()
    app = apps.select_related("job", "candidate").filter(pk=application_id).first() \
        if isinstance(application_id, int) else None
    if app is None:
        raise ValidationError({"application": [_("Unknown application.")]})
    if kind not in Kind.values:
        errors["kind"] = [_("Unknown interview kind.")]
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        errors["starts_at"] = [_("Give the start with its time zone.")]
    elif open_window and (kind != Kind.AI or deadline is None):
        errors["deadline"] = [_("An AI interview open until a deadline needs the deadline.")]
    elif starts_at <= timezone.now() - (OPEN_WINDOW_SLACK if open_window else timedelta(0)):
        errors["starts_at"] = [_("The start is in the past.")]
    round_obj = None
    if kind == Kind.HUMAN:
        round_obj = InterviewRound.objects.filter(pk=round_id, job_id=app.job_id).first() if round_id else None
        if round_obj is None:
            errors["round"] = [_("Choose a round of this job's interview plan.")]
    if app.state in (AppState.REJECTED, AppState.WITHDRAWN, AppState.TALENT_POOL, AppState.HIRED,
                     AppState.EMPLOYEE):
        errors["application"] = [_("The application is closed (%(stage)s).") % {"stage": app.get_state_display()}]
    room = None
    if room_id is not None:
        rooms = Room.objects.for_user(user) if user is not None else Room.objects.all()
        room = rooms.filter(pk=room_id).first()
        if room is None:
            errors["room"] = [_("Unknown room.")]
    try:
        people = _clean_interviewers(actor, interviewer_ids, round_obj) if kind == Kind.HUMAN else []
    except ValidationError as exc:
        errors.update(exc.message_dict)
        people = []
    if kind == Kind.HUMAN and not people and "interviewers" not in errors and "round" not in errors:
        errors["interviewers"] = [_("The round has no interviewers; choose at least one.")]
    if meeting_url and not str(meeting_url).startswith(("https://", "http://")):
        errors["meeting_url"] = [_("Enter a web address.")]
    if errors:
        raise ValidationError(errors)
    if kind == Kind.AI:  # recorded: booked, moved or rebooked only while the candidate agrees (R-SEC-5)
        consent_required(application=app, purpose=Purpose.AI_RECORDING)
    minutes = duration_minutes or (round_obj.duration_minutes if round_obj else DEFAULT_AI_MINUTES)
    ends_at = starts_at + timedelta(minutes=minutes)
    user_ids = [p.pk for p in people]
    _lock_people(app.candidate_id, user_ids, room.pk if room else None)
    if check_availability:
        exclude = [previous.pk] if previous is not None else []
        problems = _availability_problems(user_ids=user_ids, room_id=room.pk if room else None,
                                          candidate_id=app.candidate_id, start=starts_at, end=ends_at,
                                          exclude_ids=exclude) if kind == Kind.HUMAN else \
            ([_("The candidate has another interview at that time.")]
             if Timeline(availability.candidate_busy(app.candidate_id, exclude_interview_ids=exclude))
             .first_conflict(starts_at, ends_at) else [])
        if problems:
            raise ValidationError({"starts_at": problems})
    if kind == Kind.AI:
        deadline = deadline or ends_at + timedelta(hours=_setting("INTERVIEWS_AI_DEADLINE_HOURS", AI_DEADLINE_HOURS))
    interview = Interview(application=app, kind=kind, round=round_obj, starts_at=starts_at, ends_at=ends_at,
                          deadline=deadline, room=room, meeting_url=meeting_url or "", on_site=on_site or bool(room),
                          previous=previous, sequence=sequence, ical_uid=ical_uid, created_by=user,
                          open_until_deadline=open_window,
                          vendor_reference=vendor_reference or (previous.vendor_reference if previous else ""))
    interview.save()
    interview.interviewers.set(people)
    _log(interview, actor=actor, kind="create", to_state=interview.state,
         detail={"starts_at": starts_at.isoformat(), "interviewers": user_ids, "room": room.pk if room else None,
                 "previous": previous.pk if previous else None})
    _move(interview, "schedule", actor=actor)
    _sync_application_on_booking(actor, interview)
    _send_invitations(interview, update=sequence > 0, calendar=not open_window)
    _plan_reminders(interview, anchor=interview.deadline if open_window else interview.starts_at)
    return interview


@transaction.atomic
def interview_reschedule(*, actor, interview_id: int, starts_at: datetime, interviewer_ids=None,
                         room_id=None, on_site: bool | None = None, reason: str = "") -> Interview:
    """Move an interview: a new row with the same calendar UID and SEQUENCE + 1 replaces the old one;
    the old reminders are cancelled and new ones planned (R-SCHED-4, R-SCHED-5, R-NS-1)."""
    _require(actor, "interviews.change_interview")
    require_visible(Interview, actor, interview_id)
    old = _lock_interview(interview_id)
    if old.state not in ACTIVE_STATES:
        raise Conflict(_("Only a proposed, scheduled or confirmed interview can be moved (it is %(state)s).")
                       % {"state": old.get_state_display()}, allowed=[])
    new = interview_schedule(
        actor=actor, application_id=old.application_id, starts_at=starts_at, kind=old.kind, round_id=old.round_id,
        interviewer_ids=interviewer_ids if interviewer_ids is not None else list(
            old.interviewers.values_list("pk", flat=True)) if old.kind == Kind.HUMAN else None,
        room_id=room_id if room_id is not None else old.room_id, meeting_url=old.meeting_url,
        on_site=old.on_site if on_site is None else on_site,
        duration_minutes=int((old.ends_at - old.starts_at).total_seconds() // 60), previous=old,
        sequence=old.sequence + 1, ical_uid=old.ical_uid,
        # the vendor's deadline stays while the new time is before it (it is the link's expiry, too)
        deadline=old.deadline if old.kind == Kind.AI and old.deadline and old.deadline > starts_at else None)
    _cancel_reminders(old, reason="rescheduled")
    _move(old, "replace", actor=actor, detail={"replaced_by": new.pk}, reason=reason)
    removed = set(old.interviewers.values_list("pk", flat=True)) - set(new.interviewers.values_list("pk", flat=True))
    if removed:  # people no longer on the event get a CANCEL for it
        for person in User.objects.filter(pk__in=removed):
            _staff_message(old, person, key=f"interview:{old.pk}:v{old.sequence}:removed:{person.pk}",
                           attachments=[("cancel.ics", ics.cancellation(old, sequence=new.sequence),
                                         "text/calendar; method=CANCEL")],
                           subject_fn=lambda: _("Interview cancelled for you"),
                           message_fn=lambda: _("You are no longer needed at this interview."))
    return new


@transaction.atomic
def interview_cancel(*, actor, interview_id: int, reason: str) -> Interview:
    """Cancel: reminders cancelled, METHOD:CANCEL to candidate and interviewers (R-SCHED-4)."""
    _require(actor, "interviews.change_interview")
    require_visible(Interview, actor, interview_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give a reason for the cancellation.")]})
    interview = _lock_interview(interview_id)
    if interview.state not in ACTIVE_STATES:
        raise Conflict(_("This interview is %(state)s already.") % {"state": interview.get_state_display()},
                       allowed=[])
    interview.cancelled_at = timezone.now()
    interview.cancel_reason = reason
    _move(interview, "cancel", actor=actor, reason=reason)
    _cancel_reminders(interview, reason="cancelled")
    _send_cancellations(interview, reason=reason)
    return interview


@transaction.atomic
def interview_confirm(*, interview_id: int, actor="candidate", channel: str = "portal") -> Interview:
    """The candidate confirmed they will come (R-NS-1 confirmation requests)."""
    interview = _lock_interview(interview_id)
    if interview.state == State.CONFIRMED:
        return interview
    if interview.state != State.SCHEDULED:
        raise Conflict(_("This interview can no longer be confirmed (it is %(state)s).")
                       % {"state": interview.get_state_display()}, allowed=[])
    interview.confirmed_at = timezone.now()
    _move(interview, "confirm", actor=actor, detail={"channel": channel})
    return interview


@transaction.atomic
def interview_mark_attended(*, actor, interview_id: int) -> Interview:
    """The interviewer (or HR) marks a human round as held (R-NS-5: what the no-show sweep waits for)."""
    require_visible(Interview, actor, interview_id)
    interview = _lock_interview(interview_id)
    user = _user(actor)
    if user is not None and not user.has_perm("interviews.change_interview") \
            and not interview.interviewers.filter(pk=user.pk).exists():
        raise PermissionDenied("interviews.change_interview")
    if interview.kind == Kind.AI:
        raise ValidationError({"kind": [_("AI interviews are completed by the vendor's report.")]})
    if interview.state not in BOOKED_STATES:
        raise Conflict(_("This interview is %(state)s.") % {"state": interview.get_state_display()}, allowed=[])
    if interview.starts_at > timezone.now():
        raise ValidationError({"attended_at": [_("The interview has not started yet.")]})
    interview.attended_at = timezone.now()
    _move(interview, "complete", actor=actor)
    _cancel_reminders(interview, reason="held")
    return interview


@transaction.atomic
def interview_ai_completed(*, interview_id: int | None = None, vendor_reference: str | None = None,
                           application_id: int | None = None,
                           result: dict | None = None, actor="vendor") -> Interview:
    """Hook for AI-interview ingestion: the vendor reported completion (R-AI-1, R-NS-5).

    Moves the interview to completed and the application to ai_completed. ``result``
    (a summary: overall score, dimensions, preferences) is kept for next-round interviewers.
    """
    qs = Interview.objects.filter(kind=Kind.AI)
    qs = qs.filter(pk=interview_id) if interview_id is not None else qs.filter(vendor_reference=vendor_reference)
    if application_id is not None:  # assessment ids are unique per vendor only
        qs = qs.filter(application_id=application_id)
    found = qs.order_by("-pk").values_list("pk", flat=True).first()
    if found is None:
        raise Http404
    interview = _lock_interview(found)
    if interview.state == State.COMPLETED:
        return interview
    if interview.state not in BOOKED_STATES and interview.state != State.NO_SHOW:
        raise Conflict(_("This interview is %(state)s.") % {"state": interview.get_state_display()}, allowed=[])
    interview.attended_at = timezone.now()
    interview.ai_result = result or {}
    if interview.state == State.NO_SHOW:
        # A late completion the vendor reports after the sweep: the result counts; the no-show stands in history.
        _log(interview, actor=actor, kind="late_completion", detail={"result": bool(result)})
        interview.save(update_fields=["attended_at", "ai_result"])
        return interview
    _move(interview, "complete", actor=actor)
    _cancel_reminders(interview, reason="completed")
    app = Application.objects.get(pk=interview.application_id)
    if app.state == AppState.AI_INVITED:
        _app_transition(actor, app, "ai_complete")
    return interview


def interview_next_round_start(*, actor, application_id: int, days: int = 10) -> Interview | None:
    """Book the application's next human round in the first slot every interviewer of that round has
    free (R-PIPE-3: a passed AI interview starts scheduling by itself; R-SCHED-1).

    Returns None when the job has no further round or nobody is free within ``days``; the
    application then waits in its stage and HR schedules by hand (it shows as stuck on the dashboard).
    The start is the engine's, so it is on the 5-minute grid, a day ahead at least (issue 18 item 3).
    """
    app = Application.objects.select_related("job").get(pk=application_id)
    done = set(Interview.objects.filter(application=app, state__in=(State.COMPLETED, State.SCHEDULED,
                                                                     State.CONFIRMED))
               .exclude(round_id=None).values_list("round_id", flat=True))
    round_obj = app.job.rounds.exclude(pk__in=done).order_by("order").first()
    if round_obj is None:
        return None
    user_ids = sorted(round_obj.interviewers.values_list("pk", flat=True))
    if not user_ids:
        return None
    start = availability.earliest_start(notice=NEXT_ROUND_NOTICE)
    engine = availability.build_engine(user_ids=user_ids, start=start, end=start + timedelta(days=days))
    request = Request(id=app.pk, duration=timedelta(minutes=round_obj.duration_minutes), required=tuple(user_ids),
                      candidate_busy=availability.candidate_busy(app.candidate_id))
    found = engine.propose(request, limit=1)
    if not found:
        logger.info("no free slot for the next round of application %s within %s days", app.pk, days)
        return None
    return interview_schedule(actor=actor, application_id=app.pk, starts_at=found[0].start,
                              round_id=round_obj.pk, interviewer_ids=user_ids)
