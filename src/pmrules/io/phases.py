"""Time, CPU and memory of each phase of a run (reading, auditing, paying, writing), for PMRULES_PHASES=1.

Peak RSS is the process's high-water mark (VmHWM, else getrusage), so a phase's "peak so far" shows which phase
raised it; "RSS at end" (from /proc where there is one) shows what the phase left behind.
"""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

PHASES_ENV = "PMRULES_PHASES"
_PAGE = resource.getpagesize()


def _rss_mb() -> float | None:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * _PAGE / 2**20
    except (OSError, IndexError, ValueError):
        return None


def _peak_mb() -> float:
    """VmHWM where /proc has it: ru_maxrss survives exec, so a child started by a big parent would report the
    parent's size (MB here are MiB)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _started() -> float:
    """perf_counter's reading when the process started (so start-up includes the imports), else now."""
    try:
        ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return time.perf_counter()
    return time.perf_counter() - max(0.0, uptime - ticks / os.sysconf("SC_CLK_TCK"))


@dataclass
class PhaseTimings:
    """Phases in the order they started; the time before the first one is start-up (imports, options)."""

    rows: list[tuple[str, float, float, float | None, float]] = field(default_factory=list)
    _label: str = "start-up (imports)"
    _wall: float = field(default_factory=_started)
    _cpu: float = 0.0

    def start(self, label: str) -> None:
        self._finish()
        self._label = label

    def _finish(self) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.rows.append((self._label, wall - self._wall, cpu - self._cpu, _rss_mb(), _peak_mb()))
        self._wall, self._cpu = wall, cpu

    def report(self) -> str:
        self._finish()
        lines = [f"{'phase':<60} {'wall s':>8} {'CPU s':>8} {'RSS MB':>8} {'peak MB':>8}"]
        for label, wall, cpu, rss, peak in self.rows:
            shown = "-" if rss is None else f"{rss:.0f}"
            lines.append(f"{label[:60]:<60} {wall:8.2f} {cpu:8.2f} {shown:>8} {peak:8.0f}")
        total_wall = sum(r[1] for r in self.rows)
        lines.append(f"{'total':<60} {total_wall:8.2f} {time.process_time():8.2f}")
        return "\n".join(lines)
