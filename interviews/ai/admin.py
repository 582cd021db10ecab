"""The back office of AI interviews (R-AI-1..7).

Vendors and delivery logs are for the integration admin (``ai_interviews.*``
permissions: the system administrator). HR works with results, invitations,
AI policies of jobs and the question bank through the permissions they hold on
the pipeline (``candidates.*``), always in their data scope.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.models import JobRequisition
from candidates.selectors import assessment_dimension_labels
from hrsys.api.errors import Conflict
from hrsys.core.admin_mixins import ReadOnlyAdmin, ScopedAdmin, labelled_filter
from hrsys.core.readable import readable

from . import importer, services
from .adapters.registry import adapter_paths
from .models import (
    AIInterviewResult,
    AIInvitation,
    AIMedia,
    Delivery,
    InvitationEvent,
    JobAIPolicy,
    Question,
    RejectedDelivery,
    Vendor,
)


class PipelinePermissionMixin:
    """Map this app's model permissions to the pipeline permission HR roles hold."""

    view_perm = "candidates.view_application"
    change_perm = "candidates.change_application"

    def _own(self, request, action):
        return request.user.has_perm(f"{self.opts.app_label}.{action}_{self.opts.model_name}")

    def has_module_permission(self, request):
        return self._own(request, "view") or request.user.has_perm(self.view_perm)

    def has_view_permission(self, request, obj=None):
        return self._own(request, "view") or request.user.has_perm(self.view_perm)

    def has_change_permission(self, request, obj=None):
        return self._own(request, "change") or request.user.has_perm(self.change_perm)

    def has_add_permission(self, request):
        return self._own(request, "add") or request.user.has_perm(self.change_perm)

    def has_delete_permission(self, request, obj=None):
        return self._own(request, "delete")


# -- vendors (integration admin) ---------------------------------------------------------------------

class VendorForm(forms.ModelForm):
    """Secrets are write-only here: never shown again, kept when left empty."""

    SECRET_FIELDS = ("secret", "previous_secret", "api_key")
    secret = forms.CharField(label=gettext_lazy("signing secret"), required=False, widget=forms.PasswordInput,
                             help_text=gettext_lazy("leave empty to keep the current one; at least 16 characters"))
    previous_secret = forms.CharField(label=gettext_lazy("previous signing secret"), required=False,
                                      widget=forms.PasswordInput)
    api_key = forms.CharField(label=gettext_lazy("API key"), required=False, widget=forms.PasswordInput)
    clear_previous_secret = forms.BooleanField(label=gettext_lazy("forget the previous secret"), required=False)

    class Meta:
        model = Vendor
        fields = ("slug", "name", "adapter", "signature_scheme", "secret", "previous_secret", "api_key",
                  "timestamp_tolerance_seconds", "max_body_bytes", "media_retention_days", "media_url_hosts",
                  "overall_min", "overall_max", "dimension_map", "interview_url_template", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["adapter"] = forms.ChoiceField(label=gettext_lazy("adapter"), choices=[(p, p) for p in adapter_paths()])
        self._kept = {name: getattr(self.instance, name) for name in self.SECRET_FIELDS} if self.instance.pk else {}

    def clean(self):
        data = super().clean()
        for name in self.SECRET_FIELDS:
            if not data.get(name) and self._kept.get(name):
                data[name] = self._kept[name]
        if data.get("clear_previous_secret"):
            data["previous_secret"] = ""
        return data


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    form = VendorForm
    list_display = ("name", "slug", "adapter", "signature_scheme", "timestamp_tolerance_seconds",
                    "media_retention_days", "active", "webhook_url")
    list_filter = ("active", "signature_scheme")
    search_fields = ("name", "slug")

    @admin.display(description=gettext_lazy("webhook URL"))
    def webhook_url(self, obj):
        return reverse("api:ai-result-ingest", kwargs={"vendor": obj.slug})


@admin.register(RejectedDelivery)
class RejectedDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "vendor_slug", "status_code", "code", "reason", "body_size", "remote_addr")
    list_filter = ("vendor_slug", "status_code", "code")
    search_fields = ("reason", "body_sha256")
    date_hierarchy = "received_at"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "vendor", "event", "status", "outcome", "error", "attempts", "next_attempt_at",
                    "source", "result", "delivery_key")
    list_filter = ("status", "vendor", "outcome", "source")
    search_fields = ("delivery_key", "body_sha256")
    exclude = ("body",)  # the raw body holds personal data: stays in the database, not on screen
    date_hierarchy = "received_at"
    actions = ["process_again"]

    @admin.action(description=gettext_lazy("Process the failed deliveries again"))
    def process_again(self, request, queryset):
        _process_again(self, request, queryset)


def _process_again(model_admin, request, deliveries):
    done = 0
    for delivery in deliveries.filter(status=Delivery.Status.FAILED):
        try:
            services.ai_delivery_retry(actor=request.user, delivery_id=delivery.pk)
            done += 1
        except PermissionDenied:
            model_admin.message_user(request, _("You may not process deliveries again."), messages.ERROR)
            return
    model_admin.message_user(request, _("%(n)d failed deliveries handed to the worker again.") % {"n": done})


# -- HR ------------------------------------------------------------------------------------------------

class MediaInline(admin.TabularInline):
    model = AIMedia
    extra = 0
    fields = ("kind", "status", "size", "content_type", "stored_at", "purged_at", "error")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ImportForm(forms.Form):
    vendor = forms.ModelChoiceField(label=gettext_lazy("vendor"), queryset=Vendor.objects.all())
    file = forms.FileField(label=gettext_lazy("Excel or CSV export"))


@admin.register(AIInterviewResult)
class AIInterviewResultAdmin(PipelinePermissionMixin, ScopedAdmin):
    change_form_template = "ai_interviews/admin/result_change_form.html"
    list_display = ("application", "vendor", "overall_score", "decision", "move_status", "hold_until",
                    "received_at")
    list_filter = ("decision", "move_status", "vendor", "source")
    list_select_related = ("application__candidate", "application__job", "vendor")
    search_fields = ("vendor_result_id", "application__candidate__name")
    date_hierarchy = "received_at"
    readonly_fields = ("application", "vendor", "invitation", "vendor_result_id", "overall_raw", "overall_score",
                       "recommendation", "decision", "move_status", "move_note", "hold_until", "moved_at",
                       "completed_at", "received_at", "revision", "source", "report_url")
    fields = readonly_fields
    inlines = [MediaInline]
    actions = ["export_csv", "export_xlsx", "stop_held_rejection"]
    export_columns = (
        (gettext_lazy("application"), lambda r: r.application_id), (gettext_lazy("candidate"), lambda r: r.application.candidate.name),
        (gettext_lazy("job"), lambda r: r.application.job.title), (gettext_lazy("vendor"), lambda r: r.vendor.slug),
        (gettext_lazy("overall score"), lambda r: r.overall_score),
        (gettext_lazy("scores"), lambda r: ", ".join(f"{k}={v['score']}" for k, v in r.dimension_scores.items())),
        (gettext_lazy("decision"), lambda r: r.decision), (gettext_lazy("received"), lambda r: r.received_at.isoformat()),
    )

    def has_add_permission(self, request):
        return False  # results come from vendors or the import

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    @admin.action(description=gettext_lazy("Stop the held rejection (send to HR review)"))
    def stop_held_rejection(self, request, queryset):
        done = 0
        for result in queryset.filter(move_status=AIInterviewResult.MoveStatus.HELD):
            try:
                services.ai_hold_cancel(actor=request.user, result_id=result.pk, reason=_("Stopped in the admin"))
                done += 1
            except (Conflict, ValidationError) as exc:
                self.message_user(request, str(getattr(exc, "detail", exc)), messages.ERROR)
        self.message_user(request, _("%(n)d held rejections stopped.") % {"n": done})

    def get_urls(self):
        return [path("import/", self.admin_site.admin_view(self.import_view), name="ai_interviews_result_import"),
                *super().get_urls()]

    def import_view(self, request):
        """Upload a vendor export: preview (rows, errors by row and column) or import all rows (R-AI-3)."""
        if not request.user.has_perm(self.change_perm):
            raise PermissionDenied
        report = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = importer.ai_results_import(
                    actor=request.user, vendor=form.cleaned_data["vendor"], data=upload.read(), filename=upload.name,
                    commit="commit" in request.POST)
            except ValidationError as exc:
                form.add_error("file", exc.message_dict.get("file", exc.messages))
            if report and report.committed:
                self.message_user(request, _("%(n)d results imported.") % {"n": report.created})
        context = {**self.admin_site.each_context(request), "title": _("Import AI interview results"),
                   "form": form, "report": report, "opts": self.opts}
        return TemplateResponse(request, "ai_interviews/admin/import.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "import_url": reverse("admin:ai_interviews_result_import")}
        return super().changelist_view(request, extra_context)


class InvitationEventInline(admin.TabularInline):
    model = InvitationEvent
    extra = 0
    fields = ("at", "kind", "source", "details")
    readonly_fields = fields
    can_delete = False

    @admin.display(description=gettext_lazy("detail"))
    def details(self, obj):
        return readable(obj.detail)  # in words and local time, not raw JSON

    def has_add_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    """What the vendor sent for this invitation and whether it was processed (never the body: personal data)."""

    model = Delivery
    extra = 0
    fields = ("received_at", "event", "status", "outcome", "error", "attempts", "next_attempt_at", "result")
    readonly_fields = fields
    can_delete = False
    ordering = ("-received_at", "-id")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return True  # shown on an invitation page the viewer may already see (scoped by the invitation)


@admin.register(AIInvitation)
class AIInvitationAdmin(PipelinePermissionMixin, ScopedAdmin):
    list_display = ("application", "vendor", "assessment_id", "status", "deadline", "invited_at", "opened_at",
                    "completed_at")
    list_filter = ("status", "vendor")
    list_select_related = ("application__candidate", "application__job", "vendor")
    search_fields = ("assessment_id", "application__candidate__name")
    readonly_fields = ("application", "vendor", "assessment_id", "candidate_url", "deadline", "status",
                       "notification", "invited_at", "opened_at", "started_at", "completed_at", "created_by")
    fields = readonly_fields
    inlines = [InvitationEventInline, DeliveryInline]
    actions = [*ScopedAdmin.actions, "process_deliveries_again"]

    @admin.action(description=gettext_lazy("Process their failed vendor deliveries again"))
    def process_deliveries_again(self, request, queryset):
        _process_again(self, request, Delivery.objects.filter(invitation__in=queryset))

    def has_add_permission(self, request):
        return False  # through ai_interview_invite (API), which moves the application and sends the message

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)


@admin.register(JobAIPolicy)
class JobAIPolicyAdmin(PipelinePermissionMixin, ScopedAdmin):
    change_perm = "candidates.change_jobrequisition"
    list_display = ("job", "auto_moves", "rejection_hold_hours", "job_family", "default_vendor", "duration_minutes")
    list_select_related = ("job__department", "default_vendor")
    log_access = False

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "job":
            kwargs["queryset"] = JobRequisition.objects.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _dimension_choices() -> list[tuple[str, str]]:
    """The dimensions the jobs define, by their names; a key questions use that no job names any more stays
    selectable under its key."""
    labels = assessment_dimension_labels(user=None)
    used = Question.objects.values_list("dimension", flat=True).distinct()
    return sorted({**{key: key for key in used}, **labels}.items(), key=lambda item: item[1])


@admin.register(Question)
class QuestionAdmin(PipelinePermissionMixin, admin.ModelAdmin):
    """The question bank, curated by HR (R-AI-5). A dimension is shown and chosen by the name the jobs give it."""

    change_perm = "candidates.change_jobrequisition"
    list_display = ("text", "dimension", "job_family", "language", "use_for", "active", "times_asked")
    list_filter = ("active", "language", "use_for",
                   labelled_filter("dimension", gettext_lazy("dimension"), lambda _request, _admin: _dimension_choices()),
                   "job_family")
    list_editable = ("active",)
    search_fields = ("text", "dimension", "job_family")
    autocomplete_fields = ("translation_of",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(times_asked=Count("usages"))

    def get_list_display(self, request):
        """The dimension column reads the labels once per page (not once per row)."""
        labels = assessment_dimension_labels(user=None)

        @admin.display(description=gettext_lazy("dimension"), ordering="dimension")
        def dimension_name(obj):
            return labels.get(obj.dimension) or obj.dimension

        return [dimension_name if name == "dimension" else name for name in super().get_list_display(request)]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):  # read-only: the name, not the key
            fields = ["dimension_name" if name == "dimension" else name for name in fields]
        return fields

    @admin.display(description=gettext_lazy("dimension"))
    def dimension_name(self, obj):
        return assessment_dimension_labels(user=None).get(obj.dimension) or obj.dimension

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        """The dimension is chosen by the name HR gave it on the jobs, not typed as a key."""
        if db_field.name == "dimension":
            return forms.ChoiceField(label=db_field.verbose_name, choices=_dimension_choices(),
                                     help_text=_("The assessment dimension, as the jobs name it."))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("asked"), ordering="times_asked")
    def times_asked(self, obj):
        return obj.times_asked

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the statistics keep their questions

