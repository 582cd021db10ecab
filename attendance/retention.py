"""Clock-ins as a data class of the retention sweep (R-SEC-5), registered from ``AttendanceConfig.ready()``.

Punches are deleted; a legal hold on the candidate the
employee was hired as keeps them.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from candidates.models import LegalHold
from hrsys.privacy.registry import DELETE, DataClass, register_data_class

from .models import Punch


def _punches_due(cutoffs):
    held = LegalHold.objects.filter(released_at__isnull=True, candidate=OuterRef("account__employee__candidate"))
    return Punch.objects.filter(cutoffs.expired(path="account__department", moment="punched_at")).filter(~Exists(held))


def _punches_purge(*, ids, now, cutoffs) -> int:
    with transaction.atomic():
        deleted, _per_model = _punches_due(cutoffs).filter(pk__in=ids).delete()
    return deleted


def register():
    register_data_class(DataClass(
        key="punches", label=_("Clock-ins"), default_days=730, action=DELETE, counted_from=_("the clock-in"),
        due=_punches_due, purge=_punches_purge, order=60, department="account__department"))
