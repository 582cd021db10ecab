"""Demo AI interview data: two vendors, the question bank, job policies, invitations and results. Idempotent.

The demo vendors sign with ``DEMO_SECRET`` (change it in the admin for anything real):

    body='{"event":"started","assessment_id":"demo-<application id>"}'; t=$(date +%s)
    sig=$(printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac "$DEMO_SECRET" -hex | cut -d' ' -f2)
    curl -H "X-Hrsys-Signature: t=$t,v1=$sig" -H 'Content-Type: application/json' -d "$body" \\
         http://127.0.0.1:8000/api/v1/integrations/ai-interviews/demo-ai/results/
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from candidates.models import Application, JobRequisition, State

from . import mapping
from .models import AIInterviewResult, AIInvitation, InvitationEvent, JobAIPolicy, Question, Vendor

DEMO_SECRET = "demo-ai-secret-change-me-2026"

VENDORS = [
    {"slug": "demo-ai", "name": "演示 AI 面试平台", "adapter": "interviews.ai.adapters.generic.GenericAdapter",
     "signature_scheme": "hrsys-v1", "interview_url_template": "https://ai-interview.example.org/start/{assessment_id}",
     "media_url_hosts": ["media.ai-interview.example.org"],
     "dimension_map": [{"vendor": "logic", "dimension": "logic", "min": 1, "max": 5},
                       {"vendor": "communication", "dimension": "communication", "min": 1, "max": 5},
                       {"vendor": "stress", "dimension": "stress_tolerance", "min": 1, "max": 5},
                       {"vendor": "professional", "dimension": "professional_skill", "min": 1, "max": 5},
                       {"vendor": "empathy", "dimension": "empathy", "min": 1, "max": 5},
                       {"vendor": "hygiene", "dimension": "hygiene", "min": 1, "max": 5}]},
    {"slug": "vervoe", "name": "Vervoe", "adapter": "interviews.ai.adapters.vervoe.VervoeAdapter",
     "signature_scheme": "vervoe", "interview_url_template": "https://app.vervoe.com/a/{assessment_id}",
     "media_url_hosts": [".vervoe.com"],
     "dimension_map": []},
]

QUESTIONS = [
    # dimension, use, family, zh, en
    ("communication", "weak", "nursing", "患者家属情绪激动地质问等待时间过长，你会怎么沟通？",
     "A patient's relative angrily complains about the waiting time. How do you talk to them?"),
    ("communication", "notable", "", "请举一个你把复杂病情讲清楚的例子。",
     "Give an example of explaining a complex condition so that it was understood."),
    ("stress_tolerance", "weak", "nursing", "连续接诊多名危重患者时，你如何安排优先次序并保持冷静？",
     "Several critical patients arrive at once: how do you prioritise and stay calm?"),
    ("stress_tolerance", "notable", "", "讲一次你在高压下仍然把事情做好的经历，之后你怎么调整自己？",
     "Tell us about doing well under heavy pressure. How did you recover afterwards?"),
    ("hygiene", "weak", "nursing", "发现同事未按规范手卫生时，你会怎么做？",
     "You see a colleague skip hand hygiene. What do you do?"),
    ("professional_skill", "weak", "", "请描述一次你独立处理的急危重症病例的关键决策。",
     "Describe the key decisions in an acute case you handled on your own."),
    ("empathy", "weak", "", "如果患者拒绝治疗，你会如何理解并回应他的顾虑？",
     "A patient refuses treatment. How do you understand and answer their concerns?"),
    ("logic", "weak", "", "请分析一个你排查过的复杂问题：你是如何一步步缩小范围的？",
     "Walk us through a hard problem you diagnosed: how did you narrow it down?"),
]


def _question_bank() -> int:
    created = 0
    for dimension, use, family, zh, en in QUESTIONS:
        zh_q, new = Question.objects.get_or_create(text=zh, defaults={"dimension": dimension, "use_for": use,
                                                                      "job_family": family, "language": "zh-hans"})
        created += new
        _en, new = Question.objects.get_or_create(text=en, defaults={"dimension": dimension, "use_for": use,
                                                                     "job_family": family, "language": "en",
                                                                     "translation_of": zh_q})
        created += new
    return created


def _raw_scores(rng, job, quality: float) -> dict:
    keys = {m["dimension"]: m["vendor"] for m in VENDORS[0]["dimension_map"]}
    return {keys.get(d["key"], d["key"]): round(min(5.0, max(1.0, rng.gauss(1 + 4 * quality, 0.4))), 1)
            for d in job.assessment_dimensions or []}


@transaction.atomic
def seed(stdout=None, scale=0, **options) -> dict:
    rng = random.Random(6)
    vendors = {}
    created = {"vendors": 0, "questions": 0, "invitations": 0, "results": 0, "policies": 0}
    for spec in VENDORS:
        vendor = Vendor.objects.filter(slug=spec["slug"]).first()
        if vendor is None:
            vendor = Vendor.objects.create(secret=DEMO_SECRET, **spec)
            created["vendors"] += 1
        vendors[spec["slug"]] = vendor
    created["questions"] = _question_bank()
    for job in JobRequisition.objects.all():
        family = "nursing" if "护" in job.title else ""
        _policy, new = JobAIPolicy.objects.get_or_create(
            job=job, defaults={"job_family": family, "default_vendor": vendors["demo-ai"],
                               "rejection_hold_hours": 24})
        created["policies"] += new
    vendor = vendors["demo-ai"]
    now = timezone.now()
    states = (State.AI_INVITED, State.AI_COMPLETED, State.AI_REVIEW, State.INTERVIEWING)
    apps = (Application.objects.filter(state__in=states).exclude(ai_invitations__isnull=False)
            .select_related("job").order_by("pk")[:300])
    for app in apps:
        invited_at = now - datetime.timedelta(days=rng.randint(1, 10))
        invitation = AIInvitation.objects.create(
            application=app, vendor=vendor, assessment_id=f"demo-{app.pk}",
            candidate_url=vendor.interview_url_template.replace("{assessment_id}", f"demo-{app.pk}"),
            deadline=invited_at + datetime.timedelta(days=3), invited_at=invited_at)
        InvitationEvent.objects.create(invitation=invitation, kind="invited", at=invited_at, source="seed_demo")
        created["invitations"] += 1
        if app.state == State.AI_INVITED:
            continue
        quality = {State.INTERVIEWING: 0.85, State.AI_REVIEW: 0.6, State.AI_COMPLETED: 0.7}[app.state]
        raw = _raw_scores(rng, app.job, quality)
        overall, dims, unmapped = mapping.map_scores(vendor, round(quality * 100), raw)
        decision, detail = mapping.decide(app.job, None, overall, dims)
        completed = invited_at + datetime.timedelta(hours=rng.randint(2, 48))
        invitation.status, invitation.opened_at = AIInvitation.Status.COMPLETED, invited_at + datetime.timedelta(hours=1)
        invitation.started_at, invitation.completed_at = completed - datetime.timedelta(minutes=25), completed
        invitation.save()
        AIInterviewResult.objects.create(
            application=app, vendor=vendor, invitation=invitation, vendor_result_id=f"demo-result-{app.pk}",
            overall_raw=round(quality * 100), overall_score=overall, dimension_scores=dims, unmapped=unmapped,
            recommendation="recommend" if decision == "pass" else "review", decision=decision,
            decision_detail=detail, completed_at=completed, received_at=completed,
            move_status=AIInterviewResult.MoveStatus.APPLIED, source="import",
            preferences={"expected_salary": {"amount": str(rng.choice([8000, 10000, 12000])), "currency": "CNY",
                                             "period": "month"}},
            transcript="问：请介绍一次你处理急诊高峰的经历。\n答：……（演示数据）",
            signals={"answer_durations": [{"question": "Q1", "seconds": rng.randint(40, 180)}],
                     "emotions": [{"label": "calm", "score": round(rng.uniform(0.4, 0.95), 2)}]})
        created["results"] += 1
    if stdout is not None:
        stdout.write(f"ai_interviews: {created}; webhook /api/v1/integrations/ai-interviews/demo-ai/results/ "
                     f"(demo secret {DEMO_SECRET})\n")
    return created
