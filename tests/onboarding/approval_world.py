"""An offer waiting for the hiring manager with everything the approval page shows: a résumé, credentials, a match
breakdown, an AI interview result with a stored recording, and feedback from two interview rounds (R-UI-6)."""

import datetime as dt
from types import SimpleNamespace

from django.core.files.base import ContentFile
from django.utils import timezone

from candidates import matching
from candidates.models import Credential, InterviewRound, Resume, State
from interviews.ai.models import AIInterviewResult, AIMedia
from interviews.models import Interview, InterviewFeedback
from onboarding import services
from tests.ai_interviews.factories import DIMENSIONS, VendorFactory
from tests.candidates.factories import CandidateFactory, JobFactory, app_in_state
from tests.onboarding.factories import band, drafted

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def offer_waiting(users, department, *, name="李秀英", salary=11000, title="急诊护士", priority="normal",
                  make_band=True):
    """An application of ``name`` for an emergency nurse job with a submitted offer waiting for its approver."""
    if make_band and not department.pay_bands.filter(job_level="N1").exists():
        band(department)
    job = JobFactory(department=department, title=title, assessment_dimensions=DIMENSIONS, priority=priority,
                     required_credentials=["nurse_licence"])
    candidate = CandidateFactory(name=name, phone="+8613912345678", email="lixiuying@example.org",
                                 id_number="110105199001011234", skills=["静脉穿刺", "急救"], years_experience=5)
    app = app_in_state(State.INTERVIEWING, job=job, candidate=candidate)
    today = timezone.localdate()
    if job.required_credentials:
        Credential.objects.create(candidate=candidate, type=job.required_credentials[0], issuer="国家卫健委",
                                  expires_on=today + dt.timedelta(days=400))
    app.match_score, app.match_breakdown = matching.compute_match(job, candidate)
    app.save(update_fields=["match_score", "match_breakdown"])
    resume = Resume(candidate=candidate, kind="pdf", original_name="李秀英-简历.pdf", size=len(PDF))
    resume.file.save("cv.pdf", ContentFile(PDF), save=True)
    result = AIInterviewResult.objects.create(
        application=app, vendor=VendorFactory(slug="acme", name="Acme AI"), vendor_result_id=f"R-{app.pk}",
        decision="pass", overall_score=82, recommendation="strongly recommended",
        dimension_scores={"logic": {"raw": 4, "scale": [1, 5], "score": 75.0},
                          "communication": {"raw": 5, "scale": [1, 5], "score": 100.0}})
    media = AIMedia(result=result, kind="video", content_type="video/mp4", status=AIMedia.Status.STORED)
    media.file.save("rec.mp4", ContentFile(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64), save=True)
    now = timezone.now()
    feedback = []
    for order, (kind, rec, score) in enumerate([("technical", "yes", 4), ("final", "strong_yes", 5)], start=1):
        rnd = InterviewRound.objects.create(job=job, order=order, kind=kind)
        interview = Interview.objects.create(application=app, round=rnd, ical_uid=f"appr-{app.pk}-{order}@test",
                                             starts_at=now - dt.timedelta(days=5 - order),
                                             ends_at=now - dt.timedelta(days=5 - order, minutes=-45))
        interview.interviewers.set([users.interviewer])
        feedback.append(InterviewFeedback.objects.create(
            interview=interview, interviewer=users.interviewer, recommendation=rec,
            scores={"communication": score, "logic": score - 1}, notes=f"第{order}轮：操作规范，沟通清楚。"))
    offer = drafted(users, app, salary=salary)
    services.offer_submit(actor=users.hr, offer_id=offer.pk)
    offer.refresh_from_db()
    step = offer.approvals.get(step=1)
    return SimpleNamespace(app=app, candidate=candidate, job=job, offer=offer, approval=step, resume=resume,
                           result=result, media=media, feedback=feedback)

