"""Writers of audit rows. Call them inside the service's transaction, so an
audit row exists exactly when the change it describes was committed."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hrsys.core import context
from hrsys.crypto.fields import EncryptedTextField

from .models import AccessLog, AuditEvent

MASK = "***"


def _label(obj) -> tuple[str, str, str]:
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk), str(obj)[:200]
    if isinstance(obj, tuple):  # (type label, id) for things that are not one row
        return obj[0], str(obj[1]), ""
    raise TypeError(f"cannot audit {obj!r}")


def _actor(actor):
    if actor is None or isinstance(actor, str):
        return None, actor or ""
    return (actor if getattr(actor, "is_authenticated", False) else None), ""


def diff_fields(before: dict, after: dict, *, model=None) -> dict:
    """field -> [before, after] for changed fields; encrypted (personal) values are masked."""
    secret = {f.name for f in (model._meta.concrete_fields if model else []) if isinstance(f, EncryptedTextField)}
    changes = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = [MASK, MASK] if name in secret else [_jsonable(old), _jsonable(new)]
    return changes


def snapshot(obj, field_names) -> dict:
    """Current values of ``field_names`` (foreign keys by id), for a before/after diff."""
    return {name: getattr(obj, obj._meta.get_field(name).attname) for name in field_names}


def _jsonable(value):
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def audit_record(*, actor, action: str, obj, changes: dict | None = None, reason: str = "") -> AuditEvent:
    user, label = _actor(actor)
    object_type, object_id, object_repr = _label(obj)
    ctx = context.current()
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        changes=changes or {},
        reason=reason,
        request_id=ctx.request_id if ctx else "",
        ip=ctx.ip if ctx else None,
    )


def access_log(*, actor, kind: str, obj, detail: str = "", channel: str = "") -> AccessLog:
    user, label = _actor(actor)
    object_type, object_id, _ = _label(obj)
    ctx = context.current()
    return AccessLog.objects.create(
        actor=user,
        actor_label=label,
        kind=kind,
        object_type=object_type,
        object_id=object_id,
        detail=detail[:300],
        channel=channel,
        request_id=ctx.request_id if ctx else "",
        ip=ctx.ip if ctx else None,
        user_agent=ctx.user_agent if ctx else "",
    )


@transaction.atomic
def audit_logs_purge(*, actor, before: datetime) -> dict[str, int]:
    """R-SEC-9: delete audit events and access-log rows older than ``before``, which must lie at least
    ``AUDIT_RETENTION_DAYS`` (never under 180: the Cybersecurity Law's six months) in the past; a younger
    cut-off deletes nothing and raises ``ValidationError``. The purge itself is audited. Nothing else deletes
    these rows: the querysets, the rows and the admin refuse."""
    oldest_allowed = timezone.now() - timedelta(days=max(settings.AUDIT_RETENTION_DAYS,
                                                         settings.AUDIT_RETENTION_MIN_DAYS))
    if before > oldest_allowed:
        raise ValidationError({"before": [
            _("Audit and access logs are kept for %(days)d days: choose a date on or before %(date)s.")
            % {"days": settings.AUDIT_RETENTION_DAYS, "date": timezone.localdate(oldest_allowed).isoformat()}]})
    counts = {
        # past the append-only guard on purpose: the one place old rows go
        "audit_events": models.QuerySet.delete(AuditEvent.objects.filter(at__lt=before))[0],
        "access_log": models.QuerySet.delete(AccessLog.objects.filter(at__lt=before))[0],
    }
    audit_record(actor=actor, action="audit_log.purge", obj=("audit_log", before.date().isoformat()),
                 changes={name: [count, 0] for name, count in counts.items()})
    return counts
