# Drops the single-column indexes on the keys of punches and daily results: composite indexes lead with the same
# columns ((device, dedup key), (account, punched at), (account, work date), (department, work date)), and every
# punch upload paid for updating them. Only the indexes go: the foreign keys stay as they are (AlterField alone
# would drop and re-validate them over the whole table).

import django.db.models.deletion
from django.db import migrations, models

INDEXES = [
    ("attendance_punch", "account_id", "attendance_punch_account_id_057fee6a"),
    ("attendance_punch", "device_id", "attendance_punch_device_id_48cafe9e"),
    ("attendance_dailyresult", "account_id", "attendance_dailyresult_account_id_78e76925"),
    ("attendance_dailyresult", "department_id", "attendance_dailyresult_department_id_daf8460d"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_password_history'),
        ('attendance', '0005_zkteco_pull_status_in_words'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
                for table, column, name in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='dailyresult',
                    name='account',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='daily_results', to='attendance.attendanceaccount', verbose_name='account'),
                ),
                migrations.AlterField(
                    model_name='dailyresult',
                    name='department',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.department', verbose_name='department'),
                ),
                migrations.AlterField(
                    model_name='punch',
                    name='account',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='punches', to='attendance.attendanceaccount', verbose_name='account'),
                ),
                migrations.AlterField(
                    model_name='punch',
                    name='device',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='punches', to='attendance.device', verbose_name='device'),
                ),
            ],
        ),
    ]
