"""Interview calendar (issue 14, item 7; R-UI-7): a week per interviewer, room or department in Beijing time, the
bookings on a day x hour grid, an interviewer's free time (working hours minus busy blocks minus interviews),
Chinese public holidays marked, the viewer's scope (404 outside it), one access-log line, bounded queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hrsys.audit.models import AccessLog
from interviews.calendar_views import parse_week, week_calendar
from interviews.models import BusyBlock, Interview, Room
from tests.candidates.factories import ApplicationFactory, JobFactory
from tests.factories import UserFactory

from .conftest import local

pytestmark = pytest.mark.django_db

URL = "/interviews/calendar/"
UTC = dt.UTC


def _book(job, start, minutes=60, *, interviewers=(), room=None, name=None, state="scheduled"):
    app = ApplicationFactory(job=job, state="interviewing", **({"candidate__name": name} if name else {}))
    interview = Interview.objects.create(application=app, state=state, starts_at=start,
                                         ends_at=start + dt.timedelta(minutes=minutes), room=room)
    interview.interviewers.set(interviewers)
    return interview


def _client(client, user):
    client.force_login(user)
    return client


def _blocks(week, kind="booking"):
    """{interview pk or (start, end) text: (day, row_start, row_end)} of one kind of block."""
    out = {}
    for day in week["days"]:
        for b in day.blocks:
            if b.kind != kind:
                continue
            key = b.interview.pk if b.interview else f"{b.start:%H:%M}-{b.end:%H:%M}"
            out.setdefault(key, []).append((day.date, b.row_start, b.row_end))
    return out


@pytest.fixture
def job(org):
    return JobFactory(department=org.emergency, title="急诊护士")


def test_r_ui_7_parse_week():
    """R-UI-7: ISO weeks ("2026-W49" is Monday 30 November), the current week when missing or malformed."""
    today = dt.date(2026, 12, 3)
    assert parse_week("2026-W49", today) == dt.date(2026, 11, 30)
    assert parse_week("2026-w01", today) == dt.date(2025, 12, 29)
    assert parse_week("nonsense", today) == parse_week(None, today) == dt.date(2026, 11, 30)
    assert parse_week("2026-W60", today) == dt.date(2026, 11, 30)


def test_r_ui_7_bookings_are_placed_in_local_time_also_across_the_utc_date_line(org, users, job, client):
    """R-UI-7: the grid is Beijing time: an interview at 10:00 local sits in the 10:00 cell of its day; one from
    Sunday 23:00 to Monday 01:00 UTC (the previous UTC week; 07:00 to 09:00 local) is on Monday; one from 23:30 to 00:45 UTC (07:30 to
    08:45 local) is on Tuesday from the grid's first row."""
    regular = _book(job, local(2026, 12, 1, 10), interviewers=[users.interviewer], name="张晓梅")
    monday = _book(job, dt.datetime(2026, 11, 29, 23, 0, tzinfo=UTC), 120, interviewers=[users.interviewer])
    crossing = _book(job, dt.datetime(2026, 11, 30, 23, 30, tzinfo=UTC), 75, interviewers=[users.interviewer])
    _book(job, local(2026, 12, 1, 14), interviewers=[users.interviewer], state="cancelled")  # not active
    _book(job, local(2026, 12, 7, 9), interviewers=[users.interviewer])  # next week

    week = week_calendar(user=users.hr, kind="interviewer", target=users.interviewer, monday=dt.date(2026, 11, 30))
    placed = _blocks(week)
    assert placed == {
        regular.pk: [(dt.date(2026, 12, 1), 9, 13)],  # 10:00-11:00: rows 9..12 (quarter hours from 08:00)
        monday.pk: [(dt.date(2026, 11, 30), 1, 5)],  # 07:00-09:00, clipped at 08:00
        crossing.pk: [(dt.date(2026, 12, 1), 1, 4)],  # 07:30-08:45, clipped at 08:00
    }
    page = _client(client, users.hr).get(URL, {"week": "2026-W49", "interviewer": users.interviewer.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-interview="{regular.pk}" data-day="2026-12-01" data-hour="10"' in html
    assert f'data-interview="{monday.pk}" data-day="2026-11-30" data-hour="8"' in html
    assert f'data-interview="{crossing.pk}" data-day="2026-12-01" data-hour="8"' in html
    assert "张晓梅" in html and "急诊护士" in html and "10:00–11:00" in html and "07:30–08:45" in html
    assert f'/workspace/applications/{regular.application_id}/' in html
    assert page.context["prev_url"] == f"{URL}?week=2026-W48&interviewer={users.interviewer.pk}"
    assert page.context["next_url"] == f"{URL}?week=2026-W50&interviewer={users.interviewer.pk}"


def test_r_ui_7_free_time_is_working_hours_minus_busy_blocks_and_interviews(org, users, job):
    """R-UI-7, R-SCHED-1: free time on Wednesday 2 December with the default working day (08:30-17:30, lunch
    12:00-13:30), an interview 09:00-10:00 and a busy block 14:00-15:00 is what the scheduling engine leaves."""
    interview = _book(job, local(2026, 12, 2, 9), interviewers=[users.interviewer])
    BusyBlock.objects.create(user=users.interviewer, starts_at=local(2026, 12, 2, 14), ends_at=local(2026, 12, 2, 15),
                             note="门诊")
    week = week_calendar(user=users.hr, kind="interviewer", target=users.interviewer, monday=dt.date(2026, 11, 30))
    wednesday = next(d for d in week["days"] if d.date == dt.date(2026, 12, 2))
    assert [(f"{b.start:%H:%M}", f"{b.end:%H:%M}") for b in wednesday.free] == [
        ("08:30", "09:00"), ("10:00", "12:00"), ("13:30", "14:00"), ("15:00", "17:30")]
    assert [(f"{b.start:%H:%M}", f"{b.end:%H:%M}") for b in wednesday.busy] == [("14:00", "15:00")]
    assert [b.interview.pk for b in wednesday.bookings] == [interview.pk]
    tuesday = next(d for d in week["days"] if d.date == dt.date(2026, 12, 1))
    assert [(f"{b.start:%H:%M}", f"{b.end:%H:%M}") for b in tuesday.free] == [("08:30", "12:00"), ("13:30", "17:30")]
    saturday = next(d for d in week["days"] if d.date == dt.date(2026, 12, 5))
    assert saturday.free == [] and not saturday.workday
    # a room or a department has bookings only
    room_week = week_calendar(user=users.hr, kind="department", target=org.emergency, monday=dt.date(2026, 11, 30))
    assert _blocks(room_week, "free") == {} and list(_blocks(room_week)) == [interview.pk]


def test_r_ui_7_public_holidays_are_marked_and_have_no_free_time(users, client):
    """R-UI-7: National Day (1 October 2026, a Thursday) is marked with its name and offers no free time; the
    make-up working day is marked too."""
    week = week_calendar(user=users.hr, kind="interviewer", target=users.interviewer, monday=dt.date(2026, 9, 28))
    days = {d.date: d for d in week["days"]}
    national = days[dt.date(2026, 10, 1)]
    assert national.holiday and str(national.holiday_name) == "National Day" and national.free == []
    assert not days[dt.date(2026, 9, 28)].holiday and days[dt.date(2026, 9, 28)].free
    html = _client(client, users.hr).get(URL, {"week": "2026-W40", "interviewer": users.interviewer.pk}).content
    assert b'data-holiday="2026-10-01"' in html and b"National Day" in html
    week41 = week_calendar(user=users.hr, kind="interviewer", target=users.interviewer, monday=dt.date(2026, 10, 5))
    assert [d.date for d in week41["days"] if d.makeup_workday] == [dt.date(2026, 10, 10)]


def test_r_ui_7_outside_the_scope_is_404(org, users, client):
    """R-UI-7, R-SEC-1: HR staff of the hospital cannot open the company's interviewer, room or department; a
    manager of IT not the emergency room; an interviewer nobody but themselves."""
    company_person = UserFactory(username="co-interviewer", role="interviewer", departments=[org.company])
    company_room = Room.objects.create(name="会议室", department=org.company)
    er_room = Room.objects.create(name="面试室 A", department=org.emergency)
    hr = _client(client, users.hr)
    for query in ({"interviewer": company_person.pk}, {"room": company_room.pk}, {"department": org.company.pk},
                  {"interviewer": 999999}, {"room": "x"}):
        assert hr.get(URL, query).status_code == 404, query
    for query in ({"interviewer": users.interviewer.pk}, {"room": er_room.pk}, {"department": org.ward.pk}):
        assert hr.get(URL, query).status_code == 200, query
    it = _client(client, users.it_manager)
    assert it.get(URL, {"room": er_room.pk}).status_code == 404
    assert it.get(URL, {"interviewer": users.interviewer.pk}).status_code == 404
    assert it.get(URL, {"department": org.emergency.pk}).status_code == 404
    interviewer = _client(client, users.interviewer)
    for query in ({"interviewer": users.hr.pk}, {"room": er_room.pk}, {"department": org.emergency.pk}):
        assert interviewer.get(URL, query).status_code == 404, query
    assert interviewer.get(URL, {"interviewer": users.interviewer.pk}).status_code == 200


def test_r_ui_7_an_interviewer_sees_only_their_own_week(org, users, job, client):
    """R-UI-7: an interviewer's default is their own week; the pickers offer only themselves (no rooms, no
    departments); a colleague's interview in the same department is not shown."""
    mine = _book(job, local(2026, 12, 1, 10), interviewers=[users.interviewer], name="张晓梅")
    colleague = UserFactory(username="colleague", role="interviewer", departments=[org.emergency])
    _book(job, local(2026, 12, 1, 14), interviewers=[colleague], name="李雷")
    page = _client(client, users.interviewer).get(URL, {"week": "2026-W49"})
    assert page.status_code == 200
    assert page.context["kind"] == "interviewer" and page.context["target"] == users.interviewer
    assert list(page.context["people"]) == [users.interviewer]
    assert not page.context["rooms"] and not page.context["departments"]
    html = page.content.decode()
    assert f'data-interview="{mine.pk}"' in html and "张晓梅" in html and "李雷" not in html
    assert 'id="pick-room"' not in html and 'id="pick-department"' not in html


def test_r_ui_7_hr_defaults_to_their_department_and_sees_a_room(org, users, job, client):
    """R-UI-7: HR staff start on their department's week (jobs in its subtree); a room shows its bookings."""
    room = Room.objects.create(name="面试室 A", department=org.emergency)
    in_room = _book(job, local(2026, 12, 1, 10), interviewers=[users.interviewer], room=room)
    other = _book(JobFactory(department=org.it), local(2026, 12, 2, 10), interviewers=[users.it_manager])
    outside = _book(JobFactory(department=org.company), local(2026, 12, 3, 10), name="韩梅梅")
    hr = _client(client, users.hr)
    page = hr.get(URL, {"week": "2026-W49"})
    assert page.context["kind"] == "department" and page.context["target"] == org.hospital
    assert {i.pk for i in page.context["bookings"]} == {in_room.pk, other.pk}
    assert "韩梅梅" not in page.content.decode() and outside.pk
    page = hr.get(URL, {"week": "2026-W49", "room": room.pk})
    assert [i.pk for i in page.context["bookings"]] == [in_room.pk]
    manager = _client(client, users.er_manager).get(URL, {"week": "2026-W49"})
    assert manager.context["target"] == org.emergency
    assert [i.pk for i in manager.context["bookings"]] == [in_room.pk]


def test_r_ui_7_viewing_is_access_logged(users, job, client):
    """R-UI-7, R-SEC-2: the page names candidates: one access-log line naming the interviews shown."""
    interview = _book(job, local(2026, 12, 1, 10), interviewers=[users.interviewer])
    _client(client, users.hr).get(URL, {"week": "2026-W49", "interviewer": users.interviewer.pk})
    log = AccessLog.objects.filter(actor=users.hr, object_type="interviews.interview").get()
    assert log.kind == AccessLog.Kind.VIEW and log.channel == "web"
    assert f"interviewer={users.interviewer.pk}" in log.detail and str(interview.pk) in log.detail


def test_r_ui_7_queries_do_not_grow_with_the_bookings(org, users, job, client):
    """R-UI-7: no query per booking (interviewer and department weeks)."""
    hr = _client(client, users.hr)
    room = Room.objects.create(name="面试室 A", department=org.emergency)

    def count(query):
        with CaptureQueriesContext(connection) as ctx:
            assert hr.get(URL, query).status_code == 200
        return len(ctx.captured_queries)

    queries = ({"week": "2026-W49", "interviewer": users.interviewer.pk}, {"week": "2026-W49"},
               {"week": "2026-W49", "room": room.pk})
    _book(job, local(2026, 12, 1, 9), interviewers=[users.interviewer], room=room)
    [count(q) for q in queries]  # the first look creates the interviewer's profile (working hours)
    before = [count(q) for q in queries]
    for day in range(1, 5):
        for hour in (10, 11, 14, 16):
            _book(JobFactory(department=org.emergency), local(2026, 12, day, hour),
                  interviewers=[users.interviewer], room=room)
    after = [count(q) for q in queries]
    assert after == before, (before, after)
    assert max(after) <= 25
