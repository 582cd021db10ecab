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
