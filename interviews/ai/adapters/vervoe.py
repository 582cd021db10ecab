"""Vervoe's report-notification webhook (R-AI-3).

Header ``Vervoe-Signature: t=<unix>,hash=<hex HMAC-SHA256(secret, t + "." + raw body)>``.
The body names the candidate only by ``candidateAssessmentUuid`` (kept on the
invitation). One result per assessment: ``AI_SCORE_CHANGED`` revises it. The report link
(``integrationCandidateCardUrl``) is kept on the result and fetched into encrypted storage as the result's
report, like a recording (only from the vendor's media hosts).
Vervoe's documented example body is not valid JSON (a comma is missing after
``score``): it is answered 400 with the line and column, like any malformed body.
"""

from django.utils.translation import gettext as _

from .base import Adapter, ParsedDelivery, PayloadError, load_json, moment, number

RESULT_EVENTS = {"AI_SCORE", "AI_SCORE_CHANGED", "MANUAL_SCORE", "MANUAL_SCORE_CHANGED", "CANDIDATE_SCORED"}
PROGRESS_EVENTS = {"CANDIDATE_START_INTERVIEW": "started", "CANDIDATE_STARTED": "started",
                   "CANDIDATE_COMPLETE_INTERVIEW": "completed"}
KNOWN_EVENTS = RESULT_EVENTS | set(PROGRESS_EVENTS)


class VervoeAdapter(Adapter):
    label = "Vervoe report notification"
    import_aliases = {"assessment_id": ("candidateAssessmentUuid", "Candidate Assessment UUID"),
                      "overall_score": ("score", "Score", "AI Score")}

    def parse(self, body: bytes, *, headers=None) -> ParsedDelivery:
        data = load_json(body)
        headers = headers or {}
        uuid = data.get("candidateAssessmentUuid")
        if not isinstance(uuid, str) or not uuid.strip():
            raise PayloadError(_("candidateAssessmentUuid is missing."), code="missing_id",
                               fields={"candidateAssessmentUuid": [_("This field is required.")]})
        uuid = uuid.strip()
        score = data.get("score")
        event = str(data.get("event") or data.get("eventType") or data.get("type") or headers.get("Vervoe-Event")
                    or ("AI_SCORE" if isinstance(score, dict) and score.get("score") is not None
                        else "CANDIDATE_COMPLETE_INTERVIEW")).upper()
        if event not in KNOWN_EVENTS:
            raise PayloadError(_("Unknown Vervoe event %(event)s.") % {"event": event}, code="unknown_event",
                               fields={"event": [_("Unknown event.")]})
        started, completed = moment(data.get("startedAt"), "startedAt"), moment(data.get("completedAt"), "completedAt")
        if event in PROGRESS_EVENTS and not (isinstance(score, dict) and score.get("score") is not None):
            return ParsedDelivery(event=event, kind="progress", action=PROGRESS_EVENTS[event], assessment_id=uuid,
                                  started_at=started, completed_at=completed)
        if not isinstance(score, dict) or score.get("score") is None:
            raise PayloadError(_("score.score is missing."), code="missing_score",
                               fields={"score.score": [_("This field is required.")]})
        overall = number(score["score"], "score.score")
        dims = {}
        by_format = score.get("scoreByFormat")
        if isinstance(by_format, dict):
            dims = {str(k): number(v, f"score.scoreByFormat.{k}") for k, v in by_format.items()}
        signals = {k: data[k] for k in ("timeTaken", "submitTime") if isinstance(data.get(k), str)}
        if score.get("type"):
            signals["score_type"] = str(score["type"])[:40]
        report = data.get("integrationCandidateCardUrl") or ""
        report = report.strip() if isinstance(report, str) else ""
        return ParsedDelivery(
            event=event, kind="result", assessment_id=uuid, vendor_result_id=uuid,
            revision=event.endswith("_CHANGED"), overall=overall, dimensions=dims, signals=signals,
            report_url=report, started_at=started, completed_at=completed,
            # fetched with the recordings, under the vendor's media host rules (R-AI-6, R-SEC-1)
            media=[("report", report)] if report else [],
        )
