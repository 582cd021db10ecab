"""AI interview recordings and reports as a data class of the retention sweep (R-SEC-5, R-AI-6).

Their period is the AI vendor's ``media_retention_days`` (what the contract with the vendor allows): the one
purge that exists (``interviews.ai.services.ai_media_purge_due``) is called, not repeated, so the sweep, HR's
dry run and the every-minute job agree on what goes.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from candidates.services import held_candidates
from hrsys.privacy.registry import DELETE, DataClass, register_data_class

from .ai.models import AIMedia, Vendor
from .ai.services import ai_media_purge_due

PURGEABLE = (AIMedia.Status.STORED, AIMedia.Status.PENDING, AIMedia.Status.FAILED)


def _recordings_due(cutoffs):
    q = Q(pk__in=[])
    for vendor_id, days in Vendor.objects.values_list("pk", "media_retention_days"):
        q |= Q(result__vendor_id=vendor_id, created_at__lt=cutoffs.now - timedelta(days=days))
    return AIMedia.objects.filter(q, status__in=PURGEABLE).exclude(result__application__candidate__in=held_candidates())


def _recordings_purge(*, ids, now, cutoffs) -> int:
    return ai_media_purge_due(now=now)["purged"]


def register():
    register_data_class(DataClass(
        key="ai_recordings", label=_("AI interview recordings and reports"), default_days=180, action=DELETE,
        counted_from=_("the recording was received"), due=_recordings_due, purge=_recordings_purge, order=40,
        department="result__application__job__department", editable=False, set_where=_("per AI vendor: \"keep recordings and reports (days)\"")))
