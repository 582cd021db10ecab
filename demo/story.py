"""The demo's year and a half of hiring, written through the services at the time each step happened
(R-DASH-1, R-DASH-2, R-DASH-3).

Every candidate has a story: a generator that yields the moment of its next step (applying, screening, the AI
interview, each round and its feedback, the offer and its approvals, signing, the start, leave, the probation
decision, leaving). The engine runs every story's steps and the daily sweeps (no-shows, message delivery, held
AI rejections, accounts and employee files on the start date, the clocks' punches, daily attendance results)
in time order, each one with the clock travelled to its moment (``time_machine``), so stage durations, cycle
times, reminder rates, probation and attrition are those of a real year. A step dated after the real "now"
does not happen: recent applications stay where they are, interviews ahead stay booked, feedback not yet due
stays to write.

Messages are created by the services as always; what the providers would answer (sent, delivered, opened, a
few failures) is recorded on each message at the time of the daily sweep (:func:`_deliver_due`), the way the
delivery receipts record it. Nothing is enqueued for the past: delivery tasks and AI result tasks are run here,
in time order, instead of after commit.

Deterministic (one seeded random generator per story), idempotent (a second run finds the demo candidates
and does nothing).
"""

from __future__ import annotations

import datetime as dt
import heapq
import json
import random
from collections import Counter
from contextlib import ExitStack
from unittest import mock

import chinese_calendar
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.http import Http404
from django.test import override_settings
from django.utils import timezone

from attendance.models import AccountState, AttendanceAccount, Device, LeaveType, ProbationReview
from attendance.services import (
    accounts_activate_due,
    accounts_close_due,
    daily_results_refresh,
    leave_request_create,
    leave_request_decide,
    probation_decide,
    punches_ingest,
)
from candidates import demo as cdemo
from candidates import services as candidate_services
from candidates.consent import application_consented, consent_give
from candidates.models import Candidate, ConsentChannel, Education, JobRequisition, Purpose, SourceChannel
from candidates.services import application_transition
from employees.models import Employee
from employees.services import employee_exit, employees_create_due
from hrsys.accounts.models import Department, User
from hrsys.api.errors import Conflict
from hrsys.core.timezones import local_tz
from interviews.ai.adapters.base import ParsedDelivery
from interviews.ai.models import AIInterviewResult, Vendor
from interviews.ai.services import (
    ai_delivery_ingest,
    ai_hold_release,
    ai_interview_invite,
    ai_result_apply_moves,
    ai_review_decide,
)
from interviews.models import Interview, RebookingOffer, Recommendation
from interviews.services import (
    _availability_problems,
    detect_no_shows,
    feedback_submit,
    interview_mark_attended,
    interview_mark_no_show,
    interview_schedule,
    no_show_mark_handled,
    no_show_rebook,
    rebooking_book,
    rebooking_expire_due,
)
from interviews.tokens import make as make_token
from notifications.models import Notification, Status
from onboarding.demo import DEMO_NOTE, signature_png
from onboarding.models import ApprovalDecision, ChecklistItem, OfferApproval, OwnerRole
from onboarding.services import (
    checklist_item_complete,
    checklist_item_complete_by_candidate,
    hiring_manager_for,
    offer_decide,
    offer_decline,
    offer_draft,
    offer_send,
    offer_sign,
    offer_submit,
    offers_expire_due,
)

SEED = 20260101
DEMO_DOMAIN = "demo.hrsys.local"
#: days of history before the real "now": the last twelve months carry the pipeline; the months before
#: them the earlier hires whose first year is complete (the attrition model learns from them)
HISTORY_DAYS = 560
EARLIER_CANDIDATES = 64
RECENT_CANDIDATES = 150
HR_OF_ORG = {"hospital": "hr", "company": "hr_company"}
MANAGER_OF = {"emergency": "er_manager", "nursing": "nursing_manager", "it": "it_manager", "rnd": "rnd_manager"}
REJECT_SCREEN = ["经验与岗位要求不符", "学历不符合岗位要求", "期望薪资超出岗位预算", "缺少急诊相关经验",
                 "简历信息不完整，多次联系未回复"]
WITHDRAW = ["候选人已接受其他机会", "通勤距离太远", "家庭原因暂不考虑换工作"]
REJECT_ROUND = {"clinical": "临床技能面试未通过", "technical": "专业技术面试未达要求",
                "humanistic": "人文面试：沟通与服务意识不足", "final": "终面综合评估未通过"}
EXIT_REASONS = [  # reason, share, HR's note
    ("pressure", 0.4, "工作强度大，夜班与急诊高峰压力难以承受"),
    ("pay", 0.15, "薪资低于预期，接受了其他医院的邀请"),
    ("commute", 0.15, "通勤时间太长"),
    ("family", 0.15, "家庭原因需返回老家"),
    ("development", 0.15, "希望有更多培训和晋升机会"),
]
VENDOR_KEYS = {"logic": "logic", "communication": "communication", "stress_tolerance": "stress",
               "professional_skill": "professional", "empathy": "empathy", "hygiene": "hygiene"}
PASS_RATE = {"technical": 0.6, "clinical": 0.7, "humanistic": 0.8, "final": 0.85}


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=local_tz()) + dt.timedelta(minutes=minute)


def _workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year the calendar does not know yet: weekdays
        return day.weekday() < 5


def _next_workday(day: dt.date) -> dt.date:
    while not _workday(day):
        day += dt.timedelta(days=1)
    return day


def _office(rng: random.Random, after: dt.datetime, low_hours: float, high_hours: float) -> dt.datetime:
    """A moment in office hours (09:00-17:30 on a working day) some hours after ``after``."""
    moment = timezone.localtime(after + dt.timedelta(hours=rng.uniform(low_hours, high_hours)), local_tz())
    day = moment.date()
    if moment.hour >= 17 and moment.minute >= 30 or moment.hour >= 18:
        day += dt.timedelta(days=1)
        moment = _local(day, 9, rng.randrange(0, 120))
    elif moment.hour < 9:
        moment = _local(day, 9, rng.randrange(0, 120))
    if not _workday(day):
        moment = _local(_next_workday(day), 9, rng.randrange(0, 120))
    return moment


def _now():
    return timezone.now()


# -- the world the stories share ------------------------------------------------------------------------------

class World:
    def __init__(self, end: dt.datetime):
        self.end = end
        self.users = {u.username: u for u in User.objects.all()}
        self.jobs = list(JobRequisition.objects.select_related("department").order_by("pk"))
        self.vendor = Vendor.objects.get(slug="demo-ai")
        self.patterns: dict[int, str] = {}  # application id -> attendance habit of the new hire
        self.leave_days: dict[int, set] = {}  # application id -> days on approved leave
        self.stats = Counter()
        self.small = False
        self.stopped: list[str] = []

    def org_code(self, job) -> str:
        return "company" if job.department.path.startswith(self._org_path("company")) else "hospital"

    def _org_path(self, code):
        if not hasattr(self, "_paths"):

            self._paths = dict(Department.objects.values_list("code", "path"))
        return self._paths.get(code, "/-/")

    def hr(self, job):
        return self.users[HR_OF_ORG[self.org_code(job)]]

    def manager(self, job):
        return self.users.get(MANAGER_OF.get(job.department.code, ""))


# -- one candidate --------------------------------------------------------------------------------------------

def _plan(rng: random.Random, earlier: bool, index: int) -> dict:
    """What will happen to this candidate, drawn once (the story follows it as far as time allows)."""
    quality = min(0.98, max(0.1, rng.gauss(0.6, 0.15)))
    roll = rng.random()
    if earlier:  # last year's hires, whose first year is over: the attrition model's history
        quality = max(quality, 0.82)
        fate = "hire" if roll < 0.95 else "withdraw"
    else:
        fate = ("reject_screen" if roll < 0.22 else "withdraw" if roll < 0.27 else "pool" if roll < 0.31
                else "process")
        if index % 13 == 5:  # a few more for the talent pool, in both organizations
            fate = "pool"
    pattern_roll = rng.random()
    return {
        "quality": quality, "fate": fate, "ai": rng.random() < 0.7, "sure": earlier, "stop": None,
        "ai_no_show": rng.random() < 0.18 and not earlier, "rebook": rng.random() < 0.65,
        "human_no_show": rng.random() < 0.06, "accept": rng.random() < (0.95 if earlier else 0.85),
        "pattern": "late" if pattern_roll < 0.14 else ("leave" if pattern_roll < 0.24 else "normal"),
        "leaves_within_year": rng.random() < (0.33 if earlier else 0.22),
        "volatility": round(min(1.0, max(0.0, rng.gauss(0.35, 0.15))), 2),
    }


def _dimension_scores(rng, job, quality, plan) -> dict:
    """The vendor's 1-5 scores per dimension (mapped to 0-100 by the vendor's dimension map)."""
    raw = {}
    for d in job.assessment_dimensions or []:
        key = VENDOR_KEYS.get(d["key"], d["key"])
        if plan["stop"] == "review":  # between the job's borderline and pass lines: HR reviews it
            raw[key] = round(1 + 4 * (d["borderline"] + 3) / 100, 2)
        else:
            raw[key] = round(min(5.0, max(1.0, rng.gauss(1 + 4 * min(1.0, quality + 0.12), 0.45))), 1)
    return raw


def _transition(actor, app, name, reason=""):
    return application_transition(actor=actor, application_id=app.pk, transition=name, reason=reason)


def _book(world, rng, actor, app, rnd, earliest: dt.datetime):
    """The round at the first office slot from ``earliest`` where the panel and the candidate are free."""
    day = timezone.localtime(earliest, local_tz()).date()
    panel = list(rnd.interviewers.values_list("pk", flat=True))
    for _ in range(12):
        day = _next_workday(day)
        for hour, minute in rng.sample([(9, 0), (10, 30), (14, 0), (15, 30), (16, 30)], 3):
            start = _local(day, hour, minute)
            if start <= _now() + dt.timedelta(hours=2):
                continue
            try:
                with transaction.atomic():
                    return interview_schedule(actor=actor, application_id=app.pk, starts_at=start, round_id=rnd.pk,
                                              interviewer_ids=panel, on_site=True)
            except ValidationError:
                continue
        day += dt.timedelta(days=1)
    raise ValidationError("no free slot")


def _ai_stage(world, rng, app, plan, hr):
    """The AI interview: invited, maybe missed (the sweep marks it) and rebooked by the candidate through the
    link, the vendor's result, the automatic move or HR's review. Returns whether the application is now in
    the interview rounds."""
    invitation = ai_interview_invite(actor=hr, application_id=app.pk, vendor_slug=world.vendor.slug,
                                     deadline=_now() + dt.timedelta(days=3), assessment_id=f"demo-{app.pk}")
    world.stats["ai_invitations"] += 1
    deadline = invitation.deadline
    if plan["ai_no_show"]:
        yield deadline + dt.timedelta(hours=26)  # the daily sweep has marked the no-show and offered new times
        missed = Interview.objects.filter(application=app, kind="ai").order_by("-pk").first()
        if missed is None or missed.state != "no_show":
            return False
        world.stats["ai_no_shows"] += 1
        if plan["stop"] == "no_show":
            return False  # today's to-do: HR has not handled it yet
        offer = RebookingOffer.objects.filter(interview=missed, status=RebookingOffer.Status.OPEN).first()
        slots = [s for s in offer.slots if dt.datetime.fromisoformat(s) > _now() + dt.timedelta(hours=2)] \
            if offer is not None else []
        if not plan["rebook"] or not slots:
            yield _office(rng, _now(), 2, 24)
            app.refresh_from_db()
            if app.state == "ai_no_show":  # the link may have expired and the sweep pooled (or closed) it already
                if application_consented(app, Purpose.TALENT_POOL):
                    _transition(hr, app, "to_talent_pool", "AI面试未参加，未回复改约，保留人才库")
                else:  # kept in the pool only with their consent (R-SEC-5)
                    _transition(hr, app, "reject", "AI面试未参加，未回复改约")
            missed.refresh_from_db()
            if missed.follow_up_done_at is None:
                no_show_mark_handled(actor=hr, interview_id=missed.pk)
            return False
        interview = rebooking_book(token=make_token("rebook", offer.pk, offer.nonce),
                                   starts_at=dt.datetime.fromisoformat(rng.choice(slots)))
        world.stats["ai_rebooked"] += 1
        yield interview.starts_at + dt.timedelta(minutes=rng.randint(5, 90))
    else:
        yield min(deadline - dt.timedelta(hours=2), _now() + dt.timedelta(hours=rng.uniform(3, 60)))
    raw = _dimension_scores(rng, app.job, plan["quality"], plan)
    overall = round(min(100, max(0, rng.gauss(min(1.0, plan["quality"] + 0.12) * 100, 6))))
    if plan["stop"] == "review":
        overall = round(sum(d["borderline"] + 3 for d in app.job.assessment_dimensions) /
                        max(1, len(app.job.assessment_dimensions)))
    completed = _now()
    parsed = ParsedDelivery(
        event="interview.completed", kind="result", assessment_id=f"demo-{app.pk}",
        vendor_result_id=f"demo-result-{app.pk}", overall=overall, dimensions=raw,
        recommendation="recommend" if overall >= 70 else "review",
        preferences={"expected_salary": {"amount": str(rng.choice([8000, 10000, 12000, 15000])),
                                         "currency": "CNY", "period": "month"}},
        transcript="问：请介绍一次你处理工作高峰的经历。\n答：……（演示数据）",
        signals={"avg_answer_seconds": rng.randint(40, 160), "emotion_volatility": plan["volatility"],
                 "answer_durations": [{"question": "Q1", "seconds": rng.randint(40, 180)}]},
        started_at=completed - dt.timedelta(minutes=22), completed_at=completed)
    body = json.dumps({"assessment_id": parsed.assessment_id, "result_id": parsed.vendor_result_id,
                       "overall": overall, "dimensions": raw}).encode()
    delivery, _new = ai_delivery_ingest(vendor=world.vendor, parsed=parsed, body=body, headers={},
                                        delivery_key=f"demo-delivery-{app.pk}")
    result = delivery.result
    world.stats["ai_results"] += 1
    ai_result_apply_moves(result_id=result.pk, now=_now())  # the task enqueued after commit, run in time order
    app.refresh_from_db()
    if app.state == "interviewing":
        return True
    if app.state == "ai_review":
        if plan["stop"] == "review":
            return False  # today's to-do: waiting for HR's review
        yield _office(rng, _now(), 3, 40)
        if plan["quality"] >= 0.55:
            ai_review_decide(actor=hr, result_id=result.pk, advance=True, reason="综合评估后进入面试")
            return True
        ai_review_decide(actor=hr, result_id=result.pk, advance=False, reason="AI面试多项维度低于岗位要求")
        return False
    result.refresh_from_db()
    return False  # held rejections are released by the daily sweep


def _rounds(world, rng, app, plan, hr):
    """Each round of the job's plan: booked, held (or missed and rebooked by HR), every panel member's
    scorecard, HR's decision. Returns whether all rounds were passed."""
    rounds = list(app.job.rounds.order_by("order"))
    for n, rnd in enumerate(rounds):
        interview = (Interview.objects.filter(application=app, round=rnd, state__in=["scheduled", "confirmed"])
                     .order_by("-pk").first())
        if interview is None:
            if plan["stop"] == "no_show":  # booked at once, a week ahead
                yield _office(rng, _now(), 0.2, 1)
                interview = _book(world, rng, hr, app, rnd, _now() + dt.timedelta(days=6))
            elif plan["stop"] == "ahead":  # booked at once, on a working day after the story's end, whatever
                # the hour and the weekday the demo is made on: the interviewer always has interviews ahead
                yield _office(rng, _now(), 0.2, 1)
                interview = _book(world, rng, hr, app, rnd, world.end + dt.timedelta(days=rng.uniform(1, 3)))
            else:
                yield _office(rng, _now(), 1, 30)
                interview = _book(world, rng, hr, app, rnd, _now() + dt.timedelta(days=rng.uniform(1, 4)))
        world.stats["rounds_booked"] += 1
        yield interview.ends_at + dt.timedelta(minutes=10)
        if n == 0 and plan["human_no_show"]:
            interview_mark_no_show(actor=hr, interview_id=interview.pk, reason="候选人未到场，电话未接通")
            world.stats["human_no_shows"] += 1
            if plan["stop"] == "no_show":
                return False  # today's to-do: the licence expired, the new time waits for HR
            yield _office(rng, _now(), 3, 30)
            interview = no_show_rebook(actor=hr, interview_id=interview.pk,
                                       starts_at=_free_slot(world, rng, hr, app, rnd, interview))
            world.stats["human_rebooked"] += 1
            yield interview.ends_at + dt.timedelta(minutes=10)
        interview_mark_attended(actor=hr, interview_id=interview.pk)
        passed = plan["sure"] or rng.random() < PASS_RATE.get(rnd.kind, 0.75) * (0.75 + 0.4 * plan["quality"])
        dims = [d["key"] for d in app.job.assessment_dimensions or []]
        for person in interview.interviewers.order_by("pk"):
            if plan["stop"] == "feedback" and person.username == "interviewer":
                return False  # the interviewer's scorecard is still to write
            yield interview.ends_at + dt.timedelta(hours=rng.uniform(0.5, 30))
            base = 3.5 + 1.5 * plan["quality"] if passed else 1.5 + 2 * plan["quality"]
            scores = {k: int(min(5, max(1, round(rng.gauss(base, 0.6))))) for k in dims}
            recommendation = (rng.choice([Recommendation.YES, Recommendation.STRONG_YES]) if passed
                              else rng.choice([Recommendation.NO, Recommendation.NO, Recommendation.YES]))
            feedback_submit(actor=person, interview_id=interview.pk, scores=scores, recommendation=recommendation,
                            notes="表现稳定，沟通清晰。" if passed else "关键环节把握不足。")
            world.stats["feedback"] += 1
        yield _office(rng, _now(), 2, 30)
        if not passed:
            _transition(hr, app, "reject", REJECT_ROUND.get(rnd.kind, "面试未通过"))
            return False
    return True


def _free_slot(world, rng, actor, app, rnd, missed) -> dt.datetime:
    panel = list(missed.interviewers.values_list("pk", flat=True))
    length = missed.ends_at - missed.starts_at
    day = timezone.localtime(_now(), local_tz()).date() + dt.timedelta(days=1)
    for _ in range(15):
        day = _next_workday(day)
        for hour, minute in [(9, 0), (10, 30), (14, 0), (15, 30)]:
            start = _local(day, hour, minute)
            if not _availability_problems(user_ids=panel, room_id=None, candidate_id=app.candidate_id,
                                          start=start, end=start + length):
                return start
        day += dt.timedelta(days=1)
    raise ValidationError("no free slot")


def _offer(world, rng, app, plan, hr):
    """HR makes the offer, the approvers approve, HR sends it, the candidate signs or declines. Returns the
    accepted offer or None."""
    if hiring_manager_for(app.job) is None:  # nobody to approve the offer: the post is frozen for now
        yield _office(rng, _now(), 24 * 5, 24 * 15)
        _transition(hr, app, "reject", "岗位编制冻结，暂停招聘，已告知候选人")
        return None
    _transition(hr, app, "make_offer")
    yield _office(rng, _now(), 1, 20)
    today = timezone.localdate()
    start = today + dt.timedelta(days=21 + (7 - today.weekday()) % 7)
    offer = offer_draft(actor=hr, application_id=app.pk, start_date=_next_workday(start),
                        valid_until=today + dt.timedelta(days=14), note=DEMO_NOTE)
    world.stats["offers"] += 1
    yield _office(rng, _now(), 1, 8)
    offer_submit(actor=hr, offer_id=offer.pk)
    if plan["stop"] == "approval":
        return None  # today's to-do: waiting for the approvers
    while True:
        pending = OfferApproval.objects.filter(offer=offer, decision=ApprovalDecision.PENDING).order_by("step").first()
        if pending is None:
            break
        yield _office(rng, _now(), 2, 20)
        offer_decide(actor=pending.approver, approval_id=pending.pk, decision="approve", comment="同意录用")
    yield _office(rng, _now(), 1, 6)
    offer = offer_send(actor=hr, offer_id=offer.pk)
    yield min(_now() + dt.timedelta(hours=rng.uniform(4, 60)), _local(offer.valid_until, 11))
    candidate = app.candidate
    if not plan["accept"]:
        offer_decline(candidate_id=candidate.pk, offer_id=offer.pk, reason=rng.choice(
            ["已接受其他医院的录用", "薪资与期望差距较大", "家人希望留在本地工作"]))
        world.stats["offers_declined"] += 1
        return None
    offer_sign(candidate_id=candidate.pk, offer_id=offer.pk, typed_name=candidate.name,
               signature_png=signature_png(), accept_terms=True, ip="203.0.113.10",
               user_agent="Mozilla/5.0 (iPhone; demo)")
    world.stats["offers_accepted"] += 1
    offer.refresh_from_db()
    return offer


def _employment(world, rng, app, plan, offer, hr):
    """From the start date: the account and the employee file come with the daily sweep; leave requests; the
    manager's probation decision (pass, extend, fail); leaving."""
    world.patterns[app.pk] = plan["pattern"]
    start = offer.start_date
    yield from _checklist(world, rng, app, offer, hr)
    yield _local(start, 10)
    review = ProbationReview.objects.filter(application=app).first()
    employee = Employee.objects.filter(application=app).first()
    if review is None or employee is None:
        world.stopped.append(f"application {app.pk}: no account or employee file on the start date")
        return
    world.stats["employees"] += 1
    manager = world.manager(app.job) or hr
    if plan["pattern"] == "leave":  # five short leaves in the second month: more than the three allowed
        month_two = (start + dt.timedelta(days=32)).replace(day=2)
        for k in range(5):
            day = _next_workday(month_two + dt.timedelta(days=4 * k + rng.randint(0, 1)))
            yield _local(day - dt.timedelta(days=2), 10, rng.randrange(0, 50))
            leave = leave_request_create(actor=hr, account_id=review.account_id,
                                         type=rng.choice([LeaveType.PERSONAL, LeaveType.SICK]),
                                         start_date=day, end_date=day, reason="家中有事" if k % 2 else "身体不适")
            yield _office(rng, _now(), 1, 8)
            leave_request_decide(actor=manager, leave_id=leave.pk, decision="approve")
            world.leave_days.setdefault(app.pk, set()).add(day)
    review.refresh_from_db()
    yield _local(review.ends_on - dt.timedelta(days=4), 15)
    review.refresh_from_db()
    if plan["pattern"] == "late":
        probation_decide(actor=manager, review_id=review.pk, decision="extend", extend_months=2,
                         comment="试用期内多次迟到，延长两个月观察")
        review.refresh_from_db()
        yield _local(review.ends_on - dt.timedelta(days=4), 15)
        if rng.random() < 0.5:
            probation_decide(actor=manager, review_id=review.pk, decision="fail",
                             comment="延长期内迟到情况未改善，考核不合格")
            world.stats["probation_failed"] += 1
            review.refresh_from_db()
            yield _office(rng, _now(), 2, 20)
            employee_exit(actor=hr, employee_id=employee.pk, last_day=review.ends_on, reason="performance",
                          note="试用期考核不合格")
            world.stats["exits"] += 1
            return
    probation_decide(actor=manager, review_id=review.pk, decision="pass", comment="考核合格，按期转正")
    world.stats["probation_passed"] += 1
    if not plan["leaves_within_year"]:
        return
    tenure = rng.randint(120, 330)
    last_day = start + dt.timedelta(days=tenure)
    yield _local(last_day - dt.timedelta(days=20), 11)
    # the emergency department's leavers cite the pressure more often than the others'
    weights = [share * (3 if reason == "pressure" and app.job.department.code == "emergency" else 1)
               for reason, share, _n in EXIT_REASONS]
    reason, _share, note = rng.choices(EXIT_REASONS, weights=weights)[0]
    employee_exit(actor=hr, employee_id=employee.pk, last_day=last_day, reason=reason, note=note)
    world.stats["exits"] += 1


def _checklist(world, rng, app, offer, hr):
    """The onboarding checklist done on time: the candidate's items in the portal, the rest by HR."""
    for item in ChecklistItem.objects.filter(case__offer=offer).order_by("due_date", "pk"):
        yield max(_now(), _local(item.due_date - dt.timedelta(days=rng.randint(0, 2)), 10, rng.randrange(0, 300)))
        if item.owner_role == OwnerRole.CANDIDATE:
            checklist_item_complete_by_candidate(candidate_id=app.candidate_id, item_id=item.pk)
        else:
            checklist_item_complete(actor=hr, item_id=item.pk)
        world.stats["checklist_items_done"] += 1


#: Stories that end in today's work (index -> days before now they applied, where the story stops, the job's
#: department): HR's to-do list, the approvers' inbox and the interviewer's day are never empty.
TODAY = [(10, "no_show", "nursing"), (11, "no_show", "emergency"), (9, "review", "nursing"),
         (10, "review", "emergency"), (45, "approval", "emergency"), (50, "approval", "it"),
         (12, "feedback", "emergency"), (16, "feedback", "emergency"), (20, "feedback", "emergency"),
         (3, "ahead", "emergency"), (5, "ahead", "emergency"), (6, "ahead", "emergency"),
         (70, "hire", "rnd"), (42, "approval", "rnd")]


def _story(world, i: int, applied_at: dt.datetime, earlier: bool, today: tuple | None = None):
    rng = random.Random(f"{SEED}-{i}")
    plan = _plan(rng, earlier, i)
    if world.small:  # a world for tests: everyone processed takes the AI interview, and comes to it
        plan.update(ai=True, ai_no_show=False)
    job = world.jobs[(i * 5 + (i // 7)) % len(world.jobs)]
    if earlier:  # last year's hires: the jobs with someone to approve their offers
        approved = [j for j in world.jobs if j.department.code in MANAGER_OF]
        job = approved[i % len(approved)]
    if today is not None:
        _days, plan["stop"], code = today
        job = next(j for j in world.jobs if j.department.code == code)
        plan.update(fate="process", sure=plan["stop"] != "review", ai=plan["stop"] == "review", ai_no_show=False,
                    human_no_show=plan["stop"] == "no_show")
    yield applied_at
    hr = world.hr(job)
    vocab = [s["name"] for s in job.skills]
    source = rng.choices(["job_board", "referral", "website", "campus", "agency", "walk_in"],
                         weights=[40, 30, 12, 8, 6, 4])[0]
    candidate = candidate_services.candidate_create(
        actor=cdemo.ACTOR, job_id=job.pk, name=cdemo._name(rng), phone=f"+86137{i:08d}",
        email=f"demo{i}@{DEMO_DOMAIN}", id_number=cdemo._id_number(rng, i),
        education=rng.choice(Education.values[1:]), years_experience=rng.randint(1, 15),
        skills=rng.sample(vocab, k=rng.randint(1, len(vocab))), source=source, consent_version="1",
        consent_at=_now())
    assert source in SourceChannel.values
    # what they agreed to when applying (R-SEC-5): the AI interview's recording and the talent pool are asked
    # apart; those the story takes through an AI interview or into the pool agreed, some others too
    answers = random.Random(f"{SEED}-consent-{i}")  # a stream of its own: the story's draws stay as they were
    purposes = [Purpose.RECRUITMENT]
    if plan["ai"] or earlier or today is not None or answers.random() < 0.6:
        purposes.append(Purpose.AI_RECORDING)
    if plan["fate"] == "pool" or answers.random() < 0.3:
        purposes.append(Purpose.TALENT_POOL)
    consent_give(candidate_id=candidate.pk, organization_id=job.department.organization_pk, purposes=purposes,
                 channel=ConsentChannel.CAREERS if source == "website" else ConsentChannel.STAFF, now=_now())
    last_day = timezone.localdate(world.end)
    for ctype in job.required_credentials:
        expires = last_day + dt.timedelta(days=rng.randint(12, 30) if rng.random() < 0.08 else rng.randint(200, 1500))
        if plan["stop"] == "no_show":  # the licence runs out before the interview: HR must handle the no-show
            expires = timezone.localdate() + dt.timedelta(days=5)
        candidate_services.credential_add(actor=cdemo.ACTOR, candidate_id=candidate.pk, type=ctype,
                                number=f"{rng.randrange(10**11, 10**12)}", issuer="国家卫生健康委员会",
                                issued_on=expires - dt.timedelta(days=5 * 365), expires_on=expires)
    if i % 8 == 0:
        candidate_services.resume_upload(actor=cdemo.ACTOR, candidate_id=candidate.pk,
                               data=cdemo._resume_docx(candidate, job, rng), filename=f"简历-{candidate.name}.docx")
    app = candidate.applications.get()
    world.stats["applications"] += 1
    quick = 0.03 if plan["stop"] == "no_show" else 1
    yield _office(rng, _now(), 2 * quick, 50 * quick)
    _transition(hr, app, "screen")
    yield _office(rng, _now(), 3 * quick, 60 * quick)
    fate = plan["fate"]
    if fate == "reject_screen":
        _transition(hr, app, "reject", rng.choice(REJECT_SCREEN))
        return
    if fate == "withdraw":
        _transition(hr, app, "withdraw", rng.choice(WITHDRAW))
        return
    if fate == "pool":
        _transition(hr, app, "to_talent_pool", "岗位已满，条件不错，保留人才库")
        return
    if plan["ai"] and not earlier or earlier and i % 3 and today is None:
        if not (yield from _ai_stage(world, rng, app, plan, hr)):
            return
    if not (yield from _rounds(world, rng, app, plan, hr)):
        return
    yield _office(rng, _now(), 2, 30)
    offer = yield from _offer(world, rng, app, plan, hr)
    if offer is None:
        return
    yield from _employment(world, rng, app, plan, offer, hr)


# -- the daily sweeps -----------------------------------------------------------------------------------------

def _deliver_due(world, now):
    """What the providers would have answered, recorded at the sweep: due messages are sent; most are
    delivered, some opened, a few fail (an unreachable number) -- the statuses delivery receipts set. Which
    one is decided by the message's id, so a run is repeatable."""
    due = Notification.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
    ids = list(due.values_list("pk", flat=True))
    if not ids:
        return
    world.stats["messages"] += len(ids)
    fail = [pk for pk in ids if pk % 151 == 0]
    read = [pk for pk in ids if pk % 151 and pk % 20 < 9]
    delivered = [pk for pk in ids if pk % 151 and pk % 20 >= 9 and pk % 20 != 19]
    sent = [pk for pk in ids if pk % 151 and pk % 20 == 19]
    provider = Concat(Value("DEMO-"), F("public_token"))
    Notification.objects.filter(pk__in=fail).update(status=Status.FAILED, failed_at=now, lease_until=None,
                                                    last_error_code="30003",
                                                    last_error="Unreachable destination handset")
    Notification.objects.filter(pk__in=sent).update(status=Status.SENT, sent_at=now, provider_message_id=provider)
    Notification.objects.filter(pk__in=delivered).update(status=Status.DELIVERED, sent_at=now,
                                                         delivered_at=now + dt.timedelta(seconds=20),
                                                         provider_message_id=provider)
    Notification.objects.filter(pk__in=read).update(status=Status.READ, sent_at=now,
                                                    delivered_at=now + dt.timedelta(seconds=20),
                                                    read_at=now + dt.timedelta(hours=1), provider_message_id=provider)


def _punches(world, first: dt.date, last: dt.date, rng):
    """A week of clock-ins and clock-outs of every working account, uploaded by the organization's clock."""
    devices = list(Device.objects.select_related("department").filter(name__startswith="Demo"))
    accounts = list(AttendanceAccount.objects.filter(Q(state=AccountState.ACTIVE) | Q(
        deactivated_at__date__gte=first), effective_date__lte=last, application__isnull=False)
        .select_related("department").order_by("pk"))
    by_device = {}
    day = first
    while day <= last:
        if _workday(day):
            for account in accounts:
                if day < account.effective_date or (account.last_working_day and day > account.last_working_day) \
                        or day in world.leave_days.get(account.application_id, ()):
                    continue
                habit = world.patterns.get(account.application_id, "normal")
                if rng.random() < (0.004 if habit != "late" else 0.01):
                    continue  # absent
                late = rng.random() < (0.4 if habit == "late" else 0.03)
                arrive = _local(day, 8, 30) + dt.timedelta(minutes=rng.randint(31, 75) if late else rng.randint(0, 28))
                leave = _local(day, 18, 0) + dt.timedelta(minutes=rng.randint(0, 80))
                device = next((d for d in devices if account.department.path.startswith(d.department.path)), None)
                if device is None:
                    continue
                by_device.setdefault(device.pk, (device, []))[1].extend([
                    {"sequence": f"demo-{account.pk}-{day:%Y%m%d}-in", "clock_id": account.clock_id,
                     "time": arrive.isoformat()},
                    {"sequence": f"demo-{account.pk}-{day:%Y%m%d}-out", "clock_id": account.clock_id,
                     "time": leave.isoformat()}])
        day += dt.timedelta(days=1)
    for device, punches in by_device.values():
        world.stats["punches"] += punches_ingest(device=device, punches=punches)["accepted"]


def _night(world, rng):
    """00:30 every day: accounts and employee files of today's starters, accounts past their last day closed;
    on Mondays the week's punches come in from the clocks and the daily results are computed."""
    while True:
        now = _now()
        today = timezone.localdate(now)
        if today.weekday() == 0:
            _punches(world, today - dt.timedelta(days=7), today - dt.timedelta(days=1), rng)
            daily_results_refresh(now=now, backfill_days=8)
        accounts_activate_due(now=now)
        employees_create_due(now=now)
        accounts_close_due(now=now)
        yield now + dt.timedelta(days=1)


def _noon(world, rng):
    """12:40: missed interviews, held AI rejections, expired offers and rebooking links, message delivery."""
    while True:
        now = _now()
        detect_no_shows(now=now)
        for result_id in AIInterviewResult.objects.filter(move_status=AIInterviewResult.MoveStatus.HELD,
                                                          hold_until__lte=now).values_list("pk", flat=True):
            ai_hold_release(result_id=result_id, now=now)
        offers_expire_due(now=now)
        rebooking_expire_due(now=now)
        _deliver_due(world, now)
        yield now + dt.timedelta(days=1)


# -- the engine -----------------------------------------------------------------------------------------------

def _run(world, processes):
    heap, seq = [], 0
    for gen in processes:
        heap.append((next(gen), seq, gen))
        seq += 1
    heapq.heapify(heap)
    while heap:
        at, _n, gen = heapq.heappop(heap)
        if at > world.end:
            gen.close()
            continue
        with time_machine.travel(at, tick=False):
            try:
                with transaction.atomic():  # a refused step leaves nothing half done
                    try:
                        following = gen.send(None)
                    except StopIteration:  # the story's last step (kept: caught inside the savepoint)
                        following = None
            except (ValidationError, Conflict, PermissionDenied, Http404) as exc:
                world.stopped.append(f"{at:%Y-%m-%d}: {type(exc).__name__}: {exc}"[:300])
                continue
        if following is None:
            continue
        heapq.heappush(heap, (max(following, at), seq, gen))
        seq += 1


def already_told() -> bool:
    field = Candidate._meta.get_field("email_index")
    return Candidate.objects.filter(email_index=field.index_for(f"demo0@{DEMO_DOMAIN}")).exists()


#: candidates of the earlier and of the recent months per size: "small" is a world for tests that need people
#: in every scope and stage, not a year of figures
SIZES = {"full": (EARLIER_CANDIDATES, RECENT_CANDIDATES, HISTORY_DAYS), "small": (0, 36, 150)}


def seed(stdout=None, now: dt.datetime | None = None, size: str = "full") -> dict:
    """Write the history up to ``now`` (default: the real now). Idempotent: nothing when it exists."""
    if already_told():
        return {"story": "exists"}
    earlier_n, recent_n, history_days = SIZES[size]
    end = now or timezone.now()
    start = end - dt.timedelta(days=history_days)
    span = min(365, history_days - 5)
    world = World(end)
    world.small = size == "small"
    rng = random.Random(SEED)
    processes = []
    for i in range(earlier_n + recent_n):
        earlier = i < earlier_n
        if earlier:  # applied 18 to 15 months ago
            offset = rng.uniform(0, history_days - 450)
        else:  # the last twelve months, a few more lately
            offset = history_days - span * (1 - rng.random() ** 0.8)
        day = _next_workday((start + dt.timedelta(days=offset)).astimezone(local_tz()).date())
        processes.append(_story(world, i, _local(day, rng.randint(8, 21), rng.randrange(0, 60)), earlier))
    for k, case in enumerate(TODAY):
        day = _next_workday(timezone.localtime(end - dt.timedelta(days=case[0]), local_tz()).date())
        processes.append(_story(world, earlier_n + recent_n + k, _local(day, 9, 30), False, today=case))
    first_night = _local(timezone.localtime(start, local_tz()).date(), 0, 30)
    processes.append(_wait_then(first_night, _night(world, random.Random(SEED + 1))))
    processes.append(_wait_then(first_night + dt.timedelta(hours=12, minutes=10), _noon(world, random.Random(SEED + 2))))
    with ExitStack() as stack:
        # nothing of the past goes to the broker: its deliveries and AI moves are run here in time order
        stack.enter_context(mock.patch("notifications.tasks.enqueue_delivery", lambda notification_id: None))
        stack.enter_context(mock.patch("interviews.ai.tasks.enqueue", lambda name, obj_id: None))
        stack.enter_context(override_settings(OFFER_LETTER_PDF=False))  # a year of letters without LibreOffice
        with transaction.atomic():
            _run(world, processes)
            _new_privacy_notice(world, end)
    made = dict(sorted(world.stats.items()))
    made["steps_refused"] = len(world.stopped)
    if stdout is not None:
        for line in world.stopped[:20]:
            stdout.write(f"  demo step refused: {line}\n")
    return made


#: the hospital's own notice, published at the end of the story: its candidates are asked again in the portal
NOTICE_ZH = ("市第一人民医院招聘隐私告知书（第 2 版）\n\n"
             "我们仅为处理您的求职申请（及您入职后的人事管理）处理您的个人信息：联系方式、简历、资质证书、面试结果，"
             "以及入职所需的身份与银行信息。敏感信息加密保存，只有负责您申请的人事部门和用人科室可以查看，每次查看均有记录。\n"
             "AI 视频面试会录像，录像及报告在供应商约定的期限（默认 180 天）后删除。\n"
             "未被录用的候选人资料保存一年后匿名化；如您同意进入人才库，保存两年。\n"
             "您可随时在候选人门户查看、撤回各项同意，或申请获取、删除您的数据，我们将在 15 天内答复。")
NOTICE_EN = ("City First People's Hospital -- recruitment privacy notice (version 2)\n\n"
             "We process your personal information (contact data, résumé, licences, interview results, and the identity "
             "and bank data onboarding needs) only to run your application and, if you join us, your employment. "
             "Sensitive data is encrypted; only the HR staff and the department handling your application can see it, "
             "and every access is logged.\n"
             "AI video interviews are recorded; recordings and reports are deleted after the period agreed with the "
             "vendor (180 days by default).\n"
             "Data of candidates who are not hired is anonymised after a year, after two years in the talent pool if "
             "you agree to it.\n"
             "In the candidate portal you can see and withdraw each consent at any time, or ask for a copy or the "
             "deletion of your data; we answer within 15 days.")


def _new_privacy_notice(world, now):
    """The hospital publishes its own notice today (R-SEC-5): HR's admin lists versions 1 (the standard text) and 2,
    and the hospital's candidates find "the notice has changed" in the portal."""
    from candidates.consent import privacy_notice_publish  # noqa: PLC0415 - the demo's last step only

    director = User.objects.filter(role="hr_director").order_by("pk").first()
    hospital = next((j.department.organization() for j in world.jobs if j.department.code == "emergency"), None)
    if director is not None and hospital is not None:
        privacy_notice_publish(actor=director, organization_id=hospital.pk, text_zh_hans=NOTICE_ZH,
                               text_en=NOTICE_EN, now=now)


def _wait_then(at, gen):
    yield at
    yield from gen
