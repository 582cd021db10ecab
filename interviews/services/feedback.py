"""Interviewers' scorecards: drafts, submission and the reminder 2 hours after the end (R-PIPE-7)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible
from hrsys.core.actors import staff_user as _user
from notifications.types import Recipient

from ..models import (
    BOOKED_STATES,
    FEEDBACK_LEVELS,
    FeedbackReminder,
    Interview,
    InterviewFeedback,
    Kind,
    Recommendation,
    State,
    scorecard_dimensions,
)
from ._common import _local, _lock_interview, _setting
from .booking import interview_mark_attended
from .messages import _message, _notify

logger = logging.getLogger(__package__)  # one logger for the package, named as before the split


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
