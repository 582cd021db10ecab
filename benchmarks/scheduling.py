"""Benchmark of the scheduling engine (R-SCHED-2, R-SCHED-3; issue 17 item 4).

Pure engine, no database (so no ``BENCH_DATABASE_URL``): builds interviewers with working hours (8:30-17:30,
lunch 12:00-13:30, Asia/Shanghai), Chinese working days (chinese_calendar), random busy blocks, a 10-minute
buffer and a daily limit, then batch-places candidates, urgent jobs first, and re-checks the plan from scratch.

Scenarios (each at 100 and 1,000 candidates, unless --sizes says otherwise):

* ``pool``  -- each candidate meets 1 of a nurse panel (5 at 100 candidates, 20 at 1,000), 45 minutes, one week;
  half the candidates work a morning shift on one day;
* ``panel`` -- each candidate meets the whole 3-person cross-department panel (clinical + HR + research),
  45 minutes, with a room out of 3, over two weeks (one panel per ~60 candidates).

Both are bounded by the interviewers' time, not by the engine's cleverness, at 1,000. So besides time,
placed and violations (must be 0; a start off the engine's 5-minute grid counts as one) the script computes,
in the same run, the **capacity bound**: the most interviews the interviewers' time can hold. Per person
(pool) or per panel (its members' busy times and buffers together), per working day, it packs 45-minute
interviews with the buffer between them as early as possible -- exact for equal-length interviews on one
timeline, in continuous time (no grid) -- capped by the daily limit; summed, and capped by the number of
candidates. Candidates' own busy mornings are ignored, so it is an upper bound no plan can beat.

Targets (issue 17): at least 98 % of the bound, 0 violations, at most 5 s per run; the exit status says whether
every run met them.

    .venv/bin/python benchmarks/scheduling.py [--sizes 100 1000] [--seed 7]
"""

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from interviews.scheduling import DEFAULT_TZ, Engine, Request, Resource, schedule_batch, violations  # noqa: E402

START = date(2026, 3, 2)  # a Monday
DURATION = timedelta(minutes=45)
TARGET_OF_BOUND, TARGET_SECONDS = 0.98, 5.0


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
        size = 5 if n <= 100 else 20
        people = make_people(size, days, rng, limit=8, prefix="nurse")
        rooms = []
        reqs = [Request(id=i, duration=DURATION, pool=tuple(p["id"] for p in people), pool_pick=1,
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
            reqs.append(Request(id=i, duration=DURATION, required=panel,
                                rooms=tuple(("room", r) for r in rooms[3 * g:3 * g + 3]),
                                priority=0 if rng.random() < 0.1 else 2, order=i))
        end = at(days[-1], 23, 59)
    return people, rooms, reqs, at(START, 0), end


# -- the capacity bound --------------------------------------------------------------------------------------

def pack(day_windows, zones, duration, spacing) -> int:
    """Most interviews of ``duration`` in the windows of one day, ``spacing`` apart, none starting in a zone
    (a busy time widened by the buffer and the duration): earliest start first, which is optimal."""
    count = 0
    for ws, we in day_windows:
        t = ws
        while t + duration <= we:
            hit = next((ze for zs, ze in zones if zs < t + duration and t < ze), None)
            if hit is not None:
                t = hit
                continue
            count += 1
            t += duration + spacing
    return count


def timeline_capacity(members, duration) -> int:
    """Interviews that fit when all ``members`` attend every one (one member: a person's own capacity)."""
    shared = [w for w in members[0]["windows"] if all(w in m["windows"] for m in members)]
    zones = [(s - m["buffer"], e + m["buffer"]) for m in members for s, e in m["busy"]]
    spacing = max(m["buffer"] for m in members)
    limit = min(m["daily_limit"] for m in members)
    by_day = defaultdict(list)
    for w in shared:
        by_day[w[0].astimezone(DEFAULT_TZ).date()].append(w)
    return sum(min(limit, pack(ws, zones, duration, spacing)) for ws in by_day.values())


def capacity_bound(people, reqs) -> int:
    """The most requests the interviewers' time can hold, per kind of request (a pool to pick one of, or a
    whole panel), each kind on people of its own. A panel holds one interview at a time and has a room
    for it, so rooms never bind here."""
    specs = {p["id"]: p for p in people}
    kinds = Counter((r.required, r.pool, r.pool_pick, r.duration) for r in reqs)
    seen: set = set()
    bound = 0
    for (required, pool, pick, duration), count in kinds.items():
        members = set(required) | set(pool)
        if members & seen:
            raise ValueError("the bound assumes each kind of request has people of its own")
        seen |= members
        if pool and pick == 1 and not required:
            capacity = sum(timeline_capacity([specs[p]], duration) for p in pool)
        elif required and not pool:
            capacity = timeline_capacity([specs[p] for p in required], duration)
        else:
            raise ValueError("no bound for this kind of request")
        bound += min(count, capacity)
    return bound


def run(name, n, seed) -> dict:
    rng = random.Random(seed)
    people, rooms, reqs, start, end = scenario(name, n, rng)
    engine = Engine(build(people, rooms), start=start, end=end)
    t0 = time.perf_counter()
    result = schedule_batch(engine, reqs)
    elapsed = time.perf_counter() - t0
    bad = violations(result.placements, build(people, rooms), reqs, grid=engine.grid)
    bound = capacity_bound(people, reqs)
    placed = len(result.placements)
    of_bound = placed / bound if bound else 1.0
    # urgent first: no urgent request unplaced while a normal one was placed
    urgent_unplaced = sum(1 for u in result.unplaced if next(r for r in reqs if r.id == u.request_id).priority == 0)
    reasons = Counter(u.reason for u in result.unplaced)
    ok = not bad and of_bound >= TARGET_OF_BOUND and elapsed <= TARGET_SECONDS
    print(f"{name:6} n={n:5}  interviewers={len(people):3}  time={elapsed * 1000:8.1f} ms  "
          f"placed={placed:5} ({100 * result.placed_ratio:5.1f} % of candidates)  bound={bound:5}  "
          f"of bound={100 * of_bound:5.1f} %  violations={len(bad)}  urgent_unplaced={urgent_unplaced}  "
          f"unplaced_reasons={dict(reasons)}{'' if ok else '  MISSES THE TARGET'}")
    for problem in bad[:5]:
        print("   ", problem)
    return {"name": name, "n": n, "people": len(people), "placed": placed, "bound": bound, "of_bound": of_bound,
            "ms": elapsed * 1000, "violations": len(bad), "ok": ok}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = [run(name, n, args.seed) for name in ("pool", "panel") for n in args.sizes]
    met = sum(r["ok"] for r in results)
    print(f"targets (>= {100 * TARGET_OF_BOUND:.0f} % of the bound, 0 violations, <= {TARGET_SECONDS:.0f} s): "
          f"{met} of {len(results)} runs met them")
    sizes = " / ".join(f"{n:,}" for n in args.sizes)

    def figures(name):
        runs = [r for r in results if r["name"] == name]
        placed = " / ".join(f"{r['placed']:,} of a bound of {r['bound']:,} ({100 * r['of_bound']:.1f} %)" for r in runs)
        took = " / ".join(f"{r['ms']:.0f} ms" for r in runs)
        return f"{placed}, {took}, {sum(r['violations'] for r in runs)} violations"

    print(f"README: batch scheduling of {sizes} candidates (pure engine, no database) against the capacity bound the "
          f"script computes in the same run | one of a nurse panel, 45 minutes + 10-minute buffer, one week: "
          f"{figures('pool')}; full 3-person panels, two weeks: {figures('panel')}; {met} of {len(results)} runs "
          f"met the targets (>= {100 * TARGET_OF_BOUND:.0f} % of the bound, 0 violations, <= {TARGET_SECONDS:.0f} s)")
    return 0 if met == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
