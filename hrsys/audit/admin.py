from django.contrib import admin

from hrsys.core.admin_mixins import ReadOnlyAdmin

from .models import AccessLog, AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "actor_label", "action", "object_type", "object_id", "object_repr", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_type", "object_id", "object_repr", "reason", "request_id",
                     "actor__username", "actor_label")
    date_hierarchy = "at"
    list_select_related = ("actor",)


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "actor_label", "kind", "object_type", "object_id", "detail", "channel", "ip")
    list_filter = ("kind", "channel", "object_type")
    search_fields = ("object_type", "object_id", "detail", "request_id", "actor__username", "actor_label")
    date_hierarchy = "at"
    list_select_related = ("actor",)
