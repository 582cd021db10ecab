"""Whether a job is advertised on the public careers site (R-PIPE-8).

A write of its own, next to ``candidates.services.job_create`` / ``job_update`` (whose field list does not carry
``published``): the admin's job form and the job API call both, in one transaction. What the careers site lists is
``careers.selectors.published_jobs``: open jobs with this flag set.
"""

from django.db import transaction

from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm, require_visible

from .models import JobRequisition


@transaction.atomic
def job_publish(*, actor, job_id: int, published: bool) -> JobRequisition:
    """Show (``published=True``) or hide a job on the careers site; audited when it changes (R-PIPE-8, R-HOSP-2).

    A job that is not open may be marked already: it appears once it opens and disappears when it is filled or
    closed, without a second step."""
    require_perm(actor, "candidates.change_jobrequisition")
    require_visible(JobRequisition, actor, job_id)
    job = JobRequisition.objects.select_for_update().get(pk=job_id)
    published = bool(published)
    if job.published != published:
        before, job.published = job.published, published
        job.save(update_fields=["published", "updated_at"])
        audit_record(actor=actor, action="job.publish" if published else "job.unpublish", obj=job,
                     changes={"published": [before, published]})
    return job
