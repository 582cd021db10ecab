"""Demo jobs with their interview plans (each round with its panel), and the helpers the demo story uses to
make candidates (names, ID numbers, resumes). The candidates themselves, a year and a half of them, are made
by the demo story (``demo.story``) through the services at the time they applied. Idempotent.

``seed(scale=N)`` also generates N extra applications (with their candidates) for
benchmarks, with bulk inserts: 100,000 in well under two minutes.
"""

import datetime
import io
import random
import time

from django.db import transaction
from django.utils import timezone

from hrsys.accounts.models import Department, User

from . import matching, services
from .models import (
    Application,
    Candidate,
    Education,
    JobRequisition,
    SourceChannel,
    State,
)
from .validators import id_number_check_char

ACTOR = "seed_demo"
DEMO_EMAIL_DOMAIN = "demo.hrsys.local"
SCALE_EMAIL_DOMAIN = "scale.hrsys.local"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
         "秀兰", "霞", "平", "刚", "桂英", "晓东", "海燕", "思远", "雨涵", "子轩", "欣怡", "浩然", "梓涵", "一诺",
         "佳怡", "俊杰", "诗涵", "宇航", "晨曦", "婉清", "嘉懿", "文博", "雅琪", "志强", "建华", "玉兰", "春梅"]
REGION_CODES = ["110105", "310104", "440305", "440106", "330106", "510107", "420106", "320102", "370102", "610113"]
#: the generated (benchmark) candidates' region: none of the story's, so no generated identity number equals one of
#: the story's and the story, seeded after them, never meets a duplicate it did not plan
SCALE_REGION_CODE = "659001"

NURSE_SKILLS = [{"name": "静脉穿刺", "weight": 3, "aliases": ["IV cannulation", "静脉输液"]},
                {"name": "心肺复苏", "weight": 3, "aliases": ["CPR"]},
                {"name": "分诊", "weight": 2, "aliases": ["triage"]},
                {"name": "护理文书", "weight": 1, "aliases": ["nursing documentation"]}]
JOBS = [
    # department code, title, priority, headcount, skills, min years, education, credentials, dimensions,
    # rounds as (kind, the usernames of its panel)
    ("emergency", "急诊科护士", "urgent", 4, NURSE_SKILLS, 2, Education.ASSOCIATE, ["nurse_licence", "bls"],
     [{"key": "communication", "label": "沟通能力", "pass": 70, "borderline": 60},
      {"key": "stress_tolerance", "label": "抗压能力", "pass": 75, "borderline": 65},
      {"key": "hygiene", "label": "院感意识", "pass": 80, "borderline": 70}],
     [("clinical", ["interviewer", "er_manager"]), ("humanistic", ["interviewer", "hr"]),
      ("final", ["er_manager"])]),
    ("emergency", "急诊科住院医师", "high", 2,
     [{"name": "急诊医学", "weight": 3, "aliases": ["emergency medicine"]}, {"name": "气管插管", "weight": 2,
                                                                              "aliases": ["intubation"]},
      {"name": "心肺复苏", "weight": 2, "aliases": ["CPR"]}],
     3, Education.MASTER, ["physician_licence", "physician_qualification"],
     [{"key": "professional_skill", "label": "专业能力", "pass": 75, "borderline": 65},
      {"key": "communication", "label": "沟通能力", "pass": 70, "borderline": 60}],
     [("clinical", ["interviewer", "er_manager"]), ("technical", ["interviewer"]), ("final", ["er_manager"])]),
    ("nursing", "病区护士", "normal", 6, NURSE_SKILLS, 1, Education.ASSOCIATE, ["nurse_licence"],
     [{"key": "communication", "label": "沟通能力", "pass": 70, "borderline": 60},
      {"key": "empathy", "label": "同理心", "pass": 70, "borderline": 60}],
     [("clinical", ["nursing_manager"]), ("humanistic", ["nursing_manager", "hr"])]),
    ("it", "运维工程师", "normal", 1,
     [{"name": "Linux", "weight": 3}, {"name": "网络", "weight": 2, "aliases": ["TCP/IP", "networking"]},
      {"name": "Python", "weight": 1}, {"name": "HIS", "weight": 2, "aliases": ["医院信息系统"]}],
     3, Education.BACHELOR, [],
     [{"key": "logic", "label": "逻辑思维", "pass": 70, "borderline": 60},
      {"key": "professional_skill", "label": "专业能力", "pass": 70, "borderline": 60}],
     [("technical", ["it_manager"]), ("final", ["it_manager", "hr"])]),
    ("hr", "招聘专员", "normal", 1,
     [{"name": "招聘", "weight": 3, "aliases": ["recruiting"]}, {"name": "Excel", "weight": 1},
      {"name": "劳动法", "weight": 2, "aliases": ["labour law"]}],
     2, Education.BACHELOR, [],
     [{"key": "communication", "label": "沟通能力", "pass": 75, "borderline": 65}],
     [("humanistic", ["hr"]), ("final", ["director"])]),
    ("rnd", "后端工程师", "high", 3,
     [{"name": "Python", "weight": 3}, {"name": "Django", "weight": 3}, {"name": "PostgreSQL", "weight": 2,
                                                                         "aliases": ["Postgres"]},
      {"name": "Redis", "weight": 1}],
     3, Education.BACHELOR, [],
     [{"key": "logic", "label": "逻辑思维", "pass": 75, "borderline": 65},
      {"key": "professional_skill", "label": "专业能力", "pass": 75, "borderline": 65}],
     [("technical", ["rnd_manager"]), ("technical", ["rnd_manager"]), ("final", ["rnd_manager", "hr_company"])]),
    ("company", "餐厅服务员", "normal", 5,
     [{"name": "服务", "weight": 2, "aliases": ["customer service"]}, {"name": "收银", "weight": 1}],
     0, Education.SECONDARY, ["food_hygiene"],
     [{"key": "communication", "label": "沟通能力", "pass": 70, "borderline": 60},
      {"key": "stress_tolerance", "label": "抗压能力", "pass": 65, "borderline": 55},
      {"key": "hygiene", "label": "卫生习惯", "pass": 80, "borderline": 70}],
     [("humanistic", ["hr_company"])]),
]
def _name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _id_number(rng, serial: int, region: str | None = None) -> str:
    birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 33))
    first17 = f"{region or rng.choice(REGION_CODES)}{birth:%Y%m%d}{serial % 1000:03d}"
    return first17 + id_number_check_char(first17)


def _resume_docx(candidate: Candidate, job: JobRequisition, rng) -> bytes:
    from docx import Document  # noqa: PLC0415 - python-docx is heavy; loaded only when the demo writes résumés

    doc = Document()
    doc.add_heading("个人简历", level=1)
    edu_word = {"doctorate": "博士", "master": "硕士", "bachelor": "本科", "associate": "大专",
                "secondary": "中专", "none": "高中"}[candidate.education]
    doc.add_paragraph(f"姓名：{candidate.name}")
    doc.add_paragraph(f"手机：{candidate.phone}    邮箱：{candidate.email}")
    doc.add_paragraph(f"学历：{edu_word}")
    doc.add_paragraph(f"{candidate.years_experience}年工作经验，熟悉{'、'.join(candidate.skills) or '相关工作'}。")
    if "nurse_licence" in job.required_credentials:
        doc.add_paragraph("持有护士执业证书，BLS 证书。")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _jobs(stdout) -> list[JobRequisition]:
    depts = {d.code: d for d in Department.objects.filter(code__in={j[0] for j in JOBS})}
    users = {u.username: u.pk for u in User.objects.filter(username__in={name for job in JOBS for _k, panel in job[9]
                                                                          for name in panel})}
    jobs = []
    for code, title, priority, headcount, skills, years, edu, creds, dims, rounds in JOBS:
        if code not in depts:
            continue
        job = JobRequisition.objects.filter(department=depts[code], title=title).first()
        if job is None:
            job = services.job_create(
                actor=ACTOR, department=depts[code].pk, title=title, priority=priority, headcount=headcount,
                status=JobRequisition.Status.OPEN, skills=skills, min_years=years, education_level=edu,
                required_credentials=creds, assessment_dimensions=dims,
                description=f"{depts[code].name}招聘{title}{headcount}名。",
                rejection_message="感谢您的关注，很遗憾本次未能进入下一轮。",
                rounds=[{"kind": kind, "interviewers": [users[u] for u in panel if u in users],
                         "duration_minutes": 45 if kind != "final" else 30, "requires_credentials": kind == "clinical"}
                        for kind, panel in rounds])
        jobs.append(job)
    return jobs


def _scale(n: int, jobs, rng, stdout) -> int:
    """N applications for benchmarks: half as many candidates, each applying to two jobs. Bulk inserts."""
    if n <= 0 or len(jobs) < 2:
        return 0
    started = time.monotonic()
    offset = Candidate.objects.filter(source=SourceChannel.IMPORT).count() + 1_000_000
    n_candidates = (n + 1) // 2
    now = timezone.now()
    states = [State.NEW] * 30 + [State.SCREENING] * 25 + [State.AI_INVITED] * 10 + [State.AI_COMPLETED] * 5 + [
        State.AI_REVIEW] * 3 + [State.AI_NO_SHOW] * 3 + [State.INTERVIEWING] * 8 + [State.OFFER] * 2 + [
        State.HIRED] + [State.REJECTED] * 10 + [State.WITHDRAWN] * 2 + [State.TALENT_POOL]
    made = 0
    batch = 5000
    for start in range(0, n_candidates, batch):
        count = min(batch, n_candidates - start)
        cands = []
        for k in range(count):
            serial = offset + start + k
            cands.append(Candidate(
                name=_name(rng), phone=f"+86135{serial % 10**8:08d}", email=f"s{serial}@{SCALE_EMAIL_DOMAIN}",
                id_number=_id_number(rng, serial, SCALE_REGION_CODE), education=rng.choice(Education.values[1:]),
                years_experience=rng.randint(0, 20), source=SourceChannel.IMPORT,
                skills=rng.sample(["Python", "Linux", "静脉穿刺", "心肺复苏", "分诊", "招聘", "Django"], k=rng.randint(0, 3)),
                created_at=now))
        with transaction.atomic():
            Candidate.objects.bulk_create(cands, batch_size=1000)
            apps = []
            for c in cands:
                for job in rng.sample(jobs, 2):
                    if made >= n:
                        break
                    score, breakdown = matching.compute_match(job, c, credentials=[])
                    apps.append(Application(candidate=c, job=job, state=rng.choice(states), source=c.source,
                                            match_score=score, match_breakdown=breakdown,
                                            created_at=now - datetime.timedelta(minutes=rng.randint(0, 60 * 24 * 180)),
                                            state_changed_at=now))
                    made += 1
            Application.objects.bulk_create(apps, batch_size=2000)
        if stdout:
            stdout.write(f"  scale: {made}/{n} applications ({time.monotonic() - started:.1f}s)")
    return made


def seed(stdout=None, scale: int = 0, **options) -> dict:
    rng = random.Random(20260101 + scale)
    jobs = _jobs(stdout)
    generated = _scale(scale, jobs, rng, stdout)
    return {"jobs": len(jobs), "scale_applications": generated}
