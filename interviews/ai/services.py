"""Every write of AI interviews (R-AI-1..7, R-PIPE-3, R-PIPE-7).

Public services
---------------
* ``ai_interview_invite`` -- invite an application to a vendor's AI interview: the vendor side here, the booking
  (invitation message, reminders, no-show, rebooking) through ``interviews.services.interview_schedule``.
* ``invitation_action_record`` -- link opened / started / completed (R-AI-7).
* ``ai_delivery_ingest`` -- store one verified, parsed vendor delivery (idempotent); used by the webhook
  and the bulk import.
* ``ai_result_apply_moves`` -- the automatic pipeline move for a stored result (task, after commit).
* ``ai_holds_release_due`` / ``ai_hold_release`` / ``ai_hold_cancel`` -- held rejections.
* ``ai_review_decide`` -- HR decides a borderline result.
* ``ai_media_fetch`` / ``ai_media_upload`` / ``ai_media_purge_due`` -- recordings and reports (R-AI-6).
* ``question_usage_record`` -- a bank question was asked in a round (R-AI-5).

Applications only move through ``candidates.services.application_transition``.
"""

import functools
import hashlib
import json
import logging
import os
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Application
from candidates.models import State as AppState
from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record
from hrsys.core import safe_http
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user
from notifications.models import Notification

from . import mapping, tasks
from .adapters.base import ParsedDelivery, PayloadError, UnknownAssessment
from .models import (
    AIInterviewResult,
    AIInvitation,
    AIMedia,
    CandidatePreferences,
    Decision,
    Delivery,
    InvitationEvent,
    JobAIPolicy,
    Question,
    QuestionUsage,
    Vendor,
)

logger = logging.getLogger(__name__)

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


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


# -- invitations (R-AI-7) ---------------------------------------------------------------------------

@transaction.atomic
def ai_interview_invite(*, actor, application_id: int, vendor_slug: str, deadline: datetime,
                        assessment_id: str = "", candidate_url: str = "",
                        starts_at: datetime | None = None) -> AIInvitation:
    """Invite an application to a vendor's AI interview (R-AI-7, R-PIPE-2, R-NS-1, R-NS-5).

    Records the vendor's assessment id (the key results come back with), the candidate link and the
    deadline, then books the AI interview through ``interviews`` -- the one owner of what follows: the
    application moves (``invite_ai``, ``reinvite_ai`` after a no-show), the invitation with the operating
    guide goes out by e-mail and SMS, reminders are planned (before ``starts_at`` when a time was agreed,
    otherwise before the deadline), and a deadline passed without a result is a no-show. Bad input raises
    ValidationError and a closed or later-stage application a Conflict, before anything is written.
    """
    from interviews.services import interview_schedule  # noqa: PLC0415 - the booking owner

    _require(actor, MOVE_PERMISSION)
    user = _user(actor)
    apps = Application.objects.for_user(user) if user is not None else Application.objects.all()
    app = apps.select_related("job__department", "candidate").filter(pk=application_id).first()
    if app is None:
        raise Http404
    errors: dict[str, list] = {}
    vendor = Vendor.objects.filter(slug=vendor_slug, active=True).first()
    if vendor is None:
        errors["vendor"] = [_("Unknown or inactive AI interview vendor %(slug)s.") % {"slug": vendor_slug}]
    if not isinstance(deadline, datetime) or timezone.is_naive(deadline):
        errors["deadline"] = [_("Give the deadline with its time zone.")]
    elif deadline <= timezone.now():
        errors["deadline"] = [_("The deadline is in the past.")]
    elif starts_at is not None and starts_at >= deadline:
        errors["starts_at"] = [_("The agreed time must be before the deadline.")]
    assessment_id = (assessment_id or "").strip() or str(uuid.uuid4())
    if len(assessment_id) > 120:
        errors["assessment_id"] = [_("At most 120 characters.")]
    if vendor is not None and not candidate_url:
        if vendor.interview_url_template:
            candidate_url = vendor.interview_url_template.replace("{assessment_id}", assessment_id)
        else:
            errors["candidate_url"] = [_("Give the candidate's interview link (the vendor has no link template).")]
    if candidate_url and not str(candidate_url).startswith(("https://", "http://")):
        errors["candidate_url"] = [_("Enter a web address.")]
    if vendor is not None and AIInvitation.objects.filter(vendor=vendor, assessment_id=assessment_id).exists():
        errors["assessment_id"] = [_("This vendor assessment id is already used by another invitation.")]
    if errors:
        raise ValidationError(errors)
    if app.state not in (AppState.SCREENING, AppState.AI_NO_SHOW):
        raise Conflict(_("Only an application in screening (or after a missed AI interview) can be invited to an "
                         "AI interview; this one is %(stage)s.") % {"stage": app.get_state_display()}, allowed=[])
    invitation = AIInvitation.objects.create(application=app, vendor=vendor, assessment_id=assessment_id,
                                             candidate_url=candidate_url, deadline=deadline, created_by=user)
    InvitationEvent.objects.create(invitation=invitation, kind=InvitationEvent.Kind.INVITED,
                                   source=str(user or actor), detail={"deadline": deadline.isoformat()})
    # Without an agreed time the link works at once and stays open until the deadline.
    interview = interview_schedule(
        actor=actor, application_id=app.pk, kind="ai", starts_at=starts_at or timezone.now(), deadline=deadline,
        meeting_url=candidate_url, duration_minutes=job_policy(app.job).duration_minutes,
        vendor_reference=assessment_id, check_availability=starts_at is not None, open_window=starts_at is None)
    invitation.notification = (Notification.objects.filter(related_type="interviews.interview",
                                                           related_id=str(interview.pk),
                                                           idempotency_key__contains=":invite:")
                               .order_by("pk").first())
    invitation.save(update_fields=["notification"])
    audit_record(actor=actor, action="ai_invitation.create", obj=invitation,
                 changes={"vendor": [None, vendor.slug], "assessment_id": [None, assessment_id],
                          "deadline": [None, deadline.isoformat()], "interview": [None, interview.pk]})
    return invitation


_STATUS_ORDER = [AIInvitation.Status.INVITED, AIInvitation.Status.OPENED, AIInvitation.Status.STARTED,
                 AIInvitation.Status.COMPLETED]
_ACTION_STATUS = {"link_open": AIInvitation.Status.OPENED, "started": AIInvitation.Status.STARTED,
                  "completed": AIInvitation.Status.COMPLETED, "result": AIInvitation.Status.COMPLETED}
_ACTION_FIELD = {"link_open": "opened_at", "started": "started_at", "completed": "completed_at",
                 "result": "completed_at"}


@transaction.atomic
def invitation_action_record(*, invitation_id: int, kind: str, source: str, at: datetime | None = None,
                             detail: dict | None = None) -> InvitationEvent:
    """A candidate action on an AI interview: link opened, started, completed (R-AI-7).

    Every report is kept as an event; the invitation's status only moves forward
    and keeps the first time of each step.
    """
    if kind not in InvitationEvent.Kind.values:
        raise ValidationError({"kind": [_("Unknown action %(kind)s.") % {"kind": kind}]})
    invitation = AIInvitation.objects.select_for_update().get(pk=invitation_id)
    return _action_on_locked(invitation, kind=kind, source=source, at=at, detail=detail)


def _action_on_locked(invitation, *, kind, source, at=None, detail=None) -> InvitationEvent:
    """invitation_action_record for an invitation the caller locked in its transaction."""
    at = at or timezone.now()
    event = InvitationEvent.objects.create(invitation=invitation, kind=kind, at=at, source=source[:60],
                                           detail=detail or {})
    status = _ACTION_STATUS.get(kind)
    changed = []
    if status and invitation.status in _STATUS_ORDER and \
            _STATUS_ORDER.index(status) > _STATUS_ORDER.index(invitation.status):
        invitation.status = status
        changed.append("status")
    field = _ACTION_FIELD.get(kind)
    if field and getattr(invitation, field) is None:
        setattr(invitation, field, at)
        changed.append(field)
    if changed:
        invitation.save(update_fields=changed)
    return event


def on_application_closed(sender, application=None, actor=None, **kwargs):
    """A closed application's open AI invitations are cancelled (a late result is still stored, but nothing
    waits for it); their booked interviews are cancelled by ``interviews`` (R-AI-7)."""
    open_ones = AIInvitation.objects.filter(application=application).exclude(
        status__in=[AIInvitation.Status.COMPLETED, AIInvitation.Status.CANCELLED])
    for invitation in open_ones.select_for_update():
        invitation.status = AIInvitation.Status.CANCELLED
        invitation.save(update_fields=["status"])
        audit_record(actor=actor or "pipeline", action="ai_invitation.cancel", obj=invitation,
                     changes={"status": [None, AIInvitation.Status.CANCELLED]}, reason="application closed")


def on_candidate_action(sender, action, notification=None, **kwargs):
    """notifications' signal: the candidate opened the tracked link of an AI interview invitation or of one of
    its reminders (sent by ``interviews`` for the booked AI interview, which carries the assessment id)
    (R-AI-7)."""
    if notification is None or action.kind != "link_open":
        return
    invitation_id = None
    if notification.related_type == RELATED_INVITATION:
        invitation_id = int(notification.related_id)
    elif notification.related_type == "interviews.interview":
        from interviews.models import Interview  # noqa: PLC0415

        booked = (Interview.objects.filter(pk=notification.related_id, kind="ai")
                  .values_list("vendor_reference", "application_id").first())
        if booked and booked[0]:  # assessment ids are unique per vendor only: match the application too
            invitation_id = (AIInvitation.objects.filter(assessment_id=booked[0], application_id=booked[1])
                             .order_by("-pk").values_list("pk", flat=True).first())
    if invitation_id and AIInvitation.objects.filter(pk=invitation_id).exists():
        invitation_action_record(invitation_id=invitation_id, kind="link_open", source="tracked_link", at=action.at,
                                 detail={"candidate_action": action.pk})


# -- ingestion (R-AI-1, R-AI-2, R-AI-3) ----------------------------------------------------------------

def _body_text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _report_link(url: str) -> str:
    """The vendor's report link, shown to HR as a link and never fetched by the server: kept only when it
    is an https (or http) URL, so a ``javascript:`` or ``file:`` link never reaches a page (R-SEC-1)."""
    url = (url or "").strip()[:1000]
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return url if parts.scheme.lower() in ("https", "http") and parts.netloc else ""


def _result_values(vendor, invitation, parsed: ParsedDelivery) -> dict:
    """Mapped and validated result fields; PayloadError (400) for out-of-range scores."""
    job = invitation.application.job
    overall, dims, unmapped = mapping.map_scores(vendor, parsed.overall, parsed.dimensions)
    decision, detail = mapping.decide(job, job_policy(job), overall, dims)
    return {
        "overall_raw": parsed.overall, "overall_score": overall, "dimension_scores": dims, "unmapped": unmapped,
        "recommendation": parsed.recommendation[:60], "preferences": parsed.preferences,
        "transcript": parsed.transcript, "signals": parsed.signals, "report_url": _report_link(parsed.report_url),
        "completed_at": parsed.completed_at, "decision": decision, "decision_detail": detail,
    }


def ai_delivery_ingest(*, vendor: Vendor, parsed: ParsedDelivery, body: bytes, headers: dict, delivery_key: str,
                       source: str = "webhook", now: datetime | None = None) -> tuple[Delivery, bool]:
    """Store one verified delivery: the raw body and the parsed result in one transaction (R-AI-1).

    Idempotent: a known ``delivery_key`` or a known ``(vendor, vendor_result_id)`` stores
    nothing new and returns ``(delivery, False)``. Unknown assessment ids and out-of-range
    scores raise PayloadError before anything is written. Media downloads, the automatic
    move and messages are enqueued after commit.
    """
    for attempt in (1, 2):
        try:
            return _ingest(vendor=vendor, parsed=parsed, body=body, headers=headers, delivery_key=delivery_key,
                           source=source, now=now or timezone.now())
        except IntegrityError:
            # A concurrent copy of the same delivery or result committed first: the retry finds it.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _ingest(*, vendor, parsed, body, headers, delivery_key, source, now):
    existing = Delivery.objects.filter(vendor=vendor, delivery_key=delivery_key).first()
    if existing is not None:
        return existing, False
    # Lock the invitation row only (not the joined job / department rows every delivery shares): concurrent
    # deliveries for one candidate serialise, others do not wait.
    invitation = (AIInvitation.objects.select_for_update(of=("self",))
                  .select_related("application__job__ai_policy", "application__candidate")
                  .filter(vendor=vendor, assessment_id=parsed.assessment_id).first())
    if invitation is None:
        raise UnknownAssessment(_("Unknown assessment id %(id)s: no invitation of this vendor has it.")
                                % {"id": parsed.assessment_id[:120]},
                                fields={"assessment_id": [_("No invitation has this assessment id.")]})
    body_hash = hashlib.sha256(body).hexdigest()
    delivery = Delivery(vendor=vendor, delivery_key=delivery_key, event=parsed.event[:60], body=_body_text(body),
                        body_sha256=body_hash, headers=headers, invitation=invitation, source=source,
                        received_at=now)
    label = vendor_label(vendor)
    if parsed.kind == "progress":
        delivery.outcome = Delivery.Outcome.EVENT
        delivery.save()
        at = parsed.started_at if parsed.action == "started" else parsed.completed_at
        _action_on_locked(invitation, kind=parsed.action, source=label, at=at or now, detail={"event": parsed.event})
        return delivery, True
    if not parsed.vendor_result_id:
        raise PayloadError(_("The result id is missing."), code="missing_id",
                           fields={"result_id": [_("This field is required.")]})
    values = _result_values(vendor, invitation, parsed)
    result = (AIInterviewResult.objects.select_for_update()
              .filter(vendor=vendor, vendor_result_id=parsed.vendor_result_id).first())
    if result is not None and not parsed.revision:
        delivery.outcome, delivery.result = Delivery.Outcome.DUPLICATE, result
        delivery.save()
        return delivery, False
    if result is not None:
        return _revise(result, values, delivery, label), True
    # A unique violation here (a concurrent copy committed first) aborts this transaction;
    # ai_delivery_ingest retries and finds the stored copy.
    result = AIInterviewResult.objects.create(
        application=invitation.application, vendor=vendor, invitation=invitation,
        vendor_result_id=parsed.vendor_result_id, received_at=now, source=source, **values)
    delivery.outcome, delivery.result = Delivery.Outcome.STORED, result
    delivery.save()
    _preferences_save(result)
    media_ids = [AIMedia.objects.create(result=result, kind=kind, source_url=url).pk for kind, url in parsed.media]
    _action_on_locked(invitation, kind="result", source=label, at=parsed.completed_at or now,
                      detail={"result": result.pk})
    audit_record(actor=label, action="ai_result.store", obj=result,
                 changes={"overall_score": [None, values["overall_score"]], "decision": [None, values["decision"]],
                          "dimensions": [None, {k: v["score"] for k, v in values["dimension_scores"].items()}]})
    _on_commit("apply_moves", result.pk)
    for media_id in media_ids:
        _on_commit("fetch_media", media_id)
    return delivery, True


def _revise(result, values, delivery, label):
    """The vendor re-scored (e.g. Vervoe AI_SCORE_CHANGED): scores change, history in the audit log."""
    before = {"overall_score": result.overall_score, "decision": result.decision}
    for name in ("overall_raw", "overall_score", "dimension_scores", "unmapped", "decision", "decision_detail"):
        setattr(result, name, values[name])
    for name in ("recommendation", "report_url", "transcript"):
        if values[name]:
            setattr(result, name, values[name])
    if values["preferences"]:
        result.preferences = values["preferences"]
    result.revision += 1
    result.save()
    delivery.outcome, delivery.result = Delivery.Outcome.REVISED, result
    delivery.save()
    if values["preferences"]:
        _preferences_save(result)
    audit_record(actor=label, action="ai_result.revise", obj=result,
                 changes={"overall_score": [before["overall_score"], result.overall_score],
                          "decision": [before["decision"], result.decision], "revision": [result.revision - 1,
                                                                                        result.revision]})
    if result.move_status == AIInterviewResult.MoveStatus.HELD and result.decision != Decision.FAIL:
        # The held rejection no longer follows from the scores: HR reviews instead.
        result.move_status, result.hold_until = AIInterviewResult.MoveStatus.PENDING, None
        result.save(update_fields=["move_status", "hold_until"])
    if result.move_status == AIInterviewResult.MoveStatus.PENDING:
        _on_commit("apply_moves", result.pk)
    return delivery


def _preferences_save(result):
    prefs = result.preferences or {}
    if not prefs:
        return None
    # the application's invitation row is locked by the caller: no concurrent insert for this application
    obj = CandidatePreferences.objects.filter(application_id=result.application_id).first() or \
        CandidatePreferences(application_id=result.application_id)
    if "available_times" in prefs:
        obj.available_times = prefs["available_times"]
    if "expected_salary" in prefs:
        obj.expected_salary = json.dumps(prefs["expected_salary"], ensure_ascii=False)
    if "earliest_start_date" in prefs:
        obj.earliest_start_date = datetime.fromisoformat(prefs["earliest_start_date"]).date()
    obj.result = result
    obj.save()
    return obj


# -- automatic moves (R-PIPE-3) -------------------------------------------------------------------------

def _transition(actor, application_id, name, reason=""):
    from candidates.services import application_transition  # noqa: PLC0415

    return application_transition(actor=actor, application_id=application_id, transition=name, reason=reason)


def _report_completion_to_interviews(result, label):
    """interviews keeps an AI Interview row per booked AI interview; tell it the vendor reported completion."""
    if result.invitation is None:
        return
    try:
        from interviews import services as interview_services  # noqa: PLC0415
    except ImportError:
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
    try:
        from interviews import services as interview_services  # noqa: PLC0415
    except ImportError:
        return None
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
    from notifications.services import notification_create  # noqa: PLC0415

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


def _result_for_actor(actor, result_id, *, lock=True):
    user = _user(actor)
    qs = AIInterviewResult.objects.for_user(user) if user is not None else AIInterviewResult.objects.all()
    if not qs.filter(pk=result_id).exists():
        raise Http404
    base = AIInterviewResult.objects.select_related("vendor")
    return (base.select_for_update(of=("self",)) if lock else base).get(pk=result_id)


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


# -- media (R-AI-6) -------------------------------------------------------------------------------------

MEDIA_CONTENT_TYPES = {"video": "video/mp4", "audio": "audio/mpeg", "report": "application/pdf"}


def media_max_bytes() -> int:
    return int(getattr(settings, "AI_INTERVIEWS_MEDIA_MAX_BYTES", 512 * 1024 * 1024))


class MediaFetchError(Exception):
    def __init__(self, message, *, transient: bool):
        super().__init__(message)
        self.transient = transient


def _download(url: str, *, vendor: Vendor, timeout: float = 30) -> tuple[bytes, str]:
    """One SSRF-safe download (R-SEC-1, ``hrsys.core.safe_http``): https only, the vendor's media hosts only
    (an empty list refuses), public addresses only, the API key only to the URL's own host.

    ``AI_MEDIA_HTTP_HOSTS`` / ``AI_MEDIA_ALLOW_PRIVATE_HOSTS`` (tests and development) name hosts that may
    use http / resolve to a private address. Raises ``safe_http.Refused`` or ``MediaFetchError``.
    """
    try:
        fetched = safe_http.fetch(
            url, allowed_hosts=vendor.media_url_hosts,
            http_hosts=getattr(settings, "AI_MEDIA_HTTP_HOSTS", ()),
            private_hosts=getattr(settings, "AI_MEDIA_ALLOW_PRIVATE_HOSTS", ()),
            headers={"User-Agent": "hrsys-ai-media/1"},
            secret_headers={"Authorization": f"Bearer {vendor.api_key}"} if vendor.api_key else None,
            max_bytes=media_max_bytes(), timeout=timeout)
    except safe_http.FetchFailed as exc:
        raise MediaFetchError(str(exc), transient=exc.transient) from None
    return fetched.data, fetched.content_type


def _media_refused(media: AIMedia, vendor: Vendor, reason: str) -> str:
    """A URL the rules refuse: the row fails at once with the reason (shown to HR), never retried (R-SEC-1)."""
    with transaction.atomic():
        row = AIMedia.objects.select_for_update().get(pk=media.pk)
        if row.status != AIMedia.Status.PENDING:
            return row.status
        row.status, row.attempts = AIMedia.Status.FAILED, row.attempts + 1
        row.error = _("Refused: %(reason)s") % {"reason": reason}
        row.save(update_fields=["status", "attempts", "error"])
        audit_record(actor=vendor_label(vendor), action="ai_media.refused", obj=row,
                     changes={"status": [AIMedia.Status.PENDING, AIMedia.Status.FAILED]}, reason=row.error[:500])
    logger.warning("ai media %s refused: %s", media.pk, reason)
    return row.status


def ai_media_fetch(*, media_id: int) -> str:
    """Download a recording or report from the vendor into encrypted storage (R-AI-6, R-SEC-1).

    The download happens outside any transaction; the row is re-checked and updated
    after. A URL the SSRF rules refuse fails the row with the reason (no retry); transient
    failures raise ``MediaFetchError(transient=True)`` for the task to retry.
    """
    media = AIMedia.objects.select_related("result__vendor").get(pk=media_id)
    if media.status != AIMedia.Status.PENDING:
        return media.status
    vendor = media.result.vendor
    parts = urlsplit(media.source_url)
    try:
        data, ctype = _download(media.source_url, vendor=vendor)
    except safe_http.Refused as exc:
        return _media_refused(media, vendor, exc.reason)
    except MediaFetchError as exc:
        with transaction.atomic():
            row = AIMedia.objects.select_for_update().get(pk=media_id)
            row.attempts += 1
            row.error = str(exc)
            if not exc.transient or row.attempts >= int(getattr(settings, "AI_INTERVIEWS_MEDIA_MAX_ATTEMPTS", 5)):
                row.status = AIMedia.Status.FAILED
            row.save(update_fields=["attempts", "error", "status"])
        if exc.transient and row.status == AIMedia.Status.PENDING:
            raise
        return row.status
    ext = os.path.splitext(parts.path)[1].lower()[:6]
    with transaction.atomic():
        row = AIMedia.objects.select_for_update().get(pk=media_id)
        if row.status != AIMedia.Status.PENDING:
            return row.status
        row.file.save(f"{media.kind}{ext}", ContentFile(data), save=False)
        row.content_type = ctype if ctype and ctype != "application/octet-stream" else MEDIA_CONTENT_TYPES[media.kind]
        row.size, row.status, row.stored_at, row.attempts = len(data), AIMedia.Status.STORED, timezone.now(), \
            row.attempts + 1
        row.error = ""
        row.save()
        audit_record(actor=vendor_label(vendor), action="ai_media.store", obj=row,
                     changes={"size": [None, len(data)], "kind": [None, row.kind]})
    return row.status


@transaction.atomic
def ai_media_upload(*, actor, result_id: int, kind: str, data: bytes, filename: str = "",
                    content_type: str = "") -> AIMedia:
    """HR uploads a recording or report the vendor sent another way (R-AI-6)."""
    _require(actor, MOVE_PERMISSION)
    result = _result_for_actor(actor, result_id, lock=False)
    errors = {}
    if kind not in AIMedia.Kind.values:
        errors["kind"] = [_("Choose one of: %(options)s.") % {"options": ", ".join(AIMedia.Kind.values)}]
    if not data:
        errors["file"] = [_("The file is empty.")]
    elif len(data) > media_max_bytes():
        errors["file"] = [_("The file is too large.")]
    if errors:
        raise ValidationError(errors)
    media = AIMedia(result=result, kind=kind, status=AIMedia.Status.STORED, size=len(data), stored_at=timezone.now(),
                    content_type=(content_type or MEDIA_CONTENT_TYPES[kind])[:100], attempts=0)
    ext = os.path.splitext(filename or "")[1].lower()[:6]
    media.file.save(f"{kind}{ext}", ContentFile(data), save=False)
    media.save()
    audit_record(actor=actor, action="ai_media.upload", obj=media, changes={"size": [None, len(data)],
                                                                            "kind": [None, kind]})
    return media


def ai_media_purge_due(*, now: datetime, batch: int = 500) -> dict:
    """Sweep: delete stored recordings and reports older than their vendor's retention period (R-AI-6).

    The row stays (status purged) so the history shows there was a recording and when it went.
    """
    purged = 0
    for vendor in Vendor.objects.all():
        cutoff = now - timedelta(days=vendor.media_retention_days)
        with transaction.atomic():
            rows = list(AIMedia.objects.select_for_update(skip_locked=True)
                        .filter(result__vendor=vendor, status__in=[AIMedia.Status.STORED, AIMedia.Status.PENDING,
                                                                    AIMedia.Status.FAILED],
                                created_at__lt=cutoff)[:batch])
            for media in rows:
                if media.file:
                    media.file.delete(save=False)
                media.status, media.purged_at, media.file = AIMedia.Status.PURGED, now, ""
                media.save(update_fields=["status", "purged_at", "file"])
                audit_record(actor="hr_tick", action="ai_media.purge", obj=media,
                             changes={"status": [None, AIMedia.Status.PURGED]},
                             reason=_("Kept %(days)s days") % {"days": vendor.media_retention_days})
                purged += 1
    return {"purged": purged}


# -- question bank (R-AI-5) -------------------------------------------------------------------------------

@transaction.atomic
def question_usage_record(*, actor, application_id: int, question_id: int, interview_id: int | None = None,
                          note: str = "") -> QuestionUsage:
    """An interviewer asked a bank question in a round: counted for the question's statistics (R-AI-5)."""
    user = _user(actor)
    if user is not None and not Application.objects.for_user(user).filter(pk=application_id).exists():
        raise Http404
    if not Question.objects.filter(pk=question_id, active=True).exists():
        raise ValidationError({"question": [_("Unknown or inactive question.")]})
    usage, created = QuestionUsage.objects.get_or_create(
        question_id=question_id, application_id=application_id, interview_id=interview_id,
        defaults={"asked_by": user, "note": note[:2000]})
    if created:
        audit_record(actor=actor, action="ai_question.asked", obj=usage,
                     changes={"question": [None, question_id], "application": [None, application_id]})
    return usage
