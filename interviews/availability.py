"""Availability from the database, as engine resources (R-SCHED-1).

Working days follow the Chinese calendar (public holidays off, make-up working
days on) through the ``chinese_calendar`` package; outside the years it knows,
Monday to Friday. Working hours are the interviewer's own, in Asia/Shanghai.

The lead time lives here (``earliest_start``): whatever proposes free times or
books one by itself starts the engine no earlier than that, so nothing is
offered in the past or so soon that the candidate cannot come (issue 18 item 3).
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.utils import timezone

from hrsys.core.timezones import local_tz

from .models import ACTIVE_STATES, BusyBlock, Interview, InterviewerProfile, Room
from .scheduling import GRID, Engine, Resource, round_up

LOCAL_TZ = local_tz()
BOOKING_LEAD_MINUTES = 60


def booking_lead() -> timedelta:
    """How far ahead proposed and automatically booked interviews start at the earliest."""
    return timedelta(minutes=getattr(settings, "INTERVIEWS_BOOKING_LEAD_MINUTES", BOOKING_LEAD_MINUTES))


def earliest_start(now: datetime | None = None, *, notice: timedelta = timedelta(0)) -> datetime:
    """The first start that may be proposed or booked by itself: the lead time (or a longer ``notice``) from
    ``now``, rounded up to the engine's 5-minute grid, local time."""
    now = now or timezone.now()
    return round_up(now + max(booking_lead(), notice), GRID, LOCAL_TZ)


def is_workday(day: date) -> bool:
    """Chinese public holidays are off, make-up working days (调休) are on."""
    try:
        import chinese_calendar  # noqa: PLC0415 - optional speed: imported once, on first use

        return chinese_calendar.is_workday(day)
    except (NotImplementedError, ImportError):
        return day.weekday() < 5


def working_days(start: date, count: int) -> list[date]:
    """The next ``count`` working days from ``start`` (inclusive)."""
    days, day = [], start
    while len(days) < count:
        if is_workday(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def local_moment(day: date, at: time) -> datetime:
    """A wall-clock time in Asia/Shanghai on ``day``, as an aware datetime."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ)


def profile_for(user) -> InterviewerProfile:
    profile = getattr(user, "_interviewer_profile_cache", None)
    if profile is None:
        profile, _created = InterviewerProfile.objects.get_or_create(user=user)
    return profile


def profile_windows(profile: InterviewerProfile, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """Working time of one interviewer between two moments, lunch break excluded."""
    windows = []
    day = start.astimezone(LOCAL_TZ).date()
    last = end.astimezone(LOCAL_TZ).date()
    while day <= last:
        if is_workday(day):
            parts = [(profile.work_start, profile.work_end)]
            if profile.lunch_start and profile.lunch_end and profile.work_start < profile.lunch_start \
                    < profile.lunch_end < profile.work_end:
                parts = [(profile.work_start, profile.lunch_start), (profile.lunch_end, profile.work_end)]
            for a, b in parts:
                s, e = max(local_moment(day, a), start), min(local_moment(day, b), end)
                if s < e:
                    windows.append((s, e))
        day += timedelta(days=1)
    return windows


def build_engine(*, user_ids, room_ids=(), start: datetime, end: datetime, exclude_interview_ids=(),
                 step_minutes: int = 30) -> Engine:
    """An engine loaded with the interviewers' and rooms' working time, busy blocks and bookings."""

    user_ids = sorted(set(user_ids))
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=user_ids, is_active=True)}
    profiles = {p.user_id: p for p in InterviewerProfile.objects.filter(user_id__in=user_ids)}
    for uid in users:
        if uid not in profiles:
            profiles[uid] = InterviewerProfile.objects.get_or_create(user_id=uid)[0]
    # Busy times may reach in from the day before (buffers): load a margin.
    lo, hi = start - timedelta(days=1), end + timedelta(days=1)
    busy = defaultdict(list)
    for b in BusyBlock.objects.filter(user_id__in=user_ids, starts_at__lt=hi, ends_at__gt=lo):
        busy[("user", b.user_id)].append((b.starts_at, b.ends_at))
    counts = defaultdict(lambda: defaultdict(int))
    booked = (Interview.objects.filter(state__in=ACTIVE_STATES, starts_at__lt=hi, ends_at__gt=lo)
              .exclude(pk__in=list(exclude_interview_ids))
              .filter(_people_or_rooms(user_ids, room_ids))
              .prefetch_related(Prefetch("interviewers", to_attr="people")).distinct())
    for interview in booked:
        day = interview.starts_at.astimezone(LOCAL_TZ).date()
        for person in interview.people:
            if person.pk in users:
                busy[("user", person.pk)].append((interview.starts_at, interview.ends_at))
                counts[("user", person.pk)][day] += 1
        if interview.room_id in room_ids:
            busy[("room", interview.room_id)].append((interview.starts_at, interview.ends_at))
    resources = []
    for uid, user in users.items():
        p = profiles[uid]
        resources.append(Resource(
            id=uid, name=str(user), windows=profile_windows(p, start, end), busy=busy[("user", uid)],
            daily_limit=p.daily_limit, day_counts=dict(counts[("user", uid)]),
            buffer=timedelta(minutes=p.buffer_minutes)))
    for room in Room.objects.filter(pk__in=list(room_ids)):
        resources.append(Resource(id=("room", room.pk), name=room.name, busy=busy[("room", room.pk)],
                                  always_open=True))
    return Engine(resources, start=start, end=end, step=timedelta(minutes=step_minutes), tz=LOCAL_TZ)


def _people_or_rooms(user_ids, room_ids):
    q = Q(interviewers__in=user_ids)
    if room_ids:
        q |= Q(room_id__in=list(room_ids))
    return q


def candidate_busy(candidate_id, *, exclude_interview_ids=()) -> list[tuple[datetime, datetime]]:
    """The candidate's other booked interviews (any job): a candidate is never double-booked either."""
    return list(Interview.objects.filter(application__candidate_id=candidate_id, state__in=ACTIVE_STATES)
                .exclude(pk__in=list(exclude_interview_ids)).values_list("starts_at", "ends_at"))
