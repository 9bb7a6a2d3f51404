"""Why a payout changed between two runs: the employees whose payment moved, and the inputs, KPIs,
factors and employee rows that explain it, each input down to its row in actuals.csv."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

ROW_FIELDS = ("plan", "center", "base_salary", "target_bonus_pct", "start_date", "days")


def _changed(before: str | None, after: str | None) -> bool:
    if before is None or after is None:
        return before != after
    try:
        return Decimal(before) != Decimal(after)
    except ArithmeticError:
        return before != after


def diff_runs(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    inputs = _inputs(json.loads(a["actuals"]), json.loads(b["actuals"]))
    files_a = {f["path"]: f["sha256"] for f in json.loads(a["inputs"])}
    files_b = {f["path"]: f["sha256"] for f in json.loads(b["inputs"])}
    files = [{"path": p, "change": "added" if p not in files_a else "removed" if p not in files_b else "changed"}
             for p in sorted(set(files_a) | set(files_b)) if files_a.get(p) != files_b.get(p)]
    kpis = _kpis(json.loads(a["kpis"]), json.loads(b["kpis"]))
    employees = []
    for employee in sorted(set(a["payments"]) | set(b["payments"])):
        pa, pb = a["payments"].get(employee), b["payments"].get(employee)
        if pa and pb and not any(_changed(pa[k], pb[k]) for k in ("paid", "earned", "forgiven", "carried", "status")):
            continue
        employees.append({"employee_id": employee, "before": _money(pa), "after": _money(pb), "why": _why(pa, pb, kpis, inputs)})
    return {"runs": [_run(a), _run(b)], "employees": employees, "inputs": inputs, "files": files, "kpis": kpis}


def _run(r: dict[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "period": r["period"], "plan_year": r["plan_year"], "created": r["created"],
            "by": r["created_by"], "total": r["total"]}


def _money(p: dict[str, Any] | None) -> dict[str, Any]:
    if p is None:
        return {"status": None, "earned": None, "paid": None, "forgiven": None, "carried": None}
    return {k: p[k] for k in ("status", "earned", "paid", "forgiven", "carried")}


def _inputs(a: dict[str, list[list[str]]], b: dict[str, list[list[str]]]) -> list[dict[str, Any]]:
    changes = []
    for period in sorted(set(a) | set(b), key=lambda p: (p not in a, p)):
        was = {(e, n): (v, w) for e, n, v, w in a.get(period, [])}
        now = {(e, n): (v, w) for e, n, v, w in b.get(period, [])}
        for key in sorted(set(was) | set(now)):
            old, new = was.get(key), now.get(key)
            if _changed(old and old[0], new and new[0]):
                changes.append({"period": period, "entity": key[0], "input": key[1], "before": old and old[0],
                                "after": new and new[0], "row": (new or old or (None, None))[1]})
    return changes


def _kpis(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    changes = []
    for owner in sorted(set(a) | set(b)):
        for kpi in sorted(set(a.get(owner, {})) | set(b.get(owner, {}))):
            va, vb = a.get(owner, {}).get(kpi, {}), b.get(owner, {}).get(kpi, {})
            if _changed(va.get("ytd"), vb.get("ytd")):
                changes.append({"owner": owner, "kpi": kpi, "what": "year to date", "before": va.get("ytd"),
                                "after": vb.get("ytd")})
            for plan in sorted(set(va.get("factors", {})) | set(vb.get("factors", {}))):
                fa, fb = va.get("factors", {}).get(plan), vb.get("factors", {}).get(plan)
                if _changed(fa, fb):
                    changes.append({"owner": owner, "kpi": kpi, "what": f"line factor, plan {plan}", "before": fa,
                                    "after": fb})
    return changes


def _why(pa: dict[str, Any] | None, pb: dict[str, Any] | None, kpis: list[dict[str, Any]],
         inputs: list[dict[str, Any]]) -> list[str]:
    if pa is None or pb is None:
        return ["not in run " + ("A" if pa is None else "B")]
    ta, tb = json.loads(pa["trail"]), json.loads(pb["trail"])
    why = [f"row {k}: {ta.get(k)} -> {tb.get(k)}" for k in ROW_FIELDS if str(ta.get(k)) != str(tb.get(k))]
    for component in sorted(set(ta["scores"]) | set(tb["scores"])):
        if _frac_changed(ta["scores"].get(component), tb["scores"].get(component)):
            why.append(f"{component} score: {_dec(ta['scores'].get(component))} -> {_dec(tb['scores'].get(component))}")
    if _frac_changed(ta["multiplier"], tb["multiplier"]):
        why.append(f"multiplier: {_dec(ta['multiplier'])} -> {_dec(tb['multiplier'])}")
    plan = tb.get("plan")
    for k in kpis:
        if k["what"] == "year to date" or k["what"].endswith(f"plan {plan}"):
            why.append(f"KPI {k['kpi']} of {k['owner']} ({k['what']}): {k['before']} -> {k['after']}")
    for i in inputs:
        why.append(f"input {i['period']} {i['input']} of {i['entity']}: {i['before']} -> {i['after']} at {i['row']}")
    for name in ("paid_before", "forgiven_before", "share"):
        if _frac_changed(ta.get(name), tb.get(name)):
            why.append(f"{name.replace('_', ' ')}: {ta.get(name)} -> {tb.get(name)}")
    return why


def _frac_changed(a: str | None, b: str | None) -> bool:
    from pmrules.rational import Fraction

    if a is None or b is None:
        return a != b
    return Fraction(a) != Fraction(b)


def _dec(value: str | None) -> str | None:
    """An exact fraction as a readable decimal (the ledger keeps the fraction)."""
    from pmrules.payout.exact import format_decimal
    from pmrules.rational import Fraction

    return None if value is None else format_decimal(Fraction(value))
