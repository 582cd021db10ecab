"""The retention admin: the HR director sets periods, HR sees them and tonight's dry run (counts only, their
organisations), other roles get nothing; legal holds placed and released by HR (R-SEC-5)."""

import datetime as dt

import pytest
from django.test import Client

from candidates.models import LegalHold
from hrsys.audit.models import AuditEvent
from hrsys.privacy.models import RetentionPolicy
from tests.candidates.factories import ApplicationFactory, JobFactory
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/privacy/retentionpolicy/"


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def company_hr(org):
    return UserFactory(username="hr_company", role="hr_staff", departments=[org.company])


def _rejected(department, time_machine, days=400):
    time_machine.move_to(dt.datetime.now(dt.UTC) - dt.timedelta(days=days), tick=False)
    app = ApplicationFactory(job=JobFactory(department=department), state="rejected")
    time_machine.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(days=days), tick=False)
    return app


def _dry_run_count(html: str, key: str) -> str:
    row = html.split(f'data-class="{key}"', 1)[1].split("</tr>", 1)[0]
    return row.rsplit('class="count">', 1)[1].split("</td>", 1)[0].strip()


def test_r_sec_5_the_director_sets_a_period_through_the_admin_and_it_is_audited(users, org):
    client = login(users.director)
    response = client.post(f"{URL}add/", {"organization": org.hospital.pk, "data_class": "resumes", "days": 90})
    assert response.status_code == 302, response.content[:2000]
    policy = RetentionPolicy.objects.get()
    assert (policy.organization, policy.data_class, policy.days, policy.updated_by) == (
        org.hospital, "resumes", 90, users.director)
    assert AuditEvent.objects.filter(action="retention_policy.set", actor=users.director).exists()
    # below the floor, unknown or fixed elsewhere: the form says so and nothing is saved
    for data, field in (({"data_class": "access_logs", "days": 30}, "180"),
                        ({"data_class": "photos", "days": 30}, "photos"),
                        ({"data_class": "ai_recordings", "days": 30}, "ai_recordings")):
        response = client.post(f"{URL}add/", {"organization": org.company.pk, **data})
        assert response.status_code == 200 and field in response.content.decode()
    assert RetentionPolicy.objects.count() == 1


def test_r_sec_5_the_dry_run_shows_counts_per_class_and_no_names(users, org, time_machine):
    app = _rejected(org.emergency, time_machine)
    response = login(users.director).get(URL)
    html = response.content.decode()
    assert response.status_code == 200 and 'id="retention-dry-run"' in html
    assert _dry_run_count(html, "rejected_candidates") == "1"
    assert app.candidate.name not in html


def test_r_sec_5_hr_sees_periods_and_the_dry_run_of_their_organisation_but_cannot_set(users, org, company_hr,
                                                                                       time_machine):
    _rejected(org.emergency, time_machine)
    RetentionPolicy.objects.create(organization=org.hospital, data_class="resumes", days=90)
    hospital = login(users.hr)
    html = hospital.get(URL).content.decode()
    assert _dry_run_count(html, "rejected_candidates") == "1" and _dry_run_count(html, "access_logs") == "—"
    assert hospital.post(f"{URL}add/", {"organization": org.hospital.pk, "data_class": "talent_pool",
                                       "days": 10}).status_code == 403
    company = login(company_hr)
    html = company.get(URL).content.decode()
    assert _dry_run_count(html, "rejected_candidates") == "0"  # the hospital's candidate is not counted
    policy = RetentionPolicy.objects.get()
    assert company.get(f"{URL}{policy.pk}/change/").status_code == 404  # another organisation's policy


def test_r_sec_5_hr_cannot_hold_a_candidate_of_another_organisation(users, org, company_hr):
    app = ApplicationFactory(job=JobFactory(department=org.emergency), state="rejected")
    response = login(company_hr).post("/admin/candidates/legalhold/add/",
                                      {"candidate": app.candidate_id, "reason": "x"})
    assert response.status_code == 200 and not LegalHold.objects.exists()  # not a choice: outside their scope


@pytest.mark.parametrize("role", ["er_manager", "interviewer"])
def test_r_sec_5_managers_and_interviewers_get_no_retention_pages(users, role):
    client = login(getattr(users, role))
    assert client.get(URL).status_code == 403
    assert client.get("/admin/privacy/retentionsweep/").status_code == 403
    assert client.get("/admin/candidates/legalhold/").status_code == 403


def test_r_sec_5_hr_places_and_releases_a_legal_hold_in_the_admin(users, org):
    app = ApplicationFactory(job=JobFactory(department=org.emergency), state="rejected")
    client = login(users.hr)
    response = client.post("/admin/candidates/legalhold/add/", {"candidate": app.candidate_id, "reason": "仲裁"})
    assert response.status_code == 302, response.content[:2000]
    hold = LegalHold.objects.get()
    assert hold.placed_by == users.hr and hold.released_at is None
    again = client.post("/admin/candidates/legalhold/add/", {"candidate": app.candidate_id, "reason": "again"})
    assert again.status_code == 200 and "已处于法律保全中" in again.content.decode()  # the admin speaks zh-hans
    response = client.post("/admin/candidates/legalhold/", {"action": "release", "_selected_action": [hold.pk]})
    assert response.status_code == 302
    hold.refresh_from_db()
    assert hold.released_by == users.hr and hold.released_at is not None
    assert AuditEvent.objects.filter(action__in=["legal_hold.place", "legal_hold.release"]).count() == 2


def test_r_sec_5_the_director_changes_the_days_of_an_existing_period(users, org):
    policy = RetentionPolicy.objects.create(organization=org.hospital, data_class="resumes", days=90)
    client = login(users.director)
    assert client.get(f"{URL}{policy.pk}/change/").status_code == 200
    response = client.post(f"{URL}{policy.pk}/change/", {"days": 120})
    assert response.status_code == 302, response.content[:2000]
    policy.refresh_from_db()
    assert (policy.organization, policy.data_class, policy.days) == (org.hospital, "resumes", 120)
    assert RetentionPolicy.objects.count() == 1
    assert login(users.hr).get(f"{URL}{policy.pk}/change/").status_code == 200  # HR may look
