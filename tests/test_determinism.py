"""Same workspace, same bytes: outputs do not depend on hash seed, time zone or locale.

`pmrules payout examples/northwind-bank` (csv and json, with their manifests) and `pmrules audit
--format json` run in subprocesses under each environment below; every output must be
byte-identical to the first run's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "northwind-bank"


def _locales() -> list[str]:
    try:
        listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError):
        listed = []
    wanted = ["C.UTF-8", "C"]
    for other in ("de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "tr_TR.UTF-8", "tr_TR.utf8",
                  "en_US.UTF-8", "en_US.utf8"):
        if other in listed:
            wanted.append(other)
            break
    return wanted


ENVIRONMENTS = [
    {"PYTHONHASHSEED": seed, "TZ": tz, "LC_ALL": loc, "LANG": loc}
    for seed, tz, loc in [
        ("0", "UTC", "C.UTF-8"),
        ("1", "Asia/Kolkata", _locales()[-1]),
        ("12345", "America/Los_Angeles", "C.UTF-8"),
        ("random", "Pacific/Chatham", _locales()[1]),
    ]
]
COMMANDS = {
    "payout.csv": ["payout", "--format", "csv", "--output"],
    "payout.json": ["payout", "--format", "json", "--output"],
    "audit.json": ["audit", "--format", "json", "--output"],
}


def _run(workspace: Path, out_dir: Path, env_overrides: dict[str, str]) -> dict[str, bytes]:
    out_dir.mkdir()
    env = {**os.environ, **env_overrides}
    env.pop("PMRULES_LOAD_PLUGINS", None)
    produced: dict[str, bytes] = {}
    for name, command in COMMANDS.items():
        target = out_dir / name
        result = subprocess.run([sys.executable, "-c", "from pmrules.cli import cli; cli()", command[0],
                                 str(workspace), *command[1:], str(target)],
                                capture_output=True, env=env, timeout=300, cwd=out_dir)
        assert result.returncode in (0, 1), result.stderr.decode()
        assert b"Traceback" not in result.stderr
    for path in sorted(out_dir.iterdir()):
        produced[path.name] = path.read_bytes()
    return produced


def test_outputs_are_byte_identical_across_hash_seeds_time_zones_and_locales(tmp_path: Path) -> None:
    workspace = tmp_path / "northwind-bank"
    shutil.copytree(EXAMPLE, workspace)
    runs = [(env, _run(workspace, tmp_path / f"run{i}", env)) for i, env in enumerate(ENVIRONMENTS)]
    first_env, first = runs[0]
    assert {"payout.csv", "payout.csv.manifest.json", "payout.json", "payout.json.manifest.json",
            "audit.json"} <= set(first)
    for env, outputs in runs[1:]:
        assert sorted(outputs) == sorted(first)
        for name in first:
            assert outputs[name] == first[name], f"{name} differs between {first_env} and {env}"


@pytest.mark.parametrize("seed", ["0", "7"])
def test_rules_listing_is_stable(seed: str, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("PMRULES_LOAD_PLUGINS", None)
    outputs = [subprocess.run([sys.executable, "-c", "from pmrules.cli import cli; cli()", "rules", str(EXAMPLE),
                               "--format", "json"], capture_output=True, env={**env, "PYTHONHASHSEED": s},
                              timeout=300).stdout for s in (seed, "99")]
    assert outputs[0] and outputs[0] == outputs[1]
