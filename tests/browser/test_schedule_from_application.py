"""R-UI-2 in real Chromium: HR opens the application page, schedules an interview by clicking one of the engine's
free times, and the candidate's SMS and e-mail invitations (the e-mail with its .ics calendar file) are in the
outbox. Everything is done in the browser; the ORM only sets the scene and reads the state back. Screenshots in
artifacts/screenshots/."""

import base64
from datetime import datetime

import pytest
from icalendar import Calendar

from tests.browser.staff import LAPTOP, PHONE, no_horizontal_scroll, path_of, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(org, users, message_templates, settings, monkeypatch):
    from candidates.models import InterviewRound
    from notifications import tasks
    from tests.candidates.factories import ApplicationFactory, JobFactory

    settings.PUBLIC_BASE_URL = "https://hr.example.org"
    settings.SMS_BACKEND = "console"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(tasks, "enqueue_delivery", lambda _id: None)  # the outbox rows are what we read
    job = JobFactory(department=org.emergency, title="急诊科护士",
                     assessment_dimensions=[{"key": "clinical", "label": "临床能力"},
                                            {"key": "communication", "label": "沟通"}])
    rnd = InterviewRound.objects.create(job=job, order=1, kind="clinical", duration_minutes=45)
    rnd.interviewers.set([users.interviewer])
    app = ApplicationFactory(job=job, candidate__name="武磊", state="screening", match_score=80)
    return type("Scene", (), {"job": job, "round": rnd, "app": app})


def test_r_ui_2_hr_schedules_an_interview_from_the_application_page_by_clicking_a_free_time(
        browser, live_server, users, scene, shot):
    from django.utils import timezone

    from interviews.models import Interview
    from notifications.models import Notification

    context, page = staff_login(browser, live_server, users.hr, viewport=LAPTOP)
    page.goto(f"{live_server.url}/workspace/applications/{scene.app.pk}/")
    assert page.locator("#no-interviews").is_visible()
    page.click("#schedule-interview")
    page.wait_for_load_state()
    assert path_of(page, live_server) == f"/interviews/applications/{scene.app.pk}/schedule/"
    first = page.locator("#free-times button.ia-slot").first
    slot = first.get_attribute("data-slot")
    shown = [t.strip() for t in page.locator("#free-times button.ia-slot").all_inner_texts()]
    assert shown and all(t[-2:] in ("00", "30") for t in shown)  # whole and half hours only
    shot(page, "R-UI-2-schedule-free-times-zh-hans")

    with page.expect_navigation():
        first.click()
    interview = Interview.objects.get(application=scene.app)
    assert path_of(page, live_server) == f"/workspace/applications/{scene.app.pk}/#interview-{interview.pk}"
    assert interview.state == "scheduled" and interview.starts_at == datetime.fromisoformat(slot)
    assert interview.starts_at > timezone.now()
    assert list(interview.interviewers.all()) == [users.interviewer]
    block = page.locator(f"#interview-{interview.pk}")
    local_start = timezone.localtime(interview.starts_at).strftime("%H:%M")
    assert local_start in block.inner_text()
    assert "已预约" in page.locator("#page-messages").inner_text()
    shot(page, "R-UI-2-schedule-booked-application-page-zh-hans")

    sent = {n.channel: n for n in Notification.objects.filter(
        recipient_type="candidates.candidate", recipient_id=str(scene.app.candidate_id),
        template_key="interview_invitation", related_id=str(interview.pk))}
    assert set(sent) == {"sms", "email"}
    (attachment,) = sent["email"].attachments
    assert attachment["filename"] == "invite.ics" and attachment["content_type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(base64.b64decode(attachment["content_b64"])).walk("VEVENT")
    assert event.decoded("dtstart") == interview.starts_at
    assert str(event["uid"]) == interview.ical_uid
    context.close()

    context, page = staff_login(browser, live_server, users.hr, viewport=PHONE)
    page.goto(f"{live_server.url}/interviews/applications/{scene.app.pk}/schedule/")
    assert no_horizontal_scroll(page)
    shot(page, "R-UI-2-schedule-phone-zh-hans")
    page.goto(f"{live_server.url}/workspace/applications/{scene.app.pk}/#interview-{interview.pk}")
    assert no_horizontal_scroll(page)
    context.close()
