"""Vendor deliveries stored: the raw body and the mapped result in one transaction, idempotent, revisions
with their history, and the candidate's stated preferences (R-AI-1, R-AI-2, R-AI-3)."""

import hashlib
import json
from datetime import datetime
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record
from hrsys.events.services import event_publish

from .. import mapping
from ..adapters.base import ParsedDelivery, PayloadError, UnknownAssessment
from ..models import (
    AIInterviewResult,
    AIInvitation,
    AIMedia,
    CandidatePreferences,
    Decision,
    Delivery,
    Vendor,
)
from ._common import _on_commit, job_policy, vendor_label
from .invitations import _action_on_locked


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
    application = invitation.application
    event_publish(type="ai_result.received", organisation=application.job.department_id, payload={
        "result_id": result.pk, "application_id": application.pk, "candidate_id": application.candidate_id,
        "job_id": application.job_id, "vendor": vendor.slug, "overall_score": result.overall_score,
        "decision": result.decision, "revision": result.revision})
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
