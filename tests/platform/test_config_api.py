"""R-INT-4: every configurable resource can be managed through the API -- departments, clock-in devices and
their credentials, pay bands, offer and checklist templates, shift templates, reminder policies, door groups,
interview rooms. HR, the HR director and the system administrator only (managers and interviewers 403, anonymous
401), within their organisation (another organisation's row is 404), every write audited, bad input a 400 naming
the fields with nothing saved, a device's credential shown once."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from attendance.devices import hash_token
from attendance.models import Device, DoorAccessGroup, ShiftTemplate
from candidates.models import JobRequisition
from hrsys.accounts.models import Department
from hrsys.audit.models import AuditEvent
from interviews.models import ReminderPolicy, Room
from onboarding.models import ChecklistTemplate, ChecklistTemplateItem, OfferTemplate, PayBand
from tests.attendance.factories import device_headers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/"


@pytest.fixture
def hr_company(org):
    return UserFactory(username="hr_company", role="hr_staff", departments=[org.company])


@pytest.fixture
def jobs(org):
    return type("Jobs", (), {"er": JobRequisition.objects.create(department=org.emergency, title="急诊护士"),
                             "co": JobRequisition.objects.create(department=org.company, title="工程师")})


def _fields(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["error"]["fields"]


def _audit(action, obj) -> AuditEvent:
    return AuditEvent.objects.get(action=action, object_type=obj._meta.label_lower, object_id=str(obj.pk))


# -- who may: the same rules for every resource -------------------------------------------------------------

LISTS = ["departments/", "attendance/devices/", "attendance/shift-templates/", "attendance/door-groups/",
         "onboarding/pay-bands/", "onboarding/offer-templates/", "onboarding/checklist-templates/",
         "interviews/reminder-policies/", "interviews/rooms/"]


@pytest.mark.parametrize("path", LISTS)
def test_r_int_4_only_hr_director_and_admin_read_and_write_configuration(api_as, users, path):
    for user in (users.hr, users.director, users.admin):
        assert api_as(user).get(API + path).status_code == 200, (user, path)
    for user in (users.er_manager, users.interviewer):  # managers may view pay bands etc. elsewhere, not here
        client = api_as(user)
        assert client.get(API + path).status_code == 403, (user, path)
        assert client.post(API + path, {}, format="json").status_code == 403, (user, path)
    anonymous = APIClient()  # DRF answers 403 (not 401) when the first authenticator is the session's
    for r in (anonymous.get(API + path), anonymous.post(API + path, {}, format="json")):
        assert r.status_code in (401, 403) and r.json()["error"]["code"] == "not_authenticated"


def _rows_of_both_organisations(org, jobs):
    """One row of each scoped resource in the hospital (emergency) and one in the company."""
    made = {}
    for key, dept, job in (("hospital", org.emergency, jobs.er), ("company", org.company, jobs.co)):
        made[key] = {
            "departments/": dept,
            "attendance/devices/": Device.objects.create(name=f"clock-{key}", department=dept),
            "attendance/door-groups/": DoorAccessGroup.objects.create(department=dept, code=f"d-{key}", name=key),
            "onboarding/pay-bands/": PayBand.objects.create(department=dept, job_level="P3", minimum=1,
                                                            midpoint=2, maximum=3),
            "onboarding/offer-templates/": OfferTemplate.objects.create(name=key, department=dept),
            "onboarding/checklist-templates/": ChecklistTemplate.objects.create(name=key, department=dept),
            "interviews/reminder-policies/": ReminderPolicy.objects.create(job=job, steps=[]),
            "interviews/rooms/": Room.objects.create(name=key, department=dept),
        }
    return made


SCOPED = [p for p in LISTS if p != "attendance/shift-templates/"]


@pytest.mark.parametrize("path", SCOPED)
def test_r_int_4_another_organisations_row_is_404_and_not_listed(api_as, users, org, jobs, hr_company, path):
    rows = _rows_of_both_organisations(org, jobs)
    theirs, ours = rows["company"][path], rows["hospital"][path]
    client = api_as(users.hr)
    assert client.get(f"{API}{path}{theirs.pk}/").status_code == 404
    assert client.patch(f"{API}{path}{theirs.pk}/", {}, format="json").status_code == 404
    assert client.get(f"{API}{path}{987654}/").status_code == 404  # the same answer as for no row at all
    listed = {r["id"] for r in client.get(API + path, {"page_size": 200}).json()["results"]}
    assert ours.pk in listed and theirs.pk not in listed
    assert api_as(hr_company).get(f"{API}{path}{ours.pk}/").status_code == 404
    assert api_as(hr_company).get(f"{API}{path}{theirs.pk}/").status_code == 200
    assert api_as(users.director).get(f"{API}{path}{theirs.pk}/").status_code == 200  # sees every organisation


# -- departments ------------------------------------------------------------------------------------------

def test_r_int_4_departments_form_a_tree_within_the_organisation(api_as, users, org):
    client = api_as(users.hr)
    r = client.post(API + "departments/", {"name": "儿科", "code": "peds", "parent_id": org.hospital.pk},
                    format="json")
    assert r.status_code == 201, r.content
    peds = Department.objects.get(code="peds")
    assert r.json()["organisation_id"] == org.hospital.pk and peds.path == f"/{org.hospital.pk}/{peds.pk}/"
    assert _audit("department.create", peds).actor == users.hr
    moved = client.patch(f"{API}departments/{org.ward.pk}/", {"parent_id": peds.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["path"] == f"{peds.path}{org.ward.pk}/"
    assert _audit("department.update", org.ward).changes["parent"] == [org.emergency.pk, peds.pk]


@pytest.mark.parametrize(("body", "field"), [
    ({"parent_id": "company"}, "parent_id"),  # another organisation's department
    ({"parent_id": None}, "parent_id"),  # a department without a parent
    ({"kind": "organization"}, "parent_id"),  # an organisation under a parent
    ({"code": "er"}, "code"),  # taken
    ({"code": "not a slug"}, "code"),
    ({"colour": "red"}, "colour"),
])
def test_r_int_4_bad_department_is_a_400_naming_the_field(api_as, users, org, body, field):
    if body.get("parent_id") == "company":
        body = {"parent_id": org.company.pk}
    data = {"name": "新科室", "code": "new-dept", "parent_id": org.hospital.pk, **body}
    assert field in _fields(api_as(users.hr).post(API + "departments/", data, format="json"))
    assert not Department.objects.filter(name="新科室").exists()
    assert not AuditEvent.objects.filter(action="department.create").exists()


def test_r_int_4_a_department_cannot_move_under_its_own_subtree(api_as, users, org):
    r = api_as(users.hr).patch(f"{API}departments/{org.emergency.pk}/", {"parent_id": org.ward.pk}, format="json")
    assert "parent_id" in _fields(r)
    org.emergency.refresh_from_db()
    assert org.emergency.parent_id == org.hospital.pk


# -- devices and their credentials ------------------------------------------------------------------------

def test_r_int_4_device_token_is_shown_once_and_works(api_as, users, org):
    client = api_as(users.hr)
    r = client.post(API + "attendance/devices/", {"name": "门诊楼考勤机", "department_id": org.emergency.pk},
                    format="json")
    assert r.status_code == 201, r.content
    token = r.json()["credential"]
    device = Device.objects.get(pk=r.json()["id"])
    assert device.token_hash == hash_token(token) and token not in str(device.__dict__)
    for read in (client.get(API + "attendance/devices/"), client.get(f"{API}attendance/devices/{device.pk}/")):
        assert read.status_code == 200 and token not in read.content.decode() and "credential" not in read.json()
    audit = _audit("attendance.device.create", device)
    assert token not in str(audit.changes) and audit.changes["department"] == [None, org.emergency.pk]
    device_api = APIClient()
    assert device_api.get(API + "attendance/device/accounts/", **device_headers(token)).status_code == 200

    rotated = client.post(f"{API}attendance/devices/{device.pk}/rotate-credential/")
    assert rotated.status_code == 200
    new_token = rotated.json()["credential"]
    assert new_token != token
    assert device_api.get(API + "attendance/device/accounts/", **device_headers(token)).status_code == 401
    assert device_api.get(API + "attendance/device/accounts/", **device_headers(new_token)).status_code == 200
    assert _audit("attendance.device.rotate", device)

    changed = client.patch(f"{API}attendance/devices/{device.pk}/", {"name": "急诊考勤机", "location": "一楼"},
                           format="json")
    assert changed.status_code == 200 and new_token not in changed.content.decode()
    off = client.post(f"{API}attendance/devices/{device.pk}/deactivate/")
    assert off.status_code == 200 and off.json()["active"] is False
    assert device_api.get(API + "attendance/device/accounts/", **device_headers(new_token)).status_code == 401
    updates = AuditEvent.objects.filter(action="attendance.device.update", object_id=str(device.pk)).order_by("pk")
    assert [u.changes for u in updates] == [{"name": ["门诊楼考勤机", "急诊考勤机"], "location": ["", "一楼"]},
                                            {"active": [True, False]}]


def test_r_int_4_device_bad_input_and_other_roles(api_as, users, org, hr_company):
    client = api_as(users.hr)
    url = API + "attendance/devices/"
    assert "push_url" in _fields(client.post(url, {"name": "门禁", "department_id": org.emergency.pk,
                                                   "provisioning": "webhook"}, format="json"))
    assert "department_id" in _fields(client.post(url, {"name": "门禁", "department_id": org.company.pk},
                                                  format="json"))
    assert not Device.objects.exists()
    device = Device.objects.create(name="clock", department=org.emergency)
    assert "auth" in _fields(client.patch(f"{url}{device.pk}/", {"auth": "hmac"}, format="json"))  # rotate instead
    for user, status in ((users.er_manager, 403), (users.interviewer, 403), (hr_company, 404)):
        assert api_as(user).post(f"{url}{device.pk}/rotate-credential/").status_code == status
        assert api_as(user).post(f"{url}{device.pk}/deactivate/").status_code == status
    assert not AuditEvent.objects.filter(object_type="attendance.device").exists()


# -- pay bands, offer templates, checklist templates ------------------------------------------------------

def test_r_int_4_pay_band_create_update_and_ordering(api_as, users, org):
    client = api_as(users.hr)
    r = client.post(API + "onboarding/pay-bands/", {"department_id": org.emergency.pk, "job_level": "N2",
                                                    "minimum": "8000", "midpoint": "10000", "maximum": "13000"},
                    format="json")
    assert r.status_code == 201, r.content
    band = PayBand.objects.get(pk=r.json()["id"])
    assert band.currency == "CNY" and _audit("pay_band.create", band)
    bad = client.patch(f"{API}onboarding/pay-bands/{band.pk}/", {"maximum": "9000"}, format="json")
    assert "maximum" in _fields(bad)
    band.refresh_from_db()
    assert band.maximum == Decimal("13000")  # nothing half-saved
    bad = client.post(API + "onboarding/pay-bands/", {"department_id": org.emergency.pk, "job_level": "N3",
                                                      "minimum": "9000", "midpoint": "8000", "maximum": "10000"},
                      format="json")
    assert "midpoint" in _fields(bad) and not PayBand.objects.filter(job_level="N3").exists()
    ok = client.patch(f"{API}onboarding/pay-bands/{band.pk}/", {"maximum": "14000"}, format="json")
    assert ok.status_code == 200 and ok.json()["maximum"] == "14000.00"
    assert _audit("pay_band.update", band).changes == {"maximum": ["13000.00", "14000.00"]}


def test_r_int_4_offer_templates_per_department_and_for_everyone(api_as, users, org):
    hr = api_as(users.hr)
    url = API + "onboarding/offer-templates/"
    r = hr.post(url, {"name": "急诊录用", "department_id": org.emergency.pk, "probation_months": 6}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["benefits"] == OfferTemplate._meta.get_field("benefits").default
    assert "probation_months" in _fields(hr.post(url, {"name": "x", "department_id": org.emergency.pk,
                                                       "probation_months": 7}, format="json"))
    # a template for everyone reaches other organisations: not for HR of one organisation
    assert "department_id" in _fields(hr.post(url, {"name": "全院通用"}, format="json"))
    assert not OfferTemplate.objects.filter(name__in=["x", "全院通用"]).exists()
    everyone = api_as(users.director).post(url, {"name": "全院通用"}, format="json")
    assert everyone.status_code == 201 and everyone.json()["department_id"] is None
    tpl = OfferTemplate.objects.get(name="急诊录用")
    assert hr.patch(f"{url}{tpl.pk}/", {"active": False}, format="json").json()["active"] is False
    assert _audit("offer_template.update", tpl).changes == {"active": [True, False]}


def test_r_int_4_checklist_template_with_nested_items(api_as, users, org, jobs):
    client = api_as(users.hr)
    url = API + "onboarding/checklist-templates/"
    r = client.post(url, {"name": "急诊护士入职", "job_id": jobs.er.pk, "items": [
        {"category": "documents", "title": "护士执业证书", "owner_role": "candidate", "due_days": -3},
        {"category": "training", "title": "院感培训"}]}, format="json")
    assert r.status_code == 201, r.content
    tpl = ChecklistTemplate.objects.get(pk=r.json()["id"])
    assert tpl.department_id == org.emergency.pk  # a job's template belongs to the job's department
    assert [(i["title"], i["order"]) for i in r.json()["items"]] == [("护士执业证书", 1), ("院感培训", 2)]
    assert len(_audit("onboarding.checklist_template.create", tpl).changes["items"][1]) == 2

    bad = client.patch(f"{url}{tpl.pk}/", {"items": [{"category": "parties", "title": "x"}]}, format="json")
    assert "items" in _fields(bad)
    assert tpl.items.count() == 2
    replaced = client.patch(f"{url}{tpl.pk}/", {"items": [{"category": "equipment", "title": "工牌"}]},
                            format="json")
    assert replaced.status_code == 200 and [i["title"] for i in replaced.json()["items"]] == ["工牌"]
    assert list(ChecklistTemplateItem.objects.filter(template=tpl).values_list("title", flat=True)) == ["工牌"]
    change = _audit("onboarding.checklist_template.update", tpl).changes["items"]
    assert [i["title"] for i in change[0]] == ["护士执业证书", "院感培训"] and change[1][0]["title"] == "工牌"
    assert "job_id" in _fields(client.post(url, {"name": "x", "job_id": jobs.co.pk}, format="json"))


# -- shift templates, reminder policies, door groups, rooms -------------------------------------------------

def test_r_int_4_shift_templates_validate_times_and_keep_one_default(api_as, users):
    client = api_as(users.hr)
    url = API + "attendance/shift-templates/"
    day = client.post(url, {"name": "白班", "start_time": "09:00", "end_time": "18:00", "is_default": True},
                      format="json")
    assert day.status_code == 201, day.content
    night = client.post(url, {"name": "夜班", "kind": "night", "start_time": "20:00", "end_time": "08:00",
                              "is_default": True}, format="json")
    assert night.status_code == 201, night.content
    assert list(ShiftTemplate.objects.filter(is_default=True).values_list("name", flat=True)) == ["夜班"]
    assert _audit("attendance.shift_template.create", ShiftTemplate.objects.get(name="夜班")).changes[
        "default_cleared_on"] == [[day.json()["id"]], []]
    assert "end_time" in _fields(client.post(url, {"name": "x", "start_time": "20:00", "end_time": "08:00"},
                                             format="json"))
    assert "on_days" in _fields(client.post(url, {"name": "x", "kind": "on_call", "start_time": "08:00",
                                                  "end_time": "08:00", "cycle_days": 4, "on_days": [4]},
                                            format="json"))
    assert not ShiftTemplate.objects.filter(name="x").exists()
    tpl = ShiftTemplate.objects.get(name="白班")
    r = client.patch(f"{url}{tpl.pk}/", {"end_time": "17:30", "grace_minutes": 10}, format="json")
    assert r.status_code == 200 and r.json()["end_time"] == "17:30:00"
    assert _audit("attendance.shift_template.update", tpl).changes["end_time"] == ["18:00:00", "17:30:00"]
    assert tpl.start_time == dt.time(9)


def test_r_int_4_reminder_policies_per_job_and_default(api_as, users, jobs):
    client = api_as(users.hr)
    url = API + "interviews/reminder-policies/"
    steps = [{"key": "1d", "before_minutes": 1440, "channels": ["sms", "email"], "confirm": True}]
    r = client.post(url, {"job_id": jobs.er.pk, "steps": steps}, format="json")
    assert r.status_code == 201, r.content
    policy = ReminderPolicy.objects.get(pk=r.json()["id"])
    assert policy.steps == steps and _audit("reminder_policy.create", policy)
    assert "job_id" in _fields(client.post(url, {"job_id": jobs.er.pk, "steps": steps}, format="json"))  # taken
    assert "job_id" in _fields(client.post(url, {"job_id": jobs.co.pk, "steps": steps}, format="json"))
    assert "job_id" in _fields(client.post(url, {"steps": steps}, format="json"))  # the default: not HR's alone
    assert "steps" in _fields(client.post(url, {"job_id": jobs.co.pk, "steps": [
        {"before_minutes": 0, "channels": ["fax"]}]}, format="json"))
    assert "steps" in _fields(client.patch(f"{url}{policy.pk}/", {"steps": [
        {"key": "a", "before_minutes": 60, "channels": ["sms"]},
        {"key": "a", "before_minutes": 30, "channels": ["voice"]}]}, format="json"))
    assert ReminderPolicy.objects.count() == 1
    default = api_as(users.director).post(url, {"steps": steps, "escalate": False}, format="json")
    assert default.status_code == 201 and default.json()["job_id"] is None
    assert client.patch(f"{url}{policy.pk}/", {"escalate": False}, format="json").json()["escalate"] is False


def test_r_int_4_door_groups_and_rooms(api_as, users, org):
    client = api_as(users.hr)
    group = client.post(API + "attendance/door-groups/", {"department_id": org.emergency.pk, "code": "er-doors",
                                                          "name": "急诊门禁"}, format="json")
    assert group.status_code == 201, group.content
    dup = client.post(API + "attendance/door-groups/", {"department_id": org.emergency.pk, "code": "er-doors",
                                                        "name": "again"}, format="json")
    assert _fields(dup) and DoorAccessGroup.objects.count() == 1
    room = client.post(API + "interviews/rooms/", {"department_id": org.emergency.pk, "name": "面试室 1"},
                       format="json")
    assert room.status_code == 201, room.content
    moved = client.patch(f"{API}interviews/rooms/{room.json()['id']}/", {"department_id": org.company.pk},
                         format="json")
    assert "department_id" in _fields(moved)
    assert Room.objects.get().department_id == org.emergency.pk
    assert AuditEvent.objects.filter(action__in=["attendance.door_group.create", "room.create"]).count() == 2


def test_r_int_4_department_admin_writes_through_the_same_services(client, users, org):
    """The admin form offers only visible parents and keeps the tree rules; its save is audited like the API."""
    client.force_login(users.hr)
    url = "/admin/accounts/department/add/"
    refused = client.post(url, {"name": "外科", "code": "surgery", "kind": "department", "parent": org.company.pk})
    assert refused.status_code == 200 and not Department.objects.filter(code="surgery").exists()
    refused = client.post(url, {"name": "外科", "code": "surgery", "kind": "department", "parent": ""})
    assert refused.status_code == 200 and "parent" in refused.context["adminform"].form.errors
    saved = client.post(url, {"name": "外科", "code": "surgery", "kind": "department", "parent": org.hospital.pk})
    assert saved.status_code == 302, saved.content
    surgery = Department.objects.get(code="surgery")
    assert surgery.path == f"/{org.hospital.pk}/{surgery.pk}/"
    assert _audit("department.create", surgery).actor == users.hr
