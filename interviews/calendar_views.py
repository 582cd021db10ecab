"""Interview calendar (issue 14, item 7; R-UI-7): one week (Monday to Sunday, 08:00-20:00 Beijing time) of an
interviewer, a room or a department, with the bookings (interviews in an active state) and, for an interviewer,
the free time: working hours minus busy blocks minus interviews, as the scheduling engine sees it
(``interviews.availability.build_engine``); Chinese public holidays marked.

``/interviews/calendar/?week=2026-W49&interviewer=<id>`` (or ``room=<id>`` or ``department=<id>``). Without a
choice an interviewer sees their own week and HR staff / managers their department's. What may be chosen is the
viewer's scope (``User`` / ``Room`` / ``Department.objects.for_user``): an interviewer can only choose
themselves; anything outside the scope answers 404. Bookings are read through
``Interview.objects.for_user(user)``; times the viewer may not see the details of are only "not free". Viewing
is access-logged (the page names candidates).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from hrsys.accounts.models import Department, Role
from hrsys.accounts.scope import get_for_user_or_404
from hrsys.audit.models import AccessLog
from hrsys.audit.services import access_log
from hrsys.core.timezones import local_today, local_tz

from .availability import build_engine, is_workday
from .models import ACTIVE_STATES, BusyBlock, Interview, Room

#: The hours the grid shows (local time): 08:00 to 20:00.
FIRST_HOUR, LAST_HOUR = 8, 20
#: Grid rows per hour (quarter hours).
ROWS_PER_HOUR = 4
SLOT_MINUTES = 60 // ROWS_PER_HOUR

HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day"),
    "Spring Festival": _("Spring Festival"),
    "Tomb-sweeping Day": _("Tomb-sweeping Day"),
    "Labour Day": _("Labour Day"),
    "Dragon Boat Festival": _("Dragon Boat Festival"),
    "National Day": _("National Day"),
    "Mid-autumn Festival": _("Mid-autumn Festival"),
}


def holiday_of(day: dt.date):
    """``(is_public_holiday, name, is_makeup_workday)`` for ``day`` from the Chinese calendar (``chinese_calendar``,
    the same source as the scheduling engine's working days); outside the years it knows: no holiday."""
    try:
        import chinese_calendar  # noqa: PLC0415 - optional, as in interviews.availability

        off, name = chinese_calendar.get_holiday_detail(day)
    except (NotImplementedError, ImportError):
        return False, "", False
    if off and name:
        return True, HOLIDAY_NAMES.get(name, _("Public holiday")), False
    makeup = not off and day.weekday() >= 5
    return False, "", makeup


def parse_week(value: str | None, today: dt.date) -> dt.date:
    """The Monday of ISO week ``value`` ("2026-W49"); the current week when missing or malformed."""
    if value:
        try:
            year, _w, week = value.upper().partition("-W")
            return dt.date.fromisocalendar(int(year), int(week), 1)
        except ValueError:
            pass
    return today - dt.timedelta(days=today.weekday())


def iso_week(monday: dt.date) -> str:
    year, week, _d = monday.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Block:
    """Something on the grid: a booking, a free or a busy time, clipped to one local day and the grid hours."""

    kind: str  # "booking" | "free" | "busy"
    start: dt.datetime  # local, real (not clipped)
    end: dt.datetime
    row_start: int  # CSS grid rows, 1-based, header row excluded
    row_end: int
    interview: Interview | None = None

    @property
    def hour(self) -> int:
        """The hour of the grid cell the block starts in."""
        return FIRST_HOUR + (self.row_start - 1) // ROWS_PER_HOUR


@dataclass
class Day:
    date: dt.date
    column: int
    holiday: bool = False
    holiday_name: str = ""
    makeup_workday: bool = False
    workday: bool = True
    today: bool = False
    blocks: list[Block] = field(default_factory=list)

    @property
    def bookings(self):
        return [b for b in self.blocks if b.kind == "booking"]

    @property
    def free(self):
        return [b for b in self.blocks if b.kind == "free"]

    @property
    def busy(self):
        return [b for b in self.blocks if b.kind == "busy"]


def _row(moment: dt.datetime, day: dt.date, *, end: bool) -> int:
    """The grid line of a local moment on ``day`` (1 = 08:00), clamped to the grid; an end rounds up."""
    minutes = (moment - dt.datetime.combine(day, dt.time(FIRST_HOUR), tzinfo=moment.tzinfo)).total_seconds() / 60
    slots = minutes / SLOT_MINUTES
    slots = int(-(-slots // 1)) if end else int(slots // 1)
    return max(0, min(slots, (LAST_HOUR - FIRST_HOUR) * ROWS_PER_HOUR)) + 1


def _place(days: list[Day], kind: str, start: dt.datetime, end: dt.datetime, interview=None) -> None:
    """Put [start, end) on every day of the week it touches, in local time."""
    tz = local_tz()
    start, end = timezone.localtime(start, tz), timezone.localtime(end, tz)
    for day in days:
        day_start = dt.datetime.combine(day.date, dt.time(0), tzinfo=tz)
        if not (start < day_start + dt.timedelta(days=1) and end > day_start):
            continue
        row_start, row_end = _row(max(start, day_start), day.date, end=False), \
            _row(min(end, day_start + dt.timedelta(days=1)), day.date, end=True)
        if kind != "booking" and row_end <= row_start:
            continue  # free / busy time outside the grid hours
        if row_end <= row_start:  # a booking before 08:00 or after 20:00: shown at the grid's edge
            row_start = min(row_start, (LAST_HOUR - FIRST_HOUR) * ROWS_PER_HOUR)
            row_end = row_start + 1
        day.blocks.append(Block(kind, start, end, row_start, row_end, interview))


def _subtract(windows, busy):
    """``windows`` minus ``busy`` (both lists of (start, end)), sorted."""
    free = []
    busy = sorted(busy)
    for ws, we in sorted(windows):
        cursor = ws
        for bs, be in busy:
            if be <= cursor or bs >= we:
                continue
            if bs > cursor:
                free.append((cursor, bs))
            cursor = max(cursor, be)
        if cursor < we:
            free.append((cursor, we))
    return free


def free_time(user_id: int, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """An interviewer's free time in [start, end): working windows (holidays and lunch off) minus busy blocks and
    active interviews, from the scheduling engine's resource of that person."""
    engine = build_engine(user_ids=[user_id], start=start, end=end)
    resource = engine.resources.get(user_id)
    if resource is None:  # inactive user
        return []
    busy = list(zip(resource.timeline.starts, resource.timeline.ends, strict=True))
    return _subtract(resource.windows, busy)


def _default_target(user):
    """An interviewer's own week; HR staff / managers: their (first) department; otherwise the first department
    they can see, or themselves."""
    if user.role not in (Role.HR_STAFF, Role.HR_DIRECTOR, Role.MANAGER):
        return "interviewer", user
    department = (Department.objects.for_user(user).filter(pk__in=user.departments.values("pk")).first()
                  or Department.objects.for_user(user).exclude(kind=Department.Kind.ORGANIZATION).first())
    if department is not None:
        return "department", department
    return "interviewer", user


def _target(request):
    """``(kind, object)`` chosen by the query string, inside the viewer's scope (404 outside it)."""
    user = request.user
    for kind, model in (("interviewer", get_user_model()), ("room", Room), ("department", Department)):
        raw = request.GET.get(kind)
        if raw:
            if kind == "interviewer" and raw == str(user.pk):
                return kind, user
            return kind, get_for_user_or_404(model, user, pk=raw)
    return _default_target(user)


def week_calendar(*, user, kind: str, target, monday: dt.date, today: dt.date | None = None) -> dict:
    """The week of ``target`` (an interviewer, room or department) as days with blocks on the grid."""
    tz = local_tz()
    today = today or local_today()
    start = dt.datetime.combine(monday, dt.time(0), tzinfo=tz)
    end = start + dt.timedelta(days=7)
    days = []
    for i in range(7):
        date = monday + dt.timedelta(days=i)
        holiday, name, makeup = holiday_of(date)
        days.append(Day(date=date, column=i + 2, holiday=holiday, holiday_name=name, makeup_workday=makeup,
                        workday=is_workday(date), today=date == today))
    interviews = (Interview.objects.for_user(user).filter(state__in=ACTIVE_STATES, starts_at__lt=end,
                                                          ends_at__gt=start)
                  .select_related("application__candidate", "application__job__department", "round", "room")
                  .order_by("starts_at", "id"))
    if kind == "interviewer":
        interviews = interviews.filter(pk__in=Interview.objects.filter(interviewers=target).values("pk"))
    elif kind == "room":
        interviews = interviews.filter(room=target)
    else:
        interviews = interviews.filter(application__job__department__path__startswith=target.path)
    interviews = list(interviews)
    if kind == "interviewer":
        busy = BusyBlock.objects.for_user(user).filter(user=target, starts_at__lt=end, ends_at__gt=start)
        for block in busy:
            _place(days, "busy", block.starts_at, block.ends_at)
        for s, e in free_time(target.pk, start, end):
            _place(days, "free", s, e)
    for interview in interviews:
        interview.local_start = timezone.localtime(interview.starts_at, tz)
        interview.local_end = timezone.localtime(interview.ends_at, tz)
        _place(days, "booking", interview.starts_at, interview.ends_at, interview)
    for day in days:
        day.blocks.sort(key=lambda b: (b.row_start, b.kind != "free"))
    return {"days": days, "interviews": interviews}


def _url(params: dict) -> str:
    return reverse("interviews:calendar") + "?" + urlencode({k: v for k, v in params.items() if v})


@never_cache
@login_required
def calendar_page(request):
    """GET /interviews/calendar/ (R-UI-7)."""
    user = request.user
    today = local_today()
    monday = parse_week(request.GET.get("week"), today)
    kind, target = _target(request)
    week = week_calendar(user=user, kind=kind, target=target, monday=monday, today=today)
    chosen = {kind: target.pk}
    hours = [{"hour": h, "label": f"{h:02d}:00", "row": (h - FIRST_HOUR) * ROWS_PER_HOUR + 1}
             for h in range(FIRST_HOUR, LAST_HOUR)]
    shown = [i.pk for i in week["interviews"]]
    access_log(actor=user, kind=AccessLog.Kind.VIEW, obj=("interviews.interview", ""),
               detail=(f"calendar {kind}={target.pk} {iso_week(monday)}: " + ",".join(map(str, shown)))[:300],
               channel="web")
    people = get_user_model().objects.for_user(user).filter(is_active=True).order_by("full_name", "username")
    return render(request, "interviews/calendar.html", {
        "kind": kind, "target": target, "chosen": chosen,
        "days": week["days"], "bookings": week["interviews"], "hours": hours,
        "grid_rows": (LAST_HOUR - FIRST_HOUR) * ROWS_PER_HOUR,
        "week": iso_week(monday), "monday": monday, "sunday": monday + dt.timedelta(days=6),
        "prev_url": _url({"week": iso_week(monday - dt.timedelta(days=7)), **chosen}),
        "next_url": _url({"week": iso_week(monday + dt.timedelta(days=7)), **chosen}),
        "this_week_url": _url(chosen),
        "people": people, "rooms": Room.objects.for_user(user).select_related("department"),
        "departments": Department.objects.for_user(user),
    })
