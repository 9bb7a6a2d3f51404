"""The built-in rule sets ship inside the wheel and are found there, not in the source checkout."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RULESETS = sorted(p.name for p in (REPO / "rulesets").glob("*.yaml"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # build isolation fetches hatchling (pyproject's build-system) unless this environment has it
    isolation = [] if importlib.util.find_spec("hatchling") is None else ["--no-build-isolation"]
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q",
                           "-w", str(out), str(REPO)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("pmrules-*.whl")
    return built


def test_wheel_contains_the_built_in_rule_sets(wheel: Path) -> None:
    assert RULESETS == ["alignment.yaml", "compensation.yaml", "controllability.yaml", "discretion.yaml",
                        "integrity.yaml", "manual-changes.yaml",
                        "reconciliation.yaml"]
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        for name in RULESETS:
            member = f"pmrules/_rulesets/{name}"
            assert member in names, sorted(names)
            assert archive.read(member) == (REPO / "rulesets" / name).read_bytes()
    assert "pmrules/defaults/rulesets.py" in names


def test_installed_wheel_finds_its_own_rule_sets(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "-q", "--target",
                           str(site), str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    probe = textwrap.dedent("""\
        import json, pmrules, pmrules.defaults.rulesets as r
        d = r.rulesets_dir()
        print(json.dumps({"module": pmrules.__file__, "dir": str(d),
                          "files": sorted(p.name for p in d.glob("*.yaml")),
                          "registered": [p.name for p in r.register_rulesets()]}))
        """)
    done = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True,
                          env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    found = json.loads(done.stdout)
    assert Path(found["module"]).is_relative_to(site), found  # the installed copy, not the editable one
    assert Path(found["dir"]) == site / "pmrules" / "_rulesets"
    assert found["files"] == RULESETS
    assert found["registered"] == RULESETS


def test_the_lock_files_were_made_from_the_current_pyproject() -> None:
    """bin/lock records the sha256 of its inputs in both locks: a pyproject.toml (or requirements-build.in)
    changed without `./bin/lock` in the same commit fails here, before an install resolves something else."""
    import hashlib

    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256((root / "pyproject.toml").read_bytes() + (root / "requirements-build.in").read_bytes())
    for lock in ("requirements.lock", "requirements-build.lock"):
        header = (root / lock).read_text(encoding="utf-8").splitlines()[:5]
        assert f"#    inputs: sha256 of pyproject.toml + requirements-build.in = {digest.hexdigest()}" in header, (
            f"{lock} is older than pyproject.toml or requirements-build.in: run ./bin/lock and commit both")
