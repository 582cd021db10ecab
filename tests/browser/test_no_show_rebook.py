"""R-UI-2 in real Chromium: HR marks an interview that took place without the candidate as a no-show on the
application page, finds it on the Today list ("No-shows to handle"), whose item opens the application page at that
interview, and rebooks it at one of the times the candidate's link offered (R-NS-5, R-NS-6, R-SCHED-5). Done in
the browser only; the ORM sets the scene (an interview booked earlier, now past) and reads the state back.
Screenshots in artifacts/screenshots/."""

import datetime as dt

import pytest
import time_machine

from tests.browser.staff import LAPTOP, path_of, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _past_workday_morning():
    """10:00 Beijing time on the last working day before today."""
    from django.utils import timezone

    from interviews.availability import is_workday, local_moment

    day = timezone.localdate() - dt.timedelta(days=1)
    while not is_workday(day):
        day -= dt.timedelta(days=1)
    return local_moment(day, dt.time(10, 0))


@pytest.fixture
def scene(org, users, message_templates, settings, monkeypatch):
    """An interview booked two days before it, at 10:00 on the last working day: past now, nobody marked it."""
    from candidates.models import InterviewRound
    from interviews.services import interview_schedule
    from notifications import tasks
    from tests.candidates.factories import ApplicationFactory, JobFactory

    settings.PUBLIC_BASE_URL = "https://hr.example.org"
    settings.SMS_BACKEND = "console"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(tasks, "enqueue_delivery", lambda _id: None)
    job = JobFactory(department=org.emergency, title="急诊科护士", priority="normal")
    rnd = InterviewRound.objects.create(job=job, order=1, kind="clinical", duration_minutes=45)
    rnd.interviewers.set([users.interviewer])
    app = ApplicationFactory(job=job, candidate__name="李娜", state="screening")
    start = _past_workday_morning()
    with time_machine.travel(start - dt.timedelta(days=2), tick=False):
        interview = interview_schedule(actor=users.hr, application_id=app.pk, round_id=rnd.pk, starts_at=start)
    return type("Scene", (), {"app": app, "interview": interview})


def test_r_ui_2_hr_marks_a_no_show_and_rebooks_it(browser, live_server, users, scene, shot):
    from interviews.models import Interview, RebookingOffer
    from notifications.models import Notification

    missed = scene.interview
    context, page = staff_login(browser, live_server, users.hr, viewport=LAPTOP)
    page.goto(f"{live_server.url}/workspace/applications/{scene.app.pk}/#interview-{missed.pk}")
    block = page.locator(f"#interview-{missed.pk}")
    assert block.get_attribute("data-state") == "scheduled"
    block.locator("details.ip-no-show summary").click()
    block.locator(f"#no-show-reason-{missed.pk}").fill("电话未接通")
    shot(page, "R-UI-2-no-show-confirm-zh-hans")
    with page.expect_navigation():
        block.locator('button[data-action="no_show"]').click()
    missed.refresh_from_db()
    assert missed.state == "no_show" and missed.follow_up_done_at is None
    first_offer = RebookingOffer.objects.get(interview=missed)
    assert first_offer.status == "open"  # the service sent the candidate a link to pick a time
    assert page.locator(f"#interview-{missed.pk}").get_attribute("data-state") == "no_show"
    shot(page, "R-UI-2-no-show-marked-zh-hans")

    # The Today list's item opens the application page where the no-show is handled.
    page.goto(f"{live_server.url}/dashboard/")
    item = page.locator(f'#todo-no_shows a[href$="#interview-{missed.pk}"]')
    assert "李娜" in item.inner_text()
    with page.expect_navigation():
        item.click()
    assert path_of(page, live_server) == f"/workspace/applications/{scene.app.pk}/#interview-{missed.pk}"

    with page.expect_navigation():
        page.locator(f'#interview-{missed.pk} a[data-action="rebook"]').click()
    assert path_of(page, live_server) == f"/interviews/{missed.pk}/rebook/"
    offered = page.locator("#offered-slots button.ia-slot")
    assert offered.count() >= 1
    slot = offered.first.get_attribute("data-slot")
    shot(page, "R-UI-2-no-show-rebook-page-zh-hans")
    with page.expect_navigation():
        offered.first.click()

    new = Interview.objects.get(previous=missed)
    assert path_of(page, live_server) == f"/workspace/applications/{scene.app.pk}/#interview-{new.pk}"
    assert new.state == "scheduled" and new.starts_at == dt.datetime.fromisoformat(slot)
    assert list(new.interviewers.all()) == [users.interviewer] and new.round_id == missed.round_id
    missed.refresh_from_db()
    first_offer.refresh_from_db()
    assert missed.follow_up_done_at is not None and first_offer.status == "withdrawn"
    assert Notification.objects.filter(recipient_type="candidates.candidate", recipient_id=str(scene.app.candidate_id),
                                       related_id=str(new.pk), template_key="interview_invitation").count() == 2
    assert page.locator(f"#interview-{new.pk}").get_attribute("data-state") == "scheduled"
    assert page.locator(f'#interview-{missed.pk} a[data-action="rebook"]').count() == 0
    shot(page, "R-UI-2-no-show-rebooked-zh-hans")

    page.goto(f"{live_server.url}/dashboard/")
    assert page.locator(f'#todo-no_shows a[href$="#interview-{missed.pk}"]').count() == 0
    context.close()
