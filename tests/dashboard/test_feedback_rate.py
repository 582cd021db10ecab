"""Feedback rate per interviewer on the dashboard (issue 14 item 5; R-PIPE-7, R-DASH-1): interviews that ended in
the period and took place, feedback submitted (drafts do not count), rate, median hours from the end to the
submission; within the viewer's scope; on the funnel page, in the API and the export; queries independent of the
number of interviewers."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboard.selectors import Filters, feedback_rates
from hrsys.audit.models import AccessLog
from interviews.models import Interview, InterviewFeedback
from tests.candidates.factories import ApplicationFactory, JobFactory
from tests.dashboard.conftest import NOW, at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def held(app, start, panel, state="completed"):
    interview = Interview.objects.create(application=app, state=state, starts_at=start,
                                         ends_at=start + dt.timedelta(minutes=30))
    interview.interviewers.set(panel)
    return interview


def feedback(interview, who, hours_after_end=None):
    """Submitted ``hours_after_end`` after the end; ``None``: a draft."""
    submitted = interview.ends_at + dt.timedelta(hours=hours_after_end) if hours_after_end is not None else None
    return InterviewFeedback.objects.create(interview=interview, interviewer=who, scores={}, recommendation="yes",
                                            submitted_at=submitted)


@pytest.fixture
def world(org, users):
    """ER: 刘医生 on four held interviews (three submitted: after 1 h, 3 h and 5 h; one a draft only), 陈护士 on
    two (one submitted during the interview); a cancelled and a no-show interview and one ending after "now"
    count for nobody. IT: 王工 on one interview, submitted."""
    liu = UserFactory(username="liu", full_name="刘医生", role="interviewer", departments=[org.emergency])
    chen = UserFactory(username="chen", full_name="陈护士", role="interviewer", departments=[org.emergency])
    wang = UserFactory(username="wang", full_name="王工", role="interviewer", departments=[org.it])
    er = JobFactory(department=org.emergency, title="急诊护士")
    it = JobFactory(department=org.it, title="运维工程师")
    a = [held(ApplicationFactory(job=er, state="interviewing"), at(5, d), [liu]) for d in (5, 6, 7)]
    for interview, hours in zip(a, (1, 3, 5), strict=True):
        feedback(interview, liu, hours)
    both = held(ApplicationFactory(job=er, state="interviewing"), at(5, 8), [liu, chen], state="scheduled")
    feedback(both, liu)  # a draft: not submitted
    feedback(both, chen, -0.2)  # during the interview: 0 hours
    held(ApplicationFactory(job=er, state="interviewing"), at(6, 1), [chen])  # nothing yet
    for state in ("cancelled", "no_show"):
        held(ApplicationFactory(job=er, state="interviewing"), at(5, 9), [liu, chen], state=state)
    held(ApplicationFactory(job=er, state="interviewing"), NOW + dt.timedelta(hours=1), [liu], state="scheduled")
    feedback(held(ApplicationFactory(job=it, state="interviewing"), at(5, 10), [wang]), wang, 2)
    return type("W", (), {"liu": liu, "chen": chen, "wang": wang})


def test_r_pipe_7_feedback_rate_per_interviewer_hand_counted(world, users, frozen):
    """R-PIPE-7: 刘医生 3 of 4 (75 %, median 3 h), 陈护士 1 of 2 (50 %, 0 h), lowest rate first; HR sees all three."""
    rows = {r["interviewer"]: r for r in feedback_rates(user=users.hr)}
    assert set(rows) == {"刘医生", "陈护士", "王工"}
    liu, chen = rows["刘医生"], rows["陈护士"]
    assert (liu["interviews"], liu["submitted"], liu["waiting"], liu["rate"], liu["median_hours"]) == (4, 3, 1, 0.75, 3.0)
    assert (chen["interviews"], chen["submitted"], chen["rate"], chen["median_hours"]) == (2, 1, 0.5, 0.0)
    assert [r["interviewer"] for r in feedback_rates(user=users.hr)][0] == "陈护士"


def test_r_pipe_7_feedback_rate_in_scope_and_period(world, users, frozen):
    """R-PIPE-7, R-SEC-1: the IT manager sees only 王工; a period from 05-07 counts 刘医生's last two interviews."""
    assert [r["interviewer"] for r in feedback_rates(user=users.it_manager)] == ["王工"]
    rows = {r["interviewer"]: r for r in feedback_rates(user=users.hr, filters=Filters(
        date_from=dt.date(2025, 5, 7), date_to=dt.date(2025, 5, 31)))}
    assert (rows["刘医生"]["interviews"], rows["刘医生"]["submitted"]) == (2, 1)


def test_r_pipe_7_feedback_rate_queries_do_not_grow_with_interviewers(world, users, org, frozen):
    """The figure is one grouped query plus one for names, whatever the number of interviewers."""
    with CaptureQueriesContext(connection) as before:
        feedback_rates(user=users.director)
    job = JobFactory(department=org.emergency, title="护理")
    for n in range(6):
        person = UserFactory(username=f"extra{n}", role="interviewer", departments=[org.emergency])
        feedback(held(ApplicationFactory(job=job, state="interviewing"), at(5, 11), [person]), person, 1)
    with CaptureQueriesContext(connection) as after:
        rows = feedback_rates(user=users.director)
    assert len(rows) == 9 and len(after) == len(before)


def test_r_pipe_7_feedback_rate_on_the_funnel_page_and_in_the_api(world, users, frozen, api_as):
    """R-PIPE-7, R-DASH-4: a section on the dashboard's funnel page (logged: it names people), the same rows in
    the API and the CSV export."""
    client = Client()
    client.force_login(users.hr)
    html = client.get("/dashboard/funnel/?refresh=1").content.decode()
    assert "Interview feedback rate per interviewer" in html and "刘医生" in html
    assert AccessLog.objects.filter(actor=users.hr, object_type="dashboard.feedback_rate").exists()
    body = api_as(users.hr).get("/api/v1/dashboard/figures/feedback_rate/", {"refresh": "1"}).json()
    assert [c["key"] for c in body["columns"]] == ["interviewer", "interviews", "submitted", "rate", "waiting",
                                                   "median_hours"]
    assert {r["interviewer"]: r["rate"] for r in body["rows"]}["刘医生"] == 0.75
    csv = b"".join(client.get("/dashboard/export/feedback_rate/?format=csv").streaming_content).decode("utf-8-sig")
    assert "刘医生" in csv and "陈护士" in csv
