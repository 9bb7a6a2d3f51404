"""ReportData to one self-contained HTML page; every piece of workspace text goes through `esc`."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from html import escape

from pmrules.catalog import FINANCIAL_CATEGORIES
from pmrules.payout import format_decimal
from pmrules.rational import Fraction
from pmrules.report.assets import CSS, JS
from pmrules.report.discretion import render_discretion
from pmrules.report.model import LineView, NodeView, ReportData
from pmrules.report.reconcile import MAX_ROWS, EmployeeRow
from pmrules.report.svg import histogram, money, payout_curve, total_vs_pool

OPEN_ALL_UP_TO = 200  # centres: below this the whole tree starts open
CENTRE_CHARTS_UP_TO = 60  # centres with payouts: above this, histograms per division instead
FEW_PEOPLE = 12  # up to this many employees the table says it all: no histograms
STATUS_WORDS = {"red": "below threshold", "amber": "below target", "green": "at or above target", "none": "no value"}


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def num(value: Fraction | None) -> str:
    if value is None:
        return "–"
    if abs(value) >= 1000:
        return f"{Decimal(format_decimal(value, 2)):,}"
    return format_decimal(value, 4)


def render_page(data: ReportData) -> str:
    m = data.workspace.manifest
    title = f"{m.workspace} — {data.run.period.id}"
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">",
        f"<title>{esc(title)} · pmrules report</title><style>{CSS}</style></head><body>",
        _header(data, title), "<main>", _strategy(data), _cascade(data), _matrix(data), _findings(data),
        _payouts(data), *filter(None, [_adjustments(data)]), "</main>", f"<script>{JS}</script></body></html>\n",
    ]
    return "\n".join(parts)


def _adjustments(data: ReportData) -> str:
    """Manual changes of bonuses (discretion); absent, not empty, when the workspace makes none."""
    fragment = render_discretion(data.run, data.workspace.manifest.currency)
    if not fragment:
        return ""
    return f'<section id="adjustments"><h2>Adjustments and discretion</h2>{fragment}</section>'


def _header(data: ReportData, title: str) -> str:
    m = data.workspace.manifest
    run = data.run
    lines = [line for node in data.nodes.values() for line in _all_lines(node)]
    colours = {s: sum(1 for line in lines if line.status == s) for s in STATUS_WORDS}
    pool = (f"<span class=muted>pool {esc(m.currency)} {esc(money(run.pool.amount, run.quantum))}</span>"
            if run.pool is not None else "<span class=muted>no pool</span>")
    counts = data.audit.counts
    cards = [
        f"<div class=card>total paid<b>{esc(m.currency)} {esc(money(run.total, run.quantum))}</b>{pool}</div>",
        f"<div class=card>employees<b>{len(run.paid)} paid</b>"
        f"<span class=\"{'red' if run.unpaid else 'muted'}\">{len(run.unpaid)} unpaid</span></div>",
        f"<div class=card>audit<b class=\"{'red' if counts.get('error') else 'green'}\">{counts.get('error', 0)} "
        f"error(s)</b><span class=muted>{counts.get('warning', 0)} warning(s), {counts.get('info', 0)} info</span></div>",
        "<div class=card>scorecard lines<b>" + " ".join(
            f"<span class={s} title=\"{STATUS_WORDS[s]}\">{colours[s]}</span>" for s in ("green", "amber", "red"))
        + f"</b><span class=muted>green / amber / red; {colours['none']} without value</span></div>",
        f"<div class=card>organisation<b>{len(data.nodes)} centres</b><span class=muted>{len(m.plans)} plan(s)"
        "</span></div>",
    ]
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in (
        ("strategy", "Strategy"), ("cascade", "Cascade"), ("matrix", "Controllability"), ("findings", "Audit findings"),
        ("payouts", "Payouts")))
    return (f"<header><h1>{esc(title)}</h1><div class=muted>{esc(run.period.start)} to {esc(run.period.end)} · "
            f"{esc(m.currency)} · strategy: {esc(_discipline(data))}</div>"
            f"<div class=cards>{''.join(cards)}</div><nav>{nav}</nav></header>")


def _all_lines(node: NodeView) -> Iterable[LineView]:
    yield from node.lines
    for lines in node.personal.values():
        yield from lines


def _discipline(data: ReportData) -> str:
    strategy = data.workspace.manifest.strategy
    return strategy.discipline.replace("_", " ") if strategy else "none (a bonus-only workspace)"


def _strategy(data: ReportData) -> str:
    m = data.workspace.manifest
    rows = []
    for o in m.strategy.objectives if m.strategy else []:
        value = data.run.values.get(data.root, o.kpi) if o.kpi else None
        links = ", ".join(f'<a href="#{esc(v.anchor)}">{esc(v.owner)}: {esc(v.kpi)}</a>'
                          for v in data.lines_by_objective.get(o.id, []))
        rows.append(f'<tr id="obj-{esc(o.id)}"><td>{esc(o.id)}</td><td>{esc(o.statement)}</td><td>{esc(o.kpi or "")}'
                    f'</td><td class=num>{esc(num(None if o.target is None else Fraction(repr(o.target))))}</td>'
                    f"<td class=num>{esc(num(value))}</td><td>{links or '<span class=red>no line supports it</span>'}"
                    "</td></tr>")
    return (f'<section id="strategy"><h2>Strategy</h2><p>Value discipline: '
            f"<b>{esc(_discipline(data))}</b></p><table><thead><tr><th>objective</th>"
            f"<th>statement</th><th>KPI</th><th>target</th><th>{esc(data.root)} value</th><th>supported by</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table></section>")


def _line(view: LineView) -> str:
    """Compact on purpose: a 10,000-centre cascade has some 50,000 of these; colour comes from the class."""
    if view.supports is None:
        supports = "<span class=muted>supports nothing</span>"
    elif view.supports_anchor:
        supports = f'→ <a href="#{esc(view.supports_anchor)}">{esc(view.supports)}</a>'
    else:
        supports = f"<span class=red>→ {esc(view.supports)} (not found)</span>"
    marks = f"{num(view.threshold)}/{num(view.target)}/{num(view.maximum)}"
    arrow = "↓" if view.direction == "lower" else "↑"
    problem = f" <span class=red>{esc(view.problem)}</span>" if view.problem else ""
    shared = f" <small>of {esc(view.measured)}</small>" if view.measured else ""
    return (f'<li id="{esc(view.anchor)}" class={view.status[0]}><b>{esc(view.kpi)}</b>{shared} <i>{esc(num(view.value))}</i>'
            f" <small>w {esc(num(view.weight))} {arrow} {esc(marks)}</small> {supports}{problem}</li>")


def _cascade(data: ReportData) -> str:
    open_all = len(data.nodes) <= OPEN_ALL_UP_TO
    out = ['<section id="cascade"><h2>Cascade</h2>',
           '<div class=search><input id="q" type="search" placeholder="Filter centres by id, name or KPI" '
           'aria-label="Filter the cascade"> <span id="qn" class=muted></span></div>',
           "<p class=muted>" + " ".join(f'<span class="dot-{s}"></span>{w}' for s, w in STATUS_WORDS.items())
           + " · each line: <b>KPI</b> value, weight, ↑ higher or ↓ lower is better, threshold/target/maximum, "
           "→ what it supports</p><div class=tree>"]
    # Close each centre's <details> once all its descendants are written (order is depth-first).
    stack: list[int] = []
    for cid in data.order:
        node = data.nodes[cid]
        while stack and stack[-1] >= node.depth:
            stack.pop()
            out.append("</details>")
        c = node.center
        kpis = " ".join(sorted({v.kpi for v in _all_lines(node)}))
        search = f"{c.id} {c.name} {kpis}".lower()
        attrs = " open" if open_all or node.depth < 2 else ""
        worst = _worst(node.lines)
        manager = f" · manager {esc(c.manager)}" if c.manager else ""
        out.append(f'<details class=n id="c-{esc(c.id)}" data-s="{esc(search)}"{attrs}><summary>'
                   f'<span class="dot-{worst}"></span><b>{esc(c.id)}</b> {esc(c.name)}<span class=type>{esc(c.type)}'
                   f"</span> <span class=muted>{node.employees} employee(s){manager}</span></summary>")
        body = "".join(_line(v) for v in node.lines) or "<li class=muted>no scorecard</li>"
        out.append(f"<ul class=lines>{body}</ul>")
        for owner, lines in node.personal.items():
            out.append(f"<div class=muted>own scorecard of {esc(owner)}</div>"
                       f"<ul class=lines>{''.join(_line(v) for v in lines)}</ul>")
        stack.append(node.depth)
    out.extend("</details>" for _ in stack)
    out.append("</div></section>")
    return "\n".join(out)


def _worst(lines: list[LineView]) -> str:
    statuses = {v.status for v in lines}
    for s in ("red", "amber", "green"):
        if s in statuses:
            return s
    return "none"


def _matrix(data: ReportData) -> str:
    rows = []
    violations = 0
    for cid in data.order:
        cells = []
        for cat in FINANCIAL_CATEGORIES:
            cell = data.matrix[cid][cat]
            violations += len(cell.violations)
            if cell.violations:
                cells.append(f"<td class=bad>✗ {esc(', '.join(cell.violations))}</td>")
            elif cell.controls:
                cells.append(f"<td class=ctl>✓ {esc(', '.join(cell.kpis))}</td>")
            else:
                cells.append(f"<td class=no>– {esc(', '.join(cell.kpis))}</td>")
        c = data.nodes[cid].center
        rows.append(f'<tr><th><a href="#c-{esc(c.id)}">{esc(c.id)}</a> <span class=type>{esc(c.type)}</span></th>'
                    f"{''.join(cells)}</tr>")
    table = (f"<table><thead><tr><th>centre</th>{''.join(f'<th>{c}</th>' for c in FINANCIAL_CATEGORIES)}</tr></thead>"
             f"<tbody>{''.join(rows)}</tbody></table>")
    if len(rows) > OPEN_ALL_UP_TO:
        table = f"<details><summary>all {len(rows)} centres</summary>{table}</details>"
    return (f'<section id="matrix"><h2>Controllability</h2><p>Which financial categories each centre controls '
            f"(✓), does not control (–), and KPIs on its scorecards that read a category it does not control (✗, from "
            f"the audit's controllability rules). Non-financial categories are controllable by every centre. "
            f"<b class=\"{'red' if violations else 'green'}\">{violations} violation(s).</b></p>{table}</section>")


def _findings(data: ReportData) -> str:
    findings = data.audit.findings
    if not findings:
        return '<section id="findings"><h2>Audit findings</h2><p class=green>No findings.</p></section>'
    rows = "".join(f"<tr><td class=\"sev-{esc(f.severity)}\">{esc(f.severity)}</td><td>{esc(f.rule)}</td>"
                   f"<td>{esc(f.subject)}</td><td>{esc(f.message)}</td><td><code>{esc(f.location)}</code></td></tr>"
                   for f in findings)
    return (f'<section id="findings"><h2>Audit findings ({len(findings)})</h2><table><thead><tr><th>severity</th>'
            f"<th>rule</th><th>subject</th><th>message</th><th>location</th></tr></thead><tbody>{rows}</tbody>"
            "</table></section>")


def _figure(caption: str, chart: str) -> str:
    return f"<figure><figcaption>{caption}</figcaption>{chart}</figure>"


def _summary(values: list[Decimal], currency: str, quantum: Decimal = Decimal("0.01")) -> str:
    if not values:
        return "no payouts"
    ordered = sorted(values)
    median = ordered[len(ordered) // 2]
    return f"{len(values)} paid · total {esc(currency)} {esc(money(sum(values, Decimal(0)), quantum))} · median {esc(money(median, quantum))}"


def _payouts(data: ReportData) -> str:
    m = data.workspace.manifest
    run = data.run
    cur = m.currency
    out = ['<section id="payouts"><h2>Payouts</h2>']
    if run.pool is not None:
        out.append(f"<p>Bonuses before the pool total {esc(cur)} {esc(money(run.pool.unscaled_total, run.quantum))}; they are "
                   f"scaled pro rata to the pool of {esc(cur)} {esc(money(run.pool.amount, run.quantum))}.</p>")
        out.append(total_vs_pool(run.pool.unscaled_total, run.pool.amount, cur))
    else:
        out.append(f"<p>Total {esc(cur)} {esc(money(run.total, run.quantum))}; no pool is set.</p>")
    if run.unpaid:
        items = "".join(f"<li><b>{esc(p.employee.employee_id)}</b> {esc(p.employee.name)}: {esc('; '.join(p.reasons))}"
                        "</li>" for p in run.unpaid)
        out.append(f"<h3 class=red>{len(run.unpaid)} employee(s) not paid</h3><ul>{items}</ul>")
    out.append(_reconciliation(data.rows, len(run), cur))
    few = len(run) <= FEW_PEOPLE
    if few:
        out.append("<h3>Per plan</h3><ul>" + "".join(
            f"<li><b>{esc(plan.id)}</b> · {_summary(data.bonuses_by_plan.get(plan.id, []), cur, run.quantum)}</li>"
            for plan in m.plans) + "</ul>")
    else:
        out.append("<h3>Per plan</h3><div class=charts>")
        for plan in m.plans:
            values = data.bonuses_by_plan.get(plan.id, [])
            out.append(_figure(f"<b>{esc(plan.id)}</b> · {_summary(values, cur, run.quantum)}",
                               histogram(values, f"bonuses of plan {plan.id}")))
        out.append("</div>")
    out.append("<h3>Payout curves</h3><div class=charts>")
    for plan in m.plans:
        c = plan.curve
        out.append(_figure(f"<b>{esc(plan.id)}</b> · combine {esc(plan.combine)}",
                           payout_curve(float(c.threshold), float(c.target), float(c.maximum),
                                        None if plan.cap is None else float(plan.cap), f"payout curve of {plan.id}")))
    out.append("</div>")
    if not few:
        out.append(_per_centre(data, cur))
    out.append("</section>")
    return "\n".join(out)


def _per_centre(data: ReportData, cur: str) -> str:
    by_center = data.bonuses_by_center
    out = []
    if len(by_center) <= CENTRE_CHARTS_UP_TO:
        out.append("<h3>Per centre</h3><div class=charts>")
        for cid, values in by_center.items():
            out.append(_figure(f"<b>{esc(cid)}</b> {esc(data.nodes[cid].center.name)} · {_summary(values, cur, data.run.quantum)}",
                               histogram(values, f"bonuses in centre {cid}", width=260, height=130)))
        out.append("</div>")
        return "".join(out)
    # Too many centres for one chart each: one per division (the root's children, with their subtrees).
    division: dict[str, str] = {}
    for cid in data.order:
        parent = data.nodes[cid].center.parent
        division[cid] = cid if parent in (None, data.root) else division[parent]  # type: ignore[index]
    grouped: dict[str, list[Decimal]] = {}
    for cid, values in by_center.items():
        grouped.setdefault(division[cid], []).extend(values)
    out.append(f"<h3>Per division</h3><p class=muted>{len(by_center)} centres pay bonuses; one chart per child of "
               f"{esc(data.root)} with its whole subtree. Every centre is listed below.</p><div class=charts>")
    for did in [c for c in data.order if c in grouped]:
        out.append(_figure(f"<b>{esc(did)}</b> {esc(data.nodes[did].center.name)} · {_summary(grouped[did], cur, data.run.quantum)}",
                           histogram(grouped[did], f"bonuses in division {did}", width=260, height=130)))
    rows = "".join(f"<tr><td>{esc(cid)}</td><td class=num>{len(v)}</td><td class=num>{esc(money(sum(v, Decimal(0)), data.run.quantum))}"
                   f"</td><td class=num>{esc(money(min(v), data.run.quantum))}</td><td class=num>{esc(money(max(v), data.run.quantum))}</td></tr>"
                   for cid, v in by_center.items())
    out.append(f"</div><details><summary>all {len(by_center)} centres</summary><table><thead><tr><th>centre</th>"
               f"<th>paid</th><th>total</th><th>lowest</th><th>highest</th></tr></thead><tbody>{rows}</tbody></table>"
               "</details>")
    return "".join(out)


def pct(value: Fraction | None) -> str:
    """A factor as a percentage with up to two decimals, as plans publish them."""
    return "–" if value is None else f"{format_decimal(value * 100, 2)}%"


def _measures(row: EmployeeRow) -> str:
    items = []
    for m in row.measures:
        of = f" <span class=muted>of {esc(m.measured)}</span>" if m.measured != m.owner else ""
        items.append(f"<li><span class=muted>{esc(m.component)}</span> {esc(m.kpi)}{of} {esc(num(m.result))} → "
                     f"{esc(pct(m.factor))} × {esc(num(m.weight))}</li>")
    return f"<ul class=ms>{''.join(items)}</ul>" if items else "<span class=muted>–</span>"


def _reconciliation(rows: list[EmployeeRow], total: int, cur: str) -> str:
    """One row per employee: measures (result → payout % × weight), component scores, multiplier, bonus."""
    body = []
    for r in rows:
        scores = "<br>".join(f"{esc(c)} {esc(pct(s))}" for c, _, s in r.scores) or "–"
        multiplier = pct(r.multiplier) + (" (cap)" if r.capped else "") + (" (a gate fails)" if r.gates_passed is False
                                                                           else "")
        bonus = "–" if r.bonus is None else f"{r.bonus:,}"
        status = "" if r.status == "paid" else f"<br><span class=red>{esc('; '.join(r.reasons))}</span>"
        search = " ".join([r.employee_id, r.name, r.center, r.plan, *(m.kpi for m in r.measures)]).lower()
        body.append(f'<tr id="e-{esc(r.employee_id)}" data-s="{esc(search)}"><td>{esc(r.employee_id)}</td>'
                    f"<td>{esc(r.name)}{status}</td><td>{esc(r.center)}</td><td>{esc(r.plan)}</td>"
                    f"<td>{_measures(r)}</td><td class=num>{scores}</td><td class=num>{esc(multiplier)}</td>"
                    f"<td class=num>{esc(num(r.proration))}</td><td class=num>{esc(bonus)}</td></tr>")
    cut = (f"<p class=muted>The first {MAX_ROWS} of {total} employees; `pmrules payout --format csv` lists "
           "every one.</p>" if total > len(rows) else "")
    return ('<h3 id="reconciliation">Per employee</h3><p class=muted>Each measure: result → payout % × weight; '
            "then the component scores, the multiplier (after gates and cap), proration and the bonus at the "
            f"plan's rounding ({esc(cur)}).</p>"
            '<div class=search><input id="qe" type="search" placeholder="Filter employees by id, name, centre, plan '
            'or KPI" aria-label="Filter the employees"> <span id="qen" class=muted></span></div>'
            "<table class=rec><thead><tr><th>employee</th><th>name</th><th>centre</th><th>plan</th><th>measures</th>"
            "<th>component scores</th><th>multiplier</th><th>proration</th><th>bonus</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>{cut}")
