"""Interviewers see the candidates they interview, and nothing else (R-SEC-1)."""

import datetime as dt

import pytest
from django.utils import timezone

from interviews.models import Interview
from tests.candidates.factories import ApplicationFactory, CandidateFactory, JobFactory

pytestmark = pytest.mark.django_db


def _interview(app, *interviewers):
    start = timezone.now() + dt.timedelta(days=3)
    interview = Interview.objects.create(application=app, starts_at=start, ends_at=start + dt.timedelta(hours=1),
                                         ical_uid=f"test-{app.pk}@hrsys")
    interview.interviewers.set(interviewers)
    return interview


def test_interviewer_sees_assigned_application_and_candidate_only(world, org, api_as):  # R-SEC-1
    other_job = JobFactory(department=org.it, title="工程师")
    other_app = ApplicationFactory(candidate=CandidateFactory(name="李雷"), job=other_job, state="screening")
    unassigned_same_dept = ApplicationFactory(candidate=CandidateFactory(name="韩梅梅"), job=world.job,
                                              state="screening")
    _interview(world.app, world.i1)
    client = api_as(world.i1)

    listed = {row["id"] for row in client.get("/api/v1/applications/?page_size=200").json()["results"]}
    assert listed == {world.app.pk}
    assert client.get(f"/api/v1/applications/{world.app.pk}/").status_code == 200
    assert client.get(f"/api/v1/applications/{other_app.pk}/").status_code == 404
    assert client.get(f"/api/v1/applications/{unassigned_same_dept.pk}/").status_code == 404
    assert client.get(f"/api/v1/candidates/{world.candidate.pk}/").status_code == 200
    assert client.get(f"/api/v1/candidates/{other_app.candidate_id}/").status_code == 404


def test_second_interviewer_without_assignment_sees_nothing(world, api_as):
    _interview(world.app, world.i1)
    body = api_as(world.i2).get("/api/v1/applications/").json()
    assert body["count"] == 0
