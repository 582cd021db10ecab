"""AI-score-versus-outcome insights from what the later stages really recorded (R-DASH-2, R-AI-5, R-ATT-4,
R-ATT-5): four nurses go from accepted offer to employee through the services and the periodic jobs, clock in
on a real device, get a probation decision and (three of them) leave with a recorded reason; the dashboard
reads lateness, probation and leaving from those rows, not from a stand-in.

Stress-tolerance scores 90, 85, 80, 60. Nurse 90 is late three days of three; the others are on time.
Probation: pass, pass, fail, pass. Leaving: 90 for work pressure, 85 "other" with a note about pressure,
80 for family; 60 stays past a year.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance import services as att_services
from attendance.models import AttendanceAccount, ProbationReview
from candidates.models import Application
from dashboard import attrition, selectors, sources
from employees import services as employee_services
from employees.models import Employee
from hrsys.core.periodic import run_due_jobs
from interviews.ai.models import AIInterviewResult
from onboarding import services as offer_services
from tests.ai_interviews.factories import VendorFactory
from tests.attendance.factories import day_shift, local, token_device
from tests.onboarding.factories import PNG, band, interviewing_app, sent_offer

pytestmark = pytest.mark.django_db

START = dt.date(2025, 12, 3)  # a Wednesday; offers drafted on 2025-11-03 start 30 days later
SCORES = [90, 85, 80, 60]
LATE_MINUTES = [20, 0, 0, 0]
DECISIONS = ["pass", "pass", "fail", "pass"]
EXITS = [("pressure", ""), ("other", "夜班压力太大，想换科室"), ("family", ""), None]


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    from attendance import tasks
    from notifications import tasks as notification_tasks

    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda notification_id: None)
    monkeypatch.setattr(tasks, "enqueue_push", lambda delivery_id: None)


@pytest.fixture(autouse=True)
def _no_pdf(settings):
    settings.OFFER_LETTER_PDF = False


def tick(time_machine, moment):
    time_machine.move_to(moment, tick=False)
    return run_due_jobs(now=timezone.now())


@pytest.fixture
def hires(users, org, time_machine):
    time_machine.move_to(dt.datetime(2025, 11, 3, 2, 0, tzinfo=dt.UTC), tick=False)
    band(org.emergency)
    day_shift()
    vendor = VendorFactory()
    apps = []
    for n, score in enumerate(SCORES):
        app = interviewing_app(org.emergency, assessment_dimensions=[
            {"key": "stress_tolerance", "label": "抗压能力", "pass": 60, "borderline": 40}])
        AIInterviewResult.objects.create(
            application=app, vendor=vendor, vendor_result_id=f"R-{n}", overall_score=score, decision="pass",
            dimension_scores={"stress_tolerance": {"raw": score, "scale": [0, 100], "score": float(score)}})
        offer = sent_offer(users, app)
        assert offer.start_date == START
        offer_services.offer_sign(candidate_id=app.candidate_id, offer_id=offer.pk, typed_name=app.candidate.name,
                                  signature_png=PNG, accept_terms=True)
        apps.append(app)

    tick(time_machine, local(START, 0, 1))  # start date: employee files and active accounts
    accounts = [AttendanceAccount.objects.get(application=app) for app in apps]
    assert Employee.objects.count() == 4 and all(a.state == "active" for a in accounts)

    device, _token = token_device(users.hr, org.emergency)
    batch = []
    for account, late in zip(accounts, LATE_MINUTES, strict=True):
        for day in range(3):
            date = START + dt.timedelta(days=day)
            batch += [{"sequence": f"{account.pk}-{day}-in", "clock_id": account.clock_id,
                       "time": local(date, 9, late).isoformat(), "direction": "in"},
                      {"sequence": f"{account.pk}-{day}-out", "clock_id": account.clock_id,
                       "time": local(date, 18, 5).isoformat(), "direction": "out"}]
    time_machine.move_to(local(START + dt.timedelta(days=3), 8), tick=False)
    assert att_services.punches_ingest(device=device, punches=batch)["accepted"] == 24
    tick(time_machine, local(START + dt.timedelta(days=3), 0, 30) + dt.timedelta(days=1))  # results sweep

    tick(time_machine, local(dt.date(2026, 3, 3), 10))
    for app, decision in zip(apps, DECISIONS, strict=True):
        review = ProbationReview.objects.get(application=app)
        att_services.probation_decide(actor=users.hr, review_id=review.pk, decision=decision,
                                      comment="" if decision == "pass" else "护理操作考核未通过")
    for app, leaving in zip(apps, EXITS, strict=True):
        if leaving:
            employee = Employee.objects.get(application=app)
            employee_services.employee_exit(actor=users.hr, employee_id=employee.pk, last_day="2026-04-30",
                                            reason=leaving[0], note=leaving[1])
    time_machine.move_to(local(dt.date(2026, 12, 10), 10), tick=False)  # a year and a week after the start
    return apps


def test_outcomes_come_from_attendance_and_the_employee_file(hires):
    outcomes = sources.hire_outcomes([app.pk for app in hires])
    got = [(o["late_count"], o["probation_passed"], o["left_within_year"], o["exit_reason"])
           for o in (outcomes[app.pk] for app in hires)]
    assert got == [(3, True, True, "pressure"), (0, True, True, "other"), (0, False, True, "family"),
                   (0, True, False, "")]
    assert outcomes[hires[1].pk]["exit_note"] == "夜班压力太大，想换科室"


def test_insights_from_recorded_outcomes_R_DASH_2_R_AI_5(hires, users, client):
    data = selectors.ai_insights(user=users.hr)
    r = {c["outcome"]: c for c in data["correlations"] if c["dimension"] == "stress_tolerance"}
    # x = 90, 85, 80, 60 (mean 78.75): dx = 11.25, 6.25, 1.25, -18.75, sum dx^2 = 518.75
    # late 3, 0, 0, 0: dy = 2.25, -.75, -.75, -.75; sum dx.dy = 33.75; sum dy^2 = 6.75 -> r = 0.570
    assert (r["late_count"]["n"], r["late_count"]["r"], r["late_count"]["small_sample"]) == (4, 0.57, True)
    # left 1, 1, 1, 0: sum dx.dy = 18.75, sum dy^2 = .75 -> r = 18.75 / sqrt(389.0625) = 0.951
    assert (r["left_within_year"]["n"], r["left_within_year"]["r"]) == (4, 0.951)
    # probation 1, 1, 0, 1: sum dx.dy = -1.25 -> r = -0.063
    assert (r["probation_passed"]["n"], r["probation_passed"]["r"]) == (4, -0.063)
    # three leavers scored >= 70; two of them cite pressure (a recorded reason, a note)
    [review] = data["question_reviews"]
    assert (review["dimension"], review["leavers_high"], review["citing"]) == ("stress_tolerance", 3, 2)
    assert "67 %" in review["text"] and review["small_sample"] is True
    assert "High 抗压能力 scores" in review["text"]  # the dimension as HR named it on the job
    assert r["late_count"]["dimension_label"] == "抗压能力"
    client.force_login(users.hr)
    html = client.get(reverse("dashboard:page", args=["insights"])).content.decode()
    assert "67 %" in html
    client.force_login(users.it_manager)  # another department: none of these people
    assert selectors.ai_insights(user=users.it_manager)["question_reviews"] == []


def test_probation_pass_rate_per_source_from_recorded_decisions_R_DASH_1(hires, users):
    [row] = [r for r in selectors.source_effectiveness(user=users.hr) if r["hires"]]
    assert (row["hires"], row["probation_passed"], row["probation_decided"], row["probation_rate"]) == \
        (4, 3, 4, 0.75)


def test_attrition_model_reads_attendance_features_R_DASH_3(hires):
    ids = [app.pk for app in hires]
    raw, outcomes = attrition._raw_features(ids, Application.objects.filter(pk__in=ids))
    assert raw[hires[0].pk]["attendance:late_count"] == 3.0
    assert raw[hires[3].pk]["attendance:late_count"] == 0.0
    assert raw[hires[0].pk]["ai:stress_tolerance"] == 90.0
    assert [outcomes[app.pk]["left_within_year"] for app in hires] == [True, True, True, False]
