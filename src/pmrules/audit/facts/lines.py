"""`line` facts: one per scorecard line, assembled from parts that many lines share.

60,000 lines have one owner view per scorecard, a few KPIs per centre type, a few target patterns
and `supports` targets: each part is worked out once and shared by every line it fits (facts are
only ever read), so a line costs a dict merge. Parts hold no None (a fact leaves absent fields out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pmrules.catalog.controllability import uncontrolled
from pmrules.models import Scorecard, ScorecardLine
from pmrules.workspace.levels import home_center, measured_owner

if TYPE_CHECKING:
    from pmrules.audit.facts.build import FactContext

STRATEGY_PREFIX = "strategy:"
OwnerView = tuple[str, str, str | None, str | None, int]  # (kind, centre, parent, centre type, depth)


def strategy_target(supports: str | None) -> str | None:
    """The objective id a `supports: strategy:<id>` names, else None."""
    return supports[len(STRATEGY_PREFIX):] if supports and supports.startswith(STRATEGY_PREFIX) else None


def _present(part: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in part.items() if v is not None}


def _ordered(direction: str, a: float, b: float, c: float) -> bool:
    """Equal neighbours are a cliff (threshold = target) or no upside, not disorder."""
    return a <= b <= c if direction == "higher" else a >= b >= c


def curve_view(line: ScorecardLine, direction: str) -> dict[str, Any]:
    """What a rule can see of a line's curve: its own or not, its points, cliffs and monotony."""
    own = line.curve
    points = own.points if own is not None else None
    sign = -1 if direction == "lower" else 1
    if points is not None:
        factors = [own.below if own else 0, *(p.factor for p in points)]
        ordered = all(sign * a.result <= sign * b.result for a, b in zip(points, points[1:], strict=False))
        cliff = any(a.result == b.result for a, b in zip(points, points[1:], strict=False))
    else:
        marks = (line.threshold, line.target, line.maximum)
        factors = [] if own is None else [own.below, own.threshold, own.target, own.maximum]  # type: ignore[list-item]
        ordered = None not in marks and _ordered(direction, *marks)  # type: ignore[arg-type]
        cliff = None not in marks and line.threshold == line.target
    return {"has_own_curve": own is not None, "curve_points": len(points) if points is not None else 0,
            "has_targets": points is not None or None not in (line.threshold, line.target, line.maximum),
            "targets_ordered": ordered, "is_cliff": cliff,
            "curve_monotone": all(a <= b for a, b in zip(factors, factors[1:], strict=False))}  # type: ignore[operator]


class LineFacts:
    """Builds line facts; everything but the owner and the id is worked out once per distinct line."""

    def __init__(self, ctx: FactContext) -> None:
        self.ctx = ctx
        self._kpis: dict[tuple[str, str | None], dict[str, Any]] = {}
        self._lines: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._parent_kpis: dict[str | None, frozenset[str]] = {}
        self._objectives = {o.id for o in ctx.ws.manifest.strategy.objectives} if ctx.ws.manifest.strategy else set()

    def of_card(self, i: int, card: Scorecard, view: OwnerView) -> list[tuple[dict[str, Any], tuple[str | int, ...]]]:
        """The facts of one scorecard's lines, each with its path in pmrules.yaml (located when a finding needs it)."""
        kind, center_id, parent, center_type, depth = view
        owner = _present({"owner": card.owner, "owner_kind": kind, "owner_center": center_id,
                          "owner_center_type": center_type, "depth": depth,
                          "is_root_owner": card.owner == self.ctx.org.root, "parent_owner": parent})
        parent_kpis = self._parent_kpis.get(parent)
        if parent_kpis is None:
            parent_card = self.ctx.org.scorecards.get(parent) if parent is not None else None
            parent_kpis = self._parent_kpis[parent] = frozenset(
                line.kpi for line in parent_card.kpis) if parent_card is not None else frozenset()
        built: list[tuple[dict[str, Any], tuple[str | int, ...]]] = []
        for j, line in enumerate(card.kpis):
            if line.curve is None and line.of is None and line.of_level is None:
                # equal values of one type give one part (the type too: 1 and 1.0 alike, but say so, not assume)
                w, t, g, m, s = line.weight, line.threshold, line.target, line.maximum, line.supports
                key = (line.kpi, center_type, type(w), w, type(t), t, type(g), g, type(m), m, s,
                       s is not None and s in parent_kpis)
                part = self._lines.get(key)
                if part is None:
                    part = self._lines[key] = self._line(card.owner, line, center_type, parent_kpis)
            else:  # an own curve or a shared measure: this line's own
                part = self._line(card.owner, line, center_type, parent_kpis)
            built.append(({"id": f"{card.owner}#{j + 1}", **owner, **part}, ("scorecards", i, "kpis", j)))
        return built

    def _line(self, owner: str, line: ScorecardLine, center_type: str | None, parent_kpis: frozenset[str]) -> dict[str, Any]:
        """Every field of a line fact but the id and the owner's, without None."""
        kpi = self._kpi(line.kpi, center_type)
        measures, of_ancestor = self._shared(owner, line)
        kind, resolved = self._resolve(line.supports, parent_kpis)
        return _present({
            **kpi, "weight": float(line.weight), "threshold": line.threshold, "target": line.target,
            "maximum": line.maximum, **curve_view(line, kpi["direction"]),
            "measures": measures, "is_shared_measure": measures is not None, "measures_ancestor": of_ancestor,
            "supports": line.supports, "has_supports": line.supports is not None, "supports_kind": kind,
            "supports_resolved": resolved})

    def _kpi(self, kpi_id: str, center_type: str | None) -> dict[str, Any]:
        key = (kpi_id, center_type)
        if key not in self._kpis:
            entry = self.ctx.catalog.kpis[kpi_id]
            kpi = entry.definition
            by_category = self.ctx.inputs_by_category(kpi.id)
            missing = sorted(uncontrolled(center_type, entry.categories)) if center_type else []
            self._kpis[key] = _present({
                "kpi": kpi.id, "kpi_source": entry.source, "inputs": list(entry.inputs),
                "categories": list(entry.categories), "financial_categories": list(entry.financial_categories),
                "uncontrolled_categories": missing,
                "uncontrolled_inputs": sorted(n for cat in missing for n in by_category[cat]),
                "revenue_inputs": by_category["revenue"], "cost_inputs": by_category["cost"],
                "investment_inputs": by_category["investment"], "perspective": kpi.perspective,
                "direction": kpi.direction, "discipline": kpi.discipline})
        return self._kpis[key]

    def _shared(self, owner: str, line: ScorecardLine) -> tuple[str | None, bool | None]:
        """(the centre a shared-measure line measures, whether it is an ancestor of the owner); (None, None) if own."""
        if line.of is None and line.of_level is None:
            return None, None
        ws, org = self.ctx.ws, self.ctx.org
        measured = measured_owner(ws, owner, line)
        if measured is None or measured == owner:
            return None, None
        home = home_center(ws, owner)
        above = [] if home is None else org.ancestors(home)
        return measured, measured in (above if home == owner else [home, *above])

    def _resolve(self, supports: str | None, parent_kpis: frozenset[str]) -> tuple[str, bool]:
        """(kpi | strategy | none, whether it names a KPI on the parent's scorecard or a known objective)."""
        if supports is None:
            return "none", False
        target = strategy_target(supports)
        if target is not None:
            return "strategy", target in self._objectives
        return "kpi", supports in parent_kpis
