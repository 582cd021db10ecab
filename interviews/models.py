"""Interviews: AI interviews and human rounds, availability, reminders, no-show follow-up, feedback.

(R-SCHED-1..5, R-NS-1, R-NS-3, R-NS-5..9, R-HOSP-1, R-PIPE-7)

The interview state machine (django-fsm-2, protected; guards only, no I/O)::

    proposed -> scheduled -> confirmed -> completed | no_show
        any open state -> cancelled | rescheduled

``rescheduled`` (an addition to DESIGN.md) marks a slot replaced by a new
Interview row (``replaced_by``): the history stays, the calendar event keeps
its UID and the new row carries the next SEQUENCE; a cancellation is a
different thing for the calendars (METHOD:CANCEL) and for the no-show rate.
"""

import secrets
import uuid
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from hrsys.accounts.scope import ScopedQuerySet


class Kind(models.TextChoices):
    AI = "ai", _("AI interview")
    HUMAN = "human", _("Interview round")


class State(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    SCHEDULED = "scheduled", _("Scheduled")
    CONFIRMED = "confirmed", _("Confirmed by the candidate")
    COMPLETED = "completed", _("Completed")
    NO_SHOW = "no_show", _("No-show")
    CANCELLED = "cancelled", _("Cancelled")
    RESCHEDULED = "rescheduled", _("Rescheduled")


#: States in which an interview holds its people and room.
ACTIVE_STATES = (State.PROPOSED, State.SCHEDULED, State.CONFIRMED)
#: States in which it is on the calendars and reminders go out.
BOOKED_STATES = (State.SCHEDULED, State.CONFIRMED)


def _token():
    return secrets.token_urlsafe(24)


class Room(models.Model):
    """An on-site interview room; never double-booked (R-SCHED-1)."""

    name = models.CharField(_("name"), max_length=80)
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="interview_rooms")
    location = models.CharField(_("location"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("interview room")
        verbose_name_plural = _("interview rooms")
        ordering = ["name"]

    def __str__(self):
        return self.name


class InterviewerProfile(models.Model):
    """Working hours, limits and the private calendar feed of one interviewer (R-SCHED-1, R-SCHED-4).

    The row is also the interviewer's booking lock: every booking locks the rows
    of its interviewers (``select_for_update``, in id order) before it checks for
    overlaps, so two HR users can never book the same person twice.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("interviewer"), on_delete=models.CASCADE,
                                related_name="interviewer_profile")
    work_start = models.TimeField(_("working day starts"), default=time(8, 30))
    work_end = models.TimeField(_("working day ends"), default=time(17, 30))
    lunch_start = models.TimeField(_("lunch break starts"), null=True, blank=True, default=time(12, 0))
    lunch_end = models.TimeField(_("lunch break ends"), null=True, blank=True, default=time(13, 30))
    daily_limit = models.PositiveSmallIntegerField(_("interviews per day at most"), default=8)
    buffer_minutes = models.PositiveSmallIntegerField(_("buffer between interviews (minutes)"), default=10)
    feed_token = models.CharField(_("calendar feed token"), max_length=64, unique=True, default=_token,
                                  editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_path = "user__departments"
    scope_owner = "user"

    class Meta:
        verbose_name = _("interviewer profile")
        verbose_name_plural = _("interviewer profiles")

    def __str__(self):
        return str(self.user)


class BusyBlock(models.Model):
    """A time an interviewer is not available, entered or imported from an .ics file (R-SCHED-1)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered")
        ICS = "ics", _("Imported calendar")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("interviewer"), on_delete=models.CASCADE,
                             related_name="busy_blocks")
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "user__departments"
    scope_owner = "user"

    class Meta:
        verbose_name = _("busy block")
        verbose_name_plural = _("busy blocks")
        ordering = ["user", "starts_at"]
        indexes = [models.Index(fields=["user", "starts_at", "ends_at"], name="intv_busy_user_time")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="interviews_busy_block_positive")]

    def __str__(self):
        return f"{self.user}: {self.starts_at:%Y-%m-%d %H:%M}"


class ReminderPolicy(models.Model):
    """When and how candidates are reminded of an interview (R-NS-1, R-NS-3, R-NS-9).

    ``steps`` is ``[{"before_minutes": 2880, "channels": ["sms", "email"], "confirm": true}, ...]``.
    The row without a job is the organisation's default; without any row,
    :data:`DEFAULT_STEPS` (the articles' 2 days SMS + email, 1 hour SMS + voice) applies.
    """

    job = models.OneToOneField("candidates.JobRequisition", verbose_name=_("job"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="reminder_policy")
    steps = models.JSONField(_("steps"), default=list)
    escalate = models.BooleanField(_("escalate unread / undelivered reminders"), default=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "job__department"

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        constraints = [models.UniqueConstraint(fields=["job"], condition=Q(job__isnull=True),
                                               name="interviews_one_default_policy")]

    def __str__(self):
        return str(self.job) if self.job_id else str(_("Default reminder policy"))

    def clean(self):
        """Each step: minutes before the interview (> 0) and the channels a candidate is reached on."""
        steps = self.steps if isinstance(self.steps, list) else None
        problems = [] if steps is not None else [_("A list of steps.")]
        for number, step in enumerate(steps or [], start=1):
            if not isinstance(step, dict):
                problems.append(_("Step %(n)d: not a step.") % {"n": number})
                continue
            minutes = step.get("before_minutes")
            if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
                problems.append(_("Step %(n)d: minutes before the interview, more than 0.") % {"n": number})
            channels = step.get("channels")
            if not isinstance(channels, list) or not channels or any(c not in REMINDER_CHANNELS for c in channels):
                problems.append(_("Step %(n)d: channels among %(channels)s.")
                                % {"n": number, "channels": ", ".join(REMINDER_CHANNELS)})
        keys = [str(s.get("key")) for s in steps or [] if isinstance(s, dict) and s.get("key")]
        if len(keys) != len(set(keys)):
            problems.append(_("Each step's key appears once."))
        if problems:
            raise ValidationError({"steps": problems})


REMINDER_CHANNELS = ("sms", "email", "voice")  # the channels a candidate is reminded on (notifications.Channel)

DEFAULT_STEPS = [
    {"key": "2d", "before_minutes": 2 * 24 * 60, "channels": ["sms", "email"], "confirm": True},
    {"key": "1h", "before_minutes": 60, "channels": ["sms", "voice"], "confirm": False},
]


class InterviewQuerySet(ScopedQuerySet):
    def active(self):
        return self.filter(state__in=ACTIVE_STATES)

    def overlapping(self, start, end):
        return self.filter(starts_at__lt=end, ends_at__gt=start)


class Interview(ConcurrentTransitionMixin, models.Model):
    """One AI interview or one human round of an application (R-SCHED-*, R-NS-5)."""

    application = models.ForeignKey("candidates.Application", verbose_name=_("application"),
                                    on_delete=models.PROTECT, related_name="interviews")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.HUMAN)
    round = models.ForeignKey("candidates.InterviewRound", verbose_name=_("round"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="interviews")
    state = FSMField(_("state"), default=State.PROPOSED, choices=State.choices, protected=True, db_index=True)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    deadline = models.DateTimeField(_("complete by"), null=True, blank=True,
                                    help_text=_("AI interviews: the vendor must report completion by then"))
    open_until_deadline = models.BooleanField(
        _("any time before the deadline"), default=False,
        help_text=_("AI interviews without an agreed time: the link works from the invitation to the deadline"))
    interviewers = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("interviewers"), blank=True,
                                          related_name="interviews")
    room = models.ForeignKey(Room, verbose_name=_("room"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="interviews")
    meeting_url = models.URLField(_("video / AI interview link"), blank=True)
    on_site = models.BooleanField(_("on site"), default=False)
    ical_uid = models.CharField(_("calendar UID"), max_length=120, db_index=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    previous = models.ForeignKey("self", verbose_name=_("replaces"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="followups")
    vendor_reference = models.CharField(_("vendor reference"), max_length=120, blank=True, db_index=True,
                                        help_text=_("the id the AI interview vendor gave this invitation"))
    ai_result = models.JSONField(_("AI result summary"), default=dict, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    attended_at = models.DateTimeField(_("attended"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("marked no-show"), null=True, blank=True, db_index=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason"), blank=True)
    follow_up_done_at = models.DateTimeField(_("no-show handled"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = InterviewQuerySet.as_manager()
    scope_path = "application"
    scope_interviewers = True

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["state", "starts_at"], name="intv_state_start"),
                   models.Index(fields=["state", "deadline"], name="intv_state_deadline")]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="interviews_interview_positive")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def save(self, *args, **kwargs):
        if not self.ical_uid:
            self.ical_uid = f"{uuid.uuid4()}@hrsys"
        super().save(*args, **kwargs)

    @property
    def title(self) -> str:
        if self.kind == Kind.AI:
            return str(_("AI interview"))
        return str(self.round.get_kind_display()) if self.round_id else str(_("Interview"))

    # -- the state machine (guards only) ---------------------------------------------------------

    @transition(field=state, source=State.PROPOSED, target=State.SCHEDULED)
    def schedule(self):
        pass

    @transition(field=state, source=State.SCHEDULED, target=State.CONFIRMED)
    def confirm(self):
        pass

    @transition(field=state, source=list(BOOKED_STATES), target=State.COMPLETED)
    def complete(self):
        pass

    @transition(field=state, source=list(BOOKED_STATES), target=State.NO_SHOW)
    def mark_no_show(self):
        pass

    @transition(field=state, source=list(ACTIVE_STATES), target=State.CANCELLED)
    def cancel(self):
        pass

    @transition(field=state, source=list(ACTIVE_STATES), target=State.RESCHEDULED)
    def replace(self):
        pass


class InterviewEvent(models.Model):
    """Append-only history of one interview: state moves, reminders planned, candidate answers (R-HOSP-2)."""

    interview = models.ForeignKey(Interview, verbose_name=_("interview"), on_delete=models.CASCADE,
                                  related_name="events")
    at = models.DateTimeField(_("time"), default=timezone.now)
    actor_label = models.CharField(_("actor"), max_length=120, blank=True)
    kind = models.CharField(_("kind"), max_length=40)
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "interview__application"

    class Meta:
        verbose_name = _("interview event")
        verbose_name_plural = _("interview events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"


class RebookingOffer(models.Model):
    """Slots offered to a candidate after a no-show; single use, expiring (R-NS-6, R-SCHED-5)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the candidate")
        BOOKED = "booked", _("Booked")
        EXPIRED = "expired", _("No answer")
        BLOCKED = "blocked", _("Blocked (credentials)")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    interview = models.ForeignKey(Interview, verbose_name=_("missed interview"), on_delete=models.CASCADE,
                                  related_name="rebooking_offers")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    nonce = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    slots = models.JSONField(_("offered slots"), default=list, help_text=_("ISO start times (UTC)"))
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    booked = models.ForeignKey(Interview, verbose_name=_("booked interview"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "interview__application"

    class Meta:
        verbose_name = _("rebooking offer")
        verbose_name_plural = _("rebooking offers")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_status_display()} #{self.pk}"


class JoinProblem(models.Model):
    """A candidate reported they could not join (R-NS-8)."""

    class Reason(models.TextChoices):
        NETWORK = "network", _("Network problem")
        DEVICE = "device", _("Camera / microphone / device problem")
        LINK = "link", _("The link did not work")
        SCHEDULE = "schedule", _("Schedule conflict")
        OTHER = "other", _("Other")

    class Resolution(models.TextChoices):
        OPEN = "", _("Open")
        NEW_SLOT = "new_slot", _("New slot offered")
        ON_SITE = "on_site", _("On-site interview offered")
        HELPED = "helped", _("Helped, no new slot needed")

    interview = models.ForeignKey(Interview, verbose_name=_("interview"), on_delete=models.CASCADE,
                                  related_name="join_problems")
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    detail = models.TextField(_("detail"), blank=True)
    channel = models.CharField(_("reported via"), max_length=20, blank=True)
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)
    resolution = models.CharField(_("resolution"), max_length=10, choices=Resolution.choices, blank=True,
                                  default=Resolution.OPEN)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_path = "interview__application"

    class Meta:
        verbose_name = _("could-not-join report")
        verbose_name_plural = _("could-not-join reports")
        ordering = ["-reported_at", "-id"]

    def __str__(self):
        return self.get_reason_display()


class Recommendation(models.TextChoices):
    STRONG_YES = "strong_yes", _("Strongly recommend")
    YES = "yes", _("Recommend")
    NO = "no", _("Do not recommend")
    STRONG_NO = "strong_no", _("Strongly against")


#: The feedback scale (R-PIPE-7): 1 to 5 per assessment dimension, each level with an anchor text saying what it
#: means; a dimension of the job may word its own (``"anchors": {"1": "...", ...}`` or a list of five).
FEEDBACK_LEVELS = (1, 2, 3, 4, 5)
DEFAULT_ANCHORS = {
    1: _("Clearly below what the role needs"),
    2: _("Below what the role needs in some respects"),
    3: _("Meets what the role needs"),
    4: _("Above what the role needs"),
    5: _("Outstanding: a model for others"),
}


def scorecard_dimensions(job) -> list[dict]:
    """The job's assessment dimensions as the scorecard asks them: key, label and the anchor text of every level
    (the dimension's own wording where it gives one, else the default, in the active language)."""
    out = []
    for dim in job.assessment_dimensions or []:
        if not isinstance(dim, dict) or not dim.get("key"):
            continue
        own = dim.get("anchors") or {}
        if isinstance(own, list):
            own = {str(i): text for i, text in zip(FEEDBACK_LEVELS, own, strict=False)}
        levels = [{"value": level, "anchor": str(own.get(str(level)) or DEFAULT_ANCHORS[level])}
                  for level in FEEDBACK_LEVELS]
        out.append({"key": dim["key"], "label": dim.get("label") or dim["key"], "levels": levels})
    return out


class FeedbackQuerySet(ScopedQuerySet):
    def submitted(self):
        """Feedback that counts: submitted, no longer a draft (R-PIPE-7). Everybody but its author reads only these."""
        return self.filter(submitted_at__isnull=False)

    def drafts(self):
        return self.filter(submitted_at__isnull=True)


class InterviewFeedback(models.Model):
    """Structured feedback of one interviewer on one round that took place (R-PIPE-7): a score from 1 to 5 per
    assessment dimension of the job, a recommendation and notes.

    ``submitted_at`` empty: a draft its author may still change (and nobody else reads); set: submitted, read-only.
    A row written without saying otherwise is submitted (as every row before drafts existed).
    """

    interview = models.ForeignKey(Interview, verbose_name=_("interview"), on_delete=models.CASCADE,
                                  related_name="feedback")
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("interviewer"),
                                    on_delete=models.PROTECT, related_name="interview_feedback")
    scores = models.JSONField(_("scores per dimension"), default=dict, blank=True,
                              help_text=_('1 (clearly below what the role needs) to 5 (outstanding) per assessment '
                                          'dimension of the job, by its key: {"communication": 4, ...}'))
    recommendation = models.CharField(_("recommendation"), max_length=12, choices=Recommendation.choices,
                                      blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, default=timezone.now,
                                        help_text=_("empty while the feedback is a draft"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = FeedbackQuerySet.as_manager()
    scope_path = "interview__application"
    scope_interviewers = True

    class Meta:
        verbose_name = _("interview feedback")
        verbose_name_plural = _("interview feedback")
        ordering = ["submitted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["interview", "interviewer"],
                                               name="interviews_one_feedback_per_interviewer")]

    def __str__(self):
        return f"{self.interviewer} / {self.interview}"

    @property
    def is_draft(self) -> bool:
        return self.submitted_at is None


class FeedbackReminder(models.Model):
    """An interviewer was reminded to submit their feedback on one interview: at most once (R-PIPE-7)."""

    interview = models.ForeignKey(Interview, verbose_name=_("interview"), on_delete=models.CASCADE,
                                  related_name="feedback_reminders")
    interviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("interviewer"),
                                    on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("reminded"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "interview__application"
    scope_interviewers = True

    class Meta:
        verbose_name = _("feedback reminder")
        verbose_name_plural = _("feedback reminders")
        constraints = [models.UniqueConstraint(fields=["interview", "interviewer"],
                                               name="interviews_one_feedback_reminder")]

    def __str__(self):
        return f"{self.interviewer} / {self.interview}"


class BatchRun(models.Model):
    """One batch-scheduling action: progress while it runs, and why each unplaced candidate was not placed
    (R-SCHED-2)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    job = models.ForeignKey("candidates.JobRequisition", verbose_name=_("job"), on_delete=models.CASCADE,
                            related_name="batch_runs")
    round = models.ForeignKey("candidates.InterviewRound", verbose_name=_("round"), on_delete=models.CASCADE,
                              related_name="+")
    application_ids = models.JSONField(_("applications"), default=list)
    panel = models.JSONField(_("panel (user ids)"), default=list)
    panel_pick = models.PositiveSmallIntegerField(_("interviewers per candidate"), default=1)
    required = models.JSONField(_("required interviewers (user ids)"), default=list)
    room_ids = models.JSONField(_("rooms"), default=list)
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("until"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("candidates"), default=0)
    done = models.PositiveIntegerField(_("processed"), default=0)
    placed = models.PositiveIntegerField(_("placed"), default=0)
    unplaced = models.JSONField(_("not placed, with reasons"), default=list)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "job__department"

    class Meta:
        verbose_name = _("batch scheduling run")
        verbose_name_plural = _("batch scheduling runs")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.job} ({self.placed}/{self.total})"
