"""Every write of AI interviews (R-AI-1..7, R-PIPE-3, R-PIPE-7), one module per sub-domain: ``invitations``,
``ingestion`` (vendor deliveries), ``results`` (what a result does to the application: moves, holds, review),
``media`` and ``questions``; ``_common`` holds what they share. Every public name is importable from here.

Public services
---------------
* ``ai_interview_invite`` -- invite an application to a vendor's AI interview: the vendor side here, the booking
  (invitation message, reminders, no-show, rebooking) through ``interviews.services.interview_schedule``.
* ``invitation_action_record`` -- link opened / started / completed (R-AI-7).
* ``ai_delivery_receive`` -- the webhook: store one verified, parsed vendor delivery as received (idempotent)
  and hand it to the worker (``ai_delivery_hand_over``: the webhook does it after answering, in batches of
  its process, ``interviews/ai/hand_over.py``);
  ``ai_delivery_process`` -- the worker task: its result, scores and the moves
  enqueued, status and failure reason on the delivery; ``ai_deliveries_requeue_due`` -- the sweep that
  hands deliveries left waiting or failed back to the worker; ``ai_delivery_retry`` -- "process again".
* ``ai_delivery_ingest`` -- store and process one delivery at once (the bulk import, the demo story).
* ``ai_result_apply_moves`` -- the automatic pipeline move for a stored result (task, after commit).
* ``ai_holds_release_due`` / ``ai_hold_release`` / ``ai_hold_cancel`` -- held rejections.
* ``ai_review_decide`` -- HR decides a borderline result.
* ``ai_media_fetch`` / ``ai_media_upload`` / ``ai_media_purge_due`` -- recordings and reports (R-AI-6).
* ``question_usage_record`` -- a bank question was asked in a round (R-AI-5); ``question_create`` /
  ``question_update`` -- the bank over the API (R-AI-5, R-INT-4).
* ``vendor_create`` / ``vendor_update``, ``job_ai_policy_create`` / ``job_ai_policy_update`` -- configuration over
  the API, secrets write-only (R-INT-4); ``job_ai_settings_save`` -- the job family and question tags given
  with a job through the job API.

Applications only move through ``candidates.services.application_transition``.
"""

from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user

from ._common import (
    MOVE_PERMISSION,
    NEXT_ROUND_HOOKS,
    RELATED_INVITATION,
    ai_interview_passed,
    job_policy,
    vendor_label,
)
from .config import (
    job_ai_policy_create,
    job_ai_policy_update,
    job_ai_settings_save,
    vendor_create,
    vendor_update,
)
from .ingestion import (
    ai_deliveries_requeue_due,
    ai_delivery_hand_over,
    ai_delivery_ingest,
    ai_delivery_process,
    ai_delivery_receive,
    ai_delivery_retry,
)
from .invitations import (
    ai_interview_invite,
    invitation_action_record,
    on_application_closed,
    on_candidate_action,
)
from .media import (
    MEDIA_CONTENT_TYPES,
    MediaFetchError,
    ai_media_fetch,
    ai_media_purge_due,
    ai_media_upload,
    media_max_bytes,
)
from .questions import question_create, question_update, question_usage_record
from .results import (
    ai_hold_cancel,
    ai_hold_release,
    ai_holds_release_due,
    ai_result_apply_moves,
    ai_review_decide,
    start_next_round_scheduling,
)

__all__ = [
    "MEDIA_CONTENT_TYPES", "MOVE_PERMISSION", "NEXT_ROUND_HOOKS", "RELATED_INVITATION", "MediaFetchError",
    "_require", "_user",  # the bulk import checks as the services do
    "ai_deliveries_requeue_due", "ai_delivery_hand_over", "ai_delivery_ingest", "ai_delivery_process", "ai_delivery_receive",
    "ai_delivery_retry", "ai_hold_cancel", "ai_hold_release", "ai_holds_release_due", "ai_interview_invite",
    "ai_interview_passed", "ai_media_fetch", "ai_media_purge_due", "ai_media_upload", "ai_result_apply_moves",
    "ai_review_decide", "invitation_action_record", "job_ai_policy_create", "job_ai_policy_update",
    "job_ai_settings_save", "job_policy", "media_max_bytes", "on_application_closed", "on_candidate_action",
    "question_create", "question_update", "question_usage_record", "start_next_round_scheduling", "vendor_create",
    "vendor_label", "vendor_update",
]
