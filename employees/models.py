"""The employee file (R-ONB-1, R-AI-4, R-ATT-5): created on the start date from the onboarding case, with links
back to everything the recruiting stages knew (candidate, application, offer, onboarding form) and a snapshot of
the recruiting record at hire time (AI interview results, interview feedback, credentials).

The table is still ``onboarding_employee``: the model lived in ``onboarding`` until issue 16, and its encrypted
columns are bound to ``table.column`` (``hrsys.crypto``), so renaming the table would mean re-encrypting every
employee's personal values. ``employees/migrations/0001_initial.py`` moved it without touching the table.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hrsys.accounts.scope import ScopedQuerySet
from hrsys.crypto.fields import BlindIndexField, EncryptedDecimalField, EncryptedTextField, normalize_phone


class EmployeeState(models.TextChoices):
    ACTIVE = "active", _("Employed")
    LEFT = "left", _("Left")


class AttritionReason(models.TextChoices):
    PRESSURE = "pressure", _("Work pressure")
    PAY = "pay", _("Pay")
    COMMUTE = "commute", _("Commute")
    FAMILY = "family", _("Family")
    DEVELOPMENT = "development", _("Career development")
    PERFORMANCE = "performance", _("Performance (probation not passed / dismissed)")
    OTHER = "other", _("Other")


class Employee(models.Model):
    """The employee file, created on the start date from the onboarding case (R-ONB-1, R-AI-4).

    Personal values are copied encrypted from the candidate; the rest is linked (candidate, application, offer,
    onboarding form, credentials) or kept as a snapshot of the recruiting record at hire time (AI interview
    results, interview feedback) so probation reviews and attrition analysis read it later (R-ATT-4, R-ATT-5)."""

    case = models.OneToOneField("onboarding.OnboardingCase", verbose_name=_("onboarding case"),
                                on_delete=models.PROTECT, related_name="employee")
    candidate = models.ForeignKey("candidates.Candidate", verbose_name=_("candidate"), on_delete=models.PROTECT,
                                  related_name="employee_records")
    application = models.ForeignKey("candidates.Application", verbose_name=_("application"),
                                    on_delete=models.PROTECT, related_name="employee_records")
    offer = models.ForeignKey("onboarding.Offer", verbose_name=_("offer"), on_delete=models.PROTECT,
                              related_name="employee_records")
    onboarding_info = models.ForeignKey("onboarding.OnboardingInfo", verbose_name=_("onboarding form"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="employee_records")
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="employees")
    employee_no = models.CharField(_("employee number"), max_length=20, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=100)
    phone = EncryptedTextField(_("mobile phone"), blank=True, default="")
    phone_index = BlindIndexField(source="phone", normalizer=normalize_phone)
    email = EncryptedTextField(_("email"), blank=True, default="")
    id_number = EncryptedTextField(_("resident ID number"), blank=True, default="")
    job_title = models.CharField(_("job"), max_length=120)
    job_level = models.CharField(_("job level"), max_length=40, blank=True)
    monthly_salary = EncryptedDecimalField(_("monthly salary"), max_digits=10, decimal_places=2)  # R-SEC-2
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    start_date = models.DateField(_("start date"))
    probation_months = models.PositiveSmallIntegerField(_("probation (months)"), default=3)
    profile = models.JSONField(_("candidate profile at hire"), default=dict, blank=True)
    ai_interview = models.JSONField(_("AI interview results"), default=dict, blank=True)
    interview_feedback = models.JSONField(_("interview feedback"), default=list, blank=True)
    credentials = models.JSONField(_("credentials at hire"), default=list, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=EmployeeState.choices, default=EmployeeState.ACTIVE,
                             db_index=True)
    exit_date = models.DateField(_("last working day"), null=True, blank=True)
    attrition_reason = models.CharField(_("reason for leaving"), max_length=12, choices=AttritionReason.choices,
                                        blank=True, db_index=True)
    exit_note = models.TextField(_("exit note"), blank=True)
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True,
                                         help_text=_("Personal data removed after the retention period."))

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        db_table = "onboarding_employee"  # kept from before the move: see the module's docstring
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["-start_date", "-id"]

    def __str__(self):
        return f"{self.name} ({self.employee_no or '-'})"
