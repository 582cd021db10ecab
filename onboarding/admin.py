from django.contrib import admin

from hrsys.core.admin_mixins import ReadOnlyAdmin, ScopedAdmin

from .models import (
    CandidateDocument,
    Offer,
    OfferApproval,
    OfferSignature,
    OfferTemplate,
    OnboardingInfo,
    PayBand,
)


@admin.register(PayBand)
class PayBandAdmin(ScopedAdmin):
    list_display = ("department", "job_level", "minimum", "midpoint", "maximum", "currency")
    list_filter = ("department",)


@admin.register(OfferTemplate)
class OfferTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "department", "job_level", "probation_months", "validity_days", "active")


class OfferApprovalInline(admin.TabularInline):
    model = OfferApproval
    extra = 0
    can_delete = False
    readonly_fields = ("round", "step", "role", "approver", "reason", "decision", "comment", "activated_at",
                       "decided_at", "reminder_count")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Offer)
class OfferAdmin(ScopedAdmin):
    """Offers are changed through the services (API / approval pages); the admin shows them."""

    list_display = ("pk", "application", "state", "monthly_salary", "start_date", "valid_until", "sent_at")
    list_filter = ("state",)
    readonly_fields = [f.name for f in Offer._meta.fields]
    inlines = [OfferApprovalInline]
    export_columns = [("id", lambda o: o.pk), ("state", lambda o: o.state),
                      ("job", lambda o: o.application.job.title), ("salary", lambda o: o.monthly_salary),
                      ("start", lambda o: o.start_date), ("sha256", lambda o: o.document_sha256)]

    def has_add_permission(self, request):
        return False


@admin.register(OfferSignature)
class OfferSignatureAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("offer", "typed_name", "signed_at", "ip", "document_sha256")


@admin.register(OnboardingInfo)
class OnboardingInfoAdmin(ScopedAdmin):
    list_display = ("candidate", "updated_at")


@admin.register(CandidateDocument)
class CandidateDocumentAdmin(ScopedAdmin):
    list_display = ("candidate", "kind", "content_type", "size", "uploaded_at")
    readonly_fields = ("candidate", "kind", "file", "content_type", "size", "sha256", "original_name", "uploaded_at")


# -- issue 8: onboarding cases, checklists, employee files (R-ONB-1, R-ONB-2, R-AI-4, R-ATT-5) ---------------

from django.utils.translation import gettext_lazy as _  # noqa: E402

from .models import (  # noqa: E402
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Employee,
    OnboardingCase,
)
from .selectors_employee import case_progress  # noqa: E402


class ChecklistTemplateItemInline(admin.TabularInline):
    model = ChecklistTemplateItem
    extra = 1


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "job", "department", "active")
    inlines = [ChecklistTemplateItemInline]


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 0
    can_delete = False
    readonly_fields = ("category", "title", "owner_role", "owner", "due_date", "done_at", "done_by",
                       "reminders_sent")
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OnboardingCase)
class OnboardingCaseAdmin(ScopedAdmin):
    """Progress of each new hire's onboarding; items are ticked through the service (API / portal)."""

    list_display = ("candidate", "department", "start_date", "state", "progress")
    list_filter = ("state", "department")
    readonly_fields = [f.name for f in OnboardingCase._meta.fields]
    inlines = [ChecklistItemInline]
    export_columns = [(_("name"), lambda c: c.candidate.name), (_("department"), lambda c: c.department.name),
                      (_("start date"), lambda c: c.start_date), (_("state"), lambda c: c.state),
                      (_("progress"), lambda c: f"{case_progress(c)['percent']}%")]

    @admin.display(description=_("progress"))
    def progress(self, obj):
        p = case_progress(obj)
        return f"{p['done']}/{p['total']}"

    def has_add_permission(self, request):
        return False


@admin.register(Employee)
class EmployeeAdmin(ScopedAdmin):
    list_display = ("employee_no", "name", "department", "job_title", "start_date", "state", "attrition_reason")
    list_filter = ("state", "attrition_reason", "department")
    search_fields = ("employee_no", "name")
    exclude = ("phone", "email", "id_number")
    readonly_fields = [f.name for f in Employee._meta.fields if f.name not in ("phone", "email", "id_number")]
    export_columns = [(_("employee number"), lambda e: e.employee_no), (_("name"), lambda e: e.name),
                      (_("department"), lambda e: e.department.name), (_("job"), lambda e: e.job_title),
                      (_("start date"), lambda e: e.start_date), (_("state"), lambda e: e.state),
                      (_("reason for leaving"), lambda e: e.attrition_reason),
                      (_("AI overall score"), lambda e: (e.ai_interview or {}).get("overall_score"))]

    def has_add_permission(self, request):
        return False
