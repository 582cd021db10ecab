"""The employee file moves from ``onboarding`` to the new ``employees`` app (issue 16) without touching its data.

Only Django's idea of where the model lives changes (``SeparateDatabaseAndState``): the table stays
``onboarding_employee``, because its encrypted columns are bound to ``table.column`` -- renaming it would mean
re-encrypting every employee's phone, e-mail, ID number and salary. ``onboarding.0004`` removes the model from
onboarding's state and ``attendance.0003`` points the account's foreign key here; neither touches the database.

The content type moves with it (``onboarding.employee`` becomes ``employees.employee``, same row), so the
permissions ``employees.add_employee`` / ``change_employee`` / ``view_employee`` are the same rows as before and a
user's or group's grants, and the admin's history, stay attached. Audit rows written before the move keep their
object type ``onboarding.employee`` (the audit trail is append-only); ``hrsys.audit.labels`` names both.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import hrsys.crypto.fields


def _move_content_type(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.db_manager(schema_editor.connection.alias)
    moving = types.filter(app_label=source, model="employee").first()
    if moving is None:
        return  # a new database: the content type is created after migrating, under the model's current app
    # a duplicate under the target label can only be a fresh one (created after an earlier migrate): the moving row
    # carries the grants and the admin history
    types.filter(app_label=target, model="employee").delete()
    moving.app_label = target
    moving.save(update_fields=["app_label"])
    types.clear_cache()


def forward(apps, schema_editor):
    _move_content_type(apps, schema_editor, "onboarding", "employees")


def backward(apps, schema_editor):
    _move_content_type(apps, schema_editor, "employees", "onboarding")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("candidates", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("onboarding", "0003_encrypt_salaries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],  # the table onboarding_employee stays as it is
            state_operations=[
                migrations.CreateModel(
                    name='Employee',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('employee_no', models.CharField(blank=True, max_length=20, null=True, unique=True, verbose_name='employee number')),
                        ('name', models.CharField(max_length=100, verbose_name='name')),
                        ('phone', hrsys.crypto.fields.EncryptedTextField(blank=True, default='', verbose_name='mobile phone')),
                        ('phone_index', hrsys.crypto.fields.BlindIndexField(blank=True, db_index=True, default='', editable=False, max_length=64, normalizer=hrsys.crypto.fields.normalize_phone, source='phone')),
                        ('email', hrsys.crypto.fields.EncryptedTextField(blank=True, default='', verbose_name='email')),
                        ('id_number', hrsys.crypto.fields.EncryptedTextField(blank=True, default='', verbose_name='resident ID number')),
                        ('job_title', models.CharField(max_length=120, verbose_name='job')),
                        ('job_level', models.CharField(blank=True, max_length=40, verbose_name='job level')),
                        ('monthly_salary', hrsys.crypto.fields.EncryptedDecimalField(decimal_places=2, max_digits=10, verbose_name='monthly salary')),
                        ('currency', models.CharField(default='CNY', max_length=3, verbose_name='currency')),
                        ('start_date', models.DateField(verbose_name='start date')),
                        ('probation_months', models.PositiveSmallIntegerField(default=3, verbose_name='probation (months)')),
                        ('profile', models.JSONField(blank=True, default=dict, verbose_name='candidate profile at hire')),
                        ('ai_interview', models.JSONField(blank=True, default=dict, verbose_name='AI interview results')),
                        ('interview_feedback', models.JSONField(blank=True, default=list, verbose_name='interview feedback')),
                        ('credentials', models.JSONField(blank=True, default=list, verbose_name='credentials at hire')),
                        ('state', models.CharField(choices=[('active', 'Employed'), ('left', 'Left')], db_index=True, default='active', max_length=8, verbose_name='state')),
                        ('exit_date', models.DateField(blank=True, null=True, verbose_name='last working day')),
                        ('attrition_reason', models.CharField(blank=True, choices=[('pressure', 'Work pressure'), ('pay', 'Pay'), ('commute', 'Commute'), ('family', 'Family'), ('development', 'Career development'), ('performance', 'Performance (probation not passed / dismissed)'), ('other', 'Other')], db_index=True, max_length=12, verbose_name='reason for leaving')),
                        ('exit_note', models.TextField(blank=True, verbose_name='exit note')),
                        ('created_by', models.CharField(blank=True, max_length=150, verbose_name='created by')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('application', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='employee_records', to='candidates.application', verbose_name='application')),
                        ('candidate', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='employee_records', to='candidates.candidate', verbose_name='candidate')),
                        ('case', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='employee', to='onboarding.onboardingcase', verbose_name='onboarding case')),
                        ('department', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='employees', to='accounts.department', verbose_name='department')),
                        ('offer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='employee_records', to='onboarding.offer', verbose_name='offer')),
                        ('onboarding_info', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='employee_records', to='onboarding.onboardinginfo', verbose_name='onboarding form')),
                    ],
                    options={
                        'verbose_name': 'employee',
                        'verbose_name_plural': 'employees',
                        'db_table': 'onboarding_employee',
                        'ordering': ['-start_date', '-id'],
                    },
                ),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
