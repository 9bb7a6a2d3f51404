"""`pmrules test --init`: a scenario file that pins what the workspace pays and finds today.

The text is written by hand (not dumped), so it reads like a file a person wrote: one bonus a line,
ids and amounts quoted (JSON strings are valid YAML), no timestamp (the same workspace gives the
same bytes).
"""

from __future__ import annotations

import json

from pmrules.audit import AuditResult
from pmrules.payout import PayoutRun

BASELINE_NAME = "baseline.yaml"


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def baseline_text(run: PayoutRun, audit: AuditResult | None, command: str) -> str:
    """One scenario, `baseline`: no change, every employee's bonus (or `unpaid`), the total and the findings."""
    lines = [
        f"# Pinned by `{command}`: what the workspace pays and finds today.",
        "# After a change to the plan, `pmrules test` fails naming exactly the people whose bonus moved;",
        "# if the change is intended, pin again with `--init --force` (and review the diff).",
        "scenarios:",
        "  - name: baseline",
        "    description: every bonus as the workspace pays it today, nothing changed",
        "    expect:",
        f"      total: {_q(str(run.total))}",
        "      bonuses:",
    ]
    for employee_id in dict.fromkeys(run.table.id_list()):  # a person once (segments are summed)
        bonus = run.person_bonus(employee_id)
        lines.append(f"        {_q(employee_id)}: {_q('unpaid' if bonus is None else str(bonus))}")
    if audit is not None and audit.findings:
        lines.append("      findings:")
        seen = set()
        for f in audit.findings:
            key = (f.rule, f.severity, f.subject)
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"        - {{rule: {_q(f.rule)}, severity: {f.severity}, subject: {_q(f.subject)}}}")
    return "\n".join(lines) + "\n"
