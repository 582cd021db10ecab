"""Counting what an application writes, so a refused one can be shown to have written nothing (R-PIPE-8)."""

from pathlib import Path

from django.conf import settings

from candidates.models import Application, Candidate, ConsentRecord, Credential, Resume
from hrsys.audit.models import AuditEvent
from notifications.models import Notification

MODELS = (Candidate, Application, Resume, Credential, ConsentRecord, Notification, AuditEvent)


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def snapshot() -> dict:
    """Rows of every kind an application touches, and the files on disk."""
    counts = {model._meta.label: model.objects.count() for model in MODELS}
    counts["files"] = len(stored_files())
    return counts
