"""Probation tracking: monthly counts with flags next to the AI scores and interview feedback, reminders to the
manager, the decision recorded and audited, analytics hook; the monthly report and its Excel export
(R-ATT-4, R-AI-4, R-AI-5, R-ATT-3)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from attendance import selectors, services
from attendance.models import DailyResult, ProbationReview
from attendance.selectors import probation_outcomes_for_applications as probation_outcomes
from hrsys.api.errors import Conflict
from hrsys.audit.models import AccessLog, AuditEvent
from hrsys.core.periodic import run_due_jobs
from notifications.models import Notification
from tests.attendance.factories import active_account, day_shift, local, punch, token_device

pytestmark = pytest.mark.django_db
START = dt.date(2025, 11, 3)


@pytest.fixture
def hire(users, org, time_machine):
    time_machine.move_to(dt.datetime(2025, 12, 1, 2, 0, tzinfo=dt.UTC), tick=False)
    day_shift()
    account = active_account(org.emergency, effective=START)
    review = ProbationReview.objects.create(account=account, department=org.emergency, starts_on=START,
                                            ends_on=dt.date(2026, 2, 2))
    return account, review


def _late_mornings(users, account, days):
    device, _ = token_device(users.hr, account.department, name=f"clock-{account.pk}")
    batch = []
    for n, day in enumerate(days):
        batch += [punch(account, 2 * n, local(day, 9, 20)), punch(account, 2 * n + 1, local(day, 18, 0))]
    services.punches_ingest(device=device, punches=batch)


def test_r_att_4_flags_over_five_late_and_three_leaves(users, hire):
    account, review = hire
    workdays = [START + dt.timedelta(days=d) for d in range(0, 12) if (START + dt.timedelta(days=d)).weekday() < 5]
    _late_mornings(users, account, workdays[:5])
    for day in (17, 18, 19):
        services.leave_request_create(actor=users.hr, account_id=account.pk, type="urgent",
                                      start_date=dt.date(2025, 11, day), end_date=dt.date(2025, 11, day))
    services.daily_results_refresh(now=timezone.now(), backfill_days=40)
    row = selectors.probation_report(user=users.er_manager, month="2025-11")[0]
    assert (row["late"], row["leave_requests"], row["flags"]) == (5, 3, ["absences"])
    _late_mornings(users, account, workdays[5:6])
    services.leave_request_create(actor=users.hr, account_id=account.pk, type="personal",
                                  start_date=dt.date(2025, 11, 20), end_date=dt.date(2025, 11, 20))
    services.daily_results_refresh(now=timezone.now())
    row = selectors.probation_report(user=users.er_manager, month="2025-11")[0]
    assert row["late"] == 6 and row["leave_requests"] == 4
    assert row["flags"][:2] == ["late", "leave_requests"]
    assert selectors.probation_report(user=users.it_manager, month="2025-11") == []


def test_r_att_4_thresholds_configurable(users, hire, settings):
    settings.ATTENDANCE_PROBATION_MAX_LATE = 0
    settings.ATTENDANCE_PROBATION_MAX_ABSENCES = 100
    account, _ = hire
    _late_mornings(users, account, [START])
    services.daily_results_refresh(now=timezone.now(), backfill_days=40)
    assert selectors.probation_report(user=users.director, month="2025-11")[0]["flags"] == ["late"]


def test_r_ai_4_report_shows_ai_scores_and_feedback(users, org, hire, api_as):
    """R-AI-4, R-ATT-4: the probation report puts the AI interview's scores and the interviewers' feedback of the
    new hire's application next to the attendance; a hire without an application shows neither."""
    from interviews.ai.models import AIInterviewResult
    from interviews.models import Interview, InterviewFeedback
    from tests.ai_interviews.factories import VendorFactory
    from tests.candidates.factories import ApplicationFactory
    from tests.factories import UserFactory

    account, review = hire
    app = ApplicationFactory(job__department=org.emergency, state="employee")
    ProbationReview.objects.filter(pk=review.pk).update(application=app)
    AIInterviewResult.objects.create(
        application=app, vendor=VendorFactory(), vendor_result_id="R-1", overall_score=88.0, decision="pass",
        recommendation="recommended", received_at=dt.datetime(2025, 10, 1, tzinfo=dt.UTC),
        dimension_scores={"stress_tolerance": {"raw": 4.6, "scale": [1, 5], "score": 91.0},
                          "communication": {"raw": 0.8, "scale": [0, 1], "score": 80.0}})
    held = dt.datetime(2025, 10, 8, 1, tzinfo=dt.UTC)
    round_one = Interview.objects.create(application=app, state="completed", starts_at=held,
                                         ends_at=held + dt.timedelta(hours=1))
    lead = UserFactory(username="nurse_lead", role="interviewer", departments=[org.emergency])
    InterviewFeedback.objects.create(interview=round_one, interviewer=users.interviewer, recommendation="yes",
                                     scores={"clinical": 80, "communication": 70})
    InterviewFeedback.objects.create(interview=round_one, interviewer=lead, recommendation="strong_yes",
                                     scores={"clinical": 90, "communication": 75})
    newcomer = active_account(org.emergency, name="李强", effective=START)
    ProbationReview.objects.create(account=newcomer, department=org.emergency, starts_on=START,
                                   ends_on=dt.date(2026, 2, 2))

    response = api_as(users.hr).get("/api/v1/attendance/probation/", {"month": "2025-11"})
    assert response.status_code == 200
    rows = {r["name"]: r for r in response.json()["results"]}
    row = rows[account.holder_name]
    assert row["application_id"] == app.pk
    assert row["ai"] == {"overall": 88.0, "recommendation": "recommended",
                         "dimensions": {"stress_tolerance": 91.0, "communication": 80.0}}
    assert sorted(row["feedback"]["recommendations"]) == ["strong_yes", "yes"]
    assert row["feedback"]["average_scores"] == {"clinical": 85.0, "communication": 72.5}
    assert (rows["李强"]["ai"], rows["李强"]["feedback"]) == (None, None)  # no application: nothing to show


def test_r_att_4_reminders_then_decision_audited_and_fed_to_analytics(users, hire, time_machine, api_as):
    account, review = hire
    time_machine.move_to(local(dt.date(2026, 1, 18), 9), tick=False)
    run_due_jobs(now=timezone.now(), only=["attendance.probation_reminders"])
    assert not Notification.objects.filter(related_type="attendance.probationreview").exists()
    time_machine.move_to(local(dt.date(2026, 1, 19), 9), tick=False)
    run_due_jobs(now=timezone.now(), only=["attendance.probation_reminders"])
    run_due_jobs(now=timezone.now(), only=["attendance.probation_reminders"])  # idempotent
    notes = Notification.objects.filter(related_type="attendance.probationreview", related_id=str(review.pk))
    assert set(notes.values_list("recipient_id", flat=True)) == {str(users.er_manager.pk)}
    assert notes.count() == 2  # in-app + email
    url = f"/api/v1/attendance/probation/{review.pk}/decide/"
    r = api_as(users.hr).post(url, {"decision": "extend"}, format="json")
    assert r.status_code == 400 and "comment" in r.json()["error"]["fields"]
    r = api_as(users.hr).post(url, {"decision": "extend", "comment": "迟到较多", "extend_months": 1}, format="json")
    assert r.status_code == 200 and r.json()["ends_on"] == "2026-03-02"
    with pytest.raises(ValidationError):
        services.probation_decide(actor=users.hr, review_id=review.pk, decision="extend", comment="again",
                                  extend_months=3)  # beyond six months in total
    r = api_as(users.hr).post(url, {"decision": "pass", "comment": "ok"}, format="json")
    assert r.status_code == 200
    with pytest.raises(Conflict):
        services.probation_decide(actor=users.hr, review_id=review.pk, decision="fail", comment="no")
    assert AuditEvent.objects.filter(action="attendance.probation.pass", object_id=str(review.pk)).exists()
    assert [d.pk for d in selectors.probation_decisions(user=users.director)] == [review.pk]
    ProbationReview.objects.filter(pk=review.pk).update(application_id=None)


def test_r_ai_5_probation_outcomes_hook(users, org, hire):
    from tests.candidates.factories import ApplicationFactory

    account, review = hire
    app = ApplicationFactory(job__department=org.emergency)
    ProbationReview.objects.filter(pk=review.pk).update(application=app, decision="fail")
    assert probation_outcomes([app.pk, 999999]) == {app.pk: False, 999999: None}


def test_r_att_4_decision_permission_and_scope(users, hire, api_as):
    _, review = hire
    url = f"/api/v1/attendance/probation/{review.pk}/decide/"
    # R-SEC-1: the IT manager may decide probations, but not of the emergency department's hires
    assert api_as(users.it_manager).post(url, {"decision": "pass"}, format="json").status_code == 404
    assert api_as(users.interviewer).post(url, {"decision": "pass"}, format="json").status_code == 403  # no permission
    assert ProbationReview.objects.get(pk=review.pk).decision == ""
    # the manager of the new hire's own department records the decision (they get the reminders)
    response = api_as(users.er_manager).post(url, {"decision": "pass", "comment": "表现良好"}, format="json")
    assert response.status_code == 200
    assert ProbationReview.objects.get(pk=review.pk).decision == "pass"


def test_r_att_3_monthly_report_scoped_and_excel_export_logged(users, org, hire, api_as):
    account, _ = hire
    active_account(org.it, name="信息科", effective=START)
    _late_mornings(users, account, [START, START + dt.timedelta(days=1)])
    services.daily_results_refresh(now=timezone.now(), backfill_days=40)
    rows = api_as(users.er_manager).get("/api/v1/attendance/reports/monthly/", {"month": "2025-11"}).json()["results"]
    assert [(r["name"], r["late"]) for r in rows] == [(account.holder_name, 2)]
    assert rows[0]["absences"] == DailyResult.objects.filter(account=account, status="absent").count()
    r = api_as(users.er_manager).get("/api/v1/attendance/reports/monthly/", {"month": "2025-11", "format": "xlsx"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(r.streaming_content) if r.streaming else r.content)).active
    assert sheet.max_row == 2
    assert AccessLog.objects.filter(kind="export", object_type="attendance.monthlyreport").exists()
    assert api_as(users.hr).get("/api/v1/attendance/reports/monthly/", {"month": "nope"}).status_code == 400


def test_r_att_4_review_page_shows_months_and_ai_scores_and_records_the_decision(users, org, client):
    """The page the reminder and the Today list link to: attendance per month with flags, the AI scores, and the
    decision form; the manager of another department gets a 404, an interviewer a 403."""
    from tests.attendance.factories import active_account

    account = active_account(org.emergency, name="周护士", effective=timezone.localdate() - dt.timedelta(days=40))
    review = ProbationReview.objects.create(account=account, department=org.emergency, starts_on=account.effective_date,
                                            ends_on=account.effective_date + dt.timedelta(days=90))
    for n in range(6):
        DailyResult.objects.create(account=account, department=org.emergency, stale=False, status="present",
                                   work_date=account.effective_date + dt.timedelta(days=n), late_minutes=12)
    url = f"/admin/attendance/probationreview/{review.pk}/decide/"
    client.force_login(users.er_manager)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="probation-decision"' in html and "周护士" in html
    assert '<span class="flag">' in html  # six late arrivals this month: flagged
    assert AccessLog.objects.filter(object_type="attendance.probationreview", object_id=str(review.pk)).exists()
    failed = client.post(url, {"decision": "fail", "comment": ""})
    assert failed.status_code == 400
    review.refresh_from_db()
    assert review.decision == ""  # nothing recorded
    done = client.post(url, {"decision": "pass", "comment": "表现稳定"})
    assert done.status_code == 302
    review.refresh_from_db()
    assert review.decision == "pass" and review.decided_by == users.er_manager
    assert 'id="probation-decision"' not in client.get(url).content.decode()  # decided: no form
    client.force_login(users.it_manager)
    assert client.get(url).status_code == 404
    client.force_login(users.interviewer)
    assert client.get(url).status_code in (302, 403)
