"""Which jobs the careers site shows (R-PIPE-8, R-SEC-1, R-HOSP-2): HR marks an open job "show on the careers site"
in the job form or the job API; managers may not; another organisation's job is unknown; each change is audited."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.utils import translation

from candidates.services import job_publish
from hrsys.audit.labels import action_label
from hrsys.audit.models import AuditEvent
from tests.candidates.factories import JobFactory
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_r_pipe_8_hr_shows_and_hides_a_job_and_each_change_is_audited(users, org):
    job = JobFactory(department=org.emergency)
    assert not job.published  # a new job is internal until HR shows it
    job_publish(actor=users.hr, job_id=job.pk, published=True)
    job_publish(actor=users.hr, job_id=job.pk, published=True)  # no change: no second entry
    job_publish(actor=users.hr, job_id=job.pk, published=False)
    events = list(AuditEvent.objects.filter(object_id=str(job.pk), action__startswith="job.").order_by("pk")
                  .values_list("action", "actor_id", "changes"))
    assert events == [("job.publish", users.hr.pk, {"published": [False, True]}),
                      ("job.unpublish", users.hr.pk, {"published": [True, False]})]
    with translation.override("zh-hans"):
        assert action_label("job.publish") == "职位：已在招聘网站发布"
        assert action_label("job.unpublish") == "职位：已从招聘网站撤下"


def test_r_pipe_8_a_manager_may_not_publish_and_another_organisation_s_job_is_unknown(users, org):
    job = JobFactory(department=org.emergency)
    with pytest.raises(PermissionDenied):
        job_publish(actor=users.er_manager, job_id=job.pk, published=True)
    company_job = JobFactory(department=org.company)
    with pytest.raises(Http404):
        job_publish(actor=users.hr, job_id=company_job.pk, published=True)
    job.refresh_from_db()
    company_job.refresh_from_db()
    assert not job.published and not company_job.published


def test_r_pipe_8_the_job_api_reads_and_writes_the_flag(users, api_as, org):
    client = api_as(users.hr)
    created = client.post("/api/v1/jobs/", {"department": org.emergency.pk, "title": "急诊科护士", "status": "open",
                                            "published": True}, format="json")
    assert created.status_code == 201 and created.json()["published"] is True
    pk = created.json()["id"]
    changed = client.patch(f"/api/v1/jobs/{pk}/", {"published": False, "headcount": 3}, format="json")
    assert changed.status_code == 200 and changed.json()["published"] is False and changed.json()["headcount"] == 3
    assert client.patch(f"/api/v1/jobs/{pk}/", {"published": "maybe"}, format="json").status_code == 400
    assert [a for a in AuditEvent.objects.filter(object_id=str(pk)).order_by("pk").values_list("action", flat=True)
            if a.startswith("job.")] == ["job.create", "job.publish", "job.update", "job.unpublish"]


def test_r_pipe_8_the_job_admin_form_has_the_flag(users, org):
    job = JobFactory(department=org.it, skills=[], min_years=0, education_level="none")
    client = Client()
    assert client.login(username=users.hr.username, password=PASSWORD)
    page = client.get(f"/admin/candidates/jobrequisition/{job.pk}/change/")
    assert 'name="published"' in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("backup_pool", "published")}
    data.update({"department": org.it.pk, "skills": "[]", "min_years": 0, "required_credentials": [],
                 "credential_checkpoints": ["hire"], "assessment_dimensions": "[]", "published": "on",
                 "rounds-TOTAL_FORMS": 0, "rounds-INITIAL_FORMS": 0})
    response = client.post(f"/admin/candidates/jobrequisition/{job.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    job.refresh_from_db()
    assert job.published
    assert AuditEvent.objects.filter(object_id=str(job.pk), action="job.publish", actor=users.hr).exists()
    listing = client.get("/admin/candidates/jobrequisition/?published__exact=1").content.decode()
    assert job.title in listing
