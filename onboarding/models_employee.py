"""Onboarding cases, their checklists, and the employee record (R-ONB-1, R-ONB-2, R-AI-4, R-ATT-5, R-HOSP-1).

An accepted offer opens an ``OnboardingCase`` whose checklist comes from the job's ``ChecklistTemplate``
(documents, accounts, equipment, training, licence registration for clinical staff). On the start date the
``Employee`` record is created from what is already known -- candidate, onboarding form, offer, AI interview
results, interview feedback, credentials -- with links back to each source; nothing is typed twice.
Imported at the end of ``onboarding.models``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hrsys.accounts.scope import ScopedQuerySet
from hrsys.crypto.fields import BlindIndexField, EncryptedDecimalField, EncryptedTextField, normalize_phone


class ChecklistCategory(models.TextChoices):
    DOCUMENTS = "documents", _("Documents to collect")
    ACCOUNTS = "accounts", _("Accounts")
    EQUIPMENT = "equipment", _("Equipment")
    TRAINING = "training", _("Training")
    LICENCE = "licence", _("Licence registration")


class OwnerRole(models.TextChoices):
    HR = "hr", _("HR")
    MANAGER = "manager", _("Department manager")
    IT = "it", _("IT / system administrator")
    CANDIDATE = "candidate", _("New hire")


class ChecklistTemplate(models.Model):
    """The onboarding checklist of a job, of a department (and those below), or of everyone (R-ONB-2)."""

    name = models.CharField(_("name"), max_length=120)
    job = models.ForeignKey("candidates.JobRequisition", verbose_name=_("job"), null=True, blank=True,
                            on_delete=models.CASCADE, related_name="checklist_templates")
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="checklist_templates")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("onboarding checklist template")
        verbose_name_plural = _("onboarding checklist templates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ChecklistTemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, verbose_name=_("template"), on_delete=models.CASCADE,
                                 related_name="items")
    category = models.CharField(_("category"), max_length=10, choices=ChecklistCategory.choices)
    title = models.CharField(_("task"), max_length=200)
    owner_role = models.CharField(_("owner"), max_length=10, choices=OwnerRole.choices, default=OwnerRole.HR)
    due_days = models.SmallIntegerField(_("due (days from the start date)"), default=0,
                                        help_text=_("negative: before the first day"))
    clinical_only = models.BooleanField(_("only for clinical jobs"), default=False,
                                        help_text=_("jobs that require a practising licence"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist template item")
        verbose_name_plural = _("checklist template items")
        ordering = ["template", "order", "id"]

    def __str__(self):
        return self.title


class CaseState(models.TextChoices):
    OPEN = "open", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class OnboardingCase(models.Model):
    """One new hire's way from the accepted offer to the first day (R-ONB-1, R-ONB-2)."""

    offer = models.OneToOneField("onboarding.Offer", verbose_name=_("offer"), on_delete=models.PROTECT,
                                 related_name="onboarding_case")
    application = models.ForeignKey("candidates.Application", verbose_name=_("application"),
                                    on_delete=models.PROTECT, related_name="onboarding_cases")
    candidate = models.ForeignKey("candidates.Candidate", verbose_name=_("candidate"), on_delete=models.PROTECT,
                                  related_name="onboarding_cases")
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="onboarding_cases")
    template = models.ForeignKey(ChecklistTemplate, verbose_name=_("checklist template"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="cases")
    start_date = models.DateField(_("start date"), db_index=True)
    state = models.CharField(_("state"), max_length=10, choices=CaseState.choices, default=CaseState.OPEN,
                             db_index=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancel reason"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("onboarding case")
        verbose_name_plural = _("onboarding cases")
        ordering = ["start_date", "id"]

    def __str__(self):
        return f"{self.candidate} {self.start_date}" if self.candidate_id else str(self.start_date)


class ChecklistItem(models.Model):
    case = models.ForeignKey(OnboardingCase, verbose_name=_("case"), on_delete=models.CASCADE,
                             related_name="items")
    category = models.CharField(_("category"), max_length=10, choices=ChecklistCategory.choices)
    title = models.CharField(_("task"), max_length=200)
    owner_role = models.CharField(_("owner"), max_length=10, choices=OwnerRole.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner (staff)"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="onboarding_tasks")
    due_days = models.SmallIntegerField(_("due (days from the start date)"), default=0)
    due_date = models.DateField(_("due"), db_index=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.CharField(_("done by"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedQuerySet.as_manager()
    scope_path = "case__department"
    scope_owner = "owner"

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["case", "order", "id"]

    def __str__(self):
        return self.title


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

    case = models.OneToOneField(OnboardingCase, verbose_name=_("onboarding case"), on_delete=models.PROTECT,
                                related_name="employee")
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

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["-start_date", "-id"]

    def __str__(self):
        return f"{self.name} ({self.employee_no or '-'})"
