"""The demo tells the product's story (issue 15 item 1, R-DASH-1, R-DASH-2, R-DASH-3): ``seed_demo`` writes a year
and a half of hiring through the services at the time it happened, so every dashboard figure has real numbers,
the AI insights have samples, the attrition model is trained, and the interviewer has interviews ahead and
feedback to write. The demo is built once for the module inside a transaction rolled back at its end."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo-story")]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.test import override_settings

    media = str(tmp_path_factory.mktemp("demo-media"))
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            out = io.StringIO()
            call_command("seed_demo", stdout=out)
            yield out.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def director(demo):
    from hrsys.accounts.models import User

    return User.objects.get(username="director")


def _figures(user):
    from dashboard.figures import FIGURES
    from dashboard.selectors import Filters

    return {name: fn(user, Filters()) for name, fn in FIGURES.items()}


def test_r_dash_1_every_dashboard_figure_has_figures(director):
    """R-DASH-1: each figure the dashboard pages show has rows, and the figures a user reads first are real:
    cycle times and stage times above zero, an AI no-show rate, offers answered, costs per hire."""
    figures = _figures(director)
    empty = sorted(name for name, figure in figures.items() if not figure.rows)
    assert not empty, f"empty figures: {empty}"
    sections = {s["key"]: s["count"] for s in figures["todo"].extra["sections"]}
    for key in ("no_shows", "approvals", "probation", "stuck", "credentials", "borderline"):
        assert sections[key] > 0, f"to-do section {key} is empty: {sections}"
    # the stages people work in take time (the AI result moves on by itself, at once)
    stage_days = {r["state"]: r["median_days"] for r in figures["time_in_stage"].rows}
    for state in ("new", "screening", "ai_invited", "ai_review", "interviewing", "offer", "hired"):
        assert stage_days.get(state, 0) > 0.5 or state in ("ai_invited",) and stage_days.get(state, 0) > 0, (
            state, stage_days)
    for name in ("time_to_hire", "time_to_offer"):
        total = figures[name].extra["total"]
        assert total["n"] >= 20 and total["median_days"] > 7, (name, total)
        assert len(figures[name].rows) >= 6, f"{name}: hires in fewer than six months"
    no_show = figures["no_show"].extra["total"]
    assert no_show["n"] > 50 and 0.05 < no_show["rate"] < 0.35, no_show
    assert no_show["rebooked_n"] > 0 and no_show["reminded_n"] > 0, no_show
    funnel = {r["stage"]: r["count"] for r in figures["funnel"].rows}
    assert funnel["hired"] > 0 and funnel["ai_completed"] > 0
    rounds = figures["rounds"].rows
    assert all(r["pass_rate"] is not None for r in rounds) and sum(r["no_show"] for r in rounds) > 0
    offers = figures["offers"].extra["total"]
    assert offers["accepted"] > 0 and offers["declined"] > 0
    reminders = figures["reminders"].extra["by_channel"]
    assert any(r["delivery_rate"] for r in reminders) and any(r["open_rate"] for r in reminders)
    assert any(r["probation_decided"] for r in figures["sources"].rows)
    assert figures["costs"].extra["cost_per_hire"] is not None
    assert len({r["outcome"] for r in figures["dropoff"].rows}) == 3  # rejected, withdrawn, talent pool


def test_r_dash_1_dashboard_pages_render_the_figures(client, director):
    """R-DASH-1: every dashboard page answers with the demo's figures (no "no data" placeholder)."""
    from django.urls import reverse

    from dashboard.figures import PAGES

    client.force_login(director)
    for page in PAGES:
        url = reverse("dashboard:home") if page == "home" else reverse("dashboard:page", args=[page])
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, url


def test_r_dash_2_every_insight_row_has_samples(director):
    """R-DASH-2: every dimension x outcome row of the AI insights has pairs to correlate; the common ones have
    enough for a figure without the small-sample warning."""
    from dashboard.selectors import ai_insights

    data = ai_insights(user=director)
    rows = data["correlations"]
    assert len(rows) >= 25
    assert all(r["n"] > 0 for r in rows), [(r["dimension"], r["outcome"]) for r in rows if not r["n"]]
    assert any(not r["small_sample"] and r["r"] is not None for r in rows)


def test_r_dash_3_attrition_model_is_trained_and_scores_new_hires(director):
    """R-DASH-3: the demo's past hires train the model (leavers and stayers); this year's hires get a risk."""
    from dashboard import attrition
    from dashboard.models import AttritionModel

    model = attrition.current_model()
    assert model is not None and model.status == AttritionModel.Status.TRAINED, model and model.message
    risks = attrition.attrition_risks(user=director)
    assert risks["enabled"] and risks["rows"]


def test_employees_probation_and_exits_happened(demo):
    """Hires became employees with months of attendance; probation passed, extended and failed; exits with
    reasons; the monthly probation view flags late arrivals and leave requests."""
    import datetime as dt

    from attendance.models import DailyResult, ProbationReview
    from attendance.selectors import probation_report
    from employees.models import Employee
    from hrsys.accounts.models import User

    assert Employee.objects.count() >= 40
    decisions = set(ProbationReview.objects.values_list("decision", flat=True))
    assert {"pass", "fail"} <= decisions
    assert ProbationReview.objects.filter(extensions__gt=0).exists()
    assert Employee.objects.exclude(exit_date=None).exclude(attrition_reason="").count() >= 10
    assert DailyResult.objects.filter(late_minutes__gt=0).exists()
    hr = User.objects.get(username="director")
    today = timezone.localdate()
    flags = set()
    for back in range(18):
        month = (today.replace(day=1) - dt.timedelta(days=back * 30)).replace(day=1)
        for row in probation_report(user=hr, month=month, with_interviews=False):
            flags.update(row["flags"])
    assert {"late", "leave_requests"} <= flags, flags


def test_interviewer_has_interviews_ahead_and_feedback_due(demo):
    """The `interviewer` demo user (周医生) has upcoming interviews and past ones waiting for their feedback."""
    from hrsys.accounts.models import User
    from interviews.my_interviews import my_interviews

    mine = my_interviews(user=User.objects.get(username="interviewer"), follow_ups=False)
    assert mine.upcoming, "no upcoming interview"
    assert mine.waiting > 0, "no feedback due"
    assert any(i.feedback_state == "submitted" for i in mine.past)


def test_no_ai_result_is_received_in_the_future_and_one_hospital_name(demo):
    """Every AI result arrived before now (and after the interview was completed); the hospital has one name."""
    from django.db.models import F

    from hrsys.accounts.models import Department
    from interviews.ai.models import AIInterviewResult
    from notifications.models import Notification

    now = timezone.now()
    results = AIInterviewResult.objects.all()
    assert results.count() > 50
    assert not results.filter(received_at__gt=now).exists()
    assert not results.filter(completed_at__gt=F("received_at")).exists()
    assert Department.objects.filter(name="市第一人民医院").exists()
    bodies = Notification.objects.values_list("body", flat=True)  # encrypted at rest: compared decrypted
    assert not [b for b in bodies if "市第一医院" in b]


def test_seed_demo_twice_changes_nothing(demo):
    """Idempotent: a second run adds no row anywhere the demo writes and says the story exists."""
    from attendance.models import DailyResult, Punch
    from candidates.models import Application, Candidate, TransitionLog
    from dashboard.models import AttritionModel, CostRecord, NotificationDaily
    from employees.models import Employee
    from interviews.models import Interview, InterviewFeedback
    from notifications.models import Notification
    from onboarding.models import Offer

    models = [Candidate, Application, TransitionLog, Interview, InterviewFeedback, Notification, Offer, Employee,
              Punch, DailyResult, CostRecord, NotificationDaily, AttritionModel]
    before = {m.__name__: m.objects.count() for m in models}
    out = io.StringIO()
    call_command("seed_demo", "--quiet-logins", stdout=out)
    assert {m.__name__: m.objects.count() for m in models} == before
    assert "'story': 'exists'" in out.getvalue()


def test_seed_demo_prints_what_it_made(demo):
    for word in ("applications", "employees", "ai_results", "offers_accepted", "punches", "cost_records"):
        assert word in demo
