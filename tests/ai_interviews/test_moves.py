"""Automatic pipeline moves on a stored result: pass, fail (with and without hold), borderline (R-PIPE-3)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from candidates.models import TransitionLog
from hrsys.core.periodic import run_due_jobs
from interviews.ai import selectors, services
from interviews.ai.models import AIInterviewResult, JobAIPolicy
from notifications.models import Notification
from tests.ai_interviews.test_ingest import result_body


def deliver(post_result, worker, **overrides):
    response = post_result(result_body(**overrides))
    assert response.status_code == 202, response.content
    worker.run()
    return AIInterviewResult.objects.get(vendor_result_id=overrides.get("result_id", "R-1"))


def moves(app):
    return list(TransitionLog.objects.filter(application=app).order_by("id").values_list("transition", flat=True))


def test_r_pipe_3_pass_advances_and_starts_next_round_scheduling(invited, post_result, worker, monkeypatch):
    """R-PIPE-3: every dimension at or above its pass threshold -> ai_complete, advance_to_interview, and the
    next round's scheduling call point runs."""
    called = []
    monkeypatch.setattr(services.results, "start_next_round_scheduling", lambda **kw: called.append(kw))
    result = deliver(post_result, worker, dimensions={"logic": 5, "comm": 0.8, "stress": 4})
    app = invited.application
    app.refresh_from_db()
    assert result.decision == "pass"
    assert app.state == "interviewing"
    assert moves(app) == ["ai_complete", "advance_to_interview"]
    assert result.move_status == "applied"
    assert called and called[0]["application_id"] == app.pk
    assert TransitionLog.objects.filter(application=app).first().actor_label == "ai:acme"


def test_r_pipe_3_pass_sends_the_passed_signal_after_commit(invited, post_result, worker):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    services.ai_interview_passed.connect(receiver)
    try:
        deliver(post_result, worker, dimensions={"logic": 5, "comm": 0.8, "stress": 4})
    finally:
        services.ai_interview_passed.disconnect(receiver)
    assert received and received[0]["application_id"] == invited.application_id


def test_r_pipe_3_borderline_goes_to_the_hr_review_queue(invited, post_result, worker, users):
    """R-PIPE-3: between borderline and pass -> ai_review; the dashboard selector lists it in scope only."""
    result = deliver(post_result, worker, dimensions={"logic": 3, "comm": 0.8, "stress": 4})  # logic 50
    app = invited.application
    app.refresh_from_db()
    assert result.decision == "borderline" and app.state == "ai_review"
    assert list(selectors.borderline_results_to_review(user=users.hr)) == [result]
    assert list(selectors.borderline_results_to_review(user=users.er_manager)) == [result]
    assert list(selectors.borderline_results_to_review(user=users.it_manager)) == []


def test_r_pipe_3_missing_dimension_is_borderline(invited, post_result, worker):
    result = deliver(post_result, worker, dimensions={"logic": 5, "comm": 0.9})
    assert result.decision == "borderline"
    assert {c["key"]: c["verdict"] for c in result.decision_detail["checks"]}["stress_tolerance"] == "missing"


def test_r_pipe_3_fail_without_hold_rejects_with_the_jobs_message(invited, post_result, worker):
    """R-PIPE-3: a dimension below borderline -> rejected at once, the job's template message goes out."""
    result = deliver(post_result, worker, dimensions={"logic": 1, "comm": 0.8, "stress": 4})
    app = invited.application
    app.refresh_from_db()
    assert result.decision == "fail" and app.state == "rejected"
    assert moves(app) == ["ai_complete", "reject"]
    message = Notification.objects.get(idempotency_key=f"ai_result:{result.pk}:rejection")
    assert "很遗憾您未通过本次 AI 面试" in message.body
    # its own template, which HR can word for the hospital (R-NS-2)
    assert message.template_key == "application_rejected" and app.job.title in message.subject


def test_r_pipe_3_fail_with_hold_waits_then_the_sweep_rejects(invited, post_result, worker, er_job):
    """R-PIPE-3: with an HR hold period the rejection waits; hr_tick after the hold rejects."""
    JobAIPolicy.objects.create(job=er_job, rejection_hold_hours=24)
    result = deliver(post_result, worker, dimensions={"logic": 1, "comm": 0.8, "stress": 4})
    app = invited.application
    app.refresh_from_db()
    assert result.move_status == "held" and app.state == "ai_completed"
    assert result.hold_until > timezone.now() + datetime.timedelta(hours=23)
    with worker.committing():
        run_due_jobs(now=timezone.now() + datetime.timedelta(hours=1), only=["ai_interviews.release_holds"])
    worker.run()
    app.refresh_from_db()
    assert app.state == "ai_completed"  # still on hold
    later = timezone.now() + datetime.timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        with worker.committing():
            summary = run_due_jobs(now=later, only=["ai_interviews.release_holds"])
        worker.run()
    assert summary["ai_interviews.release_holds"] == {"due": 1}
    app.refresh_from_db()
    result.refresh_from_db()
    assert app.state == "rejected" and result.move_status == "applied"
    assert Notification.objects.filter(idempotency_key=f"ai_result:{result.pk}:rejection").exists()


def test_r_pipe_3_hr_stops_a_held_rejection(invited, post_result, worker, er_job, users):
    JobAIPolicy.objects.create(job=er_job, rejection_hold_hours=24)
    result = deliver(post_result, worker, dimensions={"logic": 1, "comm": 0.8, "stress": 4})
    assert list(selectors.held_rejections(user=users.hr)) == [result]
    with pytest.raises(PermissionDenied):  # managers may not move applications
        services.ai_hold_cancel(actor=users.it_manager, result_id=result.pk)
    services.ai_hold_cancel(actor=users.hr, result_id=result.pk, reason="值得再看看")
    invited.application.refresh_from_db()
    assert invited.application.state == "ai_review"
    later = timezone.now() + datetime.timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        with worker.committing():
            assert run_due_jobs(now=later, only=["ai_interviews.release_holds"])["ai_interviews.release_holds"] == {
                "due": 0}
    invited.application.refresh_from_db()
    assert invited.application.state == "ai_review"


def test_r_pipe_3_hr_decides_a_borderline_result(invited, post_result, worker, users):
    result = deliver(post_result, worker, dimensions={"logic": 3, "comm": 0.8, "stress": 4})
    app = services.ai_review_decide(actor=users.hr, result_id=result.pk, advance=True)
    assert app.state == "interviewing"


def test_r_pipe_3_pass_blocked_by_credentials_goes_to_review_with_a_note(invited, post_result, worker, er_job):
    er_job.required_credentials = ["nurse_licence"]
    er_job.credential_checkpoints = ["advance_to_interview"]
    er_job.save()
    result = deliver(post_result, worker, dimensions={"logic": 5, "comm": 0.8, "stress": 4})
    invited.application.refresh_from_db()
    assert invited.application.state == "ai_review"
    assert "could not advance" in result.move_note


def test_r_pipe_3_application_moved_by_hr_meanwhile_is_left_alone(invited, post_result, worker, users):
    from candidates.services import application_transition

    application_transition(actor=users.hr, application_id=invited.application_id, transition="withdraw",
                           reason="candidate withdrew")
    result = deliver(post_result, worker, dimensions={"logic": 1, "comm": 0.8, "stress": 4})
    assert result.move_status == "skipped"
    invited.application.refresh_from_db()
    assert invited.application.state == "withdrawn"


def test_r_pipe_3_moves_run_once(invited, post_result, worker):
    result = deliver(post_result, worker, dimensions={"logic": 5, "comm": 0.8, "stress": 4})
    assert services.ai_result_apply_moves(result_id=result.pk) == "applied"
    assert moves(invited.application) == ["ai_complete", "advance_to_interview"]


def test_r_pipe_3_overall_only_result_uses_overall_thresholds(invited, post_result, worker):
    result = deliver(post_result, worker, dimensions={}, overall_score=55)
    assert result.decision == "fail"


def test_r_ai_2_preferences_are_saved_for_scheduling_and_offers(invited, post_result, worker, users):
    deliver(post_result, worker)
    prefs = selectors.candidate_preferences(invited.application_id)
    assert prefs["expected_salary"] == {"amount": "12000.00", "currency": "CNY", "period": "month"}
    assert prefs["earliest_start_date"] == datetime.date(2026, 4, 1)
    assert prefs["available_times"][0]["start"].startswith("2026-03-12T01:00")
    assert selectors.candidate_preferences(invited.application_id, user=users.it_manager) is None
    summary = selectors.ai_result_summary(application_id=invited.application_id)
    assert summary["overall_score"] == 80 and summary["dimensions"][0]["key"] == "logic"


