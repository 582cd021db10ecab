"""Salaries encrypted at rest (R-SEC-2): the columns become text holding AES-256-GCM tokens bound to
``table.column``; existing plaintext values are encrypted in the same migration (and decrypted again when
it is reversed, before the columns go back to decimals)."""

from django.db import migrations

import hrsys.crypto.fields
from hrsys.crypto.fields import migrate_column_encryption

COLUMNS = {"onboarding.Offer": ["monthly_salary", "expected_salary"], "onboarding.Employee": ["monthly_salary"]}


def encrypt(apps, schema_editor):
    for model, fields in COLUMNS.items():
        migrate_column_encryption(apps, schema_editor, model=model, fields=fields)


def decrypt(apps, schema_editor):
    for model, fields in COLUMNS.items():
        migrate_column_encryption(apps, schema_editor, model=model, fields=fields, encrypt=False)


class Migration(migrations.Migration):

    dependencies = [
        ('onboarding', '0002_onboarding_cases_employees'),
    ]

    operations = [
        migrations.AlterField(
            model_name='employee',
            name='monthly_salary',
            field=hrsys.crypto.fields.EncryptedDecimalField(decimal_places=2, max_digits=10, verbose_name='monthly salary'),
        ),
        migrations.AlterField(
            model_name='offer',
            name='expected_salary',
            field=hrsys.crypto.fields.EncryptedDecimalField(blank=True, decimal_places=2, max_digits=10, null=True, verbose_name="candidate's expected salary"),
        ),
        migrations.AlterField(
            model_name='offer',
            name='monthly_salary',
            field=hrsys.crypto.fields.EncryptedDecimalField(decimal_places=2, max_digits=10, verbose_name='monthly salary'),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
