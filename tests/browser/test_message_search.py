"""The outbox searched by the candidate's name and the "Messages" section of the application page, in real
Chromium (issue 14 item 8); the database is written only to set the scene. Screenshots go to artifacts/screenshots/.

R-UI-2: HR types the candidate's name into the outbox search and sees that candidate's messages (and no one
else's), then opens the application page, sees the latest messages there and follows the links to one message and
to all of the candidate's messages.
"""

import pytest
from django.urls import reverse

from tests.browser.conftest import SCREENSHOTS
from tests.browser.staff import PHONE, path_of, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def scene(org, message_templates, settings, monkeypatch):
    """武磊 (two messages, sent) and 李娜 (one) applied to the emergency department."""
    from notifications import tasks
    from notifications.services import notification_create, notification_deliver
    from tests.candidates.factories import ApplicationFactory, JobFactory

    settings.SMS_BACKEND = "console"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(tasks, "enqueue_delivery", lambda _id: None)  # delivered below, in this process
    job = JobFactory(department=org.emergency, title="急诊护士")
    wu = ApplicationFactory(job=job, candidate__name="武磊")
    li = ApplicationFactory(job=job, candidate__name="李娜")
    ctx = {"job_title": "急诊护士", "interview_time": "12-02 09:30", "location": "门诊楼 302",
           "confirm_url": "https://hr.example.org/c/1", "reschedule_url": "https://hr.example.org/r/1"}
    made = {}
    for app, channel, key in ((wu, "sms", "interview_invitation"), (wu, "email", "interview_reminder"),
                              (li, "sms", "interview_invitation")):
        n = notification_create(recipient=app.candidate.as_recipient(), channel=channel, template_key=key,
                                context=ctx, idempotency_key=f"b:{app.pk}:{channel}:{key}", department=org.emergency)
        notification_deliver(notification_id=n.pk)
        made[(app.candidate.name, channel)] = n
    return type("Scene", (), {"wu": wu, "li": li, "messages": made})


def _row_ids(page) -> set[int]:
    hrefs = page.locator("#result_list tbody tr th a").evaluate_all("links => links.map(a => a.href)")
    return {int(h.split("/notification/")[1].split("/")[0]) for h in hrefs}


def test_r_ui_2_hr_finds_a_candidates_messages_by_name_and_from_the_application_page(browser, live_server, users,
                                                                                   scene, shot):
    """R-UI-2: "武磊" typed into the outbox search lists his two messages (not 李娜's); his application page shows
    them in a "Messages" section; its links open one message and the outbox narrowed to him."""
    wu_ids = {scene.messages[("武磊", "sms")].pk, scene.messages[("武磊", "email")].pk}
    context, page = staff_login(browser, live_server, users.hr)
    page.goto(f"{live_server.url}/admin/notifications/notification/")
    assert len(_row_ids(page)) == 3
    page.fill("#searchbar", "武磊")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")
    assert _row_ids(page) == wu_ids
    shot(page, "messages-outbox-search-by-name-zh-hans")

    # the application page: the latest messages, each linking to its page
    page.goto(f"{live_server.url}{reverse('admin:candidates_application_change', args=[scene.wu.pk])}")
    section = page.locator("#application-messages")
    assert section.locator("tbody tr").count() == 2
    assert "李娜" not in section.inner_text()
    section.scroll_into_view_if_needed()
    shot(page, "messages-application-section-zh-hans")
    sms = scene.messages[("武磊", "sms")]
    section.locator(f'a[href$="/notification/{sms.pk}/change/"]').click()
    page.wait_for_load_state()
    assert path_of(page, live_server) == reverse("admin:notifications_notification_change", args=[sms.pk])
    page.go_back()
    page.wait_for_load_state()
    page.click("#application-messages-all")
    page.wait_for_load_state()
    assert path_of(page, live_server) == f"/admin/notifications/notification/?candidate={scene.wu.candidate_id}"
    assert _row_ids(page) == wu_ids
    shot(page, "messages-outbox-for-candidate-zh-hans")

    # the candidate page links there too
    page.goto(f"{live_server.url}{reverse('admin:candidates_candidate_change', args=[scene.wu.candidate_id])}")
    page.click("#candidate-messages-link")
    page.wait_for_load_state()
    assert _row_ids(page) == wu_ids
    context.close()

    # on a phone the section stays readable (the table scrolls inside its box, not the page)
    context, page = staff_login(browser, live_server, users.hr, viewport=PHONE)
    page.goto(f"{live_server.url}{reverse('admin:candidates_application_change', args=[scene.wu.pk])}")
    section = page.locator("#application-messages")
    assert section.locator("tbody tr").count() == 2
    section.scroll_into_view_if_needed()
    section.screenshot(path=str(SCREENSHOTS / "messages-application-section-phone-zh-hans.png"))
    context.close()
