"""Vendor deliveries: received (verified, stored raw and answered at once), then processed by a worker task
(the mapped result, the candidate's stated preferences, revisions with their history, the automatic move
enqueued), idempotent at both steps (R-AI-1, R-AI-2, R-AI-3).

The webhook's request does only what the vendor must be told about -- a bad signature, a body that is not
a result of ours (malformed, unknown assessment id, scores outside the vendor's scale): those are refused
with nothing stored -- and commits one :class:`Delivery` row keyed by the vendor's delivery id. Scoring, the
result, the pipeline move and messages happen in ``ai_delivery_process`` (Celery task
``ai_interviews.process_delivery``), which records on the row whether it worked and why not; failures are
retried by the sweep ``ai_deliveries_requeue_due`` with back-off.
"""

import functools
import hashlib
import json
import logging
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm
from hrsys.events.services import event_publish

from .. import hand_over, mapping
from ..adapters.base import DeliveryError, ParsedDelivery, PayloadError, UnknownAssessment
from ..models import (
    AIInterviewResult,
    AIInvitation,
    AIMedia,
    CandidatePreferences,
    Decision,
    Delivery,
    Vendor,
)
from ._common import MOVE_PERMISSION, _on_commit, job_policy, vendor_label
from .invitations import _action_on_locked

logger = logging.getLogger(__package__)

#: processing attempts before a failing delivery waits for someone to press "process again"
MAX_ATTEMPTS = 8


def _body_text(body: bytes) -> str:
    return body.decode("utf-8", errors="replace")


def _report_link(url: str) -> str:
    """The vendor's report link, shown to HR as a link: kept only when it is an https (or http) URL, so a
    ``javascript:`` or ``file:`` link never reaches a page (R-SEC-1). The server fetches the report only as
    a media row (``ai_media_fetch``), under the vendor's media host rules."""
    url = (url or "").strip()[:1000]
    return url if _web_url(url) else ""


def _web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("https", "http") and bool(parts.netloc)


def _media_create(result, media: list[tuple[str, str]]) -> list[int]:
    """A media row per web link of the delivery, fetched after commit by the worker (R-AI-6)."""
    return [AIMedia.objects.create(result=result, kind=kind, source_url=url.strip()).pk
            for kind, url in media if _web_url(url.strip())]


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


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _unknown_assessment(parsed: ParsedDelivery) -> UnknownAssessment:
    return UnknownAssessment(_("Unknown assessment id %(id)s: no invitation of this vendor has it.")
                             % {"id": parsed.assessment_id[:120]},
                             fields={"assessment_id": [_("No invitation has this assessment id.")]})


def _check_result_fields(vendor: Vendor, parsed: ParsedDelivery) -> None:
    """What makes a result delivery unusable whatever the database holds: no result id, scores outside the
    vendor's scale (PayloadError, 400)."""
    if parsed.kind == "progress":
        return
    if not parsed.vendor_result_id:
        raise PayloadError(_("The result id is missing."), code="missing_id",
                           fields={"result_id": [_("This field is required.")]})
    mapping.map_scores(vendor, parsed.overall, parsed.dimensions)


_RECEIVE_LOOKUPS = """
    SELECT d.id, d.status,
           (SELECT i.id FROM {invitation} i WHERE i.vendor_id = %s AND i.assessment_id = %s) AS invitation_id,
           (SELECT r.id FROM {result} r WHERE r.vendor_id = %s AND r.vendor_result_id = %s) AS result_id
    FROM (SELECT 1) AS one LEFT JOIN {delivery} d ON d.vendor_id = %s AND d.delivery_key = %s
"""


def _result_key(parsed: ParsedDelivery) -> str | None:
    """The result id a stored result would be found under: a result's, not a revision's (that one replaces it)."""
    return parsed.vendor_result_id if parsed.kind == "result" and not parsed.revision else None


def _receive_lookups(vendor: Vendor, parsed: ParsedDelivery, delivery_key: str) -> dict:
    """In one statement, each part on a unique index: the delivery stored under this key (id and status),
    the invitation of the assessment id, and the result already stored under this result id (a result that
    is not a revision). Written as SQL: building it with the ORM cost the vendor more than running it."""
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_statements().lookups,
                       [vendor.pk, parsed.assessment_id, vendor.pk, _result_key(parsed), vendor.pk, delivery_key])
        delivery_id, delivery_status, invitation_id, known_result_id = cursor.fetchone()
    return {"delivery_id": delivery_id, "delivery_status": delivery_status, "invitation_id": invitation_id,
            "result_id": known_result_id}


#: PostgreSQL: the lookups and the insert in one statement (one round trip, one commit). The insert happens only
#: for a new delivery key of a known invitation; a concurrent copy of the key inserts nothing (ON CONFLICT).
_RECEIVE_AND_STORE = """
    WITH found AS ({lookups}),
    stored AS (
        INSERT INTO {delivery} ({columns}, invitation_id, result_id, status, outcome, processed_at)
        SELECT {values}, found.invitation_id, found.result_id,
               CASE WHEN found.result_id IS NULL THEN %s ELSE %s END,
               CASE WHEN found.result_id IS NULL THEN '' ELSE %s END,
               CASE WHEN found.result_id IS NULL THEN NULL ELSE %s::timestamptz END
        FROM found WHERE found.id IS NULL AND found.invitation_id IS NOT NULL
        ON CONFLICT (vendor_id, delivery_key) DO NOTHING
        RETURNING id
    )
    SELECT found.id, found.status, found.invitation_id, found.result_id, (SELECT id FROM stored) FROM found
"""


class _Statements(NamedTuple):
    lookups: str
    receive_and_store: str
    stored: list  # the Delivery fields whose prepared values follow the lookups' parameters


@functools.cache
def _statements() -> _Statements:
    """The webhook's SQL, written once per process (not once per delivery)."""
    names = ("vendor", "delivery_key", "event", "body", "body_sha256", "headers", "error", "attempts", "source",
             "received_at", "enqueued_at")
    fields = [Delivery._meta.get_field(name) for name in names]
    lookups = _RECEIVE_LOOKUPS.format(invitation=AIInvitation._meta.db_table, result=AIInterviewResult._meta.db_table,
                                      delivery=Delivery._meta.db_table)
    quote = transaction.get_connection().ops.quote_name
    return _Statements(lookups=lookups, stored=fields, receive_and_store=_RECEIVE_AND_STORE.format(
        lookups=lookups, delivery=Delivery._meta.db_table, columns=", ".join(quote(f.column) for f in fields),
        values=", ".join(["%s"] * len(fields))))


def ai_delivery_receive(*, vendor: Vendor, parsed: ParsedDelivery, body: bytes, headers: dict, delivery_key: str,
                        source: str = "webhook", now: datetime | None = None,
                        hand_over: bool = True) -> tuple[Delivery, bool]:
    """Store one verified delivery as received and hand it to the worker after commit (R-AI-1). The webhook
    passes ``hand_over=False`` and calls ``ai_delivery_hand_over`` itself, which never fails its answer.

    Returns ``(delivery, True)`` for a new delivery to process. A known ``delivery_key`` (the vendor
    retrying) returns the stored delivery (its id and status only) and ``False``; so does a new delivery of
    a result already stored (not a revision), kept as processed with outcome "duplicate". Unknown
    assessment ids, a missing result id and scores outside the vendor's scale raise PayloadError before
    anything is written. One read and one insert (on PostgreSQL one statement): the vendor waits for nothing else.
    """
    now = now or timezone.now()
    delivery = Delivery(vendor=vendor, delivery_key=delivery_key, event=parsed.event[:60], body=_body_text(body),
                        body_sha256=hashlib.sha256(body).hexdigest(), headers=headers, source=source,
                        received_at=now, enqueued_at=now)
    connection = transaction.get_connection()
    found = None
    if connection.vendor == "postgresql":
        try:
            _check_result_fields(vendor, parsed)
        except PayloadError:
            # The answer follows the lookups' order, as on the two-statement path: a retry of a stored delivery
            # stays a duplicate, an unknown assessment id says so; only then the fields' error.
            found = _receive_lookups(vendor, parsed, delivery_key)
            if found["delivery_id"] is None and found["invitation_id"] is not None:
                raise
        else:
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                found = _receive_and_store(delivery, parsed, now=now)
            if found["delivery_id"] is None and found["invitation_id"] is not None and found["stored_id"] is None:
                # A concurrent copy with the same delivery key committed first: that one is the delivery.
                stored = Delivery.objects.filter(vendor=vendor, delivery_key=delivery_key).only("id", "status")
                return stored.get(), False
    else:
        found = _receive_lookups(vendor, parsed, delivery_key)
    if found["delivery_id"] is not None:
        return Delivery(pk=found["delivery_id"], vendor=vendor, status=found["delivery_status"]), False
    if found["invitation_id"] is None:
        raise _unknown_assessment(parsed)
    known_result_id = found["result_id"]
    delivery.invitation_id = found["invitation_id"]
    if known_result_id is not None:  # nothing to process: the vendor sent a result we hold
        delivery.status, delivery.outcome, delivery.result_id = Delivery.Status.PROCESSED, Delivery.Outcome.DUPLICATE, \
            known_result_id
        delivery.processed_at = now
    if found.get("stored_id") is not None:
        delivery.pk = found["stored_id"]
        if known_result_id is None and hand_over:
            _on_commit("process_delivery", delivery.pk)
        return delivery, known_result_id is None
    _check_result_fields(vendor, parsed)
    try:
        # One INSERT: outside a transaction it is a transaction of its own, committed when it returns (no
        # BEGIN and COMMIT round trips for the vendor to wait for); inside a caller's, a savepoint keeps a
        # unique violation from breaking it. The task is enqueued after the commit either way.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            delivery.save(force_insert=True)
            if known_result_id is None and hand_over:
                _on_commit("process_delivery", delivery.pk)
    except IntegrityError:
        # A concurrent copy with the same delivery key committed first: that one is the delivery.
        stored = Delivery.objects.filter(vendor=vendor, delivery_key=delivery_key).only("id", "status").first()
        if stored is None:
            raise
        return stored, False
    return delivery, known_result_id is None


def _receive_and_store(delivery: Delivery, parsed: ParsedDelivery, *, now: datetime) -> dict:
    """PostgreSQL: the lookups of ``_receive_lookups`` and the insert of a new delivery in one statement.
    Outside a transaction it commits when it returns. The columns' values are prepared by their fields, so
    the body is encrypted and the headers are JSON as the ORM writes them."""
    connection = transaction.get_connection()
    statements = _statements()
    values = [field.get_db_prep_save(getattr(delivery, field.attname), connection) for field in statements.stored]
    vendor_id = delivery.vendor_id
    with connection.cursor() as cursor:
        cursor.execute(statements.receive_and_store, [
            vendor_id, parsed.assessment_id, vendor_id, _result_key(parsed), vendor_id, delivery.delivery_key, *values,
            Delivery.Status.RECEIVED, Delivery.Status.PROCESSED, Delivery.Outcome.DUPLICATE, now])
        delivery_id, delivery_status, invitation_id, known_result_id, stored_id = cursor.fetchone()
    return {"delivery_id": delivery_id, "delivery_status": delivery_status, "invitation_id": invitation_id,
            "result_id": known_result_id, "stored_id": stored_id}


def ai_delivery_hand_over(delivery_id: int) -> None:
    """Give a stored (committed) delivery to the worker: in this process's next batch (``interviews.ai.hand_over``).
    A broker that is down costs the webhook no error answer: the delivery is stored and the sweep hands it over
    later."""
    hand_over.batch.add(delivery_id)


def ai_delivery_process(*, delivery_id: int, now: datetime | None = None) -> str:
    """Process one received delivery (the worker task ``ai_interviews.process_delivery``; R-AI-1, R-AI-2).

    Idempotent: the delivery row is locked and a processed delivery is left alone, so a task delivered
    twice, or re-enqueued by the sweep while another worker had it, stores the result once. The stored body
    is parsed again by the vendor's adapter. A body that no longer fits (the invitation or the vendor's
    scale changed meanwhile) fails for good with the reason; any other error fails with its kind and is
    retried with back-off by ``ai_deliveries_requeue_due``. Returns the outcome or "failed".
    """
    now = now or timezone.now()
    try:
        return _process(delivery_id=delivery_id, now=now)
    except DeliveryError as exc:
        return _record_failure(delivery_id, reason=exc.message, retry=False, now=now)
    except Exception as exc:  # noqa: BLE001 - recorded on the delivery for HR, retried by the sweep
        # Only the id and the error's kind: an exception's text may quote the body (personal data).
        logger.warning("AI interview delivery %s failed: %s", delivery_id, exc.__class__.__name__)
        return _record_failure(delivery_id, retry=True, now=now, reason=_(
            "Unexpected error (%(kind)s) while processing; tried again automatically.")
            % {"kind": exc.__class__.__name__})


@transaction.atomic
def _process(*, delivery_id: int, now: datetime) -> str:
    delivery = (Delivery.objects.select_for_update(of=("self",)).select_related("vendor")
                .filter(pk=delivery_id).first())
    if delivery is None or delivery.status == Delivery.Status.PROCESSED:
        return delivery.outcome if delivery else "missing"
    vendor = delivery.vendor
    parsed = vendor.adapter_instance().parse(delivery.body.encode("utf-8"), headers=delivery.headers)
    _apply(delivery, vendor, parsed, now=now)
    return delivery.outcome


def _record_failure(delivery_id: int, *, reason: str, retry: bool, now: datetime) -> str:
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status == Delivery.Status.PROCESSED:
            return delivery.outcome if delivery else "missing"
        delivery.attempts += 1
        delivery.status, delivery.error = Delivery.Status.FAILED, str(reason)[:2000]
        retry = retry and delivery.attempts < _setting("AI_DELIVERY_MAX_ATTEMPTS", MAX_ATTEMPTS)
        delivery.next_attempt_at = now + timedelta(minutes=min(2 ** (delivery.attempts - 1), 60)) if retry else None
        delivery.save(update_fields=["attempts", "status", "error", "next_attempt_at"])
    return Delivery.Status.FAILED


def ai_deliveries_requeue_due(*, now: datetime, batch: int = 200) -> dict:
    """Sweep: deliveries left "received" longer than ``AI_DELIVERY_REQUEUE_SECONDS`` (default 300: the
    broker lost the task, or no worker ran) and failed ones whose retry is due go to the worker again."""
    lease = timedelta(seconds=_setting("AI_DELIVERY_REQUEUE_SECONDS", 300))
    stale = now - lease
    waiting = Q(status=Delivery.Status.RECEIVED) & (Q(enqueued_at__lte=stale) | Q(enqueued_at__isnull=True))
    retry_due = Q(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
    with transaction.atomic():
        ids = list(Delivery.objects.select_for_update(skip_locked=True).filter(waiting | retry_due)
                   .order_by("received_at", "pk").values_list("pk", flat=True)[:batch])
        claimed = Delivery.objects.filter(pk__in=ids)
        claimed.filter(status=Delivery.Status.RECEIVED).update(enqueued_at=now)
        # a failed delivery keeps a next attempt (a lease): if this task is lost too, the sweep tries again
        claimed.filter(status=Delivery.Status.FAILED).update(enqueued_at=now, next_attempt_at=now + lease)
        for delivery_id in ids:
            _on_commit("process_delivery", delivery_id)
    return {"queued": len(ids)}


@transaction.atomic
def ai_delivery_retry(*, actor, delivery_id: int) -> Delivery:
    """Someone asks a failed delivery to be processed again now (the admin's action)."""
    require_perm(actor, MOVE_PERMISSION)
    delivery = Delivery.objects.select_for_update().get(pk=delivery_id)
    if delivery.status != Delivery.Status.FAILED:
        return delivery
    delivery.enqueued_at, delivery.next_attempt_at = timezone.now(), None
    delivery.save(update_fields=["enqueued_at", "next_attempt_at"])
    audit_record(actor=actor, action="ai_delivery.retry", obj=delivery,
                 changes={"attempts": [None, delivery.attempts]}, reason=delivery.error[:200])
    _on_commit("process_delivery", delivery.pk)
    return delivery


def ai_delivery_ingest(*, vendor: Vendor, parsed: ParsedDelivery, body: bytes, headers: dict, delivery_key: str,
                       source: str = "webhook", now: datetime | None = None) -> tuple[Delivery, bool]:
    """Store one verified delivery and process it in the same transaction (the bulk import and the demo
    story: the staff member waits for the report; R-AI-3). The webhook uses ``ai_delivery_receive``.

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
    delivery = Delivery(vendor=vendor, delivery_key=delivery_key, event=parsed.event[:60], body=_body_text(body),
                        body_sha256=hashlib.sha256(body).hexdigest(), headers=headers, source=source,
                        received_at=now, enqueued_at=now)
    _apply(delivery, vendor, parsed, now=now)
    return delivery, delivery.outcome != Delivery.Outcome.DUPLICATE


def _apply(delivery: Delivery, vendor: Vendor, parsed: ParsedDelivery, *, now: datetime) -> None:
    """What a delivery does: a candidate action, a new result, a revision or nothing (a duplicate); the
    delivery row saved as processed with its outcome. Runs in the caller's transaction."""
    # Lock the invitation row only (not the joined job / department rows every delivery shares): concurrent
    # deliveries for one candidate serialise, others do not wait.
    invitation = (AIInvitation.objects.select_for_update(of=("self",))
                  .select_related("application__job__ai_policy", "application__candidate")
                  .filter(vendor=vendor, assessment_id=parsed.assessment_id).first())
    if invitation is None:
        raise _unknown_assessment(parsed)
    delivery.invitation = invitation
    delivery.status, delivery.processed_at, delivery.error, delivery.next_attempt_at = \
        Delivery.Status.PROCESSED, now, "", None
    delivery.attempts += 1
    received = delivery.received_at or now
    label = vendor_label(vendor)
    if parsed.kind == "progress":
        delivery.outcome = Delivery.Outcome.EVENT
        delivery.save()
        at = parsed.started_at if parsed.action == "started" else parsed.completed_at
        _action_on_locked(invitation, kind=parsed.action, source=label, at=at or received,
                          detail={"event": parsed.event})
        return
    _check_result_fields(vendor, parsed)
    values = _result_values(vendor, invitation, parsed)
    result = (AIInterviewResult.objects.select_for_update()
              .filter(vendor=vendor, vendor_result_id=parsed.vendor_result_id).first())
    if result is not None and not parsed.revision:
        delivery.outcome, delivery.result = Delivery.Outcome.DUPLICATE, result
        delivery.save()
        return
    if result is not None:
        _revise(result, values, delivery, label)
        return
    # A unique violation here (a concurrent copy committed first) aborts this transaction; the caller
    # retries (ai_delivery_ingest at once, the worker through the sweep) and finds the stored copy.
    result = AIInterviewResult.objects.create(
        application=invitation.application, vendor=vendor, invitation=invitation,
        vendor_result_id=parsed.vendor_result_id, received_at=received, source=delivery.source, **values)
    delivery.outcome, delivery.result = Delivery.Outcome.STORED, result
    delivery.save()
    _preferences_save(result)
    media_ids = _media_create(result, parsed.media)
    _action_on_locked(invitation, kind="result", source=label, at=parsed.completed_at or received,
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
    if values["report_url"] and not result.media.filter(kind=AIMedia.Kind.REPORT).exists():
        # the first delivery had no report yet (or no usable link): fetch the one this revision names
        for media_id in _media_create(result, [(AIMedia.Kind.REPORT, values["report_url"])]):
            _on_commit("fetch_media", media_id)
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
