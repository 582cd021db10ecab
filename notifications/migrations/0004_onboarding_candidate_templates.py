from django.db import migrations


def forwards(apps, schema_editor):
    """Install the templates added since 0003 (offer accepted / withdrawn / expired, start date changed,
    onboarding task reminder); existing rows, HR's edits included, are never touched."""
    from notifications.default_templates import install_defaults

    install_defaults(apps.get_model("notifications", "MessageTemplate"),
                     apps.get_model("notifications", "EscalationPolicy"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_dedicated_candidate_templates")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
