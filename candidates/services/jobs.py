"""Job requisitions: requirements, assessment dimensions and the interview plan (R-PIPE-1, R-PIPE-5)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from hrsys.accounts.models import Department
from hrsys.audit.services import audit_record, diff_fields, snapshot
from hrsys.core.actors import require_perm as _require_perm
from hrsys.core.actors import require_visible as _visible
from hrsys.core.actors import staff_user as _user

from .. import job_settings
from ..models import Candidate, InterviewRound, JobRequisition
from .matches import job_recompute_matches

JOB_FIELDS = ("department", "title", "headcount", "priority", "status", "description", "skills", "min_years",
              "education_level", "required_credentials", "credential_checkpoints", "assessment_dimensions",
              "rejection_message")
REQUIREMENT_FIELDS = {"skills", "min_years", "education_level", "required_credentials"}


def _job_for_application(actor, job_id) -> JobRequisition:
    user = _user(actor)
    qs = JobRequisition.objects.for_user(user) if user is not None else JobRequisition.objects.all()
    try:
        job = qs.get(pk=job_id)
    except (JobRequisition.DoesNotExist, ValueError, TypeError):
        raise ValidationError({"job": [_("Unknown job.")]})
    if job.status != JobRequisition.Status.OPEN:
        raise ValidationError({"job": [_("This job is not open for applications (status: %(status)s).")
                                       % {"status": job.get_status_display()}]})
    return job


def _clean_rounds(rounds) -> list[dict]:
    if not isinstance(rounds, list):
        raise ValidationError({"rounds": [_("The interview plan must be a list of rounds.")]})
    errors, cleaned = [], []
    user_ids = {uid for r in rounds if isinstance(r, dict) for uid in r.get("interviewers", []) or []}
    known = set(get_user_model().objects.filter(pk__in=[u for u in user_ids if isinstance(u, int)], is_active=True)
                .values_list("pk", flat=True))
    for i, r in enumerate(rounds, start=1):
        if not isinstance(r, dict):
            errors.append(_("Round %(n)s: not an object.") % {"n": i})
            continue
        unknown = set(r) - {"kind", "interviewers", "duration_minutes", "requires_credentials"}
        if unknown:
            errors.append(_("Round %(n)s: unknown keys %(keys)s.") % {"n": i, "keys": ", ".join(sorted(unknown))})
        if r.get("kind") not in InterviewRound.Kind.values:
            errors.append(_("Round %(n)s: kind must be one of %(kinds)s.") % {"n": i, "kinds": ", ".join(InterviewRound.Kind.values)})
        minutes = r.get("duration_minutes", 45)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 5 <= minutes <= 480:
            errors.append(_("Round %(n)s: duration must be 5 to 480 minutes.") % {"n": i})
        missing = [u for u in r.get("interviewers", []) or [] if u not in known]
        if missing:
            errors.append(_("Round %(n)s: unknown interviewers %(ids)s.") % {"n": i, "ids": ", ".join(map(str, missing))})
        cleaned.append({"kind": r.get("kind"), "interviewers": list(r.get("interviewers", []) or []),
                        "duration_minutes": minutes, "requires_credentials": bool(r.get("requires_credentials", False))})
    if errors:
        raise ValidationError({"rounds": errors})
    return cleaned


def _save_job(actor, job, values, rounds, *, creating):
    errors = {}
    unknown = set(values) - set(JOB_FIELDS)
    for name in sorted(unknown):
        errors[name] = [_("Unknown field.")]
    if "department" in values:
        user = _user(actor)
        depts = Department.objects.for_user(user) if user is not None else Department.objects.all()
        dept = depts.filter(pk=getattr(values["department"], "pk", values["department"])).first()
        if dept is None:
            errors["department"] = [_("Unknown department.")]
        else:
            job.department = dept
    for name, value in values.items():
        if name not in unknown and name != "department":
            setattr(job, name, value)
    try:
        job.full_clean(exclude=["backup_pool", *errors.keys()])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if rounds is not None:
        try:
            rounds = _clean_rounds(rounds)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    job.save()
    if rounds is not None:
        job.rounds.all().delete()
        for order, r in enumerate(rounds, start=1):
            rnd = InterviewRound.objects.create(job=job, order=order, kind=r["kind"],
                                                duration_minutes=r["duration_minutes"],
                                                requires_credentials=r["requires_credentials"])
            rnd.interviewers.set(r["interviewers"])
    return job


def _split_settings(values: dict) -> dict:
    """Take the later stages' job settings (``job_settings.FIELDS``: the AI policy's job family and question
    tags) out of ``values``."""
    return {name: values.pop(name) for name in job_settings.FIELDS if name in values}


@transaction.atomic
def job_create(*, actor, rounds: list | None = None, published: bool | None = None, **values) -> JobRequisition:
    """Open a requisition with its requirements, assessment dimensions and interview plan (R-PIPE-1); with
    ``published``, shown on the careers site or not (``job_publish``); with ``job_family`` / ``question_tags``,
    the AI interview stage keeps them (``job_settings``, R-AI-5)."""
    _require_perm(actor, "candidates.add_jobrequisition")
    extra = _split_settings(values)
    job = _save_job(actor, JobRequisition(), values, rounds, creating=True)
    audit_record(actor=actor, action="job.create", obj=job,
                 changes=diff_fields({}, snapshot(job, JOB_FIELDS)))
    if extra:
        job_settings.write(actor=actor, job=job, values=extra)
    if published is not None:
        job = job_publish(actor=actor, job_id=job.pk, published=published)
    return job


@transaction.atomic
def job_update(*, actor, job_id: int, rounds: list | None = None, published: bool | None = None,
               **changes) -> JobRequisition:
    """Change a requisition; a change of requirements recomputes its applications' match scores (R-PIPE-5);
    ``published`` as in ``job_create``."""
    _require_perm(actor, "candidates.change_jobrequisition")
    _visible(JobRequisition, actor, job_id)
    extra = _split_settings(changes)
    job = JobRequisition.objects.select_for_update().get(pk=job_id)
    before = snapshot(job, JOB_FIELDS)
    job = _save_job(actor, job, changes, rounds, creating=False)
    if extra:
        job_settings.write(actor=actor, job=job, values=extra)
    diff = diff_fields(before, snapshot(job, JOB_FIELDS))
    if rounds is not None:
        diff["rounds"] = [None, len(rounds)]
    if diff:
        audit_record(actor=actor, action="job.update", obj=job, changes=diff)
    if set(diff) & REQUIREMENT_FIELDS:
        job_recompute_matches(job_id=job.pk)
    if published is not None:
        job = job_publish(actor=actor, job_id=job.pk, published=published)
    return job


@transaction.atomic
def job_publish(*, actor, job_id: int, published: bool) -> JobRequisition:
    """Show (``published=True``) or hide a job on the careers site; audited when it changes (R-PIPE-8, R-HOSP-2).
    What the careers site lists is ``careers.selectors.published_jobs``: open jobs with this flag set.

    A job that is not open may be marked already: it appears once it opens and disappears when it is filled or
    closed, without a second step."""
    _require_perm(actor, "candidates.change_jobrequisition")
    _visible(JobRequisition, actor, job_id)
    job = JobRequisition.objects.select_for_update().get(pk=job_id)
    published = bool(published)
    if job.published != published:
        before, job.published = job.published, published
        job.save(update_fields=["published", "updated_at"])
        audit_record(actor=actor, action="job.publish" if published else "job.unpublish", obj=job,
                     changes={"published": [before, published]})
    return job


@transaction.atomic
def job_backup_pool_set(*, actor, job_id: int, candidate_ids: list[int]) -> JobRequisition:
    """The job's backup pool, in the order given (the first is promoted first on an urgent no-show); every
    candidate must be one the actor may see (400 naming the others)."""
    _require_perm(actor, "candidates.change_jobrequisition")
    _visible(JobRequisition, actor, job_id)
    job = JobRequisition.objects.select_for_update().get(pk=job_id)
    ids = list(dict.fromkeys(candidate_ids))
    user = _user(actor)
    qs = Candidate.objects.for_user(user) if user is not None else Candidate.objects.all()
    known = set(qs.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [str(i) for i in ids if i not in known]
    if missing:
        raise ValidationError({"backup_pool": [_("Unknown candidates: %(ids)s.") % {"ids": ", ".join(missing)}]})
    before = list(job.backup_pool.through.objects.filter(jobrequisition=job).order_by("pk")
                  .values_list("candidate_id", flat=True))
    if before != ids:
        job.backup_pool.clear()
        for candidate_id in ids:  # one insert each: the rows' order is the pool's order
            job.backup_pool.add(candidate_id)
        audit_record(actor=actor, action="job.backup_pool", obj=job, changes={"backup_pool": [before, ids]})
    return job
