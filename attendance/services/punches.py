"""Punches from the devices (R-ATT-3): a device's batch over the API, a device's export file; idempotent,
tolerant of late and out-of-order uploads, every rejected punch with its reason. Days touched become stale for
the results sweep (``daily_results``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from hrsys.audit.services import audit_record
from hrsys.core.actors import require_perm as _require
from hrsys.core.actors import require_visible as _visible
from hrsys.core.timezones import local_today, local_tz

from ..models import AttendanceAccount, DailyResult, Device, Punch, PunchRejection, PunchSource
from ._common import _setting

REASONS = {
    "invalid": _("sequence, clock_id and time are required"),
    "bad_timestamp": _("time is not a date and time"),
    "future_timestamp": _("time is in the future"),
    "too_old": _("time is too far in the past"),
    "unknown_account": _("no such clock-in id on this device"),
    "inactive_account": _("the account was not active at that time"),
    "duplicate": _("already received"),
}


def _parse_time(raw, tz) -> dt.datetime | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            return dt.datetime.fromtimestamp(raw, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(raw, str):
        return None
    try:
        moment = parse_datetime(raw.strip().replace(" ", "T", 1))
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):  # device exports carry local wall-clock time
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(dt.UTC)


def punches_ingest(*, device: Device, punches: list, source: str = PunchSource.API, now=None) -> dict:
    """Store a device's batch of punches; idempotent on (device, sequence), tolerant of late and out-of-order
    uploads; reports every punch as accepted, duplicate or rejected with a reason (R-ATT-3).

    Each punch: ``{"sequence": int|str (optional in files), "clock_id": str, "time": ISO (naive = local) or unix,
    "direction": "in"|"out"|""}``. Without a sequence the key is the clock id and the second of the punch.
    The device row is locked so two uploads of one device never race; days touched become stale for the
    results sweep."""
    now = now or timezone.now()
    tz = local_tz()
    tolerance = dt.timedelta(seconds=int(_setting("ATTENDANCE_FUTURE_TOLERANCE_SECONDS", 300)))
    max_age = dt.timedelta(days=int(_setting("ATTENDANCE_MAX_PUNCH_AGE_DAYS", 62)))
    results: list[dict] = [{} for _ in punches]
    parsed = []
    for i, raw in enumerate(punches):
        item = raw if isinstance(raw, dict) else {}
        seq = item.get("sequence")
        clock_id = str(item.get("clock_id") or "").strip()
        seq_text = "" if seq is None else str(seq).strip()
        results[i] = {"index": i, "sequence": seq_text}
        if not clock_id or item.get("time") in (None, "") or (source == PunchSource.API and not seq_text):
            results[i].update(status="rejected", reason="invalid")
            continue
        moment = _parse_time(item.get("time"), tz)
        if moment is None:
            results[i].update(status="rejected", reason="bad_timestamp")
            continue
        if moment > now + tolerance:
            results[i].update(status="rejected", reason="future_timestamp")
            continue
        if moment < now - max_age:
            results[i].update(status="rejected", reason="too_old")
            continue
        direction = str(item.get("direction") or "").lower()
        parsed.append((i, seq_text, clock_id, moment, direction if direction in ("in", "out") else ""))

    with transaction.atomic():
        Device.objects.select_for_update().filter(pk=device.pk).update(last_seen_at=now)
        # plain tuples, not model instances: building 1,000 accounts with their departments costs more than the
        # query that reads them
        accounts = {row[1]: _PunchAccount(*row) for row in AttendanceAccount.objects
                    .filter(clock_id__in={p[2] for p in parsed})
                    .values_list("pk", "clock_id", "state", "activated_at", "deactivated_at", "effective_date",
                                 "department_id", "department__path")}
        candidates = {}  # dedup key -> the punch; a key repeated within the batch is a duplicate
        for i, seq_text, clock_id, moment, direction in parsed:
            account = accounts.get(clock_id)
            if account is None or not account.department_path.startswith(device.department.path):
                results[i].update(status="rejected", reason="unknown_account")
                continue
            if not account.active_at(moment):
                results[i].update(status="rejected", reason="inactive_account")
                continue
            key = seq_text or f"t{account.pk}-{int(moment.timestamp())}"
            if key in candidates:
                results[i].update(status="duplicate", reason="duplicate")
            else:
                candidates[key] = (i, account, moment, direction)
        stored = _store_new_punches(device=device, candidates=candidates, source=source, received_at=now)
        stale = set()
        for key, (i, account, moment, _direction) in candidates.items():
            if key not in stored:
                results[i].update(status="duplicate", reason="duplicate")
                continue
            results[i]["status"] = "accepted"
            # a punch after midnight may close the night shift of the day before
            local_day = moment.astimezone(tz).date()
            stale.add((account, local_day))
            stale.add((account, local_day - dt.timedelta(days=1)))
        _mark_stale({(a.pk, a.department_id, day) for a, day in stale if day >= a.effective_date})
        rejections = [PunchRejection(device=device, dedup_key=str(r.get("sequence", ""))[:40],
                                     clock_id=str((punches[r["index"]] or {}).get("clock_id", ""))[:40]
                                     if isinstance(punches[r["index"]], dict) else "",
                                     punched_at_raw=str((punches[r["index"]] or {}).get("time", ""))[:64]
                                     if isinstance(punches[r["index"]], dict) else "",
                                     reason=r["reason"], source=source, received_at=now)
                      for r in results if r.get("status") == "rejected"]
        PunchRejection.objects.bulk_create(rejections, batch_size=1000)
    counts = defaultdict(int)
    for r in results:
        counts[r["status"]] += 1
        if r["status"] == "rejected":
            r["message"] = str(REASONS[r["reason"]])
    return {"accepted": counts["accepted"], "duplicate": counts["duplicate"], "rejected": counts["rejected"],
            "results": results}


class _PunchAccount(NamedTuple):
    """What ingestion needs of an account (``AttendanceAccount.active_at`` reads the same attributes)."""

    pk: int
    clock_id: str
    state: str
    activated_at: dt.datetime | None
    deactivated_at: dt.datetime | None
    effective_date: dt.date
    department_id: int
    department_path: str

    active_at = AttendanceAccount.active_at


def _store_new_punches(*, device, candidates, source, received_at) -> set[str]:
    """Store the punches ``{dedup_key: (index, account, punched_at, direction)}`` the device has not sent before
    (idempotent on device and dedup key); returns the keys stored, the others were duplicates.

    On PostgreSQL one INSERT .. ON CONFLICT DO NOTHING RETURNING of four arrays (``unnest``): it stores and
    tells which were new in one statement whose cost hardly grows with the batch, where the ORM's
    ``bulk_create`` prepared every value of every row in Python (most of an upload's time) after a query for
    the keys already there. The device row is locked by the caller, so no other upload of it runs meanwhile."""
    if not candidates:
        return set()
    if connection.vendor != "postgresql":
        existing = set(Punch.objects.filter(device=device, dedup_key__in=list(candidates))
                       .values_list("dedup_key", flat=True))
        Punch.objects.bulk_create([Punch(device=device, account_id=account.pk, dedup_key=key, punched_at=moment,
                                         direction=direction, source=source, received_at=received_at)
                                   for key, (_i, account, moment, direction) in candidates.items()
                                   if key not in existing], batch_size=1000, ignore_conflicts=True)
        return set(candidates) - existing
    keys = list(candidates)
    account_ids = [candidates[key][1].pk for key in keys]
    moments = [candidates[key][2] for key in keys]
    directions = [candidates[key][3] for key in keys]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Punch._meta.db_table} "
            "(device_id, account_id, dedup_key, punched_at, direction, source, received_at) "
            "SELECT %s, u.account_id, u.dedup_key, u.punched_at, u.direction, %s, %s "
            "FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], %s::varchar[]) "
            "AS u(account_id, dedup_key, punched_at, direction) "
            "ON CONFLICT (device_id, dedup_key) DO NOTHING RETURNING dedup_key",
            [device.pk, source, received_at, account_ids, keys, moments, directions])
        return {row[0] for row in cursor.fetchall()}


def _mark_stale(days) -> None:
    """Days ``(account_id, department_id, day)`` touched by new punches, leave or shift changes (callers leave out
    the days before the account's first day): the sweep recomputes them. Only the key is written: a new row
    starts stale with the model's defaults, an existing computed row just turns stale again (a row already stale
    is not rewritten).

    On PostgreSQL one INSERT .. ON CONFLICT of three arrays, in key order so that two uploads touching the same
    days lock them in the same order; building a full 14-column row per day through the ORM was over half of a
    1,000-punch upload."""
    if not days:
        return
    if connection.vendor != "postgresql":
        DailyResult.objects.bulk_create(
            [DailyResult(account_id=account_id, department_id=department_id, work_date=day, stale=True)
             for account_id, department_id, day in days],
            batch_size=1000, update_conflicts=True, unique_fields=["account", "work_date"],
            update_fields=["stale"])
        return
    account_ids, department_ids, work_dates = (list(column) for column in zip(*sorted(days), strict=True))
    table = DailyResult._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (account_id, department_id, work_date, stale, status, late_minutes, "
            "early_leave_minutes, overtime_minutes, worked_minutes) "
            "SELECT u.account_id, u.department_id, u.work_date, TRUE, '', 0, 0, 0, 0 "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::date[]) AS u(account_id, department_id, work_date) "
            f"ON CONFLICT (account_id, work_date) DO UPDATE SET stale = TRUE WHERE NOT {table}.stale",
            [account_ids, department_ids, work_dates])


def _mark_range_stale(account, start: dt.date, end: dt.date | None) -> None:
    end = min(end or local_today(), local_today())
    start = max(start, account.effective_date)
    days = (end - start).days + 1
    if days <= 0:
        return
    _mark_stale({(account.pk, account.department_id, start + dt.timedelta(days=n)) for n in range(days)})


CSV_COLUMNS = ("clock_id", "time")


def punches_import_csv(*, actor, device_id: int, data: bytes) -> dict:
    """Import a device's export (CSV with a header: ``clock_id,time[,sequence][,direction]``; time ISO or
    ``YYYY-MM-DD HH:MM:SS`` local); row-level errors name the line (R-ATT-3)."""
    _require(actor, "attendance.add_punch")
    _visible(Device, actor, device_id)
    device = Device.objects.select_related("department").get(pk=device_id)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # exports of Chinese clocks
        except UnicodeDecodeError:
            raise ValidationError({"file": [_("The file is not text (UTF-8 or GB18030).")]})
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ValidationError({"file": [_("Missing columns: %(c)s.") % {"c": ", ".join(missing)}]})
    rows = [{k.strip().lower(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    limit = int(_setting("ATTENDANCE_IMPORT_MAX_ROWS", 100000))
    if len(rows) > limit:
        raise ValidationError({"file": [_("At most %(n)s rows per file.") % {"n": limit}]})
    punches = [{"clock_id": r.get("clock_id"), "time": r.get("time"), "sequence": r.get("sequence") or None,
                "direction": r.get("direction", "")} for r in rows]
    report = {"accepted": 0, "duplicate": 0, "rejected": 0, "errors": []}
    for start in range(0, len(punches), 1000):
        part = punches_ingest(device=device, punches=punches[start:start + 1000], source=PunchSource.FILE)
        for key in ("accepted", "duplicate", "rejected"):
            report[key] += part[key]
        for r in part["results"]:
            if r["status"] == "rejected":
                report["errors"].append({"line": start + r["index"] + 2, "reason": r["reason"],
                                         "message": r["message"]})
    audit_record(actor=actor, action="attendance.punches.import", obj=device,
                 changes={"rows": [None, len(rows)], "accepted": [None, report["accepted"]],
                          "rejected": [None, report["rejected"]]})
    return report
