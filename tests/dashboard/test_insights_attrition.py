"""AI interview insights (R-DASH-2, R-AI-5) and the attrition-risk model (R-DASH-3) on synthetic history."""

import datetime as dt

import pytest
from django.urls import reverse

from candidates.models import TransitionLog
from dashboard import attrition, jobs, selectors, sources
from dashboard.models import AttritionModel
from interviews.ai.models import AIInterviewResult
from tests.ai_interviews.factories import VendorFactory
from tests.candidates.factories import ApplicationFactory, JobFactory

pytestmark = pytest.mark.django_db


def result(app, vendor, n, **scores):
    return AIInterviewResult.objects.create(
        application=app, vendor=vendor, vendor_result_id=f"r{n}", decision="pass", overall_score=70,
        dimension_scores={k: {"raw": v, "scale": [0, 100], "score": v} for k, v in scores.items()},
        signals={"answer_seconds": 30 + n % 7})


def fake_outcomes(table):
    def hire_outcomes(ids):
        empty = dict.fromkeys(sources.OUTCOME_KEYS)
        return {pk: {**empty, **table.get(pk, {})} for pk in ids}
    return hire_outcomes


def test_correlation_with_interview_pass_and_small_sample_warning_R_DASH_2(org, users):
    job = JobFactory(department=org.emergency)
    vendor = VendorFactory()
    # scores 60, 70, 80, 90; the two higher reached an offer, the two lower were rejected after interviews
    for n, (score, passed) in enumerate([(60, False), (70, False), (80, True), (90, True)]):
        app = ApplicationFactory(job=job, state="offer" if passed else "rejected")
        if not passed:
            TransitionLog.objects.create(application=app, from_state="interviewing", to_state="rejected",
                                         transition="reject")
        result(app, vendor, n, logic=score)
    data = selectors.ai_insights(user=users.er_manager)
    row = next(c for c in data["correlations"] if c["dimension"] == "logic" and c["outcome"] == "interview_pass")
    # x - mean = -15, -5, 5, 15; y - mean = -.5, -.5, .5, .5: r = 20 / (sqrt(500) * 1) = 0.894
    assert (row["n"], row["r"], row["small_sample"]) == (4, 0.894, True)
    assert data["suggestions"] == []  # nothing suggested from a small sample
    assert selectors.ai_insights(user=users.it_manager)["correlations"] == []


def test_question_bank_review_when_leavers_with_high_scores_cite_pressure_R_AI_5(org, users, monkeypatch):
    job = JobFactory(department=org.emergency, assessment_dimensions=[
        {"key": "stress_tolerance", "label": "抗压能力", "weight": 1}, {"key": "communication", "label": "沟通", "weight": 1}])
    vendor = VendorFactory()
    table = {}
    for n in range(5):
        app = ApplicationFactory(job=job, state="employee")
        result(app, vendor, n, stress_tolerance=85)
        # one gave the reason "work pressure", one "other" with a note about pressure, three left for family
        reason, note = [("pressure", ""), ("other", "工作压力太大"), ("family", "")][min(n, 2)]
        table[app.pk] = {"left_within_year": True, "exit_reason": reason, "exit_note": note}
    monkeypatch.setattr(sources, "hire_outcomes", fake_outcomes(table))
    [review] = selectors.ai_insights(user=users.hr)["question_reviews"]
    assert (review["dimension"], review["leavers_high"], review["citing"], review["share"]) == \
        ("stress_tolerance", 5, 2, 0.4)
    assert "40 %" in review["text"] and "work pressure" in review["text"]
    assert "dimension=stress_tolerance" in review["url"]


def test_weight_suggestions_need_30_pairs_R_DASH_2(org, users, monkeypatch):
    job = JobFactory(department=org.emergency, assessment_dimensions=[
        {"key": "stress_tolerance", "label": "抗压能力", "weight": 1}, {"key": "communication", "label": "沟通", "weight": 1}])
    vendor = VendorFactory()
    table = {}
    for n in range(30):
        app = ApplicationFactory(job=job, state="employee")
        score = 40 + 2 * n
        result(app, vendor, n, stress_tolerance=score)
        table[app.pk] = {"probation_passed": score >= 70}
    monkeypatch.setattr(sources, "hire_outcomes", fake_outcomes(table))
    data = selectors.ai_insights(user=users.hr)
    row = next(c for c in data["correlations"] if c["outcome"] == "probation_passed")
    assert row["n"] == 30 and not row["small_sample"] and row["r"] > 0.8
    assert [s["kind"] for s in data["suggestions"]] == ["raise_weight"]


def synthetic_history(org, monkeypatch, *, hires=80, current=3):
    """Hires whose leaving depends on the stress-tolerance score (low score: left), plus current new hires."""
    job = JobFactory(department=org.emergency, assessment_dimensions=[
        {"key": "stress_tolerance", "label": "抗压能力", "weight": 1}, {"key": "communication", "label": "沟通", "weight": 1}])
    vendor = VendorFactory()
    table = {}
    for n in range(hires):
        app = ApplicationFactory(job=job, state="employee", source="job_board" if n % 2 else "referral")
        score = 30 + (n * 37) % 70
        result(app, vendor, n, stress_tolerance=score, communication=50 + n % 30)
        table[app.pk] = {"left_within_year": score < 55, "late_count": n % 4}
    new = []
    for n, score in enumerate([20, 95, 60][:current]):
        app = ApplicationFactory(job=job, state="hired", source="job_board")
        result(app, vendor, 1000 + n, stress_tolerance=score, communication=60)
        new.append(app)
    monkeypatch.setattr(sources, "hire_outcomes", fake_outcomes(table))
    return new


def test_model_disabled_until_enough_history_R_DASH_3(org, users, monkeypatch, client):
    synthetic_history(org, monkeypatch, hires=20)
    model = attrition.attrition_train()
    assert model.status == AttritionModel.Status.DISABLED and model.samples == 20
    assert "20" in model.message and "50" in model.message
    data = attrition.attrition_risks(user=users.hr)
    assert data["enabled"] is False and data["rows"] == []
    client.force_login(users.hr)
    html = client.get(reverse("dashboard:page", args=["attrition"])).content.decode()
    assert 'id="attrition-disabled"' in html


def test_model_disabled_with_one_class_only(org, monkeypatch):
    synthetic_history(org, monkeypatch)
    monkeypatch.setattr(sources, "hire_outcomes", lambda ids: {
        pk: {**dict.fromkeys(sources.OUTCOME_KEYS), "left_within_year": False} for pk in ids})
    assert attrition.attrition_train().status == AttritionModel.Status.DISABLED


def test_model_trains_and_explains_each_new_hire_R_DASH_3(org, users, monkeypatch, client):
    low, high, _mid = synthetic_history(org, monkeypatch)
    model = attrition.attrition_train()
    assert model.status == AttritionModel.Status.TRAINED and model.samples == 80
    assert model.positives == sum(1 for n in range(80) if 30 + (n * 37) % 70 < 55)
    weights = dict(zip(model.features, model.coefficients, strict=True))
    assert weights["ai:stress_tolerance"] < 0  # higher stress tolerance, lower risk
    data = attrition.attrition_risks(user=users.hr)
    risks = {r["application_id"]: r for r in data["rows"]}
    assert set(risks) == {low.pk, high.pk, _mid.pk}  # only current hires with no known outcome
    assert risks[low.pk]["risk"] > 0.5 > risks[high.pk]["risk"]
    assert risks[low.pk]["factors"][0]["feature"] == "ai:stress_tolerance"
    assert data["rows"][0]["application_id"] == low.pk
    assert attrition.attrition_risks(user=users.it_manager)["rows"] == []  # other department: nothing
    client.force_login(users.er_manager)
    html = client.get(reverse("dashboard:page", args=["attrition"])).content.decode()
    # the factor is named as the job names the dimension, not by its key (issue 15 item 2)
    assert "AI score: 抗压能力" in html and "stress_tolerance" not in html


def test_daily_retraining_skips_when_trained_today(org, monkeypatch):
    synthetic_history(org, monkeypatch, hires=10)
    now = dt.datetime(2025, 6, 15, 2, 0, tzinfo=dt.UTC)
    assert jobs.retrain_attrition(now).startswith("disabled")
    assert jobs.retrain_attrition(now + dt.timedelta(hours=10)) == "skipped: trained today"
    assert jobs.retrain_attrition(now + dt.timedelta(days=1)).startswith("disabled")
    assert AttritionModel.objects.count() == 2


def test_registered_as_periodic_jobs():
    from hrsys.core.periodic import registered_jobs

    assert {"dashboard.retrain_attrition", "dashboard.refresh_summaries"} <= set(registered_jobs())


def test_no_attendance_yet_means_unknown_outcomes(org):
    app = ApplicationFactory(job=JobFactory(department=org.emergency), state="hired")
    assert sources.hire_outcomes([app.pk])[app.pk]["left_within_year"] is None
