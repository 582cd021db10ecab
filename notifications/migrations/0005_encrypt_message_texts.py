"""Notification texts encrypted at rest (R-SEC-2): subject, text and HTML body of every stored message
become AES-256-GCM tokens bound to ``table.column``; existing rows are encrypted in the same migration
(and decrypted again when it is reversed)."""

from django.db import migrations

import hrsys.crypto.fields
from hrsys.crypto.fields import migrate_column_encryption

FIELDS = ["subject", "body", "html_body"]


def encrypt(apps, schema_editor):
    migrate_column_encryption(apps, schema_editor, model="notifications.Notification", fields=FIELDS)


def decrypt(apps, schema_editor):
    migrate_column_encryption(apps, schema_editor, model="notifications.Notification", fields=FIELDS,
                              encrypt=False)


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0004_onboarding_candidate_templates'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='body',
            field=hrsys.crypto.fields.EncryptedTextField(verbose_name='body'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='html_body',
            field=hrsys.crypto.fields.EncryptedTextField(blank=True, verbose_name='HTML body'),
        ),
        migrations.AlterField(
            model_name='notification',
            name='subject',
            field=hrsys.crypto.fields.EncryptedTextField(blank=True, verbose_name='subject'),
        ),
        migrations.RunPython(encrypt, decrypt),
    ]
