from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from candidates.models import JobRequisition
from hrsys.accounts.models import Department
from hrsys.audit.services import audit_record
from hrsys.core.admin_mixins import ReadOnlyAdmin, ScopedAdmin, labelled_filter
from notifications.models import Channel

from .models import AttritionModel, CostRecord, NotificationDaily


@admin.register(CostRecord)
class CostRecordAdmin(ScopedAdmin):
    """Recruiting costs, entered by HR per job or per source and month (R-DASH-1)."""

    list_display = ("month", "kind", "amount", "currency", "source", "job", "department")
    list_filter = ("kind", "source", ("department", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "month"
    search_fields = ("note", "job__title")
    readonly_fields = ("created_by", "created_at")
    log_access = False
    export_columns = (("month", lambda r: r.month), ("kind", lambda r: r.get_kind_display()),
                      ("amount", lambda r: float(r.amount)), ("currency", lambda r: r.currency),
                      ("source", lambda r: r.source), ("job", lambda r: str(r.job or "")),
                      ("department", lambda r: str(r.department or "")), ("note", lambda r: r.note))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only departments and jobs of the viewer's scope can be chosen (R-SEC-1).
        if db_field.name == "department":
            kwargs["queryset"] = Department.objects.for_user(request.user)
        if db_field.name == "job":
            kwargs["queryset"] = JobRequisition.objects.for_user(request.user).select_related("department")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        audit_record(actor=request.user, action="dashboard.cost_record_" + ("change" if change else "create"),
                     obj=obj, changes={f: [None, str(form.cleaned_data.get(f))] for f in form.changed_data})


@admin.register(NotificationDaily)
class NotificationDailyAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("day", "department", "channel_name", "total", "sent", "delivered", "opened", "failed",
                    "refreshed_at")

    @admin.display(description=_("channel"), ordering="channel")
    def channel_name(self, obj):
        return Channel(obj.channel).label if obj.channel in Channel.values else obj.channel
    list_filter = (labelled_filter("channel", _("channel"), lambda request, model_admin: Channel.choices),)
    date_hierarchy = "day"
    log_access = False


@admin.register(AttritionModel)
class AttritionModelAdmin(ReadOnlyAdmin):
    list_display = ("trained_at", "status", "samples", "positives", "training_accuracy")
    # the features and coefficients are the model's machine definition (codes such as "source:job_board"),
    # kept in the database and the API for audit; people read the outcome
    readonly_fields = ("trained_at", "status", "message", "samples", "positives", "training_accuracy")
    fields = readonly_fields
