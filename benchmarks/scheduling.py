"""Benchmark of the scheduling engine (R-SCHED-2, R-SCHED-3).

Pure engine, no database: builds interviewers with working hours (8:30-17:30,
lunch 12:00-13:30, Asia/Shanghai), Chinese working days (chinese_calendar),
random busy blocks, a 10-minute buffer and a daily limit, then batch-places
candidates, urgent jobs first, and re-checks the plan from scratch.

Scenarios (each at 100 and 1,000 candidates, unless --sizes says otherwise):

* ``pool``  -- each candidate meets 1 of a 5-person nurse panel (100) / 50-person pool (1,000), one week;
* ``panel`` -- each candidate meets the whole 3-person cross-department panel (clinical + HR + research),
  with a room out of 3, over two weeks.

Prints time, placed %, and constraint violations (must be 0).

    .venv/bin/python benchmarks/scheduling.py [--sizes 100 1000] [--seed 7]
"""

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviews.scheduling import DEFAULT_TZ, Engine, Request, Resource, schedule_batch, violations  # noqa: E402

START = date(2026, 3, 2)  # a Monday


def is_workday(day: date) -> bool:
    try:
        import chinese_calendar

        return chinese_calendar.is_workday(day)
    except (ImportError, NotImplementedError):
        return day.weekday() < 5


def at(day: date, h: int, m: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, h, m, tzinfo=DEFAULT_TZ)


def windows(days):
    out = []
    for d in days:
        if is_workday(d):
            out += [(at(d, 8, 30), at(d, 12)), (at(d, 13, 30), at(d, 17, 30))]
    return out


def make_people(n, days, rng, *, limit, prefix):
    specs = []
    for i in range(n):
        busy = []
        for d in days:
            if is_workday(d) and rng.random() < 0.4:  # a meeting / ward round on 40 % of days
                h = rng.choice([9, 10, 14, 15])
                busy.append((at(d, h), at(d, h, 45)))
        specs.append(dict(id=f"{prefix}{i}", name=f"{prefix}{i}", windows=windows(days), busy=busy,
                          daily_limit=limit, buffer=timedelta(minutes=10)))
    return specs


def build(specs, rooms):
    res = [Resource(**dict(s, busy=list(s["busy"]), windows=list(s["windows"]))) for s in specs]
    res += [Resource(id=("room", r), name=f"room {r}", always_open=True) for r in rooms]
    return res


def busy_mornings(rng):
    """Half the candidates work a morning shift on one day of the week."""
    if rng.random() < 0.5:
        return []
    day = START + timedelta(days=rng.randrange(5))
    return [(at(day, 8), at(day, 12))]


def scenario(name, n, rng):
    if name == "pool":
        days = [START + timedelta(days=i) for i in range(7)]
        size = 5 if n <= 100 else 50
        people = make_people(size, days, rng, limit=8, prefix="nurse")
        rooms = []
        reqs = [Request(id=i, duration=timedelta(minutes=30), pool=tuple(p["id"] for p in people), pool_pick=1,
                        priority=0 if rng.random() < 0.1 else 2, order=i,
                        candidate_busy=busy_mornings(rng))
                for i in range(n)]
        end = at(days[-1], 23, 59)
    else:
        days = [START + timedelta(days=i) for i in range(14)]
        groups = max(1, n // 60)  # one 3-person panel per ~60 candidates
        people, reqs = [], []
        for g in range(groups):
            panel = make_people(3, days, rng, limit=10, prefix=f"p{g}-")
            people += panel
        rooms = list(range(3 * groups))
        for i in range(n):
            g = i % groups
            panel = tuple(f"p{g}-{k}" for k in range(3))
            reqs.append(Request(id=i, duration=timedelta(minutes=45), required=panel,
                                rooms=tuple(("room", r) for r in rooms[3 * g:3 * g + 3]),
                                priority=0 if rng.random() < 0.1 else 2, order=i))
        end = at(days[-1], 23, 59)
    return people, rooms, reqs, at(START, 0), end


def run(name, n, seed):
    rng = random.Random(seed)
    people, rooms, reqs, start, end = scenario(name, n, rng)
    engine = Engine(build(people, rooms), start=start, end=end, step=timedelta(minutes=15))
    t0 = time.perf_counter()
    result = schedule_batch(engine, reqs)
    elapsed = time.perf_counter() - t0
    bad = violations(result.placements, build(people, rooms), reqs)
    # urgent first: no urgent request unplaced while a normal one was placed
    urgent_unplaced = sum(1 for u in result.unplaced if next(r for r in reqs if r.id == u.request_id).priority == 0)
    reasons = {}
    for u in result.unplaced:
        reasons[u.reason] = reasons.get(u.reason, 0) + 1
    print(f"{name:6} n={n:5}  interviewers={len(people):3}  time={elapsed * 1000:8.1f} ms  "
          f"placed={100 * result.placed_ratio:5.1f} %  violations={len(bad)}  urgent_unplaced={urgent_unplaced}  "
          f"unplaced_reasons={reasons}")
    return len(bad)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    total_bad = 0
    for name in ("pool", "panel"):
        for n in args.sizes:
            total_bad += run(name, n, args.seed)
    print("constraint violations in total:", total_bad)
    return 1 if total_bad else 0


if __name__ == "__main__":
    sys.exit(main())
