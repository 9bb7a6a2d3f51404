"""PMRULES_PHASES=1: each phase's time, CPU and memory on stderr, the output itself unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from pmrules.cli import cli
from pmrules.io.phases import PhaseTimings

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "northwind-bank"


def _payout(**env: str) -> tuple[str, str]:
    result = CliRunner().invoke(cli, ["payout", str(EXAMPLE), "--format", "csv"], env=env)
    assert result.exit_code in (0, 1), result.output
    return result.stdout, result.stderr


def test_phases_are_reported_on_stderr_and_the_output_is_the_same() -> None:
    plain_out, plain_err = _payout()
    out, err = _payout(PMRULES_PHASES="1")
    assert out == plain_out and "peak MB" not in plain_err
    lines = err.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("phase"))
    assert lines[header].split()[1:] == ["wall", "s", "CPU", "s", "RSS", "MB", "peak", "MB"]
    phases = [line.rsplit(None, 4)[0].strip() for line in lines[header + 1:] if line[:1] and not line.startswith("total")]
    assert phases[0] == "start-up (imports)"
    assert [p.split()[0] for p in phases[1:5]] == ["reading", "auditing", "paying", "writing"]
    assert any(line.startswith("total") for line in lines)


def test_peak_memory_never_falls_from_one_phase_to_the_next() -> None:
    timings = PhaseTimings()
    timings.start("one")
    kept = bytearray(20 * 2**20)  # 20 MiB held across the next phase
    timings.start("two")
    report = timings.report().splitlines()
    peaks = [float(line.split()[-1]) for line in report[1:-1]]
    assert peaks == sorted(peaks) and len(peaks) == 3 and len(kept) == 20 * 2**20


def test_a_child_of_a_big_process_reports_its_own_peak() -> None:
    """ru_maxrss survives exec: a run started by a 400 MB parent must not report the parent's size."""
    held = bytearray(400 * 2**20)
    pmrules = Path(sys.executable).with_name("pmrules")
    result = subprocess.run([str(pmrules), "payout", str(EXAMPLE), "--format", "csv"], capture_output=True, text=True,
                            env={**os.environ, "PMRULES_PHASES": "1"})
    startup = next(line for line in result.stderr.splitlines() if line.startswith("start-up"))
    assert float(startup.split()[-1]) < 350 and len(held) == 400 * 2**20, startup
