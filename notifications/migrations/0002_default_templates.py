from django.db import migrations


def forwards(apps, schema_editor):
    from notifications.default_templates import install_defaults

    install_defaults(apps.get_model("notifications", "MessageTemplate"),
                     apps.get_model("notifications", "EscalationPolicy"))


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
