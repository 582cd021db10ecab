"""A ZKTeco clock wired in the browser (R-CN-3, R-INT-3): HR adds the clock of the emergency department in the admin
(address, communication key, time zone), the scheduled pull reads its logs (a fake clock speaking the ZKTeco
protocol, as the worker would reach a real one), and HR sees the pull's outcome on the clock's page and the punches
in the list, in Beijing time; the key is never shown again. Screenshots (zh-hans) go to artifacts/screenshots/."""

import datetime as dt

import pytest
from django.utils import timezone

from attendance import services
from attendance.models import Punch, ZKTecoClock
from tests.attendance.factories import active_account
from tests.attendance.fake_zkteco import FakeZKTeco
from tests.browser.staff import staff_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("message_templates")]


def test_hr_wires_a_zkteco_clock_and_sees_its_punches(live_server, browser, shot, users, org):
    clock = FakeZKTeco(comm_key=135790, serial="CKUP201560012")
    try:
        wang = active_account(org.emergency, name="王芳")
        clock.add_user(wang.clock_id, "王芳")
        # a quarter of an hour ago on the clock's wall clock (Beijing time)
        this_morning = (timezone.localtime() - dt.timedelta(minutes=15)).replace(second=0, microsecond=0, tzinfo=None)
        clock.punch(wang.clock_id, this_morning, punch=0)

        context, page = staff_login(browser, live_server, users.hr)
        page.goto(f"{live_server.url}/admin/attendance/device/add/")
        page.fill("#id_name", "急诊楼考勤机")
        page.select_option("#id_department", str(org.emergency.pk))
        page.select_option("#id_provisioning", "zkteco")
        page.click(".inline-group .add-row a")  # the clock's connection: one inline form
        page.fill("#id_zkteco-0-host", "127.0.0.1")
        page.fill("#id_zkteco-0-port", str(clock.port))
        page.fill("#id_zkteco-0-comm_key", "135790")
        shot(page, "zkteco-01-hr-adds-clock")
        page.click("input[name=_continue]")
        page.wait_for_selector(".messagelist")
        state = ZKTecoClock.objects.get(host="127.0.0.1")
        assert "135790" not in page.content()  # the communication key is write-only

        # the scheduled pull (the worker's task), then the clock's page and the punch list
        result = services.zkteco_pull(device_id=state.device_id, now=timezone.now())
        assert result["status"] == "ok" and result["accepted"] == 1, result
        page.reload()
        assert "CKUP201560012" in page.content()  # the serial number, learnt from the clock at the first pull
        assert "拉取成功" in page.inner_text(".field-last_pull_status")  # the outcome in words
        shot(page, "zkteco-02-clock-after-pull")
        punch = Punch.objects.get(account=wang)
        assert timezone.localtime(punch.punched_at).replace(tzinfo=None) == this_morning
        page.goto(f"{live_server.url}/admin/attendance/punch/")
        assert f"{this_morning:%H:%M}" in page.inner_text("#result_list")  # in Beijing time, as the clock showed it
        shot(page, "zkteco-03-punches")
        context.close()
    finally:
        clock.close()
