"""Every write of the hiring pipeline (R-PIPE-1..6, R-HOSP-1, R-SEC-1..3).

Application moves
-----------------
Other apps move applications only through::

    application_transition(*, actor, application_id, transition, reason="")

``actor`` is a staff ``User`` (scope and the ``candidates.change_application``
permission are checked) or a string naming a machine ("vervoe", "hr_tick":
trusted, guards still apply). Transition names are stable:

==========================  ==========================================  ======================
name                        from                                        to
==========================  ==========================================  ======================
``screen``                  new                                         screening
``invite_ai``               screening                                   ai_invited
``reinvite_ai``             ai_no_show                                  ai_invited
``ai_complete``             ai_invited                                  ai_completed
``ai_no_show``              ai_invited                                  ai_no_show
``ai_review``               ai_completed                                ai_review (borderline)
``advance_to_interview``    screening, ai_completed, ai_review          interviewing
``make_offer``              interviewing                                offer
``hire``                    offer                                       hired
``become_employee``         hired                                       employee
``reject``                  any open stage (new .. offer)               rejected (reason needed)
``withdraw``                any open stage, hired                       withdrawn (reason needed)
``to_talent_pool``          screening, ai_no_show, ai_review,           talent_pool (reason needed)
                            rejected, withdrawn
``reactivate``              talent_pool                                 screening (same job)
==========================  ==========================================  ======================

A job lists in ``credential_checkpoints`` which of invite_ai, reinvite_ai,
advance_to_interview, make_offer and hire need its required credentials held
and unexpired (R-HOSP-1). An illegal move raises ``hrsys.api.errors.Conflict``
whose ``allowed`` names the moves this actor may make now (the API answers 409).
``talent_pool_reactivate`` opens a *new* application for another job, keeping
the old one and its history.
"""

import json
import os
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition

from hrsys.api.errors import Conflict
from hrsys.audit.services import audit_record, diff_fields, snapshot
from hrsys.core.actors import require_perm as _require_perm
from hrsys.core.actors import require_visible as _visible
from hrsys.core.actors import staff_user as _user

from . import matching, resumes, validators
from .models import (
    EDUCATION_RANK,
    INACTIVE_STATES,
    TRANSITION_NAMES,
    Application,
    Candidate,
    Credential,
    CredentialType,
    Education,
    InterviewRound,
    JobRequisition,
    Language,
    Resume,
    SourceChannel,
    State,
    Tag,
    TalentPoolEntry,
    TransitionLog,
)
from .signals import application_closed

CANDIDATE_FIELDS = ("name", "phone", "email", "id_number", "education", "years_experience", "skills", "source",
                    "preferred_language", "consent_version", "consent_at")
JOB_FIELDS = ("department", "title", "headcount", "priority", "status", "description", "skills", "min_years",
              "education_level", "required_credentials", "credential_checkpoints", "assessment_dimensions",
              "rejection_message")
REQUIREMENT_FIELDS = {"skills", "min_years", "education_level", "required_credentials"}


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


# -- helpers --------------------------------------------------------------------------------------



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


# -- candidates -----------------------------------------------------------------------------------

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


# -- jobs -------------------------------------------------------------------------------------------

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
    from django.contrib.auth import get_user_model  # noqa: PLC0415

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
    from hrsys.accounts.models import Department  # noqa: PLC0415

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


@transaction.atomic
def job_create(*, actor, rounds: list | None = None, **values) -> JobRequisition:
    """Open a requisition with its requirements, assessment dimensions and interview plan (R-PIPE-1)."""
    _require_perm(actor, "candidates.add_jobrequisition")
    job = _save_job(actor, JobRequisition(), values, rounds, creating=True)
    audit_record(actor=actor, action="job.create", obj=job,
                 changes=diff_fields({}, snapshot(job, JOB_FIELDS)))
    return job


@transaction.atomic
def job_update(*, actor, job_id: int, rounds: list | None = None, **changes) -> JobRequisition:
    """Change a requisition; a change of requirements recomputes its applications' match scores (R-PIPE-5)."""
    _require_perm(actor, "candidates.change_jobrequisition")
    _visible(JobRequisition, actor, job_id)
    job = JobRequisition.objects.select_for_update().get(pk=job_id)
    before = snapshot(job, JOB_FIELDS)
    job = _save_job(actor, job, changes, rounds, creating=False)
    diff = diff_fields(before, snapshot(job, JOB_FIELDS))
    if rounds is not None:
        diff["rounds"] = [None, len(rounds)]
    if diff:
        audit_record(actor=actor, action="job.update", obj=job, changes=diff)
    if set(diff) & REQUIREMENT_FIELDS:
        job_recompute_matches(job_id=job.pk)
    return job


# -- match scores -----------------------------------------------------------------------------------

def _store_matches(applications) -> int:
    rows = []
    today = timezone.localdate()
    for app in applications:
        app.match_score, app.match_breakdown = matching.compute_match(app.job, app.candidate, today=today)
        rows.append(app)
    # bulk_update (not save): a score never races a concurrent state change.
    Application.objects.bulk_update(rows, ["match_score", "match_breakdown"], batch_size=500)
    return len(rows)


def application_recompute_match(*, application_id: int) -> Application:
    app = Application.objects.select_related("job", "candidate").prefetch_related("candidate__credentials").get(
        pk=application_id)
    _store_matches([app])
    return app


def job_recompute_matches(*, job_id: int) -> int:
    """Rescore every open application of a job (after its requirements changed)."""
    qs = (Application.objects.filter(job_id=job_id).exclude(state__in=[State.EMPLOYEE])
          .select_related("job", "candidate").prefetch_related("candidate__credentials"))
    return _store_matches(qs.iterator(chunk_size=500))


def candidate_recompute_matches(*, candidate_id: int) -> int:
    qs = (Application.objects.filter(candidate_id=candidate_id).select_related("job", "candidate")
          .prefetch_related("candidate__credentials"))
    return _store_matches(list(qs))


# -- applications -----------------------------------------------------------------------------------

def _application_insert(*, actor, candidate, job, source, reactivated_from=None) -> Application:
    if Application.objects.active().filter(candidate=candidate, job=job).exists():
        raise ValidationError({"job": [_("This candidate already has an active application for this job.")]})
    app = Application.objects.create(candidate=candidate, job=job, source=source,
                                     created_by=_user(actor), reactivated_from=reactivated_from)
    audit_record(actor=actor, action="application.create", obj=app,
                 changes={"candidate": [None, candidate.pk], "job": [None, job.pk], "state": [None, app.state]})
    _store_matches([Application.objects.select_related("job", "candidate").get(pk=app.pk)])
    app.refresh_from_db()
    return app


@transaction.atomic
def application_create(*, actor, candidate_id: int, job_id: int, source: str | None = None,
                       reactivated_from_id: int | None = None) -> Application:
    """Apply a known candidate to an open job: one active application per candidate and job (R-PIPE-2)."""
    _require_perm(actor, "candidates.add_application")
    errors = {}
    user = _user(actor)
    candidates = Candidate.objects.for_user(user) if user is not None else Candidate.objects.all()
    candidate = candidates.filter(pk=candidate_id).first() if isinstance(candidate_id, int) else None
    if candidate is None:
        errors["candidate"] = [_("Unknown candidate.")]
    job = None
    try:
        job = _job_for_application(actor, job_id)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if source is not None and source not in SourceChannel.values:
        errors["source"] = [_("%(value)s is not one of: %(options)s.") % {"value": source, "options": ", ".join(SourceChannel.values)}]
    if errors:
        raise ValidationError(errors)
    return _application_insert(actor=actor, candidate=candidate, job=job, source=source or candidate.source,
                               reactivated_from=Application.objects.filter(pk=reactivated_from_id).first()
                               if reactivated_from_id else None)


def _transition_meta(name):
    return getattr(Application, name)._django_fsm


def allowed_transitions(application: Application, actor) -> list[str]:
    """Names of the moves ``actor`` may make on ``application`` now (state, guards and permission)."""
    user = _user(actor)
    names = []
    for name in TRANSITION_NAMES:
        meta = _transition_meta(name)
        if not meta.has_transition(application.state) or not meta.conditions_met(application, application.state):
            continue
        if user is not None and not meta.has_transition_perm(application, application.state, user):
            continue
        names.append(name)
    return names


def transition_label(name: str) -> str:
    t = _transition_meta(name).transitions
    return str(next(iter(t.values())).custom.get("label", name))


def credential_problems_in_words(problems) -> str:
    """``Application.credential_problems()`` as people read it: "护士执业证书 expired on 2026-11-25; BLS is missing"."""
    parts = []
    for p in problems:
        if p["problem"] == "missing":
            parts.append(_("%(credential)s is missing") % {"credential": p["label"]})
        else:
            parts.append(_("%(credential)s expired on %(date)s") % {"credential": p["label"], "date": p["expires_on"]})
    return "; ".join(parts)


def _blocked_reason(application, name) -> str:
    problems = application.credential_problems()
    if problems and name in (application.job.credential_checkpoints or []):
        return _("Blocked by the job's credential requirements: %(problems)s.") % {
            "problems": credential_problems_in_words(problems)}
    return _("The conditions for this move are not met.")


@transaction.atomic
def application_transition(*, actor, application_id: int, transition: str, reason: str = "") -> Application:
    """Move an application along the pipeline (R-PIPE-2, R-PIPE-4, R-HOSP-1, R-HOSP-2).

    Locks the row, checks scope, permission and guards, runs the django-fsm
    transition and writes a TransitionLog row and an AuditEvent in the same
    transaction. Illegal moves raise ``Conflict`` with the moves allowed now.
    """
    if transition not in TRANSITION_NAMES:
        raise ValidationError({"transition": [_("Unknown move %(name)s. Known moves: %(names)s.")
                                              % {"name": transition, "names": ", ".join(TRANSITION_NAMES)}]})
    user = _user(actor)
    _visible(Application, actor, application_id)
    app = (Application.objects.select_for_update().select_related("job", "candidate")
           .prefetch_related("candidate__credentials").get(pk=application_id))
    meta = _transition_meta(transition)
    source = app.state
    if not meta.has_transition(source):
        raise Conflict(_("%(move)s is not possible from the stage %(stage)s.")
                       % {"move": transition_label(transition), "stage": app.get_state_display()},
                       allowed=allowed_transitions(app, actor))
    if user is not None and not meta.has_transition_perm(app, source, user):
        raise PermissionDenied(transition)
    if not meta.conditions_met(app, source):
        raise Conflict(_blocked_reason(app, transition), allowed=allowed_transitions(app, actor))
    spec = meta.get_transition(source)
    reason = (reason or "").strip()
    if spec.custom.get("needs_reason") and not reason:
        raise ValidationError({"reason": [_("Give a reason for this move.")]})
    if transition == "reactivate" and Application.objects.active().filter(
            candidate_id=app.candidate_id, job_id=app.job_id).exclude(pk=app.pk).exists():
        raise Conflict(_("The candidate already has another active application for this job."),
                       allowed=[n for n in allowed_transitions(app, actor) if n != "reactivate"])
    getattr(app, transition)()
    now = timezone.now()
    stage_seconds = max(0, int((now - app.state_changed_at).total_seconds()))
    app.state_changed_at = now
    try:
        app.save(update_fields=["state", "state_changed_at"])
    except ConcurrentTransition:  # only when a writer skipped the lock
        raise Conflict(_("Someone else moved this application just now; reload it."), allowed=[])
    TransitionLog.objects.create(application=app, actor=user, actor_label="" if user else str(actor), at=now,
                                 from_state=source, to_state=app.state, transition=transition, reason=reason,
                                 stage_seconds=stage_seconds)
    audit_record(actor=actor, action=f"application.{transition}", obj=app,
                 changes={"state": [source, app.state]}, reason=reason)
    if app.state in INACTIVE_STATES and source not in INACTIVE_STATES:
        application_closed.send(sender=Application, application=app, transition=transition, actor=actor,
                                reason=reason)
    if transition == "to_talent_pool":
        _pool_entry_add(app, source, reason)
    elif transition == "reactivate":
        TalentPoolEntry.objects.filter(application=app).update(reactivated_at=now, reactivated_into=app)
    return app


def _auto_tags(app, source) -> list[str]:
    tags = []
    if source == State.AI_NO_SHOW:
        tags.append("AI interview no-show")
    elif source in (State.REJECTED, State.WITHDRAWN):
        tags.append(str(source))
    if app.match_score is not None:
        tags.append(f"match {app.match_score // 10 * 10}")
    return tags


def _tags(names) -> list[Tag]:
    out = []
    for name in dict.fromkeys(n.strip()[:60] for n in names if n and n.strip()):
        out.append(Tag.objects.get_or_create(name=name)[0])
    return out


def _pool_entry_add(app, source, reason):
    entry, _created = TalentPoolEntry.objects.update_or_create(
        application=app, defaults={"candidate_id": app.candidate_id, "note": reason, "added_at": timezone.now(),
                                   "reactivated_at": None, "reactivated_into": None})
    entry.tags.add(*_tags(_auto_tags(app, source)))
    app.tags.add(*entry.tags.all())
    return entry


@transaction.atomic
def talent_pool_tag(*, actor, entry_id: int, add=(), remove=()) -> TalentPoolEntry:
    """Add or remove tags of a talent-pool entry (R-PIPE-6)."""
    _require_perm(actor, "candidates.change_talentpoolentry")
    _visible(TalentPoolEntry, actor, entry_id)
    entry = TalentPoolEntry.objects.select_for_update().get(pk=entry_id)
    entry.tags.add(*_tags(add))
    entry.tags.remove(*Tag.objects.filter(name__in=list(remove)))
    audit_record(actor=actor, action="talent_pool.tag", obj=entry, changes={"tags": [list(remove), list(add)]})
    return entry


@transaction.atomic
def talent_pool_reactivate(*, actor, application_id: int, job_id: int, reason: str = "") -> Application:
    """Open a new application for ``job_id`` from a talent-pool application, keeping the old one and its
    history (R-PIPE-6)."""
    _require_perm(actor, "candidates.add_application")
    _visible(Application, actor, application_id)
    old = Application.objects.select_for_update().select_related("candidate").get(pk=application_id)
    if old.state != State.TALENT_POOL:
        raise Conflict(_("Only applications in the talent pool can be re-activated for another job."),
                       allowed=allowed_transitions(old, actor))
    job = _job_for_application(actor, job_id)
    new = _application_insert(actor=actor, candidate=old.candidate, job=job, source=old.source, reactivated_from=old)
    TalentPoolEntry.objects.filter(application=old).update(reactivated_at=timezone.now(), reactivated_into=new)
    audit_record(actor=actor, action="talent_pool.reactivate", obj=old,
                 changes={"reactivated_into": [None, new.pk], "job": [old.job_id, job.pk]}, reason=reason)
    return new


# -- credentials ------------------------------------------------------------------------------------

@transaction.atomic
def credential_add(*, actor, candidate_id: int, type: str, number: str = "", issuer: str = "",  # noqa: A002
                   issued_on=None, expires_on=None, file_data: bytes | None = None,
                   file_name: str = "") -> Credential:
    """Record a licence or certificate; rescoring follows (R-HOSP-1)."""
    _require_perm(actor, "candidates.add_credential")
    _visible(Candidate, actor, candidate_id)
    errors = {}
    if type not in CredentialType.values:
        errors["type"] = [_("Unknown credential type.")]
    if issued_on and expires_on and expires_on < issued_on:
        errors["expires_on"] = [_("A credential cannot expire before it was issued.")]
    if file_data is not None and resumes.sniff(file_data) != "pdf" and not file_data[:3] == b"\xff\xd8\xff" \
            and not file_data[:8] == b"\x89PNG\r\n\x1a\n":
        errors["file"] = [_("Upload the scan as PDF, JPEG or PNG.")]
    if errors:
        raise ValidationError(errors)
    cred = Credential(candidate_id=candidate_id, type=type, number=(number or "").strip(), issuer=issuer or "",
                      issued_on=issued_on, expires_on=expires_on)
    if file_data is not None:
        ext = os.path.splitext(file_name)[1].lower()[:6] or ".bin"
        cred.file.save(f"{uuid.uuid4().hex}{ext}", ContentFile(file_data), save=False)
    cred.save()
    audit_record(actor=actor, action="credential.add", obj=cred,
                 changes={"type": [None, type], "expires_on": [None, str(expires_on) if expires_on else None]})
    candidate_recompute_matches(candidate_id=candidate_id)
    return cred


# -- resumes ----------------------------------------------------------------------------------------

RESUME_CONFIRMABLE = ("name", "phone", "email", "years_experience", "education", "skills")


@transaction.atomic
def resume_upload(*, actor, candidate_id: int, data: bytes, filename: str = "", job_id: int | None = None) -> Resume:
    """Store a PDF/DOCX resume encrypted, extract its text and propose fields for HR (R-PIPE-5, R-SEC-2)."""
    _require_perm(actor, "candidates.add_resume")
    _visible(Candidate, actor, candidate_id)
    kind = resumes.check_upload(data)
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


@transaction.atomic
def application_withdraw_by_candidate(*, candidate_id: int, application_id: int, reason: str) -> Application:
    """The candidate withdraws one of their own open applications in the portal (R-PORTAL-2): the pipeline move
    (booked interviews are cancelled through ``application_closed``) and an in-app note to the responsible HR.
    Another candidate's application is a 404, a closed one a 409, no reason a 400."""
    from notifications.services import notification_create  # noqa: PLC0415
    from notifications.types import Recipient  # noqa: PLC0415

    from .selectors import responsible_hr  # noqa: PLC0415

    app = (Application.objects.select_related("job__department", "candidate")
           .filter(pk=application_id, candidate_id=candidate_id).first())
    if app is None:
        raise Http404
    if not app.is_open:
        raise Conflict(_("This application is %(stage)s already.") % {"stage": app.get_state_display()}, allowed=[])
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Please tell us why.")]})
    application_transition(actor=f"candidate:{candidate_id}", application_id=app.pk, transition="withdraw",
                           reason=reason)
    for user in responsible_hr(app):
        with translation.override(user.preferred_language or "zh-hans"):
            title = _("%(c)s withdrew from %(job)s") % {"c": app.candidate.name, "job": app.job.title}
            message = _("Reason given: %(r)s. Booked interviews were cancelled.") % {"r": reason}
        notification_create(recipient=Recipient.for_user(user), channel="in_app", template_key="generic_alert",
                            context={"title": title, "message": message, "url": f"/admin/candidates/application/"
                                                                                 f"{app.pk}/change/"},
                            idempotency_key=f"application:{app.pk}:withdrawn-by-candidate:{user.pk}",
                            department=app.job.department, related=("candidates.application", app.pk),
                            actor="portal")
    app.refresh_from_db()
    return app
