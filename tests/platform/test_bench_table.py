"""`make bench` rewrites the README's figures table from the run (issue 17 item 8): each script's last ``README:``
line becomes its row, rows of scripts not run stay, and the README's table is the one the markers enclose."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("run_all", ROOT / "benchmarks" / "run_all.py")
run_all = sys.modules["run_all"] = importlib.util.module_from_spec(spec)  # a script, not a package module
spec.loader.exec_module(run_all)

README = """intro
<!-- bench-table:start -->
| script | what | figures |
|---|---|---|
| `pipeline.py` | old what | old figures |
| `scheduling.py` | old | 89 % |
<!-- bench-table:end -->
after
"""


def test_the_last_readme_line_of_a_run_is_its_row():
    output = "seeding...\nREADME: draft | 1\nmore\nREADME: 100 candidates | 716 of 716 (100.0 %)\ndone\n"
    assert run_all.readme_line(output) == "100 candidates | 716 of 716 (100.0 %)"
    assert run_all.readme_line("no figures here\n") is None


def test_rows_of_the_run_replace_theirs_and_the_others_stay():
    new = run_all.rewrite_table(README, {"scheduling.py": "100 candidates | 100 %", "ingest.py": "1,000 | p95 20 ms"})
    body = new.split(run_all.START)[1].split(run_all.END)[0].strip().splitlines()
    assert body[:2] == run_all.HEADER
    assert body[2:] == ["| `pipeline.py` | old what | old figures |", "| `scheduling.py` | 100 candidates | 100 % |",
                        "| `ingest.py` | 1,000 | p95 20 ms |"]  # in the order of run_all.BENCHES
    assert new.startswith("intro\n") and new.endswith("\nafter\n")


def test_every_benchmark_script_is_run_and_prints_its_row():
    """A script in benchmarks/ that make bench does not run, or that prints no README: line, would leave a
    figure in the README that no run produced."""
    scripts = {p.name for p in (ROOT / "benchmarks").glob("*.py")} - {"run_all.py", "bench_db.py", "bench_wsgi.py",
                                                                        "wrk_client.py"}
    assert scripts == {b.script for b in run_all.BENCHES.values()}
    for name in scripts:
        assert 'print(f"README: ' in (ROOT / "benchmarks" / name).read_text(encoding="utf-8"), name


def test_the_readme_table_is_between_the_markers():
    rows = run_all.table_rows((ROOT / "README.md").read_text(encoding="utf-8"))
    assert set(rows) == {b.script for b in run_all.BENCHES.values()}
