"""ZKTeco clocks (R-CN-3): their attendance logs pulled on a schedule and stored through the one punch ingestion
(``punches_ingest``: idempotent, late and out-of-order tolerant). Pushing accounts to them is provisioning's
(``provisioning.ZKTecoAdapter``).

* The sweep ``zkteco_pull_due`` hands every active clock whose turn came (``ZKTECO_PULL_MINUTES``) to the worker.
* ``zkteco_pull`` (one clock, by its device id) takes a PostgreSQL advisory lock for that device, so two beats or
  workers never pull the same clock at once; reads every log the clock holds; converts the clock's local
  wall-clock time to UTC; keys each log by device + user + second, so a re-pull stores nothing twice; feeds the
  logs newer than the cursor, and the older ones not stored yet (late logs), to the ingestion; then, the punches
  committed, moves the cursor.
* A clock that does not answer is recorded on its connection (error, time, failures in a row) and tried again at
  its next turn; after ``ZKTECO_ALERT_AFTER_FAILURES`` failures in a row HR of its department is told, once per
  outage.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.selectors import hr_for_department

from .. import tasks, zkteco
from ..models import Device, Provisioning, Punch, PunchRejection, PunchSource, ZKTecoClock
from ._common import _admin_url, _alert_staff, _setting
from .punches import punches_ingest

logger = logging.getLogger(__name__)

#: the first key of the per-device PostgreSQL advisory lock (two-key form; the second key is the device id)
PULL_LOCK_CLASS = 752_671_143

DIRECTIONS = {0: "in", 1: "out", 4: "in", 5: "out"}  # check-in, check-out, overtime in, overtime out


def zkteco_pull_due(*, now: dt.datetime, batch: int = 200) -> dict:
    """Sweep: each active ZKTeco clock whose turn came is claimed (its next turn set) and handed to the worker
    after commit (R-CN-3)."""
    every = dt.timedelta(minutes=max(1, int(_setting("ZKTECO_PULL_MINUTES", 5))))
    with transaction.atomic():
        ids = list(ZKTecoClock.objects.select_for_update(skip_locked=True, of=("self",))
                   .filter(device__active=True, device__provisioning=Provisioning.ZKTECO)
                   .filter(Q(next_pull_at__isnull=True) | Q(next_pull_at__lte=now))
                   .order_by("next_pull_at", "pk").values_list("device_id", flat=True)[:batch])
        ZKTecoClock.objects.filter(device_id__in=ids).update(next_pull_at=now + every)
        for device_id in ids:
            transaction.on_commit(functools.partial(tasks.enqueue_zkteco_pull, device_id))
    return {"queued": len(ids)}


@contextmanager
def _alone(device_id: int):
    """Whether this worker may pull the clock: a session advisory lock on the device, taken, not waited for."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [PULL_LOCK_CLASS, device_id])
        alone = cursor.fetchone()[0]
    try:
        yield alone
    finally:
        if alone:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [PULL_LOCK_CLASS, device_id])


def zkteco_pull(*, device_id: int, now=None) -> dict:
    """Pull one ZKTeco clock's attendance logs into punches (R-CN-3). Idempotent: run twice, it stores nothing
    twice. Answers ``{"status": "ok", "accepted": .., ...}``, ``{"status": "error", ...}`` (recorded on the clock),
    ``{"status": "busy"}`` (another worker is pulling it) or ``{"status": "skipped"}`` (no such active clock)."""
    now = now or timezone.now()
    with _alone(device_id) as alone:
        if not alone:
            return {"status": "busy"}
        clock = (ZKTecoClock.objects.select_related("device__department")
                 .filter(device_id=device_id, device__active=True, device__provisioning=Provisioning.ZKTECO).first())
        if clock is None:
            return {"status": "skipped"}
        try:
            serial, logs = zkteco.read_logs(clock)
        except zkteco.ZKTecoError as exc:
            return _record_failure(clock, str(exc), now=now)
        return _store(clock, serial, logs, now=now)


def _store(clock, serial: str, logs, *, now) -> dict:
    device: Device = clock.device
    tz = ZoneInfo(clock.timezone)
    oldest = now - dt.timedelta(days=int(_setting("ATTENDANCE_MAX_PUNCH_AGE_DAYS", 62)))
    items, too_old, newest = {}, 0, None
    for log in logs:
        moment = log.timestamp.replace(tzinfo=tz).astimezone(dt.UTC)
        if moment < oldest:  # older than ingestion accepts: not offered again on every pull
            too_old += 1
            continue
        key = f"zk{log.user_id}-{int(moment.timestamp())}"[:40]
        items[key] = {"sequence": key, "clock_id": log.user_id, "time": moment.isoformat(),
                      "direction": DIRECTIONS.get(log.punch, "")}
        if newest is None or moment > newest[0]:
            newest = (moment, log.user_id)
    # logs at or before the cursor were offered before: only those neither stored nor refused go in (late logs)
    if clock.cursor_at is not None:
        seen = [key for key, item in items.items() if dt.datetime.fromisoformat(item["time"]) <= clock.cursor_at]
        known = set()
        for start in range(0, len(seen), 5000):
            part = seen[start:start + 5000]
            known |= set(Punch.objects.filter(device=device, dedup_key__in=part).values_list("dedup_key", flat=True))
            known |= set(PunchRejection.objects.filter(device=device, dedup_key__in=part)
                         .values_list("dedup_key", flat=True))
        for key in known:
            items.pop(key, None)
    punches = sorted(items.values(), key=lambda item: item["time"])
    counts = {"accepted": 0, "duplicate": 0, "rejected": 0}
    size = int(_setting("ATTENDANCE_MAX_BATCH", 1000))
    for start in range(0, len(punches), size):
        report = punches_ingest(device=device, punches=punches[start:start + size], source=PunchSource.ZKTECO,
                                now=now)
        for name in counts:
            counts[name] += report[name]
    # the punches are committed: the cursor moves, the clock is healthy again
    with transaction.atomic():
        locked = ZKTecoClock.objects.select_for_update().get(pk=clock.pk)
        if newest is not None and (locked.cursor_at is None or newest[0] > locked.cursor_at):
            locked.cursor_at, locked.cursor_user_id = newest[0], newest[1][:24]
        if serial and not locked.serial_number:
            locked.serial_number = serial[:60]
        locked.last_pull_at = locked.last_success_at = now
        locked.last_pull_status, locked.last_error, locked.failures, locked.failing_since = "ok", "", 0, None
        locked.save()
    return {"status": "ok", "logs": len(logs), "too_old": too_old, **counts}


def _record_failure(clock, error: str, *, now) -> dict:
    threshold = max(1, int(_setting("ZKTECO_ALERT_AFTER_FAILURES", 3)))
    with transaction.atomic():
        locked = ZKTecoClock.objects.select_for_update().select_related("device__department").get(pk=clock.pk)
        locked.failures += 1
        locked.failing_since = locked.failing_since or now
        locked.last_pull_at, locked.last_pull_status, locked.last_error = now, "error", error[:2000]
        locked.save()
        device = locked.device
        logger.warning("zkteco pull of device %s failed (%s in a row)", device.pk, locked.failures)
        if locked.failures == threshold:
            since = timezone.localtime(locked.failing_since)
            _alert_staff(hr_for_department(device.department),
                         key=f"attendance:zkteco:{device.pk}:down:{int(locked.failing_since.timestamp())}",
                         department=device.department, related=("attendance.device", device.pk),
                         url=_admin_url(device), title_fn=lambda: _("Time clock not answering"),
                         message_fn=lambda: _("The ZKTeco clock %(d)s has not answered since %(t)s (%(n)s tries): "
                                              "its punches are not coming in. Check its power, network and "
                                              "communication key.")
                         % {"d": device.name, "t": since.strftime("%Y-%m-%d %H:%M"), "n": locked.failures})
    return {"status": "error", "failures": locked.failures, "error": error[:200]}
