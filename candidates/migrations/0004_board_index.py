# The pipeline board (issue 14, R-UI-3): one job's applications counted per stage and each stage's best matches
# read from one index (index-only on PostgreSQL).

import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('candidates', '0003_transition_stage_seconds'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='application',
            index=models.Index(models.F('job'), models.F('state'), models.OrderBy(django.db.models.functions.comparison.Coalesce('match_score', -1), descending=True), models.OrderBy(models.F('id'), descending=True), name='cand_app_job_stage_score'),
        ),
    ]
