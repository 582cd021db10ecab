"""Configuration over the API (R-INT-4): vendors (secrets write-only), a job's AI policy with its backup pool.

Every write is audited; secrets are masked in the audit log (encrypted fields) and never read back. Bad input
raises ``ValidationError`` with field messages before anything is written (the API answers 400).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from candidates.models import JobRequisition
from candidates.services import job_backup_pool_set
from hrsys.audit.services import audit_record, diff_fields, snapshot
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import staff_user as _user
from hrsys.core.config import refuse_unknown

from ..models import JobAIPolicy, Vendor, clean_tags
from ._common import full_clean_with

VENDOR_FIELDS = ("slug", "name", "adapter", "signature_scheme", "secret", "previous_secret", "api_key",
                 "timestamp_tolerance_seconds", "max_body_bytes", "media_retention_days", "media_url_hosts",
                 "overall_min", "overall_max", "dimension_map", "interview_url_template", "active")
VENDOR_SECRETS = ("secret", "previous_secret", "api_key")
JOB_API_NAMES = {"tags": "question_tags"}
POLICY_FIELDS = ("auto_moves", "rejection_hold_hours", "overall_pass", "overall_borderline", "job_family", "tags",
                 "default_vendor", "duration_minutes")


# -- vendors ------------------------------------------------------------------------------------------------

@transaction.atomic
def vendor_create(*, actor, **values) -> Vendor:
    """A new AI interview vendor (R-INT-4, R-AI-1); its secrets are stored encrypted and never returned."""
    _require(actor, "ai_interviews.add_vendor")
    refuse_unknown(values, VENDOR_FIELDS)
    vendor = Vendor(**values)
    full_clean_with(vendor)
    vendor.save()
    audit_record(actor=actor, action="ai_vendor.create", obj=vendor,
                 changes=diff_fields({}, snapshot(vendor, VENDOR_FIELDS), model=Vendor))
    return vendor


@transaction.atomic
def vendor_update(*, actor, vendor_id: int, **changes) -> Vendor:
    """Change a vendor; a secret only when given (empty keeps it). The secret being replaced may be kept as
    ``previous_secret`` while the vendor switches (R-INT-4)."""
    _require(actor, "ai_interviews.change_vendor")
    refuse_unknown(changes, VENDOR_FIELDS)
    vendor = Vendor.objects.select_for_update().filter(pk=vendor_id).first()
    if vendor is None:
        raise Http404
    before = snapshot(vendor, VENDOR_FIELDS)
    for name, value in changes.items():
        if name == "secret" and not value:
            continue
        setattr(vendor, name, value)
    full_clean_with(vendor)
    vendor.save()
    changes = diff_fields(before, snapshot(vendor, VENDOR_FIELDS), model=Vendor)
    if changes:
        audit_record(actor=actor, action="ai_vendor.update", obj=vendor, changes=changes)
    return vendor


# -- a job's AI policy --------------------------------------------------------------------------------------

def _policy_values(values: dict) -> tuple[dict, dict]:
    """The policy's values with the vendor (by slug) and tags resolved, and the field errors found."""
    values, errors = dict(values), {}
    if "default_vendor" in values:
        slug = values["default_vendor"]
        vendor = Vendor.objects.filter(slug=slug, active=True).first() if slug else None
        if slug and vendor is None:
            errors["default_vendor"] = [_("Unknown or inactive vendor.")]
        values["default_vendor"] = vendor
    if "tags" in values:
        try:
            values["tags"] = clean_tags(values["tags"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
            values.pop("tags")
    if "job_family" in values:
        values["job_family"] = (values["job_family"] or "").strip()
    return values, errors


def _apply_policy(actor, policy: JobAIPolicy, values: dict, backup_pool, *, action: str, before: dict) -> JobAIPolicy:
    values, errors = _policy_values(values)
    for name, value in values.items():
        if name not in errors:
            setattr(policy, name, value)
    full_clean_with(policy, errors)
    policy.save()
    diff = diff_fields(before, snapshot(policy, POLICY_FIELDS))
    if diff or action == "ai_policy.create":
        audit_record(actor=actor, action=action, obj=policy, changes=diff)
    if backup_pool is not None:
        job_backup_pool_set(actor=actor, job_id=policy.job_id, candidate_ids=backup_pool)
    return policy


def _job_for(actor, job_id) -> JobRequisition:
    user = _user(actor)
    qs = JobRequisition.objects.for_user(user) if user is not None else JobRequisition.objects.all()
    job = qs.select_for_update(of=("self",)).filter(pk=job_id).first() if isinstance(job_id, int) else None
    if job is None:
        raise ValidationError({"job": [_("Unknown job.")]})
    return job


@transaction.atomic
def job_ai_policy_create(*, actor, job_id: int, backup_pool: list[int] | None = None, **values) -> JobAIPolicy:
    """The AI interview policy of a job that has none yet: automatic moves, holds, thresholds, job family and
    question tags, default vendor, length; optionally the job's backup pool (R-INT-4, R-PIPE-3, R-AI-5)."""
    _require(actor, "ai_interviews.add_jobaipolicy")
    refuse_unknown(values, POLICY_FIELDS)
    job = _job_for(actor, job_id)
    if JobAIPolicy.objects.filter(job=job).exists():
        raise ValidationError({"job": [_("This job has an AI policy already: change it instead.")]})
    return _apply_policy(actor, JobAIPolicy(job=job), values, backup_pool, action="ai_policy.create", before={})


def _policy_for(actor, policy_id) -> JobAIPolicy:
    user = _user(actor)
    qs = JobAIPolicy.objects.for_user(user) if user is not None else JobAIPolicy.objects.all()
    if not qs.filter(pk=policy_id).exists():
        raise Http404
    return JobAIPolicy.objects.select_for_update(of=("self",)).select_related("job").get(pk=policy_id)


@transaction.atomic
def job_ai_policy_update(*, actor, policy_id: int, backup_pool: list[int] | None = None,
                         **changes) -> JobAIPolicy:
    """Change a job's AI policy (and, when given, its backup pool); 404 outside the actor's scope (R-INT-4)."""
    _require(actor, "ai_interviews.change_jobaipolicy")
    refuse_unknown(changes, POLICY_FIELDS)
    policy = _policy_for(actor, policy_id)
    before = snapshot(policy, POLICY_FIELDS)
    return _apply_policy(actor, policy, changes, backup_pool, action="ai_policy.update", before=before)


@transaction.atomic
def job_ai_settings_save(*, actor, job, job_family: str | None = None,
                         question_tags: list[str] | None = None) -> JobAIPolicy | None:
    """The job family and question tags given with a job through the job API, kept in its AI policy
    (created with the defaults when the job has none); runs in the job service's transaction (R-AI-5)."""
    values = {name: value for name, value in (("job_family", job_family), ("tags", question_tags))
              if value is not None}
    if not values:
        return None
    policy = JobAIPolicy.objects.select_for_update().filter(job_id=job.pk).first()
    try:
        if policy is None:
            _require(actor, "ai_interviews.add_jobaipolicy")
            return _apply_policy(actor, JobAIPolicy(job_id=job.pk), values, None, action="ai_policy.create",
                                 before={})
        _require(actor, "ai_interviews.change_jobaipolicy")
        return _apply_policy(actor, policy, values, None, action="ai_policy.update",
                             before=snapshot(policy, POLICY_FIELDS))
    except ValidationError as exc:  # in the job API's words
        raise ValidationError({JOB_API_NAMES.get(name, name): messages
                               for name, messages in exc.message_dict.items()}) from None
