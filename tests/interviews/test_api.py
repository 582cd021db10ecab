"""API: scope (404 outside), bad input (400 naming the problem, nothing saved), .ics import, webcal feed
(R-SCHED-1, R-SCHED-4, R-SEC-1)."""

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from icalendar import Calendar

from interviews.models import BusyBlock, Interview, InterviewerProfile
from tests.factories import UserFactory
from tests.interviews.conftest import local

pytestmark = pytest.mark.django_db
NOW = local(2026, 3, 2, 10)

ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:a@x\r
DTSTAMP:20260301T000000Z\r
DTSTART;TZID=Asia/Shanghai:20260304T090000\r
DTEND;TZID=Asia/Shanghai:20260304T110000\r
SUMMARY:\xe6\x9f\xa5\xe6\x88\xbf\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:b@x\r
DTSTAMP:20260301T000000Z\r
DTSTART:20260304T020000Z\r
DTEND:20260304T040000Z\r
SUMMARY:overlap\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:c@x\r
DTSTAMP:20260301T000000Z\r
DTSTART:20260305T010000Z\r
DTEND:20260305T020000Z\r
TRANSP:TRANSPARENT\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


def schedule(client, world, start, **extra):
    return client.post("/api/v1/interviews/schedule/", {"application": world.app.pk, "round": world.round.pk,
                                                        "starts_at": start.isoformat(), **extra}, format="json")


def test_schedule_detail_and_scope(world, api_as, org):
    """R-SEC-1: HR of the hospital schedules; an IT manager gets 404; interviewers see only their interviews."""
    response = schedule(api_as(world.users.hr), world, local(2026, 3, 4, 9))
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert api_as(world.i1).get(f"/api/v1/interviews/{pk}/").status_code == 200
    assert api_as(world.users.it_manager).get(f"/api/v1/interviews/{pk}/").status_code == 404
    stranger = UserFactory(username="other_interviewer", role="interviewer", departments=[org.emergency])
    assert api_as(stranger).get(f"/api/v1/interviews/{pk}/").status_code == 404
    assert api_as(stranger).get("/api/v1/interviews/").json()["count"] == 0
    assert api_as(world.users.it_manager).post(f"/api/v1/interviews/{pk}/cancel/", {"reason": "x"},
                                               format="json").status_code == 403  # managers may not cancel
    assert Interview.objects.get(pk=pk).state == "scheduled"


def test_bad_input_is_400_naming_the_problem(world, api_as):
    """Slots in the past, unknown fields, busy interviewers -> 400, nothing saved."""
    client = api_as(world.users.hr)
    past = schedule(client, world, local(2026, 3, 1, 9))
    assert past.status_code == 400
    assert "starts_at" in past.json()["error"]["fields"]
    unknown = schedule(client, world, local(2026, 3, 4, 9), colour="red")
    assert unknown.status_code == 400 and "colour" in unknown.json()["error"]["fields"]
    assert Interview.objects.count() == 0


def test_busy_blocks_overlap_and_ics_import(world, api_as):
    """R-SCHED-1: overlapping busy blocks -> 400; .ics import merges overlaps, skips transparent events;
    malformed .ics -> 400 and nothing changes."""
    client = api_as(world.i1)
    ok = client.post("/api/v1/interviews/busy-blocks/", {"user": world.i1.pk, "starts_at": local(2026, 3, 6, 9).isoformat(),
                                                         "ends_at": local(2026, 3, 6, 10).isoformat()}, format="json")
    assert ok.status_code == 201
    clash = client.post("/api/v1/interviews/busy-blocks/", {"user": world.i1.pk,
                                                            "starts_at": local(2026, 3, 6, 9, 30).isoformat(),
                                                            "ends_at": local(2026, 3, 6, 11).isoformat()}, format="json")
    assert clash.status_code == 400 and "Overlaps" in str(clash.json())
    other = client.post("/api/v1/interviews/busy-blocks/", {"user": world.i2.pk,
                                                            "starts_at": local(2026, 3, 6, 9).isoformat(),
                                                            "ends_at": local(2026, 3, 6, 10).isoformat()}, format="json")
    assert other.status_code in (400, 403)
    upload = client.post("/api/v1/interviews/busy-blocks/import/",
                         {"user": world.i1.pk, "file": SimpleUploadedFile("cal.ics", ICS, "text/calendar")},
                         format="multipart")
    assert upload.status_code == 201, upload.json()
    assert upload.json() == {"imported": 1}
    block = BusyBlock.objects.get(user=world.i1, source="ics")
    assert (block.starts_at, block.ends_at) == (local(2026, 3, 4, 9), local(2026, 3, 4, 12))
    bad = client.post("/api/v1/interviews/busy-blocks/import/",
                      {"user": world.i1.pk, "file": SimpleUploadedFile("cal.ics", b"hello", "text/calendar")},
                      format="multipart")
    assert bad.status_code == 400 and "VCALENDAR" in str(bad.json())
    assert BusyBlock.objects.filter(user=world.i1, source="ics").count() == 1
    # the imported block makes the interviewer unavailable
    busy = schedule(api_as(world.users.hr), world, local(2026, 3, 4, 10))
    assert busy.status_code == 400 and str(world.i1) in str(busy.json())


def test_propose_slots_and_webcal_feed(world, api_as, client):
    """R-SCHED-1 R-SCHED-4: proposals avoid bookings; the private feed lists the interviewer's interviews."""
    hr = api_as(world.users.hr)
    schedule(hr, world, local(2026, 3, 3, 8, 30))
    proposal = hr.post("/api/v1/interviews/propose/", {"application": world.app.pk, "round": world.round.pk,
                                                       "limit": 5}, format="json")
    assert proposal.status_code == 200
    import datetime as dt

    starts = [dt.datetime.fromisoformat(s["starts_at"].replace("Z", "+00:00")) for s in proposal.json()["slots"]]
    assert len(starts) == 5 and all(s >= NOW for s in starts)
    booked = (local(2026, 3, 3, 8, 30), local(2026, 3, 3, 9, 15))
    assert not any(s < booked[1] + dt.timedelta(minutes=10) and booked[0] < s + dt.timedelta(minutes=55)
                   for s in starts)
    token = InterviewerProfile.objects.get(user=world.i1).feed_token
    feed = client.get(f"/interviews/feed/{token}.ics")
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(feed.content)
    assert len(cal.walk("VEVENT")) == 1
    assert client.get("/interviews/feed/wrong.ics").status_code == 404


def test_batch_api_reports_progress_and_unplaced(world, api_as, queue):
    """R-SCHED-2: batch through the API, then the run shows placed and explained candidates."""
    from interviews.services import batch_schedule_run
    from tests.candidates.factories import ApplicationFactory

    apps = [ApplicationFactory(job=world.job, state="screening").pk for _ in range(12)]
    hr = api_as(world.users.hr)
    with queue.capture(execute=True):
        response = hr.post("/api/v1/interviews/batch/", {
            "job": world.job.pk, "round": world.round.pk, "applications": apps,
            "period_start": local(2026, 3, 3, 0).isoformat(), "period_end": local(2026, 3, 4, 0).isoformat(),
            "required": [world.i1.pk, world.i2.pk]}, format="json")
    assert response.status_code == 202, response.json()
    assert queue.batches == [response.json()["id"]]  # enqueued on commit for the worker
    run = batch_schedule_run(run_id=response.json()["id"])
    body = hr.get(f"/api/v1/interviews/batch/{run.pk}/").json()
    assert body["status"] == "done" and body["done"] == 12
    assert body["placed"] + len(body["unplaced"]) == 12
    assert body["placed"] >= 6
    assert all(u["reason"] for u in body["unplaced"])
    bad = hr.post("/api/v1/interviews/batch/", {
        "job": world.job.pk, "round": world.round.pk, "applications": apps,
        "period_start": local(2026, 3, 1, 0).isoformat(), "period_end": local(2026, 3, 4, 0).isoformat()},
        format="json")
    assert bad.status_code == 400 and "period_start" in bad.json()["error"]["fields"]
