"""Dashboard data of its own: recorded recruiting costs, materialised notification summaries and the
trained attrition-risk model (R-DASH-1, R-DASH-3).

Every other figure is computed from the stage apps' rows by ``dashboard.selectors``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidates.models import SourceChannel
from hrsys.accounts.scope import ScopedQuerySet


class CostRecord(models.Model):
    """Money spent on recruiting in one month: a job board fee, an agency fee, a referral bonus (R-DASH-1).

    Entered per job, or per source channel and month; the department decides who sees it (a cost of a
    job belongs to the job's department)."""

    class Kind(models.TextChoices):
        JOB_BOARD = "job_board", _("Job board fee")
        AGENCY = "agency", _("Agency fee")
        REFERRAL_BONUS = "referral_bonus", _("Referral bonus")
        CAMPUS = "campus", _("Campus event")
        ADVERTISING = "advertising", _("Advertising")
        OTHER = "other", _("Other")

    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="+", null=True, blank=True,
                                   help_text=_("taken from the job when a job is given"))
    job = models.ForeignKey("candidates.JobRequisition", verbose_name=_("job"), null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source channel"), max_length=12, choices=SourceChannel.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    month = models.DateField(_("month"), help_text=_("any day of the month; stored as its first day"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("entered"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("recruiting cost")
        verbose_name_plural = _("recruiting costs")
        ordering = ["-month", "-id"]
        permissions = [("view_dashboard", _("Can view HR dashboards"))]
        indexes = [models.Index(fields=["department", "month"], name="dash_cost_dept_month")]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="dashboard_cost_not_negative")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.month:%Y-%m} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        if self.month:
            self.month = self.month.replace(day=1)
        if self.job_id and not self.department_id:
            self.department_id = self.job.department_id
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        if not self.job_id and not self.source:
            errors["source"] = [_("Give a job or a source channel.")]
        if self.job_id:
            self.department_id = self.job.department_id
        if not self.department_id:
            errors["department"] = [_("Give the department the cost belongs to.")]
        if self.amount is not None and self.amount < 0:
            errors["amount"] = [_("A cost cannot be negative.")]
        if errors:
            raise ValidationError(errors)


class NotificationDaily(models.Model):
    """Materialised per-day counts of interview reminders per department and channel (R-DASH-1, R-NS-4).

    Refreshed by the ``dashboard.refresh_summaries`` sweep: reading a million notifications on every
    dashboard view would not scale; these rows are a few per department and day."""

    day = models.DateField(_("day"), db_index=True)
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=10)
    total = models.PositiveIntegerField(_("messages"), default=0)
    sent = models.PositiveIntegerField(_("sent"), default=0)
    delivered = models.PositiveIntegerField(_("delivered"), default=0)
    opened = models.PositiveIntegerField(_("opened / answered"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("reminder summary (day)")
        verbose_name_plural = _("reminder summaries (day)")
        ordering = ["-day", "channel"]
        constraints = [models.UniqueConstraint(fields=["day", "department", "channel"],
                                               name="dashboard_notification_daily_unique")]

    def __str__(self):
        return f"{self.day} {self.channel} {self.department_id}"


class AttritionModel(models.Model):
    """One training run of the attrition-risk model (R-DASH-3): a logistic regression stored as plain
    numbers (feature names, standardisation, coefficients), never as a pickle.

    ``status`` disabled: not enough history; ``message`` says why and what is needed."""

    class Status(models.TextChoices):
        TRAINED = "trained", _("Trained")
        DISABLED = "disabled", _("Not enough history")

    trained_at = models.DateTimeField(_("trained"), default=timezone.now, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    message = models.TextField(_("explanation"), blank=True)
    samples = models.PositiveIntegerField(_("past hires with known outcome"), default=0)
    positives = models.PositiveIntegerField(_("of whom left within a year"), default=0)
    features = models.JSONField(_("features"), default=list)
    means = models.JSONField(_("feature means"), default=list)
    scales = models.JSONField(_("feature scales"), default=list)
    coefficients = models.JSONField(_("coefficients"), default=list)
    intercept = models.FloatField(_("intercept"), default=0.0)
    training_accuracy = models.FloatField(_("accuracy on the training data"), null=True, blank=True)

    class Meta:
        verbose_name = _("attrition-risk model")
        verbose_name_plural = _("attrition-risk models")
        ordering = ["-trained_at", "-id"]

    def __str__(self):
        return f"{self.get_status_display()} {timezone.localtime(self.trained_at):%Y-%m-%d %H:%M}"
