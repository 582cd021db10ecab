"""The rules engine as a pure function: lateness, early leave, absence, overtime, night shifts across midnight,
public holidays and make-up working days, on-call rotations (R-ATT-3, R-HOSP-1)."""

import datetime as dt

from attendance.rules import ShiftSpec, evaluate_day, is_working_day
from tests.attendance.factories import local

DAY = ShiftSpec(start=dt.time(9), end=dt.time(18), grace_minutes=5)
NIGHT = ShiftSpec(start=dt.time(20), end=dt.time(8), grace_minutes=5, follows_public_calendar=False)
MONDAY = dt.date(2025, 11, 3)


def test_r_att_3_on_time_day():
    out = evaluate_day(day=MONDAY, shift=DAY, punches=[local(MONDAY, 8, 55), local(MONDAY, 18, 2)])
    assert out.status == "present" and out.late_minutes == 0 and out.early_leave_minutes == 0


def test_r_att_3_within_grace_is_not_late_and_beyond_grace_is():
    assert evaluate_day(day=MONDAY, shift=DAY, punches=[local(MONDAY, 9, 5), local(MONDAY, 18)]).late_minutes == 0
    out = evaluate_day(day=MONDAY, shift=DAY, punches=[local(MONDAY, 9, 6), local(MONDAY, 18)])
    assert out.late_minutes == 6


def test_r_att_3_early_leave_and_overtime():
    out = evaluate_day(day=MONDAY, shift=DAY, punches=[local(MONDAY, 9), local(MONDAY, 17, 30)])
    assert out.early_leave_minutes == 30 and out.overtime_minutes == 0
    out = evaluate_day(day=MONDAY, shift=DAY, punches=[local(MONDAY, 9), local(MONDAY, 20)])
    assert out.overtime_minutes == 120
    out = evaluate_day(day=MONDAY, shift=DAY, punches=[local(MONDAY, 9), local(MONDAY, 18, 20)])
    assert out.overtime_minutes == 0  # under the 30-minute threshold


def test_r_att_3_absence_and_single_punch():
    assert evaluate_day(day=MONDAY, shift=DAY, punches=[]).status == "absent"
    out = evaluate_day(day=MONDAY, shift=DAY, punches=[local(MONDAY, 9, 30)])
    assert out.status == "incomplete" and out.late_minutes == 30


def test_r_att_3_order_and_duplicates_do_not_matter():
    punches = [local(MONDAY, 18), local(MONDAY, 9, 20), local(MONDAY, 9, 20), local(MONDAY, 12)]
    out = evaluate_day(day=MONDAY, shift=DAY, punches=punches)
    assert out.late_minutes == 20 and out.last_out == local(MONDAY, 18)


def test_r_hosp_1_night_shift_across_midnight():
    night = MONDAY
    morning = night + dt.timedelta(days=1)
    out = evaluate_day(day=night, shift=NIGHT, punches=[local(night, 20, 12), local(morning, 8, 1)])
    assert out.status == "present" and out.late_minutes == 12 and out.early_leave_minutes == 0
    assert out.worked_minutes == 11 * 60 + 49
    # the morning punch does not make the next night "present"
    assert evaluate_day(day=morning, shift=NIGHT, punches=[local(morning, 8, 1)]).status == "absent"
    out = evaluate_day(day=night, shift=NIGHT, punches=[local(night, 19, 58), local(morning, 6, 0)])
    assert out.early_leave_minutes == 120


def test_r_att_3_public_holiday_and_make_up_day():
    national_day = dt.date(2025, 10, 1)  # Wednesday, holiday
    make_up = dt.date(2025, 9, 28)  # Sunday, a working day
    assert evaluate_day(day=national_day, shift=DAY, punches=[]).status == "holiday"
    assert evaluate_day(day=make_up, shift=DAY, punches=[]).status == "absent"
    assert evaluate_day(day=dt.date(2025, 11, 8), shift=DAY, punches=[]).status == "off"  # Saturday
    worked = evaluate_day(day=national_day, shift=DAY, punches=[local(national_day, 9), local(national_day, 13)])
    assert worked.overtime_minutes == 240


def test_r_hosp_1_on_call_rotation_ignores_holidays():
    on_call = ShiftSpec(start=dt.time(8), end=dt.time(8), follows_public_calendar=False, cycle_days=4, on_days=(0,),
                        cycle_start=dt.date(2025, 9, 30))
    assert is_working_day(on_call, dt.date(2025, 9, 30))[0]
    assert not is_working_day(on_call, dt.date(2025, 10, 1))[0]
    assert is_working_day(on_call, dt.date(2025, 10, 4))[0]  # holiday week: duty still rotates
    out = evaluate_day(day=dt.date(2025, 10, 4), shift=on_call,
                       punches=[local(dt.date(2025, 10, 4), 7, 50), local(dt.date(2025, 10, 5), 8, 10)])
    assert out.status == "present" and out.late_minutes == 0


def test_r_att_3_leave_day_is_not_absence():
    assert evaluate_day(day=MONDAY, shift=DAY, punches=[], on_leave=True).status == "leave"


def test_no_shift_is_off():
    assert evaluate_day(day=MONDAY, shift=None, punches=[local(MONDAY, 9)]).status == "off"
