"""Interview calendar in real Chromium (issue 14, item 7; R-UI-7): HR staff open the week of an interviewer with two
bookings, find them in the right day / hour cells (Beijing time) and go to the next week; on a 390px-wide phone the
grid is a day-by-day list. Screenshots go to artifacts/screenshots/."""

import datetime as dt

import pytest

from hrsys.core.timezones import local_today, local_tz
from tests.browser.staff import LAPTOP, PHONE, staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

def test_r_ui_7_hr_opens_an_interviewers_week_and_goes_to_the_next(browser, live_server, users, org, shot):
    """R-UI-7: HR opens the interview calendar from the header, picks the interviewer, sees the two bookings in their
    day and hour cells (local time) with candidate, job and room, follows "next week"; a phone gets a list of days."""
    from interviews.models import Interview, Room
    from tests.candidates.factories import ApplicationFactory, JobFactory

    users.interviewer.full_name = "刘医生"
    users.interviewer.save()
    job = JobFactory(department=org.emergency, title="急诊护士")
    room = Room.objects.create(name="面试室 A", department=org.emergency, location="门诊楼 3 层")
    today = local_today()
    monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(days=7)  # next week: in the future
    tz = local_tz()
    bookings = {}
    for name, day, hour, minute in (("张晓梅", 1, 10, 0), ("王芳", 3, 14, 30)):
        app = ApplicationFactory(job=job, candidate__name=name, state="interviewing")
        start = dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(hour, minute), tzinfo=tz)
        interview = Interview.objects.create(application=app, state="scheduled", starts_at=start,
                                             ends_at=start + dt.timedelta(minutes=45), room=room)
        interview.interviewers.set([users.interviewer])
        bookings[name] = (interview, monday + dt.timedelta(days=day), hour)
    year, week, _d = monday.isocalendar()

    context, page = staff_login(browser, live_server, users.hr, viewport=LAPTOP)
    page.click('#site-header a[data-nav="calendar"]')
    page.wait_for_load_state()
    assert page.url.removeprefix(live_server.url) == "/interviews/calendar/"
    assert page.locator("#calendar-grid").is_visible()
    # pick the interviewer (the select submits itself), then the next week (where the bookings are)
    with page.expect_navigation():
        page.select_option("#pick-interviewer", str(users.interviewer.pk))
    assert "刘医生" in page.locator("#calendar-subject").inner_text()
    with page.expect_navigation():
        page.click("#calendar-next")
    assert f"week={year}-W{week:02d}" in page.url
    for name, (interview, day, hour) in bookings.items():
        block = page.locator(f'#calendar-grid a[data-interview="{interview.pk}"]')
        assert block.is_visible()
        assert block.get_attribute("data-day") == day.isoformat() and block.get_attribute("data-hour") == str(hour)
        text = block.inner_text()
        assert name in text and "急诊护士" in text and "面试室 A" in text
        # it sits in its day's column and starts inside its hour's cell
        cell = page.locator(f'#calendar-grid .cal-cell[data-day="{day.isoformat()}"][data-hour="{hour}"]')
        b, c = block.bounding_box(), cell.bounding_box()
        assert c["x"] <= b["x"] + 4 and b["x"] + b["width"] <= c["x"] + c["width"] + 4
        assert c["y"] - 1 <= b["y"] < c["y"] + c["height"]
    assert page.locator("#calendar-grid .cal-block.free").count() > 0
    shot(page, "interview-calendar-interviewer-week-zh-hans")
    href = page.locator(f'#calendar-grid a[data-interview="{bookings["张晓梅"][0].pk}"]').get_attribute("href")
    assert href == f"/workspace/applications/{bookings['张晓梅'][0].application_id}/"

    with page.expect_navigation():
        page.click("#calendar-next")
    following = monday + dt.timedelta(days=7)
    year2, week2, _d = following.isocalendar()
    assert f"week={year2}-W{week2:02d}" in page.url and f"interviewer={users.interviewer.pk}" in page.url
    assert page.locator("#calendar-grid a.cal-block.booking").count() == 0
    assert page.locator("#calendar-empty").is_visible()
    shot(page, "interview-calendar-next-week-zh-hans")
    context.close()

    # a phone: the same week as a list of days
    context, page = staff_login(browser, live_server, users.hr, viewport=PHONE)
    page.goto(f"{live_server.url}/interviews/calendar/?week={year}-W{week:02d}&interviewer={users.interviewer.pk}")
    assert not page.locator("#calendar-grid").is_visible()
    day = bookings["王芳"][1].isoformat()
    item = page.locator(f'#calendar-list section[data-day="{day}"] a[data-interview="{bookings["王芳"][0].pk}"]')
    assert item.is_visible() and "王芳" in item.inner_text() and "14:30" in item.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page scrolls sideways on a phone ({width}px)"
    shot(page, "interview-calendar-phone-zh-hans")
    context.close()
