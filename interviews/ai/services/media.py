"""Recordings and reports: fetched from the vendor into encrypted storage (SSRF-safe), uploaded by HR, and
purged after the vendor's retention period (R-AI-6, R-SEC-1)."""

import logging
import os
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.services import held_candidates
from hrsys.audit.services import audit_record
from hrsys.core import safe_http
from hrsys.core.actors import require_perm as _require
from hrsys.crypto.storage import StorageUnavailable

from ..models import AIMedia, Vendor
from ._common import MOVE_PERMISSION, _result_for_actor, vendor_label

logger = logging.getLogger(__package__)  # one logger for the package, named as before the split


MEDIA_CONTENT_TYPES = {"video": "video/mp4", "audio": "audio/mpeg", "report": "application/pdf"}


def media_max_bytes() -> int:
    return int(getattr(settings, "AI_INTERVIEWS_MEDIA_MAX_BYTES", 512 * 1024 * 1024))


class MediaFetchError(Exception):
    def __init__(self, message, *, transient: bool):
        super().__init__(message)
        self.transient = transient


def _download(url: str, *, vendor: Vendor, timeout: float = 30) -> tuple[bytes, str]:
    """One SSRF-safe download (R-SEC-1, ``hrsys.core.safe_http``): https only, the vendor's media hosts only
    (an empty list refuses), public addresses only, the API key only to the URL's own host.

    ``AI_MEDIA_HTTP_HOSTS`` / ``AI_MEDIA_ALLOW_PRIVATE_HOSTS`` (tests and development) name hosts that may
    use http / resolve to a private address. Raises ``safe_http.Refused`` or ``MediaFetchError``.
    """
    try:
        fetched = safe_http.fetch(
            url, allowed_hosts=vendor.media_url_hosts,
            http_hosts=getattr(settings, "AI_MEDIA_HTTP_HOSTS", ()),
            private_hosts=getattr(settings, "AI_MEDIA_ALLOW_PRIVATE_HOSTS", ()),
            headers={"User-Agent": "hrsys-ai-media/1"},
            secret_headers={"Authorization": f"Bearer {vendor.api_key}"} if vendor.api_key else None,
            max_bytes=media_max_bytes(), timeout=timeout)
    except safe_http.FetchFailed as exc:
        raise MediaFetchError(str(exc), transient=exc.transient) from None
    return fetched.data, fetched.content_type


def _media_refused(media: AIMedia, vendor: Vendor, reason: str) -> str:
    """A URL the rules refuse: the row fails at once with the reason (shown to HR), never retried (R-SEC-1)."""
    with transaction.atomic():
        row = AIMedia.objects.select_for_update().get(pk=media.pk)
        if row.status != AIMedia.Status.PENDING:
            return row.status
        row.status, row.attempts = AIMedia.Status.FAILED, row.attempts + 1
        row.error = _("Refused: %(reason)s") % {"reason": reason}
        row.save(update_fields=["status", "attempts", "error"])
        audit_record(actor=vendor_label(vendor), action="ai_media.refused", obj=row,
                     changes={"status": [AIMedia.Status.PENDING, AIMedia.Status.FAILED]}, reason=row.error[:500])
    logger.warning("ai media %s refused: %s", media.pk, reason)
    return row.status


def ai_media_fetch(*, media_id: int) -> str:
    """Download a recording or report from the vendor into encrypted storage (R-AI-6, R-SEC-1).

    The download happens outside any transaction; the row is re-checked and updated
    after. A URL the SSRF rules refuse fails the row with the reason (no retry); transient
    failures raise ``MediaFetchError(transient=True)`` for the task to retry.
    """
    media = AIMedia.objects.select_related("result__vendor").get(pk=media_id)
    if media.status != AIMedia.Status.PENDING:
        return media.status
    vendor = media.result.vendor
    parts = urlsplit(media.source_url)
    try:
        data, ctype = _download(media.source_url, vendor=vendor)
    except safe_http.Refused as exc:
        return _media_refused(media, vendor, exc.reason)
    except MediaFetchError as exc:
        return _fetch_failed(media_id, exc)
    ext = os.path.splitext(parts.path)[1].lower()[:6]
    try:
        return _store_fetched(media_id, media, vendor, data, ctype, ext)
    except StorageUnavailable as exc:  # a full disk is no reason to give the recording up: tried again later
        return _fetch_failed(media_id, MediaFetchError(str(exc), transient=True))


def _fetch_failed(media_id: int, exc: MediaFetchError) -> str:
    """Record a failed try on the row; raise ``exc`` again when it is worth another one (the task retries),
    else the row has failed for good: its status."""
    with transaction.atomic():
        row = AIMedia.objects.select_for_update().get(pk=media_id)
        row.attempts += 1
        row.error = str(exc)
        if not exc.transient or row.attempts >= int(getattr(settings, "AI_INTERVIEWS_MEDIA_MAX_ATTEMPTS", 5)):
            row.status = AIMedia.Status.FAILED
        row.save(update_fields=["attempts", "error", "status"])
    if exc.transient and row.status == AIMedia.Status.PENDING:
        raise exc
    return row.status


def _store_fetched(media_id: int, media, vendor, data: bytes, ctype: str, ext: str) -> str:
    with transaction.atomic():
        row = AIMedia.objects.select_for_update().get(pk=media_id)
        if row.status != AIMedia.Status.PENDING:
            return row.status
        row.file.save(f"{media.kind}{ext}", ContentFile(data), save=False)
        row.content_type = ctype if ctype and ctype != "application/octet-stream" else MEDIA_CONTENT_TYPES[media.kind]
        row.size, row.status, row.stored_at, row.attempts = len(data), AIMedia.Status.STORED, timezone.now(), \
            row.attempts + 1
        row.error = ""
        row.save()
        audit_record(actor=vendor_label(vendor), action="ai_media.store", obj=row,
                     changes={"size": [None, len(data)], "kind": [None, row.kind]})
    return row.status


@transaction.atomic
def ai_media_upload(*, actor, result_id: int, kind: str, data: bytes, filename: str = "",
                    content_type: str = "") -> AIMedia:
    """HR uploads a recording or report the vendor sent another way (R-AI-6)."""
    _require(actor, MOVE_PERMISSION)
    result = _result_for_actor(actor, result_id, lock=False)
    errors = {}
    if kind not in AIMedia.Kind.values:
        errors["kind"] = [_("Choose one of: %(options)s.") % {"options": ", ".join(AIMedia.Kind.values)}]
    if not data:
        errors["file"] = [_("The file is empty.")]
    elif len(data) > media_max_bytes():
        errors["file"] = [_("The file is too large.")]
    if errors:
        raise ValidationError(errors)
    media = AIMedia(result=result, kind=kind, status=AIMedia.Status.STORED, size=len(data), stored_at=timezone.now(),
                    content_type=(content_type or MEDIA_CONTENT_TYPES[kind])[:100], attempts=0)
    ext = os.path.splitext(filename or "")[1].lower()[:6]
    media.file.save(f"{kind}{ext}", ContentFile(data), save=False)
    media.save()
    audit_record(actor=actor, action="ai_media.upload", obj=media, changes={"size": [None, len(data)],
                                                                            "kind": [None, kind]})
    return media


def ai_media_purge_due(*, now: datetime, batch: int = 500) -> dict:
    """Sweep: delete stored recordings and reports older than their vendor's retention period (R-AI-6).

    The row stays (status purged) so the history shows there was a recording and when it went. A candidate
    under a legal hold keeps theirs until it is released (R-SEC-5).
    """
    purged = 0
    for vendor in Vendor.objects.all():
        cutoff = now - timedelta(days=vendor.media_retention_days)
        with transaction.atomic():
            rows = list(AIMedia.objects.select_for_update(skip_locked=True)
                        .filter(result__vendor=vendor, status__in=[AIMedia.Status.STORED, AIMedia.Status.PENDING,
                                                                    AIMedia.Status.FAILED],
                                created_at__lt=cutoff)
                        .exclude(result__application__candidate__in=held_candidates())[:batch])
            for media in rows:
                if media.file:
                    media.file.delete(save=False)
                media.status, media.purged_at, media.file = AIMedia.Status.PURGED, now, ""
                media.save(update_fields=["status", "purged_at", "file"])
                audit_record(actor="hr_tick", action="ai_media.purge", obj=media,
                             changes={"status": [None, AIMedia.Status.PURGED]},
                             reason=_("Kept %(days)s days") % {"days": vendor.media_retention_days})
                purged += 1
    return {"purged": purged}
