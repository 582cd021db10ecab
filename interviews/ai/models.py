"""AI interview vendors, invitations, deliveries, results, media and the question bank.

(R-AI-1..7, R-PIPE-3, R-PIPE-7)

A vendor is a row (secrets encrypted) plus an adapter class named by its dotted
path (``interviews.ai.adapters.registry``). Every inbound webhook body is kept as
a :class:`Delivery` (accepted) or a :class:`RejectedDelivery` (refused, never the
body itself); accepted result deliveries become one :class:`AIInterviewResult`
per ``(vendor, vendor_result_id)``, enforced by a unique constraint.
"""

import ipaddress
import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hrsys.accounts.scope import ScopedQuerySet
from hrsys.crypto.fields import EncryptedTextField
from hrsys.crypto.storage import encrypted_storage


class SignatureScheme(models.TextChoices):
    HRSYS_V1 = "hrsys-v1", _("hrsys: X-Hrsys-Signature t=<unix>,v1=<hex HMAC-SHA256>")
    VERVOE = "vervoe", _("Vervoe: Vervoe-Signature t=<unix>,hash=<hex HMAC-SHA256>")


def _default_max_body():
    return 1024 * 1024


_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _media_host_valid(entry: str) -> bool:
    """An exact host name or IP address, or a ``.suffix`` rule of at least two labels (R-SEC-1)."""
    host = entry.strip().lower().rstrip(".")
    suffix = host.startswith(".")
    name = host[1:] if suffix else host
    if not name or len(name) > 253:
        return False
    if not suffix:
        try:
            ipaddress.ip_address(name)
            return True
        except ValueError:
            pass
    labels = name.split(".")
    return all(_HOST_LABEL.match(label) for label in labels) and (not suffix or len(labels) >= 2)


TAG_PATTERN = re.compile(r"^[\w-]{1,40}$")


def clean_tags(value, field: str = "tags") -> list[str]:
    """Tags as stored: a list of short words (letters, digits, ``_`` or ``-``), lower-case, each once, in the
    order given; ValidationError naming ``field`` otherwise (R-AI-5)."""
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValidationError({field: [_("Give a list of tags.")]})
    tags = list(dict.fromkeys(t.strip().lower() for t in value))
    bad = [t for t in tags if not TAG_PATTERN.match(t)]
    if bad:
        raise ValidationError({field: [_("Not a tag: %(tags)s. Use up to 40 letters, digits, _ or -.")
                                       % {"tags": ", ".join(bad)}]})
    if len(tags) > 20:
        raise ValidationError({field: [_("At most 20 tags.")]})
    return tags


class Vendor(models.Model):
    """An AI interview platform that pushes results to us (R-AI-1, R-AI-3).

    ``dimension_map``: ``[{"vendor": "logic", "dimension": "logic", "min": 1, "max": 5}, ...]``
    maps the vendor's dimension to a job's assessment dimension and converts the
    vendor's scale linearly to 0-100. A vendor dimension not in the map is taken
    as the job dimension of the same key on the overall scale.
    """

    slug = models.SlugField(_("slug"), max_length=40, unique=True,
                            help_text=_("part of the webhook URL: /api/v1/integrations/ai-interviews/<slug>/results/"))
    name = models.CharField(_("name"), max_length=100)
    adapter = models.CharField(_("adapter"), max_length=200,
                               help_text=_("dotted path of the adapter class, e.g. interviews.ai.adapters.vervoe.VervoeAdapter"))
    signature_scheme = models.CharField(_("signature scheme"), max_length=20, choices=SignatureScheme.choices,
                                        default=SignatureScheme.HRSYS_V1)
    secret = EncryptedTextField(_("signing secret"), help_text=_("shared HMAC secret; stored encrypted"))
    previous_secret = EncryptedTextField(_("previous signing secret"), blank=True, default="",
                                         help_text=_("still accepted while the vendor switches to a new secret"))
    api_key = EncryptedTextField(_("API key"), blank=True, default="",
                                 help_text=_("for calls to the vendor (invitations, media downloads); stored encrypted"))
    timestamp_tolerance_seconds = models.PositiveIntegerField(
        _("timestamp tolerance (seconds)"), default=300,
        help_text=_("signed deliveries older or newer than this are refused as replays"))
    max_body_bytes = models.PositiveIntegerField(_("maximum body size (bytes)"), default=_default_max_body)
    media_retention_days = models.PositiveIntegerField(_("keep recordings and reports (days)"), default=180)
    media_url_hosts = models.JSONField(_("media hosts"), default=list, blank=True,
                                       help_text=_('hosts recordings and reports may be downloaded from (https '
                                                   'only), e.g. ["media.vervoe.com", ".vervoe.com"]: an exact '
                                                   'host name, or a name starting with a dot for every host '
                                                   'below it (".vervoe.com" allows a.vervoe.com, not '
                                                   'vervoe.com itself). Empty: no downloads at all; HR '
                                                   'uploads the files'))
    overall_min = models.FloatField(_("overall score: scale minimum"), default=0)
    overall_max = models.FloatField(_("overall score: scale maximum"), default=100)
    dimension_map = models.JSONField(
        _("dimension mapping"), default=list, blank=True,
        help_text=_('[{"vendor": "logic", "dimension": "logic", "min": 1, "max": 5}]: vendor dimension -> job '
                    'dimension, vendor scale -> 0-100'))
    interview_url_template = models.CharField(
        _("candidate link template"), max_length=500, blank=True,
        help_text=_("used when the invitation gives no link, e.g. https://vendor.example/start/{assessment_id}"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("AI interview vendor")
        verbose_name_plural = _("AI interview vendors")
        ordering = ["name"]

    def __str__(self):
        return self.name or self.slug

    def save(self, *args, **kwargs):
        self.full_clean()
        super().save(*args, **kwargs)

    def clean(self):
        from .adapters import registry  # noqa: PLC0415 - adapters import models
        from .mapping import validate_dimension_map  # noqa: PLC0415 - the mapping reads the adapters' errors

        errors = {}
        if self.adapter not in registry.adapter_paths():
            errors["adapter"] = [_("Unknown adapter %(path)s. Known: %(known)s.")
                                 % {"path": self.adapter, "known": ", ".join(registry.adapter_paths())}]
        try:
            validate_dimension_map(self.dimension_map)
        except ValidationError as exc:
            errors["dimension_map"] = exc.messages
        if self.overall_max <= self.overall_min:
            errors["overall_max"] = [_("The scale maximum must be above its minimum.")]
        if not 10 <= self.timestamp_tolerance_seconds <= 3600:
            errors["timestamp_tolerance_seconds"] = [_("Choose between 10 and 3600 seconds.")]
        if not 1024 <= self.max_body_bytes <= 10 * 1024 * 1024:
            errors["max_body_bytes"] = [_("Choose between 1 KB and 10 MB.")]
        if not isinstance(self.media_url_hosts, list) or not all(isinstance(h, str) for h in self.media_url_hosts):
            errors["media_url_hosts"] = [_("Give a list of host names.")]
        else:
            bad = [h for h in self.media_url_hosts if not _media_host_valid(h)]
            self.media_url_hosts = [h.strip().lower().rstrip(".") for h in self.media_url_hosts]
            if bad:
                errors["media_url_hosts"] = [
                    _("Not a host name or .suffix rule: %(hosts)s. Give names without scheme, port, path or *, "
                      "and suffix rules with at least two labels (.vervoe.com).") % {"hosts": ", ".join(bad)}]
        if not (self.secret or "").strip() or len(self.secret.strip()) < 16:
            errors["secret"] = [_("The signing secret needs at least 16 characters.")]
        if errors:
            raise ValidationError(errors)

    def adapter_instance(self):
        from .adapters import registry  # noqa: PLC0415 - adapters import models

        return registry.get_adapter(self.adapter)(self)

    def secrets(self) -> list[str]:
        return [s for s in (self.secret, self.previous_secret) if s]


class JobAIPolicy(models.Model):
    """How a job uses AI interview results beyond its dimension thresholds (R-PIPE-3)."""

    job = models.OneToOneField("candidates.JobRequisition", verbose_name=_("job"), on_delete=models.CASCADE,
                               related_name="ai_policy")
    auto_moves = models.BooleanField(_("move applications automatically"), default=True)
    rejection_hold_hours = models.PositiveIntegerField(
        _("hold rejections (hours)"), default=0,
        help_text=_("HR may stop an automatic rejection during this time; 0 rejects at once"))
    overall_pass = models.FloatField(_("overall pass threshold"), null=True, blank=True,
                                     help_text=_("used when a result has no dimension scores"))
    overall_borderline = models.FloatField(_("overall borderline threshold"), null=True, blank=True)
    job_family = models.CharField(_("job family"), max_length=60, blank=True,
                                  help_text=_("picks questions of this family from the question bank, e.g. nursing"))
    tags = models.JSONField(_("question tags"), default=list, blank=True,
                            help_text=_('picks bank questions carrying one of these tags, e.g. ["icu", "night_shift"]'))
    default_vendor = models.ForeignKey(Vendor, verbose_name=_("default vendor"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    duration_minutes = models.PositiveSmallIntegerField(_("AI interview length (minutes)"), default=20)

    objects = ScopedQuerySet.as_manager()
    scope_path = "job__department"

    class Meta:
        verbose_name = _("AI interview policy")
        verbose_name_plural = _("AI interview policies")

    def __str__(self):
        return str(self.job)

    def clean(self):
        errors = {}
        for name in ("overall_pass", "overall_borderline"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 100:
                errors[name] = [_("Choose between 0 and 100.")]
        if (self.overall_pass is not None and self.overall_borderline is not None and not errors
                and self.overall_borderline > self.overall_pass):
            errors["overall_borderline"] = [_("The borderline threshold cannot be above the pass threshold.")]
        if self.rejection_hold_hours is not None and self.rejection_hold_hours > 720:
            errors["rejection_hold_hours"] = [_("Hold a rejection for at most 720 hours.")]
        if self.duration_minutes is not None and not 5 <= self.duration_minutes <= 240:
            errors["duration_minutes"] = [_("Choose between 5 and 240 minutes.")]
        try:
            self.tags = clean_tags(self.tags)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)


class AIInvitation(models.Model):
    """An application invited to a vendor's AI interview (R-AI-7).

    ``assessment_id`` is the vendor's id for this invitation (Vervoe's
    ``candidateAssessmentUuid``): results come back naming only it.
    """

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        OPENED = "opened", _("Link opened")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    application = models.ForeignKey("candidates.Application", verbose_name=_("application"),
                                    on_delete=models.PROTECT, related_name="ai_invitations")
    vendor = models.ForeignKey(Vendor, verbose_name=_("vendor"), on_delete=models.PROTECT, related_name="invitations")
    assessment_id = models.CharField(_("vendor assessment id"), max_length=120)
    candidate_url = models.URLField(_("candidate link"), max_length=1000)
    deadline = models.DateTimeField(_("complete by"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INVITED,
                              db_index=True)
    notification = models.ForeignKey("notifications.Notification", verbose_name=_("invitation message"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    invited_at = models.DateTimeField(_("invited"), default=timezone.now)
    opened_at = models.DateTimeField(_("link opened"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("invited by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path = "application"

    class Meta:
        verbose_name = _("AI interview invitation")
        verbose_name_plural = _("AI interview invitations")
        ordering = ["-invited_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["vendor", "assessment_id"],
                                               name="ai_invitation_vendor_assessment_unique")]

    def __str__(self):
        return f"{self.vendor.slug}:{self.assessment_id}"


class InvitationEvent(models.Model):
    """A candidate action on an AI interview: link opened, started, completed (R-AI-7). Append-only."""

    class Kind(models.TextChoices):
        INVITED = "invited", _("Invitation sent")
        LINK_OPEN = "link_open", _("Opened the link")
        STARTED = "started", _("Started the interview")
        COMPLETED = "completed", _("Completed the interview")
        RESULT = "result", _("Result received")

    invitation = models.ForeignKey(AIInvitation, verbose_name=_("invitation"), on_delete=models.CASCADE,
                                   related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    source = models.CharField(_("reported by"), max_length=60, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "invitation__application"

    class Meta:
        verbose_name = _("AI interview candidate action")
        verbose_name_plural = _("AI interview candidate actions")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d %H:%M})"


class Delivery(models.Model):
    """One accepted webhook delivery (or imported row), kept as received (R-AI-1).

    ``delivery_key`` is the vendor's delivery id, or the SHA-256 of the body: a
    retried delivery finds its row and changes nothing. The webhook only verifies,
    stores and answers; a worker task processes the stored body (scores, result,
    moves, messages) and records the ``status``: received -> processed, or failed
    with a readable ``error`` (retried automatically while ``next_attempt_at`` is set).
    """

    class Outcome(models.TextChoices):
        STORED = "stored", _("Result stored")
        DUPLICATE = "duplicate", _("Result already known")
        REVISED = "revised", _("Result revised")
        EVENT = "event", _("Candidate action recorded")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received, waiting to be processed")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Processing failed")

    vendor = models.ForeignKey(Vendor, verbose_name=_("vendor"), on_delete=models.PROTECT, related_name="deliveries")
    delivery_key = models.CharField(_("delivery key"), max_length=120)
    event = models.CharField(_("event"), max_length=60, blank=True)
    body = EncryptedTextField(_("raw body"), blank=True, default="")
    body_sha256 = models.CharField(_("body SHA-256"), max_length=64)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(_("processing"), max_length=10, choices=Status.choices, default=Status.RECEIVED,
                              db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True, default="")
    error = models.TextField(_("why processing failed"), blank=True, default="")
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next processing attempt"), null=True, blank=True, db_index=True)
    enqueued_at = models.DateTimeField(_("handed to the worker"), null=True, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    result = models.ForeignKey("AIInterviewResult", verbose_name=_("result"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="deliveries")
    invitation = models.ForeignKey(AIInvitation, verbose_name=_("invitation"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="deliveries")
    source = models.CharField(_("source"), max_length=10, default="webhook")
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("inbound delivery")
        verbose_name_plural = _("inbound deliveries")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["vendor", "delivery_key"], name="ai_delivery_key_unique")]

    def __str__(self):
        return f"{self.vendor_id}:{self.delivery_key[:16]}"


class RejectedDelivery(models.Model):
    """A refused webhook delivery, for the integration admin: why, when, which headers.

    Never the body (it may hold personal data of an unknown candidate) and never
    a secret: only its size and SHA-256 (R-AI-1).
    """

    vendor = models.ForeignKey(Vendor, verbose_name=_("vendor"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="rejected_deliveries")
    vendor_slug = models.CharField(_("vendor slug"), max_length=60)
    status_code = models.PositiveSmallIntegerField(_("answered with"))
    code = models.CharField(_("reason code"), max_length=40, db_index=True)
    reason = models.TextField(_("reason"))
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body_sha256 = models.CharField(_("body SHA-256"), max_length=64, blank=True)
    body_size = models.PositiveIntegerField(_("body size (bytes)"), default=0)
    remote_addr = models.GenericIPAddressField(_("from"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("rejected delivery")
        verbose_name_plural = _("rejected deliveries")
        ordering = ["-received_at", "-id"]

    def __str__(self):
        return f"{self.vendor_slug} {self.status_code} {self.code}"


class Decision(models.TextChoices):
    PASS = "pass", _("Pass")
    BORDERLINE = "borderline", _("Borderline: HR review")
    FAIL = "fail", _("Below threshold")


class ResultQuerySet(ScopedQuerySet):
    def latest_for(self, application_id):
        return self.filter(application_id=application_id).order_by("-received_at", "-id").first()


class AIInterviewResult(models.Model):
    """One AI interview result, mapped to the job's dimensions (R-AI-2, R-AI-3, R-PIPE-3).

    ``dimension_scores``: ``{"logic": {"raw": 4, "scale": [1, 5], "score": 75.0, "vendor_key": "logic"}}``
    (``score`` normalised to 0-100). ``unmapped``: vendor dimensions no job dimension takes.
    """

    class MoveStatus(models.TextChoices):
        PENDING = "pending", _("Waiting")
        APPLIED = "applied", _("Applied")
        HELD = "held", _("Rejection on hold")
        HOLD_CANCELLED = "hold_cancelled", _("Rejection stopped by HR")
        SKIPPED = "skipped", _("Not applied")

    application = models.ForeignKey("candidates.Application", verbose_name=_("application"),
                                    on_delete=models.PROTECT, related_name="ai_results")
    vendor = models.ForeignKey(Vendor, verbose_name=_("vendor"), on_delete=models.PROTECT, related_name="results")
    invitation = models.ForeignKey(AIInvitation, verbose_name=_("invitation"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="results")
    vendor_result_id = models.CharField(_("vendor result id"), max_length=120)
    overall_raw = models.FloatField(_("overall score (vendor scale)"), null=True, blank=True)
    overall_score = models.FloatField(_("overall score (0-100)"), null=True, blank=True)
    dimension_scores = models.JSONField(_("scores by dimension"), default=dict, blank=True)
    unmapped = models.JSONField(_("unmapped vendor dimensions"), default=dict, blank=True)
    recommendation = models.CharField(_("vendor recommendation"), max_length=60, blank=True)
    preferences = models.JSONField(_("candidate preferences"), default=dict, blank=True)
    transcript = EncryptedTextField(_("transcript"), blank=True, default="")
    signals = models.JSONField(_("signals"), default=dict, blank=True,
                               help_text=_("answer durations, emotion signals and other vendor observations"))
    report_url = models.URLField(_("vendor report link"), max_length=1000, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, db_index=True)
    decision_detail = models.JSONField(_("why"), default=dict, blank=True)
    move_status = models.CharField(_("automatic move"), max_length=14, choices=MoveStatus.choices,
                                   default=MoveStatus.PENDING, db_index=True)
    move_note = models.TextField(_("automatic move note"), blank=True)
    hold_until = models.DateTimeField(_("rejection held until"), null=True, blank=True, db_index=True)
    moved_at = models.DateTimeField(_("moved"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, default="webhook")

    objects = ResultQuerySet.as_manager()
    scope_path = "application"
    scope_interviewers = True

    class Meta:
        verbose_name = _("AI interview result")
        verbose_name_plural = _("AI interview results")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["vendor", "vendor_result_id"],
                                               name="ai_result_vendor_result_unique")]
        indexes = [models.Index(fields=["move_status", "hold_until"], name="ai_result_hold")]

    def __str__(self):
        return f"{self.vendor.slug}:{self.vendor_result_id}"


def media_upload_to(instance, filename):
    return f"ai_media/{timezone.now():%Y/%m}/{secrets.token_hex(12)}{filename[-8:] if '.' in filename[-8:] else ''}"


class AIMedia(models.Model):
    """A recording or report of a result, encrypted at rest, streamed through a scoped view (R-AI-6)."""

    class Kind(models.TextChoices):
        VIDEO = "video", _("Video recording")
        AUDIO = "audio", _("Audio recording")
        REPORT = "report", _("Report")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for download")
        STORED = "stored", _("Stored")
        FAILED = "failed", _("Download failed")
        PURGED = "purged", _("Deleted after the retention period")

    result = models.ForeignKey(AIInterviewResult, verbose_name=_("result"), on_delete=models.CASCADE,
                               related_name="media")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    source_url = models.URLField(_("vendor URL"), max_length=2000, blank=True)
    file = models.FileField(_("file"), upload_to=media_upload_to, blank=True, max_length=200,
                            storage=encrypted_storage("ai_media"))
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING,
                              db_index=True)
    attempts = models.PositiveSmallIntegerField(_("download attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    stored_at = models.DateTimeField(_("stored"), null=True, blank=True)
    purged_at = models.DateTimeField(_("deleted"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "result__application"
    scope_interviewers = True

    class Meta:
        verbose_name = _("AI interview media")
        verbose_name_plural = _("AI interview media")
        ordering = ["result", "kind", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class CandidatePreferences(models.Model):
    """What the candidate told the AI interview: when they can come, salary, start date (R-AI-2).

    Read by scheduling and offers through ``selectors.candidate_preferences``.
    """

    application = models.OneToOneField("candidates.Application", verbose_name=_("application"),
                                       on_delete=models.CASCADE, related_name="ai_preferences")
    available_times = models.JSONField(_("available times"), default=list, blank=True,
                                       help_text=_('[{"start": ISO, "end": ISO}] in UTC'))
    expected_salary = EncryptedTextField(_("expected salary"), blank=True, default="",
                                         help_text=_('JSON {"amount": 12000, "currency": "CNY", "period": "month"}'))
    earliest_start_date = models.DateField(_("earliest start date"), null=True, blank=True)
    result = models.ForeignKey(AIInterviewResult, verbose_name=_("from result"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "application"  # expected salary: HR and the department only

    class Meta:
        verbose_name = _("candidate preferences")
        verbose_name_plural = _("candidate preferences")

    def __str__(self):
        return f"preferences of application #{self.application_id}"


class Question(models.Model):
    """A follow-up question of the bank, tagged by dimension, job family, tags and language (R-AI-5).

    A question is suggested for a job whose family it names, or which shares one of its tags (the job's AI
    policy), or for any job when it names neither. ``organisation``: the hospital or company whose bank it is
    (empty: a bank every organisation shares, managed in the admin).
    """

    class Use(models.TextChoices):
        WEAK = "weak", _("Probe a weak score")
        NOTABLE = "notable", _("Confirm a notable score")
        ANY = "any", _("Either")

    text = models.TextField(_("question"))
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans")
    translation_of = models.ForeignKey("self", verbose_name=_("translation of"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="translations")
    dimension = models.CharField(_("dimension key"), max_length=40, db_index=True,
                                 help_text=_("the assessment dimension key, e.g. stress_tolerance"))
    job_family = models.CharField(_("job family"), max_length=60, blank=True, db_index=True,
                                  help_text=_("empty: any job"))
    tags = models.JSONField(_("tags"), default=list, blank=True,
                            help_text=_('suggested for jobs carrying one of these tags, e.g. ["icu"]'))
    organisation = models.ForeignKey("accounts.Department", verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     limit_choices_to={"kind": "organization"},
                                     help_text=_("the hospital or company whose bank this is; empty: shared"))
    use_for = models.CharField(_("use for"), max_length=8, choices=Use.choices, default=Use.ANY)
    guidance = models.TextField(_("what to listen for"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "organisation"

    class Meta:
        verbose_name = _("interview question")
        verbose_name_plural = _("question bank")
        ordering = ["dimension", "job_family", "language", "id"]

    def __str__(self):
        return self.text[:60]

    def clean(self):
        errors = {}
        try:
            self.tags = clean_tags(self.tags)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if self.organisation_id and self.organisation.kind != "organization":
            errors["organisation"] = [_("Choose a hospital or company.")]
        if self.translation_of_id and (self.translation_of_id == self.pk
                                       or self.translation_of.organisation_id not in (None, self.organisation_id)):
            errors["translation_of"] = [_("Choose another question of the same bank.")]
        if errors:
            raise ValidationError(errors)


class QuestionUsage(models.Model):
    """A question asked to an application's candidate in a human round (R-AI-5)."""

    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.PROTECT,
                                 related_name="usages")
    application = models.ForeignKey("candidates.Application", verbose_name=_("application"),
                                    on_delete=models.CASCADE, related_name="ai_question_usages")
    interview_id = models.PositiveBigIntegerField(_("interview"), null=True, blank=True)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("asked by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    asked_at = models.DateTimeField(_("asked"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "application"
    scope_interviewers = True

    class Meta:
        verbose_name = _("question asked")
        verbose_name_plural = _("questions asked")
        ordering = ["-asked_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["question", "application"],
                                               condition=Q(interview_id__isnull=True),
                                               name="ai_question_once_per_application"),
                       models.UniqueConstraint(fields=["question", "application", "interview_id"],
                                               name="ai_question_once_per_interview")]

    def __str__(self):
        return f"{self.question_id} → application #{self.application_id}"
