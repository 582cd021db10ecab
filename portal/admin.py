"""Candidates' requests for a copy or the deletion of their data, as HR carries them out (R-SEC-6): the list with
due dates (overdue ones marked), each request's page with its actions. Scoped to the viewer."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from hrsys.api.errors import Conflict, error_messages
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.admin_mixins import ScopedAdmin

from . import data_requests as subject_requests
from .models import SubjectRequest


class OverdueFilter(admin.SimpleListFilter):
    title = gettext_lazy("due")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        return [("overdue", gettext_lazy("Overdue")), ("week", gettext_lazy("Due within 7 days"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "overdue":
            return queryset.filter(state=SubjectRequest.State.OPEN, due_at__lt=now)
        if self.value() == "week":
            return queryset.filter(state=SubjectRequest.State.OPEN, due_at__gte=now,
                                   due_at__lt=now + timezone.timedelta(days=7))
        return queryset


@admin.register(SubjectRequest)
class SubjectRequestAdmin(ScopedAdmin):
    """Candidates' requests for a copy or deletion of their data, with their due dates (R-SEC-6). Each action
    calls its service; a refusal by the service (legal hold, hired) is shown as a message, nothing changes."""

    list_display = ("id", "candidate", "kind", "state", "requested_at", "due", "handled_at", "handled_by")
    list_filter = ("state", "kind", OverdueFilter, "channel")
    list_select_related = ("candidate", "handled_by")
    date_hierarchy = "requested_at"
    ordering = ("state", "due_at")
    readonly_fields = ("candidate", "kind", "state", "channel", "requested_at", "due", "handled_at", "handled_by",
                       "refusal_reason", "copy", "copy_expires_at")
    fields = readonly_fields
    change_form_template = "admin/portal/subjectrequest/change_form.html"

    @admin.display(description=gettext_lazy("due"), ordering="due_at")
    def due(self, obj):
        if obj.overdue:
            return format_html('<strong class="errornote subject-request-overdue" style="padding:2px 6px">{} · {}</strong>',
                               timezone.localtime(obj.due_at).strftime("%Y-%m-%d"), gettext("overdue"))
        return timezone.localtime(obj.due_at).strftime("%Y-%m-%d")

    @admin.display(description=gettext_lazy("prepared copy"))
    def copy(self, obj):
        if not obj.copy_file:
            return "-"
        # underlined: a link inside a line of text must not be told apart by its colour alone (WCAG 1.4.1)
        return format_html('<a href="{}" style="text-decoration:underline">{}</a> ({} KB)',
                           reverse("admin:portal_subjectrequest_copy", args=[obj.pk]), gettext("Download"),
                           max(1, obj.copy_size // 1024))

    def has_add_permission(self, request):
        return False  # requests come from the candidate (the portal); HR carries them out

    def has_delete_permission(self, request, obj=None):
        return False  # the record that a person asked, and what was done, is kept

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/prepare-copy/", view(self.prepare_view), name="portal_subjectrequest_prepare"),
            path("<int:pk>/carry-out-deletion/", view(self.delete_view_), name="portal_subjectrequest_delete_data"),
            path("<int:pk>/refuse/", view(self.refuse_view), name="portal_subjectrequest_refuse"),
            path("<int:pk>/copy/", view(self.copy_view), name="portal_subjectrequest_copy"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        context = {"can_handle": obj.state == SubjectRequest.State.OPEN
                   and request.user.has_perm(subject_requests.HANDLE_PERMISSION), **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def _act(self, request, pk, call, done: str):
        if request.method != "POST":
            raise Http404
        if not self.get_queryset(request).filter(pk=pk).exists():
            raise Http404
        try:
            call()
        except (Conflict, ValidationError) as exc:
            for msg in error_messages(exc):
                self.message_user(request, msg, messages.ERROR)
        except PermissionDenied:
            self.message_user(request, gettext("You may not do this."), messages.ERROR)
        else:
            self.message_user(request, done, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:portal_subjectrequest_change", args=[pk]))

    def prepare_view(self, request, pk):
        return self._act(request, pk, lambda: subject_requests.subject_request_copy_prepare(
            actor=request.user, request_id=pk), gettext("The copy is prepared: the candidate can download it in "
                                                        "the portal."))

    def delete_view_(self, request, pk):
        return self._act(request, pk, lambda: subject_requests.subject_request_delete_carry_out(
            actor=request.user, request_id=pk), gettext("The candidate's personal data is deleted."))

    def refuse_view(self, request, pk):
        return self._act(request, pk, lambda: subject_requests.subject_request_refuse(
            actor=request.user, request_id=pk, reason=request.POST.get("reason", "")),
            gettext("The request is refused; the candidate sees the reason in the portal."))

    def copy_view(self, request, pk):
        obj = self.get_queryset(request).filter(pk=pk).first()
        if obj is None or not obj.copy_file:
            raise Http404
        access_log(actor=request.user, kind=AccessLog.Kind.DOWNLOAD, obj=obj, detail="subject request copy",
                   channel="admin")
        return FileResponse(obj.copy_file.storage.open(obj.copy_file.name), as_attachment=True,
                            filename=f"data-copy-{obj.pk}.zip", content_type="application/zip")
