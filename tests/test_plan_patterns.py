"""Every complete example in docs/plan-patterns.md loads and pays what the page says, by hand.

An example is a ```yaml block (pmrules.yaml) followed by ```csv blocks whose info string names
`employees.csv` and `actuals.csv`; the next `Total: **USD x**` line states what it pays.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pmrules.api import open_workspace
from pmrules.payout import Period, compute_payouts

DOC = Path(__file__).resolve().parents[1] / "docs" / "plan-patterns.md"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```\s*$", re.M | re.S)
TOTAL = re.compile(r"^Total: \*\*[A-Z]{3} ([\d,]+\.\d+)\*\*", re.M)


def examples() -> list[tuple[str, dict[str, str], Decimal | None]]:
    """(workspace name, {file name: text}, stated total) for every yaml block with its csv blocks."""
    text = DOC.read_text(encoding="utf-8")
    found: list[tuple[str, dict[str, str], Decimal | None]] = []
    blocks = list(FENCE.finditer(text))
    for i, block in enumerate(blocks):
        if block.group(1) != "yaml":
            continue
        files = {"pmrules.yaml": block.group(3)}
        end = blocks[i + 1].start() if i + 1 < len(blocks) else len(text)
        for later in blocks[i + 1:]:
            if later.group(1) == "yaml":
                break
            files[later.group(2).strip()] = later.group(3)
            end = later.end()
        following = text[end:].split("```yaml", 1)[0]
        total = TOTAL.search(following)
        name = re.search(r"^workspace: (\S+)", block.group(3), re.M)
        found.append((name.group(1) if name else f"block-{i}", files,
                      Decimal(total.group(1).replace(",", "")) if total else None))
    return found


EXAMPLES = [e for e in examples() if {"employees.csv", "actuals.csv"} <= set(e[1])]


def test_the_page_has_complete_examples() -> None:
    assert len(EXAMPLES) >= 3
    assert all(total is not None for _, _, total in EXAMPLES)


@pytest.mark.parametrize(("name", "files", "total"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_loads_and_pays_its_stated_total(name: str, files: dict[str, str], total: Decimal | None,
                                                 tmp_path: Path, pm: Any) -> None:
    for file_name, content in files.items():
        (tmp_path / file_name).write_text(content, encoding="utf-8")
    opened = open_workspace(tmp_path, pm=pm)
    ws = opened.workspace
    run = compute_payouts(ws, opened.catalog, Period.of(ws.manifest), ws.employees)
    assert run.unpaid == [], [p.reasons for p in run.unpaid]
    assert run.total == total, name
