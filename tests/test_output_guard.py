"""Write failures and the output guard (issue 18, class 5): one line, exit 2, nothing partial.

A full disk and a read-only file system are simulated by making the file operations fail, since
permission bits prove nothing when the tests run as root (root ignores them).
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pmrules.cli import cli
from pmrules.io.atomic import write_atomic_many
from pmrules.safetext import excerpt, printable

BASE = Path(__file__).parent / "bad_inputs" / "_base"


@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PMRULES_LOAD_PLUGINS", "")
    target = tmp_path / "ws"
    shutil.copytree(BASE, target)
    return target


def _fail_with(code: int) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, os.strerror(code))
    return fail


def _one_error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [
    ["payout", "--format", "csv"], ["payout", "--format", "json"], ["audit"], ["kpis"],
    ["whatif"], ["sensitivity", "--employee", "E2"], ["suggest", "--owner", "ops"], ["report"],
])
def test_full_disk_is_one_line_exit_2_and_leaves_the_old_file(command: list[str], ws: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / ("old.html" if command[0] == "report" else "old.out")
    target.write_text("previous\n")
    monkeypatch.setattr(os, "fsync", _fail_with(errno.ENOSPC))
    result = CliRunner().invoke(cli, [command[0], str(ws), *command[1:], "--output", str(target)])
    line = _one_error_line(result)
    assert f"{target}: cannot write {target}: No space left on device (free some disk space" in line
    assert sorted(p.name for p in out_dir.iterdir()) == [target.name], "a temp file or a manifest was left"
    assert target.read_text() == "previous\n"


def test_read_only_file_system(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "mkstemp", _fail_with(errno.EROFS))
    result = CliRunner().invoke(cli, ["payout", str(ws), "--format", "csv", "--output", str(tmp_path / "x.csv")])
    assert "Read-only file system (the file system is read-only" in _one_error_line(result)
    assert not (tmp_path / "x.csv").exists()


def test_rename_failure_removes_the_temp_files(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "replace", _fail_with(errno.EACCES))
    result = CliRunner().invoke(cli, ["payout", str(ws), "--format", "csv", "--output", str(tmp_path / "x.csv")])
    assert "Permission denied (no permission to write there" in _one_error_line(result)
    assert [p.name for p in tmp_path.iterdir()] == ["ws"]


def test_manifest_failure_writes_neither_file(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The output and its manifest are both written to temp files before either is renamed."""
    real = tempfile.mkstemp
    calls: list[str] = []

    def second_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs.get("prefix", ""))
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    target = tmp_path / "out" / "bonuses.csv"
    target.parent.mkdir()
    target.write_text("previous\n")
    monkeypatch.setattr(tempfile, "mkstemp", second_fails)
    result = CliRunner().invoke(cli, ["payout", str(ws), "--format", "csv", "--output", str(target)])
    assert "bonuses.csv.manifest.json: cannot write" in _one_error_line(result)
    assert sorted(p.name for p in target.parent.iterdir()) == ["bonuses.csv"]
    assert target.read_text() == "previous\n"


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permission bits; the monkeypatched tests cover it")
def test_read_only_folder_for_real(ws: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = CliRunner().invoke(cli, ["kpis", str(ws), "--output", str(folder / "k.txt")])
        assert "Permission denied" in _one_error_line(result)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_write_atomic_many_replaces_nothing_when_a_temp_fails(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from pmrules.errors import OutputError

    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("old a")
    monkeypatch.setattr(os, "fsync", _fail_with(errno.EDQUOT))
    with pytest.raises(OutputError):
        write_atomic_many([(a, b"new a"), (b, b"new b")])
    assert a.read_text() == "old a" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_stdout_on_a_full_disk_is_one_line_exit_2(ws: Path) -> None:
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-c", "from pmrules.cli import cli; cli()", "kpis", str(ws)],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
                                env={**os.environ, "PMRULES_LOAD_PLUGINS": ""})
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: cannot write to stdout: No space left on device"), result.stderr
    assert "Traceback" not in result.stderr


def test_xlsx_to_stdout_is_a_usage_error(ws: Path) -> None:
    result = CliRunner().invoke(cli, ["payout", str(ws), "--format", "xlsx", "--output", "-"])
    assert result.exit_code == 2 and "--format xlsx needs --output FILE.xlsx" in result.output


def test_dash_output_writes_no_manifest(ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["payout", str(ws), "--format", "json", "-o", "-"])
    assert result.exit_code == 0 and result.stdout.startswith("{")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


# -- the text helpers (issue 18, classes 2 and 4) --------------------------------------------------
def test_printable_escapes_controls_and_bidi_only() -> None:
    assert printable("a\x1b[2Jb\x07\nc\x9b\u202ed") == "a\\x1b[2Jb\\x07\\x0ac\\x9b\\u202ed"
    assert printable("Priya Natarajan — Zoë 山田 [b]") == "Priya Natarajan — Zoë 山田 [b]"


def test_excerpt_is_short_quoted_and_escaped() -> None:
    assert excerpt("10%") == "'10%'"
    assert excerpt("it's\x1b") == "'it\\'s\\x1b'"
    long = excerpt("s" * 1000)
    assert long == "'" + "s" * 60 + "'... (1,000 characters)"
    assert excerpt(5) == "5"
