"""The employee file's creation and an exit each record one event for the hospital -- ids, number, dates and the
reason's code, never the name, contact, ID number, pay or the exit note; a rolled-back change records none
(R-INT-2)."""

import pytest
from django.db import transaction

from employees import services
from hrsys.events.models import Event
from tests.attendance.factories import local
from tests.events.emitted import _no_event_broker, only_event, subscribe  # noqa: F401 - an autouse fixture
from tests.onboarding.factories import band, interviewing_app
from tests.onboarding_cases.test_cases import accept

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(users, org):
    band(org.emergency)
    return accept(users, interviewing_app(org.emergency))


def _personal(candidate, *extra):
    return (candidate.name, candidate.phone, candidate.email, candidate.id_number, "10000.00", *extra)


def test_r_int_2_creating_the_employee_file_records_employee_created(users, org, case, time_machine):
    subscribe(org.hospital, "employee.created")
    time_machine.move_to(local(case.start_date, 8), tick=False)
    employee = services.employee_create(actor=users.hr, case_id=case.pk)
    data = only_event("employee.created", org.hospital, personal=_personal(case.candidate))
    assert data == {"employee_id": employee.pk, "employee_no": employee.employee_no,
                    "application_id": case.application_id, "candidate_id": case.candidate_id,
                    "offer_id": case.offer_id, "department_id": org.emergency.pk,
                    "start_date": case.start_date.isoformat(), "state": employee.state}
    services.employee_create(actor=users.hr, case_id=case.pk)  # idempotent: the same file, no second event
    assert Event.objects.filter(type="employee.created").count() == 1


def test_r_int_2_an_exit_records_employee_exited_without_the_note(users, org, case, time_machine):
    time_machine.move_to(local(case.start_date, 8), tick=False)
    employee = services.employee_create(actor=users.hr, case_id=case.pk)
    subscribe(org.hospital, "employee.exited")
    services.employee_exit(actor=users.hr, employee_id=employee.pk, last_day=case.start_date, reason="commute",
                           note="搬家到外地，电话 13900001111")
    data = only_event("employee.exited", org.hospital, personal=_personal(case.candidate, "13900001111", "搬家"))
    assert data == {"employee_id": employee.pk, "employee_no": employee.employee_no,
                    "department_id": org.emergency.pk, "exit_date": case.start_date.isoformat(),
                    "attrition_reason": "commute", "state": "left"}


def test_r_int_2_a_rolled_back_creation_or_exit_records_nothing(users, org, case, time_machine):
    subscribe(org.hospital, "employee.created", "employee.exited")
    time_machine.move_to(local(case.start_date, 8), tick=False)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.employee_create(actor=users.hr, case_id=case.pk)
        raise RuntimeError("the request failed after the employee file")
    assert not Event.objects.exists()
    employee = services.employee_create(actor=users.hr, case_id=case.pk)
    Event.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.employee_exit(actor=users.hr, employee_id=employee.pk, last_day=case.start_date, reason="commute")
        raise RuntimeError("the request failed after the exit")
    assert not Event.objects.exists()
