"""The employee file left for the ``employees`` app (issue 16): removed from onboarding's migration state only; the
table ``onboarding_employee`` and its rows stay (see ``employees/migrations/0001_initial.py``). After
``attendance.0003``, so that no foreign key in the state still points here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("onboarding", "0003_encrypt_salaries"),
        ("employees", "0001_initial"),
        ("attendance", "0003_account_employee_moved"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],  # the table stays; it belongs to employees.Employee now
            state_operations=[migrations.DeleteModel(name="Employee")],
        ),
    ]
