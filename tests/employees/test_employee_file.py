"""The employee file: created by HR or the sweep on the start date, not before; a required credential expired on
the start date blocks it and HR is told; an exit needs a known reason; the exit feeds the outcomes the dashboard
reads (R-ONB-1, R-HOSP-1, R-ATT-5, R-DASH-2)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from attendance import selectors as attendance_selectors
from dashboard import insights
from employees import services
from employees.models import Employee
from hrsys.api.errors import Conflict
from notifications.models import Notification
from tests.attendance.factories import local
from tests.onboarding.factories import band, interviewing_app
from tests.onboarding_cases.test_cases import accept

pytestmark = pytest.mark.django_db


def test_r_onb_1_hr_creates_employee_on_start_date_not_before(users, org, time_machine):
    band(org.emergency)
    case = accept(users, interviewing_app(org.emergency))
    with pytest.raises(ValidationError):
        services.employee_create(actor=users.hr, case_id=case.pk)
    time_machine.move_to(local(case.start_date, 8), tick=False)
    employee = services.employee_create(actor=users.hr, case_id=case.pk)
    assert employee.created_by == "hr" and employee.employee_no.startswith(f"E{case.start_date:%Y}")
    assert services.employee_create(actor=users.hr, case_id=case.pk).pk == employee.pk
    file = attendance_selectors.employee_file(user=users.er_manager, employee_id=employee.pk)
    assert file["links"]["offer"] == case.offer_id
    with pytest.raises(Http404):
        attendance_selectors.employee_file(user=users.it_manager, employee_id=employee.pk)


def test_r_hosp_1_expired_licence_blocks_employee_and_tells_hr(users, nurse_app, time_machine):
    case = accept(users, nurse_app)
    nurse_app.candidate.credentials.update(expires_on=case.start_date - dt.timedelta(days=1))
    time_machine.move_to(local(case.start_date, 0, 5), tick=False)
    out = services.employees_create_due(now=timezone.now())
    assert out == {"created": 0, "blocked": 1}
    assert not Employee.objects.exists()
    assert Notification.objects.filter(idempotency_key__startswith=f"onboarding:case:{case.pk}:blocked").exists()


def test_r_att_5_exit_needs_a_known_reason(users, org, time_machine):
    band(org.emergency)
    case = accept(users, interviewing_app(org.emergency))
    time_machine.move_to(local(case.start_date, 8), tick=False)
    employee = services.employee_create(actor=users.hr, case_id=case.pk)
    with pytest.raises(ValidationError) as exc:
        services.employee_exit(actor=users.hr, employee_id=employee.pk, last_day="soon", reason="bored")
    assert set(exc.value.message_dict) == {"reason", "last_day"}
    services.employee_exit(actor=users.hr, employee_id=employee.pk, last_day=case.start_date, reason="commute")
    with pytest.raises(Conflict):
        services.employee_exit(actor=users.hr, employee_id=employee.pk, last_day=case.start_date, reason="pay")


def test_r_att_5_exit_within_a_year_feeds_the_outcome_hook(users, org, time_machine):  # R-DASH-2
    band(org.emergency)
    app = interviewing_app(org.emergency)
    case = accept(users, app)
    outcomes = insights.employee_outcomes_for_applications([app.pk])
    assert outcomes == {app.pk: {"probation_passed": None}}  # not hired yet
    time_machine.move_to(local(case.start_date, 8), tick=False)
    employee = services.employee_create(actor=users.hr, case_id=case.pk)
    outcome = insights.employee_outcomes_for_applications([app.pk])[app.pk]
    assert outcome["left_within_year"] is None and outcome["late_count"] == 0  # still employed, year not over
    last_day = case.start_date + dt.timedelta(days=120)
    services.employee_exit(actor=users.hr, employee_id=employee.pk, last_day=last_day, reason="pressure")
    outcome = insights.employee_outcomes_for_applications([app.pk])[app.pk]
    assert (outcome["left_at"], outcome["left_within_year"], outcome["exit_reason"]) == (last_day, True, "pressure")
