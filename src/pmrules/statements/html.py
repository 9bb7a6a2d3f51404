"""A statement as one self-contained, print-ready HTML page.

Every piece of text goes through `esc`; the page has no script, loads nothing (a Content-Security-Policy
of `default-src 'none'` with inline style only) and sets its paper with `@page` (A4 or Letter), so the
browser prints it as it shows it. Sections with nothing to say (gates, adjustments, paid before) are left out.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from pmrules.rational import Fraction
from pmrules.statements.localise import Formats
from pmrules.statements.model import Change, Component, Statement

PAPER = {"a4": "A4", "letter": "letter"}
WORDS = {"corporate": "Company", "unit": "Unit", "individual": "Individual"}

CSS = """
@page{size:%(paper)s;margin:16mm 15mm 18mm 15mm}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{font:10.5pt/1.4 "DejaVu Sans","Liberation Sans",Arial,Helvetica,sans-serif;color:#1a1a1a;margin:0 auto;
 max-width:180mm;padding:8mm 0}
@media print{body{padding:0;max-width:none}}
header{display:flex;justify-content:space-between;align-items:flex-end;border-bottom:2px solid #1f3a5f;
 padding-bottom:6px;margin-bottom:10px}
h1{font-size:17pt;margin:0;color:#1f3a5f} h2{font-size:11.5pt;margin:14px 0 5px;color:#1f3a5f;
 border-bottom:1px solid #c9d3e0;padding-bottom:2px}
h3{font-size:10.5pt;margin:8px 0 3px}
.who{font-size:10pt;text-align:right} .who b{font-size:12pt}
.muted{color:#5f6b7a} .small{font-size:8.5pt}
.facts{display:grid;grid-template-columns:repeat(3,1fr);gap:4px 16px;margin:6px 0}
.facts div span{display:block;font-size:8.5pt;color:#5f6b7a}
.bonus{border:1.5px solid #1f3a5f;border-radius:4px;padding:8px 12px;margin:10px 0;display:flex;
 justify-content:space-between;align-items:center;background:#f3f6fa}
.bonus .amount{font-size:18pt;font-weight:bold;color:#1f3a5f}
.unpaid{border-color:#b3261e;background:#fdf1f0} .unpaid .amount{color:#b3261e}
table{border-collapse:collapse;width:100%%;margin:4px 0 6px;font-size:9.5pt}
th,td{border-bottom:1px solid #dde3ea;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eef2f7;font-weight:600;font-size:8.5pt}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:bold;border-top:1.5px solid #1f3a5f}
.pass{color:#1b6e2a} .fail{color:#b3261e}
section{break-inside:avoid;page-break-inside:avoid}
table.measures{break-inside:auto} tr{break-inside:avoid}
footer{margin-top:14px;border-top:1px solid #c9d3e0;padding-top:4px;font-size:8pt;color:#5f6b7a}
"""


def esc(text: object) -> str:
    return escape(str(text), quote=True)


class Renderer:
    def __init__(self, formats: Formats, paper: str = "a4") -> None:
        self.f = formats
        self.css = CSS % {"paper": PAPER[paper]}
        self._tables: dict[tuple[object, ...], str] = {}  # a scorecard's table is shared by everyone paid on it

    def page(self, s: Statement) -> str:
        f = self.f
        title = f"Bonus statement {s.period} — {s.name}"
        parts = [
            f'<!DOCTYPE html>\n<html lang="{esc(f.tag)}"><head><meta charset="utf-8">',
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
            '<meta name="referrer" content="no-referrer">',
            f"<title>{esc(title)}</title><style>{self.css}</style></head><body>",
            self._header(s), self._amount(s), self._target(s), self._components(s), self._result(s),
            self._changes(s.changes, s.currency), self._installment(s), self._paid_before(s),
            f'<footer>{esc(s.workspace)} · plan year {esc(s.plan_year)} · from {esc(s.basis)}. This statement '
            "shows your own figures only.</footer></body></html>\n",
        ]
        return "\n".join(p for p in parts if p)

    def _header(self, s: Statement) -> str:
        f = self.f
        facts = [("Plan", s.plan), ("Centre", s.centre), ("Period", f"{s.period}: {f.date(s.start)} – {f.date(s.end)}"),
                 ("Plan year", s.plan_year), ("Currency", s.currency), ("Employee ID", s.employee_id)]
        return (f'<header><div><h1>Bonus statement</h1><div class="muted">{esc(s.workspace)} · {esc(s.period)}</div>'
                f'</div><div class="who"><b>{esc(s.name)}</b><br>{esc(s.employee_id)}</div></header>'
                '<div class="facts">' + "".join(f"<div><span>{esc(k)}</span>{esc(v)}</div>" for k, v in facts) + "</div>")

    def _amount(self, s: Statement) -> str:
        f = self.f
        if s.status != "paid":
            why = "; ".join(s.reasons) or "not paid"
            return (f'<div class="bonus unpaid" id="bonus"><div><b>No bonus this period</b><br><span class="small">'
                    f"{esc(why)}</span></div><div class=\"amount\">{esc(f.money(Decimal(0), s.currency))}</div></div>")
        label = "Your bonus"
        if s.installment is not None:
            label = f"Paid for {s.installment.period}" + (" (year end)" if s.installment.final else "")
        return (f'<div class="bonus" id="bonus"><div><b>{esc(label)}</b></div>'
                f'<div class="amount">{esc(f.money(s.amount, s.currency))}</div></div>')

    def _target(self, s: Statement) -> str:
        f = self.f
        rows = []
        if s.target_bonus is not None:
            rows.append(("Target bonus (fixed amount)", f.money(s.target_bonus, s.currency)))
        else:
            rows.append(("Base salary", f.money(s.base_salary, s.currency)))
            rows.append(("Target bonus", f.percent(s.target_pct)))
        if s.target_amount is not None:
            rows.append(("Target amount", f.money(_money(s.target_amount), s.currency)))
        employed = ""
        if s.employed_from is not None:
            employed = f" (employed {f.date(s.employed_from)} – {f.date(s.employed_to)})"
        so_far = " of the plan year so far" if s.installment is not None else ""
        rows.append(("Proration", f"{s.days} of {s.period_days} days{so_far}{employed} = {f.number(s.proration)}"))
        return "<section><h2>Target</h2><table>" + "".join(
            f"<tr><th>{esc(k)}</th><td class=n>{esc(v)}</td></tr>" for k, v in rows) + "</table></section>"

    def _components(self, s: Statement) -> str:
        f = self.f
        weighted = any(c.weight is not None for c in s.components)
        head = "<tr><th>Component</th><th>Score from</th>" + ("<th class=n>Weight</th>" if weighted else "") + \
            "<th class=n>Score</th></tr>"
        rows = "".join(f"<tr><td>{esc(WORDS.get(c.name, c.name.capitalize()))}</td><td>{esc(c.source)}</td>"
                       + (f"<td class=n>{esc(f.number(c.weight))}</td>" if weighted else "")
                       + f"<td class=n>{esc(f.number(c.score))}</td></tr>" for c in s.components)
        out = ["<section><h2>Component scores</h2>", f"<table>{head}{rows}</table>",
               f'<div class="small muted">Combined as the {esc(s.combine)}.</div></section>']
        for c in s.components:
            if c.measures:
                out.append(self._measures(c))
        return "".join(out)

    def _measures(self, c: Component) -> str:
        key = (c.measures, c.name, c.source, c.score)
        found = self._tables.get(key)
        if found is None:
            if len(self._tables) > 10_000:
                self._tables.clear()
            found = self._tables[key] = self._measures_table(c)
        return found

    def _measures_table(self, c: Component) -> str:
        f = self.f
        head = ("<tr><th>Measure</th><th>Of</th><th class=n>Result</th><th class=n>Threshold</th><th class=n>Target</th>"
                "<th class=n>Maximum</th><th class=n>Factor</th><th class=n>Weight</th></tr>")
        rows = []
        for m in c.measures:
            unit = f" <span class=\"muted small\">{esc(m.unit)}</span>" if m.unit else ""
            problem = f"<br><span class=\"fail small\">{esc(m.problem)}</span>" if m.problem else ""
            rows.append(f"<tr><td>{esc(m.name)}{unit}{problem}</td><td>{esc(m.owner)}</td>"
                        f"<td class=n>{esc(f.number(m.result))}</td><td class=n>{esc(f.number(m.threshold))}</td>"
                        f"<td class=n>{esc(f.number(m.target))}</td><td class=n>{esc(f.number(m.maximum))}</td>"
                        f"<td class=n>{esc(f.number(m.factor))}</td><td class=n>{esc(f.number(m.weight))}</td></tr>")
        title = f"{WORDS.get(c.name, c.name.capitalize())} measures ({c.source})"
        return (f"<section><h3>{esc(title)}</h3><table class=measures>{head}{''.join(rows)}"
                f"<tr class=total><td colspan=6>Score</td><td class=n>{esc(f.number(c.score))}</td><td></td></tr>"
                "</table></section>")

    def _result(self, s: Statement) -> str:
        f = self.f
        rows = []
        if s.combined is not None:
            rows.append(("Combined score", f.number(s.combined)))
        if s.cap is not None:
            rows.append(("Cap", f.number(s.cap) + (" (applied)" if s.capped else " (not reached)")))
        rows.append(("Multiplier", f.number(s.multiplier)))
        gates = ""
        if s.gates:
            gate_rows = "".join(
                f"<tr><td>{esc(g.what)}</td><td class=n>{esc(f.number(g.value))}</td>"
                f"<td class=n>{esc(f.number(g.min))}</td><td class=n>{esc(f.number(g.max))}</td>"
                f"<td class=\"{'pass' if g.passed else 'fail'}\">{'passed' if g.passed else 'not passed'}</td></tr>"
                for g in s.gates)
            gates = ("<h3>Gates</h3><table><tr><th>Gate</th><th class=n>Value</th><th class=n>Minimum</th>"
                     f"<th class=n>Maximum</th><th>Result</th></tr>{gate_rows}</table>")
        money_rows = ""
        segments = [c for c in s.changes if c.kind == "segment"]
        discretion = next((c for c in s.changes if c.kind == "discretion"), None)
        if s.bonus is not None and segments:  # the equation of one row would not be this person's bonus
            label = "Earned year to date" if s.installment is not None else "Bonus"
            money_rows = (f"<tr class=total><th>{esc(label)}</th><td class=n>the exact sum of {len(segments)} "
                          f"segments{' with discretion' if discretion is not None else ''}, rounded once"
                          f"{' (then scaled to the pool)' if s.pooled else ''} = "
                          f"{esc(f.money(s.bonus, s.currency))}</td></tr>")
        elif s.bonus is not None and s.target_amount is not None:
            label = "Earned year to date" if s.installment is not None else "Bonus"
            formula = ""
            if discretion is not None and isinstance(discretion.before, Decimal):
                formula = (f" = {esc(f.money(discretion.before, s.currency))}, with discretion "
                           f"(see Adjustments and discretion)")
            money_rows = (f"<tr class=total><th>{esc(label)}</th><td class=n>{esc(f.money(_money(s.target_amount), s.currency))}"
                          f" × {esc(f.number(s.proration))} × {esc(f.number(s.multiplier))}{formula}"
                          f"{' (then scaled to the pool)' if s.pooled else ''} = "
                          f"{esc(f.money(s.bonus, s.currency))}</td></tr>")
        return ("<section><h2>Result</h2><table>" + "".join(
            f"<tr><th>{esc(k)}</th><td class=n>{esc(v)}</td></tr>" for k, v in rows) + money_rows + "</table>"
            + gates + "</section>")

    def _changes(self, changes: list[Change], currency: str) -> str:
        if not changes:
            return ""
        f = self.f

        def value(v: object, money: bool) -> str:
            if isinstance(v, Decimal) and money:
                return f.money(v, currency)
            if isinstance(v, Decimal | Fraction):
                return f.number(v)
            return "–" if v is None else str(v)

        rows = "".join(
            f"<tr><td>{esc(c.kind)}</td><td>{esc(c.subject)}</td><td class=n>{esc(value(c.before, c.money))}</td>"
            f"<td class=n>{esc(value(c.after, c.money))}</td><td>{esc(c.reason)}</td><td>{esc(c.approved_by or '–')}</td>"
            f"<td class=small>{esc(c.source or '')}</td></tr>" for c in changes)
        return ("<section id=\"changes\"><h2>Adjustments and discretion</h2><table><tr><th>Kind</th><th>What</th>"
                "<th class=n>Before</th><th class=n>After</th><th>Reason</th><th>Approved by</th><th>Recorded in</th></tr>"
                f"{rows}</table></section>")

    def _installment(self, s: Statement) -> str:
        i = s.installment
        if i is None:
            return ""
        f, c = self.f, s.currency
        rows = [("Earned year to date", f.money(i.earned, c)),
                ("Share due by now", "all of it (year end)" if i.final else f.percent(i.share)),
                ("Due by now", f.money(i.target, c)),
                ("Paid before (net of forgiven)", f.money(i.net_paid_before, c)),
                ("Due this period", f.money(i.due, c))]
        if i.forgiven:
            rows.append(("Forgiven", f.money(i.forgiven, c)))
        if i.carried:
            rows.append(("Carried forward", f.money(i.carried, c)))
        note = f'<div class="small muted">{esc(i.note)}</div>' if i.note else ""
        return ("<section><h2>This period</h2><table>" + "".join(
            f"<tr><th>{esc(k)}</th><td class=n>{esc(v)}</td></tr>" for k, v in rows)
            + f"<tr class=total><th>Paid for {esc(i.period)}</th><td class=n>{esc(f.money(i.pay, c))}</td></tr></table>"
            + note + "</section>")

    def _paid_before(self, s: Statement) -> str:
        if s.paid_before is None:
            return ""
        f, c = self.f, s.currency
        title = f"Paid before in plan year {s.plan_year}"
        if not s.paid_before:
            return f"<section id=\"paid-before\"><h2>{esc(title)}</h2><p class=muted>Nothing recorded as paid.</p></section>"
        rows = "".join(f"<tr><td>{esc(p.period)}</td><td class=n>{p.run}</td><td class=n>{esc(f.money(p.paid, c))}</td>"
                       f"<td class=n>{esc(f.money(p.forgiven, c) if p.forgiven else '–')}</td></tr>" for p in s.paid_before)
        total = sum((p.paid for p in s.paid_before), Decimal(0))
        return (f"<section id=\"paid-before\"><h2>{esc(title)}</h2><table><tr><th>Period</th><th class=n>Run</th>"
                f"<th class=n>Paid</th><th class=n>Forgiven</th></tr>{rows}<tr class=total><td colspan=2>Total paid</td>"
                f"<td class=n>{esc(f.money(total, c))}</td><td></td></tr></table></section>")


def _money(value: Fraction | Decimal) -> Decimal:
    """A target amount for display: exact when it has at most a few decimals, else to 1/10,000."""
    if isinstance(value, Decimal):
        return value
    from pmrules.payout.exact import format_decimal

    return Decimal(format_decimal(value, 4))
