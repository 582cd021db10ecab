"""What a stored result does to the application: the automatic move, the next round's scheduling, held
rejections and HR's review (R-PIPE-3)."""

import functools
import logging
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application
from candidates.models import State as AppState
from candidates.services import application_transition
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from interviews import services as interview_services
from notifications.services import notification_create

from ..models import AIInterviewResult, Decision
from ._common import (
    MOVE_PERMISSION,
    NEXT_ROUND_HOOKS,
    _on_commit,
    _result_for_actor,
    ai_interview_passed,
    job_policy,
    vendor_label,
)

logger = logging.getLogger(__package__)  # one logger for the package, named as before the split


def _transition(actor, application_id, name, reason=""):
    return application_transition(actor=actor, application_id=application_id, transition=name, reason=reason)


def _report_completion_to_interviews(result, label):
    """interviews keeps an AI Interview row per booked AI interview; tell it the vendor reported completion."""
    if result.invitation is None:
        return
    hook = getattr(interview_services, "interview_ai_completed", None)
    if hook is None:
        return
    try:
        with transaction.atomic():
            hook(vendor_reference=result.invitation.assessment_id, application_id=result.application_id, actor=label,
                 result={"overall_score": result.overall_score, "decision": result.decision,
                         "dimensions": {k: v["score"] for k, v in result.dimension_scores.items()},
                         "ai_result_id": result.pk})
    except (Http404, Conflict) as exc:
        logger.debug("interviews has no open AI interview for %s: %s", result.invitation.assessment_id, exc)


def start_next_round_scheduling(*, application_id: int, result_id: int, actor) -> object:
    """THE call point "pass -> scheduling of the next round starts" (R-PIPE-3).

    Calls the first of ``NEXT_ROUND_HOOKS`` that interviews.services offers, and
    sends ``ai_interview_passed`` after commit either way.
    """
    transaction.on_commit(functools.partial(ai_interview_passed.send, sender=AIInterviewResult,
                                            application_id=application_id, result_id=result_id))
    for name in NEXT_ROUND_HOOKS:
        hook = getattr(interview_services, name, None)
        if hook is not None:
            with transaction.atomic():
                return hook(actor=actor, application_id=application_id)
    logger.info("no next-round scheduling service in interviews yet (application %s)", application_id)
    return None


def _set_move(result, status, note="", **extra):
    result.move_status = status
    result.move_note = str(note)[:2000]
    if status == AIInterviewResult.MoveStatus.APPLIED:
        result.moved_at = timezone.now()
    for name, value in extra.items():
        setattr(result, name, value)
    result.save(update_fields=["move_status", "move_note", "moved_at", *extra])


def _send_rejection(application, *, actor, key):
    """The job's template message to the candidate (only when the job has one)."""
    job, candidate = application.job, application.candidate
    if not (job.rejection_message or "").strip():
        return None
    try:
        return notification_create(
            recipient=candidate.as_recipient(),
            channel="auto", template_key="application_rejected",
            context={"job_title": job.title, "organization_name": job.organization_name,
                     "message": job.rejection_message},
            idempotency_key=key, department=job.department, related=("candidates.application", application.pk),
            actor=actor)
    except ValidationError as exc:  # unreachable candidate: the rejection stands, HR sees the note
        logger.warning("rejection message for application %s not created: %s", application.pk, exc)
        return None


def _reject(result, *, actor):
    app = _transition(actor, result.application_id, "reject",
                      reason=_("AI interview result below the job's thresholds"))
    _send_rejection(app, actor=actor, key=f"ai_result:{result.pk}:rejection")
    return app


@transaction.atomic
def ai_result_apply_moves(*, result_id: int, now: datetime | None = None) -> str:
    """The automatic move for a stored result (R-PIPE-3); idempotent (runs once per result).

    ai_invited -> ai_completed, then: pass -> advance_to_interview and the next round's
    scheduling starts; borderline -> ai_review (the HR queue); fail -> reject with the job's
    message, or held for the job's hold period first. A move the pipeline refuses (credential
    guards, an application HR already moved) leaves a note and, where possible, the HR queue.
    """
    now = now or timezone.now()
    result = (AIInterviewResult.objects.select_for_update(of=("self",)).select_related("vendor", "invitation")
              .get(pk=result_id))
    if result.move_status != AIInterviewResult.MoveStatus.PENDING:
        return result.move_status
    app = Application.objects.select_related("job").get(pk=result.application_id)
    label = vendor_label(result.vendor)
    policy = job_policy(app.job)
    _report_completion_to_interviews(result, label)
    app.refresh_from_db(fields=["state"])
    try:
        if app.state == AppState.AI_INVITED:
            _transition(label, app.pk, "ai_complete")
            app.refresh_from_db(fields=["state"])
        if app.state != AppState.AI_COMPLETED:
            _set_move(result, AIInterviewResult.MoveStatus.SKIPPED,
                      _("The application is in stage %(stage)s; nothing moved.") % {"stage": app.get_state_display()})
            return result.move_status
        if not policy.auto_moves:
            _transition(label, app.pk, "ai_review")
            _set_move(result, AIInterviewResult.MoveStatus.APPLIED, _("Automatic moves are off for this job."))
            return result.move_status
        if result.decision == Decision.PASS:
            try:
                _transition(label, app.pk, "advance_to_interview")
            except Conflict as exc:
                _transition(label, app.pk, "ai_review")
                _set_move(result, AIInterviewResult.MoveStatus.APPLIED,
                          _("Passed, but could not advance: %(why)s Sent to HR review.") % {"why": exc.detail})
                return result.move_status
            _set_move(result, AIInterviewResult.MoveStatus.APPLIED)
            start_next_round_scheduling(application_id=app.pk, result_id=result.pk, actor=label)
        elif result.decision == Decision.BORDERLINE:
            _transition(label, app.pk, "ai_review")
            _set_move(result, AIInterviewResult.MoveStatus.APPLIED)
        elif policy.rejection_hold_hours:
            _set_move(result, AIInterviewResult.MoveStatus.HELD,
                      _("Rejection held for %(h)s hours; HR may stop it.") % {"h": policy.rejection_hold_hours},
                      hold_until=now + timedelta(hours=policy.rejection_hold_hours))
        else:
            _reject(result, actor=label)
            _set_move(result, AIInterviewResult.MoveStatus.APPLIED)
    except Conflict as exc:
        _set_move(result, AIInterviewResult.MoveStatus.SKIPPED, exc.detail)
    audit_record(actor=label, action="ai_result.move", obj=result,
                 changes={"move_status": [AIInterviewResult.MoveStatus.PENDING, result.move_status]},
                 reason=result.move_note)
    return result.move_status


def ai_holds_release_due(*, now: datetime, batch: int = 200) -> dict:
    """Sweep: held rejections whose hold ran out are enqueued for release (R-PIPE-3)."""
    with transaction.atomic():
        ids = list(AIInterviewResult.objects.select_for_update(skip_locked=True)
                   .filter(move_status=AIInterviewResult.MoveStatus.HELD, hold_until__lte=now)
                   .order_by("hold_until").values_list("pk", flat=True)[:batch])
        for result_id in ids:
            _on_commit("release_hold", result_id)
    return {"due": len(ids)}


@transaction.atomic
def ai_hold_release(*, result_id: int, now: datetime | None = None) -> str:
    """Apply a held rejection once its hold expired; nothing when HR stopped it meanwhile."""
    now = now or timezone.now()
    result = AIInterviewResult.objects.select_for_update(of=("self",)).select_related("vendor").get(pk=result_id)
    if result.move_status != AIInterviewResult.MoveStatus.HELD or result.hold_until is None or result.hold_until > now:
        return result.move_status
    label = vendor_label(result.vendor)
    try:
        _reject(result, actor=label)
        _set_move(result, AIInterviewResult.MoveStatus.APPLIED, _("Rejected after the hold period."))
    except Conflict as exc:
        _set_move(result, AIInterviewResult.MoveStatus.SKIPPED, exc.detail)
    audit_record(actor=label, action="ai_result.hold_release", obj=result,
                 changes={"move_status": [AIInterviewResult.MoveStatus.HELD, result.move_status]})
    return result.move_status


@transaction.atomic
def ai_hold_cancel(*, actor, result_id: int, reason: str = "") -> AIInterviewResult:
    """HR stops a held rejection: the application goes to the HR review queue instead (R-PIPE-3)."""
    _require(actor, MOVE_PERMISSION)
    result = _result_for_actor(actor, result_id)
    if result.move_status != AIInterviewResult.MoveStatus.HELD:
        raise Conflict(_("This result has no rejection on hold."), allowed=[])
    _transition(actor, result.application_id, "ai_review", reason=reason)
    _set_move(result, AIInterviewResult.MoveStatus.HOLD_CANCELLED, reason or _("Stopped by HR."), hold_until=None)
    audit_record(actor=actor, action="ai_result.hold_cancel", obj=result,
                 changes={"move_status": [AIInterviewResult.MoveStatus.HELD, result.move_status]}, reason=reason)
    return result


@transaction.atomic
def ai_review_decide(*, actor, result_id: int, advance: bool, reason: str = "") -> Application:
    """HR decides a result in the review queue: advance (scheduling starts) or reject with the job's message."""
    _require(actor, MOVE_PERMISSION)
    result = _result_for_actor(actor, result_id)
    if advance:
        app = _transition(actor, result.application_id, "advance_to_interview", reason=reason)
        start_next_round_scheduling(application_id=app.pk, result_id=result.pk, actor=actor)
    else:
        app = _reject(result, actor=actor) if not reason else _transition(
            actor, result.application_id, "reject", reason=reason)
        if reason:
            _send_rejection(app, actor=actor, key=f"ai_result:{result.pk}:rejection")
    audit_record(actor=actor, action="ai_result.review", obj=result,
                 changes={"decision": [result.decision, "advance" if advance else "reject"]}, reason=reason)
    return app
