"""What an AI interview kept of a person, erased when the candidate is anonymised (R-SEC-5, R-SEC-6).

Kept as anonymised statistics: the result rows with their scores by dimension, decision, dates and vendor.
Gone: the transcript, the vendor's observations and report link, what the candidate said about times and salary,
the recordings and reports (files deleted, rows marked purged), the raw webhook bodies quoting all of it and
HR's notes on questions asked.
"""

from django.db.models import Q

from hrsys.audit.services import audit_record

from ..models import AIInterviewResult, AIMedia, CandidatePreferences, Delivery, QuestionUsage


def on_candidate_anonymised(sender, *, candidate, actor=None, now, **kwargs):
    results = AIInterviewResult.objects.filter(application__candidate=candidate)
    erased = 0
    for result in results.select_for_update():
        result.transcript, result.preferences, result.signals, result.report_url = "", {}, {}, ""
        result.save(update_fields=["transcript", "preferences", "signals", "report_url"])
        erased += 1
    files = 0
    for media in AIMedia.objects.select_for_update().filter(result__application__candidate=candidate) \
            .exclude(status=AIMedia.Status.PURGED, file=""):
        if media.file:
            media.file.delete(save=False)
            files += 1
        media.status, media.purged_at, media.file, media.source_url = AIMedia.Status.PURGED, now, "", ""
        media.save(update_fields=["status", "purged_at", "file", "source_url"])
    CandidatePreferences.objects.filter(application__candidate=candidate).update(available_times=[],
                                                                                 expected_salary="")
    Delivery.objects.filter(Q(result__application__candidate=candidate)
                            | Q(invitation__application__candidate=candidate)).update(body="")
    QuestionUsage.objects.filter(application__candidate=candidate).update(note="")
    if erased or files:
        audit_record(actor=actor or "retention", action="ai_result.erase", obj=candidate,
                     changes={"results": [None, erased], "files": [None, files]})
