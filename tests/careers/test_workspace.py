"""An application from the careers site is where HR works (R-PIPE-8, R-UI-2, R-UI-3): on the job's board (the
source filter "Careers website" finds it), in the application list of the admin and the API, on the application
page, all with the source "Careers website" (官网招聘)."""

import pytest
from django.test import Client

from careers import services
from tests.careers.conftest import submit_kwargs
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def applied(nurse_job, resume_pdf):
    return services.application_submit(**submit_kwargs(nurse_job, resume_pdf))


@pytest.fixture
def hr(users):
    client = Client()
    assert client.login(username=users.hr.username, password=PASSWORD)
    return client


def test_r_pipe_8_the_application_is_on_the_job_s_board_under_its_source(hr, nurse_job, applied):
    board = hr.get(f"/workspace/jobs/{nurse_job.pk}/board/?source=website").content.decode()
    assert f'id="card-{applied.application_id}"' in board and "李晓红" in board
    other = hr.get(f"/workspace/jobs/{nurse_job.pk}/board/?source=referral").content.decode()
    assert f'id="card-{applied.application_id}"' not in other


def test_r_pipe_8_the_application_lists_show_the_careers_website(hr, users, api_as, applied):
    listing = hr.get("/admin/candidates/application/?source__exact=website").content.decode()
    assert "李晓红" in listing and "官网招聘" in listing
    rows = api_as(users.hr).get("/api/v1/applications/?source=website").json()["results"]
    assert [(r["id"], r["source"]) for r in rows] == [(applied.application_id, "website")]


def test_r_pipe_8_the_application_page_names_the_source(hr, applied):
    page = hr.get(f"/workspace/applications/{applied.application_id}/").content.decode()
    assert "来源渠道: 官网招聘" in page  # "Source: Careers website"
