"""What the public careers site shows (R-PIPE-8): open jobs HR marked "show on the careers site", grouped by the
organisation (hospital or company) they belong to. Nothing here is personal data; no viewer scope applies.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from candidates.models import CredentialType, JobRequisition, Priority
from hrsys.accounts.models import Department

#: Licences a clinical job cannot be applied for without: the form asks their number and refuses the application
#: without it. Other credentials a job requires (BLS, a health certificate) are asked for too, but optional: many
#: applicants obtain them after the offer.
LICENCE_TYPES = (CredentialType.NURSE_LICENCE, CredentialType.PHYSICIAN_LICENCE,
                 CredentialType.PHYSICIAN_QUALIFICATION, CredentialType.PHARMACIST_LICENCE)


def licence_field(credential_type: str) -> str:
    """The form / API field that carries the number of ``credential_type`` (``licence_nurse_licence``); its
    expiry date is ``<that>_expires``."""
    return f"licence_{credential_type}"


@dataclass
class CredentialAsked:
    type: str
    label: str
    field: str
    required: bool

    @property
    def expires_field(self) -> str:
        return f"{self.field}_expires"


@dataclass
class OrganizationJobs:
    organization: Department
    jobs: list = field(default_factory=list)


def published_jobs(*, organization: Department | None = None) -> QuerySet:
    """Open jobs shown on the careers site, the most urgent first, then the newest."""
    qs = (JobRequisition.objects.filter(status=JobRequisition.Status.OPEN, published=True)
          .select_related("department"))
    if organization is not None:
        qs = qs.filter(department__path__startswith=organization.path)
    urgency = Case(When(priority=Priority.URGENT, then=Value(0)), When(priority=Priority.HIGH, then=Value(1)),
                   default=Value(2), output_field=IntegerField())
    return qs.order_by(urgency, "-created_at", "-id")


def with_organizations(jobs) -> list[JobRequisition]:
    """The jobs, each with ``job.organization`` set (one query for all of them, not one per job)."""
    jobs = list(jobs)
    by_id = Department.objects.in_bulk({job.department.organization_pk for job in jobs})
    for job in jobs:
        job.organization = by_id[job.department.organization_pk]
    return jobs


def jobs_by_organization(jobs) -> list[OrganizationJobs]:
    """Jobs grouped by organisation, organisations in the order of their first (most urgent) job."""
    groups: dict[int, OrganizationJobs] = {}
    for job in with_organizations(jobs):
        groups.setdefault(job.organization.pk, OrganizationJobs(job.organization)).jobs.append(job)
    return list(groups.values())


def organization_find(code: str) -> Department | None:
    """An organisation (hospital or company) by its code."""
    return Department.objects.filter(code=code, kind=Department.Kind.ORGANIZATION).first()


def organization_get(code: str) -> Department:
    """An organisation by its code, or 404."""
    org = organization_find(code)
    if org is None:
        raise Http404
    return org


def published_job_get(pk) -> JobRequisition:
    """A job shown on the careers site, with ``organization`` set; 404 for any other (draft, closed, internal)."""
    job = published_jobs().filter(pk=pk).first()
    if job is None:
        raise Http404
    return with_organizations([job])[0]


def credentials_asked(job: JobRequisition) -> list[CredentialAsked]:
    """The credentials the application form asks for this job (number, and the date it is valid until): every
    credential the job requires, licences first and required, certificates optional."""
    asked = [CredentialAsked(type=t, label=str(CredentialType(t).label), field=licence_field(t),
                             required=t in LICENCE_TYPES)
             for t in dict.fromkeys(job.required_credentials or []) if t in CredentialType.values]
    return sorted(asked, key=lambda c: not c.required)


def job_url(job: JobRequisition) -> str:
    """The job's page on the careers site, absolute (for the API and for links in messages)."""
    return f"{settings.PUBLIC_BASE_URL}/careers/jobs/{job.pk}/"
