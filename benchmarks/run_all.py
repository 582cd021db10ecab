"""Run every benchmark on a fresh PostgreSQL database and regenerate the README's figures table (issue 17 item 8).

    make bench                                   # every benchmark at the sizes the README names
    .venv/bin/python benchmarks/run_all.py --only scheduling ingest --size small

Each script gets a database of its own, dropped and created again before it runs (``hrsys_bench_<name>`` on the
server ``BENCH_POSTGRES_URL`` names, default ``postgres://root@127.0.0.1:5432``), and Redis for the ones that run a
worker (``REDIS_URL``, default ``redis://127.0.0.1:6379/0``). A script's whole output is kept in
``artifacts/bench/<name>.txt``; its last line starting with ``README:`` is its row of the table, "what | figures",
so every figure in the README comes from the run that wrote it. The rows of scripts not run this time stay as they
were. A script that misses one of its goals still measured what it prints: its row is written, with the goal's
figure beside it, and the run exits 1 naming it. A script that prints no ``README:`` line (it broke) leaves the
README unchanged and the run exits 1.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"
HEADER = ["| script | what | figures (PostgreSQL, this machine, one `make bench` run) |", "|---|---|---|"]


@dataclass(frozen=True)
class Bench:
    script: str
    database_variable: str | None  # how the script is told its database; None: no database
    full: list[str] = field(default_factory=list)
    small: list[str] = field(default_factory=list)
    redis: bool = False


BENCHES = {
    "pipeline": Bench("pipeline.py", "DATABASE_URL", ["--then", "1000000"],
                      ["--applications", "10000", "--runs", "10", "--then", "20000"]),
    "notifications": Bench("notifications.py", "BENCH_DATABASE_URL", [], ["--count", "2000"], redis=True),
    "scheduling": Bench("scheduling.py", None, [], ["--sizes", "100"]),
    "ingest": Bench("ingest.py", "BENCH_DATABASE_URL", ["--concurrency", "16"], ["--count", "300", "--concurrency", "16"],
                    redis=True),
    "attendance": Bench("attendance.py", "DATABASE_URL", [], ["--employees", "1000"]),
    "busy_morning": Bench("busy_morning.py", "BENCH_DATABASE_URL", [],
                          ["--minutes", "1", "--hr-users", "10", "--deliveries", "4", "--clocks", "4", "--scale", "2000",
                           "--reminders", "100"], redis=True),
    "dashboard": Bench("dashboard.py", "DATABASE_URL", [],
                       ["--applications", "10000", "--notifications", "100000", "--punches", "60000", "--runs", "3"]),
}


def database_url(server: str, name: str) -> str:
    return f"{server.rstrip('/')}/hrsys_bench_{name}"


def recreate_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                            password=parts.password, dbname="postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def readme_line(output: str) -> str | None:
    lines = [line.removeprefix("README:").strip() for line in output.splitlines() if line.startswith("README:")]
    return lines[-1] if lines else None


def table_rows(readme: str) -> dict[str, str]:
    """script file name -> its row, from the table between the markers."""
    body = readme.split(START, 1)[1].split(END, 1)[0]
    rows = {}
    for line in body.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows[cells[0].strip("`")] = line.strip()
    return rows


def rewrite_table(readme: str, new_rows: dict[str, str]) -> str:
    """The README with ``new_rows`` (script file name -> "what | figures") replacing those scripts' rows."""
    rows = table_rows(readme)
    for script, cells in new_rows.items():
        rows[script] = f"| `{script}` | {cells} |"
    ordered = [rows[b.script] for b in BENCHES.values() if b.script in rows]
    before, rest = readme.split(START, 1)
    after = rest.split(END, 1)[1]
    return before + START + "\n" + "\n".join([*HEADER, *ordered]) + "\n" + END + after


def run(name: str, bench: Bench, *, size: str, server: str, redis_url: str, out_dir: Path) -> tuple[int, str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if bench.database_variable:
        url = database_url(server, name)
        recreate_database(url)
        env[bench.database_variable] = url
    if bench.redis:
        env["REDIS_URL"] = redis_url
    args = bench.small if size == "small" else bench.full
    command = [sys.executable, str(ROOT / "benchmarks" / bench.script), *args]
    print(f"== {name}: {' '.join(command[1:])}", flush=True)
    started = time.monotonic()
    log = out_dir / f"{name}.txt"
    with log.open("w") as sink:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output = []
        for line in process.stdout:  # shown as it runs: seeding the large ones takes minutes
            sys.stdout.write(f"  {line}")
            sink.write(line)
            output.append(line)
        code = process.wait()
    print(f"== {name}: exit {code} after {time.monotonic() - started:.0f} s (output in {log.relative_to(ROOT)})")
    return code, "".join(output)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES), help="run these benchmarks only")
    parser.add_argument("--size", choices=["full", "small"], default="full",
                        help="full: the sizes the issue names (long); small: a quick pass, its sizes in the table")
    parser.add_argument("--no-readme", action="store_true", help="print the rows, leave README.md alone")
    args = parser.parse_args()
    server = os.environ.get("BENCH_POSTGRES_URL", "postgres://root@127.0.0.1:5432")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    out_dir = ROOT / "artifacts" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)

    new_rows, broken, missed = {}, [], []
    for name in args.only or list(BENCHES):
        bench = BENCHES[name]
        code, output = run(name, bench, size=args.size, server=server, redis_url=redis_url, out_dir=out_dir)
        row = readme_line(output)
        if row is None:
            broken.append(f"{name} (exit {code}, no README: line)")
            continue
        new_rows[bench.script] = row
        if code != 0:
            missed.append(name)
    for script, row in new_rows.items():
        print(f"| `{script}` | {row} |")
    if broken:
        print("broken: " + ", ".join(broken) + "; README.md left unchanged", file=sys.stderr)
        return 1
    if not args.no_readme:
        README.write_text(rewrite_table(README.read_text(encoding="utf-8"), new_rows), encoding="utf-8")
        print(f"README.md: {len(new_rows)} row(s) of the benchmark table rewritten from this run")
    if missed:
        print("goal missed (figures in their rows): " + ", ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
