"""What the report shows, as plain data: computed once from a workspace, then rendered to HTML.

Keeping the numbers apart from the markup lets tests check the attainment colours and the
controllability matrix without parsing HTML, and keeps the renderer a pure function of this data.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from pmrules.audit import run_audit
from pmrules.audit.run import AuditResult, Finding
from pmrules.catalog import CONTROLS, FINANCIAL_CATEGORIES, Catalog
from pmrules.catalog.values import KpiValues
from pmrules.models import Center, ScorecardLine
from pmrules.payout import PayoutRun, Period, compute_payouts
from pmrules.payout.adjusted import raw_kpi_values
from pmrules.payout.exact import exact
from pmrules.rational import Fraction
from pmrules.report.manual import ManualSection, manual_section
from pmrules.report.reconcile import EmployeeRow, reconciliation
from pmrules.report.trends import Point, line_trends
from pmrules.workspace import Workspace
from pmrules.workspace.levels import measured_owner

CONTROLLABILITY_PREFIX = "controllability."


@dataclass(frozen=True)
class LineView:
    """One scorecard line with its value and the colour of its attainment."""

    anchor: str
    owner: str
    kpi: str
    name: str
    weight: Fraction
    value: Fraction | None
    threshold: Fraction | None
    target: Fraction | None
    maximum: Fraction | None
    direction: str
    status: str  # red | amber | green | none
    supports: str | None
    supports_anchor: str | None
    problem: str | None
    measured: str | None = None  # the centre whose KPI a shared-measure line reads
    raw: Fraction | None = None  # the value before metric adjustments, when they changed it
    trend: tuple[Point, ...] = ()  # a plan year's periods: (period, its own value, year to date); else empty


@dataclass
class NodeView:
    """A centre of the cascade with its own lines and those of its employees' own scorecards."""

    center: Center
    depth: int
    lines: list[LineView] = field(default_factory=list)
    personal: dict[str, list[LineView]] = field(default_factory=dict)
    children: list[str] = field(default_factory=list)
    employees: int = 0


@dataclass(frozen=True)
class MatrixCell:
    controls: bool
    kpis: tuple[str, ...]
    violations: tuple[str, ...]


@dataclass
class ReportData:
    workspace: Workspace
    catalog: Catalog
    run: PayoutRun
    audit: AuditResult
    root: str
    nodes: dict[str, NodeView]
    order: list[str]
    lines_by_objective: dict[str, list[LineView]]
    matrix: dict[str, dict[str, MatrixCell]]
    bonuses_by_plan: dict[str, list[Decimal]]
    bonuses_by_center: dict[str, list[Decimal]]
    rows: list[EmployeeRow] = field(default_factory=list)
    manual: ManualSection | None = None  # adjustments and overrides (and, later, discretion); None if there are none


def attainment(value: Fraction | None, threshold: Fraction | None, target: Fraction | None, direction: str) -> str:
    """red below threshold, amber below target, green at or above target; mirrored for `lower`."""
    if value is None or threshold is None or target is None:
        return "none"
    if direction == "lower":
        value, threshold, target = -value, -threshold, -target
    if value < threshold:
        return "red"
    return "amber" if value < target else "green"


def _num(value: float | int | None) -> Fraction | None:
    return None if value is None else exact(value)


def line_anchor(owner: str, position: int) -> str:
    return f"l-{owner}-{position + 1}"


def build_report_data(ws: Workspace, catalog: Catalog) -> ReportData:
    """Audit and pay the workspace, then arrange the results by centre, objective and category."""
    m = ws.manifest
    audit = run_audit(ws, catalog)
    run = compute_payouts(ws, catalog, Period.of(m), ws.employees)
    org = ws.organisation
    centers, root, cards = org.centers, org.root, org.scorecards
    table = ws.employees
    nodes = {c.id: NodeView(c, org.depth[c.id], children=list(org.children[c.id])) for c in m.centers}
    pairs = zip(table.centers.to_pylist(), table.id_list(), strict=True)  # a person once per centre, however many rows
    for center, count in Counter(center for center, _ in dict.fromkeys(pairs)).items():
        if center in nodes:
            nodes[center].employees = count
    order = list(org.order)

    def employee_center(employee_id: str) -> str | None:
        position = table.position(employee_id)
        return None if position is None else table.centers[position].as_py()

    def parent_of(owner: str) -> str | None:
        return centers[owner].parent if owner in centers else employee_center(owner)

    def anchor_of_support(owner: str, supports: str | None) -> str | None:
        if supports is None:
            return None
        if supports.startswith("strategy:"):
            return "obj-" + supports.removeprefix("strategy:")
        parent = parent_of(owner)
        card = cards.get(parent) if parent is not None else None
        if card is None:
            return None
        for j, line in enumerate(card.kpis):
            if line.kpi == supports:
                return line_anchor(card.owner, j)
        return None

    by_objective: dict[str, list[LineView]] = defaultdict(list)
    raw = raw_kpi_values(ws, catalog, run.values.values)
    measured = {(card.owner, j): measured_owner(ws, card.owner, line) or card.owner
                for card in m.scorecards for j, line in enumerate(card.kpis)}
    trends = line_trends(ws, catalog, {(measured[(card.owner, j)], line.kpi) for card in m.scorecards
                                       for j, line in enumerate(card.kpis)}) if ws.period_actuals is not None else {}
    for card in m.scorecards:
        views = [_line_view(catalog, run, card.owner, j, line, anchor_of_support(card.owner, line.supports),
                            measured[(card.owner, j)], trends.get((measured[(card.owner, j)], line.kpi), ()), raw)
                 for j, line in enumerate(card.kpis)]
        for view in views:
            if view.supports and view.supports.startswith("strategy:"):
                by_objective[view.supports.removeprefix("strategy:")].append(view)
        if card.owner in nodes:
            nodes[card.owner].lines = views
        elif (home := employee_center(card.owner)) in nodes:
            nodes[home].personal[card.owner] = views
    by_plan: dict[str, list[Decimal]] = defaultdict(list)
    by_center: dict[str, list[Decimal]] = defaultdict(list)
    for p in run.paid:
        if p.bonus is not None:
            # a bonus in a foreign pay currency counts in the workspace currency here (issue 14)
            bonus = Decimal(p.currency["bonus_converted"]) if p.currency and "bonus_converted" in p.currency else p.bonus
            by_plan[p.employee.plan].append(bonus)
            by_center[p.employee.center].append(bonus)
    return ReportData(ws, catalog, run, audit, root, nodes, order, dict(by_objective),
                      controllability_matrix(catalog, audit.findings, nodes, order),
                      {p.id: by_plan.get(p.id, []) for p in m.plans},
                      {c: by_center[c] for c in order if c in by_center}, reconciliation(run),
                      manual_section(ws, catalog, run))


def _line_view(catalog: Catalog, run: PayoutRun, owner: str, j: int, line: ScorecardLine,
               supports_anchor: str | None, measured: str, trend: tuple[Point, ...] = (),
               raw: KpiValues | None = None) -> LineView:
    entry = catalog.kpis.get(line.kpi)
    direction = entry.definition.direction if entry else "higher"
    value = run.values.get(measured, line.kpi)
    threshold, target, maximum = _num(line.threshold), _num(line.target), _num(line.maximum)
    points = line.curve.points if line.curve is not None else None
    if points:  # an own multi-point curve: first point, first point paying the target factor (1), last point
        at_target = next((p for p in points if p.factor >= 1), points[-1])
        threshold, target, maximum = _num(points[0].result), _num(at_target.result), _num(points[-1].result)
    return LineView(line_anchor(owner, j), owner, line.kpi, entry.definition.name if entry else line.kpi,
                    exact(line.weight), value, threshold, target, maximum, direction,
                    attainment(value, threshold, target, direction), line.supports, supports_anchor,
                    run.values.problems.get((measured, line.kpi)), measured if measured != owner else None,
                    _raw_beside(raw, measured, line.kpi, value), trend)


def _raw_beside(raw: KpiValues | None, owner: str, kpi: str, value: Fraction | None) -> Fraction | None:
    """The value before adjustments, only where they changed it."""
    before = None if raw is None else raw.get(owner, kpi)
    return before if before is not None and before != value else None


def controllability_matrix(catalog: Catalog, findings: list[Finding], nodes: dict[str, NodeView],
                           order: list[str]) -> dict[str, dict[str, MatrixCell]]:
    """Per centre and financial category: does the centre control it, which KPIs read it, which are violations.

    An employee's own scorecard counts towards the employee's centre (it is judged by that centre's type).
    A violation is a `controllability.*` finding on that line; the KPI is marked in the categories its centre
    does not control (or in all its financial categories if a local rule flagged it for another reason).
    """
    flagged: set[tuple[str, str]] = set()
    for f in findings:
        if f.rule.startswith(CONTROLLABILITY_PREFIX) and " / " in f.subject:
            owner, kpi = f.subject.split(" / ", 1)
            flagged.add((owner, kpi))
    matrix: dict[str, dict[str, MatrixCell]] = {}
    for cid in order:
        node = nodes[cid]
        controls = CONTROLS[node.center.type]
        used: dict[str, set[str]] = defaultdict(set)
        bad: dict[str, set[str]] = defaultdict(set)
        for owner, lines in [(cid, node.lines), *node.personal.items()]:
            for line in lines:
                entry = catalog.kpis.get(line.kpi)
                if entry is None:
                    continue
                label = line.kpi if owner == cid else f"{line.kpi} ({owner})"
                for category in entry.financial_categories:
                    used[category].add(label)
                if (owner, line.kpi) in flagged:
                    outside = [c for c in entry.financial_categories if c not in controls]
                    for category in outside or entry.financial_categories:
                        bad[category].add(label)
        matrix[cid] = {cat: MatrixCell(cat in controls, tuple(sorted(used[cat])), tuple(sorted(bad[cat])))
                       for cat in FINANCIAL_CATEGORIES}
    return matrix
