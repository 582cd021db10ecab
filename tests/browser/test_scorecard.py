"""The interviewer submits a scorecard in real Chromium (issue 14 item 5; R-UI-5, R-PIPE-7): from "My interviews" to the
scorecard of yesterday's interview, a draft saved and changed, then submitted; the row is read back from the database.
Screenshots at laptop and phone width go to artifacts/screenshots/."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.staff import LAPTOP, PHONE, no_horizontal_scroll, path_of, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DIMENSIONS = [{"key": "clinical", "label": "临床技能", "pass": 70, "borderline": 60,
               "anchors": {"5": "能独立处理危重病人"}},
              {"key": "communication", "label": "沟通能力", "pass": 70, "borderline": 60}]


@pytest.fixture
def held(users, org):
    """Yesterday's clinical round of 张晓梅 with the interviewer (刘医生) on the panel, and one tomorrow."""
    from candidates.models import InterviewRound
    from interviews.models import Interview, Room
    from tests.candidates.factories import ApplicationFactory, JobFactory

    users.interviewer.full_name = "刘医生"
    users.interviewer.save()
    job = JobFactory(department=org.emergency, title="急诊护士", assessment_dimensions=DIMENSIONS)
    rnd = InterviewRound.objects.create(job=job, order=1, kind="clinical", duration_minutes=45)
    room = Room.objects.create(name="面试室 A", department=org.emergency, location="门诊楼 3 层")
    start = timezone.now().replace(microsecond=0, second=0) - dt.timedelta(days=1)
    past = Interview.objects.create(application=ApplicationFactory(job=job, candidate__name="张晓梅",
                                                                   state="interviewing"),
                                    round=rnd, state="completed", starts_at=start,
                                    ends_at=start + dt.timedelta(minutes=45), room=room)
    past.interviewers.set([users.interviewer])
    soon = Interview.objects.create(application=ApplicationFactory(job=job, candidate__name="王芳",
                                                                   state="interviewing"),
                                    round=rnd, state="scheduled", starts_at=start + dt.timedelta(days=2),
                                    ends_at=start + dt.timedelta(days=2, minutes=45), room=room)
    soon.interviewers.set([users.interviewer])
    return past


def test_r_ui_5_r_pipe_7_interviewer_saves_a_draft_edits_and_submits_the_scorecard(browser, live_server, users, held,
                                                                                   shot):
    """R-UI-5, R-PIPE-7: My interviews -> the past interview's scorecard (summary, anchors per level) -> Save draft
    (a draft row) -> change a score -> Submit with a missing dimension is refused in words -> Submit (submitted row,
    read-only page, My interviews says submitted); no sideways scroll on a phone."""
    from interviews.models import InterviewFeedback

    context, page = staff_login(browser, live_server, users.interviewer, viewport=LAPTOP)
    assert path_of(page, live_server) == "/interviews/mine/"
    row = page.locator(f'#past-interviews tr[data-interview="{held.pk}"]')
    assert "张晓梅" in row.inner_text() and row.locator('[data-feedback="open"]').count() == 1
    assert page.locator("#feedback-waiting").is_visible()
    shot(page, "scorecard-my-interviews-waiting-zh-hans")
    with page.expect_navigation():
        row.locator("a.scorecard-link").click()
    assert path_of(page, live_server) == f"/interviews/{held.pk}/scorecard/"
    summary = page.locator("#scorecard-summary").inner_text()
    assert "张晓梅" in summary and "急诊护士" in summary and "面试室 A" in summary
    assert page.locator('#dim-clinical input[type="radio"]').count() == 5
    assert "能独立处理危重病人" in page.locator("#dim-clinical").inner_text()  # the dimension's own anchor for 5
    shot(page, "scorecard-form-laptop-zh-hans")

    # a draft: one dimension and notes
    page.check("#score-clinical-3")
    page.fill("#notes", "操作规范，略显紧张")
    with page.expect_navigation():
        page.click("#scorecard-save-draft")
    assert page.locator("#scorecard-messages li.success").is_visible()
    draft = InterviewFeedback.objects.get(interview=held, interviewer=users.interviewer)
    assert draft.submitted_at is None and draft.scores == {"clinical": 3} and draft.notes == "操作规范，略显紧张"
    assert page.locator("#score-clinical-3").is_checked()

    # edit, and try to submit without the second dimension: refused, nothing changed
    page.check("#score-clinical-4")
    page.check("#rec-yes")
    with page.expect_navigation():
        page.click("#scorecard-submit")
    assert page.locator("#error-summary").is_visible() and "沟通能力" in page.locator("#error-summary").inner_text()
    assert page.locator("#dim-communication.has-error").is_visible()
    assert page.locator("#score-clinical-4").is_checked()  # what was typed is kept
    shot(page, "scorecard-refused-missing-dimension-zh-hans")
    assert InterviewFeedback.objects.get(pk=draft.pk).scores == {"clinical": 3}

    page.check("#score-communication-5")
    with page.expect_navigation():
        page.click("#scorecard-submit")
    fb = InterviewFeedback.objects.get(pk=draft.pk)
    assert fb.submitted_at is not None and fb.scores == {"clinical": 4, "communication": 5}
    assert fb.recommendation == "yes" and fb.notes == "操作规范，略显紧张"
    assert page.locator("#scorecard-submitted").is_visible() and page.locator("#scorecard-form").count() == 0
    assert "能独立处理危重病人" not in page.locator("#scorecard-mine").inner_text()  # 4 chosen for clinical
    shot(page, "scorecard-submitted-laptop-zh-hans")
    page.click("#scorecard .crumbs a")
    page.wait_for_load_state()
    assert page.locator(f'#past-interviews tr[data-interview="{held.pk}"] [data-feedback="submitted"]').count() == 1
    assert page.locator("#feedback-waiting").count() == 0
    context.close()

    # a phone: the same scorecard (read-only now) and a fresh one of another interviewer's view fit the width
    context, page = staff_login(browser, live_server, users.interviewer, viewport=PHONE)
    page.goto(f"{live_server.url}/interviews/{held.pk}/scorecard/")
    assert no_horizontal_scroll(page)
    shot(page, "scorecard-submitted-phone-zh-hans")
    fb.delete()  # the form itself on a phone
    page.goto(f"{live_server.url}/interviews/{held.pk}/scorecard/")
    assert page.locator("#scorecard-form").is_visible() and no_horizontal_scroll(page)
    shot(page, "scorecard-form-phone-zh-hans")
    page.goto(f"{live_server.url}/interviews/mine/")
    assert no_horizontal_scroll(page)
    shot(page, "scorecard-my-interviews-phone-zh-hans")
    context.close()
