"""Punches from the devices (R-ATT-3): a device's batch over the API, a device's export file; idempotent,
tolerant of late and out-of-order uploads, every rejected punch with its reason. Days touched become stale for
the results sweep (``daily_results``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from hrsys.accounts.models import Department
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


LAST_SEEN_STEP = dt.timedelta(minutes=1)


def _parse_time(raw, tz) -> dt.datetime | None:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        try:
            return dt.datetime.fromtimestamp(raw, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(raw, str):
        return None
    text = raw.strip().replace(" ", "T", 1)
    try:
        # what parse_datetime tries first, without its call: most devices send ISO 8601
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = parse_datetime(text)
        except ValueError:
            return None
        if moment is None:
            return None
    if moment.utcoffset() is None:  # device exports carry local wall-clock time
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(dt.UTC)


def punches_ingest(*, device: Device, punches: list, source: str = PunchSource.API, now=None) -> dict:
    """Store a device's batch of punches; idempotent on (device, sequence), tolerant of late and out-of-order
    uploads; reports every punch as accepted, duplicate or rejected with a reason (R-ATT-3).

    Each punch: ``{"sequence": int|str (optional in files), "clock_id": str, "time": ISO (naive = local) or unix,
    "direction": "in"|"out"|""}``. Without a sequence the key is the clock id and the second of the punch.
    The device row is locked so two uploads of one device never race (its "last seen" follows to the minute);
    days touched become stale for the results sweep.

    A 1,000-punch upload is one pass over the punches in plain Python and four statements (lock the device,
    read the accounts, store the punches and mark their days, the rejections if any)."""
    now = now or timezone.now()
    tz = local_tz()
    latest = now + dt.timedelta(seconds=int(_setting("ATTENDANCE_FUTURE_TOLERANCE_SECONDS", 300)))
    earliest = now - dt.timedelta(days=int(_setting("ATTENDANCE_MAX_PUNCH_AGE_DAYS", 62)))
    needs_sequence = source == PunchSource.API
    sequences = []  # per punch, as reported back
    refused = {}  # index -> "duplicate" or the reason of a rejection; every other punch is accepted
    parsed = []
    for i, raw in enumerate(punches):
        item = raw if isinstance(raw, dict) else {}
        seq = item.get("sequence")
        seq_text = "" if seq is None else str(seq).strip()
        sequences.append(seq_text)
        clock_id = str(item.get("clock_id") or "").strip()
        raw_time = item.get("time")
        if not clock_id or raw_time in (None, "") or (needs_sequence and not seq_text):
            refused[i] = "invalid"
            continue
        moment = _parse_time(raw_time, tz)
        if moment is None:
            refused[i] = "bad_timestamp"
        elif moment > latest:
            refused[i] = "future_timestamp"
        elif moment < earliest:
            refused[i] = "too_old"
        else:
            direction = str(item.get("direction") or "").lower()
            parsed.append((i, seq_text, clock_id, moment, direction if direction in ("in", "out") else ""))

    with transaction.atomic():
        # The device row is locked, not written, by every upload: a new version of it per upload left a trail
        # that each punch's foreign-key check walked until vacuum (60-90 ms for the checks of 1,000 punches after
        # some 600 uploads, against 8 ms on a fresh row); "last seen" moves once a minute at most.
        seen = Device.objects.select_for_update().filter(pk=device.pk).values_list("last_seen_at", flat=True).get()
        if seen is None or not seen <= now < seen + LAST_SEEN_STEP:
            Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        accounts = _accounts_by_clock_id({p[2] for p in parsed})
        device_path = device.department.path
        candidates = {}  # dedup key -> the punch; a key repeated within the batch is a duplicate
        for i, seq_text, clock_id, moment, direction in parsed:
            account = accounts.get(clock_id)
            if account is None or not account.department_path.startswith(device_path):
                refused[i] = "unknown_account"
            elif not account.active_at(moment):
                refused[i] = "inactive_account"
            else:
                key = seq_text or f"t{account.pk}-{int(moment.timestamp())}"
                if key in candidates:
                    refused[i] = "duplicate"
                else:
                    candidates[key] = (i, account, moment, direction)
        stored = _store_new_punches(device=device, candidates=candidates, source=source, received_at=now, tz=tz)
        for key, candidate in candidates.items():
            if key not in stored:
                refused[candidate[0]] = "duplicate"
        rejections = []
        for i, reason in sorted(refused.items()):
            if reason != "duplicate":
                item = punches[i] if isinstance(punches[i], dict) else None
                rejections.append(PunchRejection(
                    device=device, dedup_key=sequences[i][:40], reason=reason, source=source, received_at=now,
                    clock_id=str(item.get("clock_id", ""))[:40] if item is not None else "",
                    punched_at_raw=str(item.get("time", ""))[:64] if item is not None else ""))
        PunchRejection.objects.bulk_create(rejections, batch_size=1000)
    return _report(sequences, refused)


def _report(sequences: list[str], refused: dict) -> dict:
    """Every punch in upload order: accepted, duplicate, or rejected with the reason and its message."""
    results = []
    duplicate = rejected = 0
    for i, seq_text in enumerate(sequences):
        reason = refused.get(i)
        if reason is None:
            results.append({"index": i, "sequence": seq_text, "status": "accepted"})
        elif reason == "duplicate":
            duplicate += 1
            results.append({"index": i, "sequence": seq_text, "status": "duplicate", "reason": reason})
        else:
            rejected += 1
            results.append({"index": i, "sequence": seq_text, "status": "rejected", "reason": reason,
                            "message": str(REASONS[reason])})
    return {"accepted": len(sequences) - duplicate - rejected, "duplicate": duplicate, "rejected": rejected,
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


def _accounts_by_clock_id(clock_ids: set[str]) -> dict[str, _PunchAccount]:
    """The accounts of a batch by clock-in id, as plain tuples: building 1,000 accounts with their departments
    costs more than the query that reads them. On PostgreSQL the ids go as one array (see ``_array``), which
    also spares the ORM's work on every value of an ``__in`` lookup (a few ms for a batch)."""
    if connection.vendor != "postgresql":
        return {row[1]: _PunchAccount(*row) for row in AttendanceAccount.objects.filter(clock_id__in=clock_ids)
                .values_list("pk", "clock_id", "state", "activated_at", "deactivated_at", "effective_date",
                             "department_id", "department__path")}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.clock_id, a.state, a.activated_at, a.deactivated_at, a.effective_date, a.department_id,"
            f" d.path FROM {AttendanceAccount._meta.db_table} a JOIN {Department._meta.db_table} d"
            " ON d.id = a.department_id WHERE a.clock_id = ANY(%s::varchar[])", [_array(list(clock_ids))])
        return {row[1]: _PunchAccount(*row) for row in cursor.fetchall()}


# PostgreSQL: days marked for the results sweep by key alone (both statements below). A new row starts stale with
# the model's defaults; a computed row just turns stale again; a row already stale is not rewritten.
_DAY_TABLE = DailyResult._meta.db_table
_STALE_DAYS_INSERT = (f"INSERT INTO {_DAY_TABLE} (account_id, department_id, work_date, stale, status, late_minutes, "
                      "early_leave_minutes, overtime_minutes, worked_minutes)")
_STALE_DAY_DEFAULTS = "TRUE, '', 0, 0, 0, 0"
_STALE_DAYS_CONFLICT = f"ON CONFLICT (account_id, work_date) DO UPDATE SET stale = TRUE WHERE NOT {_DAY_TABLE}.stale"


def _store_new_punches(*, device, candidates, source, received_at, tz) -> set[str]:
    """Store the punches ``{dedup_key: (index, account, punched_at, direction)}`` the device has not sent before
    (idempotent on device and dedup key) and mark the days they touch for the results sweep; returns the keys
    stored, the others were duplicates.

    A stored punch touches its local day and the day before (a punch after midnight may close the night shift
    of the day before), never a day before the account's first day.

    On PostgreSQL one statement: an INSERT .. ON CONFLICT DO NOTHING RETURNING of the punches (``unnest`` of
    arrays) tells which were new, and a second INSERT in the same statement marks the days of those, set-based:
    an INSERT .. ON CONFLICT of the distinct (account, day) in key order, so that two uploads touching the same
    days lock them in the same order (see ``_mark_stale``). The device row is locked by the caller, so no other
    upload of it runs meanwhile."""
    if not candidates:
        return set()
    if connection.vendor != "postgresql":
        existing = set(Punch.objects.filter(device=device, dedup_key__in=list(candidates))
                       .values_list("dedup_key", flat=True))
        Punch.objects.bulk_create([Punch(device=device, account_id=account.pk, dedup_key=key, punched_at=moment,
                                         direction=direction, source=source, received_at=received_at)
                                   for key, (_i, account, moment, direction) in candidates.items()
                                   if key not in existing], batch_size=1000, ignore_conflicts=True)
        stored = set(candidates) - existing
        _mark_stale(_days_touched([candidates[key] for key in stored], tz))
        return stored
    keys = list(candidates)
    rows = [candidates[key] for key in keys]
    punch_table = Punch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH new (account_id, department_id, first_day, dedup_key, punched_at, local_day, direction) AS ("
            " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::date[], %s::varchar[], %s::timestamptz[],"
            " %s::date[], %s::varchar[])),"
            f" stored AS (INSERT INTO {punch_table} "
            " (device_id, account_id, dedup_key, punched_at, direction, source, received_at)"
            " SELECT %s, account_id, dedup_key, punched_at, direction, %s, %s FROM new"
            " ON CONFLICT (device_id, dedup_key) DO NOTHING RETURNING dedup_key),"
            f" marked AS ({_STALE_DAYS_INSERT}"
            f" SELECT DISTINCT new.account_id, new.department_id, touched.day, {_STALE_DAY_DEFAULTS}"
            " FROM new JOIN stored USING (dedup_key)"
            " CROSS JOIN LATERAL (VALUES (new.local_day), (new.local_day - 1)) AS touched (day)"
            " WHERE touched.day >= new.first_day"
            f" ORDER BY new.account_id, touched.day {_STALE_DAYS_CONFLICT})"
            " SELECT dedup_key FROM stored",
            [_array([account.pk for _i, account, _m, _d in rows]),
             _array([account.department_id for _i, account, _m, _d in rows]),
             _array([account.effective_date for _i, account, _m, _d in rows]), _array(keys),
             _array([moment for _i, _a, moment, _d in rows]),
             _array([moment.astimezone(tz).date() for _i, _a, moment, _d in rows]),
             _array([direction for *_x, direction in rows]), device.pk, source, received_at])
        return {row[0] for row in cursor.fetchall()}


def _array(values: list) -> str:
    """A PostgreSQL array literal of strings, ints, dates or datetimes (one type per array), to pass as one text
    parameter cast in SQL (``%s::bigint[]``): psycopg2 writes a list as ``ARRAY[...]`` of one quoted and cast
    constant per item, which is quoted and then parsed item by item -- for the seven arrays of a 1,000-punch
    upload about 40 ms against 12 ms as literals on the benchmark machine. Strings are quoted, with any quote
    or backslash escaped; ISO dates and numbers need no quotes."""
    if not values:
        return "{}"
    if isinstance(values[0], str):
        joined = "".join(values)
        if '"' in joined or "\\" in joined:
            values = [value.replace("\\", "\\\\").replace('"', '\\"') for value in values]
        return '{"' + '","'.join(values) + '"}'
    if isinstance(values[0], dt.datetime):
        return "{" + ",".join([value.isoformat() for value in values]) + "}"
    if isinstance(values[0], dt.date):  # a batch spans a few days: each written once
        text = {day: day.isoformat() for day in set(values)}
        return "{" + ",".join([text[day] for day in values]) + "}"
    return "{" + ",".join(map(str, values)) + "}"


def _days_touched(punches, tz) -> set[tuple[int, int, dt.date]]:
    """``(account_id, department_id, day)`` of the punches ``(index, account, punched_at, direction)``: the local
    day and the day before, never before the account's first day (what the PostgreSQL statement of
    ``_store_new_punches`` marks)."""
    days = set()
    for _i, account, moment, _direction in punches:
        local_day = moment.astimezone(tz).date()
        for day in (local_day, local_day - dt.timedelta(days=1)):
            if day >= account.effective_date:
                days.add((account.pk, account.department_id, day))
    return days


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
    with connection.cursor() as cursor:
        cursor.execute(
            f"{_STALE_DAYS_INSERT} SELECT u.account_id, u.department_id, u.work_date, {_STALE_DAY_DEFAULTS} "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::date[]) AS u(account_id, department_id, work_date) "
            f"{_STALE_DAYS_CONFLICT}",
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
