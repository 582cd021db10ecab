"""Applications per job and stage kept by the database (``JobStageCount``, triggers of migration 0011): the same
figures as counting the applications, after inserts, moves, changes of job, bulk writes and deletes, whichever
code makes them; and what the jobs list and the board show from them."""

import pytest
from django.db import connection
from django.db.models import Count
from django.test import Client

from candidates import services
from candidates.models import Application, JobStageCount, State
from tests.candidates.factories import ApplicationFactory, JobFactory

pytestmark = pytest.mark.django_db


def _counted():
    return {(job_id, state): n for job_id, state, n in
            Application.objects.values_list("job_id", "state").annotate(n=Count("id")).order_by()}


def _kept():
    return {(job_id, state): n for job_id, states in
            JobStageCount.objects.for_jobs(JobStageCount.objects.values_list("job_id", flat=True)).items()
            for state, n in states.items()}


def test_counts_follow_every_write(users, er_job):
    other = JobFactory(department=er_job.department, title="护工")
    apps = ApplicationFactory.create_batch(11, job=er_job, state="new")
    ApplicationFactory.create_batch(3, job=other, state="screening")
    assert _kept() == _counted() == {(er_job.pk, "new"): 11, (other.pk, "screening"): 3}

    services.application_transition(actor=users.hr, application_id=apps[0].pk, transition="screen")
    services.application_transition(actor=users.hr, application_id=apps[1].pk, transition="reject",
                                    reason="不符合")
    Application.objects.filter(pk__in=[a.pk for a in apps[2:5]]).update(state="screening")  # a bulk write
    Application.objects.filter(pk=apps[5].pk).update(job=other)  # moved to another job
    Application.objects.filter(pk=apps[6].pk).update(match_score=77)  # neither stage nor job: no change
    Application.objects.filter(pk=apps[7].pk).delete()
    with connection.cursor() as cursor:  # raw SQL too (the benchmark's copies)
        cursor.execute("UPDATE candidates_application SET state = %s WHERE id = %s", ["screening", apps[8].pk])
    assert _kept() == _counted() == {
        (er_job.pk, "new"): 3, (er_job.pk, "screening"): 5, (er_job.pk, "rejected"): 1,
        (other.pk, "new"): 1, (other.pk, "screening"): 3}


def test_jobs_list_and_board_show_the_kept_counts_of_the_viewers_jobs(users, er_job, org):
    ApplicationFactory.create_batch(4, job=er_job, state="screening")
    ApplicationFactory(job=er_job, state="withdrawn")
    it_job = JobFactory(department=org.it, title="运维工程师")
    ApplicationFactory.create_batch(2, job=it_job, state="screening")

    client = Client()
    client.force_login(users.er_manager)
    response = client.get("/workspace/jobs/")
    assert response.status_code == 200
    jobs = {job.pk: job for job in response.context["jobs"]}
    assert set(jobs) == {er_job.pk}  # the other department's job is not the manager's
    assert jobs[er_job.pk].stage_counts[response.context["stages"].index(str(State.SCREENING.label))] == 4
    assert (jobs[er_job.pk].closed_count, jobs[er_job.pk].total) == (1, 5)

    board = client.get(f"/workspace/jobs/{er_job.pk}/board/")
    counts = {c.key: c.count for c in board.context["columns"]}
    assert counts["screening"] == 4 and counts["closed"] == 1 and counts["new"] == 0
