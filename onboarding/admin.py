from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from candidates.models import Application
from candidates.models import State as AppState
from hrsys.api.errors import Conflict, error_messages
from hrsys.audit.labels import actor_in_words
from hrsys.core.admin_mixins import ReadOnlyAdmin, ScopedAdmin

from . import selectors, services
from .models import (
    CandidateDocument,
    ChecklistItem,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Offer,
    OfferApproval,
    OfferSignature,
    OfferState,
    OfferTemplate,
    OnboardingCase,
    OnboardingInfo,
    PayBand,
)

OPEN_OFFER_STATES = (OfferState.DRAFT, OfferState.PENDING_APPROVAL, OfferState.APPROVED, OfferState.SENT)


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
    """Offers are written through the services: "Add" drafts one for an application that finished its
    interviews, and each offer's desk page edits the draft, submits it for approval, sends the approved letter
    or withdraws it (R-OFFER-1..4). The change page shows the record and its approvals."""

    list_display = ("pk", "application", "state", "salary", "start_date", "valid_until", "sent_at",
                    "desk_link")
    list_filter = ("state",)
    readonly_fields = [f.name for f in Offer._meta.fields]
    inlines = [OfferApprovalInline]
    export_columns = [("id", lambda o: o.pk), ("state", lambda o: o.state),
                      ("job", lambda o: o.application.job.title), ("salary", lambda o: o.monthly_salary),
                      ("start", lambda o: o.start_date), ("sha256", lambda o: o.document_sha256)]

    @admin.display(description=_("monthly salary"))
    def salary(self, obj):
        # encrypted at rest (R-SEC-2): shown decrypted, but not a sortable column (SQL would sort ciphertexts)
        return obj.monthly_salary

    @admin.display(description=_("offer desk"))
    def desk_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:onboarding_offer_desk", args=[obj.pk]),
                           _("Open the offer desk"))

    def get_urls(self):
        return [path("<int:pk>/desk/", self.admin_site.admin_view(self.desk_view), name="onboarding_offer_desk"),
                *super().get_urls()]

    def add_view(self, request, form_url="", extra_context=None):
        """Draft an offer: pick an application in scope that finished its interviews; the salary and start
        date default from the pay band and the candidate's stated preferences (R-OFFER-1)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        choices = (Application.objects.for_user(request.user).filter(state__in=[AppState.INTERVIEWING, AppState.OFFER])
                   .exclude(offers__state__in=OPEN_OFFER_STATES).select_related("candidate", "job")
                   .order_by("-state_changed_at")[:300])
        errors, status = [], 200
        if request.method == "POST":
            try:
                app_id = int(request.POST.get("application") or 0)
                values = {k: request.POST[k] for k in ("monthly_salary", "start_date", "valid_until", "job_level")
                          if request.POST.get(k)}
                offer = services.offer_draft(actor=request.user, application_id=app_id, note=request.POST.get("note", ""),
                                             **values)
            except Http404:
                errors, status = [_("Unknown application.")], 400
            except (ValidationError, Conflict) as exc:
                errors, status = error_messages(exc), 400
            else:
                messages.success(request, _("The offer is drafted; check it and submit it for approval."))
                return redirect("admin:onboarding_offer_desk", pk=offer.pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Draft an offer"),
                   "applications": choices, "errors": errors, "post": request.POST}
        return TemplateResponse(request, "admin/onboarding/offer_draft.html", context, status=status)

    def desk_view(self, request, pk):
        offer = selectors.offer_get(user=request.user, pk=pk)  # 404 outside the scope
        errors, status = [], 200
        if request.method == "POST":
            action = request.POST.get("action", "")
            try:
                if action == "save":
                    changes = {k: request.POST.get(k, "") for k in ("monthly_salary", "start_date", "valid_until",
                                                                    "probation_months", "job_level", "note")}
                    services.offer_update(actor=request.user, offer_id=offer.pk, **changes)
                    done = _("The draft is saved.")
                elif action == "submit":
                    services.offer_submit(actor=request.user, offer_id=offer.pk)
                    done = _("The offer waits for approval.")
                elif action == "send":
                    services.offer_send(actor=request.user, offer_id=offer.pk)
                    done = _("The offer letter is sent to the candidate.")
                elif action == "withdraw":
                    services.offer_withdraw(actor=request.user, offer_id=offer.pk,
                                            reason=request.POST.get("reason", ""))
                    done = _("The offer is withdrawn.")
                else:
                    raise ValidationError({"action": [_("Unknown action.")]})
            except (ValidationError, Conflict) as exc:  # a PermissionDenied stays a 403
                errors, status = error_messages(exc), 400
            else:
                messages.success(request, done)
                return redirect("admin:onboarding_offer_desk", pk=offer.pk)
            offer = selectors.offer_get(user=request.user, pk=pk)
        fields = ("monthly_salary", "start_date", "valid_until", "probation_months", "job_level", "note")
        form = {name: (request.POST.get(name, "") if request.method == "POST" else
                       getattr(offer, name).isoformat() if name in ("start_date", "valid_until")
                       else getattr(offer, name)) for name in fields}
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "offer": offer,
                   "title": _("Offer desk"), "approvals": offer.approvals.select_related("approver"),
                   "errors": errors, "form": form,
                   "can_change": request.user.has_perm("onboarding.change_offer"),
                   "open": offer.state in OPEN_OFFER_STATES}
        return TemplateResponse(request, "admin/onboarding/offer_desk.html", context, status=status)


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


# -- onboarding cases, checklists, employee files (R-ONB-1, R-ONB-2, R-AI-4, R-ATT-5) ------------------------


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
    readonly_fields = ("category", "title", "owner_role", "owner", "due_date", "done_at", "done_by_words",
                       "reminders_sent")
    fields = readonly_fields

    @admin.display(description=_("done by"))
    def done_by_words(self, obj):
        return actor_in_words(obj.done_by) or "-"  # "candidate:12" is the new hire in the portal

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
                      (_("progress"), lambda c: f"{selectors.case_progress(c)['percent']}%")]

    @admin.display(description=_("progress"))
    def progress(self, obj):
        p = selectors.case_progress(obj)
        return f"{p['done']}/{p['total']}"

    def has_add_permission(self, request):
        return False
