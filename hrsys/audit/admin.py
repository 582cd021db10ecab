import datetime as dt
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from hrsys.core.admin_mixins import ReadOnlyAdmin, labelled_filter
from hrsys.core.exports import export_response
from hrsys.core.timezones import local_today

from .labels import action_label, actor_in_words, object_type_label
from .models import AccessLog, AuditEvent
from .selectors import REPORT_PERMISSION, ReportFilters, access_export, access_report
from .services import access_log

#: the report's default window: the last week
DEFAULT_DAYS = 7


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


def report_filters(query) -> tuple[ReportFilters, dict[str, list[str]]]:
    """The report's filters from the query string, and a message per field that was not understood (R-SEC-7)."""
    errors: dict[str, list[str]] = {}
    today = local_today()

    def day(name, default):
        raw = (query.get(name) or "").strip()
        if not raw:
            return default
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            errors[name] = [_("Enter a date as YYYY-MM-DD.")]
            return default

    until = day("until", today)
    since = day("since", until - dt.timedelta(days=DEFAULT_DAYS - 1))
    if since > until:
        errors["since"] = [_("The start date is after the end date.")]
        since = until
    raw_viewer = (query.get("viewer") or "").strip()
    viewer = int(raw_viewer) if raw_viewer.isdigit() else None
    if raw_viewer and viewer is None:
        errors["viewer"] = [_("Choose a viewer from the list.")]
    kind = (query.get("kind") or "").strip()
    if kind and kind not in AccessLog.Kind.values:
        errors["kind"] = [_("Choose a kind from the list.")]
        kind = ""
    return ReportFilters(since=since, until=until, viewer=viewer, person=(query.get("person") or "").strip()[:120],
                         kind=kind), errors


@admin.register(AccessLog)
class AccessLogAdmin(_ObjectTypeColumn, ReadOnlyAdmin):
    change_list_template = "admin/audit/accesslog_change_list.html"
    list_display = ("at", "actor", "actor_words", "kind", "object_kind", "object_id", "detail", "channel", "ip")
    fields = ("at", "actor", "actor_words", "kind", "object_kind", "object_id", "detail", "channel", "ip", "request_id",
              "user_agent")
    readonly_fields = fields
    list_filter = ("kind", "channel", _labelled_filter("object_type", _("object type"), object_type_label))
    search_fields = ("object_type", "object_id", "detail", "request_id", "actor__username", "actor_label")
    date_hierarchy = "at"
    list_select_related = ("actor",)

    def get_urls(self):
        return [path("report/", self.admin_site.admin_view(self.report_view), name="audit_accesslog_report"),
                *super().get_urls()]

    def report_view(self, request):
        """Who looked at whom: the access log by viewer and by person, filtered; ?format=csv exports the entries
        (the export writes its own access-log row). HR director and system administrator only (R-SEC-7)."""
        if not request.user.has_perm(REPORT_PERMISSION):
            raise PermissionDenied
        filters, errors = report_filters(request.GET)
        if request.GET.get("format") == "csv" and not errors:
            rows, columns = access_export(user=request.user, filters=filters)
            return export_response(actor=request.user, rows=rows, columns=columns, fmt="csv", basename="access-report",
                                   object_type="audit.accesslog", detail=filters.describe(), channel="admin")
        report = access_report(user=request.user, filters=filters)
        access_log(actor=request.user, kind=AccessLog.Kind.VIEW, obj=("audit.accesslog", ""),
                   detail=f"access report {filters.describe()}", channel="admin")
        base = {"since": filters.since.isoformat(), "until": filters.until.isoformat()}
        if filters.kind:
            base["kind"] = filters.kind
        current = {**base, **({"viewer": filters.viewer} if filters.viewer else {}),
                   **({"person": filters.person} if filters.person else {})}
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": _("Access report"),
            "filters": filters, "errors": errors, "report": report, "kinds": AccessLog.Kind.choices,
            "base_query": urlencode(base), "export_query": urlencode({**current, "format": "csv"}),
            "viewer_name": next((name for pk, name in report["viewers"] if pk == filters.viewer), ""),
        }
        return TemplateResponse(request, "admin/audit/access_report.html", context, status=400 if errors else 200)
