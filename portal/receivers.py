"""What the portal does when the pipeline tells it something about a candidate."""

from .models import OneTimeCode, PortalSession


def on_candidate_anonymised(sender, *, candidate, now, **kwargs):
    """The person's data is gone: their portal sessions end and unused codes are void (R-SEC-5, R-SEC-6).
    The consent records stay: what was agreed and when is the proof the processing had a basis."""
    PortalSession.objects.filter(candidate=candidate, ended_at__isnull=True).update(ended_at=now)
    OneTimeCode.objects.filter(candidate=candidate, used_at__isnull=True).update(used_at=now)
    PortalSession.objects.filter(candidate=candidate).update(ip=None, user_agent="")
