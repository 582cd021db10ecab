"""The hiring pipeline: jobs, candidates, credentials, resumes, applications (R-PIPE-*, R-HOSP-1).

The application state machine lives on :class:`Application`; the names of its
transitions are the public vocabulary other apps use through
``candidates.services.application_transition`` (see that module's docstring).
Transitions here are guards only: no I/O, no other rows.
"""

import json

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from hrsys.accounts.scope import ScopedQuerySet
from hrsys.audit.models import AppendOnlyModel, AppendOnlyQuerySet
from hrsys.crypto.fields import (
    BlindIndexField,
    EncryptedTextField,
    normalize_email,
    normalize_id_number,
    normalize_phone,
)
from hrsys.crypto.storage import encrypted_storage
from notifications.types import Recipient

from . import validators


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Education(models.TextChoices):
    """Ordered from lowest to highest: the order is what the match score compares."""

    NONE = "none", _("None / unknown")
    SECONDARY = "secondary", _("Secondary school (高中/中专)")
    ASSOCIATE = "associate", _("Associate degree (大专)")
    BACHELOR = "bachelor", _("Bachelor (本科)")
    MASTER = "master", _("Master (硕士)")
    DOCTORATE = "doctorate", _("Doctorate (博士)")


EDUCATION_RANK = {value: rank for rank, value in enumerate(Education.values)}


class CredentialType(models.TextChoices):
    NURSE_LICENCE = "nurse_licence", _("Nurse practising licence (护士执业证书)")
    PHYSICIAN_LICENCE = "physician_licence", _("Physician practising licence (医师执业证书)")
    PHYSICIAN_QUALIFICATION = "physician_qualification", _("Physician qualification (医师资格证书)")
    PHARMACIST_LICENCE = "pharmacist_licence", _("Licensed pharmacist (执业药师)")
    BLS = "bls", _("Basic life support (BLS)")
    ACLS = "acls", _("Advanced cardiac life support (ACLS)")
    FOOD_HYGIENE = "food_hygiene", _("Health certificate (健康证)")
    OTHER = "other", _("Other certificate")


class SourceChannel(models.TextChoices):
    JOB_BOARD = "job_board", _("Job board")
    REFERRAL = "referral", _("Referral")
    CAMPUS = "campus", _("Campus")
    AGENCY = "agency", _("Agency")
    WALK_IN = "walk_in", _("Walk-in")
    WEBSITE = "website", _("Careers website")
    IMPORT = "import", _("Imported list")
    OTHER = "other", _("Other")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


#: Moves a job may mark as needing its required credentials (R-HOSP-1).
CREDENTIAL_GATEABLE = ("invite_ai", "reinvite_ai", "advance_to_interview", "make_offer", "hire")
DEFAULT_CREDENTIAL_CHECKPOINTS = ["reinvite_ai", "advance_to_interview", "make_offer", "hire"]


def _default_checkpoints():
    return list(DEFAULT_CREDENTIAL_CHECKPOINTS)


class JobRequisition(models.Model):
    """An open position of a department (R-PIPE-1)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        ON_HOLD = "on_hold", _("On hold")
        FILLED = "filled", _("Filled")
        CLOSED = "closed", _("Closed")

    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="jobs")
    title = models.CharField(_("title"), max_length=120)
    headcount = models.PositiveSmallIntegerField(_("headcount"), default=1)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL,
                                db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    description = models.TextField(_("description"), blank=True)
    skills = models.JSONField(
        _("required skills"), default=list, blank=True, validators=[validators.validate_skill_requirements],
        help_text=_('[{"name": "静脉穿刺", "weight": 3, "aliases": ["IV"]}]; weights 1-10'))
    min_years = models.PositiveSmallIntegerField(_("minimum years of experience"), default=0)
    education_level = models.CharField(_("minimum education"), max_length=12, choices=Education.choices,
                                       default=Education.NONE)
    required_credentials = models.JSONField(
        _("required credentials"), default=list, blank=True, validators=[validators.validate_credential_types],
        help_text=_("credential types the candidate must hold, unexpired"))
    credential_checkpoints = models.JSONField(
        _("moves needing credentials"), default=_default_checkpoints, blank=True,
        validators=[validators.validate_credential_checkpoints],
        help_text=_("moves blocked while a required credential is missing or expired"))
    assessment_dimensions = models.JSONField(
        _("assessment dimensions"), default=list, blank=True, validators=[validators.validate_assessment_dimensions],
        help_text=_("A JSON list, one entry per dimension: its key (as the AI vendor names it), the label "
                    "interviewers read, the pass score and the borderline score (0-100)."))
    backup_pool = models.ManyToManyField("Candidate", verbose_name=_("backup pool"), blank=True,
                                         related_name="backup_for_jobs")
    rejection_message = models.TextField(_("rejection message"), blank=True,
                                         help_text=_("the template message sent when an application is rejected"))
    # Off by default: an internal posting or a confidential replacement is not advertised until HR says so.
    published = models.BooleanField(
        _("show on the careers site"), default=False, db_index=True,
        help_text=_("while the job is open, candidates see it on the public careers site and can apply there"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("job requisition")
        verbose_name_plural = _("job requisitions")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.title} ({self.department})" if self.department_id else self.title

    @property
    def organization_name(self) -> str:
        """The hospital or company the job belongs to, as candidates know it."""
        return self.department.organization().name

    def skill_names(self) -> list[str]:
        """The required skills' names, in the job's order."""
        return [s["name"] for s in self.skills or [] if isinstance(s, dict) and s.get("name")]

    def skill_vocabulary(self) -> dict[str, str]:
        """Every word that names a required skill (name and aliases, lower-cased) -> the skill's name."""
        vocab = {}
        for skill in self.skills or []:
            for word in [skill["name"], *skill.get("aliases", [])]:
                vocab[word.strip().lower()] = skill["name"]
        return vocab


class InterviewRound(models.Model):
    """One step of a job's ordered interview plan (R-PIPE-1, R-PIPE-2)."""

    class Kind(models.TextChoices):
        TECHNICAL = "technical", _("Technical")
        HUMANISTIC = "humanistic", _("Humanistic")
        CLINICAL = "clinical", _("Clinical")
        FINAL = "final", _("Final")

    job = models.ForeignKey(JobRequisition, verbose_name=_("job"), on_delete=models.CASCADE, related_name="rounds")
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    interviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("interviewers"), blank=True,
                                          related_name="interview_rounds")
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=45)
    requires_credentials = models.BooleanField(
        _("requires credentials"), default=False,
        help_text=_("the candidate's required credentials must be valid before this round is scheduled"))

    objects = ScopedQuerySet.as_manager()
    scope_path = "job__department"

    class Meta:
        verbose_name = _("interview round")
        verbose_name_plural = _("interview rounds")
        ordering = ["job", "order"]
        constraints = [models.UniqueConstraint(fields=["job", "order"], name="candidates_round_order_unique")]

    def __str__(self):
        return f"{self.order}. {self.get_kind_display()}"


class CandidateQuerySet(ScopedQuerySet):
    def by_identifier(self, raw: str):
        """Exact search by phone, email or ID number through the blind indexes."""
        raw = (raw or "").strip()
        if not raw:
            return self.none()
        q = Q()
        for field in ("phone_index", "email_index", "id_number_index"):
            value = Candidate._meta.get_field(field).index_for(raw)
            if value:
                q |= Q(**{field: value})
        return self.filter(q) if q else self.none()


class Candidate(models.Model):
    """A person who applied. No department of their own: visible through their applications (R-SEC-1)."""

    name = models.CharField(_("name"), max_length=100, db_index=True)
    phone = EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_index = BlindIndexField(source="phone", normalizer=normalize_phone)
    email = EncryptedTextField(_("email"), blank=True, default="")
    email_index = BlindIndexField(source="email", normalizer=normalize_email)
    id_number = EncryptedTextField(_("resident ID number"), blank=True, default="")
    id_number_index = BlindIndexField(source="id_number", normalizer=normalize_id_number)
    education = models.CharField(_("education"), max_length=12, choices=Education.choices, default=Education.NONE)
    years_experience = models.PositiveSmallIntegerField(_("years of experience"), default=0)
    skills = models.JSONField(_("skills"), default=list, blank=True, validators=[validators.validate_skill_list])
    source = models.CharField(_("source channel"), max_length=12, choices=SourceChannel.choices,
                              default=SourceChannel.OTHER)
    preferred_language = models.CharField(_("preferred language"), max_length=10, choices=Language.choices,
                                          default=Language.ZH_HANS)
    consent_version = models.CharField(_("consent text version"), max_length=40, blank=True)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, db_index=True,
                                         help_text=_("Personal data removed (retention or the person's request)."))

    objects = CandidateQuerySet.as_manager()
    scope_path = "applications"
    scope_interviewers = True  # interviewers see whom they interview

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the HR candidate list (admin, API) in its order: a page is read from the index, not sorted
            models.Index(F("created_at").desc(), F("id").desc(), name="cand_cand_created"),
        ]

    def __str__(self):
        return self.name

    def as_recipient(self):
        """This candidate as the outbox addresses them (contact data and language)."""

        return Recipient(type="candidates.candidate", id=self.pk, name=self.name, email=self.email or "",
                         phone=self.phone or "", language=self.preferred_language or "zh-hans")


def credential_upload_to(instance, filename):
    return f"credentials/{timezone.now():%Y/%m}/{filename}"


def resume_upload_to(instance, filename):
    return f"resumes/{timezone.now():%Y/%m}/{filename}"


class Credential(models.Model):
    """A licence or certificate of a candidate (R-HOSP-1)."""

    candidate = models.ForeignKey(Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="credentials")
    type = models.CharField(_("type"), max_length=30, choices=CredentialType.choices)
    number = EncryptedTextField(_("number"), blank=True, default="")
    issuer = models.CharField(_("issuer"), max_length=120, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True, db_index=True,
                                  help_text=_("empty: does not expire"))
    file = models.FileField(_("scan"), upload_to=credential_upload_to, blank=True,
                            storage=encrypted_storage("credential"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "candidate__applications"
    scope_interviewers = True

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")
        ordering = ["candidate", "type", "-expires_on"]

    def __str__(self):
        return f"{self.get_type_display()} ({self.candidate})" if self.candidate_id else self.get_type_display()

    def is_valid_on(self, day) -> bool:
        return self.expires_on is None or self.expires_on >= day


class Resume(models.Model):
    """An uploaded CV: the file and its text encrypted, the fields read from it proposed to HR (R-PIPE-5)."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "DOCX"

    candidate = models.ForeignKey(Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="resumes")
    file = models.FileField(_("file"), upload_to=resume_upload_to, storage=encrypted_storage("resume"))
    kind = models.CharField(_("file type"), max_length=4, choices=Kind.choices)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    text = EncryptedTextField(_("extracted text"), blank=True, default="")
    # field -> {"value": ..., "snippet": "...text it was read from..."}; encrypted: it quotes personal data.
    proposed_json = EncryptedTextField(_("proposed fields"), blank=True, default="")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "candidate__applications"
    scope_interviewers = True

    class Meta:
        verbose_name = _("resume")
        verbose_name_plural = _("resumes")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.original_name or f"resume #{self.pk}"

    @property
    def proposed(self) -> dict:
        return json.loads(self.proposed_json) if self.proposed_json else {}


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


class State(models.TextChoices):
    NEW = "new", _("New")
    SCREENING = "screening", _("Screening")
    AI_INVITED = "ai_invited", _("AI interview invited")
    AI_COMPLETED = "ai_completed", _("AI interview completed")
    AI_NO_SHOW = "ai_no_show", _("AI interview no-show")
    AI_REVIEW = "ai_review", _("AI result under HR review")
    INTERVIEWING = "interviewing", _("Interviewing")
    OFFER = "offer", _("Offer")
    HIRED = "hired", _("Hired")
    EMPLOYEE = "employee", _("Employee")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TALENT_POOL = "talent_pool", _("Talent pool")


#: States of an application whose candidate was hired (accepted the offer, or started).
HIRED_STATES = (State.HIRED, State.EMPLOYEE)
#: States in which an application no longer occupies the candidate x job slot.
INACTIVE_STATES = (State.REJECTED, State.WITHDRAWN, State.TALENT_POOL)
OPEN_STATES = (State.NEW, State.SCREENING, State.AI_INVITED, State.AI_COMPLETED, State.AI_NO_SHOW, State.AI_REVIEW,
               State.INTERVIEWING, State.OFFER)
MOVE_PERMISSION = "candidates.change_application"


def credentials_ok(application) -> bool:
    """Guard: every credential the job requires is held and unexpired (R-HOSP-1)."""
    return not application.credential_problems()


def _gated(name):
    """A guard that applies the credential check only when the job marks ``name`` as needing it."""
    def guard(application):
        return name not in (application.job.credential_checkpoints or []) or credentials_ok(application)
    guard.__name__ = f"credentials_ok_for_{name}"
    guard.credential_gate = name
    return guard


class ApplicationQuerySet(ScopedQuerySet):
    def active(self):
        return self.exclude(state__in=INACTIVE_STATES)


class Application(ConcurrentTransitionMixin, models.Model):
    """A candidate x job, moving through the pipeline state machine (R-PIPE-2, R-PIPE-4)."""

    candidate = models.ForeignKey(Candidate, verbose_name=_("candidate"), on_delete=models.PROTECT,
                                  related_name="applications")
    job = models.ForeignKey(JobRequisition, verbose_name=_("job"), on_delete=models.PROTECT,
                            related_name="applications")
    state = FSMField(_("stage"), default=State.NEW, choices=State.choices, protected=True, db_index=True)
    source = models.CharField(_("source channel"), max_length=12, choices=SourceChannel.choices,
                              default=SourceChannel.OTHER, db_index=True)
    match_score = models.PositiveSmallIntegerField(_("match score"), null=True, blank=True, db_index=True)
    match_breakdown = models.JSONField(_("match breakdown"), default=dict, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="applications")
    reactivated_from = models.ForeignKey("self", verbose_name=_("re-activated from"), null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="reactivations")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("applied"), default=timezone.now, db_index=True)
    state_changed_at = models.DateTimeField(_("stage since"), default=timezone.now)

    objects = ApplicationQuerySet.as_manager()
    scope_path = ""  # the anchor itself
    scope_interviewers = True

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "job"], condition=~Q(state__in=INACTIVE_STATES),
                                    name="candidates_one_active_application_per_job"),
        ]
        indexes = [
            # the screening queue: one job, best match first (walked in order, stops after a page)
            # (unscored rows sort as -1: last when best-first, in every database)
            models.Index(F("job"), Coalesce("match_score", -1).desc(), F("id").desc(), name="cand_app_job_score"),
            models.Index(F("created_at").desc(), F("id").desc(), name="cand_app_created"),
            models.Index(fields=["state", "-created_at"], name="cand_app_state_created"),
            # the pipeline board (R-UI-3): one job's counts per stage (index only) and each stage's best matches
            models.Index(F("job"), F("state"), Coalesce("match_score", -1).desc(), F("id").desc(),
                         name="cand_app_job_stage_score"),
            # the HR list's score range within jobs (admin "80-100" with a priority, which names jobs): the
            # matches themselves, not every application of the jobs; with the statistics of migration 0012
            # (job and score together) so the planner knows how few a job has in a range
            models.Index(fields=["job", "match_score"], name="cand_app_job_score_range"),
        ]

    def __str__(self):
        return f"{self.candidate} → {self.job.title}" if self.candidate_id and self.job_id else f"application #{self.pk}"

    @property
    def is_open(self) -> bool:
        """Still in the pipeline (not hired, rejected, withdrawn or pooled)."""
        return self.state in OPEN_STATES

    # -- credential status (R-HOSP-1) -------------------------------------------------------------

    def credential_problems(self, *, today=None) -> list[dict]:
        """Required credentials that are missing or expired: ``[{"type", "label", "problem", "expires_on"}]``."""
        required = list(self.job.required_credentials or [])
        if not required:
            return []
        today = today or timezone.localdate()
        creds = list(self.candidate.credentials.all())  # uses a prefetch when the caller made one
        problems = []
        for ctype in required:
            mine = [c for c in creds if c.type == ctype]
            label = str(CredentialType(ctype).label) if ctype in CredentialType.values else ctype
            if not mine:
                problems.append({"type": ctype, "label": label, "problem": "missing", "expires_on": None})
            elif not any(c.is_valid_on(today) for c in mine):
                latest = max(c.expires_on for c in mine)
                problems.append({"type": ctype, "label": label, "problem": "expired", "expires_on": latest.isoformat()})
        return problems

    # -- the state machine ------------------------------------------------------------------------
    # Transition names are public (other apps call them by name): keep them stable.

    @transition(field=state, source=State.NEW, target=State.SCREENING, permission=MOVE_PERMISSION,
                custom={"label": _("Start screening")})
    def screen(self):
        pass

    @transition(field=state, source=State.SCREENING, target=State.AI_INVITED, permission=MOVE_PERMISSION,
                conditions=[_gated("invite_ai")], custom={"label": _("Invite to AI interview")})
    def invite_ai(self):
        pass

    @transition(field=state, source=State.AI_NO_SHOW, target=State.AI_INVITED, permission=MOVE_PERMISSION,
                conditions=[_gated("reinvite_ai")], custom={"label": _("Re-invite to AI interview")})
    def reinvite_ai(self):
        pass

    @transition(field=state, source=State.AI_INVITED, target=State.AI_COMPLETED, permission=MOVE_PERMISSION,
                custom={"label": _("AI interview completed")})
    def ai_complete(self):
        pass

    @transition(field=state, source=State.AI_INVITED, target=State.AI_NO_SHOW, permission=MOVE_PERMISSION,
                custom={"label": _("AI interview no-show")})
    def ai_no_show(self):
        pass

    @transition(field=state, source=State.AI_COMPLETED, target=State.AI_REVIEW, permission=MOVE_PERMISSION,
                custom={"label": _("Send AI result to HR review")})
    def ai_review(self):
        pass

    @transition(field=state, source=[State.SCREENING, State.AI_COMPLETED, State.AI_REVIEW], target=State.INTERVIEWING,
                permission=MOVE_PERMISSION, conditions=[_gated("advance_to_interview")],
                custom={"label": _("Advance to interviews")})
    def advance_to_interview(self):
        pass

    @transition(field=state, source=State.INTERVIEWING, target=State.OFFER, permission=MOVE_PERMISSION,
                conditions=[_gated("make_offer")], custom={"label": _("Make an offer")})
    def make_offer(self):
        pass

    @transition(field=state, source=State.OFFER, target=State.HIRED, permission=MOVE_PERMISSION,
                conditions=[_gated("hire")], custom={"label": _("Hire")})
    def hire(self):
        pass

    @transition(field=state, source=State.HIRED, target=State.EMPLOYEE, permission=MOVE_PERMISSION,
                custom={"label": _("Became employee")})
    def become_employee(self):
        pass

    @transition(field=state, source=list(OPEN_STATES), target=State.REJECTED, permission=MOVE_PERMISSION,
                custom={"label": _("Reject"), "needs_reason": True})
    def reject(self):
        pass

    @transition(field=state, source=[*OPEN_STATES, State.HIRED], target=State.WITHDRAWN, permission=MOVE_PERMISSION,
                custom={"label": _("Withdrawn by candidate"), "needs_reason": True})
    def withdraw(self):
        pass

    @transition(field=state, source=[State.SCREENING, State.AI_NO_SHOW, State.AI_REVIEW, State.REJECTED,
                                     State.WITHDRAWN],
                target=State.TALENT_POOL, permission=MOVE_PERMISSION,
                custom={"label": _("Keep in talent pool"), "needs_reason": True})
    def to_talent_pool(self):
        pass

    @transition(field=state, source=State.TALENT_POOL, target=State.SCREENING, permission=MOVE_PERMISSION,
                custom={"label": _("Re-activate for this job")})
    def reactivate(self):
        pass

    @transition(field=state, source=State.TALENT_POOL, target=State.WITHDRAWN, permission=MOVE_PERMISSION,
                custom={"label": _("Remove from talent pool"), "needs_reason": True})
    def leave_talent_pool(self):
        pass


def _transition_names() -> tuple[str, ...]:
    lines = {t.name: t.method.__code__.co_firstlineno
             for t in Application._meta.get_field("state").get_all_transitions(Application)}
    return tuple(sorted(lines, key=lines.get))


#: Every move of the application machine, in pipeline order (walked from the model, so it cannot drift).
TRANSITION_NAMES = _transition_names()


class TransitionLogQuerySet(AppendOnlyQuerySet, ScopedQuerySet):
    pass


class TransitionLog(AppendOnlyModel):
    """One row per state change of an application (R-PIPE-2, R-HOSP-2)."""

    application = models.ForeignKey(Application, verbose_name=_("application"), on_delete=models.CASCADE,
                                    related_name="transitions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(_("actor label"), max_length=120, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    from_state = models.CharField(_("from"), max_length=20, choices=State.choices)
    to_state = models.CharField(_("to"), max_length=20, choices=State.choices)
    transition = models.CharField(_("move"), max_length=40)
    reason = models.TextField(_("reason"), blank=True)
    # Recorded with the move so the dashboards' time-in-stage figures are one aggregation, not a window over
    # every application's history (R-DASH-1).
    stage_seconds = models.PositiveBigIntegerField(
        _("seconds in the stage"), null=True, blank=True,
        help_text=_("how long the application stood in the stage it left: from entering it to this move"))

    objects = TransitionLogQuerySet.as_manager()
    scope_path = "application"
    scope_interviewers = True

    class Meta:
        verbose_name = _("transition log")
        verbose_name_plural = _("transition logs")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"

    def save(self, *args, **kwargs):
        if self.stage_seconds is None and self.application_id and self.at:
            self.stage_seconds = self.seconds_since_stage_entered()
        super().save(*args, **kwargs)

    def seconds_since_stage_entered(self) -> int:
        """From the previous move of the application (or its arrival) to this one; services that know when
        the stage began pass ``stage_seconds`` themselves and skip this query."""
        previous = (TransitionLog.objects.filter(application_id=self.application_id, at__lte=self.at)
                    .order_by("-at", "-id").values_list("at", flat=True).first())
        entered = previous or Application.objects.filter(pk=self.application_id).values_list(
            "created_at", flat=True).get()
        return max(0, int((self.at - entered).total_seconds()))


class JobStageCountQuerySet(models.QuerySet):
    def for_jobs(self, job_ids) -> dict[int, dict[str, int]]:
        """job id -> {stage: applications}, for ``job_ids`` (the stripes summed; stages without any left out)."""
        counts: dict[int, dict[str, int]] = {}
        rows = (self.filter(job_id__in=list(job_ids)).values_list("job_id", "state").annotate(total=models.Sum("n"))
                .order_by())
        for job_id, state, total in rows:
            if total:
                counts.setdefault(job_id, {})[state] = total
        return counts


class JobStageCount(models.Model):
    """How many applications each job has in each stage, kept by the database itself: triggers on the
    application table (migration 0011) add and subtract in the same transaction as every insert, delete and
    change of stage or job, whichever code makes it (services, bulk loads, retention, raw SQL). The jobs list
    and the board read their counts here instead of counting a job's applications, which cost time in
    proportion to the table (R-UI-3 at a million applications).

    A job's count of a stage is spread over ``STRIPES`` rows (``slot`` = application id modulo ``STRIPES``), so
    applications arriving at the same job at the same time lock different rows until they commit; readers sum
    at most ``STRIPES`` rows a stage. Counts only, no one's data: visible jobs are chosen through the scope
    (``JobRequisition.objects.for_user``), and a job visible to someone has all its applications visible too."""

    STRIPES = 8

    job = models.ForeignKey(JobRequisition, verbose_name=_("job"), on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("stage"), max_length=50, choices=State.choices)
    slot = models.PositiveSmallIntegerField(_("stripe"))
    n = models.IntegerField(_("applications"), default=0)

    objects = JobStageCountQuerySet.as_manager()

    class Meta:
        verbose_name = _("applications per job and stage")
        verbose_name_plural = _("applications per job and stage")
        constraints = [models.UniqueConstraint(fields=["job", "state", "slot"], name="cand_jobstagecount_unique")]

    def __str__(self):
        return f"{self.job_id} {self.state}: {self.n}"


class TalentPoolEntry(models.Model):
    """A candidate kept for later, with tags, after an application ended (R-PIPE-6)."""

    candidate = models.ForeignKey(Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="pool_entries")
    application = models.OneToOneField(Application, verbose_name=_("from application"), on_delete=models.CASCADE,
                                       related_name="pool_entry")
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="pool_entries")
    note = models.TextField(_("note"), blank=True)
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    reactivated_at = models.DateTimeField(_("re-activated"), null=True, blank=True)
    reactivated_into = models.ForeignKey(Application, verbose_name=_("re-activated into"), null=True, blank=True,
                                         on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path = "application"

    class Meta:
        verbose_name = _("talent pool entry")
        verbose_name_plural = _("talent pool")
        ordering = ["-added_at", "-id"]

    def __str__(self):
        return str(self.candidate)


class LegalHold(models.Model):
    """Keep everything of this candidate: the retention sweep skips them and deletion is refused (R-SEC-5)."""

    candidate = models.ForeignKey(Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="legal_holds")
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("placed by"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("released by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    released_at = models.DateTimeField(_("released"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "candidate__applications"

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["candidate"], condition=Q(released_at__isnull=True),
                                               name="cand_one_active_hold")]

    def __str__(self):
        return f"hold #{self.pk}"


class Purpose(models.TextChoices):
    """What a candidate agrees to (PIPL art. 14: consent per purpose; R-SEC-5)."""

    RECRUITMENT = "recruitment", _("Processing my application")
    TALENT_POOL = "talent_pool", _("Keeping me in the talent pool after my application closes")
    AI_RECORDING = "ai_recording", _("AI video interview and its recording")


class ConsentChannel(models.TextChoices):
    PORTAL = "portal", _("Candidate portal")
    CAREERS = "careers", _("Careers site")
    STAFF = "staff", _("Recorded by HR")
    IMPORT = "import", _("Import")


class PrivacyNotice(models.Model):
    """One published version of an organisation's privacy notice, in Chinese and English (R-SEC-5).

    Published versions are never edited: a change is a new version, and candidates are asked again. An
    organisation without one shows the standard notice shipped with hrsys, version 1 (``hrsys.privacy.consent``)."""

    organization = models.ForeignKey("accounts.Department", verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     related_name="privacy_notices", limit_choices_to={"kind": "organization"})
    version = models.PositiveIntegerField(_("version"))
    text_zh_hans = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    published_at = models.DateTimeField(_("published"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path = "organization"

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["organization", "-version"]
        constraints = [models.UniqueConstraint(fields=["organization", "version"], name="privacy_notice_version_once")]

    def __str__(self):
        return f"{self.organization} v{self.version}"


class ConsentRecord(models.Model):
    """A candidate gave or withdrew consent to one purpose of one organisation's notice: which version, when,
    through which channel (R-SEC-5). Never changed: the latest record of a purpose is the answer."""

    candidate = models.ForeignKey(Candidate, verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="consents")
    organization = models.ForeignKey("accounts.Department", verbose_name=_("organisation"), on_delete=models.PROTECT,
                                     related_name="+")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    given = models.BooleanField(_("given"), help_text=_("false: withdrawn"))
    notice_version = models.PositiveIntegerField(_("notice version"))
    at = models.DateTimeField(_("at"))
    channel = models.CharField(_("channel"), max_length=20, choices=ConsentChannel.choices)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path = "organization"

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["candidate", "organization", "purpose", "-at"], name="privacy_consent_latest")]

    def __str__(self):
        return f"{self.get_purpose_display()} v{self.notice_version}"
