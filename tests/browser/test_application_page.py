"""The application page in real Chromium (issue 14 item 2, R-UI-2): HR opens a candidate from the pipeline board,
reads the page (contact details masked), reveals them (logged), moves the application forward with the page's
button and sees the move in the timeline in Beijing time; a reject without a reason is refused in words and
changes nothing. On a phone the page reads without sideways scrolling. Screenshots in artifacts/screenshots/."""

import pytest
from django.utils import timezone

from tests.browser.staff import LAPTOP, PHONE, no_horizontal_scroll, path_of, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_r_ui_2_hr_works_an_application_from_its_page(browser, live_server, users, org, shot):
    from candidates.models import Application, TransitionLog
    from hrsys.audit.models import AccessLog
    from tests.candidates.factories import ApplicationFactory, JobFactory

    job = JobFactory(department=org.emergency, title="急诊科护士")
    app = ApplicationFactory(job=job, candidate__name="武磊", candidate__phone="+8613912345678", state="screening",
                             match_score=82, match_breakdown={"skills": {"score": 30, "max": 40,
                                                                         "matched": ["静脉穿刺"], "missing": ["ICU"]}})

    context, page = staff_login(browser, live_server, users.hr, viewport=LAPTOP)
    page.goto(f"{live_server.url}/workspace/jobs/{job.pk}/board/")
    page.click(f"#card-{app.pk} a.name")
    page.wait_for_load_state()
    assert path_of(page, live_server) == f"/workspace/applications/{app.pk}/"
    assert page.locator("#person-phone").inner_text() == "+86 139****5678"
    shot(page, "application-page-hr-zh-hans")

    page.click("#reveal-contact")
    page.wait_for_load_state()
    assert page.locator("#person-phone").inner_text() == "+8613912345678"
    assert AccessLog.objects.filter(actor=users.hr, detail="application page, contact details revealed").count() == 1

    page.click('#moves-with-reason button[data-move="reject"]')  # no reason given
    page.wait_for_load_state()
    assert "未移动：武磊" in page.locator("#page-messages").inner_text()
    assert Application.objects.get(pk=app.pk).state == "screening"
    shot(page, "application-page-refused-zh-hans")

    page.click('#moves-plain button[data-move="advance_to_interview"]')
    page.wait_for_load_state()
    assert path_of(page, live_server) == f"/workspace/applications/{app.pk}/"
    assert Application.objects.get(pk=app.pk).state == "interviewing"
    moved = TransitionLog.objects.get(application=app, transition="advance_to_interview")
    assert moved.actor_id == users.hr.pk
    first_entry = page.locator("#application-timeline li").first
    assert timezone.localtime(moved.at).strftime("%Y-%m-%d %H:%M") in first_entry.inner_text()
    assert page.locator("#application-stage").get_attribute("data-state") == "interviewing"
    shot(page, "application-page-moved-zh-hans")
    context.close()

    context, page = staff_login(browser, live_server, users.hr, viewport=PHONE)
    page.goto(f"{live_server.url}/workspace/applications/{app.pk}/")
    assert no_horizontal_scroll(page)
    shot(page, "application-page-phone-zh-hans")
    context.close()
