"""The interview scorecard (issue 14 item 5; R-PIPE-7, R-UI-5): 1-5 per assessment dimension with anchor texts,
a recommendation and notes; open from the interview's start on a booked or completed human round, for its
interviewers only; a draft until submitted, read-only after; the page and the API call the same service."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from rest_framework.test import APIClient

from hrsys.api.errors import Conflict
from hrsys.audit.models import AccessLog, AuditEvent
from interviews import services
from interviews.models import DEFAULT_ANCHORS, Interview, InterviewFeedback, scorecard_dimensions
from tests.interviews.conftest import local

pytestmark = pytest.mark.django_db
BOOKED_AT = local(2026, 3, 2, 10)
START = local(2026, 3, 4, 9)
DURING = START + dt.timedelta(minutes=20)
GOOD = {"clinical": 4, "communication": 3}


@pytest.fixture
def interview(world):
    with time_machine.travel(BOOKED_AT, tick=False):
        return services.interview_schedule(actor=world.users.hr, application_id=world.app.pk,
                                           round_id=world.round.pk, starts_at=START)


def save(world, interview, *, actor=None, submit=False, **kw):
    data = {"scores": GOOD, "recommendation": "yes", "notes": "扎实"} | kw
    return services.feedback_save(actor=actor or world.i1, interview_id=interview.pk, submit=submit, **data)


def web(user):
    client = Client()
    client.force_login(user)
    return client


# -- the service ------------------------------------------------------------------------------------------------

def test_r_pipe_7_feedback_is_refused_before_the_interview_starts(world, interview):
    """R-PIPE-7: two days before (and one minute before) the start: a 409 refusal in words, nothing saved."""
    for moment in (START - dt.timedelta(days=2), START - dt.timedelta(minutes=1)):
        with time_machine.travel(moment, tick=False), pytest.raises(Conflict) as exc:
            save(world, interview, submit=True)
        assert "opens when the interview starts" in str(exc.value.detail) and "09:00" in str(exc.value.detail)
    assert not InterviewFeedback.objects.exists()
    with time_machine.travel(START, tick=False):
        assert save(world, interview).is_draft


def test_r_pipe_7_draft_then_edit_then_submit_then_read_only(world, interview):
    """R-PIPE-7: a draft may be incomplete and changed; submitting needs everything; once submitted it is read-only
    (409) and counts (submitted_at set); every step audited."""
    with time_machine.travel(DURING, tick=False):
        draft = save(world, interview, scores={"clinical": 2}, recommendation="", notes="")
        assert draft.submitted_at is None and draft.scores == {"clinical": 2}
        draft = save(world, interview, scores={"clinical": 3}, recommendation="no")
        assert InterviewFeedback.objects.count() == 1 and draft.scores == {"clinical": 3}
        with pytest.raises(ValidationError) as exc:  # submit with a dimension and nothing else missing
            save(world, interview, scores={"clinical": 3}, recommendation="", submit=True)
        assert set(exc.value.message_dict) == {"scores", "recommendation"}
        assert "沟通" in exc.value.message_dict["scores"][0]  # the missing dimension by its label
        assert InterviewFeedback.objects.get().recommendation == "no"  # the refused submit changed nothing
        assert Interview.objects.get(pk=interview.pk).state == "scheduled"  # a draft says nothing about it
        done = save(world, interview, submit=True)
        assert done.submitted_at == DURING and done.scores == GOOD and done.recommendation == "yes"
        # a submitted scorecard marks the round held, so the no-show sweep leaves it alone
        assert Interview.objects.get(pk=interview.pk).state == "completed"
        with pytest.raises(Conflict) as exc:
            save(world, interview, scores={"clinical": 5, "communication": 5}, submit=True)
        assert "can no longer be changed" in str(exc.value.detail)
        with pytest.raises(Conflict):
            save(world, interview)  # not back to a draft either
    fb = InterviewFeedback.objects.get()
    assert fb.scores == GOOD and fb.submitted_at == DURING
    actions = list(AuditEvent.objects.filter(action__startswith="interview.feedback").order_by("id").values_list("action", flat=True))
    assert actions == ["interview.feedback_draft", "interview.feedback_draft", "interview.feedback_submit"]


@pytest.mark.parametrize("scores", [{"clinical": 0}, {"clinical": 6}, {"clinical": 80}, {"clinical": "4"},
                                    {"clinical": True}, {"clinical": 3.5}, {"unknown": 3}, ["clinical", 3]])
def test_r_pipe_7_scores_are_whole_numbers_1_to_5_of_the_jobs_dimensions(world, interview, scores):
    """R-PIPE-7: the scale is 1-5 (0, 6, 80, text, booleans, fractions, unknown dimensions refused, even in a
    draft)."""
    with time_machine.travel(DURING, tick=False), pytest.raises(ValidationError) as exc:
        save(world, interview, scores=scores)
    assert set(exc.value.message_dict) == {"scores"}
    assert not InterviewFeedback.objects.exists()


def test_r_pipe_7_only_the_rounds_interviewers_write_it(world, interview):
    """R-PIPE-7: a manager in scope but not on the panel: 403."""
    with time_machine.travel(DURING, tick=False), pytest.raises(PermissionDenied):
        save(world, interview, actor=world.users.er_manager)
    assert not InterviewFeedback.objects.exists()


@pytest.mark.parametrize("how", ["cancel", "reschedule", "no_show"])
def test_r_pipe_7_no_feedback_on_an_interview_that_did_not_take_place(world, interview, how):
    """R-PIPE-7: cancelled, replaced by a reschedule, or a no-show: refused (409) in words; after a reschedule the
    feedback goes to the new interview, once it has started."""
    new = None
    with time_machine.travel(BOOKED_AT, tick=False):
        if how == "cancel":
            services.interview_cancel(actor=world.users.hr, interview_id=interview.pk, reason="岗位取消")
        elif how == "reschedule":
            new = services.interview_reschedule(actor=world.users.hr, interview_id=interview.pk,
                                                starts_at=local(2026, 3, 5, 14), reason="候选人改期")
    if how == "no_show":
        with time_machine.travel(DURING, tick=False):
            services.interview_mark_no_show(actor=world.users.hr, interview_id=interview.pk, reason="未到")
    with time_machine.travel(local(2026, 3, 5, 15), tick=False):
        with pytest.raises(Conflict) as exc:
            save(world, interview, submit=True)
        assert {"cancel": "cancelled", "reschedule": "moved to another time",
                "no_show": "did not come"}[how] in str(exc.value.detail)
        if new is not None:
            assert save(world, new, submit=True).interview_id == new.pk
    assert InterviewFeedback.objects.filter(interview=interview).count() == 0


def test_r_pipe_7_drafts_stay_their_authors(world, interview):
    """R-PIPE-7: the next round's interviewer sees submitted feedback only, never a draft."""
    from interviews.selectors import earlier_feedback

    with time_machine.travel(DURING, tick=False):
        save(world, interview)
        save(world, interview, actor=world.i2, submit=True, scores={"clinical": 5, "communication": 4})
        final = services.interview_schedule(actor=world.users.hr, application_id=world.app.pk,
                                            round_id=world.final.pk, starts_at=local(2026, 3, 5, 9))
    seen = earlier_feedback(user=world.users.er_manager, interview=final)
    assert [f.interviewer_id for f in seen["feedback"]] == [world.i2.pk]


def test_r_pipe_7_anchor_texts_default_per_level_and_overridable_per_dimension(world):
    """R-PIPE-7: every level has an anchor text; a dimension's own "anchors" replace the defaults they name."""
    from candidates.validators import validate_assessment_dimensions

    world.job.assessment_dimensions = [
        {"key": "clinical", "label": "临床", "pass": 70, "borderline": 60, "anchors": {"5": "可独立处理危重病人"}},
        {"key": "communication", "label": "沟通", "pass": 70, "borderline": 60}]
    validate_assessment_dimensions(world.job.assessment_dimensions)
    dims = {d["key"]: [lvl["anchor"] for lvl in d["levels"]] for d in scorecard_dimensions(world.job)}
    assert dims["clinical"][4] == "可独立处理危重病人" and dims["clinical"][0] == str(DEFAULT_ANCHORS[1])
    assert dims["communication"] == [str(DEFAULT_ANCHORS[n]) for n in (1, 2, 3, 4, 5)]
    with pytest.raises(ValidationError):
        validate_assessment_dimensions([{"key": "x", "pass": 70, "borderline": 60, "anchors": {"6": "?"}}])
    with pytest.raises(ValidationError):
        validate_assessment_dimensions([{"key": "x", "pass": 70, "borderline": 60, "anchors": ["a", "b"]}])


def test_r_pipe_7_existing_feedback_moves_to_the_1_to_5_scale():
    """The data migration: 0-100 rows become ceil(score / 20) (at least 1); rows already on 1-5 stay."""
    import importlib

    mod = importlib.import_module("interviews.migrations.0003_feedback_drafts_and_reminders")
    assert [mod.to_five_levels(v) for v in (0, 1, 20, 21, 40, 59, 60, 80, 81, 100)] == [1, 1, 1, 2, 2, 3, 3, 4, 5, 5]


# -- the API ----------------------------------------------------------------------------------------------------

def test_r_pipe_7_api_drafts_submits_and_refuses_with_400_and_409(world, interview):
    """R-PIPE-7: the API saves a draft (submit false), updates it (200), submits (default), then answers 409; bad
    input is 400 naming the field."""
    api = APIClient()
    api.force_authenticate(world.i1)
    url = f"/api/v1/interviews/{interview.pk}/feedback/"
    with time_machine.travel(START - dt.timedelta(days=2), tick=False):
        early = api.post(url, {"scores": GOOD, "recommendation": "yes"}, format="json")
        assert early.status_code == 409
    with time_machine.travel(DURING, tick=False):
        r = api.post(url, {"scores": {"clinical": 2}, "submit": False}, format="json")
        assert r.status_code == 201 and r.json()["draft"] is True and r.json()["submitted_at"] is None
        r = api.post(url, {"scores": {"clinical": 9}, "submit": False}, format="json")
        assert r.status_code == 400 and "scores" in r.json()["error"]["fields"]
        r = api.post(url, {"scores": GOOD, "recommendation": "maybe"}, format="json")
        assert r.status_code == 400 and "recommendation" in r.json()["error"]["fields"]
        r = api.post(url, {"scores": GOOD, "recommendation": "strong_yes", "notes": "好"}, format="json")
        assert r.status_code == 200 and r.json()["draft"] is False and r.json()["scores"] == GOOD
        r = api.post(url, {"scores": GOOD, "recommendation": "no"}, format="json")
        assert r.status_code == 409
    fb = InterviewFeedback.objects.get()
    assert fb.recommendation == "strong_yes" and fb.submitted_at is not None


# -- the page ---------------------------------------------------------------------------------------------------

def test_r_ui_5_scorecard_page_shows_the_form_with_anchors_and_saves_through_the_service(world, interview):
    """R-UI-5: the interviewer's page: summary (name, job, round, local time), each dimension's five levels with
    their anchor text, recommendation, notes; Save draft keeps it a draft, Submit makes it read-only; logged."""
    url = f"/interviews/{interview.pk}/scorecard/"
    client = web(world.i1)
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        html = client.get(url).content.decode()
        assert 'id="scorecard-form"' not in html and "opens when the interview starts" in html
    with time_machine.travel(DURING, tick=False):
        html = client.get(url).content.decode()
        assert "王芳" in html and "急诊护士" in html and "09:00–09:45" in html
        assert html.count('type="radio" name="score_clinical"') == 5
        assert str(DEFAULT_ANCHORS[1]) in html and str(DEFAULT_ANCHORS[5]) in html
        assert AccessLog.objects.filter(actor=world.i1, object_id=str(interview.pk), detail="scorecard").exists()
        r = client.post(url, {"score_clinical": "2", "notes": "初稿", "action": "draft"})
        assert r.status_code == 302 and r["Location"] == url
        fb = InterviewFeedback.objects.get()
        assert fb.is_draft and fb.scores == {"clinical": 2} and fb.notes == "初稿"
        html = client.get(url).content.decode()
        assert 'value="2" id="score-clinical-2" checked' in html and "Draft saved" in html
        # submit with a missing dimension: field errors, nothing changed
        r = client.post(url, {"score_clinical": "4", "recommendation": "yes", "notes": "x", "action": "submit"})
        assert r.status_code == 200
        html = r.content.decode()
        assert 'id="error-summary"' in html and 'id="dim-communication"' in html and "has-error" in html
        assert InterviewFeedback.objects.get().scores == {"clinical": 2}
        r = client.post(url, {"score_clinical": "4", "score_communication": "5", "recommendation": "yes",
                              "notes": "沟通清楚", "action": "submit"})
        assert r.status_code == 302
        fb = InterviewFeedback.objects.get()
        assert not fb.is_draft and fb.scores == {"clinical": 4, "communication": 5} and fb.notes == "沟通清楚"
        html = client.get(url).content.decode()
        assert 'id="scorecard-form"' not in html and 'id="scorecard-submitted"' in html
        assert str(DEFAULT_ANCHORS[5]) in html  # the chosen level's words on the read-only card
        r = client.post(url, {"score_clinical": "1", "score_communication": "1", "recommendation": "no",
                              "action": "submit"}, follow=True)
        assert "can no longer be changed" in r.content.decode()
        assert InterviewFeedback.objects.get().scores == {"clinical": 4, "communication": 5}


def test_r_ui_5_others_read_only_outside_scope_404(world, interview, users, org):
    """R-UI-5: a manager in scope reads submitted feedback (never a draft) and gets 403 on a POST; a manager of
    another department gets 404; a panel member sees the others' feedback only after submitting their own."""
    url = f"/interviews/{interview.pk}/scorecard/"
    with time_machine.travel(DURING, tick=False):
        save(world, interview, submit=True, notes="第一位面试官")
        save(world, interview, actor=world.i2, notes="第二位草稿")
        html = web(users.er_manager).get(url).content.decode()
        assert 'id="scorecard-form"' not in html and 'id="scorecard-read-only"' in html
        assert "第一位面试官" in html and "第二位草稿" not in html
        assert web(users.er_manager).post(url, {"action": "submit"}).status_code == 403
        assert web(users.it_manager).get(url).status_code == 404
        html = web(world.i2).get(url).content.decode()
        assert 'id="scorecard-form"' in html and "第一位面试官" not in html  # not before submitting their own
        html = web(world.i1).get(url).content.decode()
        assert "第一位面试官" in html and "第二位草稿" not in html


def test_r_ui_5_my_interviews_shows_feedback_state_and_links_the_scorecard(world, interview):
    """R-UI-5: past interviews show not submitted / draft / submitted with the scorecard link; upcoming ones carry
    the follow-up questions' place; the count of interviews waiting for feedback is on top."""
    with time_machine.travel(START + dt.timedelta(hours=3), tick=False):
        html = web(world.i1).get("/interviews/mine/").content.decode()
        past = html[html.index('id="past-interviews"'):]
        assert f'href="/interviews/{interview.pk}/scorecard/"' in past and "Fill in the scorecard" in past
        assert 'id="feedback-waiting"' in html
        save(world, interview)
        past = web(world.i1).get("/interviews/mine/").content.decode().split('id="past-interviews"')[1]
        assert 'data-feedback="draft"' in past and "Continue the scorecard" in past
        save(world, interview, submit=True)
        html = web(world.i1).get("/interviews/mine/").content.decode()
        assert 'data-feedback="submitted"' in html and 'id="feedback-waiting"' not in html


def test_r_ui_5_follow_up_questions_on_the_scorecard_and_for_upcoming_interviews(world, interview, monkeypatch):
    """R-UI-5, R-PIPE-7: the AI interview's suggested follow-up questions (interviews.ai.selectors, asked with the
    viewer and the application) are on the scorecard and on My interviews for an upcoming round."""
    from interviews import my_interviews, scorecard
    from interviews.ai import selectors as ai_selectors

    asked = []

    def fake(*, user, application_id, per_dimension=2):
        asked.append((user.pk, application_id))
        return [{"dimension": "clinical", "label": "临床", "score": 40, "pass": 70, "reason": "weak",
                 "questions": [{"id": 1, "text": "请讲一次抢救配合的经历。", "language": "zh-hans", "guidance": "",
                                "asked": False}]}]

    monkeypatch.setattr(ai_selectors, "follow_up_questions_for", fake)
    monkeypatch.setattr(my_interviews, "follow_up_questions_for", fake)
    monkeypatch.setattr(scorecard, "follow_up_questions_for", fake)
    with time_machine.travel(BOOKED_AT, tick=False):
        html = web(world.i1).get("/interviews/mine/").content.decode()
        upcoming = html[html.index('id="upcoming-interviews"'):html.index('id="past-interviews"')]
        assert "请讲一次抢救配合的经历。" in upcoming
    with time_machine.travel(DURING, tick=False):
        html = web(world.i1).get(f"/interviews/{interview.pk}/scorecard/").content.decode()
        assert 'id="scorecard-follow-ups"' in html and "请讲一次抢救配合的经历。" in html
    assert set(asked) == {(world.i1.pk, world.app.pk)}
