"""Every write of the interviews app (R-SCHED-1..5, R-NS-1, R-NS-3, R-NS-5..9, R-HOSP-1, R-PIPE-7).

Public services other apps call
-------------------------------
* ``interview_schedule`` / ``interview_reschedule`` / ``interview_cancel`` -- HR and the engine.
* ``interview_confirm`` -- the candidate confirmed (link, portal, keypress 1).
* ``interview_mark_attended`` -- the interviewer marks a human round held.
* ``interview_ai_completed(*, interview_id=None, vendor_reference=None, result=None, actor="vendor")``
  -- the hook AI-interview ingestion calls when a vendor reports completion.
* ``interview_mark_no_show`` -- the sweep (or HR) marks a no-show and starts the follow-up.
* ``interview_report_could_not_join`` -- the candidate reports a technical problem (portal, reminder link).
* ``rebooking_book`` -- the candidate picks an offered slot with the signed link.
* ``feedback_save`` / ``feedback_submit`` -- an interviewer's scorecard (draft, then submitted);
  ``feedback_reminders_send`` -- the sweep reminding interviewers 2 hours after the end.
* ``busy_block_create`` / ``busy_blocks_import_ics`` -- interviewers' busy time.
* ``batch_schedule_start`` / ``batch_schedule_run`` -- batch scheduling.

Double booking is prevented in the database transaction: a booking locks the
candidate row and every interviewer's ``InterviewerProfile`` row and room row
(``select_for_update``, fixed order, so no deadlock), then checks overlaps and
inserts. A second scheduler waits on the lock and sees the first one's
interview when it checks.

Messages go through the notifications outbox only, created in the same
transaction; their idempotency keys are ``interview:<id>:v<sequence>:<step>:<channel>``
so a reschedule (new row, higher sequence) never re-uses or revives a stale reminder.
"""

import functools
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from candidates.models import Application, Candidate, InterviewRound, Priority, TalentPoolEntry
from candidates.models import State as AppState
from candidates.selectors import responsible_hr
from candidates.services import credential_problems_in_words
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible
from hrsys.core.actors import staff_user as _user
from notifications.services import notification_cancel, notification_create
from notifications.types import Recipient

from . import availability, ics, tokens
from .models import (
    ACTIVE_STATES,
    BOOKED_STATES,
    DEFAULT_STEPS,
    FEEDBACK_LEVELS,
    BatchRun,
    BusyBlock,
    FeedbackReminder,
    Interview,
    InterviewerProfile,
    InterviewEvent,
    InterviewFeedback,
    JoinProblem,
    Kind,
    RebookingOffer,
    Recommendation,
    ReminderPolicy,
    Room,
    State,
    scorecard_dimensions,
)
from .scheduling import Request, Timeline

logger = logging.getLogger(__name__)
User = get_user_model()

RELATED = "interviews.interview"
DEFAULT_AI_MINUTES = 30
AI_DEADLINE_HOURS = 24
REBOOK_SLOT_TIMES = ((9, 0), (14, 0))
REBOOK_DAYS = 3
REBOOK_ANSWER_HOURS = 48
NO_SHOW_GRACE_MINUTES = 120


def _setting(name, default):
    return getattr(settings, name, default)


# -- helpers ----------------------------------------------------------------------------------------



def _label(actor) -> str:
    user = _user(actor)
    return user.username if user else str(actor)





def _lock_interview(interview_id) -> Interview:
    return (Interview.objects.select_for_update(of=("self",))
            .select_related("application", "application__job", "application__candidate", "round", "room")
            .get(pk=interview_id))


def _log(interview, *, actor, kind, from_state="", to_state="", detail=None, reason=""):
    detail = detail or {}
    InterviewEvent.objects.create(interview=interview, actor_label=_label(actor), kind=kind,
                                  from_state=from_state, to_state=to_state, detail=detail)
    changes = {"state": [from_state, to_state]} if from_state or to_state else {}
    changes.update({k: [None, v] for k, v in detail.items()})
    audit_record(actor=actor, action=f"interview.{kind}", obj=interview, changes=changes, reason=reason)


def _move(interview, transition_name, *, actor, detail=None, reason=""):
    """Run one interview transition and record it."""
    source = interview.state
    getattr(interview, transition_name)()
    interview.save()
    _log(interview, actor=actor, kind=transition_name, from_state=source, to_state=interview.state,
         detail=detail, reason=reason)


def _pipeline_actor(actor):
    """The actor the pipeline sees: the HR user when they may move applications, else this app."""
    user = _user(actor)
    if user is not None and user.has_perm("candidates.change_application"):
        return user
    return f"interviews:{_label(actor)}"


def _app_transition(actor, application, name, reason=""):
    from candidates.services import application_transition  # noqa: PLC0415

    return application_transition(actor=_pipeline_actor(actor), application_id=application.pk, transition=name,
                                  reason=reason)


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


def _local(dt) -> str:
    return timezone.localtime(dt, availability.LOCAL_TZ).strftime("%Y-%m-%d %H:%M")



def _round_name(interview) -> str:
    """The round as a whole noun in the active language ("临床技能面试", "clinical skills interview", "AI 面试"), so
    a message never adds 面试 / interview after it (the kind labels of the admin are "Clinical", "Final")."""
    if interview.kind == Kind.AI:
        return _("AI interview")
    kind = interview.round.kind if interview.round_id else ""
    names = {InterviewRound.Kind.TECHNICAL: _("technical interview"),
             InterviewRound.Kind.HUMANISTIC: _("humanistic interview"),
             InterviewRound.Kind.CLINICAL: _("clinical skills interview"),
             InterviewRound.Kind.FINAL: _("final interview")}
    return names.get(kind) or _("interview")


def _interview_context(interview, *, language: str | None = None) -> dict:
    """What the candidate's messages say about ``interview``, worded in ``language`` (default: the candidate's
    preferred one, whatever the language of the request that booked it)."""
    job = interview.application.job
    contact = (responsible_hr(interview.application) or [None])[0]
    location = (interview.room.location or interview.room.name) if interview.room_id else ""
    with translation.override(language or interview.application.candidate.preferred_language or "zh-hans"):
        round_name = _round_name(interview)
    return {
        "job_title": job.title, "department_name": job.department.name,
        "organization_name": job.organization_name, "interview_time": _local(interview.starts_at),
        "location": location, "meeting_url": interview.meeting_url,
        "confirm_url": tokens.public_url("confirm", tokens.make("confirm", interview.pk)),
        "reschedule_url": tokens.public_url("could-not-join", tokens.make("join", interview.pk)),
        "contact_name": str(contact) if contact else "", "contact_phone": (contact.phone if contact else "") or "",
        "round_name": round_name,
    }


def _ai_context(interview, *, language: str | None = None) -> dict:
    ctx = _interview_context(interview, language=language)
    keep = ("job_title", "department_name", "organization_name", "contact_name", "contact_phone", "confirm_url")
    return {k: ctx[k] for k in keep} | {
        "interview_url": interview.meeting_url or ctx["confirm_url"],
        "deadline": _local(interview.deadline or interview.ends_at),
        "duration_minutes": int((interview.ends_at - interview.starts_at).total_seconds() // 60),
    }


def _notify(*, recipient, channel, template_key, context, key, interview, due_at=None, attachments=(),
            escalation=None, urgent=False):
    """One outbox row; a recipient who cannot be reached on ``channel`` is skipped, not an error."""
    try:
        return notification_create(
            recipient=recipient, channel=channel, template_key=template_key, context=context,
            idempotency_key=key[:200], due_at=due_at, department=interview.application.job.department,
            related=(RELATED, interview.pk), attachments=attachments, escalation_policy=escalation,
            ignore_quiet_hours=urgent, actor="interviews", skip_unreachable=True)
    except ValidationError as exc:
        if "escalation_policy" in getattr(exc, "message_dict", {}):  # a policy HR switched off: send without
            return _notify(recipient=recipient, channel=channel, template_key=template_key, context=context,
                           key=key, interview=interview, due_at=due_at, attachments=attachments, urgent=urgent)
        raise


def _message(user_or_candidate_language, text_fn):
    """Render a translatable text in the recipient's language."""
    with translation.override(user_or_candidate_language or "zh-hans"):
        return text_fn()


def _staff_message(interview, user, *, key, subject_fn, message_fn, attachments=(), channel="email"):
    recipient = Recipient.for_user(user)
    subject = _message(recipient.language, subject_fn)
    message = _message(recipient.language, message_fn)
    return _notify(recipient=recipient, channel=channel, template_key="generic_message",
                   context={"subject": subject, "message": message, "url": ""}, key=key, interview=interview,
                   attachments=attachments)


def alert_hr(interview, *, key, title_fn, message_fn, channels=("in_app",), urgent=False):
    """An alert to the responsible HR people (R-NS-7, R-NS-8, R-HOSP-1)."""
    url = f"{settings.PUBLIC_BASE_URL}/admin/interviews/interview/{interview.pk}/change/"
    sent = []
    for user in responsible_hr(interview.application):
        recipient = Recipient.for_user(user)
        context = {"title": _message(recipient.language, title_fn), "message": _message(recipient.language,
                                                                                        message_fn), "url": url}
        for channel in channels:
            n = _notify(recipient=recipient, channel=channel, template_key="generic_alert", context=context,
                        key=f"{key}:{user.pk}:{channel}", interview=interview, urgent=urgent)
            if n is not None:
                sent.append(n)
    return sent


# -- invitations and calendars (R-SCHED-4) -----------------------------------------------------------

def _send_invitations(interview, *, update: bool, calendar: bool = True):
    """The candidate's invitation (and the interviewers'), with the calendar event unless there is no set time
    (an AI interview to take any time before its deadline). A moved interview (``update``) is announced as
    moved, with the time it replaces, not as a fresh invitation. Each person's .ics is in their language."""
    calendars: dict[str, list] = {}

    def attachment(language):
        if calendar and language not in calendars:
            with translation.override(language):
                calendars[language] = [("invite.ics", ics.invitation(interview), "text/calendar; method=REQUEST")]
        return calendars.get(language, [])

    candidate = interview.application.candidate
    recipient = candidate.as_recipient()
    base = f"interview:{interview.pk}:v{interview.sequence}:invite"
    previous = interview.previous if update and interview.previous_id else None
    if interview.kind == Kind.AI:
        ctx = _ai_context(interview, language=recipient.language)
        template = "ai_interview_rescheduled" if previous is not None else "ai_interview_invitation"
        if previous is not None:
            ctx["previous_deadline"] = _local(previous.deadline or previous.ends_at)
    else:
        ctx = _interview_context(interview, language=recipient.language)
        template = "interview_rescheduled" if previous is not None else "interview_invitation"
        if previous is not None:
            ctx["previous_time"] = _local(previous.starts_at)
    for channel in ("email", "sms"):
        _notify(recipient=recipient, channel=channel, template_key=template, context=ctx,
                key=f"{base}:{channel}", interview=interview,
                attachments=attachment(recipient.language) if channel == "email" else ())
    when = _local(interview.starts_at)
    before = _local(previous.starts_at) if previous is not None else ""
    job = interview.application.job.title
    for user in interview.interviewers.all():
        language = Recipient.for_user(user).language or "zh-hans"
        _staff_message(
            interview, user, key=f"{base}:staff:{user.pk}", attachments=attachment(language),
            subject_fn=lambda: (_("Interview moved: %(c)s") if update else _("Interview: %(c)s")) % {"c": candidate.name},
            message_fn=lambda: (
                _("%(title)s with %(c)s for %(job)s moved from %(before)s to %(when)s.") if before
                else _("%(title)s with %(c)s for %(job)s at %(when)s."))
            % {"title": capfirst(_round_name(interview)), "c": candidate.name, "job": job, "when": when,
               "before": before})


def _send_cancellations(interview, *, reason: str, to_candidate: bool = True):
    """METHOD:CANCEL to everyone on the event (same UID, higher SEQUENCE); the candidate is told by e-mail with
    the .ics and by SMS, as they were invited, in their language."""
    calendars: dict[str, list] = {}

    def attachment(language):
        if language not in calendars:
            with translation.override(language):
                calendars[language] = [("cancel.ics", ics.cancellation(interview), "text/calendar; method=CANCEL")]
        return calendars[language]

    candidate = interview.application.candidate
    base = f"interview:{interview.pk}:v{interview.sequence}:cancel"
    when = _local(interview.starts_at)
    for user in interview.interviewers.all():
        language = Recipient.for_user(user).language or "zh-hans"
        _staff_message(interview, user, key=f"{base}:staff:{user.pk}", attachments=attachment(language),
                       subject_fn=lambda: _("Interview cancelled: %(c)s") % {"c": candidate.name},
                       message_fn=lambda: _("%(title)s with %(c)s at %(when)s is off: %(reason)s")
                       % {"title": capfirst(_round_name(interview)), "c": candidate.name, "when": when,
                          "reason": reason})
    if to_candidate:
        recipient = candidate.as_recipient()
        ctx = _interview_context(interview, language=recipient.language)
        for channel, key in (("email", f"{base}:candidate"), ("sms", f"{base}:candidate:sms")):
            _notify(recipient=recipient, channel=channel, template_key="interview_cancelled", context=ctx, key=key,
                    interview=interview, attachments=attachment(recipient.language) if channel == "email" else ())


# -- reminders (R-NS-1, R-NS-3, R-NS-9) ----------------------------------------------------------------

def policy_steps(job) -> tuple[list[dict], bool]:
    policy = ReminderPolicy.objects.filter(job=job).first() or ReminderPolicy.objects.filter(job=None).first()
    if policy is None or not policy.steps:
        return [dict(s) for s in DEFAULT_STEPS], True if policy is None else policy.escalate
    return [dict(s) for s in policy.steps], policy.escalate


ESCALATION = {"sms": "sms-undelivered-1h-voice", "email": "unopened-24h-preferred"}
#: An open AI invitation starts "now"; this much slack lets the moment the caller took pass the check.
OPEN_WINDOW_SLACK = timedelta(minutes=1)


def _plan_reminders(interview, *, anchor: datetime):
    """Outbox rows for every policy step still ahead of ``anchor`` (the start, or the deadline of an AI
    interview taken any time before it); keys carry id + sequence + step + channel."""
    steps, escalate = policy_steps(interview.application.job)
    now = timezone.now()
    recipient = interview.application.candidate.as_recipient()
    planned = []
    for n, step in enumerate(steps):
        due = anchor - timedelta(minutes=int(step["before_minutes"]))
        if due <= now:
            continue  # a step already past is not sent late (the invitation just went out)
        step_key = step.get("key") or str(n)
        for channel in step.get("channels", []):
            if interview.kind == Kind.AI and channel != "voice":
                template, ctx = "ai_interview_invitation", _ai_context(interview)  # with the operating guide
            else:
                template, ctx = "interview_reminder", _interview_context(interview)
            if not step.get("confirm", False):
                ctx = {**ctx, "confirm_url": ""} if "confirm_url" in ctx else ctx
            notification = _notify(
                recipient=recipient, channel=channel, template_key=template, context=ctx,
                key=f"interview:{interview.pk}:v{interview.sequence}:{step_key}:{channel}", interview=interview,
                due_at=due, escalation=ESCALATION.get(channel) if escalate else None)
            if notification is not None:
                planned.append(notification.pk)
    _log(interview, actor="interviews", kind="reminders_planned", detail={"notifications": planned})
    return planned


def _cancel_reminders(interview, *, reason: str):
    return notification_cancel(related=(RELATED, interview.pk), actor="interviews", reason=reason)


# -- booking -------------------------------------------------------------------------------------------

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


# -- no-shows (R-NS-5..R-NS-7, R-HOSP-1) ----------------------------------------------------------------

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


def rebooking_slots(interview, *, now: datetime | None = None) -> list[datetime]:
    """Default offer: the next 3 working days at 9:00 and 14:00 (Asia/Shanghai), where the interviewers
    are free (R-NS-6)."""
    now = now or timezone.now()
    first = (now.astimezone(availability.LOCAL_TZ) + timedelta(days=1)).date()
    days = availability.working_days(first, _setting("INTERVIEWS_REBOOK_DAYS", REBOOK_DAYS))
    duration = interview.ends_at - interview.starts_at
    candidates = [availability.local_moment(d, datetime.min.time().replace(hour=h, minute=m))
                  for d in days for h, m in _setting("INTERVIEWS_REBOOK_TIMES", REBOOK_SLOT_TIMES)]
    user_ids = list(interview.interviewers.values_list("pk", flat=True))
    if not user_ids:
        busy = Timeline(availability.candidate_busy(interview.application.candidate_id))
        return [s for s in candidates if not busy.first_conflict(s, s + duration)]
    engine = availability.build_engine(user_ids=user_ids, room_ids=[interview.room_id] if interview.room_id else [],
                                       start=candidates[0] - timedelta(hours=12),
                                       end=candidates[-1] + timedelta(hours=12))
    request = Request(id=interview.pk, duration=duration, required=tuple(user_ids),
                      rooms=(("room", interview.room_id),) if interview.room_id else (),
                      candidate_busy=availability.candidate_busy(interview.application.candidate_id))
    busy = Timeline(request.candidate_busy)
    return [s for s in candidates if engine.fit(request, s, candidate=busy) is not None]


def rebooking_link(offer) -> str:
    return tokens.public_url("rebook", tokens.make("rebook", offer.pk, offer.nonce))


@transaction.atomic
def rebooking_offer_create(*, actor, interview_id: int) -> RebookingOffer | None:
    """Send the candidate a "reschedule?" message with a single-use, expiring link (R-NS-6, R-SCHED-5)."""
    interview = _lock_interview(interview_id)
    RebookingOffer.objects.filter(interview=interview, status=RebookingOffer.Status.OPEN).update(
        status=RebookingOffer.Status.WITHDRAWN)
    slots = rebooking_slots(interview)
    hours = _setting("INTERVIEWS_REBOOK_ANSWER_HOURS", REBOOK_ANSWER_HOURS)
    offer = RebookingOffer.objects.create(interview=interview, slots=[s.astimezone(ics.UTC).isoformat()
                                                                      for s in slots],
                                          expires_at=timezone.now() + timedelta(hours=hours))
    ctx = {**_interview_context(interview), "reschedule_url": rebooking_link(offer), "confirm_url": ""}
    recipient = interview.application.candidate.as_recipient()
    for channel in ("sms", "email"):
        _notify(recipient=recipient, channel=channel, template_key="no_show_reschedule", context=ctx,
                key=f"interview:{interview.pk}:rebook:{offer.pk}:{channel}", interview=interview)
    _log(interview, actor=actor, kind="rebooking_offered",
         detail={"offer": offer.pk, "slots": offer.slots, "expires_at": offer.expires_at.isoformat()})
    return offer


def rebooking_offer_for_token(token: str) -> RebookingOffer:
    data = tokens.read(token, "rebook")
    offer = RebookingOffer.objects.select_related("interview", "interview__application__job").filter(
        pk=data["i"], nonce=data["n"]).first() if data else None
    if offer is None:
        raise Http404
    return offer


def _offer_usable(offer, now):
    if offer.status != RebookingOffer.Status.OPEN:
        raise Conflict(_("This link was already used or withdrawn."), allowed=[])
    if offer.expires_at <= now:
        raise Conflict(_("This link has expired. Please contact us for a new time."), allowed=[])


@transaction.atomic
def rebooking_book(*, token: str, starts_at: datetime) -> Interview:
    """The candidate picks one of the offered slots: it is booked and the interviewers are notified
    (R-NS-6, R-SCHED-5). The link works once and expires."""
    found = rebooking_offer_for_token(token)
    offer = RebookingOffer.objects.select_for_update().get(pk=found.pk)
    now = timezone.now()
    _offer_usable(offer, now)
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": [_("Give the start with its time zone.")]})
    offered = {datetime.fromisoformat(s) for s in offer.slots}
    if starts_at not in offered:
        raise ValidationError({"starts_at": [_("Pick one of the offered times.")]})
    missed = offer.interview
    app = Application.objects.select_related("job").prefetch_related("candidate__credentials").get(
        pk=missed.application_id)
    problems = app.credential_problems()
    if problems and (missed.kind == Kind.HUMAN or "reinvite_ai" in (app.job.credential_checkpoints or [])):
        raise Conflict(_("We cannot book a new time now; HR will contact you."), allowed=[])
    interview = interview_schedule(
        actor="candidate", application_id=missed.application_id, starts_at=starts_at, kind=missed.kind,
        round_id=missed.round_id,
        interviewer_ids=list(missed.interviewers.values_list("pk", flat=True)) if missed.kind == Kind.HUMAN else None,
        room_id=missed.room_id, meeting_url=missed.meeting_url, on_site=missed.on_site,
        duration_minutes=int((missed.ends_at - missed.starts_at).total_seconds() // 60), previous=missed)
    offer.status = RebookingOffer.Status.BOOKED
    offer.used_at = now
    offer.booked = interview
    offer.save(update_fields=["status", "used_at", "booked"])
    Interview.objects.filter(pk=missed.pk).update(follow_up_done_at=now)
    _log(missed, actor="candidate", kind="rebooked", detail={"offer": offer.pk, "interview": interview.pk})
    return interview


def rebooking_expire_due(*, now: datetime, batch: int = 200) -> dict:
    """No answer to a rebooking offer in time: the candidate goes to the talent pool with tags (R-NS-6, R-PIPE-6)."""
    expired = 0
    ids = list(RebookingOffer.objects.filter(status=RebookingOffer.Status.OPEN, expires_at__lte=now)
               .order_by("expires_at").values_list("pk", flat=True)[:batch])
    for offer_id in ids:
        with transaction.atomic():
            offer = RebookingOffer.objects.select_for_update(skip_locked=True).filter(
                pk=offer_id, status=RebookingOffer.Status.OPEN).first()
            if offer is None:
                continue
            offer.status = RebookingOffer.Status.EXPIRED
            offer.save(update_fields=["status"])
            interview = offer.interview
            _to_talent_pool(interview, reason=_("No answer to the reschedule offer within %(h)s hours.")
                            % {"h": _setting("INTERVIEWS_REBOOK_ANSWER_HOURS", REBOOK_ANSWER_HOURS)})
            Interview.objects.filter(pk=interview.pk).update(follow_up_done_at=now)
            _log(interview, actor="hr_tick", kind="rebooking_expired", detail={"offer": offer.pk})
            expired += 1
    return {"expired_offers": expired}


def _to_talent_pool(interview, *, reason):
    from candidates.services import talent_pool_tag  # noqa: PLC0415

    app = Application.objects.get(pk=interview.application_id)
    if app.state == AppState.INTERVIEWING:
        _app_transition("hr_tick", app, "reject", reason=reason)
        app.refresh_from_db()
    if app.state in (AppState.AI_NO_SHOW, AppState.REJECTED, AppState.SCREENING, AppState.AI_REVIEW):
        _app_transition("hr_tick", app, "to_talent_pool", reason=reason)
    entry = TalentPoolEntry.objects.filter(application=app).first()
    if entry is not None:
        tag = "AI interview no-show" if interview.kind == Kind.AI else "interview no-show"
        talent_pool_tag(actor="interviews", entry_id=entry.pk, add=[tag, "no reply to reschedule offer"])


def _book_backup_ai_interview(app, missed) -> Interview:
    """The backup's own AI interview: a vendor's link is personal, so a vendor-made interview means a fresh
    invitation from the same vendor; a link HR typed in is shared as before."""
    start = _next_ai_slot()
    if missed.vendor_reference:
        from interviews.ai.models import AIInvitation  # noqa: PLC0415 - the vendor side of AI interviews
        from interviews.ai.services import ai_interview_invite  # noqa: PLC0415

        vendor = (AIInvitation.objects.filter(assessment_id=missed.vendor_reference,
                                              application_id=missed.application_id)
                  .order_by("-pk").values_list("vendor__slug", flat=True).first())
        if vendor:
            deadline = start + timedelta(hours=_setting("INTERVIEWS_AI_DEADLINE_HOURS", AI_DEADLINE_HOURS))
            invitation = ai_interview_invite(actor="interviews", application_id=app.pk, vendor_slug=vendor,
                                             deadline=deadline, starts_at=start)
            return Interview.objects.get(vendor_reference=invitation.assessment_id, application=app)
    return interview_schedule(actor="interviews", application_id=app.pk, starts_at=start, kind=Kind.AI,
                              meeting_url=missed.meeting_url)


def promote_backup(*, interview, actor) -> Application | None:
    """Urgent job no-show: the next backup candidate enters the interview flow at once (R-NS-7)."""
    from candidates.services import application_create  # noqa: PLC0415

    job = interview.application.job
    taken = set(Application.objects.filter(job=job).values_list("candidate_id", flat=True))
    through = job.backup_pool.through
    ordered = through.objects.filter(jobrequisition_id=job.pk).order_by("pk").values_list("candidate_id", flat=True)
    backup_id = next((c for c in ordered if c not in taken), None)  # pool order: first added first
    if backup_id is None:
        _log(interview, actor=actor, kind="backup_none")
        return None
    try:
        with transaction.atomic():
            app = application_create(actor="interviews", candidate_id=backup_id, job_id=job.pk, source=None)
            _app_transition("interviews", app, "screen", reason=_("Promoted from the backup pool"))
            if interview.kind == Kind.AI:
                new = _book_backup_ai_interview(app, interview)
            else:
                _app_transition("interviews", app, "advance_to_interview",
                                reason=_("Promoted from the backup pool"))
                new = _schedule_first_free(app, interview)
    except (ValidationError, Conflict) as exc:
        error = str(exc.detail if isinstance(exc, Conflict) else "; ".join(exc.messages))[:200]
        _log(interview, actor=actor, kind="backup_failed", detail={"candidate": backup_id, "error": error})
        alert_hr(interview, key=f"interview:{interview.pk}:backup-failed", channels=("in_app",),
                 title_fn=lambda: _("Backup candidate could not be promoted"),
                 message_fn=lambda: _("Promote a backup candidate by hand: %(e)s") % {"e": error})
        return None
    _log(interview, actor=actor, kind="backup_promoted",
         detail={"application": app.pk, "interview": new.pk if new else None})
    return app


def _next_ai_slot() -> datetime:
    """Next working day 9:00 local: when a promoted candidate's AI interview window opens."""
    tomorrow = (timezone.now().astimezone(availability.LOCAL_TZ) + timedelta(days=1)).date()
    day = availability.working_days(tomorrow, 1)[0]
    return availability.local_moment(day, datetime.min.time().replace(hour=9))


def _schedule_first_free(app, like: Interview) -> Interview | None:
    user_ids = list(like.interviewers.values_list("pk", flat=True))
    start = timezone.now() + timedelta(hours=2)
    engine = availability.build_engine(user_ids=user_ids, start=start, end=start + timedelta(days=7))
    req = Request(id=app.pk, duration=like.ends_at - like.starts_at, required=tuple(user_ids),
                  candidate_busy=availability.candidate_busy(app.candidate_id))
    found = engine.propose(req, limit=1)
    if not found:
        return None
    return interview_schedule(actor="interviews", application_id=app.pk, starts_at=found[0].start,
                              round_id=like.round_id, interviewer_ids=user_ids, meeting_url=like.meeting_url)


def interview_next_round_start(*, actor, application_id: int, days: int = 10) -> Interview | None:
    """Book the application's next human round in the first slot every interviewer of that round has
    free (R-PIPE-3: a passed AI interview starts scheduling by itself; R-SCHED-1).

    Returns None when the job has no further round or nobody is free within ``days``; the
    application then waits in its stage and HR schedules by hand (it shows as stuck on the dashboard).
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
    start = timezone.now() + timedelta(hours=24)  # give the candidate a day's notice
    engine = availability.build_engine(user_ids=user_ids, start=start, end=start + timedelta(days=days))
    request = Request(id=app.pk, duration=timedelta(minutes=round_obj.duration_minutes), required=tuple(user_ids),
                      candidate_busy=availability.candidate_busy(app.candidate_id))
    found = engine.propose(request, limit=1)
    if not found:
        logger.info("no free slot for the next round of application %s within %s days", app.pk, days)
        return None
    return interview_schedule(actor=actor, application_id=app.pk, starts_at=found[0].start,
                              round_id=round_obj.pk, interviewer_ids=user_ids)


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


# -- technical problems (R-NS-8) -------------------------------------------------------------------------

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


# -- feedback (R-PIPE-7) ------------------------------------------------------------------------------------

#: Interview states whose feedback may be written: booked (held, not yet marked attended) or completed. Not a
#: cancelled one, one replaced by a reschedule, or a no-show: feedback belongs to the interview that took place.
FEEDBACK_STATES = (*BOOKED_STATES, State.COMPLETED)
FEEDBACK_REMINDER_MINUTES = 120
#: The reminder sweep looks this far back (older interviews are left alone, e.g. when the sweep is new).
FEEDBACK_REMINDER_LOOKBACK_DAYS = 7
NOTES_MAX_CHARS = 10000


def feedback_refusal(interview, *, now=None) -> str | None:
    """Why no feedback may be written on ``interview`` now, in words; ``None`` when it may (R-PIPE-7). The one
    rule the service, the scorecard page and "My interviews" use."""
    if interview.kind != Kind.HUMAN:
        return _("Feedback is given on interview rounds with interviewers, not on AI interviews.")
    if interview.state not in FEEDBACK_STATES:
        reasons = {
            State.CANCELLED: _("This interview was cancelled; it did not take place and takes no feedback."),
            State.RESCHEDULED: _("This interview was moved to another time; give your feedback on the new "
                                 "interview once it has started."),
            State.NO_SHOW: _("The candidate did not come to this interview; it takes no feedback."),
        }
        return str(reasons.get(interview.state) or _("This interview is %(state)s; it takes no feedback yet.") % {
            "state": interview.get_state_display()})
    if interview.starts_at > (now or timezone.now()):
        return _("Feedback opens when the interview starts, at %(time)s (Beijing time).") % {
            "time": _local(interview.starts_at)}
    return None


def _feedback_errors(interview, *, scores, recommendation, notes, submit) -> dict[str, list]:
    """Field errors of a scorecard: scores 1-5 for the job's dimensions (all of them to submit), a known
    recommendation (required to submit)."""
    dims = {d["key"]: d["label"] for d in scorecard_dimensions(interview.application.job)}
    errors: dict[str, list] = {}
    if not isinstance(scores, dict):
        errors["scores"] = [_("Give the scores as {dimension: score from 1 to 5}.")]
    else:
        unknown = sorted(k for k in scores if k not in dims)
        bad = [dims[k] for k, v in scores.items() if k in dims and (isinstance(v, bool) or v not in FEEDBACK_LEVELS)]
        missing = [label for key, label in dims.items() if key not in scores] if submit else []
        msgs = []
        if unknown:
            msgs.append(_("These are not assessment dimensions of this job: %(names)s.") % {
                "names": ", ".join(map(str, unknown))})
        if bad:
            msgs.append(_("Scores are whole numbers from 1 to 5: %(names)s.") % {"names": ", ".join(bad)})
        if missing:
            msgs.append(_("Give a score for every dimension before submitting: %(names)s.") % {
                "names": ", ".join(missing)})
        if msgs:
            errors["scores"] = msgs
    if recommendation and recommendation not in Recommendation.values:
        errors["recommendation"] = [_("Choose one of: %(options)s.") % {
            "options": ", ".join(str(label) for label in Recommendation.labels)}]
    elif submit and not recommendation:
        errors["recommendation"] = [_("Choose a recommendation before submitting.")]
    if notes and len(notes) > NOTES_MAX_CHARS:
        errors["notes"] = [_("Notes are at most %(n)s characters.") % {"n": NOTES_MAX_CHARS}]
    return errors


@transaction.atomic
def feedback_save(*, actor, interview_id: int, scores: dict, recommendation: str = "", notes: str = "",
                  submit: bool = False) -> InterviewFeedback:
    """An interviewer's scorecard on their round (R-PIPE-7): a score from 1 to 5 per assessment dimension of the
    job, a recommendation and notes. Saved as a draft (``submit=False``: parts may be missing) that its author
    may change, or submitted (everything given), after which it is read-only.

    It opens when the interview has started and only on a human round that is booked or completed (see
    :func:`feedback_refusal`); only the round's interviewers write it. Refusals: 404 outside the scope, 403 for
    anyone else, 409 (``Conflict``) before the start, on a cancelled / replaced / missed interview and on
    submitted feedback; bad input is a ``ValidationError`` naming the fields and saves nothing. Submitting on a
    round still booked marks it held (``interview_mark_attended``).
    """
    _require(actor, "interviews.add_interviewfeedback")
    require_visible(Interview, actor, interview_id)
    interview = _lock_interview(interview_id)  # serialises two saves of the same scorecard
    user = _user(actor)
    if user is None or not interview.interviewers.filter(pk=user.pk).exists():
        raise PermissionDenied(_("Only the interviewers of this round give its feedback."))
    refusal = feedback_refusal(interview)
    if refusal:
        raise Conflict(refusal)
    feedback = InterviewFeedback.objects.filter(interview=interview, interviewer=user).first()
    if feedback is not None and feedback.submitted_at is not None:
        raise Conflict(_("Your feedback on this interview was submitted on %(time)s and can no longer be changed.")
                       % {"time": _local(feedback.submitted_at)})
    recommendation, notes = recommendation or "", notes or ""
    errors = _feedback_errors(interview, scores=scores, recommendation=recommendation, notes=notes, submit=submit)
    if errors:
        raise ValidationError(errors)
    if submit and interview.state in BOOKED_STATES:
        # a submitted scorecard says the round was held: the no-show sweep must not call it missed (R-NS-5)
        interview_mark_attended(actor=actor, interview_id=interview.pk)
    now = timezone.now()
    before = ({"scores": feedback.scores, "recommendation": feedback.recommendation, "notes": feedback.notes}
              if feedback is not None else {"scores": None, "recommendation": None, "notes": None})
    if feedback is None:
        feedback = InterviewFeedback(interview=interview, interviewer=user, created_at=now)
    feedback.scores, feedback.recommendation, feedback.notes = scores, recommendation, notes
    feedback.submitted_at = now if submit else None
    feedback.save()
    changes = {k: [before[k], getattr(feedback, k)] for k in before if before[k] != getattr(feedback, k)}
    if submit:
        changes["submitted_at"] = [None, now.isoformat()]
    audit_record(actor=actor, action="interview.feedback_submit" if submit else "interview.feedback_draft",
                 obj=feedback, changes=changes)
    return feedback


def feedback_submit(*, actor, interview_id: int, scores: dict, recommendation: str,
                    notes: str = "") -> InterviewFeedback:
    """Submit an interviewer's feedback in one step (R-PIPE-7): :func:`feedback_save` with ``submit=True``."""
    return feedback_save(actor=actor, interview_id=interview_id, scores=scores, recommendation=recommendation,
                         notes=notes, submit=True)


def feedback_reminders_due(*, now=None) -> list[tuple[int, int]]:
    """``(interview id, interviewer id)`` of every interviewer who has not submitted feedback on a human round
    that ended ``FEEDBACK_REMINDER_MINUTES`` ago or more (within the look-back) and was not reminded yet."""
    now = now or timezone.now()
    wait = timedelta(minutes=_setting("INTERVIEWS_FEEDBACK_REMINDER_MINUTES", FEEDBACK_REMINDER_MINUTES))
    pair = {"interview": OuterRef("interview_id"), "interviewer": OuterRef("user_id")}
    rows = (Interview.interviewers.through.objects
            .filter(interview__kind=Kind.HUMAN, interview__state__in=FEEDBACK_STATES,
                    interview__ends_at__lte=now - wait,
                    interview__ends_at__gt=now - timedelta(days=FEEDBACK_REMINDER_LOOKBACK_DAYS),
                    user__is_active=True)
            .exclude(Exists(InterviewFeedback.objects.submitted().filter(**pair)))
            .exclude(Exists(FeedbackReminder.objects.filter(**pair)))
            .order_by("interview_id", "user_id").values_list("interview_id", "user_id"))
    return list(rows)


@transaction.atomic
def feedback_remind(*, interview_id: int, interviewer_id: int, now=None):
    """Remind one interviewer, in the app and by e-mail, to submit their feedback on one interview (R-PIPE-7).

    Idempotent: at most one reminder per interviewer and interview (a ``FeedbackReminder`` row, written with the
    messages in one transaction under the interview's lock); nothing when the feedback is in, the interview
    did not take place or is not yet 2 hours over. Returns the reminder or ``None``."""
    now = now or timezone.now()
    interview = _lock_interview(interview_id)
    user = interview.interviewers.filter(pk=interviewer_id, is_active=True).first()
    wait = timedelta(minutes=_setting("INTERVIEWS_FEEDBACK_REMINDER_MINUTES", FEEDBACK_REMINDER_MINUTES))
    if (user is None or interview.kind != Kind.HUMAN or interview.state not in FEEDBACK_STATES
            or interview.ends_at > now - wait
            or InterviewFeedback.objects.submitted().filter(interview=interview, interviewer=user).exists()
            or FeedbackReminder.objects.filter(interview=interview, interviewer=user).exists()):
        return None
    reminder = FeedbackReminder.objects.create(interview=interview, interviewer=user, sent_at=now)
    url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("interviews:scorecard", args=[interview.pk])
    recipient = Recipient.for_user(user)
    names = {"candidate": interview.application.candidate.name, "job": interview.application.job.title,
             "round": interview.title, "time": _local(interview.starts_at)}
    context = {
        "title": _message(recipient.language, lambda: _("Your interview feedback is waiting: %(candidate)s") % names),
        "message": _message(recipient.language, lambda: _(
            "Your feedback on the interview with %(candidate)s (%(job)s, %(round)s, %(time)s) is not submitted "
            "yet. Please fill in the scorecard.") % names),
        "url": url,
    }
    for channel in ("in_app", "email"):
        _notify(recipient=recipient, channel=channel, template_key="generic_alert", context=context,
                key=f"interview:{interview.pk}:feedback-reminder:{user.pk}:{channel}", interview=interview)
    audit_record(actor="interviews", action="interview.feedback_reminder", obj=interview,
                 changes={"interviewer": [None, user.pk]})
    return reminder


def feedback_reminders_send(*, now=None) -> dict:
    """The sweep (every minute, from hr_tick): remind every interviewer whose feedback is 2 hours overdue, each
    in its own transaction (R-PIPE-7)."""
    now = now or timezone.now()
    sent = 0
    failed = 0
    for interview_id, user_id in feedback_reminders_due(now=now):
        try:
            sent += feedback_remind(interview_id=interview_id, interviewer_id=user_id, now=now) is not None
        except Exception:  # one broken address must not keep the others unreminded; retried next minute
            logger.exception("feedback reminder for interview %s / user %s failed", interview_id, user_id)
            failed += 1
    return {"reminded": sent, "failed": failed}


# -- availability (R-SCHED-1) ---------------------------------------------------------------------------------

def _target_user(actor, user_id):
    user = _user(actor)
    if user is not None and user.pk == user_id:
        return user
    _require(actor, "interviews.add_busyblock")
    qs = User.objects.for_user(user) if user is not None else User.objects.all()
    target = qs.filter(pk=user_id, is_active=True).first() if isinstance(user_id, int) else None
    if target is None:
        raise ValidationError({"user": [_("Unknown interviewer, or one of a department you may not see.")]})
    return target


@transaction.atomic
def busy_block_create(*, actor, user_id: int, starts_at: datetime, ends_at: datetime, note: str = "") -> BusyBlock:
    """An interviewer's busy time; may not overlap another busy block of theirs (R-SCHED-1)."""
    target = _target_user(actor, user_id)
    errors = {}
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime) or timezone.is_naive(value):
            errors[name] = [_("Give the time with its time zone.")]
    if not errors:
        if ends_at <= starts_at:
            errors["ends_at"] = [_("The end must be after the start.")]
        elif ends_at <= timezone.now():
            errors["ends_at"] = [_("The busy time is in the past.")]
    if errors:
        raise ValidationError(errors)
    InterviewerProfile.objects.get_or_create(user=target)
    InterviewerProfile.objects.select_for_update().get(user=target)
    clash = BusyBlock.objects.filter(user=target, starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    if clash is not None:
        raise ValidationError({"starts_at": [_("Overlaps the busy block %(start)s - %(end)s.")
                                             % {"start": _local(clash.starts_at), "end": _local(clash.ends_at)}]})
    block = BusyBlock.objects.create(user=target, starts_at=starts_at, ends_at=ends_at, note=(note or "")[:200])
    audit_record(actor=actor, action="busy_block.create", obj=block,
                 changes={"starts_at": [None, starts_at.isoformat()], "ends_at": [None, ends_at.isoformat()]})
    return block


@transaction.atomic
def busy_blocks_import_ics(*, actor, user_id: int, data: bytes) -> list[BusyBlock]:
    """Replace the interviewer's imported busy time with the events of an uploaded .ics (R-SCHED-1).

    Overlapping events of the file are merged; a malformed file raises ValidationError and changes nothing.
    """
    target = _target_user(actor, user_id)
    now = timezone.now()
    events = ics.parse_busy(data, start=now, end=now + timedelta(days=90))
    merged: list[list] = []
    for ev in sorted(events, key=lambda e: e["starts_at"]):
        if merged and ev["starts_at"] <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], ev["ends_at"])
        else:
            merged.append([ev["starts_at"], ev["ends_at"], ev["note"]])
    InterviewerProfile.objects.get_or_create(user=target)
    InterviewerProfile.objects.select_for_update().get(user=target)
    BusyBlock.objects.filter(user=target, source=BusyBlock.Source.ICS, ends_at__gt=now).delete()
    blocks = BusyBlock.objects.bulk_create([BusyBlock(user=target, starts_at=s, ends_at=e, note=n,
                                                      source=BusyBlock.Source.ICS) for s, e, n in merged])
    audit_record(actor=actor, action="busy_block.import_ics", obj=target,
                 changes={"events": [None, len(events)], "blocks": [None, len(blocks)]})
    return blocks


# -- batch scheduling (R-SCHED-2, R-SCHED-3) ----------------------------------------------------------------

def batch_schedule_validate(*, actor, job_id: int, round_id: int, application_ids, period_start: datetime,
                            period_end: datetime, panel=None, panel_pick: int = 1, required=None,
                            room_ids=()) -> dict:
    """Check a batch's input as ``batch_schedule_start`` does, writing nothing: the cleaned batch (``job``,
    ``round``, ``application_ids``, ``panel``, ``panel_pick``, ``required``, ``room_ids``, ``period_start``,
    ``period_end``) or ValidationError naming the fields. The browser's preview uses it (R-SCHED-2, R-UI-4)."""
    from candidates.models import JobRequisition  # noqa: PLC0415

    _require(actor, "interviews.add_interview")
    user = _user(actor)
    errors: dict[str, list] = {}
    jobs = JobRequisition.objects.for_user(user) if user is not None else JobRequisition.objects.all()
    job = jobs.filter(pk=job_id).first()
    if job is None:
        raise ValidationError({"job": [_("Unknown job.")]})
    round_obj = InterviewRound.objects.filter(pk=round_id, job=job).first()
    if round_obj is None:
        errors["round"] = [_("Choose a round of this job's interview plan.")]
    ids = list(dict.fromkeys(application_ids or []))
    apps = set(Application.objects.filter(pk__in=ids, job=job).values_list("pk", flat=True))
    unknown = [i for i in ids if i not in apps]
    if not ids:
        errors["applications"] = [_("Choose at least one application.")]
    elif unknown:
        errors["applications"] = [_("Not applications of this job: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}]
    now = timezone.now()
    if period_start < now:
        errors["period_start"] = [_("The period starts in the past.")]
    if period_end <= period_start:
        errors["period_end"] = [_("The period must end after it starts.")]
    elif period_end - period_start > timedelta(days=62):
        errors["period_end"] = [_("Plan at most two months at once.")]
    panel = list(panel or [])
    required = list(required or [])
    if not panel and not required and round_obj is not None:
        required = list(round_obj.interviewers.values_list("pk", flat=True))
    for field, people in (("panel", panel), ("required", required)):
        try:
            _clean_interviewers(actor, people, None) if people else None
        except ValidationError as exc:
            errors[field] = exc.message_dict["interviewers"]
    if panel and not 1 <= panel_pick <= len(panel):
        errors["panel_pick"] = [_("Pick between 1 and %(n)s interviewers of the panel.") % {"n": len(panel)}]
    if not panel and not required and "round" not in errors:
        errors["required"] = [_("Name the interviewers: a panel or required people.")]
    rooms = Room.objects.for_user(user) if user is not None else Room.objects.all()
    bad_rooms = set(room_ids or []) - set(rooms.filter(pk__in=list(room_ids or [])).values_list("pk", flat=True))
    if bad_rooms:
        errors["rooms"] = [_("Unknown rooms: %(ids)s.") % {"ids": ", ".join(map(str, sorted(bad_rooms)))}]
    if errors:
        raise ValidationError(errors)
    return {"job": job, "round": round_obj, "application_ids": ids, "panel": panel,
            "panel_pick": panel_pick if panel else 0, "required": required, "room_ids": list(room_ids or []),
            "period_start": period_start, "period_end": period_end}


@transaction.atomic
def batch_schedule_start(*, actor, job_id: int, round_id: int, application_ids, period_start: datetime,
                         period_end: datetime, panel=None, panel_pick: int = 1, required=None,
                         room_ids=()) -> BatchRun:
    """Queue a batch: many applications of one job into one round, within a period (R-SCHED-2).

    ``panel`` (user ids) and ``panel_pick``: each candidate gets that many of the panel;
    ``required``: people every interview needs (a cross-department panel, R-SCHED-3).
    Without either, the round's interviewers are all required.
    """
    batch = batch_schedule_validate(actor=actor, job_id=job_id, round_id=round_id, application_ids=application_ids,
                                    period_start=period_start, period_end=period_end, panel=panel,
                                    panel_pick=panel_pick, required=required, room_ids=room_ids)
    ids = batch["application_ids"]
    run = BatchRun.objects.create(job=batch["job"], round=batch["round"], application_ids=ids, panel=batch["panel"],
                                  panel_pick=batch["panel_pick"], required=batch["required"],
                                  room_ids=batch["room_ids"], period_start=period_start, period_end=period_end,
                                  total=len(ids), created_by=_user(actor))
    audit_record(actor=actor, action="interview.batch_start", obj=run, changes={"applications": [None, len(ids)]})
    from . import tasks  # noqa: PLC0415

    transaction.on_commit(functools.partial(tasks.enqueue_batch, run.pk))
    return run


PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2}


def batch_plan_setup(*, round_obj, application_ids, panel, panel_pick, required, room_ids, period_start,
                     period_end):
    """The engine and the requests of a batch, as the run and the browser's preview both plan it:
    ``(engine, requests, applications by id)`` (R-SCHED-2). Reads only."""
    apps = {a.pk: a for a in Application.objects.filter(pk__in=application_ids).select_related("job")}
    user_ids = [*panel, *required]
    room_keys = tuple(("room", r) for r in room_ids)
    start = max(period_start, timezone.now())
    engine = availability.build_engine(user_ids=user_ids, room_ids=room_ids, start=start, end=period_end)
    requests = []
    for order, app_id in enumerate(application_ids):
        app = apps[app_id]
        requests.append(Request(
            id=app_id, duration=timedelta(minutes=round_obj.duration_minutes), required=tuple(required),
            pool=tuple(panel), pool_pick=panel_pick, rooms=room_keys,
            candidate_busy=availability.candidate_busy(app.candidate_id),
            priority=PRIORITY_RANK.get(app.job.priority, 2), order=order))
    return engine, requests, apps


def batch_schedule_run(*, run_id: int) -> BatchRun:
    """Run a queued batch: plan with the engine, then book each placement for real, each in its own
    transaction (so concurrent schedulers are seen and nobody is double-booked), reporting progress
    and explaining every application not placed (R-SCHED-2)."""
    with transaction.atomic():
        run = BatchRun.objects.select_for_update(of=("self",)).select_related("job", "round", "created_by").get(pk=run_id)
        if run.status != BatchRun.Status.QUEUED:
            return run
        run.status = BatchRun.Status.RUNNING
        run.save(update_fields=["status"])
    actor = run.created_by or "interviews"
    engine, requests, apps = batch_plan_setup(
        round_obj=run.round, application_ids=run.application_ids, panel=run.panel, panel_pick=run.panel_pick,
        required=run.required, room_ids=run.room_ids, period_start=run.period_start, period_end=run.period_end)
    unplaced_detail = []

    def commit(request, placement):
        try:
            interview_schedule(actor=actor, application_id=request.id, starts_at=placement.start,
                               round_id=run.round_id, interviewer_ids=list(placement.interviewers),
                               room_id=placement.room[1] if placement.room else None)
            return True
        except ValidationError as exc:
            if "starts_at" in exc.message_dict and len(exc.message_dict) == 1:
                return False  # taken meanwhile by another scheduler: the engine tries the next slot
            unplaced_detail.append({"application": request.id, "reason": "invalid",
                                    "detail": "; ".join(m for v in exc.message_dict.values() for m in v)})
            raise _Skip from exc
        except Conflict as exc:
            unplaced_detail.append({"application": request.id, "reason": "conflict", "detail": str(exc.detail)})
            raise _Skip from exc

    def progress(done, total):
        if done % 10 == 0 or done == total:
            BatchRun.objects.filter(pk=run.pk).update(done=done)

    placed = 0
    from .scheduling import Placement, Unplaced  # noqa: PLC0415

    ordered = sorted(requests, key=lambda r: (r.priority, r.order))
    for n, request in enumerate(ordered, start=1):
        outcome = engine.place(request)
        try:
            tries = 0
            while isinstance(outcome, Placement) and not commit(request, outcome):
                tries += 1
                outcome = engine.place(request) if tries < 20 else Unplaced(request.id, "interviewer_busy")
        except _Skip:
            outcome = None
        if isinstance(outcome, Placement):
            placed += 1
        elif isinstance(outcome, Unplaced):
            app = apps[request.id]
            names = [engine.resources[b].name for b in outcome.blocking if b in engine.resources]
            unplaced_detail.append({"application": request.id, "candidate": str(app.candidate_id),
                                    "reason": outcome.reason, "detail": outcome.detail, "blocking": names})
        progress(n, len(ordered))
    with transaction.atomic():
        run = BatchRun.objects.select_for_update().get(pk=run.pk)
        run.placed = placed
        run.done = len(ordered)
        run.unplaced = unplaced_detail
        run.status = BatchRun.Status.DONE
        run.finished_at = timezone.now()
        run.save()
    return run


class _Skip(Exception):
    pass
