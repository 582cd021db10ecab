"""Answers recorded by the notifications app that concern an interview (R-NS-1 confirmation requests).

notifications knows nothing of interviews: it sends ``candidate_action_recorded``
after commit, and this receiver confirms the interview a reminder was about when
the candidate confirmed (link, reply, keypress 1).
"""

import logging

from hrsys.api.errors import Conflict

from .models import ACTIVE_STATES, Interview
from .services import RELATED, interview_cancel, interview_confirm

logger = logging.getLogger(__name__)


def on_candidate_action(sender, action=None, notification=None, **kwargs):
    if notification is None or notification.related_type != RELATED or action is None:
        return
    if action.kind != "confirm":
        return
    try:
        interview_confirm(interview_id=int(notification.related_id), channel=action.channel or "")
    except Conflict:
        logger.info("confirmation for interview %s ignored: no longer open", notification.related_id)


def on_application_closed(sender, application=None, transition="", actor=None, reason="", **kwargs):
    """A rejected, withdrawn or pooled application keeps no interview: each booked one is cancelled in the same
    transaction, so its reminders stop and every calendar gets the CANCEL (R-SCHED-4, R-NS-1)."""

    why = {"reject": "the application was rejected", "withdraw": "the application was withdrawn",
           "to_talent_pool": "the candidate moved to the talent pool"}.get(transition, "the application closed")
    for interview_id in (Interview.objects.filter(application=application, state__in=ACTIVE_STATES)
                         .values_list("pk", flat=True)):
        interview_cancel(actor="pipeline", interview_id=interview_id, reason=why)


def on_candidate_anonymised(sender, *, candidate, now, **kwargs):
    """The person's data is gone (R-SEC-5, R-SEC-6): what interviewers and HR wrote about them in words goes
    (feedback notes, reasons, join problems); scores, recommendations, stages and dates stay as anonymised
    statistics, and booked interviews were cancelled when the applications closed."""
    from .models import InterviewFeedback, JoinProblem  # noqa: PLC0415 - beside the imports of this module

    interviews = Interview.objects.filter(application__candidate=candidate)
    InterviewFeedback.objects.filter(interview__in=interviews).update(notes="")
    JoinProblem.objects.filter(interview__in=interviews).update(detail="")
    interviews.update(cancel_reason="", meeting_url="")
