"""The run ledger's guarantees, on SQLite and PostgreSQL: migrations from an empty database, concurrent
commits that never corrupt it, and a kill during a commit that leaves the previous state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from pmrules.errors import LedgerError
from pmrules.ledger import open_ledger
from pmrules.ledger.schema import SCHEMA_VERSION, ledger_meta, payments, runs
from pmrules.ledger.store import PAUSE_ENV
from tests.ledger_support import copy_plan_year, ledger_url

KINDS = ["sqlite", "postgresql"]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return copy_plan_year(tmp_path)


def commit_process(ws: Path, url: str, period: str = "Q1", **env: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(Path(sys.executable).parent / "pmrules"), "payout", str(ws), "--period", period, "--commit",
                             "--ledger", url, "--format", "json"],
                            env={**os.environ, "PMRULES_LOAD_PLUGINS": "", **env},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def counts(url: str) -> tuple[int, int, list[str]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            run_count = connection.execute(select(func.count()).select_from(runs)).scalar_one()
            payment_count = connection.execute(select(func.count()).select_from(payments)).scalar_one()
            statuses = [s for (s,) in connection.execute(select(runs.c.status).order_by(runs.c.id))]
    finally:
        engine.dispose()
    return int(run_count), int(payment_count), statuses


@pytest.mark.parametrize("kind", KINDS)
def test_migration_from_an_empty_database(kind: str, tmp_path: Path) -> None:
    url = ledger_url(kind, tmp_path)
    ledger = open_ledger(tmp_path, url)
    with ledger.engine.connect() as connection:
        assert connection.execute(select(ledger_meta.c.schema_version)).scalar_one() == SCHEMA_VERSION
    ledger.close()
    open_ledger(tmp_path, url).close()  # opening again migrates nothing
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(ledger_meta.update().values(schema_version=SCHEMA_VERSION + 1))
    engine.dispose()
    with pytest.raises(LedgerError, match=f"has schema version {SCHEMA_VERSION + 1}"):
        open_ledger(tmp_path, url)


def test_an_unreachable_ledger_is_one_line() -> None:
    with pytest.raises(LedgerError, match="is not a database URL"):
        open_ledger(Path("."), "not a url")


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_commits_never_corrupt_the_ledger(kind: str, workspace: Path, tmp_path: Path) -> None:
    url = ledger_url(kind, tmp_path)
    open_ledger(workspace, url).close()
    processes = [commit_process(workspace, url) for _ in range(4)]
    errors = [p.communicate(timeout=300)[1].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0, 0], errors
    run_count, payment_count, statuses = counts(url)
    assert run_count == 4 and payment_count == 4 * 5
    assert sorted(statuses) == ["committed", "superseded", "superseded", "superseded"]


def _in_transaction(kind: str, url: str, db: Path) -> bool:
    if kind == "sqlite":
        return Path(f"{db}-journal").exists()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction' AND pid <> pg_backend_pid()"
            )).scalar_one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_a_kill_during_a_commit_leaves_the_previous_state(kind: str, workspace: Path, tmp_path: Path) -> None:
    url = ledger_url(kind, tmp_path)
    first = commit_process(workspace, url)
    assert first.wait(timeout=120) == 0
    before = counts(url)
    process = commit_process(workspace, url, **{PAUSE_ENV: "120"})
    deadline = time.monotonic() + 120
    while not _in_transaction(kind, url, tmp_path / "ledger.db"):
        assert process.poll() is None and time.monotonic() < deadline, "the commit never began"
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    if kind == "postgresql":  # the server notices the dropped connection and rolls back
        deadline = time.monotonic() + 30
        while _in_transaction(kind, url, tmp_path / "ledger.db") and time.monotonic() < deadline:
            time.sleep(0.1)
    assert counts(url) == before
    ledger = open_ledger(workspace, url)  # and the ledger still takes commits
    ledger.close()
    again = commit_process(workspace, url)
    assert again.wait(timeout=120) == 0
    assert counts(url)[0] == before[0] + 1
