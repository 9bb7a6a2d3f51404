"""Ledger URLs for the tests: SQLite always; PostgreSQL when PMRULES_TEST_POSTGRES_URL names a reachable server.

In CI (`CI=true`) the server must be reachable: .ci/run starts one, and a skip there would hide a failure.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

POSTGRES_ENV = "PMRULES_TEST_POSTGRES_URL"
PLAN_YEAR = Path(__file__).resolve().parent / "workspaces" / "plan-year"


def copy_plan_year(directory: Path) -> Path:
    """The plan-year golden workspace copied under `directory`, to pay, commit and restate."""
    ws = directory / "plan-year"
    shutil.copytree(PLAN_YEAR, ws)
    return ws


def restate_q1(ws: Path, won: str) -> None:
    """Q1's deals won (corp), as a restatement of the actuals would write it."""
    text = (ws / "actuals.csv").read_text()
    (ws / "actuals.csv").write_text(re.sub(r"corp,Q1,won,\d+", f"corp,Q1,won,{won}", text))


def postgres_url() -> str:
    """A clean PostgreSQL database (the ledger's tables dropped), or a skip with the reason."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        reason = f"{POSTGRES_ENV} is not set (.ci/run starts a PostgreSQL server and sets it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for table in ("signoffs", "locks", "trail_groups", "payments", "runs", "ledger_meta"):
                connection.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server is the reason to skip
        reason = f"no PostgreSQL server at {POSTGRES_ENV}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    finally:
        engine.dispose()
    return url


def ledger_url(kind: str, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}" if kind == "sqlite" else postgres_url()
