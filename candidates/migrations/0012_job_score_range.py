# The HR list's score range within jobs (admin "80-100" with a priority): an index on (job, score), and on
# PostgreSQL statistics of job and score together. Without them the planner multiplies the two selectivities
# as if independent, expects thousands of matches where a job has a few dozen, and walks a million applications
# in date order looking for them (seconds at a million rows); with them it reads the matches.

from django.db import migrations, models

STATISTICS = "cand_app_job_score_stats"


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE STATISTICS {STATISTICS} (mcv) ON job_id, match_score FROM candidates_application")
        # the most common job x score pairs, up to 1000 of them (the default 100 holds about one job's scores)
        schema_editor.execute(f"ALTER STATISTICS {STATISTICS} SET STATISTICS 1000")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):

    dependencies = [
        ('candidates', '0011_job_stage_counts'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='application',
            index=models.Index(fields=['job', 'match_score'], name='cand_app_job_score_range'),
        ),
        migrations.RunPython(create_statistics, drop_statistics),
    ]
