"""The platform's own data class: access logs (R-SEC-5, R-SEC-9: kept at least 180 days)."""

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from hrsys.audit.models import AccessLog

from .registry import DELETE, DataClass, register_data_class

#: access and audit logs are never purged younger than this (R-SEC-9: logs kept >= 6 months); the audit app's
#: own floor when it declares one
LOG_FLOOR_DAYS = max(180, getattr(settings, "AUDIT_RETENTION_MIN_DAYS", 180))


def _access_logs_due(cutoffs):
    # access logs belong to no organisation: the longest period of any applies
    return AccessLog.objects.filter(at__lt=cutoffs.oldest)


def _access_logs_purge(*, ids, now, cutoffs) -> int:
    with transaction.atomic():
        rows = AccessLog.objects.filter(pk__in=ids, at__lt=cutoffs.oldest)
        # the one sanctioned delete of append-only rows: past their period, never younger than the floor
        deleted, _per_model = models.QuerySet.delete(rows)
    return deleted


register_data_class(DataClass(
    key="access_logs", label=_("Access logs"), default_days=365, floor_days=LOG_FLOOR_DAYS, action=DELETE,
    counted_from=_("the viewing"), due=_access_logs_due, purge=_access_logs_purge, order=90))
