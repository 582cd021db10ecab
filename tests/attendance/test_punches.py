"""Punches from devices: per-device authentication, batches, idempotency, late and out-of-order uploads,
rejections with reasons, CSV import (R-ATT-3)."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from attendance import services
from attendance.models import AttendanceAccount, DailyResult, Punch, PunchRejection
from tests.attendance.factories import (
    active_account,
    day_shift,
    device_headers,
    local,
    punch,
    signed,
    token_device,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/attendance/punches/"
NOW = dt.datetime(2025, 11, 12, 10, 0, tzinfo=dt.UTC)  # Wednesday 18:00 in Shanghai


@pytest.fixture
def setup(users, org, time_machine):
    time_machine.move_to(NOW, tick=False)
    day_shift()
    account = active_account(org.emergency, effective=dt.date(2025, 11, 3))
    device, token = token_device(users.hr, org.emergency)
    return type("S", (), {"account": account, "device": device, "token": token})


def post(client, payload, headers):
    return client.post(URL, data=json.dumps(payload), content_type="application/json", **headers)


def test_r_att_3_batch_accepted_and_reupload_never_double_counted(client, setup):
    day = dt.date(2025, 11, 10)
    batch = [punch(setup.account, 1, local(day, 9, 2)), punch(setup.account, 2, local(day, 18, 5)),
             punch(setup.account, 2, local(day, 18, 5))]  # duplicate inside the batch
    r = post(client, {"punches": batch}, device_headers(setup.token))
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (2, 1, 0)
    assert [x["status"] for x in body["results"]] == ["accepted", "accepted", "duplicate"]
    again = post(client, {"punches": batch[:2]}, device_headers(setup.token)).json()
    assert (again["accepted"], again["duplicate"]) == (0, 2)
    assert Punch.objects.count() == 2
    assert DailyResult.objects.filter(account=setup.account, work_date=day, stale=True).exists()


def test_r_att_3_rejections_reported_per_punch(client, setup, users, org):
    scheduled = AttendanceAccount.objects.create(department=org.emergency, holder_name="未入职",
                                                 effective_date=dt.date(2025, 12, 1), clock_id="S1")
    other = active_account(org.it, name="信息科员工", effective=dt.date(2025, 11, 3))  # outside the device's department
    now_local = timezone.localtime(NOW)
    batch = [
        punch(setup.account, 10, now_local + dt.timedelta(minutes=4)),   # within tolerance
        punch(setup.account, 11, now_local + dt.timedelta(minutes=6)),   # future beyond tolerance
        {"sequence": "12", "clock_id": "nobody", "time": now_local.isoformat()},
        {"sequence": "13", "clock_id": "S1", "time": now_local.isoformat()},
        punch(other, 14, now_local),
        {"sequence": "15", "clock_id": setup.account.clock_id, "time": "yesterday-ish"},
        {"clock_id": setup.account.clock_id, "time": now_local.isoformat()},  # no sequence
        punch(setup.account, 16, now_local - dt.timedelta(days=400)),
    ]
    body = post(client, {"punches": batch}, device_headers(setup.token)).json()
    reasons = [(x["status"], x.get("reason")) for x in body["results"]]
    assert reasons == [("accepted", None), ("rejected", "future_timestamp"), ("rejected", "unknown_account"),
                       ("rejected", "inactive_account"), ("rejected", "unknown_account"),
                       ("rejected", "bad_timestamp"), ("rejected", "invalid"), ("rejected", "too_old")]
    assert all(x["message"] for x in body["results"] if x["status"] == "rejected")
    assert Punch.objects.count() == 1 and PunchRejection.objects.count() == 7
    assert scheduled.punches.count() == 0


@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Device nope"}, {"HTTP_X_DEVICE_ID": "999",
                                                                               "HTTP_X_TIMESTAMP": "1",
                                                                               "HTTP_X_SIGNATURE": "x"}])
def test_r_att_3_unknown_device_401(client, setup, headers):
    r = post(client, {"punches": [punch(setup.account, 1, local(dt.date(2025, 11, 10), 9))]}, headers)
    assert r.status_code == 401
    assert not Punch.objects.exists()


def test_r_att_3_inactive_device_401(client, setup):
    setup.device.active = False
    setup.device.save()
    r = post(client, {"punches": [punch(setup.account, 1, local(dt.date(2025, 11, 10), 9))]},
             device_headers(setup.token))
    assert r.status_code == 401


def test_r_att_3_staff_login_is_not_a_device(api_as, users, setup):
    r = api_as(users.hr).post(URL, {"punches": [punch(setup.account, 1, local(dt.date(2025, 11, 10), 9))]},
                              format="json")
    assert r.status_code == 401


def test_r_att_3_hmac_device_and_bad_signature(client, setup, users, org):
    device, secret = services.device_create(actor=users.hr, name="门禁", department_id=org.emergency.pk, kind="door",
                                            auth="hmac")
    payload = {"punches": [punch(setup.account, 1, local(dt.date(2025, 11, 10), 9))]}
    body, headers = signed(device, secret, payload)
    assert client.post(URL, data=body, content_type="application/json", **headers).json()["accepted"] == 1
    body, headers = signed(device, "wrong secret", payload)
    assert client.post(URL, data=body, content_type="application/json", **headers).status_code == 401
    body, headers = signed(device, secret, payload)
    tampered = body.replace(b'"1"', b'"2"')
    assert client.post(URL, data=tampered, content_type="application/json", **headers).status_code == 401
    body, headers = signed(device, secret, payload, timestamp=NOW.timestamp() - 3600)  # replayed later
    assert client.post(URL, data=body, content_type="application/json", **headers).status_code == 401
    assert Punch.objects.count() == 1


def test_r_att_3_batch_limit_and_bad_shape(client, setup, settings):
    settings.ATTENDANCE_MAX_BATCH = 3
    batch = [punch(setup.account, n, local(dt.date(2025, 11, 10), 9)) for n in range(4)]
    r = post(client, {"punches": batch}, device_headers(setup.token))
    assert r.status_code == 400 and "punches" in r.json()["error"]["fields"]
    r = post(client, {"punches": [], "extra": 1}, device_headers(setup.token))
    assert r.status_code == 400 and set(r.json()["error"]["fields"]) == {"punches", "extra"}


def test_r_att_3_a_punch_that_is_not_an_object_refuses_the_batch(client, setup):
    batch = [punch(setup.account, 1, local(dt.date(2025, 11, 10), 9)), "2025-11-10 18:00"]
    r = post(client, {"punches": batch}, device_headers(setup.token))
    assert r.status_code == 400 and "punches" in r.json()["error"]["fields"]
    assert not Punch.objects.exists()


def test_r_att_3_a_bad_item_is_named_and_nothing_is_stored(client, setup):
    """Items that are not objects are each named by their position (null and a list included)."""
    good = punch(setup.account, 1, local(dt.date(2025, 11, 10), 9))
    r = post(client, {"punches": [good, None, good, [good]]}, device_headers(setup.token))
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]["punches"]) == {"1", "3"}
    assert not Punch.objects.exists() and not DailyResult.objects.exists()


def test_r_att_3_upload_marks_exactly_the_days_of_the_new_punches(client, setup, org):
    """A stored punch marks its local day and the day before (a night shift may end after midnight), never a
    day before the account's first day; a computed day turns stale again; rejected punches and re-sent ones
    mark nothing."""
    dept = org.emergency.pk
    newcomer = active_account(org.emergency, name="新同事", effective=dt.date(2025, 11, 7))
    DailyResult.objects.create(account=setup.account, department=org.emergency, work_date=dt.date(2025, 11, 5),
                               stale=False, status="present", computed_at=NOW)
    batch = [punch(setup.account, 1, local(dt.date(2025, 11, 6), 0, 30)),  # 11-06, and 11-05 turns stale again
             punch(setup.account, 2, local(dt.date(2025, 11, 6), 8, 55)),  # the same two days, once
             punch(newcomer, 3, local(dt.date(2025, 11, 7), 9)),  # the first day: not the day before
             punch(newcomer, 4, local(dt.date(2025, 11, 9), 23, 59)),  # 11-09 and 11-08
             {"sequence": "5", "clock_id": "nobody", "time": local(dt.date(2025, 11, 3), 9).isoformat()},
             punch(setup.account, 6, local(dt.date(2025, 11, 3), 9) + dt.timedelta(days=400))]  # in the future
    body = post(client, {"punches": batch}, device_headers(setup.token)).json()
    assert (body["accepted"], body["rejected"]) == (4, 2)
    days = set(DailyResult.objects.values_list("account_id", "department_id", "work_date", "stale"))
    assert days == {(setup.account.pk, dept, dt.date(2025, 11, d), True) for d in (5, 6)} | {
        (newcomer.pk, dept, dt.date(2025, 11, d), True) for d in (7, 8, 9)}
    DailyResult.objects.update(stale=False)
    again = post(client, {"punches": batch}, device_headers(setup.token)).json()
    assert (again["accepted"], again["duplicate"], again["rejected"]) == (0, 4, 2)
    assert not DailyResult.objects.filter(stale=True).exists() and DailyResult.objects.count() == 5


def test_r_att_3_device_last_seen_follows_uploads_to_the_minute(client, setup, time_machine):
    """Every upload locks the device row; "last seen" is written when it is a minute old or more."""
    day = dt.date(2025, 11, 10)
    post(client, {"punches": [punch(setup.account, 1, local(day, 9))]}, device_headers(setup.token))
    setup.device.refresh_from_db()
    assert setup.device.last_seen_at == NOW
    time_machine.move_to(NOW + dt.timedelta(seconds=50), tick=False)
    post(client, {"punches": [punch(setup.account, 2, local(day, 12))]}, device_headers(setup.token))
    setup.device.refresh_from_db()
    assert setup.device.last_seen_at == NOW
    time_machine.move_to(NOW + dt.timedelta(seconds=61), tick=False)
    post(client, {"punches": [punch(setup.account, 3, local(day, 18))]}, device_headers(setup.token))
    setup.device.refresh_from_db()
    assert setup.device.last_seen_at == NOW + dt.timedelta(seconds=61)
    assert Punch.objects.count() == 3


def test_r_att_3_upload_queries_do_not_grow_with_the_batch(client, setup, django_assert_max_num_queries):
    """Punches, duplicates and the days to recompute are written per batch, never per punch."""
    days = [dt.date(2025, 11, 3) + dt.timedelta(days=n) for n in range(8)]
    batch = [punch(setup.account, 100 + n, local(day, hour)) for n, (day, hour) in
             enumerate((d, h) for d in days for h in (9, 12, 18))]
    with django_assert_max_num_queries(9):  # the first upload also writes the device's "last seen"
        body = post(client, {"punches": batch + batch[:5]}, device_headers(setup.token)).json()
    assert (body["accepted"], body["duplicate"]) == (24, 5)
    stale_days = set(DailyResult.objects.filter(account=setup.account, stale=True).values_list("work_date", flat=True))
    assert stale_days == set(days)  # and the day before each, except before the account's first day
    with django_assert_max_num_queries(8):
        again = post(client, {"punches": batch}, device_headers(setup.token)).json()
    assert (again["accepted"], again["duplicate"]) == (0, 24)


def test_r_att_3_late_out_of_order_upload_recomputes_the_day(client, setup, time_machine):
    day = dt.date(2025, 11, 10)
    post(client, {"punches": [punch(setup.account, 5, local(day, 18, 1))]}, device_headers(setup.token))
    services.daily_results_refresh(now=NOW)
    row = DailyResult.objects.get(account=setup.account, work_date=day)
    assert row.status == "incomplete" and not row.stale
    # the morning punch arrives two days late, after a later sequence number
    post(client, {"punches": [punch(setup.account, 3, local(day, 9, 20))]}, device_headers(setup.token))
    row.refresh_from_db()
    assert row.stale
    services.daily_results_refresh(now=NOW)
    row.refresh_from_db()
    assert (row.status, row.late_minutes, row.stale) == ("present", 20, False)


def test_r_att_3_results_sweep_fills_absences_and_waits_for_the_shift_end(setup):
    out = services.daily_results_refresh(now=NOW)
    assert out["rows_created"] > 0
    statuses = dict(DailyResult.objects.filter(account=setup.account).values_list("work_date", "status"))
    assert statuses[dt.date(2025, 11, 10)] == "absent"
    assert statuses[dt.date(2025, 11, 8)] == "off"  # Saturday
    assert dt.date(2025, 11, 12) not in statuses  # today is not over


def test_r_att_3_csv_import_with_row_errors(api_as, users, setup):
    csv_text = ("clock_id,time,sequence\n"
                f"{setup.account.clock_id},2025-11-10 09:01:00,\n"
                f"{setup.account.clock_id},2025-11-10 18:03:00,\n"
                f"{setup.account.clock_id},not a time,\n"
                "ghost,2025-11-10 09:00:00,\n"
                f"{setup.account.clock_id},2025-11-10 09:01:00,\n")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("export.csv", csv_text.encode("utf-8-sig"), content_type="text/csv")
    r = api_as(users.hr).post(f"/api/v1/attendance/devices/{setup.device.pk}/import/", {"file": upload},
                              format="multipart")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (2, 1, 2)
    assert [(e["line"], e["reason"]) for e in body["errors"]] == [(4, "bad_timestamp"), (5, "unknown_account")]
    first = Punch.objects.order_by("punched_at").first()
    assert first.punched_at == local(dt.date(2025, 11, 10), 9, 1) and first.source == "file"


def test_r_att_3_csv_missing_columns_400(api_as, users, setup):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("export.csv", b"who,when\n1,2\n", content_type="text/csv")
    r = api_as(users.hr).post(f"/api/v1/attendance/devices/{setup.device.pk}/import/", {"file": upload},
                              format="multipart")
    assert r.status_code == 400 and "file" in r.json()["error"]["fields"]


def test_r_sec_1_import_outside_scope_404(api_as, users, org, setup):
    """R-SEC-1: HR of the IT department may import punches, but not into the emergency department's clock (404,
    nothing stored); a manager may not import at all (403)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import UserFactory

    def upload():
        row = f"clock_id,time\n{setup.account.clock_id},2025-11-12 08:55:00\n"
        return {"file": SimpleUploadedFile("export.csv", row.encode(), content_type="text/csv")}

    url = f"/api/v1/attendance/devices/{setup.device.pk}/import/"
    it_hr = UserFactory(username="it_hr", role="hr_staff", departments=[org.it])
    assert api_as(it_hr).post(url, upload(), format="multipart").status_code == 404
    assert api_as(users.it_manager).post(url, upload(), format="multipart").status_code == 403
    assert not Punch.objects.exists()
    assert api_as(users.hr).post(url, upload(), format="multipart").json()["accepted"] == 1
