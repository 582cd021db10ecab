"""The candidate's "Your data" section: asking for a copy or for deletion, downloading the copy (R-SEC-6)."""

import io
import json
import zipfile

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from hrsys.audit.models import AccessLog
from portal.data_requests import subject_request_copy_prepare
from portal.models import SubjectRequest
from tests.candidates.factories import ApplicationFactory, JobFactory
from tests.portal.test_access import signed_in

pytestmark = pytest.mark.django_db

INCLUDE = '{% include "portal/_subject_requests.html" %}'  # the line the privacy page includes


@pytest.fixture
def app(org):
    return ApplicationFactory(job=JobFactory(department=org.emergency), state="screening")


def _section(candidate) -> str:
    request = RequestFactory().get("/portal/privacy/")
    request.candidate = candidate
    return Template(INCLUDE).render(Context({"request": request, "csrf_token": "x"}))


def test_r_sec_6_a_candidate_asks_for_a_copy_and_sees_it_with_its_due_date(app):
    client = signed_in(app.candidate)
    res = client.post("/portal/privacy/my-data/copy/")
    assert res.status_code == 302 and res["Location"].endswith("/portal/privacy/#your-data")
    row = SubjectRequest.objects.get(candidate=app.candidate)
    assert row.kind == "copy" and row.state == "open" and row.channel == "portal"
    assert client.post("/portal/privacy/my-data/copy/").status_code == 302  # asking again: the same request
    assert SubjectRequest.objects.filter(candidate=app.candidate).count() == 1
    html = _section(app.candidate)
    assert f'data-request="{row.pk}"' in html and timezone.localtime(row.due_at).strftime("%Y-%m-%d") in html
    assert 'id="ask-copy"' not in html and 'id="ask-deletion"' in html  # one open request per kind


def test_r_sec_6_deletion_needs_the_confirmation_step(app):
    client = signed_in(app.candidate)
    page = client.get("/portal/privacy/my-data/delete/")
    assert page.status_code == 200 and 'name="confirm"' in page.content.decode()
    assert client.post("/portal/privacy/my-data/delete/", {}).status_code == 400
    assert not SubjectRequest.objects.exists()
    assert client.post("/portal/privacy/my-data/delete/", {"confirm": "on"}).status_code == 302
    assert SubjectRequest.objects.get(candidate=app.candidate).kind == "deletion"


def test_r_sec_6_the_candidate_downloads_their_prepared_copy_logged_and_nobody_elses(app, users):
    client = signed_in(app.candidate)
    client.post("/portal/privacy/my-data/copy/")
    row = SubjectRequest.objects.get(candidate=app.candidate)
    url = f"/portal/privacy/my-data/copies/{row.pk}/"
    assert client.get(url).status_code == 404  # not prepared yet
    subject_request_copy_prepare(actor=users.hr, request_id=row.pk)
    assert f'href="{url}"' in _section(app.candidate)
    res = client.get(url)
    assert res.status_code == 200 and res["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(res.content)).read("data.json"))
    assert data["candidate"]["name"] == app.candidate.name
    log = AccessLog.objects.get(kind="download", object_id=str(row.pk))
    assert log.actor_label == f"candidate:{app.candidate.pk}" and log.channel == "portal"
    # another candidate: the same id is a 404
    other = ApplicationFactory(job=app.job)
    assert signed_in(other.candidate).get(url).status_code == 404
    assert AccessLog.objects.filter(kind="download", object_id=str(row.pk)).count() == 1


def test_r_sec_6_signed_out_asks_nothing(app):
    from django.test import Client

    res = Client().post("/portal/privacy/my-data/copy/")
    assert res.status_code == 302 and "/portal/login/" in res["Location"]
    assert not SubjectRequest.objects.exists()
