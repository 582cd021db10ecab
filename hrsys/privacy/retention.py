"""The platform's own data class: access and audit logs (R-SEC-5; R-SEC-9: kept at least 180 days).

They go through the audit app's one purge (``hrsys.audit.services.audit_logs_purge``), which refuses anything
younger than ``AUDIT_RETENTION_DAYS`` (never under 180); a policy can only make the period longer.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from hrsys.audit.models import AccessLog
from hrsys.audit.services import audit_logs_purge

from .registry import DELETE, DataClass, register_data_class

#: access and audit logs are never purged younger than this: the audit app's period (>= 180 days)
LOG_FLOOR_DAYS = max(settings.AUDIT_RETENTION_DAYS, settings.AUDIT_RETENTION_MIN_DAYS)


def _access_logs_due(cutoffs):
    # the logs belong to no organisation: the longest period of any applies
    return AccessLog.objects.filter(at__lt=cutoffs.oldest)


def _access_logs_purge(*, ids, now, cutoffs) -> int:
    # everything before the cut-off at once (audit events too), by the audit app's own purge
    return audit_logs_purge(actor="retention", before=cutoffs.oldest)["access_log"]


register_data_class(DataClass(
    key="access_logs", label=_("Access and audit logs"), default_days=max(365, LOG_FLOOR_DAYS),
    floor_days=LOG_FLOOR_DAYS, action=DELETE, counted_from=_("the viewing or the change"), due=_access_logs_due,
    purge=_access_logs_purge, order=90))
