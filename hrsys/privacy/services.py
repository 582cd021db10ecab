"""Retention policies and the nightly sweep (R-SEC-5)."""

import functools
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hrsys.accounts.models import Department
from hrsys.audit.services import audit_record
from hrsys.core.timezones import local_tz

from . import tasks
from .models import RetentionPolicy, RetentionSweep
from .registry import ACTION_LABELS, Cutoffs, UnknownDataClass, data_class, data_classes

#: local hour from which the night's sweep starts (quiet hours for the database)
SWEEP_HOUR = 2
#: rows handed to one purge call (each in its own transaction); the sweep repeats until nothing is due
BATCH = 200
#: a sweep stops a class after this many batches and continues the next night (a runaway query never loops)
MAX_BATCHES = 500


def retention_days(*, key: str) -> tuple[int, dict[int, int]]:
    """The default and each organisation's days for one data class (floors applied)."""
    cls = data_class(key)
    by_org = dict(RetentionPolicy.objects.filter(data_class=key).values_list("organization_id", "days"))
    return max(cls.default_days, cls.floor_days), {org: max(days, cls.floor_days) for org, days in by_org.items()}


def retention_cutoffs(*, key: str, now: datetime) -> Cutoffs:
    default, by_org = retention_days(key=key)
    orgs = Department.objects.filter(kind=Department.Kind.ORGANIZATION).values_list("pk", flat=True)
    return Cutoffs(by_org={org: now - timedelta(days=by_org.get(org, default)) for org in orgs},
                   default=now - timedelta(days=default), now=now)


def retention_preview(*, now: datetime, org_ids: list[int] | None = None) -> list[dict]:
    """HR's dry run: per data class, how many records the sweep would remove at ``now`` (counts only, R-SEC-5).

    ``org_ids``: count only what belongs to these organisations (``None``: everything); data of no
    organisation is then not counted (``count`` None).
    """
    rows = []
    for cls in data_classes():
        cutoffs = retention_cutoffs(key=cls.key, now=now)
        qs = cls.due(cutoffs)
        if org_ids is None:
            count = qs.count()
        elif not cls.department:
            count = None
        else:
            q = Q(pk__in=[])
            for org_id in org_ids:
                q |= Q(**{f"{cls.department}__path__startswith": f"/{org_id}/"})
            count = qs.model._base_manager.filter(pk__in=qs.filter(q).values("pk")).count()
        days = retention_days(key=cls.key)
        rows.append({"key": cls.key, "label": cls.label, "action": ACTION_LABELS[cls.action], "count": count,
                     "default_days": days[0], "by_org": days[1], "counted_from": cls.counted_from,
                     "editable": cls.editable, "set_where": cls.set_where, "floor_days": cls.floor_days})
    return rows


def retention_next_sweep(*, now: datetime) -> datetime:
    """When the next nightly sweep starts (the dry run is computed for that moment)."""
    local = timezone.localtime(now, local_tz())
    start = local.replace(hour=SWEEP_HOUR, minute=0, second=0, microsecond=0)
    if start <= local:
        start += timedelta(days=1)
    return start


@transaction.atomic
def retention_policy_set(*, actor, organization: Department, data_class_key: str, days: int) -> RetentionPolicy:
    """Set one organisation's period for one data class (HR director, R-SEC-5); audited with old and new days."""
    policy = (RetentionPolicy.objects.select_for_update()
              .filter(organization=organization, data_class=data_class_key).first()
              or RetentionPolicy(organization=organization, data_class=data_class_key))
    old = policy.days
    policy.days, policy.updated_by = days, actor
    policy.full_clean(exclude=["updated_by"], validate_unique=False)
    policy.save()
    audit_record(actor=actor, action="retention_policy.set", obj=policy,
                 changes={"data_class": [None, data_class_key], "days": [old, days]})
    return policy


@transaction.atomic
def retention_sweep_schedule(*, now: datetime, day) -> RetentionSweep | None:
    """Create the sweep of ``day`` once and hand its id to the worker after commit; later calls do nothing."""
    sweep, created = RetentionSweep.objects.get_or_create(day=day)
    if not created:
        return None
    transaction.on_commit(functools.partial(tasks.enqueue_sweep, sweep.pk))
    return sweep


def retention_sweep_run(*, sweep_id: int, now: datetime | None = None) -> dict:
    """Remove what has expired, class by class (R-SEC-5). Idempotent: a finished sweep does nothing again, and
    a purged record is no longer due, so a sweep cut short and run again finishes the rest.

    Each purge call runs in its own transaction (row-locked by the stage's purge); the summary is written with
    an audit row holding counts per class, never who.
    """
    now = now or timezone.now()
    with transaction.atomic():
        sweep = RetentionSweep.objects.select_for_update().get(pk=sweep_id)
        if sweep.finished_at:
            return sweep.counts
        sweep.started_at = sweep.started_at or now
        sweep.save(update_fields=["started_at"])
    counts = {}
    for cls in data_classes():
        counts[cls.key] = retention_purge_class(key=cls.key, now=now)
    with transaction.atomic():
        sweep = RetentionSweep.objects.select_for_update().get(pk=sweep_id)
        for key, n in (sweep.counts or {}).items():  # a sweep run again after a crash adds to what it did
            counts[key] = counts.get(key, 0) + n
        sweep.counts, sweep.finished_at = counts, now
        sweep.save(update_fields=["counts", "finished_at"])
        audit_record(actor="retention", action="retention.sweep", obj=sweep,
                     changes={key: [None, n] for key, n in counts.items()})
    return counts


def retention_purge_class(*, key: str, now: datetime) -> int:
    """Purge everything of one class that has expired at ``now``; returns how many records went."""
    try:
        cls = data_class(key)
    except UnknownDataClass as exc:
        raise ValidationError({"data_class": [str(exc)]}) from exc
    cutoffs = retention_cutoffs(key=key, now=now)
    total, seen = 0, set()
    for _batch in range(MAX_BATCHES):
        ids = [pk for pk in cls.due(cutoffs).order_by("pk").values_list("pk", flat=True)[:BATCH] if pk not in seen]
        if not ids:
            break
        seen.update(ids)  # rows a purge skipped (held, locked) are not offered again in this sweep
        total += cls.purge(ids=ids, now=now, cutoffs=cutoffs)
    return total
