from django.db import migrations


def forwards(apps, schema_editor):
    """Install the careers site's message texts (application received, already applied) in zh-hans and en; existing
    rows, HR's edits included, are never touched."""
    from notifications.default_templates import install_defaults

    install_defaults(apps.get_model("notifications", "MessageTemplate"),
                     apps.get_model("notifications", "EscalationPolicy"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0006_message_texts_composed")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
