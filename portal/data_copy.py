"""The copy of a candidate's data they asked for (PIPL art. 45, R-SEC-6): one ZIP with ``data.json`` and their files.

``data.json`` holds what we keep about the person, decrypted: their details, each application with its stage
history, interviews with the feedback written on them, AI interview results with the transcript, the messages
sent to them, offers, onboarding details and checklist. ``files/`` holds the files: résumés, credential scans,
AI recordings and reports, offer letters (and the signed copy), onboarding documents. Who at the company wrote
what (interviewers' and HR's names) is left out: that is their data, not the candidate's.

Read-only: the caller (``subject_request_copy_prepare``) stores the result and records it.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from candidates.models import ConsentRecord, TransitionLog
from interviews.ai.models import AIInterviewResult, CandidatePreferences
from interviews.models import Interview, InterviewFeedback
from notifications.models import Notification
from onboarding.models import CandidateDocument, ChecklistItem, Offer, OnboardingCase, OnboardingInfo
from onboarding.selectors import ONBOARDING_FIELDS

#: the JSON file's name inside the ZIP
DATA_JSON = "data.json"


def _value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _fields(obj, names) -> dict:
    return {name: _value(getattr(obj, name)) for name in names}


class _Files:
    """The files going into the ZIP: each one's decrypted bytes under a unique path."""

    def __init__(self):
        self.entries: list[tuple[str, bytes]] = []
        self._names: set[str] = set()

    def add(self, folder: str, field, name: str = "") -> str | None:
        """Read ``field`` (an encrypted FileField) and return its path in the ZIP; ``None`` when there is none
        or it can no longer be read (a file removed by retention: the JSON says so, the copy is still made)."""
        if not field:
            return None
        try:
            with field.open("rb") as fh:
                data = fh.read()
        except (FileNotFoundError, OSError):
            return None
        base = (name or field.name.rsplit("/", 1)[-1]).replace("/", "_").replace("\\", "_") or "file"
        path, n = f"files/{folder}/{base}", 1
        while path in self._names:
            n += 1
            stem, dot, ext = base.rpartition(".")
            path = f"files/{folder}/{stem or base}-{n}{dot}{ext}" if dot else f"files/{folder}/{base}-{n}"
        self._names.add(path)
        self.entries.append((path, data))
        return path


def candidate_copy_data(candidate, files: _Files) -> dict:  # noqa: PLR0915 - one section per kind of data
    data: dict = {"generated_at": timezone.now().isoformat()}
    data["candidate"] = _fields(candidate, ("name", "phone", "email", "id_number", "education", "years_experience",
                                            "skills", "source", "preferred_language", "consent_version",
                                            "consent_at", "created_at"))
    data["consents"] = [{**_fields(c, ("purpose", "given", "notice_version", "at", "channel")),
                         "organization": c.organization.name}
                        for c in ConsentRecord.objects.filter(candidate=candidate).select_related("organization")
                        .order_by("at", "id")]
    data["resumes"] = [{**_fields(r, ("kind", "original_name", "size", "created_at", "text")),
                        "file": files.add("resumes", r.file, f"{r.pk}-{r.original_name or 'resume'}")}
                       for r in candidate.resumes.order_by("created_at", "id")]
    data["credentials"] = [{**_fields(c, ("type", "number", "issuer", "issued_on", "expires_on", "created_at")),
                            "file": files.add("credentials", c.file)}
                           for c in candidate.credentials.order_by("created_at", "id")]

    apps = list(candidate.applications.select_related("job__department").order_by("created_at", "id"))
    app_ids = [a.pk for a in apps]
    history: dict[int, list] = {}
    for log in TransitionLog.objects.filter(application_id__in=app_ids).order_by("at", "id"):
        history.setdefault(log.application_id, []).append(
            _fields(log, ("at", "from_state", "to_state", "transition", "reason")))
    feedback: dict[int, list] = {}
    for fb in InterviewFeedback.objects.filter(interview__application_id__in=app_ids,
                                               submitted_at__isnull=False).order_by("submitted_at", "id"):
        feedback.setdefault(fb.interview_id, []).append(_fields(fb, ("scores", "recommendation", "notes",
                                                                     "submitted_at")))
    interviews: dict[int, list] = {}
    for iv in Interview.objects.filter(application_id__in=app_ids).order_by("starts_at", "id"):
        interviews.setdefault(iv.application_id, []).append({
            **_fields(iv, ("kind", "state", "starts_at", "ends_at", "on_site", "meeting_url", "confirmed_at",
                           "attended_at", "no_show_at", "cancelled_at", "cancel_reason")),
            "feedback": feedback.get(iv.pk, [])})
    results: dict[int, list] = {}
    for res in AIInterviewResult.objects.filter(application_id__in=app_ids).prefetch_related("media") \
            .order_by("received_at", "id"):
        results.setdefault(res.application_id, []).append({
            **_fields(res, ("overall_score", "dimension_scores", "recommendation", "preferences", "transcript",
                            "signals", "completed_at", "received_at")),
            "media": [{"kind": m.kind, "status": m.status,
                       "file": files.add("ai_interviews", m.file, f"{res.pk}-{m.kind}-{m.pk}")}
                      for m in res.media.all()]})
    preferences = {p.application_id: _fields(p, ("available_times", "expected_salary"))
                   for p in CandidatePreferences.objects.filter(application_id__in=app_ids)}
    offers: dict[int, list] = {}
    for offer in Offer.objects.filter(application_id__in=app_ids).order_by("created_at", "id"):
        if offer.state in ("draft", "pending_approval", "approved", "rejected") and not offer.sent_at:
            continue  # never shown to the candidate: an internal draft, not yet theirs
        item = _fields(offer, ("state", "job_level", "monthly_salary", "currency", "expected_salary", "start_date",
                               "probation_months", "valid_until", "working_hours", "benefits", "sent_at",
                               "responded_at", "decline_reason"))
        item["letter_docx"] = files.add("offers", offer.letter_docx, f"offer-{offer.pk}.docx")
        item["letter_pdf"] = files.add("offers", offer.letter_pdf, f"offer-{offer.pk}.pdf")
        signature = offer.signature if hasattr(offer, "signature") else None  # hasattr: no row raises
        if signature is not None:
            item["signature"] = {**_fields(signature, ("typed_name", "signed_at")),
                                 "signed_copy": files.add("offers", signature.signed_copy,
                                                          f"offer-{offer.pk}-signed.docx")}
        offers.setdefault(offer.application_id, []).append(item)
    data["applications"] = [{
        "job": a.job.title, "department": a.job.department.name, "state": a.state, "source": a.source,
        "applied_at": _value(a.created_at), "match_score": a.match_score,
        "stage_history": history.get(a.pk, []), "interviews": interviews.get(a.pk, []),
        "ai_interviews": results.get(a.pk, []), "preferences": preferences.get(a.pk),
        "offers": offers.get(a.pk, []),
    } for a in apps]

    data["messages"] = [{
        **_fields(n, ("channel", "status", "subject", "body", "created_at", "sent_at", "delivered_at", "read_at")),
        "text_erased": n.erased_at is not None,
    } for n in Notification.objects.for_recipient(candidate._meta.label_lower, candidate.pk).order_by("created_at", "id")]

    info = OnboardingInfo.objects.filter(candidate=candidate).first()
    cases = list(OnboardingCase.objects.filter(candidate=candidate).order_by("start_date", "id"))
    items: dict[int, list] = {}
    for item in ChecklistItem.objects.filter(case__in=cases).order_by("order", "id"):
        items.setdefault(item.case_id, []).append(_fields(item, ("category", "title", "owner_role", "due_date",
                                                                 "done_at")))
    data["onboarding"] = {
        "details": _fields(info, ONBOARDING_FIELDS) if info else {},
        "documents": [{**_fields(d, ("kind", "original_name", "content_type", "size", "uploaded_at")),
                       "file": files.add("onboarding", d.file, f"{d.pk}-{d.original_name or d.kind}")}
                      for d in CandidateDocument.objects.filter(candidate=candidate).order_by("uploaded_at", "id")],
        "cases": [{**_fields(c, ("start_date", "state", "completed_at")), "checklist": items.get(c.pk, [])}
                  for c in cases],
    }
    return data


def candidate_copy_zip(candidate) -> tuple[bytes, dict]:
    """The ZIP's bytes and counts per kind (for the audit trail: numbers, never contents)."""
    files = _Files()
    data = candidate_copy_data(candidate, files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(DATA_JSON, json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for path, content in files.entries:
            archive.writestr(path, content)
    counts = {"applications": len(data["applications"]), "messages": len(data["messages"]),
              "files": len(files.entries)}
    return buffer.getvalue(), counts
