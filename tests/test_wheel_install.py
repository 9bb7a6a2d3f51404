"""pmrules as users get it: sdist -> wheel -> a fresh virtualenv from the lock, run from outside the checkout.

Slow (a new virtualenv, about half a minute with a warm pip cache), and the only test that proves
that everything read at run time (rule sets, the plugin scaffold, the bundled plugins' data) ships
inside the wheels, and that the lock installs the same set every time.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "northwind-bank"


def _run(*argv: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{argv}\n{done.stdout}\n{done.stderr}"
    return done


def _freeze(python: Path, cwd: Path) -> list[str]:
    lines = _run(python, "-m", "pip", "freeze", "--all", "--exclude-editable", cwd=cwd).stdout.splitlines()
    return sorted(line for line in lines if not line.lower().startswith(("pmrules", "#", "-e ")))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the lock, then the pmrules wheel built from its sdist, and the plugin wheels."""
    work = tmp_path_factory.mktemp("wheel-install")
    dist = work / "dist"
    python = Path(sys.executable)
    # The sdist first; the wheel is built from the unpacked sdist, as pip does from PyPI.
    _run(python, "-m", "hatchling", "build", "-t", "sdist", "-d", dist, cwd=REPO)
    (sdist,) = dist.glob("pmrules-*.tar.gz")
    with tarfile.open(sdist) as archive:
        archive.extractall(work / "unpacked", filter="data")
    (source,) = (work / "unpacked").iterdir()
    wheel = [python, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", dist]
    _run(*wheel, source, cwd=work)
    for plugin in sorted((REPO / "plugins").iterdir()):
        _run(*wheel, plugin, cwd=work)

    target = work / "venv"
    venv.create(target, with_pip=True)
    pip = [target / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check", "--require-hashes", "--no-deps"]
    env = dict(os.environ)
    if sys.version_info >= (3, 13):
        env["CPPFLAGS"] = env.get("CPPFLAGS", "") + " -DPyEval_CallObject=PyObject_CallObject"
    _run(*pip, "-r", REPO / "requirements-build.lock", cwd=work, env=env)
    _run(*pip, "--no-build-isolation", "-r", REPO / "requirements.lock", cwd=work, env=env)
    wheels = sorted(dist.glob("*.whl"))
    assert [w.name.split("-")[0] for w in wheels] == ["pmrules", "pmrules_banking", "pmrules_saas"], wheels
    _run(target / "bin" / "python", "-m", "pip", "install", "-q", "--no-deps", *wheels, cwd=work)
    return target


def test_the_lock_installs_the_same_set_as_the_development_environment(installed: Path, tmp_path: Path) -> None:
    assert _freeze(installed / "bin" / "python", tmp_path) == _freeze(Path(sys.executable), tmp_path)


def test_installed_wheel_audits_and_pays_the_example_from_outside_the_checkout(installed: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "northwind-bank"
    shutil.copytree(EXAMPLE, workspace)
    env = {"PATH": f"{installed / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    pmrules = installed / "bin" / "pmrules"

    where = _run(installed / "bin" / "python", "-c", "import pmrules, pmrules_banking; print(pmrules.__file__)",
                 cwd=tmp_path, env=env).stdout.strip()
    assert Path(where).is_relative_to(installed), where  # the wheel's copy, not the checkout

    audit = _run(pmrules, "audit", workspace, "--format", "json", cwd=tmp_path, env=env)
    assert json.loads(audit.stdout)["findings"] == []
    rules = json.loads(_run(pmrules, "rules", workspace, "--format", "json", cwd=tmp_path, env=env).stdout)["rules"]
    locations = {rule["location"].rsplit(":", 1)[0] for rule in rules}
    assert any("/pmrules/_rulesets/" in where for where in locations), locations
    assert not any(where.startswith(str(REPO)) for where in locations), locations

    paid = tmp_path / "bonuses.json"
    _run(pmrules, "payout", workspace, "--format", "json", "--output", paid, cwd=tmp_path, env=env)
    expected = tmp_path / "expected.json"
    _run(Path(sys.executable).parent / "pmrules", "payout", workspace, "--format", "json", "--output", expected, cwd=tmp_path)
    assert json.loads(paid.read_text())["employees"] == json.loads(expected.read_text())["employees"]

    _run(pmrules, "new-plugin", "acme", tmp_path, cwd=tmp_path, env=env)
    assert (tmp_path / "pmrules-acme" / "pyproject.toml").is_file()
