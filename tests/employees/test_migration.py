"""The employee file moved from ``onboarding`` to ``employees`` (issue 16) without losing anything: a database
holding employees -- with clock-in accounts, a probation review, a per-user permission grant and encrypted
personal values -- is taken back to the last migrations before the move and forward again to the latest. The
table, every row, every foreign key to it, the content type and its permissions stay; a row written under the old
schema reads under the new one. Runs on SQLite and on PostgreSQL (CI). (A database migrated from scratch has no
content type to move: every test database is made that way.)"""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation

from attendance.models import AttendanceAccount, ProbationReview
from employees.models import Employee
from hrsys.accounts.models import User
from hrsys.audit.labels import object_type_label
from hrsys.audit.models import AuditEvent
from hrsys.core.periodic import run_due_jobs
from notifications.default_templates import install_defaults
from notifications.models import EscalationPolicy, MessageTemplate
from tests.attendance.factories import local
from tests.onboarding.factories import band, interviewing_app
from tests.onboarding_cases.test_cases import accept

#: the last migrations before the move: the employee in onboarding, the account's foreign key pointing there
BEFORE_THE_MOVE = [("onboarding", "0003_encrypt_salaries"), ("attendance", "0002_account_employee"),
                   ("employees", None)]


def _migrate(targets):
    """Migrate to ``targets`` (``None``: every app to its latest); returns the project state's apps there."""
    executor = MigrationExecutor(connection)
    if targets is None:
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor = MigrationExecutor(connection)  # reloaded: what is applied now
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


def _raw(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


@pytest.mark.django_db(transaction=True)
def test_moving_the_employee_file_keeps_every_employee_and_what_points_to_it(users, org, time_machine):
    install_defaults(MessageTemplate, EscalationPolicy)  # a transactional test elsewhere may have flushed them
    band(org.emergency)
    case = accept(users, interviewing_app(org.emergency))
    waiting = accept(users, interviewing_app(org.emergency))  # becomes an employee under the old schema below
    time_machine.move_to(local(case.start_date, 0, 5), tick=False)
    run_due_jobs(now=timezone.now())  # the start date: accounts active, employee files created
    employee = Employee.objects.get(case=case)
    account = AttendanceAccount.objects.get(employee=employee)
    review = ProbationReview.objects.get(account=account)
    Employee.objects.filter(case=waiting).delete()  # its account's employee becomes empty (SET_NULL)
    content_type = ContentType.objects.get_for_model(Employee)
    change = Permission.objects.get(content_type=content_type, codename="change_employee")
    users.interviewer.user_permissions.add(change)  # a grant of its own, beyond the interviewer's role
    before = {"rows": _raw("SELECT id, employee_no, phone, monthly_salary FROM onboarding_employee ORDER BY id", []),
              "permissions": set(Permission.objects.filter(content_type=content_type).values_list("pk", "codename"))}

    try:
        old = _migrate(BEFORE_THE_MOVE)
        OldEmployee = old.get_model("onboarding", "Employee")
        OldAccount = old.get_model("attendance", "AttendanceAccount")
        OldType = old.get_model("contenttypes", "ContentType")
        assert OldEmployee._meta.db_table == "onboarding_employee"
        assert OldAccount._meta.get_field("employee").related_model is OldEmployee
        # the same row, readable (decrypted) by the model as it was before the move
        was = OldEmployee.objects.get(pk=employee.pk)
        assert (was.employee_no, was.phone, was.monthly_salary) == (
            employee.employee_no, employee.phone, employee.monthly_salary)
        assert OldAccount.objects.get(pk=account.pk).employee_id == employee.pk
        assert OldType.objects.get(pk=content_type.pk).app_label == "onboarding"
        assert User.objects.get(pk=users.interviewer.pk).has_perm("onboarding.change_employee")
        # an employee written by the code of that time
        source = waiting.offer
        added = OldEmployee.objects.create(
            case_id=waiting.pk, candidate_id=waiting.candidate_id, application_id=waiting.application_id,
            offer_id=source.pk, department_id=waiting.department_id, employee_no="E-OLD-1", name="旧表员工",
            phone="+8613900000001", job_title="护士", monthly_salary=Decimal("9876.50"),
            start_date=waiting.start_date)
        OldAccount.objects.filter(offer_id=source.pk).update(employee_id=added.pk)
    finally:
        _migrate(None)

    # after the move: the same table, rows and keys; the model now lives in employees
    assert Employee._meta.db_table == "onboarding_employee"
    rows = _raw("SELECT id, employee_no, phone, monthly_salary FROM onboarding_employee ORDER BY id", [])
    assert rows[:len(before["rows"])] == before["rows"] and len(rows) == len(before["rows"]) + 1
    again = Employee.objects.get(pk=employee.pk)
    assert (again.employee_no, again.case_id, again.offer_id, again.monthly_salary) == (
        employee.employee_no, case.pk, case.offer_id, employee.monthly_salary)
    assert list(again.attendance_accounts.all()) == [account]
    assert AttendanceAccount.objects.get(pk=account.pk).employee == again
    assert ProbationReview.objects.get(pk=review.pk).account.employee == again
    assert case.employee == again  # the case's reverse relation, across the apps
    written_before = Employee.objects.get(employee_no="E-OLD-1")
    assert (written_before.phone, written_before.monthly_salary) == ("+8613900000001", Decimal("9876.50"))
    assert AttendanceAccount.objects.get(offer=waiting.offer).employee == written_before
    # the content type is the same row under the new label; its permissions and the grant came along
    ContentType.objects.clear_cache()
    moved = ContentType.objects.get_for_model(Employee)
    assert (moved.pk, moved.app_label) == (content_type.pk, "employees")
    assert not ContentType.objects.filter(app_label="onboarding", model="employee").exists()
    assert set(Permission.objects.filter(content_type=moved).values_list("pk", "codename")) == before["permissions"]
    interviewer = User.objects.get(pk=users.interviewer.pk)
    assert interviewer.has_perm("employees.change_employee")
    assert not interviewer.has_perm("onboarding.change_employee")


def test_audit_rows_from_before_the_move_still_read(db):
    """The audit trail is append-only: rows written before the move keep the object type ``onboarding.employee``
    and read as an employee exactly like the new ones (``employees.employee``)."""
    old = AuditEvent.objects.create(actor_label="hr_tick", action="onboarding.employee.create",
                                    object_type="onboarding.employee", object_id="1")
    new = AuditEvent.objects.create(actor_label="hr_tick", action="onboarding.employee.create",
                                    object_type="employees.employee", object_id="1")
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert object_type_label(old.object_type) == object_type_label(new.object_type)
            assert str(old) == str(new)
    with translation.override("en"):
        assert object_type_label(old.object_type) == "Employee"
