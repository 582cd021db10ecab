from django.db import migrations


def forwards(apps, schema_editor):
    """Default texts composed for any data (issue 15.4): no "临床技能面试面试" or "急诊科急诊科住院医师", no
    "地点：。" when there is no place, English texts in English, and texts of their own for a moved interview and
    a moved AI deadline. Rows still holding the text an earlier release shipped get the new one; rows HR edited
    keep HR's text; the two new keys are installed."""
    from notifications.default_templates import install_defaults

    install_defaults(apps.get_model("notifications", "MessageTemplate"),
                     apps.get_model("notifications", "EscalationPolicy"), refresh=True)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_encrypt_message_texts")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
