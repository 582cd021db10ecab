"""What every admin page holding people's data shares: scope, 404 outside it,
access logging and scoped exports (R-SEC-1, R-SEC-3, R-DASH-4)."""

from django.contrib import admin
from django.contrib.admin import helpers
from django.db import models
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.exports import export_response
from hrsys.core.readable import readable

READABLE_PREFIX = "readable__"


def labelled_filter(field: str, title, lookups):
    """A sidebar filter on ``field`` whose choices are shown in words: ``lookups(request, model_admin)`` gives
    the (value, label) pairs. One mechanism for moves, channels, messages and audit codes (issue 15)."""

    class LabelledFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            return lookups(request, model_admin)

        def queryset(self, request, queryset):
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    LabelledFilter.title = title
    return LabelledFilter


class ReadableJSONMixin:
    """A stored snapshot (JSONField) shown read-only is rendered in words (hrsys.core.readable), never as raw
    JSON with codes and UTC times; where the viewer edits it, the form field stays."""

    def get_readonly_fields(self, request, obj=None):
        names = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return names
        everything = not self.has_change_permission(request, obj)
        shown = [f.name for f in self.model._meta.fields
                 if isinstance(f, models.JSONField) and (everything or f.name in names)]
        return [*names, *(READABLE_PREFIX + n for n in shown)]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        readable_names = {n for n in fields if isinstance(n, str) and n.startswith(READABLE_PREFIX)}
        if not readable_names:
            return fields
        out = []
        for name in fields:
            if isinstance(name, str) and READABLE_PREFIX + name in readable_names:
                out.append(READABLE_PREFIX + name)  # in the field's own place
            elif name not in readable_names:
                out.append(name)
        return out

    def __getattr__(self, name):
        if name.startswith(READABLE_PREFIX):
            field = self.model._meta.get_field(name.removeprefix(READABLE_PREFIX))

            def show(obj):
                return readable(getattr(obj, field.name))
            show.short_description = field.verbose_name
            return show
        raise AttributeError(name)


class ScopedAdmin(ReadableJSONMixin, admin.ModelAdmin):
    #: columns for CSV / Excel export: (header, callable(row)); empty disables export
    export_columns: tuple = ()
    #: log every detail view (personal data)
    log_access = True

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def action_checkbox(self, obj):
        """Django's checkbox of a row, the same HTML written directly: Django renders a form widget template for
        each row, a third of a 50-row list page's time (issue 17 item 1)."""
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           helpers.ACTION_CHECKBOX_NAME, obj.pk,
                           format_html(gettext("Select this object for an action - {}"), str(obj)))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Outside the viewer's scope an object does not exist for them: 404, not a
        # redirect with "doesn't exist" that still confirms the id space.
        raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if self.log_access and request.method == "GET" and getattr(response, "status_code", 200) == 200:
            access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=(self.model._meta.label_lower, object_id),
                       detail="admin detail", channel="admin")
        return response

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.export_columns:
            actions.pop("export_csv", None)
            actions.pop("export_xlsx", None)
        return actions

    def _export(self, request, queryset, fmt):
        return export_response(
            actor=request.user,
            rows=queryset,
            columns=self.export_columns,
            fmt=fmt,
            basename=self.model._meta.model_name,
            object_type=self.model._meta.label_lower,
            detail=f"selected from admin ({request.GET.urlencode() or 'no filter'})",
            channel="admin",
        )

    @admin.action(description=_("Export selected to CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description=_("Export selected to Excel"), permissions=["view"])
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")

    actions = ["export_csv", "export_xlsx"]


class ReadOnlyAdmin(ReadableJSONMixin, admin.ModelAdmin):
    """For append-only records: visible and searchable, never edited or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
