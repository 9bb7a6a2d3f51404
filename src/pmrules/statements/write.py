"""Writing statements into a folder: `<employee_id>.html` (and `.pdf`) each, and `statements.json` listing them.

Employee ids are already restricted to a safe ASCII alphabet (ids.py) where they are read; a name that
would still clash on a case-insensitive file system (`a1` and `A1`) gets a short hash of the id.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pmrules.ids import problem
from pmrules.statements.chromium import Browser
from pmrules.statements.html import Renderer
from pmrules.statements.model import Statement

INDEX = "statements.json"


def file_stems(employee_ids: Iterable[str]) -> dict[str, str]:
    """A file name stem per employee id: the id itself when safe and unique ignoring case, else id + hash."""
    ids = list(dict.fromkeys(employee_ids))  # an effective-dated employee has several rows, one statement
    folded: dict[str, int] = {}
    for e in ids:
        folded[e.casefold()] = folded.get(e.casefold(), 0) + 1
    stems = {}
    for e in ids:
        digest = hashlib.sha256(e.encode("utf-8")).hexdigest()[:8]
        if problem(e) is not None or e.startswith(".") or len(e) > 100:
            stems[e] = f"employee-{digest}"
        elif folded[e.casefold()] > 1:
            stems[e] = f"{e}-{digest}"
        else:
            stems[e] = e
    return stems


def write_statements(folder: Path, statements: Iterable[Statement], stems: dict[str, str], renderer: Renderer, *,
                     browser: Browser | None, paper: str, meta: dict[str, Any],
                     progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """Render each statement to `folder` as it comes (10,000 PDFs never sit in memory together)."""
    listed = []
    for n, s in enumerate(statements, start=1):
        stem = stems[s.employee_id]
        page = renderer.page(s)
        (folder / f"{stem}.html").write_text(page, encoding="utf-8")
        entry: dict[str, Any] = {"employee_id": s.employee_id, "html": f"{stem}.html", "status": s.status,
                                 "amount": None if s.amount is None else str(s.amount), "currency": s.currency}
        if browser is not None:
            (folder / f"{stem}.pdf").write_bytes(browser.pdf(page, paper=paper))
            entry["pdf"] = f"{stem}.pdf"
        listed.append(entry)
        if progress is not None:
            progress(n)
    document = {**meta, "statements": listed}
    (folder / INDEX).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return listed
