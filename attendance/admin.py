"""Attendance back office: accounts, devices, punches, shifts, leave, results, probation, and the monthly
report per department with its Excel export (R-ATT-1..4, R-SEC-1). Changes go through the services."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from hrsys.api.errors import Conflict, error_messages
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.admin_mixins import ReadOnlyAdmin, ScopedAdmin
from hrsys.core.exports import export_response

from . import selectors, services
from .api import REPORT_COLUMNS
from .models import (
    AttendanceAccount,
    DailyResult,
    Device,
    DoorAccessGroup,
    LeaveRequest,
    ProbationDecision,
    ProbationReview,
    ProvisioningAttempt,
    ProvisioningDelivery,
    Punch,
    PunchRejection,
    ShiftAssignment,
    ShiftTemplate,
    ZKTecoClock,
)


def _run(request, fn, ok):
    try:
        fn()
    except (ValidationError, Conflict, PermissionDenied, Http404) as exc:
        messages.error(request, getattr(exc, "messages", None) or str(getattr(exc, "detail", exc)))
    else:
        messages.success(request, ok)


@admin.register(AttendanceAccount)
class AttendanceAccountAdmin(ScopedAdmin):
    list_display = ("holder_name", "clock_id", "department", "state", "effective_date", "activated_at", "no_show")
    list_filter = ("state", "no_show", "department")
    search_fields = ("holder_name", "clock_id")
    readonly_fields = [f.name for f in AttendanceAccount._meta.fields]
    export_columns = [(_("clock-in id"), lambda a: a.clock_id), (_("name"), lambda a: a.holder_name),
                      (_("department"), lambda a: a.department.name), (_("state"), lambda a: a.state),
                      (_("effective from"), lambda a: a.effective_date)]
    actions = ["export_csv", "export_xlsx", "suspend", "resume"]

    def has_add_permission(self, request):
        return False  # accounts come from accepted offers (R-ATT-1)

    @admin.action(description=_("Suspend selected accounts"), permissions=["change"])
    def suspend(self, request, queryset):
        for account in queryset:
            _run(request, lambda a=account: services.attendance_account_suspend(
                actor=request.user, account_id=a.pk, reason="admin"), _("Suspended %(n)s.") % {"n": account})

    @admin.action(description=_("Resume selected accounts"), permissions=["change"])
    def resume(self, request, queryset):
        for account in queryset:
            _run(request, lambda a=account: services.attendance_account_resume(actor=request.user, account_id=a.pk),
                 _("Resumed %(n)s.") % {"n": account})


@admin.register(DoorAccessGroup)
class DoorAccessGroupAdmin(ScopedAdmin):
    list_display = ("code", "name", "department")
    log_access = False


ZKTECO_FORM_FIELDS = ("host", "port", "transport", "serial_number", "timezone")


class ZKTecoClockForm(forms.ModelForm):
    """A ZKTeco clock's connection (R-CN-3); the communication key is write-only: empty keeps the one set."""

    comm_key = forms.RegexField(regex=r"^\d{0,6}$", label=_("communication key"), required=False,
                                widget=forms.PasswordInput(render_value=False),
                                help_text=_("never shown again; leave empty to keep the key already set"))
    clear_comm_key = forms.BooleanField(label=_("remove the communication key"), required=False)

    class Meta:
        model = ZKTecoClock
        fields = (*ZKTECO_FORM_FIELDS, "comm_key")

    def settings(self) -> dict | None:
        if not self.has_changed():
            return None
        data = {name: self.cleaned_data[name] for name in ZKTECO_FORM_FIELDS}
        if self.cleaned_data.get("clear_comm_key"):
            data["comm_key"] = ""
        elif self.cleaned_data.get("comm_key"):
            data["comm_key"] = self.cleaned_data["comm_key"]
        return data


class ZKTecoClockInline(admin.StackedInline):
    model = ZKTecoClock
    form = ZKTecoClockForm
    extra = 0
    max_num = 1
    can_delete = False
    readonly_fields = ("cursor_at", "next_pull_at", "last_pull_at", "last_success_at", "last_pull_status",
                       "last_error", "failures", "failing_since")
    fields = (*ZKTECO_FORM_FIELDS, "comm_key", "clear_comm_key", *readonly_fields)


@admin.register(Device)
class DeviceAdmin(ScopedAdmin):
    list_display = ("name", "kind", "department", "auth", "provisioning", "active", "last_seen_at")
    list_filter = ("kind", "auth", "provisioning", "active")
    exclude = ("hmac_secret",)
    readonly_fields = ("last_seen_at", "created_at")
    log_access = False
    actions = ["rotate_credentials"]
    inlines = [ZKTecoClockInline]

    def _create_formsets(self, request, obj, change):
        # the ZKTeco connection is saved through the device services, not by its inline formset
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        request._zkteco_forms = [f for fs in formsets if fs.model is ZKTecoClock for f in fs.forms]
        return formsets, inline_instances

    @staticmethod
    def _zkteco_settings(request) -> dict | None:
        for form in getattr(request, "_zkteco_forms", []):
            if form.is_valid():
                return form.settings()
        return None

    def save_related(self, request, form, formsets, change):
        form.save_m2m()
        for formset in formsets:
            if formset.model is not ZKTecoClock:
                self.save_formset(request, form, formset, change=change)
            else:  # saved below through the services; the change message reads these
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        zkteco = self._zkteco_settings(request)
        if change and zkteco:
            services.device_update(actor=request.user, device_id=form.instance.pk, zkteco=zkteco)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        device, secret = services.device_create(actor=request.user, name=obj.name, department_id=obj.department_id,
                                                kind=obj.kind, auth=obj.auth, provisioning=obj.provisioning,
                                                push_url=obj.push_url, location=obj.location,
                                                zkteco=self._zkteco_settings(request))
        obj.pk = device.pk
        messages.warning(request, _("Device credential (shown once, store it in the device): %(s)s") % {"s": secret})

    @admin.action(description=_("Issue new credentials"), permissions=["change"])
    def rotate_credentials(self, request, queryset):
        for device in queryset:
            secret = services.device_rotate_credentials(actor=request.user, device_id=device.pk)
            messages.warning(request, _("%(d)s: new credential (shown once): %(s)s") % {"d": device, "s": secret})


class ProvisioningAttemptInline(admin.TabularInline):
    model = ProvisioningAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "started_at", "finished_at", "status_code", "outcome", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProvisioningDelivery)
class ProvisioningDeliveryAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("account", "device", "action", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status", "action")
    inlines = [ProvisioningAttemptInline]
    log_access = False


@admin.register(Punch)
class PunchAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("account", "punched_at", "device", "direction", "source", "received_at")
    list_filter = ("source", "device")
    date_hierarchy = "punched_at"
    list_select_related = ("account", "device")


@admin.register(PunchRejection)
class PunchRejectionAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("device", "clock_id", "punched_at_raw", "reason", "source", "received_at")
    list_filter = ("reason", "source")
    log_access = False


@admin.register(ShiftTemplate)
class ShiftTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "start_time", "end_time", "grace_minutes", "follows_public_calendar",
                    "cycle_days", "is_default")


@admin.register(ShiftAssignment)
class ShiftAssignmentAdmin(ReadOnlyAdmin, ScopedAdmin):
    """Assignments are made through the API service (overlaps are refused there)."""

    list_display = ("account", "template", "start_date", "end_date")
    log_access = False


@admin.register(LeaveRequest)
class LeaveRequestAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("account", "type", "start_date", "end_date", "state", "decided_by", "decided_at")
    list_filter = ("state", "type")
    actions = ["approve", "export_csv", "export_xlsx"]

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("attendance.change_leaverequest")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in LeaveRequest._meta.fields]

    @admin.action(description=_("Approve selected leave requests"), permissions=["change"])
    def approve(self, request, queryset):
        for leave in queryset:
            _run(request, lambda x=leave: services.leave_request_decide(actor=request.user, leave_id=x.pk,
                                                                         decision="approve"),
                 _("Approved %(n)s.") % {"n": leave})

    export_columns = [(_("name"), lambda x: x.account.holder_name), (_("type"), lambda x: x.get_type_display()),
                      (_("from"), lambda x: x.start_date), (_("until"), lambda x: x.end_date),
                      (_("state"), lambda x: x.get_state_display())]


@admin.register(DailyResult)
class DailyResultAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("account", "work_date", "status", "late_minutes", "early_leave_minutes", "overtime_minutes",
                    "stale")
    list_filter = ("status", "department", "stale")
    date_hierarchy = "work_date"
    list_select_related = ("account",)
    log_access = False
    change_list_template = "admin/attendance/dailyresult_change_list.html"

    def get_urls(self):
        return [path("monthly-report/", self.admin_site.admin_view(self.monthly_report),
                     name="attendance_monthly_report"), *super().get_urls()]

    def monthly_report(self, request):
        """The monthly attendance report of the viewer's departments; ?format=xlsx exports it (R-ATT-3)."""
        if not request.user.has_perm("attendance.view_dailyresult"):
            raise PermissionDenied
        raw = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
        try:
            month = selectors.month_bounds(raw)[0]
        except (ValueError, TypeError):
            month = timezone.localdate().replace(day=1)
        dept = request.GET.get("department")
        rows = selectors.monthly_attendance_report(user=request.user, month=month,
                                                   department_id=int(dept) if dept and dept.isdigit() else None)
        if request.GET.get("format") in ("xlsx", "csv"):
            return export_response(actor=request.user, rows=rows, columns=REPORT_COLUMNS, fmt=request.GET["format"],
                                   basename=f"attendance-{month:%Y-%m}", object_type="attendance.monthlyreport",
                                   detail=f"month {month:%Y-%m}", channel="admin")
        previous = (month - dt.timedelta(days=1)).strftime("%Y-%m")
        context = {**self.admin_site.each_context(request), "title": _("Monthly attendance report"),
                   "rows": rows, "month": month.strftime("%Y-%m"), "previous": previous, "opts": self.model._meta}
        return TemplateResponse(request, "admin/attendance/monthly_report.html", context)


@admin.register(ProbationReview)
class ProbationReviewAdmin(ReadOnlyAdmin, ScopedAdmin):
    """Reviews are read here and decided on their review page: every month's attendance with its flags next to
    the AI interview scores, and the decision form (R-ATT-4, R-AI-4)."""

    list_display = ("account", "department", "starts_on", "ends_on", "decision", "decided_by", "reminders_sent",
                    "review_link")
    list_filter = ("decision", "department")

    @admin.display(description=_("review page"))
    def review_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:attendance_probation_decide", args=[obj.pk]),
                           _("Review and decide"))

    def get_urls(self):
        return [path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view),
                     name="attendance_probation_decide"), *super().get_urls()]

    def decide_view(self, request, pk):
        if not request.user.has_perm("attendance.view_probationreview"):
            raise PermissionDenied
        detail = selectors.probation_review_detail(user=request.user, review_id=pk)  # 404 outside the scope
        review = detail["review"]
        can_decide = request.user.has_perm("attendance.change_probationreview") and review.decision in (
            "", ProbationDecision.EXTEND)
        errors, status = [], 200
        if request.method == "POST":
            if not can_decide:
                raise PermissionDenied
            try:
                months = request.POST.get("extend_months") or None
                services.probation_decide(actor=request.user, review_id=pk, decision=request.POST.get("decision", ""),
                                          comment=request.POST.get("comment", ""),
                                          extend_months=int(months) if months and months.isdigit() else None)
            except (ValidationError, Conflict) as exc:
                errors, status = error_messages(exc), 400
            else:
                messages.success(request, _("The probation decision is recorded."))
                return redirect("admin:attendance_probationreview_changelist")
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=review, detail="probation review page",
                   channel="admin")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "detail": detail,
                   "review": review, "title": _("Probation review: %(n)s") % {"n": review.account.holder_name},
                   "can_decide": can_decide, "errors": errors, "decisions": ProbationDecision.choices,
                   "post": request.POST if request.method == "POST" else {}}
        return TemplateResponse(request, "admin/attendance/probation_decide.html", context, status=status)
    export_columns = [(_("name"), lambda r: r.account.holder_name), (_("department"), lambda r: r.department.name),
                      (_("starts"), lambda r: r.starts_on), (_("ends"), lambda r: r.ends_on),
                      (_("decision"), lambda r: r.decision)]
