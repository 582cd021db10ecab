"""The careers site in the demo (R-PIPE-8): a few of the demo's open jobs are shown on it, clinical ones (which ask
for licence numbers) and others; the rest stay internal, as a hospital keeps some postings. Idempotent: a job HR
took off the site in a demo database is put back only by a new database."""

from candidates.models import JobRequisition
from candidates.services import job_publish

ACTOR = "seed_demo"
#: (department code, job title) of the demo jobs shown on the careers site (candidates/demo.py makes the jobs).
PUBLISHED = [("emergency", "急诊科护士"), ("emergency", "急诊科住院医师"), ("nursing", "病区护士"),
             ("rnd", "后端工程师"), ("company", "餐厅服务员")]


def seed(stdout=None, scale: int = 0, **options) -> dict:
    published = 0
    for code, title in PUBLISHED:
        job = JobRequisition.objects.filter(department__code=code, title=title).first()
        if job is not None and not job.published:
            job_publish(actor=ACTOR, job_id=job.pk, published=True)
            published += 1
    return {"published_jobs": published}
