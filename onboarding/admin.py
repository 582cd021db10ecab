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
