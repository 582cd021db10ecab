"""ZKTeco time clocks through pyzk against a fake clock speaking the ZKTeco protocol over TCP (R-CN-3, R-INT-3):
logs pulled on a schedule into punches (device local time to UTC, per-device cursor, nothing stored twice, late
logs accepted), a clock that does not answer recorded and HR told, users pushed on activation and taken off on
suspension and revocation, the communication key never answered."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from attendance import services
from attendance.models import (
    DeliveryStatus,
    ProvisioningDelivery,
    Punch,
    PunchRejection,
    PunchSource,
    ZKTecoClock,
)
from attendance.services.zkteco import PULL_LOCK_CLASS
from hrsys.audit.models import AuditEvent
from hrsys.core.periodic import run_due_jobs
from notifications.models import Notification
from tests.attendance.factories import active_account
from tests.attendance.fake_zkteco import FakeZKTeco

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 11, 3, 4, 0, tzinfo=dt.UTC)  # 12:00 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")
API = "/api/v1/"


@pytest.fixture
def clock():
    fake = FakeZKTeco(comm_key=123456, serial="CKUP201560012")
    yield fake
    fake.close()


def zk_device(users, department, fake, *, name="门诊楼考勤机", **zkteco):
    device, _credential = services.device_create(
        actor=users.hr, name=name, department_id=department.pk, provisioning="zkteco",
        zkteco={"host": "127.0.0.1", "port": fake.port if fake else 1, "comm_key": "123456", **zkteco})
    return device


def pull(device):
    return services.zkteco_pull(device_id=device.pk, now=timezone.now())


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def test_r_cn_3_logs_become_punches_in_utc_and_a_second_pull_stores_nothing_twice(users, org, clock, now):
    """R-CN-3: each log of the clock becomes a punch of the account whose clock-in id is the clock's user id, its
    local wall-clock time converted to UTC; pulled again, nothing is stored twice (and nothing refused twice)."""
    wang = active_account(org.emergency, name="王芳")
    li = active_account(org.ward, name="李雷")
    device = zk_device(users, org.emergency, clock)
    clock.add_user(wang.clock_id, "王芳")
    clock.add_user(li.clock_id, "李雷")
    clock.punch(wang.clock_id, dt.datetime(2025, 11, 3, 8, 55), punch=0)
    clock.punch(li.clock_id, dt.datetime(2025, 11, 3, 9, 2), punch=0)
    clock.punch(wang.clock_id, dt.datetime(2025, 11, 2, 18, 5), punch=1)
    clock.punch("99999", dt.datetime(2025, 11, 3, 9, 30))  # the installer's test user: no account

    result = pull(device)
    assert result["status"] == "ok" and result["accepted"] == 3 and result["rejected"] == 1, result
    punches = {(p.account_id, p.punched_at, p.direction, p.source) for p in Punch.objects.filter(device=device)}
    assert punches == {
        (wang.pk, dt.datetime(2025, 11, 3, 0, 55, tzinfo=dt.UTC), "in", PunchSource.ZKTECO),
        (li.pk, dt.datetime(2025, 11, 3, 1, 2, tzinfo=dt.UTC), "in", PunchSource.ZKTECO),
        (wang.pk, dt.datetime(2025, 11, 2, 10, 5, tzinfo=dt.UTC), "out", PunchSource.ZKTECO),
    }
    assert PunchRejection.objects.get(device=device).reason == "unknown_account"
    state = ZKTecoClock.objects.get(device=device)
    assert state.cursor_at == dt.datetime(2025, 11, 3, 1, 30, tzinfo=dt.UTC) and state.last_pull_status == "ok"
    assert state.serial_number == "CKUP201560012"  # learnt from the clock at the first pull
    assert clock.enabled  # the keypad paused while reading is working again

    again = pull(device)
    assert again["status"] == "ok" and again["accepted"] == 0 and again["rejected"] == 0, again
    assert Punch.objects.filter(device=device).count() == 3 and PunchRejection.objects.count() == 1


def test_r_cn_3_a_late_log_older_than_the_cursor_is_stored(users, org, clock, now):
    """R-CN-3: a log that reaches the clock after newer ones were pulled (older than the cursor, never stored) is
    accepted at the next pull; logs in the clock's own time zone are converted from it."""
    wang = active_account(org.emergency)
    device = zk_device(users, org.emergency, clock, timezone="Asia/Tokyo")
    clock.add_user(wang.clock_id, "王芳")
    clock.punch(wang.clock_id, dt.datetime(2025, 11, 3, 10, 0))
    assert pull(device)["accepted"] == 1
    cursor = ZKTecoClock.objects.get(device=device).cursor_at
    assert cursor == dt.datetime(2025, 11, 3, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo

    clock.punch(wang.clock_id, dt.datetime(2025, 11, 3, 7, 30))  # late: before the cursor
    result = pull(device)
    assert result["accepted"] == 1 and result["duplicate"] == 0, result
    assert Punch.objects.filter(device=device, punched_at=dt.datetime(2025, 11, 2, 22, 30, tzinfo=dt.UTC)).exists()
    assert ZKTecoClock.objects.get(device=device).cursor_at == cursor  # the cursor never goes back


def test_r_cn_3_many_logs_read_in_chunks(users, org, clock, now):
    """R-CN-3: a clock holding more logs than one answer carries is read in chunks (read with buffer)."""
    wang = active_account(org.emergency)
    device = zk_device(users, org.emergency, clock)
    clock.add_user(wang.clock_id, "王芳")
    start = dt.datetime(2025, 10, 1, 8, 0)
    for n in range(120):
        clock.punch(wang.clock_id, start + dt.timedelta(hours=6 * n))
    result = pull(device)
    assert result["logs"] == 120 and result["accepted"] == 120, result
    assert 1504 in clock.commands  # chunks were read


def test_r_cn_3_clock_down_recorded_others_pulled_and_hr_told(users, org, clock, now, _no_pull_broker,
                                                              django_capture_on_commit_callbacks):
    """R-CN-3: the sweep hands every clock to the worker; a clock that does not answer is recorded (error, time,
    failures in a row), does not stop the others, is tried at its next turn, and HR is told once after
    ZKTECO_ALERT_AFTER_FAILURES failures in a row; a pull that works again clears it."""
    wang = active_account(org.emergency)
    up = zk_device(users, org.emergency, clock, name="一号机")
    down_fake = FakeZKTeco(comm_key=123456)
    down = zk_device(users, org.emergency, down_fake, name="二号机")
    down_fake.offline = True
    clock.add_user(wang.clock_id, "王芳")
    clock.punch(wang.clock_id, dt.datetime(2025, 11, 3, 8, 55))
    try:
        with django_capture_on_commit_callbacks(execute=True):
            results = run_due_jobs(now=timezone.now(), only=["attendance.zkteco_pull"])
        assert results["attendance.zkteco_pull"] == {"queued": 2}
        assert sorted(_no_pull_broker) == sorted([up.pk, down.pk])
        # not due again within ZKTECO_PULL_MINUTES
        assert run_due_jobs(now=timezone.now(), only=["attendance.zkteco_pull"])["attendance.zkteco_pull"] \
            == {"queued": 0}
        outcomes = {device_id: services.zkteco_pull(device_id=device_id) for device_id in _no_pull_broker}
        assert outcomes[down.pk]["status"] == "error" and outcomes[up.pk]["status"] == "ok"
        assert Punch.objects.filter(device=up).count() == 1
        state = ZKTecoClock.objects.get(device=down)
        assert state.failures == 1 and state.last_pull_status == "error" and state.last_error
        assert state.last_pull_at == timezone.now() and state.failing_since == timezone.now()

        def alerts():
            return Notification.objects.filter(related_type="attendance.device", related_id=str(down.pk))

        assert not alerts().exists()
        for _minute in range(3):
            services.zkteco_pull(device_id=down.pk)
        assert ZKTecoClock.objects.get(device=down).failures == 4
        assert alerts().filter(recipient_type="accounts.user", recipient_id=str(users.hr.pk)).count() == 2  # once per outage, in-app and e-mail

        down_fake.offline = False
        assert services.zkteco_pull(device_id=down.pk)["status"] == "ok"
        state = ZKTecoClock.objects.get(device=down)
        assert (state.failures, state.last_error, state.failing_since, state.last_pull_status) == (0, "", None, "ok")
    finally:
        down_fake.close()


def test_r_cn_3_wrong_comm_key_and_other_clock_refused(users, org, clock, now):
    """R-CN-3: a wrong communication key, or a clock answering with another serial number than configured, is a
    failed pull, and nothing is stored."""
    wang = active_account(org.emergency)
    clock.add_user(wang.clock_id, "王芳")
    clock.punch(wang.clock_id, dt.datetime(2025, 11, 3, 8, 55))
    wrong_key = zk_device(users, org.emergency, clock, name="钥匙错", comm_key="654321")
    assert pull(wrong_key)["status"] == "error"
    assert "Unauthenticated" in ZKTecoClock.objects.get(device=wrong_key).last_error
    other = zk_device(users, org.emergency, clock, name="换了机器", serial_number="CKUP000000000")
    assert pull(other)["status"] == "error"
    assert "serial number mismatch" in ZKTecoClock.objects.get(device=other).last_error
    assert not Punch.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pull lock is a PostgreSQL advisory lock")
def test_r_cn_3_a_clock_pulled_elsewhere_is_skipped(users, org, clock, now):
    """R-CN-3: while another worker holds the clock's pull lock, a second pull does nothing."""
    from django.db import connections

    device = zk_device(users, org.emergency, clock)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [PULL_LOCK_CLASS, device.pk])
        assert pull(device) == {"status": "busy"}
        assert not clock.commands
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [PULL_LOCK_CLASS, device.pk])
    finally:
        other.close()
    assert pull(device)["status"] == "ok"


def test_r_cn_3_provisioning_pushes_the_user_and_suspension_takes_it_off(users, org, clock, now, _no_broker):
    """R-CN-3: an activated account is set as a normal user of every ZKTeco clock of its department (clock-in id
    as user id, the name for the screen); suspended, it is deleted from the clock; resumed, added again; an
    unreachable clock is retried with back-off and the delivery shows it to HR."""
    device = zk_device(users, org.emergency, clock)
    elsewhere = zk_device(users, org.it, None, name="信息科考勤机")  # another department: not pushed
    clock.add_user("00000777", "管理员", privilege=14)
    account = active_account(org.ward, name="张晓明")
    services.attendance_account_suspend(actor=users.hr, account_id=account.pk, reason="调岗")
    services.attendance_account_resume(actor=users.hr, account_id=account.pk)
    upsert = ProvisioningDelivery.objects.get(account=account, action="upsert")
    assert upsert.device == device and not ProvisioningDelivery.objects.filter(device=elsewhere).exists()

    assert services.provisioning_deliver(delivery_id=upsert.pk) == DeliveryStatus.SENT
    user = clock.user(account.clock_id)
    assert user is not None and user.name == "张晓明" and user.privilege == 0 and user.uid == 2
    assert clock.user("00000777").privilege == 14  # the clock's own administrator untouched
    # pushed twice (a redelivery): the same slot, no second user
    services.provisioning_deliver(delivery_id=ProvisioningDelivery.objects.create(
        device=device, account=account, action="upsert", payload=upsert.payload).pk)
    assert [u.uid for u in clock.users.values() if u.user_id == account.clock_id] == [2]

    services.attendance_account_suspend(actor=users.hr, account_id=account.pk, reason="停职")
    delete = ProvisioningDelivery.objects.filter(account=account, action="delete").latest("pk")
    clock.offline = True
    assert services.provisioning_deliver(delivery_id=delete.pk) == DeliveryStatus.PENDING
    delete.refresh_from_db()
    assert delete.last_error and delete.attempt_log.get().outcome == "transient_error"
    assert clock.user(account.clock_id) is not None
    clock.offline = False
    assert services.provisioning_deliver(delivery_id=delete.pk, now=delete.next_attempt_at) == DeliveryStatus.SENT
    assert clock.user(account.clock_id) is None and clock.user("00000777") is not None


def test_r_cn_3_revoked_account_taken_off_the_clock(users, org, clock, now):
    """R-CN-3: revoking a working account deletes its user from the clock (fingerprints and card with it)."""
    device = zk_device(users, org.emergency, clock)
    account = active_account(org.emergency, name="王芳")
    clock.add_user(account.clock_id, "王芳", card=4412)
    services.attendance_account_revoke(actor=users.hr, account_id=account.pk, reason="离职")
    delivery = ProvisioningDelivery.objects.get(account=account, device=device)
    assert delivery.payload["action"] == "delete"
    assert services.provisioning_deliver(delivery_id=delivery.pk) == DeliveryStatus.SENT
    assert clock.user(account.clock_id) is None


def test_r_cn_3_r_int_3_device_api_configures_a_clock_and_never_answers_its_key(api_as, users, org):
    """R-CN-3, R-INT-3: a ZKTeco clock is configured over the device API; its communication key is write-only
    (stored encrypted, answered as has_comm_key, absent from the audit trail); bad settings are a 400 naming the
    field and save nothing."""
    client = api_as(users.hr)
    r = client.post(API + "attendance/devices/", {
        "name": "急诊考勤机", "department_id": org.emergency.pk, "provisioning": "zkteco",
        "zkteco": {"host": "10.0.3.21", "comm_key": "808080", "timezone": "Asia/Shanghai"}}, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["zkteco"]["host"] == "10.0.3.21" and body["zkteco"]["port"] == 4370
    assert body["zkteco"]["has_comm_key"] is True and "808080" not in r.content.decode()
    device_id = body["id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT comm_key FROM attendance_zktecoclock WHERE device_id = %s", [device_id])
        assert "808080" not in cursor.fetchone()[0]
    read = client.get(f"{API}attendance/devices/{device_id}/")
    assert read.status_code == 200 and "808080" not in read.content.decode() and "comm_key" not in read.json()["zkteco"]

    changed = client.patch(f"{API}attendance/devices/{device_id}/", {"zkteco": {"port": 4371}}, format="json")
    assert changed.status_code == 200, changed.content
    clock = ZKTecoClock.objects.get(device_id=device_id)
    assert clock.port == 4371 and clock.comm_key == "808080"  # the key kept
    assert all("808080" not in str(a.changes) for a in AuditEvent.objects.filter(action__startswith="attendance.device"))

    bad = client.patch(f"{API}attendance/devices/{device_id}/", {"zkteco": {"timezone": "Mars/Olympus"}},
                       format="json")
    assert bad.status_code == 400 and "zkteco.timezone" in bad.json()["error"]["fields"], bad.content
    assert ZKTecoClock.objects.get(device_id=device_id).timezone == "Asia/Shanghai"
    missing = client.post(API + "attendance/devices/", {"name": "x", "department_id": org.emergency.pk,
                                                        "provisioning": "zkteco"}, format="json")
    assert missing.status_code == 400 and "zkteco" in missing.json()["error"]["fields"]


def test_r_cn_3_console_defaults_nothing_to_pull(users, org, now):
    """R-CN-3: without ZKTeco clocks the sweep does nothing (and the other devices are not touched)."""
    services.device_create(actor=users.hr, name="token clock", department_id=org.emergency.pk)
    assert run_due_jobs(now=timezone.now(), only=["attendance.zkteco_pull"])["attendance.zkteco_pull"] \
        == {"queued": 0}


def test_r_cn_3_admin_adds_a_clock_with_its_connection_and_never_shows_the_key(client, users, org):
    """R-CN-3: in the admin a ZKTeco clock is added with its connection (through the device services, audited);
    the communication key is never rendered again and an empty key field keeps it."""
    client.force_login(users.admin)
    form = {"name": "行政楼考勤机", "kind": "clock", "department": org.emergency.pk, "location": "", "auth": "token",
            "provisioning": "zkteco", "push_url": "", "active": "on",
            "zkteco-TOTAL_FORMS": "1", "zkteco-INITIAL_FORMS": "0", "zkteco-MIN_NUM_FORMS": "0",
            "zkteco-MAX_NUM_FORMS": "1", "zkteco-0-host": "10.0.3.30", "zkteco-0-port": "4370",
            "zkteco-0-comm_key": "246810", "zkteco-0-transport": "tcp", "zkteco-0-serial_number": "",
            "zkteco-0-timezone": "Asia/Shanghai"}
    r = client.post("/admin/attendance/device/add/", form)
    assert r.status_code == 302, r.content.decode()[:3000]
    clock = ZKTecoClock.objects.get(host="10.0.3.30")
    assert clock.comm_key == "246810" and clock.device.provisioning == "zkteco"
    assert AuditEvent.objects.filter(action="attendance.device.zkteco").exists()
    page = client.get(f"/admin/attendance/device/{clock.device_id}/change/")
    assert page.status_code == 200 and "246810" not in page.content.decode()
    change = {**form, "zkteco-INITIAL_FORMS": "1", "zkteco-0-id": clock.pk, "zkteco-0-device": clock.device_id,
              "zkteco-0-comm_key": "", "zkteco-0-port": "4371"}
    r = client.post(f"/admin/attendance/device/{clock.device_id}/change/", change)
    assert r.status_code == 302, r.content.decode()[:3000]
    clock.refresh_from_db()
    assert clock.port == 4371 and clock.comm_key == "246810"


def test_r_cn_3_udp_clock_pulled_in_chunks_and_provisioned(users, org, clock, now):
    """R-CN-3: a clock reached over UDP: logs read in 1 KB datagrams, a user written in the older 28-byte layout
    (its user id a number: the clock-in id's zeros restored when its logs come back)."""
    device = zk_device(users, org.emergency, clock, transport="udp")
    account = active_account(org.emergency, name="王芳")
    services.attendance_account_suspend(actor=users.hr, account_id=account.pk, reason="x")
    services.attendance_account_resume(actor=users.hr, account_id=account.pk)
    upsert = ProvisioningDelivery.objects.get(account=account, device=device, action="upsert")
    assert services.provisioning_deliver(delivery_id=upsert.pk) == DeliveryStatus.SENT
    assert clock.user(str(int(account.clock_id))) is not None  # the 28-byte record keeps a number
    for n in range(40):
        clock.punch(str(int(account.clock_id)), dt.datetime(2025, 10, 20, 8, 0) + dt.timedelta(hours=8 * n))
    result = pull(device)
    assert result["status"] == "ok" and result["accepted"] == 40, result
    assert Punch.objects.filter(device=device, account=account).count() == 40
