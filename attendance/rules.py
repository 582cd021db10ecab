"""The attendance rules as pure functions: no database, easy to test (R-ATT-3, R-HOSP-1).

``evaluate_day`` turns one account's punches around one working day into a result: late arrival,
early leave, absence, overtime, worked minutes. Shifts are written in local time; a shift whose end
is not after its start ends the next day (night shift), so a punch at 07:58 on the 2nd closes the
night shift of the 1st. ``is_working_day`` applies Chinese public holidays and make-up working days
(``chinese_calendar``) to calendar shifts, and the rotation cycle to hospital night / on-call duty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

#: punches this long before the start / after the end of a shift still belong to it
WINDOW_BEFORE = dt.timedelta(hours=4)
WINDOW_AFTER = dt.timedelta(hours=8)


@dataclass(frozen=True)
class ShiftSpec:
    start: dt.time
    end: dt.time
    grace_minutes: int = 5
    early_leave_grace_minutes: int = 0
    overtime_after_minutes: int = 30
    follows_public_calendar: bool = True
    cycle_days: int = 1
    on_days: tuple[int, ...] = (0,)
    cycle_start: dt.date | None = None  # first day of the rotation (the assignment's start)

    @classmethod
    def from_template(cls, template, cycle_start=None) -> ShiftSpec:
        return cls(start=template.start_time, end=template.end_time, grace_minutes=template.grace_minutes,
                   early_leave_grace_minutes=template.early_leave_grace_minutes,
                   overtime_after_minutes=template.overtime_after_minutes,
                   follows_public_calendar=template.follows_public_calendar,
                   cycle_days=max(1, template.cycle_days or 1), on_days=tuple(template.on_days or (0,)),
                   cycle_start=cycle_start)

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def bounds(self, day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """Start and end of the shift worked on ``day`` (aware, in ``tz``)."""
        start = dt.datetime.combine(day, self.start, tzinfo=tz)
        end_day = day + dt.timedelta(days=1) if self.crosses_midnight else day
        return start, dt.datetime.combine(end_day, self.end, tzinfo=tz)

    def window(self, day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """Punches in [from, to) count for ``day``; the day can be judged once ``to`` has passed."""
        start, end = self.bounds(day, tz)
        return start - WINDOW_BEFORE, end + WINDOW_AFTER


@dataclass
class DayOutcome:
    status: str  # present | absent | leave | off | holiday | incomplete
    first_in: dt.datetime | None = None
    last_out: dt.datetime | None = None
    late_minutes: int = 0
    early_leave_minutes: int = 0
    overtime_minutes: int = 0
    worked_minutes: int = 0
    notes: list[str] = field(default_factory=list)


def public_calendar_workday(day: dt.date) -> tuple[bool, bool]:
    """(is a working day, is a public holiday) by the State Council's calendar; years the library does not
    know fall back to Monday-Friday."""
    try:
        import chinese_calendar  # noqa: PLC0415 -- optional: without it, Monday to Friday

        working = chinese_calendar.is_workday(day)
        named = chinese_calendar.get_holiday_detail(day)[1]
        return working, (not working and named is not None)
    except (NotImplementedError, ImportError):
        return day.weekday() < 5, False


def is_working_day(shift: ShiftSpec, day: dt.date) -> tuple[bool, bool]:
    """(works that day, the day is a public holiday) for a shift."""
    if shift.follows_public_calendar:
        return public_calendar_workday(day)
    origin = shift.cycle_start or day
    index = (day - origin).days % shift.cycle_days
    return index in shift.on_days, False


def _minutes(delta: dt.timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def evaluate_day(*, day: dt.date, shift: ShiftSpec | None, punches: list[dt.datetime], on_leave: bool = False,
                 tz: ZoneInfo | str = "Asia/Shanghai") -> DayOutcome:
    """Judge one day. ``punches`` may hold times of neighbouring days (they are filtered to the shift's window)
    in any order; duplicates do not matter."""
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    if shift is None:
        return DayOutcome(status="off")
    working, holiday = is_working_day(shift, day)
    lo, hi = shift.window(day, tz)
    mine = sorted({p for p in punches if lo <= p < hi})
    if not working:
        outcome = DayOutcome(status="holiday" if holiday else "off")
        if len(mine) >= 2:  # worked on a day off: all of it is overtime
            outcome.first_in, outcome.last_out = mine[0], mine[-1]
            outcome.worked_minutes = outcome.overtime_minutes = _minutes(mine[-1] - mine[0])
        return outcome
    if on_leave:
        return DayOutcome(status="leave", first_in=mine[0] if mine else None, last_out=mine[-1] if mine else None)
    if not mine:
        return DayOutcome(status="absent")
    start, end = shift.bounds(day, tz)
    first, last = mine[0], mine[-1]
    outcome = DayOutcome(status="present", first_in=first)
    if first > start + dt.timedelta(minutes=shift.grace_minutes):
        outcome.late_minutes = _minutes(first - start)
    if len(mine) == 1:
        # one punch: an arrival without a departure (or the reverse); lateness is still known
        outcome.status = "incomplete"
        if first >= end:
            outcome.first_in, outcome.last_out, outcome.late_minutes = None, first, 0
        return outcome
    outcome.last_out = last
    if last < end - dt.timedelta(minutes=shift.early_leave_grace_minutes):
        outcome.early_leave_minutes = _minutes(end - last)
    extra = _minutes(last - end)
    if extra >= shift.overtime_after_minutes:
        outcome.overtime_minutes = extra
    outcome.worked_minutes = _minutes(min(last, hi) - max(first, start - WINDOW_BEFORE))
    return outcome
