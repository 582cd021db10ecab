"""Answers recorded by the notifications app that concern an interview (R-NS-1 confirmation requests).

notifications knows nothing of interviews: it sends ``candidate_action_recorded``
after commit, and this receiver confirms the interview a reminder was about when
the candidate confirmed (link, reply, keypress 1).
"""

import logging

from hrsys.api.errors import Conflict

logger = logging.getLogger(__name__)


def on_candidate_action(sender, action=None, notification=None, **kwargs):
    from .services import RELATED, interview_confirm  # noqa: PLC0415

    if notification is None or notification.related_type != RELATED or action is None:
        return
    if action.kind != "confirm":
        return
    try:
        interview_confirm(interview_id=int(notification.related_id), channel=action.channel or "")
    except Conflict:
        logger.info("confirmation for interview %s ignored: no longer open", notification.related_id)
