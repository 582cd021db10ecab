"""Who looked at whom (R-SEC-7): the access report by viewer and by person, its CSV export, who may open it,
and the alert to the HR director on unusual volume (hrsys/audit/selectors.py, admin.py, alerts.py)."""

import csv
import datetime as dt
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from hrsys.audit.alerts import access_volume_alert_due
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.periodic import registered_jobs, run_due_jobs
from notifications.models import Notification
from tests.candidates.factories import ApplicationFactory, JobFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
REPORT = "admin:audit_accesslog_report"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch, settings, time_machine):
    from notifications import tasks as notification_tasks

    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda notification_id: None)
    settings.PUBLIC_BASE_URL = "https://hr.example.org"
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world(org, users):
    """Two candidates of the emergency department; HR opens both (one twice: page and résumé record), the
    interviewer opens the second; another organisation's HR exists but opened nothing here."""
    job = JobFactory(department=org.emergency)
    a = ApplicationFactory(job=job, candidate__name="张晓红")
    b = ApplicationFactory(job=job, candidate__name="李建国")
    access_log(actor=users.hr, kind="view", obj=a.candidate, detail="web page", channel="web")
    access_log(actor=users.hr, kind="download", obj=("candidates.application", a.pk), detail="api", channel="api")
    access_log(actor=users.hr, kind="view", obj=b.candidate, channel="web")
    access_log(actor=users.interviewer, kind="view", obj=b.candidate, channel="web")
    hr_company = UserFactory(username="hr_company", role="hr_staff", departments=[org.company])
    return type("World", (), {"a": a, "b": b, "hr_company": hr_company, "users": users})


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_r_sec_7_the_report_counts_by_viewer_and_by_person(world):
    users = world.users
    response = _client(users.director).get(reverse(REPORT))
    assert response.status_code == 200
    report = response.context["report"]
    by_viewer = {r["actor"]: r for r in report["by_viewer"]}
    assert (by_viewer[users.hr.pk]["views"], by_viewer[users.hr.pk]["downloads"]) == (2, 1)
    assert by_viewer[users.hr.pk]["records"] == 3 and by_viewer[users.interviewer.pk]["records"] == 1
    by_person = {p["name"]: p for p in report["by_person"]}
    # the candidate's page and their application are one person
    assert (by_person["张晓红"]["total"], by_person["张晓红"]["viewer_count"]) == (2, 1)
    assert (by_person["李建国"]["total"], by_person["李建国"]["viewer_count"]) == (2, 2)
    body = response.content.decode()
    assert "张晓红" in body and "李建国" in body
    # reading the report is itself logged, without names
    logged = AccessLog.objects.filter(actor=users.director, object_type="audit.accesslog", kind="view").get()
    assert "张" not in logged.detail and "viewer=-" in logged.detail


def test_r_sec_7_filter_by_viewer_and_by_person(world):
    users, director = world.users, _client(world.users.director)
    by_interviewer = director.get(reverse(REPORT), {"viewer": users.interviewer.pk}).context["report"]
    assert [e.actor_id for e in by_interviewer["entries"]] == [users.interviewer.pk]
    assert [p["name"] for p in by_interviewer["by_person"]] == ["李建国"]
    person = f"candidates.candidate:{world.a.candidate_id}"
    by_person = director.get(reverse(REPORT), {"person": person}).context["report"]
    assert sorted(e.object_type for e in by_person["entries"]) == ["candidates.application", "candidates.candidate"]
    assert {e.person_name for e in by_person["entries"]} == {"张晓红"}


def test_r_sec_7_csv_export_has_the_filtered_entries_and_is_itself_logged(world):
    users = world.users
    response = _client(users.director).get(reverse(REPORT), {"viewer": users.hr.pk, "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 1 + 3
    people = {row[6] for row in rows[1:]}
    assert people == {"张晓红", "李建国"}
    assert {row[1] for row in rows[1:]} == {str(users.hr)}
    export = AccessLog.objects.get(actor=users.director, kind="export", object_type="audit.accesslog")
    assert export.detail.startswith("csv 3 rows") and f"viewer={users.hr.pk}" in export.detail


@pytest.mark.parametrize("who", ["hr", "interviewer", "er_manager", "hr_company"])
def test_r_sec_7_only_the_hr_director_and_the_administrator_open_the_report(world, who):
    user = world.hr_company if who == "hr_company" else getattr(world.users, who)
    for query in ({}, {"format": "csv"}, {"viewer": world.users.hr.pk}):
        response = _client(user).get(reverse(REPORT), query)
        assert response.status_code == 403, (who, query)
        assert "张晓红" not in response.content.decode() and "李建国" not in response.content.decode()
    assert not AccessLog.objects.filter(kind="export", object_type="audit.accesslog").exists()
    changelist = _client(user).get(reverse("admin:audit_accesslog_changelist"))
    assert changelist.status_code == 403


def test_r_sec_7_the_administrator_opens_it_and_anonymous_is_sent_to_sign_in(world):
    assert _client(world.users.admin).get(reverse(REPORT)).status_code == 200
    anonymous = Client().get(reverse(REPORT))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    changelist = _client(world.users.director).get(reverse("admin:audit_accesslog_changelist")).content.decode()
    assert reverse(REPORT) in changelist


def test_r_sec_7_bad_filters_answer_400_with_a_message_per_field(world):
    response = _client(world.users.director).get(reverse(REPORT), {"since": "yesterday", "kind": "peek",
                                                                     "viewer": "x"})
    assert response.status_code == 400
    assert set(response.context["errors"]) == {"since", "kind", "viewer"}
    assert 'href="#id_since"' in response.content.decode()
    # and no export goes out on filters that were not understood
    csv_try = _client(world.users.director).get(reverse(REPORT), {"since": "yesterday", "format": "csv"})
    assert csv_try.status_code == 400 and not AccessLog.objects.filter(kind="export").exists()


# -- the alert on unusual volume -------------------------------------------------------------------------------

def _alerts(director):
    return Notification.objects.filter(template_key="generic_alert", recipient_type="accounts.user",
                                       recipient_id=str(director.pk), idempotency_key__startswith="audit:access-volume:")


def _open_people(user, n, *, org, also_application=False):
    job = JobFactory(department=org.emergency)
    for _ in range(n):
        app = ApplicationFactory(job=job)
        access_log(actor=user, kind="view", obj=app.candidate, channel="web")
        if also_application:
            access_log(actor=user, kind="view", obj=app, channel="web")


def test_r_sec_7_more_people_than_the_threshold_within_an_hour_alerts_the_hr_director_once(
        org, users, settings, time_machine):
    settings.ACCESS_ALERT_PEOPLE_PER_HOUR = 3
    assert "audit.access_volume" in registered_jobs()
    second_director = UserFactory(username="director2", role="hr_director")

    # three people, each as page + application (six records): at the threshold, not above it
    _open_people(users.hr, 3, org=org, also_application=True)
    time_machine.move_to(NOW + dt.timedelta(minutes=20), tick=False)
    assert access_volume_alert_due(now=NOW + dt.timedelta(minutes=20)) == {"checked": 1, "alerted": 0}
    assert not _alerts(users.director).exists()

    _open_people(users.hr, 1, org=org)  # the fourth person within the hour
    run_due_jobs(now=NOW + dt.timedelta(minutes=20), only=["audit.access_volume"])
    (alert,) = _alerts(users.director)
    assert _alerts(second_director).count() == 1
    context = json.loads(alert.context)
    assert str(users.hr) in context["message"] and "4" in context["message"]
    assert f"viewer={users.hr.pk}" in context["url"]
    assert not _alerts(users.hr).exists()

    # more reading within the hour: no second alert
    time_machine.move_to(NOW + dt.timedelta(minutes=50), tick=False)
    _open_people(users.hr, 5, org=org)
    assert access_volume_alert_due(now=NOW + dt.timedelta(minutes=50))["alerted"] == 0
    assert _alerts(users.director).count() == 1

    # an hour after the alert, still reading: a new one
    later = NOW + dt.timedelta(minutes=81)
    time_machine.move_to(later, tick=False)
    assert access_volume_alert_due(now=later)["alerted"] == 1
    assert _alerts(users.director).count() == 2


def test_r_sec_7_reading_spread_over_more_than_an_hour_does_not_alert(org, users, settings, time_machine):
    settings.ACCESS_ALERT_PEOPLE_PER_HOUR = 3
    _open_people(users.hr, 2, org=org)
    time_machine.move_to(NOW + dt.timedelta(minutes=70), tick=False)
    _open_people(users.hr, 2, org=org)
    assert access_volume_alert_due(now=NOW + dt.timedelta(minutes=70)) == {"checked": 0, "alerted": 0}
    assert not _alerts(users.director).exists()


def test_r_sec_7_zero_turns_the_alert_off(org, users, settings):
    settings.ACCESS_ALERT_PEOPLE_PER_HOUR = 0
    _open_people(users.hr, 2, org=org)
    assert access_volume_alert_due(now=NOW) == {"disabled": True}
