"""Nothing half-written: a payout killed by SIGTERM or Ctrl-C leaves the old output or a whole new one.

A 300,000-employee payout runs in a subprocess with `--output` pointing at a file with known old
bytes; a signal arrives at several moments of the run. Afterwards the target holds the old bytes
or a complete CSV (header + one row per employee), the process says `interrupted` and exits
128 + signal (or 0 if it finished first), and no `.tmp` file is left in the folder.
(SIGKILL cannot be handled: it may leave a `.NAME.XXXX.tmp` beside the target; see SECURITY.md.)
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BASE = Path(__file__).parent / "bad_inputs" / "_base"
EMPLOYEES = 300_000
OLD = b"old,content\nkept,intact\n"


@pytest.fixture(scope="module")
def big_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus base workspace with 300,000 employees (seeded; about 25 MB)."""
    ws = tmp_path_factory.mktemp("interrupt") / "big"
    shutil.copytree(BASE, ws)
    rng = random.Random(7)
    with (ws / "employees.csv").open("w") as handle:
        handle.write("employee_id,name,center,plan,base_salary,target_bonus_pct,start_date,end_date,"
                     "individual_rating\n")
        handle.write("E1,Ada Chief,corp,staff,100000,0.20,,,4\nE2,Bo Ops,ops,staff,80000,0.15,2026-04-01,,3\n")
        for i in range(3, EMPLOYEES + 1):
            handle.write(f"E{i},Employee {i},{'ops' if i % 3 else 'corp'},staff,"
                         f"{rng.randint(3_000_000, 25_000_000) / 100:.2f},0.{rng.randint(5, 25):02d},,,"
                         f"{rng.randint(1, 5)}\n")
    return ws


def _start(ws: Path, target: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PMRULES_LOAD_PLUGINS": ""}
    return subprocess.Popen(
        [sys.executable, "-c", "from pmrules.cli import cli; cli()", "payout", str(ws), "--format", "csv",
         "--output", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)


def _check_target(target: Path) -> str:
    data = target.read_bytes()
    if data == OLD:
        return "old"
    with target.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:2] == ["employee_id", "name"] and rows[0][-2:] == ["bonus", "reason"]
    assert len(rows) == EMPLOYEES + 1, f"a truncated output: {len(rows)} rows"
    assert all(len(row) == len(rows[0]) for row in rows)
    manifest = target.with_name(target.name + ".manifest.json")
    if manifest.exists():  # written after the output; absent if the signal fell between the two
        json.loads(manifest.read_text())
    return "new"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_leaves_old_or_complete_output_and_no_temp_files(big_workspace: Path, tmp_path: Path,
                                                                 signum: int) -> None:
    # How long a whole run takes here, so the signals land before, during and near the end of it.
    calibrate = tmp_path / "calibrate.csv"
    started = time.monotonic()
    proc = _start(big_workspace, calibrate)
    proc.communicate(timeout=300)
    duration = time.monotonic() - started
    assert proc.returncode == 0 and _check_target(calibrate) == "new"

    outcomes = []
    for fraction in (0.15, 0.4, 0.6, 0.8, 0.9, 0.97):
        out_dir = tmp_path / f"run-{fraction}"
        out_dir.mkdir()
        target = out_dir / "bonuses.csv"
        target.write_bytes(OLD)
        proc = _start(big_workspace, target)
        time.sleep(duration * fraction)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=300)
        outcome = _check_target(target)
        outcomes.append((fraction, proc.returncode, outcome))
        leftovers = [p.name for p in out_dir.iterdir() if p.name not in ("bonuses.csv", "bonuses.csv.manifest.json")]
        assert leftovers == [], f"temp files left after {signum!r} at {fraction}: {leftovers}"
        assert b"Traceback" not in stderr, stderr.decode()
        if proc.returncode == 0:
            assert outcome == "new"
        else:
            assert proc.returncode in (128 + signum, -signum), (proc.returncode, stderr.decode())
            if proc.returncode == 128 + signum:
                assert stderr.decode().rstrip().endswith("interrupted"), stderr.decode()
    assert any(code != 0 for _, code, _ in outcomes), f"no run was interrupted: {outcomes}"
