"""The scheduling engine: pure Python, no Django, no database (R-SCHED-1, R-SCHED-2, R-SCHED-3).

The Django layer (``interviews.availability``) turns working hours, holidays,
busy blocks and existing interviews into :class:`Resource` objects; this module
only answers "where does this interview fit?" so it can be tested and
benchmarked on its own.

* A :class:`Resource` is a person or a room: windows it may be booked in
  (working time), intervals it is busy, a daily limit and a buffer kept free
  around every interview.
* A :class:`Request` is one interview to place: people who must all attend
  (``required``; a panel), optionally ``pool_pick`` more chosen from ``pool``
  (batch scheduling across a panel), one room out of ``rooms`` when on site,
  the candidate's busy times and preferred windows, a priority (urgent first).
* :meth:`Engine.propose` lists free slots for one request; :func:`schedule_batch`
  places many, urgent first, booking each placement into the engine so later
  ones see it, and explains every request it could not place.
* :func:`violations` re-checks a finished plan from scratch (the benchmark and
  the tests use it: a correct plan has none).

Times are aware datetimes (UTC in practice); "days" for daily limits are local
days in ``tz`` (Asia/Shanghai by default).

Which start times are tried (issue 17 item 4, issue 18 item 3)
-------------------------------------------------------------
Two things pull in different directions: capacity and tidy times. A fixed
15- or 30-minute grid of starts is tidy but wastes time: a 45-minute interview
with a 10-minute buffer then takes a whole hour (8:30, 9:30, ...; the 9:25 that
follows 8:30-9:15 plus the buffer is never tried), which lost a tenth of the
interviewers' capacity in the benchmark. Starts at any minute pack tightly but
give candidates 09:07 and bookings at 10:59:02. So the engine tries

* the *earliest* moments anything can start: each working window's start, the
  end of each busy block or booking plus the person's buffer, the end of each
  of the candidate's busy times, the start of each preferred window and the
  start of the period -- every stretch of time in which the request fits
  begins at one of these, so trying them in time order finds the earliest
  feasible start, and placing each interview at the earliest one packs a
  day as tightly as it goes (8:30, 9:25, 10:20, 11:15);
* plus the ``step`` marks of the clock (whole and half hours by default) inside
  the working windows, so a list of proposals offers ordinary choices
  (9:00, 9:30, ...) between those moments;

and every one of them is rounded *up* to the ``grid``: 5-minute marks of the
local wall clock, seconds and microseconds zero. Five minutes is what a person
writes in a calendar (9:55 is a time, 9:57 is not); a 45-minute interview and a
10-minute buffer are multiples of it, so rounding loses nothing where the
inputs are tidy, and costs at most 4 minutes where they are not (a meeting
imported from a calendar that ends at 9:47). Rounding up can never break a
constraint: each rounded start is checked as it is (inside the window, clear of
busy blocks and buffers, daily limit) before it is offered or booked. No start
off the grid ever leaves the engine, so whatever books what it proposes -- the
proposal API, the automatic next-round booking, a batch -- books on the grid.
The lead time (at least an hour ahead) is the Django layer's: it passes a
``start`` that far ahead (``availability.earliest_start``), and the engine
rounds that up to the grid as well.

The rounded-up start of a stretch is the earliest mark in it, so nothing is
lost to the grid beyond the rounding itself. ``benchmarks/scheduling.py``
measures this against the capacity bound it computes in the same run: the
batch places 716 of at most 716 (1,000 candidates, 20 interviewers, one week)
and 951 of 951 (3-person panels), where a 15-minute grid placed 635 and 855.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

DEFAULT_TZ = ZoneInfo("Asia/Shanghai")
#: Every start the engine offers or books is on these marks of the local clock (seconds and microseconds zero).
GRID = timedelta(minutes=5)
#: Between the earliest possible starts, proposals also offer these marks (whole and half hours).
STEP = timedelta(minutes=30)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def round_up(moment: datetime, grid: timedelta = GRID, tz=DEFAULT_TZ) -> datetime:
    """``moment`` rounded up to the next mark of ``grid`` on the local wall clock of ``tz`` (itself when on it)."""
    offset = moment.astimezone(tz).utcoffset() or timedelta(0)
    rest = (moment - _EPOCH + offset) % grid
    return moment + (grid - rest) if rest else moment


def on_grid(moment: datetime, grid: timedelta = GRID, tz=DEFAULT_TZ) -> bool:
    return round_up(moment, grid, tz) == moment

# Why a request could not be placed, most specific last (the explanation names the strongest).
REASON_NO_WORKING_TIME = "no_working_time"
REASON_PREFERENCES = "candidate_preferences"
REASON_CANDIDATE_BUSY = "candidate_busy"
REASON_INTERVIEWER_BUSY = "interviewer_busy"
REASON_DAILY_LIMIT = "daily_limit"
REASON_NO_ROOM = "no_room"
REASON_UNKNOWN_RESOURCE = "unknown_interviewer"
REASON_TOO_FEW_INTERVIEWERS = "too_few_interviewers"


@dataclass
class Interval:
    start: datetime
    end: datetime

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and start < self.end


class Timeline:
    """Sorted, non-overlapping-insensitive list of busy intervals with O(log n) overlap checks."""

    __slots__ = ("starts", "ends", "max_len")

    def __init__(self, intervals: Iterable[tuple[datetime, datetime]] = ()):
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        self.max_len = timedelta(0)
        for s, e in sorted(intervals):
            self.add(s, e)

    def add(self, start: datetime, end: datetime) -> None:
        i = bisect.bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)
        self.max_len = max(self.max_len, end - start)

    def first_conflict(self, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
        """A busy interval overlapping [start, end), or None."""
        # Only intervals starting before ``end`` and after ``start - longest`` can overlap.
        hi = bisect.bisect_left(self.starts, end)
        lo = bisect.bisect_left(self.starts, start - self.max_len)
        for i in range(lo, hi):
            if self.ends[i] > start:
                return self.starts[i], self.ends[i]
        return None

    def __len__(self):
        return len(self.starts)


@dataclass
class Resource:
    """A person (or room) that can be booked."""

    id: object
    name: str = ""
    windows: list[tuple[datetime, datetime]] = field(default_factory=list)  # bookable working time
    busy: Iterable[tuple[datetime, datetime]] = ()  # busy blocks and existing interviews
    daily_limit: int | None = None  # interviews per local day
    day_counts: dict[date, int] = field(default_factory=dict)  # interviews already booked per local day
    buffer: timedelta = timedelta(0)  # kept free before and after each interview
    always_open: bool = False  # rooms: no working hours of their own

    def __post_init__(self):
        self.windows = sorted(self.windows)
        self._window_starts = [w[0] for w in self.windows]
        self.timeline = Timeline(self.busy)
        self.day_counts = defaultdict(int, self.day_counts)

    def within_windows(self, start: datetime, end: datetime) -> bool:
        if self.always_open:
            return True
        i = bisect.bisect_right(self._window_starts, start) - 1
        return i >= 0 and self.windows[i][1] >= end

    def why_not(self, start: datetime, end: datetime, day: date) -> str | None:
        """None when the resource can take [start, end), else a reason code."""
        if not self.within_windows(start, end):
            return REASON_NO_WORKING_TIME
        if self.daily_limit is not None and self.day_counts[day] >= self.daily_limit:
            return REASON_DAILY_LIMIT
        if self.timeline.first_conflict(start - self.buffer, end + self.buffer) is not None:
            return REASON_INTERVIEWER_BUSY
        return None

    def book(self, start: datetime, end: datetime, day: date) -> None:
        self.timeline.add(start, end)
        self.day_counts[day] += 1


@dataclass
class Request:
    """One interview to place."""

    id: object
    duration: timedelta
    required: tuple = ()  # every one of these must attend (panel)
    pool: tuple = ()  # pick ``pool_pick`` of these as well
    pool_pick: int = 0
    rooms: tuple = ()  # one of these rooms, when on site; empty: video / no room
    candidate_busy: Iterable[tuple[datetime, datetime]] = ()
    preferences: list[tuple[datetime, datetime]] | None = None  # candidate's windows (None: any time)
    strict_preferences: bool = False  # True: only inside preferences; False: preferred first
    priority: int = 0  # lower is more urgent
    order: int = 0  # tie-breaker (e.g. application date)
    not_before: datetime | None = None
    not_after: datetime | None = None
    label: str = ""


@dataclass
class Placement:
    request_id: object
    start: datetime
    end: datetime
    interviewers: tuple
    room: object = None


@dataclass
class Unplaced:
    request_id: object
    reason: str
    detail: str = ""
    blocking: tuple = ()  # resource ids that blocked most often


@dataclass
class BatchResult:
    placements: list[Placement]
    unplaced: list[Unplaced]

    @property
    def placed_ratio(self) -> float:
        total = len(self.placements) + len(self.unplaced)
        return len(self.placements) / total if total else 1.0


REASON_TEXT = {
    REASON_NO_WORKING_TIME: "no working time of the interviewers within the period",
    REASON_PREFERENCES: "no free slot inside the candidate's preferred times",
    REASON_CANDIDATE_BUSY: "the candidate is busy at every free slot",
    REASON_INTERVIEWER_BUSY: "the interviewers are booked or busy at every slot",
    REASON_DAILY_LIMIT: "the interviewers reached their daily limits",
    REASON_NO_ROOM: "no room is free at the interviewers' free slots",
    REASON_UNKNOWN_RESOURCE: "an interviewer or room is unknown",
    REASON_TOO_FEW_INTERVIEWERS: "not enough interviewers in the panel",
}


class Engine:
    """Holds the resources of one planning period and places requests into it.

    ``grid``: every start is on these local clock marks (5 minutes); ``step``: the clock marks offered between
    the earliest possible starts (30 minutes; a multiple of the grid). See the module docstring for why.
    """

    def __init__(self, resources: Iterable[Resource], *, start: datetime, end: datetime,
                 step: timedelta = STEP, grid: timedelta = GRID, tz=DEFAULT_TZ):
        if grid <= timedelta(0) or step % grid:
            raise ValueError("the step must be a whole number of grid marks")
        self.resources: dict[object, Resource] = {r.id: r for r in resources}
        self.start, self.end, self.step, self.grid, self.tz = start, end, step, grid, tz
        self._first = self.round_up(start)
        # Each resource's own candidate starts, sorted, on the grid; a booking adds its end plus the buffer.
        self._points: dict[object, list[datetime]] = {rid: self._resource_points(r)
                                                      for rid, r in self.resources.items()}
        # Starts at which the people / rooms of a request shape can no longer fit anything. Bookings only
        # ever add, so a start that is full stays full: batches skip it instead of re-checking it. Per shape,
        # the frontier is the moment before which every start is full (with the reasons counted there), so a
        # batch that fills a week does not walk its full days again for every request.
        self._full: dict[tuple, dict] = defaultdict(dict)
        self._frontier: dict[tuple, tuple[datetime, Counter]] = {}

    def day_of(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def round_up(self, moment: datetime, grid: timedelta | None = None) -> datetime:
        return round_up(moment, grid or self.grid, self.tz)

    # -- candidate start times ------------------------------------------------------------------

    def _resource_points(self, res: Resource) -> list[datetime]:
        """Where a free stretch of ``res`` can begin (window starts, ends of busy times plus the buffer) and the
        step marks inside its windows, rounded up to the grid."""
        points = {self.round_up(e + res.buffer) for e in res.timeline.ends}
        for ws, we in ([] if res.always_open else res.windows):
            points.add(self.round_up(ws))
            mark = self.round_up(ws, self.step)
            while mark < we:
                points.add(mark)
                mark += self.step
            # a window across local midnight: a new day (a fresh daily limit) begins inside it
            midnight = datetime.combine(self.day_of(ws) + timedelta(days=1), datetime.min.time(), tzinfo=self.tz)
            while midnight < we:
                points.add(self.round_up(midnight))
                midnight += timedelta(days=1)
        return sorted(points)

    def _period_points(self, lo: datetime, hi: datetime) -> Iterator[datetime]:
        """Step marks across the whole period, for a request of people without working hours (rooms only)."""
        yield lo
        mark = self.round_up(lo, self.step)
        while mark < hi:
            yield mark
            mark += self.step

    def _starts(self, request: Request, lo: datetime, hi: datetime) -> Iterator[datetime]:
        """Candidate starts of ``request`` from ``lo`` on, in time order, each once, on the grid, ending by ``hi``."""
        rids = [i for i in dict.fromkeys((*request.required, *request.pool, *request.rooms)) if i in self.resources]
        people = [self.resources[i] for i in rids if not self.resources[i].always_open]
        sources: list[Iterable[datetime]] = []
        for rid in rids:
            points = self._points[rid]
            i = bisect.bisect_left(points, lo)
            sources.append(map(points.__getitem__, range(i, len(points))))
        if not people:
            sources.append(self._period_points(lo, hi))
        extra = [self.round_up(e) for _s, e in request.candidate_busy]
        extra += [self.round_up(s) for s, _e in request.preferences or ()]
        if any(p.within_windows(lo, lo) for p in people):
            extra.append(lo)  # the period starts inside a working window
        sources.append(sorted(p for p in extra if p >= lo))
        last = None
        for start in heapq.merge(*sources):
            if start + request.duration > hi:
                return
            if start != last:
                last = start
                yield start

    # -- one slot -------------------------------------------------------------------------------

    def fit(self, request: Request, start: datetime, *, candidate: Timeline | None = None,
            reasons: Counter | None = None, blockers: Counter | None = None) -> Placement | None:
        """The placement of ``request`` at ``start`` if everyone needed is free, else None (counting why)."""
        end = start + request.duration
        if request.preferences is not None and request.strict_preferences and not any(
                ps <= start and end <= pe for ps, pe in request.preferences):
            if reasons is not None:
                reasons[REASON_PREFERENCES] += 1
            return None
        if candidate is not None and candidate.first_conflict(start, end) is not None:
            if reasons is not None:
                reasons[REASON_CANDIDATE_BUSY] += 1
            return None
        return self._fit_resources(request, start, end, reasons=reasons, blockers=blockers)

    def _fit_resources(self, request: Request, start: datetime, end: datetime, *, reasons: Counter | None = None,
                       blockers: Counter | None = None) -> Placement | None:
        """The interviewers' and the room's side of :meth:`fit` (what is the same for every candidate)."""
        day = self.day_of(start)

        def fail(reason, who=None):
            if reasons is not None:
                reasons[reason] += 1
            if blockers is not None and who is not None:
                blockers[who] += 1
            return None

        chosen = []
        for rid in request.required:
            res = self.resources.get(rid)
            if res is None:
                return fail(REASON_UNKNOWN_RESOURCE, rid)
            why = res.why_not(start, end, day)
            if why:
                return fail(why, rid)
            chosen.append(rid)
        if request.pool_pick:
            free = []
            last_reason = REASON_TOO_FEW_INTERVIEWERS
            for rid in request.pool:
                if rid in chosen:
                    continue
                res = self.resources.get(rid)
                if res is None:
                    continue
                why = res.why_not(start, end, day)
                if why is None:
                    free.append(res)
                else:
                    last_reason = why
            if len(free) < request.pool_pick:
                return fail(last_reason)
            # least loaded that day first, then overall: spreads a batch evenly over the panel
            free.sort(key=lambda r: (r.day_counts[day], len(r.timeline), str(r.id)))
            chosen.extend(r.id for r in free[:request.pool_pick])
        room = None
        if request.rooms:
            for rid in request.rooms:
                res = self.resources.get(rid)
                if res is not None and res.why_not(start, end, day) is None:
                    room = rid
                    break
            else:
                return fail(REASON_NO_ROOM)
        return Placement(request.id, start, end, tuple(chosen), room)

    def propose(self, request: Request, *, limit: int = 5, explain: dict | None = None) -> list[Placement]:
        """Up to ``limit`` free slots for ``request``, preferred times first, then earliest (R-SCHED-1).

        Every start is on the grid and not before the period's start (rounded up to the grid).
        """
        candidate = Timeline(request.candidate_busy)
        reasons, blockers = Counter(), Counter()
        preferred, other = [], []
        lo = self.round_up(max(filter(None, [self.start, request.not_before])))
        hi = min(filter(None, [self.end, request.not_after]))
        shape = (request.required, request.pool, request.pool_pick, request.rooms, request.duration)
        full = self._full[shape]
        frontier, before = self._frontier.get(shape, (self._first, Counter()))
        # Only a request that looks from the frontier on may move it: one starting later has not seen the rest.
        advancing = lo <= frontier
        if advancing:
            reasons.update(before)
        for start in self._starts(request, max(lo, frontier), hi):
            why = full.get(start)
            if why is None:
                placement = self.fit(request, start, candidate=candidate, reasons=reasons, blockers=blockers)
                if placement is not None:
                    in_pref = request.preferences is not None and any(
                        ps <= placement.start and placement.end <= pe for ps, pe in request.preferences)
                    (preferred if in_pref else other).append(placement)
                    if len(preferred) >= limit or (request.preferences is None and len(other) >= limit):
                        break
                    advancing = False
                    continue
                check = Counter()
                if self._fit_resources(request, start, start + request.duration, reasons=check) is not None:
                    advancing = False  # the candidate's doing (busy, preferences): free for others
                    continue
                why = full[start] = next(iter(check))
            else:
                reasons[why] += 1
            if advancing:  # full for everyone, and so is everything before it
                del full[start]
                before = before + Counter({why: 1})
                frontier = start + self.grid
        if frontier > self._frontier.get(shape, (self._first,))[0]:
            self._frontier[shape] = (frontier, before)
        if explain is not None:
            explain["reasons"], explain["blockers"] = reasons, blockers
        if request.preferences is not None and request.strict_preferences:
            return preferred[:limit]
        return (preferred + other)[:limit]

    def place(self, request: Request) -> Placement | Unplaced:
        """Best slot for ``request``, booked into the engine; or why there is none."""
        explain: dict = {}
        found = self.propose(request, limit=1, explain=explain)
        if found:
            self.book(found[0])
            return found[0]
        return self.explain(request, explain)

    def explain(self, request: Request, explain: dict) -> Unplaced:
        reasons: Counter = explain.get("reasons") or Counter()
        blockers: Counter = explain.get("blockers") or Counter()
        if not reasons:
            return Unplaced(request.id, REASON_NO_WORKING_TIME, REASON_TEXT[REASON_NO_WORKING_TIME])
        # The reason that rejected most starts is the one to fix first.
        reason = reasons.most_common(1)[0][0]
        who = tuple(r for r, _n in blockers.most_common(3))
        return Unplaced(request.id, reason, REASON_TEXT.get(reason, reason), who)

    def book(self, placement: Placement) -> None:
        day = self.day_of(placement.start)
        for rid in (*placement.interviewers, *([placement.room] if placement.room is not None else [])):
            res = self.resources[rid]
            res.book(placement.start, placement.end, day)
            # the next free stretch of this person or room can begin after this interview and the buffer
            point = self.round_up(placement.end + res.buffer)
            points = self._points[rid]
            i = bisect.bisect_left(points, point)
            if i == len(points) or points[i] != point:
                points.insert(i, point)


def schedule_batch(engine: Engine, requests: Iterable[Request],
                   progress: Callable[[int, int], None] | None = None, *,
                   commit: Callable[[Request, Placement], bool] | None = None) -> BatchResult:
    """Place many requests, urgent first then in order (R-SCHED-2).

    ``commit(request, placement)`` (optional) makes a placement real, e.g. books it
    in the database; when it returns False (someone else took the slot meanwhile)
    the engine marks the slot busy and tries the request again.
    """
    ordered = sorted(requests, key=lambda r: (r.priority, r.order, str(r.id)))
    placements, unplaced = [], []
    total = len(ordered)
    for n, request in enumerate(ordered, start=1):
        outcome = engine.place(request)
        tries = 0
        while isinstance(outcome, Placement) and commit is not None and not commit(request, outcome):
            tries += 1
            if tries > 20:
                outcome = Unplaced(request.id, REASON_INTERVIEWER_BUSY, REASON_TEXT[REASON_INTERVIEWER_BUSY])
                break
            outcome = engine.place(request)  # the failed slot stays booked in the engine: next one
        (placements if isinstance(outcome, Placement) else unplaced).append(outcome)
        if progress is not None:
            progress(n, total)
    return BatchResult(placements, unplaced)


def violations(placements: Iterable[Placement], resources: Iterable[Resource], requests: Iterable[Request], *,
               tz=DEFAULT_TZ, grid: timedelta | None = GRID) -> list[str]:
    """Every broken constraint in a plan, checked from scratch against the original resources; with ``grid``,
    a start off its marks is one too."""
    res = {r.id: r for r in resources}
    reqs = {r.id: r for r in requests}
    problems = []
    per_resource: dict[object, list[tuple[datetime, datetime]]] = defaultdict(list)
    per_day: Counter = Counter()
    for p in placements:
        req = reqs[p.request_id]
        if p.end - p.start != req.duration:
            problems.append(f"{p.request_id}: wrong duration")
        if grid is not None and not on_grid(p.start, grid, tz):
            problems.append(f"{p.request_id}: starts off the {grid} grid at {p.start.isoformat()}")
        missing = set(req.required) - set(p.interviewers)
        if missing:
            problems.append(f"{p.request_id}: required interviewers missing {sorted(map(str, missing))}")
        if len(set(p.interviewers) - set(req.required)) < req.pool_pick:
            problems.append(f"{p.request_id}: too few panel interviewers")
        for ps in req.candidate_busy:
            if ps[0] < p.end and p.start < ps[1]:
                problems.append(f"{p.request_id}: candidate busy")
        if req.preferences is not None and req.strict_preferences and not any(
                a <= p.start and p.end <= b for a, b in req.preferences):
            problems.append(f"{p.request_id}: outside candidate preferences")
        day = p.start.astimezone(tz).date()
        for rid in (*p.interviewers, *([p.room] if p.room is not None else [])):
            r = res[rid]
            if not r.within_windows(p.start, p.end):
                problems.append(f"{p.request_id}: {rid} outside working time")
            if r.timeline.first_conflict(p.start, p.end) is not None:
                problems.append(f"{p.request_id}: {rid} busy")
            per_resource[rid].append((p.start, p.end))
            per_day[(rid, day)] += 1
            limit = r.daily_limit
            if limit is not None and per_day[(rid, day)] + r.day_counts.get(day, 0) > limit:
                problems.append(f"{p.request_id}: {rid} over daily limit on {day}")
    for rid, intervals in per_resource.items():
        intervals.sort()
        buffer = res[rid].buffer
        for (_s1, e1), (s2, _e2) in zip(intervals, intervals[1:], strict=False):
            if s2 < e1 + buffer:
                problems.append(f"{rid}: double-booked or no buffer at {s2.isoformat()}")
    return problems
