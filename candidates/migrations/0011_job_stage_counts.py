# Applications per job and stage, kept by triggers on the application table (candidates.models.JobStageCount):
# the jobs list and the board read them instead of counting a job's applications at a million rows.

import django.db.models.deletion
from django.db import migrations, models

STRIPES = 8  # JobStageCount.STRIPES, as of this migration

# PostgreSQL: one row trigger for inserts, deletes and changes of stage or job. A move takes its two counter
# rows in the order of the stage names, so two moves in opposite directions cannot wait for each other.
POSTGRES = f"""
CREATE FUNCTION candidates_application_stage_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.job_id = OLD.job_id AND NEW.state = OLD.state THEN
            RETURN NULL;
        END IF;
        IF NEW.state > OLD.state THEN
            UPDATE candidates_jobstagecount SET n = n - 1
                WHERE job_id = OLD.job_id AND state = OLD.state AND slot = OLD.id % {STRIPES};
        END IF;
    END IF;
    IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' THEN
        INSERT INTO candidates_jobstagecount (job_id, state, slot, n) VALUES (NEW.job_id, NEW.state, NEW.id % {STRIPES}, 1)
            ON CONFLICT (job_id, state, slot) DO UPDATE SET n = candidates_jobstagecount.n + 1;
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND NEW.state <= OLD.state) THEN
        UPDATE candidates_jobstagecount SET n = n - 1
            WHERE job_id = OLD.job_id AND state = OLD.state AND slot = OLD.id % {STRIPES};
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER candidates_application_stage_count AFTER INSERT OR DELETE OR UPDATE OF job_id, state
    ON candidates_application FOR EACH ROW EXECUTE FUNCTION candidates_application_stage_count();
-- a few hundred rows, each rewritten at every change: room on the page for the new version (HOT updates), and
-- vacuumed after a few thousand changes rather than after a fifth of the table changed (after a bulk load of
-- applications a scan of it would otherwise read every dead version left)
ALTER TABLE candidates_jobstagecount SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 5000, autovacuum_analyze_scale_factor = 0, autovacuum_analyze_threshold = 5000);
"""
POSTGRES_DROP = """
DROP TRIGGER IF EXISTS candidates_application_stage_count ON candidates_application;
DROP FUNCTION IF EXISTS candidates_application_stage_count();
"""

_ADD = (f"INSERT INTO candidates_jobstagecount (job_id, state, slot, n) VALUES (NEW.job_id, NEW.state, "
        f"NEW.id % {STRIPES}, 1) ON CONFLICT (job_id, state, slot) DO UPDATE SET n = n + 1;")
_SUBTRACT = (f"UPDATE candidates_jobstagecount SET n = n - 1 WHERE job_id = OLD.job_id AND state = OLD.state "
             f"AND slot = OLD.id % {STRIPES};")
SQLITE = [  # SQLite locks the whole database for a write: no order to keep
    f"CREATE TRIGGER candidates_application_stage_count_insert AFTER INSERT ON candidates_application "
    f"BEGIN {_ADD} END",
    f"CREATE TRIGGER candidates_application_stage_count_delete AFTER DELETE ON candidates_application "
    f"BEGIN {_SUBTRACT} END",
    f"CREATE TRIGGER candidates_application_stage_count_update AFTER UPDATE OF job_id, state ON "
    f"candidates_application WHEN NEW.job_id != OLD.job_id OR NEW.state != OLD.state BEGIN {_SUBTRACT} {_ADD} END",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS candidates_application_stage_count_{event}"
               for event in ("insert", "delete", "update")]

# the applications already there
BACKFILL = f"""
INSERT INTO candidates_jobstagecount (job_id, state, slot, n)
SELECT job_id, state, id % {STRIPES}, COUNT(*) FROM candidates_application GROUP BY job_id, state, id % {STRIPES}
"""


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(POSTGRES)
        elif schema_editor.connection.vendor == "sqlite":
            for statement in SQLITE:
                cursor.execute(statement)
        else:
            raise NotImplementedError(f"the stage counts need triggers for {schema_editor.connection.vendor}")
        cursor.execute(BACKFILL)


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute(POSTGRES_DROP)
        else:
            for statement in SQLITE_DROP:
                cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('candidates', '0010_consent_per_purpose'),
    ]

    operations = [
        migrations.CreateModel(
            name='JobStageCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('new', 'New'), ('screening', 'Screening'), ('ai_invited', 'AI interview invited'), ('ai_completed', 'AI interview completed'), ('ai_no_show', 'AI interview no-show'), ('ai_review', 'AI result under HR review'), ('interviewing', 'Interviewing'), ('offer', 'Offer'), ('hired', 'Hired'), ('employee', 'Employee'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn'), ('talent_pool', 'Talent pool')], max_length=50, verbose_name='stage')),
                ('slot', models.PositiveSmallIntegerField(verbose_name='stripe')),
                ('n', models.IntegerField(default=0, verbose_name='applications')),
                ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='candidates.jobrequisition', verbose_name='job')),
            ],
            options={
                'verbose_name': 'applications per job and stage',
                'verbose_name_plural': 'applications per job and stage',
                'constraints': [models.UniqueConstraint(fields=('job', 'state', 'slot'), name='cand_jobstagecount_unique')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
