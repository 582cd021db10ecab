"""The account's employee now lives in the ``employees`` app (issue 16): the same table and the same column, so
only the migration state changes (see ``employees/migrations/0001_initial.py``)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("attendance", "0002_account_employee"),
        ("employees", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],  # the foreign key already points to the table onboarding_employee
            state_operations=[
                migrations.AlterField(
                    model_name="attendanceaccount",
                    name="employee",
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                                            related_name="attendance_accounts", to="employees.employee",
                                            verbose_name="employee"),
                ),
            ],
        ),
    ]
