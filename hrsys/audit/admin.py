from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hrsys.core.admin_mixins import ReadOnlyAdmin, labelled_filter

from .labels import action_label, actor_in_words, object_type_label
from .models import AccessLog, AuditEvent


def _labelled_filter(field: str, title, label):
    """A sidebar filter over the values present in ``field``, each shown in words (``label(value)``)."""

    def lookups(request, model_admin):
        values = model_admin.get_queryset(request).order_by().values_list(field, flat=True).distinct()[:200]
        return sorted(((v, label(v)) for v in values if v), key=lambda kv: kv[1])

    return labelled_filter(field, title, lookups)


class _ObjectTypeColumn:
    @admin.display(description=_("object type"), ordering="object_type")
    def object_kind(self, obj):
        return object_type_label(obj.object_type)

    @admin.display(description=_("actor label"), ordering="actor_label")
    def actor_words(self, obj):
        return actor_in_words(obj.actor_label)


@admin.register(AuditEvent)
class AuditEventAdmin(_ObjectTypeColumn, ReadOnlyAdmin):
    """The audit trail, its codes in words (issue 15); searching by code still works."""

    list_display = ("at", "actor", "actor_words", "what", "object_kind", "object_id", "object_repr", "ip")
    list_filter = (_labelled_filter("action", _("action"), action_label),
                   _labelled_filter("object_type", _("object type"), object_type_label))
    search_fields = ("action", "object_type", "object_id", "object_repr", "reason", "request_id",
                     "actor__username", "actor_label")
    date_hierarchy = "at"
    list_select_related = ("actor",)

    def get_fields(self, request, obj=None):
        return ["at", "actor", "actor_words", "what", "object_kind", "object_id", "object_repr", "reason", "readable__changes",
                "ip", "request_id"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=_("action"), ordering="action")
    def what(self, obj):
        return action_label(obj.action)


@admin.register(AccessLog)
class AccessLogAdmin(_ObjectTypeColumn, ReadOnlyAdmin):
    list_display = ("at", "actor", "actor_words", "kind", "object_kind", "object_id", "detail", "channel", "ip")
    fields = ("at", "actor", "actor_words", "kind", "object_kind", "object_id", "detail", "channel", "ip", "request_id",
              "user_agent")
    readonly_fields = fields
    list_filter = ("kind", "channel", _labelled_filter("object_type", _("object type"), object_type_label))
    search_fields = ("object_type", "object_id", "detail", "request_id", "actor__username", "actor_label")
    date_hierarchy = "at"
    list_select_related = ("actor",)
