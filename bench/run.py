"""The benchmark: pmrules against a hand-written reference script and a floor script, at several sizes.

    .venv/bin/python bench/run.py                 # 10k, 100k, 1M employees + the audit sizes (minutes)
    .venv/bin/python bench/run.py --quick         # 10k and 100k only
    .venv/bin/python bench/run.py --sizes 100000 --repeat 5
    .venv/bin/python bench/run.py --plan-year 100000   # only the plan-year case

For each size it generates a seeded workspace (bench/generate.py, cached under bench/.data/), runs
`pmrules payout WS --format csv --output F` (read CSV, audit, compute, write CSV), the reference
script (csv module + exact multipliers + Decimal) and the floor script (pyarrow + NumPy: the least
work that gives the same numbers), each `--repeat` times, and prints medians of wall time and peak
RSS, the two ratios, and whether every bonus agrees. Runs are interleaved (pmrules, reference, floor,
pmrules, ...) and each is timed by GNU time, so CPU seconds (user + system) stand beside wall
seconds: on a loaded machine CPU is the steadier number, and the load average is printed. It then
times `pmrules audit` on 10,000 centres with 60,000 scorecard lines and on the 1M workspace, and
`pmrules --version` / `--help`, runs the plan year (four quarters committed to a ledger) at the largest
size against the single-period run, and prints one run's phases (CPU and peak RSS of reading, auditing,
paying, writing). Output is Markdown tables (paste them into README.md).
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
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
PMRULES = str(Path(PYTHON).with_name("pmrules"))
CENTERS = {10_000: 500, 100_000: 2_000, 1_000_000: 5_000}


@dataclass
class Run:
    """One child process: wall seconds, CPU seconds (user + system) and peak RSS in MB."""

    wall: float
    cpu: float
    rss: float


def timed(command: list[str]) -> Run:
    """Run one child under GNU time (per-process CPU and peak RSS); without it, getrusage deltas."""
    env = {**os.environ, "PMRULES_LOAD_PLUGINS": ""}
    gnu_time = Path("/usr/bin/time").exists()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    prefix = ["/usr/bin/time", "-f", "@@ %U %S %M"] if gnu_time else []
    result = subprocess.run([*prefix, *command], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{command[:3]} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    if gnu_time:
        user, system, rss = result.stderr.strip().splitlines()[-1].split()[1:]
        return Run(wall, float(user) + float(system), int(rss) / 1024)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return Run(wall, cpu, float("nan"))  # ru_maxrss of children is a max over all of them: not per run


def median(runs: list[Run]) -> Run:
    return Run(*(statistics.median(getattr(r, f) for r in runs) for f in ("wall", "cpu", "rss")))


def bonuses(path: Path) -> dict[str, str]:
    with open(path, newline="") as handle:
        return {row["employee_id"]: row["bonus"] for row in csv.DictReader(handle)}


def workspace(employees: int, centers: int, lines: tuple[int, int] = (4, 6)) -> Path:
    target = HERE / ".data" / f"ws-{employees}-{centers}-{lines[0]}-{lines[1]}"
    if not (target / "employees.csv").is_file():
        subprocess.run([PYTHON, str(HERE / "generate.py"), str(target), "--employees", str(employees),
                        "--centers", str(centers), "--lines", str(lines[0]), str(lines[1])], check=True)
    return target


def interleaved(commands: dict[str, list[str]], repeat: int) -> dict[str, Run]:
    """Median of `repeat` runs of each command, taken in turn (A B C A B C ...) so load drifts evenly."""
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            runs[name].append(timed(command))
    return {name: median(r) for name, r in runs.items()}


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


def floor_parser() -> str:
    try:
        import ryml  # noqa: F401
    except ImportError:
        return "PyYAML CSafeLoader (libyaml); `pip install .[bench]` for rapidyaml"
    return "rapidyaml"


def payout_case(size: int, repeat: int) -> dict[str, object]:
    """pmrules, the reference and the floor on one workspace size, and whether every bonus agrees."""
    ws = workspace(size, CENTERS.get(size, max(100, size // 200)))
    out = HERE / ".data" / "out"
    out.mkdir(parents=True, exist_ok=True)
    files = {name: out / f"{name}-{size}.csv" for name in ("pmrules", "reference", "floor")}
    medians = interleaved({
        "pmrules": [PMRULES, "payout", str(ws), "--format", "csv", "--output", str(files["pmrules"])],
        "reference": [PYTHON, str(HERE / "reference.py"), str(ws), str(files["reference"])],
        "floor": [PYTHON, str(HERE / "floor.py"), str(ws), str(files["floor"])],
    }, repeat)
    mine, ref, floor = (bonuses(files[name]) for name in ("pmrules", "reference", "floor"))
    agree = len(mine) == len(ref) == len(floor) and all(mine[k] == ref[k] == floor[k] for k in ref)
    return {"size": size, "agree": agree, **medians}


def print_payout_table(rows: list[dict]) -> None:
    print("| employees | pmrules s (CPU s) | peak RSS MB | reference s (CPU s) | peak RSS MB | floor s (CPU s) | "
          "peak RSS MB | pmrules / floor (CPU) | pmrules / reference (CPU) | µs CPU per employee | every bonus agrees |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        pm, ref, fl = row["pmrules"], row["reference"], row["floor"]
        print(f"| {row['size']:,} | {pm.wall:.2f} ({pm.cpu:.2f}) | {pm.rss:.0f} | {ref.wall:.2f} ({ref.cpu:.2f}) | "
              f"{ref.rss:.0f} | {fl.wall:.2f} ({fl.cpu:.2f}) | {fl.rss:.0f} | {pm.wall / fl.wall:.2f} "
              f"({pm.cpu / fl.cpu:.2f}) | {pm.wall / ref.wall:.2f} ({pm.cpu / ref.cpu:.2f}) | "
              f"{pm.cpu / row['size'] * 1e6:.2f} | {'yes' if row['agree'] else 'NO'} |")


def audit_case(repeat: int) -> None:
    """`pmrules audit` on 10,000 centres with 60,000 scorecard lines, and on the 1M workspace."""
    out = HERE / ".data" / "out"
    print("\n| audit | centres | scorecard lines | s (CPU s) | peak RSS MB |\n|---|---|---|---|---|")
    for label, ws, centres, lines in (("10,000 centres", workspace(20_000, 10_000, (6, 6)), "10,000", "60,000"),
                                      ("1M employees", workspace(1_000_000, 5_000), "5,000", "~25,000")):
        run = interleaved({"audit": [PMRULES, "audit", str(ws), "--format", "json", "--output",
                                     str(out / "audit.json")]}, repeat)["audit"]
        print(f"| pmrules audit ({label}) | {centres} | {lines} | {run.wall:.2f} ({run.cpu:.2f}) | {run.rss:.0f} |")


def cli_case(repeat: int) -> None:
    """`pmrules --version` and `pmrules --help`: what every command pays before it starts."""
    print("\n| command | s (CPU s) |\n|---|---|")
    for args in (["--version"], ["--help"]):
        run = interleaved({"cli": [PMRULES, *args]}, max(repeat, 5))["cli"]
        print(f"| pmrules {' '.join(args)} | {run.wall:.2f} ({run.cpu:.2f}) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="10k and 100k only, 3 repeats")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-audit", action="store_true", help="skip the audit-size benchmark")
    parser.add_argument("--no-plan-year", action="store_true", help="skip the plan-year case")
    parser.add_argument("--plan-year", type=int, nargs="*", default=None, metavar="SIZE",
                        help="only the plan-year case: Q1-Q3 committed to a SQLite ledger, then Q4 with --commit, "
                             "against the single-period run of the same employees")
    args = parser.parse_args()
    if args.plan_year is not None:
        plan_year_case(args.plan_year or [1_000_000])
        return
    sizes = [10_000, 100_000] if args.quick else args.sizes
    print(f"load average at start: {load()}; floor reads YAML with {floor_parser()}\n")
    rows = []
    for size in sizes:
        rows.append(payout_case(size, args.repeat))
        print(f"done {size}", file=sys.stderr)
    print_payout_table(rows)
    phases_case(max(sizes))
    if not args.no_audit and not args.quick:
        audit_case(args.repeat)
    if not args.no_plan_year:
        plan_year_case([max(sizes)])
    cli_case(args.repeat)
    print(f"\nload average at end: {load()}")


def plan_year_workspace(employees: int) -> Path:
    """The synthetic workspace as a plan year of four quarters, each with its own actuals (same employees)."""
    centers = CENTERS.get(employees, max(100, employees // 200))
    target = HERE / ".data" / f"plan-year-{employees}-{centers}"
    if not (target / "employees.csv").is_file():
        subprocess.run([PYTHON, str(HERE / "generate.py"), str(target), "--employees", str(employees),
                        "--centers", str(centers), "--periods", "4"], check=True)
    return target


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
            run = timed([PMRULES, "payout", str(ws), "--period", f"Q{q}", "--commit", "--format", "csv",
                         "--output", str(out / f"plan-year-{size}-Q{q}.csv"), "--ledger", f"sqlite:///{ledger}"])
            mb = ledger.stat().st_size / 1e6
            rows.append((size, f"Q{q}", run, mb, run.cpu / single.cpu, run.rss / single.rss))
            print(f"done {size} Q{q}", file=sys.stderr, flush=True)
        rows.append((size, "single period", single, 0.0, 1.0, 1.0))
        kb = ledger.stat().st_size / 1e3 / (4 * size)
        print(f"ledger: {kb:.2f} KB per employee and run", file=sys.stderr)
    print("\n| employees | run | pmrules s (CPU s) | peak RSS MB | ledger MB | CPU / single period | RSS / single period |\n"
          "|---|---|---|---|---|---|---|")
    for size, name, run, mb, ratio_t, ratio_m in rows:
        print(f"| {size:,} | {name} | {run.wall:.2f} ({run.cpu:.2f}) | {run.rss:.0f} | {mb:.0f} | {ratio_t:.2f} | "
              f"{ratio_m:.2f} |")


def phases_case(size: int) -> None:
    """One more pmrules run at `size` with PMRULES_PHASES=1: where its CPU and its peak memory go."""
    ws = workspace(size, CENTERS.get(size, max(100, size // 200)))
    out = HERE / ".data" / "out" / f"phases-{size}.csv"
    result = subprocess.run([PMRULES, "payout", str(ws), "--format", "csv", "--output", str(out)], capture_output=True,
                            text=True, env={**os.environ, "PMRULES_LOAD_PLUGINS": "", "PMRULES_PHASES": "1"})
    lines = result.stderr.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("phase")), None)
    if start is None:
        raise SystemExit(f"no phase report from pmrules:\n{result.stderr[-2000:]}")
    print(f"\nPhases of one `pmrules payout` at {size:,} employees (PMRULES_PHASES=1):\n")
    print("| phase | wall s | CPU s | RSS MB at end | peak RSS MB so far |\n|---|---|---|---|---|")
    for line in lines[start + 1:]:
        if line.startswith("total"):
            break
        label, wall, cpu, rss, peak = line.rsplit(None, 4)
        print(f"| {label.strip()} | {wall} | {cpu} | {rss} | {peak} |")


if __name__ == "__main__":
    main()
