"""Daily work starts in the browser (issue 14), in real Chromium, through the login form only; the database is read
back only to check state. Screenshots go to artifacts/screenshots/.

R-UI-1: after login each role lands on its own page under one header with the person's name (HR on Today, a
hiring manager on the approvals waiting for them, an interviewer on "My interviews"); a refused page is a styled
page with a way back.
R-UI-2: on the application page the first move button moves the application (it used to submit the admin's own
form, nested forms being dropped by the browser: "changed successfully", nothing moved).
"""

import datetime as dt

import pytest
from django.utils import timezone, translation

from hrsys.accounts.models import Role
from tests.browser.staff import PHONE, path_of, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def _nav(page) -> list[str]:
    return page.locator("#site-header nav a").evaluate_all("links => links.map(a => a.dataset.nav)")


def test_r_ui_1_hr_lands_on_today_under_the_header_with_their_name(browser, live_server, users, shot):
    """R-UI-1: HR staff sign in and land on Today; the header names them and their role and links to what HR uses;
    the language switch keeps them on the page."""
    users.hr.full_name = "王丽"
    users.hr.save()
    context, page = staff_login(browser, live_server, users.hr, shot=shot)
    assert path_of(page, live_server) == "/dashboard/"
    header = page.locator("#site-header")
    assert header.locator("#header-person").inner_text().startswith("王丽")
    with translation.override("zh-hans"):
        assert str(Role.HR_STAFF.label) in header.locator("#header-person").inner_text()
    assert _nav(page) == ["today", "dashboards", "boards", "interviews", "calendar", "admin"]
    assert header.locator('a[data-nav="interviews"]').inner_text() == "我的面试"
    assert header.locator('a[aria-current="page"]').get_attribute("data-nav") == "today"
    shot(page, "workspace-start-hr-today-zh-hans")
    # the same header in the admin
    page.click('#site-header a[data-nav="admin"]')
    page.wait_for_load_state()
    assert path_of(page, live_server) == "/admin/"
    assert page.locator("#site-header #header-person").inner_text().startswith("王丽")
    assert page.locator("#site-header").count() == 1
    logout = page.locator("#header-logout button")  # readable: not the admin's white-on-header logout style
    assert logout.is_visible() and logout.evaluate("b => getComputedStyle(b).color") != "rgb(255, 255, 255)"
    shot(page, "workspace-start-hr-admin-header-zh-hans")
    # language switch: choosing is not switching (no onchange, WCAG 3.2.2); the button switches
    page.select_option("#lang-select", "en")
    page.wait_for_timeout(300)
    assert page.locator('#site-header a[data-nav="today"]').inner_text() != "Today"
    with page.expect_navigation():
        page.click("#site-header .hrsys-lang button[type=submit]")
    assert path_of(page, live_server) == "/admin/"
    assert page.locator('#site-header a[data-nav="today"]').inner_text() == "Today"
    page.click("#header-logout button")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/start/")
    assert path_of(page, live_server).startswith("/admin/login/")
    context.close()


def test_r_ui_1_a_manager_lands_on_the_approvals_with_a_link_to_the_department_pipeline(browser, live_server, users,
                                                                                     org, shot):
    """R-UI-1: a hiring manager lands on the offers waiting for their approval; the header links their
    department's pipeline (the boards of their department's jobs, R-UI-3)."""
    users.er_manager.full_name = "陈主任"
    users.er_manager.save()
    context, page = staff_login(browser, live_server, users.er_manager)
    assert path_of(page, live_server) == "/offers/approvals/"
    assert page.locator("#site-header #header-person").inner_text().startswith("陈主任")
    assert page.locator('#site-header a[data-nav="approvals"]').get_attribute("aria-current") == "page"
    shot(page, "workspace-start-manager-approvals-zh-hans")
    page.click('#site-header a[data-nav="pipeline"]')
    page.wait_for_load_state()
    assert path_of(page, live_server) == "/workspace/jobs/"  # their department's pipeline boards (R-UI-3)
    assert page.locator("#board-jobs, .board-jobs").count() >= 1
    context.close()


def test_r_ui_1_an_interviewer_lands_on_my_interviews_and_gets_a_styled_refusal(browser, live_server, users, org,
                                                                              shot):
    """R-UI-1: an interviewer lands on "My interviews" (their interview, candidate, job, time); opening Today gives
    the styled 403 page with the header and a link back, which leads back to their start page."""
    from interviews.models import Interview, Room
    from tests.candidates.factories import ApplicationFactory, JobFactory

    users.interviewer.full_name = "刘医生"
    users.interviewer.save()
    app = ApplicationFactory(job=JobFactory(department=org.emergency, title="急诊护士"), candidate__name="张晓梅",
                             state="interviewing")
    room = Room.objects.create(name="面试室 A", department=org.emergency, location="门诊楼 3 层")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    interview = Interview.objects.create(application=app, state="scheduled", starts_at=start,
                                         ends_at=start + dt.timedelta(minutes=45), room=room)
    interview.interviewers.set([users.interviewer])

    context, page = staff_login(browser, live_server, users.interviewer)
    assert path_of(page, live_server) == "/interviews/mine/"
    row = page.locator(f'#upcoming-interviews tr[data-interview="{interview.pk}"]')
    assert "张晓梅" in row.inner_text() and "急诊护士" in row.inner_text() and "面试室 A" in row.inner_text()
    local = timezone.localtime(start)
    assert local.strftime("%H:%M") in row.inner_text()
    assert _nav(page) == ["interviews", "calendar", "admin"]
    shot(page, "workspace-start-interviewer-my-interviews-zh-hans")

    response = page.goto(f"{live_server.url}/dashboard/")
    assert response.status == 403
    assert page.locator("#refused h1").is_visible()
    assert page.locator("#site-header #header-person").inner_text().startswith("刘医生")
    shot(page, "workspace-refused-interviewer-dashboard-zh-hans")
    page.click("#back-to-start")
    page.wait_for_load_state()
    assert path_of(page, live_server) == "/interviews/mine/"
    context.close()

    phone, page = staff_login(browser, live_server, users.interviewer, viewport=PHONE)
    assert path_of(page, live_server) == "/interviews/mine/"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "workspace-start-interviewer-my-interviews-phone-zh-hans")
    phone.close()


def test_r_ui_2_the_first_move_button_moves_the_application(browser, live_server, users, org, shot):
    """R-UI-2: HR opens an application in screening and clicks the first move button: the application moves (read
    back from the database) and the page says so; it is not the admin's own form being saved ("成功修改了…")."""
    from candidates import services
    from candidates.models import Application, TransitionLog
    from tests.candidates.factories import ApplicationFactory, JobFactory

    app = ApplicationFactory(job=JobFactory(department=org.emergency, title="急诊护士"), candidate__name="周敏",
                             state="screening")
    context, page = staff_login(browser, live_server, users.hr)
    page.goto(f"{live_server.url}/admin/candidates/application/{app.pk}/change/")
    first = page.locator("#application-moves button").first
    move, label = first.get_attribute("value"), first.inner_text().strip()
    assert move == services.allowed_transitions(app, users.hr)[0]
    shot(page, "workspace-application-moves-before-zh-hans")
    first.click()
    page.wait_for_load_state()
    app.refresh_from_db()
    assert app.state != "screening"
    log = TransitionLog.objects.get(application=app, transition=move)
    assert (log.from_state, log.to_state) == ("screening", app.state)
    message = page.locator("ul.messagelist li.success").inner_text()
    assert label in message and "已完成" in message
    assert "成功修改" not in page.content()
    shot(page, "workspace-application-moved-zh-hans")

    # a move that needs a reason: without one it is refused with the reason field's message, with one it moves
    page.locator('#application-moves button[value="reject"]').click()
    page.wait_for_load_state()
    assert Application.objects.get(pk=app.pk).state == app.state
    assert page.locator("ul.messagelist li.error").count() == 1
    page.fill("#move-reject-reason", "经验不足")
    page.locator('#application-moves button[value="reject"]').click()
    page.wait_for_load_state()
    assert Application.objects.get(pk=app.pk).state == "rejected"
    assert TransitionLog.objects.get(application=app, transition="reject").reason == "经验不足"
    context.close()
