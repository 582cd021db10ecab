"""Consent moves to ``candidates.ConsentRecord`` (per organisation and purpose, R-SEC-5): each portal consent
becomes a consent to processing the application, given to version 1 (the standard notice) of every organisation
the candidate had applied to, through the portal."""

from django.db import migrations


def copy_consents(apps, schema_editor):
    Consent = apps.get_model("portal", "Consent")
    Application = apps.get_model("candidates", "Application")
    ConsentRecord = apps.get_model("candidates", "ConsentRecord")
    records = []
    for consent in Consent.objects.all().iterator():
        paths = Application.objects.filter(candidate_id=consent.candidate_id).values_list("job__department__path",
                                                                                          flat=True)
        for org_id in {int(path.strip("/").split("/")[0]) for path in paths if path.strip("/")}:
            records.append(ConsentRecord(candidate_id=consent.candidate_id, organization_id=org_id,
                                         purpose="recruitment", given=True, notice_version=1, at=consent.given_at,
                                         channel="portal", ip=consent.ip, user_agent=consent.user_agent))
    ConsentRecord.objects.bulk_create(records, batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('portal', '0001_initial'),
        ('candidates', '0010_consent_per_purpose'),
    ]

    operations = [
        migrations.RunPython(copy_consents, migrations.RunPython.noop),
        migrations.DeleteModel(
            name='Consent',
        ),
    ]
