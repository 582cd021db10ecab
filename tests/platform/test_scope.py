"""Department isolation, enforced the same way in API, admin and export (R-SEC-1)."""

import csv
import io

import pytest
from django.test import Client

from hrsys.accounts.models import User
from hrsys.accounts.scope import visible_department_ids
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _staff(org):
    return {
        "er_nurse": UserFactory(username="er_nurse", role="interviewer", departments=[org.emergency]),
        "ward_nurse": UserFactory(username="ward_nurse", role="interviewer", departments=[org.ward]),
        "it_engineer": UserFactory(username="it_engineer", role="interviewer", departments=[org.it]),
    }


def test_manager_scope_includes_subdepartments_only(org, users):  # R-SEC-1
    assert visible_department_ids(users.er_manager) == {org.emergency.pk, org.ward.pk}
    assert visible_department_ids(users.hr) == {org.hospital.pk, org.emergency.pk, org.it.pk, org.ward.pk}
    assert visible_department_ids(users.director) is None
    assert visible_department_ids(users.interviewer) == frozenset()


def test_api_list_shows_only_own_departments(org, users, api_as):  # R-SEC-1
    staff = _staff(org)
    response = api_as(users.er_manager).get("/api/v1/staff/?page_size=200")
    assert response.status_code == 200
    names = {row["username"] for row in response.json()["results"]}
    assert {"er_nurse", "ward_nurse", "er_manager", "interviewer"} <= names
    assert "it_engineer" not in names and "it_manager" not in names
    assert staff["it_engineer"].pk not in {row["id"] for row in response.json()["results"]}


def test_api_detail_across_departments_is_404_not_403(org, users, api_as):  # R-SEC-1
    staff = _staff(org)
    client = api_as(users.er_manager)
    assert client.get(f"/api/v1/staff/{staff['ward_nurse'].pk}/").status_code == 200
    response = client.get(f"/api/v1/staff/{staff['it_engineer'].pk}/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    # a missing id answers exactly the same: no existence leak
    assert client.get("/api/v1/staff/999999/").json() == response.json()


def test_interviewer_sees_only_themselves(org, users, api_as):
    _staff(org)
    response = api_as(users.interviewer).get("/api/v1/staff/")
    assert [row["username"] for row in response.json()["results"]] == ["interviewer"]


def test_director_sees_every_department(org, users, api_as):
    _staff(org)
    response = api_as(users.director).get("/api/v1/staff/?page_size=200")
    assert response.json()["count"] == User.objects.count()


def test_admin_changelist_and_change_page_respect_scope(org, users):  # R-SEC-1
    staff = _staff(org)
    client = Client()
    assert client.login(username="er_manager", password=PASSWORD)
    changelist = client.get("/admin/accounts/user/")
    assert changelist.status_code == 200
    body = changelist.content.decode()
    assert "ward_nurse" in body and "it_engineer" not in body
    assert client.get(f"/admin/accounts/user/{staff['ward_nurse'].pk}/change/").status_code == 200
    assert client.get(f"/admin/accounts/user/{staff['it_engineer'].pk}/change/").status_code == 404
    # search does not reach across departments either
    assert client.get("/admin/accounts/user/?q=it_engineer").context["cl"].result_count == 0


def test_admin_export_action_is_scoped(org, users):  # R-SEC-1, R-DASH-4
    staff = _staff(org)
    client = Client()
    client.login(username="er_manager", password=PASSWORD)
    every_id = [str(pk) for pk in User.objects.values_list("pk", flat=True)]
    # even when a crafted POST names rows outside the scope, only scoped rows come out
    response = client.post("/admin/accounts/user/", {"action": "export_csv", "_selected_action": every_id})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    exported = {r[0] for r in rows[1:]}
    assert "ward_nurse" in exported and "it_engineer" not in exported
    assert staff["it_engineer"].username not in exported


def test_api_export_is_scoped_and_logged(org, users, api_as):  # R-SEC-1, R-DASH-4, R-SEC-3
    from hrsys.audit.models import AccessLog

    _staff(org)
    response = api_as(users.er_manager).get("/api/v1/staff/export/?format=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "ward_nurse" in text and "it_engineer" not in text
    log = AccessLog.objects.get(kind="export")
    assert log.actor == users.er_manager and log.object_type == "accounts.user"
    assert log.detail.startswith("csv 4 rows")


def test_xlsx_export_opens_in_excel_format(org, users, api_as):
    from openpyxl import load_workbook

    _staff(org)
    response = api_as(users.er_manager).get("/api/v1/staff/export/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    usernames = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "ward_nurse" in usernames and "it_engineer" not in usernames


def test_anonymous_sees_nothing(org, users, api_client):
    assert api_client.get("/api/v1/staff/").status_code in (401, 403)
    assert User.objects.for_user(None).count() == 0
