"""The report's "Adjustments and discretion" section: every manual change, with counts and totals.

Built as parts (one table each: adjustments, overrides, and any a later feature adds, such as
discretion), so a new kind of manual change is one more `ManualPart` and one more total, not a new
section. The section exists only when the workspace has a manual change: a version-1 report is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from pmrules.catalog import Catalog
from pmrules.payout import PayoutRun, Period, compute_payouts
from pmrules.payout.adjusted import adjustment_record
from pmrules.payout.exact import format_decimal
from pmrules.payout.scores import LineResult
from pmrules.workspace import Workspace
from pmrules.workspace.overrides import index_overrides


@dataclass
class ManualPart:
    """One table of the section, its rows as text (escaped when rendered)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""


@dataclass
class ManualSection:
    parts: list[ManualPart]
    totals: list[tuple[str, str]]  # (label, value), in order


def manual_section(ws: Workspace, catalog: Catalog, run: PayoutRun) -> ManualSection | None:
    """None without adjustments, overrides and discretion; else their tables and what they changed in total."""
    from pmrules.report.discretion import discretion_table

    overrides = index_overrides(ws)
    discretion = discretion_table(run)
    if not ws.adjustments and not overrides and discretion is None:
        return None
    parts = []
    if ws.adjustments:
        part = ManualPart("adjustments", f"Metric adjustments ({len(ws.adjustments)})",
                          ["entity", "input", "period", "raw", "adjusted", "change", "reason", "approved by", "where"])
        for a in ws.adjustments:
            r = adjustment_record(a)
            part.rows.append([a.entity, a.input, a.period or "", str(r["raw"] or "–"), str(r["adjusted"]),
                              str(r["change"]), a.reason or "(no reason)", a.approved_by or "(nobody)", str(r["from"])])
        parts.append(part)
    if overrides:
        part = ManualPart("overrides", f"Measure overrides ({len(overrides.lines) + len(overrides.components)})",
                          ["owner", "replaces", "set to", "formula gave", "reason", "approved by", "where"])
        computed = _computed(run)
        for (owner, target), o in [*overrides.lines.items(), *overrides.components.items()]:
            what = f"line factor of {target}" if o.is_line else f"{target} score"
            gave = computed.get((owner, target, o.is_line))
            part.rows.append([owner, what, o.text, "–" if gave is None else format_decimal(gave), o.reason or
                              "(no reason)", o.approved_by or "(nobody)", o.where])
        parts.append(part)
    quantum = run.quantum
    totals = [("total paid", _money(run.total, quantum))]
    if ws.adjustments or overrides:
        formula = compute_payouts(ws, catalog, Period.of(ws.manifest), ws.employees, manual=False)
        totals = [("metric adjustments", str(len(ws.adjustments))),
                  ("measure overrides", str(len(overrides.lines) + len(overrides.components))), *totals,
                  ("total the formula alone pays (no adjustments, no overrides)", _money(formula.total, quantum)),
                  ("difference made by the adjustments and overrides",
                   _money(run.total - formula.total, quantum, signed=True))]
    if discretion is not None:  # discretion.csv (report/discretion.py): one more part and its totals
        title, columns, rows, discretion_totals = discretion
        parts.append(ManualPart("discretion", title, columns, rows))
        totals += discretion_totals
    return ManualSection(parts, totals)


def _computed(run: PayoutRun) -> dict[tuple[str, str, bool], object]:
    """(owner, KPI or component, is a line) -> what the formula gave before the override."""
    found: dict[tuple[str, str, bool], object] = {}
    for scored in run.scores.values():
        for line in scored.lines:
            if isinstance(line, LineResult) and line.override is not None:
                found[(scored.owner, line.kpi, True)] = line.computed
    for group in run.groups:
        for component, (override, score) in group.overridden.items():
            found[(override.owner, component, False)] = score
    return found


def _money(value: Decimal, quantum: Decimal, signed: bool = False) -> str:
    text = f"{value.quantize(quantum):,}"
    return f"+{text}" if signed and value > 0 else text


def render_manual(section: ManualSection | None, esc: Callable[[object], str], currency: str) -> str:
    """`<section id="manual">`, or nothing when there is no manual change."""
    if section is None:
        return ""
    out = ['<section id="manual"><h2>Adjustments and discretion</h2>',
           "<p>Every manual change to what the formula would pay, with its reason, approver and source line.</p>",
           "<table><tbody>" + "".join(
               f"<tr><th>{esc(label)}</th><td>{esc(value if not _is_money(label) else f'{currency} {value}')}</td></tr>"
               for label, value in section.totals) + "</tbody></table>"]
    for part in section.parts:
        head = "".join(f"<th>{esc(c)}</th>" for c in part.columns)
        body = "".join("<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in part.rows)
        out.append(f'<h3 id="manual-{esc(part.key)}">{esc(part.title)}</h3>'
                   + (f"<p>{esc(part.note)}</p>" if part.note else "")
                   + f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    out.append("</section>")
    return "\n".join(out)


def _is_money(label: str) -> bool:
    return label.startswith(("total", "difference"))
