"""The benchmark: pmrules against a hand-written reference script and a floor script, at several sizes.

    .venv/bin/python bench/run.py                 # 10k, 100k, 1M employees + the audit sizes (minutes)
    .venv/bin/python bench/run.py --quick         # 10k and 100k only
    .venv/bin/python bench/run.py --sizes 100000 --repeat 5

For each size it generates a seeded workspace (bench/generate.py, cached under bench/.data/), runs
`pmrules payout WS --format csv --output F` (read CSV, audit, compute, write CSV), the reference
script (csv module + exact multipliers + Decimal) and the floor script (pyarrow + NumPy: the least
work that gives the same numbers), each `--repeat` times, and prints medians of wall time and peak
RSS, the two ratios, and whether every bonus agrees. It then times `pmrules audit` on 10,000 centres
with 60,000 scorecard lines. Output is a Markdown table (paste it into README.md).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
PMRULES = str(Path(PYTHON).with_name("pmrules"))
CENTERS = {10_000: 500, 100_000: 2_000, 1_000_000: 5_000}


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PMRULES_LOAD_PLUGINS": ""})
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the max over all children so far: run the biggest last, or use /usr/bin/time
    return seconds, max(peak, before) / 1024


def rss_of(command: list[str]) -> float:
    """Peak RSS in MB via GNU time, which reports per process."""
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], capture_output=True, text=True,
                            env={**os.environ, "PMRULES_LOAD_PLUGINS": ""})
    return int(result.stderr.strip().splitlines()[-1]) / 1024


def bonuses(path: Path) -> dict[str, str]:
    with open(path, newline="") as handle:
        return {row["employee_id"]: row["bonus"] for row in csv.DictReader(handle)}


def workspace(employees: int, centers: int, lines: tuple[int, int] = (4, 6)) -> Path:
    target = HERE / ".data" / f"ws-{employees}-{centers}-{lines[0]}-{lines[1]}"
    if not (target / "employees.csv").is_file():
        subprocess.run([PYTHON, str(HERE / "generate.py"), str(target), "--employees", str(employees),
                        "--centers", str(centers), "--lines", str(lines[0]), str(lines[1])], check=True)
    return target


def median_run(command: list[str], repeat: int) -> tuple[float, float]:
    times = [measure(command)[0] for _ in range(repeat)]
    has_time = Path("/usr/bin/time").exists()
    return statistics.median(times), rss_of(command) if has_time else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="10k and 100k only, 3 repeats")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-audit", action="store_true", help="skip the audit-size benchmark")
    parser.add_argument("--plan-year", type=int, nargs="*", default=None, metavar="SIZE",
                        help="only the plan-year case: Q1-Q3 committed to a SQLite ledger, then Q4 with --commit, "
                             "against the single-period run of the same employees")
    args = parser.parse_args()
    if args.plan_year is not None:
        plan_year_case(args.plan_year or [1_000_000])
        return
    sizes = [10_000, 100_000] if args.quick else args.sizes
    out = HERE / ".data" / "out"
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in sizes:
        ws = workspace(size, CENTERS.get(size, max(100, size // 200)))
        pm_out, ref_out, floor_out = out / f"pmrules-{size}.csv", out / f"ref-{size}.csv", out / f"floor-{size}.csv"
        pm_t, pm_rss = median_run([PMRULES, "payout", str(ws), "--format", "csv", "--output", str(pm_out)],
                                  args.repeat)
        ref_t, ref_rss = median_run([PYTHON, str(HERE / "reference.py"), str(ws), str(ref_out)], args.repeat)
        fl_t, fl_rss = median_run([PYTHON, str(HERE / "floor.py"), str(ws), str(floor_out)], args.repeat)
        mine, ref, floor = bonuses(pm_out), bonuses(ref_out), bonuses(floor_out)
        agree = len(mine) == len(ref) == len(floor) and all(mine[k] == ref[k] == floor[k] for k in ref)
        rows.append((size, pm_t, pm_rss, ref_t, fl_t, pm_t / ref_t, pm_t / fl_t, pm_t / size * 1e6, agree))
        print(f"done {size}", file=sys.stderr)
    print("| employees | pmrules s | pmrules peak RSS MB | reference s | floor s | pmrules / reference | "
          "pmrules / floor | µs per employee | every bonus agrees |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size, pm_t, pm_rss, ref_t, fl_t, r1, r2, per, agree in rows:
        print(f"| {size:,} | {pm_t:.2f} | {pm_rss:.0f} | {ref_t:.2f} | {fl_t:.2f} | {r1:.2f} | {r2:.2f} | "
              f"{per:.2f} | {'yes' if agree else 'NO'} |")
    if not args.no_audit and not args.quick:
        ws = workspace(20_000, 10_000, (6, 6))
        audit_t, audit_rss = median_run([PMRULES, "audit", str(ws), "--format", "json", "--output",
                                         str(out / "audit.json")], args.repeat)
        print(f"\n| audit | centres | scorecard lines | s | peak RSS MB |\n|---|---|---|---|---|\n"
              f"| pmrules audit | 10,000 | 60,000 | {audit_t:.2f} | {audit_rss:.0f} |")


def plan_year_workspace(employees: int) -> Path:
    """The synthetic workspace as a plan year of four quarters, each with its own actuals (same employees)."""
    centers = CENTERS.get(employees, max(100, employees // 200))
    target = HERE / ".data" / f"plan-year-{employees}-{centers}"
    if not (target / "employees.csv").is_file():
        subprocess.run([PYTHON, str(HERE / "generate.py"), str(target), "--employees", str(employees),
                        "--centers", str(centers), "--periods", "4"], check=True)
    return target


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one run, both measured on that run (GNU time, else RUSAGE_CHILDREN)."""
    if not Path("/usr/bin/time").exists():
        return measure(command)
    result = subprocess.run(["/usr/bin/time", "-f", "%e %M", *command], capture_output=True, text=True,
                            env={**os.environ, "PMRULES_LOAD_PLUGINS": ""})
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    seconds, kilobytes = result.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kilobytes) / 1024


def plan_year_case(sizes: list[int]) -> None:
    """The plan year against the single-period run: Q1-Q3 paid and committed to a fresh SQLite ledger, then Q4
    (year end) with --commit, each with the audit, as `payout WS --format csv` of the same employees."""
    out = HERE / ".data" / "out"
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in sizes:
        single_ws = workspace(size, CENTERS.get(size, max(100, size // 200)))
        single = timed([PMRULES, "payout", str(single_ws), "--format", "csv", "--output", str(out / f"single-{size}.csv")])
        ws = plan_year_workspace(size)
        ledger = HERE / ".data" / f"plan-year-{size}.db"
        ledger.unlink(missing_ok=True)
        for q in range(1, 5):
            seconds, rss = timed([PMRULES, "payout", str(ws), "--period", f"Q{q}", "--commit", "--format", "csv",
                                  "--output", str(out / f"plan-year-{size}-Q{q}.csv"), "--ledger", f"sqlite:///{ledger}"])
            mb = ledger.stat().st_size / 1e6
            rows.append((size, f"Q{q}", seconds, rss, mb, seconds / single[0], rss / single[1]))
            print(f"done {size} Q{q}", file=sys.stderr, flush=True)
        rows.append((size, "single period", single[0], single[1], 0.0, 1.0, 1.0))
        kb = ledger.stat().st_size / 1e3 / (4 * size)
        print(f"ledger: {kb:.2f} KB per employee and run", file=sys.stderr)
    print("| employees | run | pmrules s | peak RSS MB | ledger MB | s / single period | RSS / single period |\n"
          "|---|---|---|---|---|---|---|")
    for size, run, seconds, rss, mb, ratio_t, ratio_m in rows:
        print(f"| {size:,} | {run} | {seconds:.2f} | {rss:.0f} | {mb:.0f} | {ratio_t:.2f} | {ratio_m:.2f} |")


if __name__ == "__main__":
    main()
