"""What the AI interview services share: the passed signal, the move permission, task enqueueing after
commit, the vendor's actor label, the job's AI policy and the result a staff member may act on."""

import functools

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.http import Http404

from hrsys.core.actors import staff_user as _user
from hrsys.core.timezones import local_text

from .. import tasks
from ..models import AIInterviewResult, JobAIPolicy

#: Sent after commit when a result passed and the application advanced to interviews:
#: kwargs ``application_id``, ``result_id``. Scheduling may connect to it (R-PIPE-3).
ai_interview_passed = Signal()
#: interviews.services functions tried, in order, to start scheduling the next round (R-PIPE-3).
NEXT_ROUND_HOOKS = ("interview_propose_next_round", "next_round_propose", "interview_next_round_start")
MOVE_PERMISSION = "candidates.change_application"
RELATED_INVITATION = "ai_interviews.aiinvitation"


def _enqueue(name: str, obj_id: int) -> None:
    tasks.enqueue(name, obj_id)  # looked up at run time: tests replace tasks.enqueue


def _on_commit(name: str, obj_id: int) -> None:
    transaction.on_commit(functools.partial(_enqueue, name, obj_id))


def vendor_label(vendor) -> str:
    return f"ai:{vendor.slug}"


def job_policy(job) -> JobAIPolicy:
    """The job's AI policy; an unsaved default when HR configured none."""
    try:
        return job.ai_policy
    except JobAIPolicy.DoesNotExist:
        return JobAIPolicy(job=job, rejection_hold_hours=int(getattr(settings, "AI_INTERVIEWS_REJECTION_HOLD_HOURS", 0)))


_local = local_text


def _result_for_actor(actor, result_id, *, lock=True):
    user = _user(actor)
    qs = AIInterviewResult.objects.for_user(user) if user is not None else AIInterviewResult.objects.all()
    if not qs.filter(pk=result_id).exists():
        raise Http404
    base = AIInterviewResult.objects.select_related("vendor")
    return (base.select_for_update(of=("self",)) if lock else base).get(pk=result_id)


def full_clean_with(obj, errors: dict | None = None) -> None:
    """``full_clean`` with the errors found before it (fields it skips), all raised together: nothing is saved."""
    errors = dict(errors or {})
    try:
        obj.full_clean(exclude=list(errors))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
