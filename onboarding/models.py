"""Offers: pay bands, offer templates, the offer state machine, its approval chain and the signed letter
(R-OFFER-1..4, R-HOSP-1), the data a candidate gives for onboarding in the portal (R-PORTAL-3), and the
onboarding case with its checklist from the accepted offer to the first day (R-ONB-1, R-ONB-2).

Transitions are guards only (no I/O, no other rows); ``onboarding.services`` runs them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from hrsys.accounts.scope import ScopedQuerySet
from hrsys.crypto.fields import EncryptedDecimalField, EncryptedTextField
from hrsys.crypto.storage import encrypted_storage


def offer_letter_upload_to(instance, filename):
    return f"offers/{timezone.now():%Y/%m}/{filename}"


def signature_upload_to(instance, filename):
    return f"offer-signatures/{timezone.now():%Y/%m}/{filename}"


def candidate_document_upload_to(instance, filename):
    return f"candidate-documents/{timezone.now():%Y/%m}/{filename}"


class PayBand(models.Model):
    """Monthly pay range of a job level in a department (R-OFFER-1)."""

    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="pay_bands")
    job_level = models.CharField(_("job level"), max_length=40)
    minimum = models.DecimalField(_("minimum (monthly)"), max_digits=10, decimal_places=2)
    midpoint = models.DecimalField(_("midpoint (monthly)"), max_digits=10, decimal_places=2)
    maximum = models.DecimalField(_("maximum (monthly)"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")

    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("pay band")
        verbose_name_plural = _("pay bands")
        ordering = ["department", "job_level"]
        constraints = [
            models.UniqueConstraint(fields=["department", "job_level"], name="onboarding_payband_unique"),
            models.CheckConstraint(condition=Q(minimum__lte=models.F("midpoint"))
                                   & Q(midpoint__lte=models.F("maximum")), name="onboarding_payband_ordered"),
        ]

    def __str__(self):
        return f"{self.department} {self.job_level}: {self.minimum}-{self.maximum}"

    def clean(self):
        """The ordering the check constraint keeps, as field messages (R-OFFER-1)."""
        errors = {}
        if None not in (self.minimum, self.midpoint) and self.minimum > self.midpoint:
            errors["midpoint"] = [_("The midpoint is at least the minimum.")]
        if None not in (self.midpoint, self.maximum) and self.midpoint > self.maximum:
            errors["maximum"] = [_("The maximum is at least the midpoint.")]
        elif None not in (self.minimum, self.maximum) and self.minimum > self.maximum:
            errors["maximum"] = [_("The maximum is at least the minimum.")]
        if self.minimum is not None and self.minimum < 0:
            errors["minimum"] = [_("Pay cannot be negative.")]
        if errors:
            raise ValidationError(errors)


class OfferTemplate(models.Model):
    """Defaults an offer is drafted from: probation, validity, benefits text; per department or global."""

    name = models.CharField(_("name"), max_length=120)
    department = models.ForeignKey("accounts.Department", verbose_name=_("department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="offer_templates",
                                   help_text=_("empty: used for every department without its own template"))
    job_level = models.CharField(_("default job level"), max_length=40, blank=True)
    probation_months = models.PositiveSmallIntegerField(_("probation (months)"), default=3)
    validity_days = models.PositiveSmallIntegerField(_("days to answer"), default=7)
    working_hours = models.CharField(_("working hours"), max_length=200, blank=True,
                                     default="标准工时 / standard working hours")
    benefits = models.TextField(_("benefits"), blank=True,
                                default="五险一金 / social insurance and housing fund")
    active = models.BooleanField(_("active"), default=True)

    # staff configure the templates of their departments; a template for every department (no department) is
    # the HR director's and the system administrator's (R-INT-4)
    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

    class Meta:
        verbose_name = _("offer template")
        verbose_name_plural = _("offer templates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class OfferState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING_APPROVAL = "pending_approval", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected in approval")
    SENT = "sent", _("Sent to the candidate")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_OFFER_STATES = (OfferState.DRAFT, OfferState.PENDING_APPROVAL, OfferState.APPROVED, OfferState.SENT)


class OfferQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(state__in=OPEN_OFFER_STATES)


class Offer(ConcurrentTransitionMixin, models.Model):
    """An offer for one application (R-OFFER-1..4).

    draft -> pending_approval -> approved -> sent -> accepted | declined | expired;
    pending_approval -> draft (change requested) | rejected; withdrawn by HR from any open state.
    """

    application = models.ForeignKey("candidates.Application", verbose_name=_("application"),
                                    on_delete=models.PROTECT, related_name="offers")
    template = models.ForeignKey(OfferTemplate, verbose_name=_("template"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="offers")
    state = FSMField(_("state"), default=OfferState.DRAFT, choices=OfferState.choices, protected=True,
                     db_index=True)
    job_level = models.CharField(_("job level"), max_length=40, blank=True)
    # salaries are encrypted at rest (R-SEC-2): compare and add them in Python, never in SQL
    monthly_salary = EncryptedDecimalField(_("monthly salary"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    expected_salary = EncryptedDecimalField(_("candidate's expected salary"), max_digits=10, decimal_places=2,
                                            null=True, blank=True)
    start_date = models.DateField(_("start date"))
    probation_months = models.PositiveSmallIntegerField(_("probation (months)"), default=3)
    valid_until = models.DateField(_("answer by"))
    working_hours = models.CharField(_("working hours"), max_length=200, blank=True)
    benefits = models.TextField(_("benefits"), blank=True)
    note = models.TextField(_("internal note"), blank=True)
    # band snapshot at drafting / last change: approvals judge the band as it was then
    band_min = models.DecimalField(_("band minimum"), max_digits=10, decimal_places=2, null=True, blank=True)
    band_mid = models.DecimalField(_("band midpoint"), max_digits=10, decimal_places=2, null=True, blank=True)
    band_max = models.DecimalField(_("band maximum"), max_digits=10, decimal_places=2, null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    approval_round = models.PositiveIntegerField(_("approval round"), default=0)
    letter_docx = models.FileField(_("letter (Word)"), upload_to=offer_letter_upload_to, blank=True,
                                   storage=encrypted_storage("offer_letter"))
    letter_pdf = models.FileField(_("letter (PDF)"), upload_to=offer_letter_upload_to, blank=True,
                                  storage=encrypted_storage("offer_letter"))
    document_sha256 = models.CharField(_("letter SHA-256 (Word)"), max_length=64, blank=True)
    pdf_sha256 = models.CharField(_("letter SHA-256 (PDF)"), max_length=64, blank=True)
    sent_version = models.PositiveIntegerField(_("version sent"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decline_reason = models.TextField(_("decline reason"), blank=True)
    withdraw_reason = models.TextField(_("withdraw reason"), blank=True)
    onboarding_started_at = models.DateTimeField(_("onboarding started"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OfferQuerySet.as_manager()
    scope_path = "application"

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-created_at", "-id"]
        permissions = [("approve_offer", _("Can approve offers"))]
        constraints = [
            models.UniqueConstraint(fields=["application"], condition=Q(state__in=OPEN_OFFER_STATES),
                                    name="onboarding_one_open_offer_per_application"),
        ]

    def __str__(self):
        return gettext("Offer #%(id)s") % {"id": self.pk}

    @property
    def band_position(self) -> str:
        """below / within / above the band (the approval policy reads this)."""
        if self.band_max is None:
            return "none"
        if self.monthly_salary > self.band_max:
            return "above"
        if self.band_min is not None and self.monthly_salary < self.band_min:
            return "below"
        return "within"

    # -- state machine (guards only) -----------------------------------------------------------------

    @transition(field=state, source=OfferState.DRAFT, target=OfferState.PENDING_APPROVAL)
    def submit(self):
        pass

    @transition(field=state, source=OfferState.PENDING_APPROVAL, target=OfferState.APPROVED)
    def approve(self):
        pass

    @transition(field=state, source=OfferState.PENDING_APPROVAL, target=OfferState.DRAFT)
    def request_change(self):
        pass

    @transition(field=state, source=OfferState.PENDING_APPROVAL, target=OfferState.REJECTED)
    def reject(self):
        pass

    @transition(field=state, source=OfferState.APPROVED, target=OfferState.SENT,
                conditions=[lambda o: bool(o.document_sha256)])
    def send(self):
        pass

    @transition(field=state, source=OfferState.SENT, target=OfferState.ACCEPTED)
    def accept(self):
        pass

    @transition(field=state, source=OfferState.SENT, target=OfferState.DECLINED)
    def decline(self):
        pass

    @transition(field=state, source=OfferState.SENT, target=OfferState.EXPIRED)
    def expire(self):
        pass

    @transition(field=state, source=list(OPEN_OFFER_STATES), target=OfferState.WITHDRAWN)
    def withdraw(self):
        pass


class ApprovalRole(models.TextChoices):
    HIRING_MANAGER = "hiring_manager", _("Hiring manager")
    HR_DIRECTOR = "hr_director", _("HR director")


class ApprovalDecision(models.TextChoices):
    WAITING = "waiting", _("Waiting for an earlier step")
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CHANGES_REQUESTED = "changes_requested", _("Change requested")
    SUPERSEDED = "superseded", _("No longer needed")


class OfferApproval(models.Model):
    """One step of an offer's approval chain in one approval round (R-OFFER-2)."""

    offer = models.ForeignKey(Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="approvals")
    round = models.PositiveIntegerField(_("approval round"), default=1)
    step = models.PositiveSmallIntegerField(_("step"))
    role = models.CharField(_("role"), max_length=20, choices=ApprovalRole.choices)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT,
                                 related_name="offer_approvals")
    reason = models.CharField(_("why this step"), max_length=200, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=ApprovalDecision.choices,
                                default=ApprovalDecision.WAITING, db_index=True)
    comment = models.TextField(_("comment"), blank=True)
    activated_at = models.DateTimeField(_("waiting since"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminder"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "offer__application"
    scope_owner = "approver"

    class Meta:
        verbose_name = _("offer approval")
        verbose_name_plural = _("offer approvals")
        ordering = ["offer", "round", "step"]
        constraints = [models.UniqueConstraint(fields=["offer", "round", "step"], name="onboarding_approval_step")]

    def __str__(self):
        return gettext("%(offer)s, round %(round)s, step %(step)s: %(role)s") % {
            "offer": self.offer, "round": self.round, "step": self.step, "role": self.get_role_display()}


class OfferSignature(models.Model):
    """The candidate's e-signature on a sent offer (R-OFFER-3)."""

    offer = models.OneToOneField(Offer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="signature")
    typed_name = models.CharField(_("typed name"), max_length=100)
    signed_at = models.DateTimeField(_("signed"), default=timezone.now)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    signature_png = models.FileField(_("signature image"), upload_to=signature_upload_to,
                                     storage=encrypted_storage("offer_signature"))
    signature_sha256 = models.CharField(_("signature image SHA-256"), max_length=64)
    document_sha256 = models.CharField(_("SHA-256 of the document signed"), max_length=64)
    signed_copy = models.FileField(_("signed copy (Word)"), upload_to=offer_letter_upload_to,
                                   storage=encrypted_storage("offer_letter"))
    signed_copy_sha256 = models.CharField(_("signed copy SHA-256"), max_length=64)

    objects = ScopedQuerySet.as_manager()
    scope_path = "offer__application"

    class Meta:
        verbose_name = _("offer signature")
        verbose_name_plural = _("offer signatures")

    def __str__(self):
        return f"{self.typed_name} @ {self.signed_at:%Y-%m-%d %H:%M}"


class OnboardingInfo(models.Model):
    """What the candidate adds for onboarding in the portal; everything personal is encrypted (R-PORTAL-3)."""

    candidate = models.OneToOneField("candidates.Candidate", verbose_name=_("candidate"), on_delete=models.CASCADE,
                                     related_name="onboarding_info")
    address = EncryptedTextField(_("home address"), blank=True, default="")
    social_insurance_number = EncryptedTextField(_("social insurance number"), blank=True, default="")
    housing_fund_number = EncryptedTextField(_("housing fund number"), blank=True, default="")
    bank_name = EncryptedTextField(_("bank"), blank=True, default="")
    bank_account = EncryptedTextField(_("bank account"), blank=True, default="")
    emergency_contact_name = EncryptedTextField(_("emergency contact"), blank=True, default="")
    emergency_contact_phone = EncryptedTextField(_("emergency contact phone"), blank=True, default="")
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_path = "candidate__applications"

    class Meta:
        verbose_name = _("onboarding information")
        verbose_name_plural = _("onboarding information")

    def __str__(self):
        return str(self.candidate)


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("ID card")
    LICENCE = "licence", _("Practising licence")
    CERTIFICATE = "certificate", _("Certificate")
    PHOTO = "photo", _("Photo")
    OTHER = "other", _("Other")


class CandidateDocument(models.Model):
    """A file the candidate uploaded in the portal, checked by content and size, stored encrypted (R-PORTAL-3)."""

    candidate = models.ForeignKey("candidates.Candidate", verbose_name=_("candidate"), on_delete=models.CASCADE,
                                  related_name="portal_documents")
    kind = models.CharField(_("kind"), max_length=12, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=candidate_document_upload_to,
                            storage=encrypted_storage("candidate_document"))
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    original_name = models.CharField(_("original file name"), max_length=200, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()
    scope_path = "candidate__applications"

    class Meta:
        verbose_name = _("candidate document")
        verbose_name_plural = _("candidate documents")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.candidate})" if self.candidate_id else self.kind


# -- onboarding cases and their checklists (R-ONB-1, R-ONB-2, R-HOSP-1) ------------------------------------------
# An accepted offer opens an ``OnboardingCase`` whose checklist comes from the job's ``ChecklistTemplate``
# (documents, accounts, equipment, training, licence registration for clinical staff). On the start date the
# employee file (``employees.Employee``) is created from the case.


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

    # as offer templates: a job's template carries the job's department (set by the services)
    objects = ScopedQuerySet.as_manager()
    scope_path = "department"

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
