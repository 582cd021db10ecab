"""Every write of the interviews app (R-SCHED-1..5, R-NS-1, R-NS-3, R-NS-5..9, R-HOSP-1, R-PIPE-7), one module per
sub-domain; every public name is importable from here (``from interviews.services import interview_schedule``).

Public services other apps call
-------------------------------
* ``interview_schedule`` / ``interview_reschedule`` / ``interview_cancel`` -- HR and the engine (``booking``).
* ``interview_confirm`` -- the candidate confirmed (link, portal, keypress 1) (``booking``).
* ``interview_mark_attended`` -- the interviewer marks a human round held (``booking``).
* ``interview_ai_completed(*, interview_id=None, vendor_reference=None, result=None, actor="vendor")``
  -- the hook AI-interview ingestion calls when a vendor reports completion (``booking``).
* ``interview_mark_no_show`` -- the sweep (or HR) marks a no-show and starts the follow-up (``no_shows``).
* ``interview_report_could_not_join`` -- the candidate reports a technical problem (portal, reminder link)
  (``join_problems``).
* ``rebooking_book`` -- the candidate picks an offered slot with the signed link (``rebooking``).
* ``feedback_save`` / ``feedback_submit`` -- an interviewer's scorecard (draft, then submitted);
  ``feedback_reminders_send`` -- the sweep reminding interviewers 2 hours after the end (``feedback``).
* ``busy_block_create`` / ``busy_blocks_import_ics`` -- interviewers' busy time (``busy_blocks``).
* ``batch_schedule_start`` / ``batch_schedule_run`` -- batch scheduling (``batch``).
* ``reminder_policy_create`` / ``_update``, ``room_create`` / ``_update`` -- the configuration API (``config``,
  R-INT-4).

The modules: ``booking`` (the interview's own life and the double-booking lock), ``messages`` (what the candidate,
interviewers and HR are told, with calendars), ``reminders``, ``no_shows``, ``rebooking``, ``backups`` (an urgent
job's backup pool), ``join_problems``, ``feedback``, ``busy_blocks``, ``batch``; ``_common`` holds what they share
(lock, event log, pipeline moves, settings).
"""

from ._common import AI_DEADLINE_HOURS, RELATED
from .backups import promote_backup
from .batch import (
    PRIORITY_RANK,
    batch_plan_setup,
    batch_schedule_run,
    batch_schedule_start,
    batch_schedule_validate,
)
from .booking import (
    DEFAULT_AI_MINUTES,
    OPEN_WINDOW_SLACK,
    _availability_problems,
    _clean_interviewers,
    interview_ai_completed,
    interview_cancel,
    interview_confirm,
    interview_mark_attended,
    interview_next_round_start,
    interview_reschedule,
    interview_schedule,
)
from .busy_blocks import busy_block_create, busy_blocks_import_ics
from .config import reminder_policy_create, reminder_policy_update, room_create, room_update
from .feedback import (
    FEEDBACK_REMINDER_LOOKBACK_DAYS,
    FEEDBACK_REMINDER_MINUTES,
    FEEDBACK_STATES,
    NOTES_MAX_CHARS,
    feedback_refusal,
    feedback_remind,
    feedback_reminders_due,
    feedback_reminders_send,
    feedback_save,
    feedback_submit,
)
from .join_problems import interview_report_could_not_join, join_problem_resolve
from .messages import alert_hr
from .no_shows import (
    NO_SHOW_GRACE_MINUTES,
    detect_no_shows,
    interview_mark_no_show,
    no_show_grace,
    no_show_mark_handled,
    no_show_rebook,
    no_show_rebooking_link_send,
)
from .rebooking import (
    REBOOK_ANSWER_HOURS,
    REBOOK_DAYS,
    REBOOK_SLOT_TIMES,
    rebooking_book,
    rebooking_expire_due,
    rebooking_link,
    rebooking_offer_create,
    rebooking_offer_for_token,
    rebooking_slots,
)
from .reminders import ESCALATION, policy_steps

__all__ = [
    "AI_DEADLINE_HOURS", "DEFAULT_AI_MINUTES", "ESCALATION", "FEEDBACK_REMINDER_LOOKBACK_DAYS",
    "FEEDBACK_REMINDER_MINUTES", "FEEDBACK_STATES", "NOTES_MAX_CHARS", "NO_SHOW_GRACE_MINUTES", "OPEN_WINDOW_SLACK",
    "PRIORITY_RANK", "REBOOK_ANSWER_HOURS", "REBOOK_DAYS", "REBOOK_SLOT_TIMES", "RELATED",
    "_availability_problems", "_clean_interviewers",  # the demo story and the schedule form check as booking does
    "alert_hr", "batch_plan_setup", "batch_schedule_run", "batch_schedule_start", "batch_schedule_validate",
    "busy_block_create", "busy_blocks_import_ics", "detect_no_shows", "feedback_refusal", "feedback_remind",
    "feedback_reminders_due", "feedback_reminders_send", "feedback_save", "feedback_submit",
    "interview_ai_completed", "interview_cancel", "interview_confirm", "interview_mark_attended",
    "interview_mark_no_show", "interview_next_round_start", "interview_report_could_not_join",
    "interview_reschedule", "interview_schedule", "join_problem_resolve", "no_show_grace", "no_show_mark_handled",
    "no_show_rebook", "no_show_rebooking_link_send", "policy_steps", "promote_backup", "rebooking_book",
    "rebooking_expire_due", "reminder_policy_create", "reminder_policy_update", "room_create", "room_update", "rebooking_link", "rebooking_offer_create", "rebooking_offer_for_token",
    "rebooking_slots",
]
