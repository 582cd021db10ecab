"""Candidates coming in: their data checked and normalised, duplicates found (phone, e-mail, ID number) and
merged, résumés stored and their proposed fields confirmed (R-PIPE-5, R-SEC-2)."""

import json
import os
import uuid

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record, diff_fields, snapshot
from hrsys.core.actors import require_perm as _require_perm
from hrsys.core.actors import require_visible as _visible
from hrsys.core.actors import staff_user as _user

from .. import resumes, validators
from ..models import EDUCATION_RANK, Candidate, Education, JobRequisition, Language, Resume, SourceChannel
from .applications import _application_insert
from .jobs import _job_for_application
from .matches import candidate_recompute_matches

CANDIDATE_FIELDS = ("name", "phone", "email", "id_number", "education", "years_experience", "skills", "source",
                    "preferred_language", "consent_version", "consent_at")


class DuplicateCandidate(Exception):
    """The phone, email or ID number already belongs to candidates: offer a merge instead of a second record.

    ``matches`` is ``[{"id": candidate id, "fields": ["phone", ...]}]``.
    """

    def __init__(self, matches):
        self.matches = matches
        super().__init__(_("A candidate with the same phone, email or ID number already exists."))

    @property
    def candidate_ids(self) -> list[int]:
        return [m["id"] for m in self.matches]


def clean_candidate_fields(values: dict, *, partial: bool = False) -> dict:
    """Validated, normalised candidate values; ValidationError naming every bad field (R-PIPE-5)."""
    errors: dict[str, list] = {}
    cleaned: dict = {}
    unknown = set(values) - set(CANDIDATE_FIELDS)
    for name in sorted(unknown):
        errors[name] = [_("Unknown field.")]

    def check(name, fn):
        if name not in values:
            return
        try:
            cleaned[name] = fn(values[name])
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)

    def name_(v):
        v = (v or "").strip()
        if not v:
            raise ValidationError(_("A name is required."))
        if len(v) > 100:
            raise ValidationError(_("At most 100 characters."))
        return v

    def phone(v):
        return validators.validate_phone(v) if (v or "").strip() else ""

    def email(v):
        v = (v or "").strip().lower()
        if v:
            validate_email(v)
        return v

    def id_number(v):
        return validators.validate_id_number(v) if (v or "").strip() else ""

    def choice(options):
        def fn(v):
            if v not in options:
                raise ValidationError(_("%(value)s is not one of: %(options)s.") % {"value": v, "options": ", ".join(options)})
            return v
        return fn

    def years(v):
        if isinstance(v, bool) or not isinstance(v, int | str | float):
            raise ValidationError(_("Enter a whole number of years."))
        try:
            n = int(str(v).strip())
        except ValueError:
            raise ValidationError(_("Enter a whole number of years."))
        if not 0 <= n <= 60:
            raise ValidationError(_("Years of experience must be between 0 and 60."))
        return n

    def skills(v):
        if isinstance(v, str):
            v = [s.strip() for s in v.replace("，", ",").replace("、", ",").split(",") if s.strip()]
        validators.validate_skill_list(v)
        return list(dict.fromkeys(s.strip() for s in v))

    def text40(v):
        v = (v or "").strip()
        if len(v) > 40:
            raise ValidationError(_("At most 40 characters."))
        return v

    def moment(v):
        if v is None:
            return None
        if not hasattr(v, "tzinfo") or timezone.is_naive(v):
            raise ValidationError(_("Give the time with its time zone."))
        return v

    check("name", name_)
    check("phone", phone)
    check("email", email)
    check("id_number", id_number)
    check("education", choice(Education.values))
    check("years_experience", years)
    check("skills", skills)
    check("source", choice(SourceChannel.values))
    check("preferred_language", choice(Language.values))
    check("consent_version", text40)
    check("consent_at", moment)
    if not partial:
        if "name" not in values and "name" not in errors:
            errors["name"] = [_("A name is required.")]
        if not cleaned.get("phone") and not cleaned.get("email") and "phone" not in errors and "email" not in errors:
            errors["phone"] = [_("Give a phone number or an email address so the candidate can be reached.")]
    if errors:
        raise ValidationError(errors)
    return cleaned


def find_duplicates(*, phone: str = "", email: str = "", id_number: str = "", exclude_id=None) -> list[dict]:
    """Candidates sharing a phone, email or ID number (exact, through the blind indexes)."""
    matches: dict[int, list[str]] = {}
    for field, raw in (("phone", phone), ("email", email), ("id_number", id_number)):
        if not raw:
            continue
        index = Candidate._meta.get_field(f"{field}_index").index_for(raw)
        qs = Candidate.objects.filter(**{f"{field}_index": index})
        if exclude_id:
            qs = qs.exclude(pk=exclude_id)
        for pk in qs.values_list("pk", flat=True):
            matches.setdefault(pk, []).append(field)
    return [{"id": pk, "fields": fields} for pk, fields in sorted(matches.items())]


@transaction.atomic
def candidate_create(*, actor, job_id=None, application_source: str | None = None, allow_duplicate: bool = False,
                     **values) -> Candidate:
    """Create a candidate, and their application when ``job_id`` is given (R-PIPE-5, R-SEC-2).

    Raises ``DuplicateCandidate`` when the phone, email or ID number is known already,
    so callers offer ``candidate_merge`` / an application of the existing candidate.
    """
    _require_perm(actor, "candidates.add_candidate")
    errors = {}
    try:
        cleaned = clean_candidate_fields(values)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        cleaned = {}
    job = None
    if job_id is not None:
        try:
            job = _job_for_application(actor, job_id)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if not allow_duplicate:
        dupes = find_duplicates(phone=cleaned.get("phone", ""), email=cleaned.get("email", ""),
                                id_number=cleaned.get("id_number", ""))
        if dupes:
            raise DuplicateCandidate(dupes)
    candidate = Candidate.objects.create(**cleaned)
    audit_record(actor=actor, action="candidate.create", obj=candidate,
                 changes=diff_fields({}, snapshot(candidate, CANDIDATE_FIELDS), model=Candidate))
    if job is not None:
        _application_insert(actor=actor, candidate=candidate, job=job,
                            source=application_source or candidate.source)
    return candidate


@transaction.atomic
def candidate_update(*, actor, candidate_id: int, **changes) -> Candidate:
    """Change a candidate's data; recompute match scores when skills, years or education change (R-PIPE-5)."""
    _require_perm(actor, "candidates.change_candidate")
    _visible(Candidate, actor, candidate_id)
    cleaned = clean_candidate_fields(changes, partial=True)
    candidate = Candidate.objects.select_for_update().get(pk=candidate_id)
    dupes = find_duplicates(phone=cleaned.get("phone", ""), email=cleaned.get("email", ""),
                            id_number=cleaned.get("id_number", ""), exclude_id=candidate.pk)
    if dupes:
        raise DuplicateCandidate(dupes)
    before = snapshot(candidate, CANDIDATE_FIELDS)
    for name, value in cleaned.items():
        setattr(candidate, name, value)
    candidate.save()
    diff = diff_fields(before, snapshot(candidate, CANDIDATE_FIELDS), model=Candidate)
    if diff:
        audit_record(actor=actor, action="candidate.update", obj=candidate, changes=diff)
    if set(diff) & {"skills", "years_experience", "education"}:
        candidate_recompute_matches(candidate_id=candidate.pk)
    return candidate


@transaction.atomic
def candidate_merge(*, actor, target_id: int, source_id: int) -> Candidate:
    """Fold the duplicate ``source`` into ``target``: applications, credentials, resumes and pool entries
    move over, empty fields of the target are filled, then the source is deleted (R-PIPE-5)."""
    _require_perm(actor, "candidates.change_candidate")
    if target_id == source_id:
        raise ValidationError({"source": [_("A candidate cannot be merged into itself.")]})
    _visible(Candidate, actor, target_id)
    _visible(Candidate, actor, source_id)
    target, source = (Candidate.objects.select_for_update().get(pk=pk) for pk in (target_id, source_id))
    clash = set(target.applications.active().values_list("job_id", flat=True)) & set(
        source.applications.active().values_list("job_id", flat=True))
    if clash:
        titles = ", ".join(JobRequisition.objects.filter(pk__in=clash).values_list("title", flat=True))
        raise ValidationError({"source": [
            _("Both candidates have an active application for: %(jobs)s. Withdraw one of them first.") % {"jobs": titles}]})
    before = snapshot(target, CANDIDATE_FIELDS)
    for field in ("phone", "email", "id_number", "consent_version", "consent_at"):
        if not getattr(target, field) and getattr(source, field):
            setattr(target, field, getattr(source, field))
    target.skills = list(dict.fromkeys([*target.skills, *source.skills]))
    target.years_experience = max(target.years_experience, source.years_experience)
    if EDUCATION_RANK[source.education] > EDUCATION_RANK[target.education]:
        target.education = source.education
    moved = _repoint_candidate_rows(source, target)
    source.delete()
    target.save()
    changes = diff_fields(before, snapshot(target, CANDIDATE_FIELDS), model=Candidate)
    changes["merged_from"] = [source_id, None]
    audit_record(actor=actor, action="candidate.merge", obj=target, changes={**changes, "moved": [None, moved]})
    candidate_recompute_matches(candidate_id=target.pk)
    return target


def _repoint_candidate_rows(source, target) -> dict:
    """Move every row of any app that points at ``source`` over to ``target`` (walked from the model's
    relations, so rows of later apps -- offers, onboarding -- are kept, not cascaded away)."""
    moved = {}
    for rel in Candidate._meta.related_objects:
        model, name = rel.related_model, rel.field.name
        if rel.many_to_many:
            for obj in model._base_manager.filter(**{name: source}):
                getattr(obj, name).add(target)
            continue
        if rel.one_to_one and model._base_manager.filter(**{name: target}).exists():
            continue  # the target has its own; the source's goes with it
        count = model._base_manager.filter(**{name: source}).update(**{name: target})
        if count:
            moved[model._meta.label_lower] = count
    return moved


RESUME_CONFIRMABLE = ("name", "phone", "email", "years_experience", "education", "skills")


@transaction.atomic
def resume_upload(*, actor, candidate_id: int, data: bytes, filename: str = "", job_id: int | None = None,
                  text: str | None = None) -> Resume:
    """Store a PDF/DOCX resume encrypted, extract its text and propose fields for HR (R-PIPE-5, R-SEC-2).
    ``text``: the résumé's text when the caller read it already, before taking its locks (parsing a PDF can
    take seconds)."""
    _require_perm(actor, "candidates.add_resume")
    _visible(Candidate, actor, candidate_id)
    kind = resumes.check_upload(data)
    if text is None:
        text = resumes.extract_text(data, kind)
    jobs = JobRequisition.objects.filter(applications__candidate_id=candidate_id)
    if job_id is not None:
        jobs = JobRequisition.objects.filter(pk=job_id)
    vocabulary = {}
    for job in jobs.distinct():
        vocabulary.update(job.skill_vocabulary())
    proposed = resumes.propose_fields(text, vocabulary)
    resume = Resume(candidate_id=candidate_id, kind=kind, original_name=os.path.basename(filename or "")[:200],
                    size=len(data), text=text, proposed_json=json.dumps(proposed, ensure_ascii=False),
                    uploaded_by=_user(actor))
    resume.file.save(f"{uuid.uuid4().hex}.{kind}", ContentFile(data), save=False)
    resume.save()
    audit_record(actor=actor, action="resume.upload", obj=resume,
                 changes={"kind": [None, kind], "size": [None, len(data)], "proposed": [None, sorted(proposed)]})
    return resume


@transaction.atomic
def resume_confirm(*, actor, resume_id: int, fields: dict) -> Resume:
    """HR accepts or corrects the proposed values; they become the candidate's data (R-PIPE-5)."""
    _require_perm(actor, "candidates.change_candidate")
    _visible(Resume, actor, resume_id)
    unknown = set(fields) - set(RESUME_CONFIRMABLE)
    if unknown:
        raise ValidationError({name: [_("Unknown field.")] for name in sorted(unknown)})
    resume = Resume.objects.select_for_update().get(pk=resume_id)
    candidate_update(actor=actor, candidate_id=resume.candidate_id, **fields)
    resume.confirmed_at = timezone.now()
    resume.confirmed_by = _user(actor)
    resume.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(actor=actor, action="resume.confirm", obj=resume, changes={"fields": [None, sorted(fields)]})
    return resume
