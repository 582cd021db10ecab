"""Demo AI interview set-up: two vendors, the question bank, the jobs' policies. Idempotent. Invitations and
results are made by the demo story (``demo.story``) as the vendor would deliver them.

The demo vendors sign with ``DEMO_SECRET`` (change it in the admin for anything real):

    body='{"event":"started","assessment_id":"demo-<application id>"}'; t=$(date +%s)
    sig=$(printf '%s.%s' "$t" "$body" | openssl dgst -sha256 -hmac "$DEMO_SECRET" -hex | cut -d' ' -f2)
    curl -H "X-Hrsys-Signature: t=$t,v1=$sig" -H 'Content-Type: application/json' -d "$body" \\
         http://127.0.0.1:8000/api/v1/integrations/ai-interviews/demo-ai/results/
"""


from django.db import transaction

from candidates.models import JobRequisition

from .models import JobAIPolicy, Question, Vendor

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


@transaction.atomic
def seed(stdout=None, scale=0, **options) -> dict:
    vendors = {}
    created = {"vendors": 0, "questions": 0, "policies": 0}
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
    if stdout is not None:
        stdout.write(f"ai_interviews: {created}; webhook /api/v1/integrations/ai-interviews/demo-ai/results/ "
                     f"(demo secret {DEMO_SECRET})\n")
    return created
