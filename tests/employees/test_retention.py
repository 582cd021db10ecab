"""Employee files after exit in the retention sweep: anonymised after the period, kept under a legal hold
(R-SEC-5)."""

import datetime as dt

import pytest
from django.utils import timezone

from candidates.services import legal_hold_place
from employees import services
from employees.models import Employee
from hrsys.privacy.models import RetentionSweep
from hrsys.privacy.services import retention_policy_set, retention_sweep_run
from tests.attendance.factories import local
from tests.onboarding.factories import band, interviewing_app
from tests.onboarding_cases.test_cases import accept

pytestmark = pytest.mark.django_db


def _left(users, org, time_machine):
    band(org.emergency)
    case = accept(users, interviewing_app(org.emergency))
    time_machine.move_to(local(case.start_date, 8), tick=False)
    employee = services.employee_create(actor=users.hr, case_id=case.pk)
    last_day = case.start_date + dt.timedelta(days=30)
    services.employee_exit(actor=users.hr, employee_id=employee.pk, last_day=last_day, reason="commute",
                           note="家里搬到外地")
    return employee, last_day


def _sweep(day):
    now = timezone.now()
    return retention_sweep_run(sweep_id=RetentionSweep.objects.create(day=day).pk, now=now)


def test_r_sec_5_an_employee_file_is_anonymised_after_the_period_keeping_the_statistics(users, org, time_machine):
    employee, last_day = _left(users, org, time_machine)
    retention_policy_set(actor=users.director, organization=org.hospital, data_class_key="employee_files", days=400)
    time_machine.move_to(local(last_day + dt.timedelta(days=399), 3), tick=False)
    assert _sweep(last_day + dt.timedelta(days=399))["employee_files"] == 0
    time_machine.move_to(local(last_day + dt.timedelta(days=401), 3), tick=False)
    assert _sweep(last_day + dt.timedelta(days=401))["employee_files"] == 1
    employee = Employee.objects.get(pk=employee.pk)
    assert employee.anonymised_at and employee.name == "—" and employee.phone == "" and employee.id_number == ""
    assert employee.exit_note == "" and employee.profile == {} and employee.monthly_salary == 0
    assert (employee.exit_date, employee.attrition_reason, employee.department_id) == (
        last_day, "commute", org.emergency.pk)  # what the attrition figures need stays


def test_r_sec_5_a_legal_hold_on_the_candidate_keeps_the_employee_file(users, org, time_machine):
    employee, last_day = _left(users, org, time_machine)
    legal_hold_place(actor=users.hr, candidate_id=employee.candidate_id, reason="劳动争议")
    time_machine.move_to(local(last_day + dt.timedelta(days=800), 3), tick=False)
    assert _sweep(last_day + dt.timedelta(days=800))["employee_files"] == 0
    assert Employee.objects.get(pk=employee.pk).anonymised_at is None
