from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hrsys.audit.labels import actor_in_words
from hrsys.core.admin_mixins import ScopedAdmin

from .models import Employee


@admin.register(Employee)
class EmployeeAdmin(ScopedAdmin):
    list_display = ("employee_no", "name", "department", "job_title", "start_date", "state", "attrition_reason")
    list_filter = ("state", "attrition_reason", "department")
    search_fields = ("employee_no", "name")
    exclude = ("phone", "email", "id_number", "created_by")
    # who created the file in words (the daily sweep is "hr_tick"), in the place of the field
    readonly_fields = [{"created_by": "created_by_words"}.get(f.name, f.name) for f in Employee._meta.fields
                       if f.name not in ("phone", "email", "id_number")]
    export_columns = [(_("employee number"), lambda e: e.employee_no), (_("name"), lambda e: e.name),
                      (_("department"), lambda e: e.department.name), (_("job"), lambda e: e.job_title),
                      (_("start date"), lambda e: e.start_date), (_("state"), lambda e: e.state),
                      (_("reason for leaving"), lambda e: e.attrition_reason),
                      (_("AI overall score"), lambda e: (e.ai_interview or {}).get("overall_score"))]

    @admin.display(description=_("created by"))
    def created_by_words(self, obj):
        return actor_in_words(obj.created_by) or "-"

    def has_add_permission(self, request):
        return False
