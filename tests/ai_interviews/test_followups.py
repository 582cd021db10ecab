"""Next-round interviewers see the AI result and suggested follow-up questions (R-AI-4, R-AI-5, R-PIPE-7)."""

import datetime

import pytest
from django.utils import timezone

from candidates.models import InterviewRound
from dashboard import insights
from interviews.ai import selectors, services
from interviews.ai.models import JobAIPolicy, Question
from interviews.models import Interview
from tests.ai_interviews.factories import ApplicationFactory, QuestionFactory
from tests.ai_interviews.test_ingest import result_body
from tests.factories import UserFactory


@pytest.fixture
def scored(invited, post_result, worker):
    """logic 25 (weak), communication 95 (notable), stress 75 (passed, unremarkable)."""
    body = result_body(dimensions={"logic": 2, "comm": 0.95, "stress": 4})
    assert post_result(body).status_code == 202
    worker.run()
    return invited.application


@pytest.fixture
def bank(er_job):
    JobAIPolicy.objects.create(job=er_job, job_family="nursing")
    return {
        "logic_zh": QuestionFactory(text="请讲一次你按优先级处理多名患者的经历。", dimension="logic", use_for="weak",
                                    job_family="nursing"),
        "logic_en": QuestionFactory(text="Walk me through triaging three patients.", dimension="logic",
                                    language="en", use_for="weak"),
        "logic_it": QuestionFactory(text="如何排查服务器故障？", dimension="logic", job_family="it"),
        "logic_notable_only": QuestionFactory(text="你最得意的推理？", dimension="logic", use_for="notable"),
        "logic_inactive": QuestionFactory(text="停用的问题", dimension="logic", active=False),
        "comm": QuestionFactory(text="怎样向焦虑的家属解释病情？", dimension="communication", use_for="notable"),
        "stress": QuestionFactory(text="连续夜班后如何调整？", dimension="stress_tolerance"),
    }


def test_r_ai_4_follow_ups_for_weak_and_notable_dimensions(scored, bank, users):
    """R-AI-4: weak logic first (job family, candidate language first), notable communication, nothing for
    a plainly passed dimension; inactive, other-family and wrong-use questions never."""
    suggestions = selectors.follow_up_questions_for(user=users.hr, application_id=scored.pk)
    assert [(s["dimension"], s["reason"]) for s in suggestions] == [("logic", "weak"), ("communication", "notable")]
    logic = [q["id"] for q in suggestions[0]["questions"]]
    assert logic == [bank["logic_zh"].pk, bank["logic_en"].pk]
    assert [q["id"] for q in suggestions[1]["questions"]] == [bank["comm"].pk]
    all_ids = {q["id"] for s in suggestions for q in s["questions"]}
    for name in ("logic_it", "logic_notable_only", "logic_inactive", "stress"):
        assert bank[name].pk not in all_ids


def test_r_pipe_7_next_round_interviewer_sees_result_and_questions(scored, bank, er_job, api_as):
    """R-PIPE-7, R-SEC-1: the interviewer of this candidate's next round sees the AI result and the suggestions;
    an interviewer merely named on the job's round (no interview with this candidate) does not."""
    mine = UserFactory(username="round_interviewer", role="interviewer")
    other = UserFactory(username="other_interviewer", role="interviewer")
    rnd = InterviewRound.objects.create(job=er_job, order=1, kind="technical")
    rnd.interviewers.set([mine, other])
    start = timezone.now() + datetime.timedelta(days=1)
    interview = Interview.objects.create(application=scored, round=rnd, starts_at=start,
                                         ends_at=start + datetime.timedelta(hours=1))
    interview.interviewers.set([mine])
    ok = api_as(mine).get(f"/api/v1/ai-interviews/applications/{scored.pk}/follow-up-questions/")
    assert ok.status_code == 200 and ok.json()["results"][0]["dimension"] == "logic"
    assert api_as(mine).get(f"/api/v1/ai-interviews/applications/{scored.pk}/result/").status_code == 200
    assert api_as(other).get(f"/api/v1/ai-interviews/applications/{scored.pk}/follow-up-questions/"
                             ).status_code == 404
    assert api_as(other).get(f"/api/v1/ai-interviews/applications/{scored.pk}/result/").status_code == 404


def test_r_ai_4_other_departments_manager_sees_nothing(scored, bank, users, api_as):
    assert selectors.follow_up_questions_for(user=users.it_manager, application_id=scored.pk) == []
    assert api_as(users.it_manager).get(f"/api/v1/ai-interviews/applications/{scored.pk}/result/"
                                        ).status_code == 404


def test_r_ai_5_asked_questions_count_in_outcome_stats(scored, bank, users, er_job, api_as):
    """R-AI-5: usage is recorded once per application; stats read hires from the pipeline states."""
    services.question_usage_record(actor=users.hr, application_id=scored.pk, question_id=bank["logic_zh"].pk)
    services.question_usage_record(actor=users.hr, application_id=scored.pk, question_id=bank["logic_zh"].pk)
    hired = ApplicationFactory(job=er_job, state="hired")
    services.question_usage_record(actor="test", application_id=hired.pk, question_id=bank["logic_zh"].pk)
    stats = {s["question_id"]: s for s in insights.question_outcome_stats()}
    row = stats[bank["logic_zh"].pk]
    assert (row["asked"], row["hired"], row["passed_probation"]) == (2, 1, 0)
    assert row["hire_rate"] == 0.5
    suggestions = selectors.follow_up_questions_for(user=users.hr, application_id=scored.pk)
    assert suggestions[0]["questions"][0]["asked"] is True
    response = api_as(users.hr).post(f"/api/v1/ai-interviews/applications/{scored.pk}/questions-asked/",
                                     {"question": bank["comm"].pk}, format="json")
    assert response.status_code == 201
    assert api_as(users.hr).get("/api/v1/ai-interviews/questions/stats/").status_code == 200


def test_r_ai_5_probation_hook_feeds_the_stats(scored, bank, er_job, monkeypatch):
    hired = ApplicationFactory(job=er_job, state="employee")
    services.question_usage_record(actor="test", application_id=hired.pk, question_id=bank["stress"].pk)
    monkeypatch.setattr(insights, "probation_outcomes_for_applications", lambda ids: {pk: True for pk in ids})
    row = insights.question_outcome_stats(question_ids=[bank["stress"].pk])[0]
    assert row["passed_probation"] == 1


def test_r_ai_4_panel_context_has_chart_media_and_questions(scored, bank, users):
    ctx = selectors.ai_result_panel_context(user=users.hr, application_id=scored.pk)
    assert ctx["result"] is not None
    assert ctx["chart"].startswith("<svg") and "逻辑思维" in ctx["chart"]
    assert ctx["follow_ups"][0]["dimension"] == "logic"
    assert selectors.ai_result_panel_context(user=users.it_manager, application_id=scored.pk) == {"result": None}


def test_question_text_escapes_in_chart():
    svg = selectors.svg_bar_chart([{"label": "<script>", "score": 50, "pass": 60, "borderline": 40}])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert Question.Use.WEAK == "weak"
