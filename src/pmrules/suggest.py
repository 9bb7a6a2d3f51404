"""KPIs a centre could add to its scorecard: allowed for its type, aligned with the strategy, feeding its parent.

Candidates come from the whole catalog (built-ins, every installed plugin, the workspace). A candidate must
be scorable by the centre's type (responsibility accounting) and must share an input or a category with a
KPI it could support (a KPI on the parent's scorecard; for the root, a strategy objective's KPI). Ranking
puts the strategy's value discipline first, then shared inputs, then whether the centre's actuals already
hold every input (it can be measured today), then shared categories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pmrules.catalog import Catalog
from pmrules.errors import InputError, did_you_mean
from pmrules.workspace import Workspace


@dataclass
class Suggestion:
    kpi: str
    name: str
    source: str
    discipline: str | None
    fits_discipline: bool
    supports: list[str]
    shared_inputs: list[str]
    shared_categories: list[str]
    measurable: bool
    reasons: list[str] = field(default_factory=list)

    def rank_key(self) -> tuple[int, int, int, int, str]:
        return (-int(self.fits_discipline), -len(self.shared_inputs), -int(self.measurable),
                -len(self.shared_categories), self.kpi)


def suggest(ws: Workspace, catalog: Catalog, owner: str) -> list[Suggestion]:
    """Ranked KPIs the centre `owner` may be scored on and that could support its parent's scorecard."""
    m = ws.manifest
    centers = ws.organisation.centers
    if owner not in centers:
        raise InputError(f"--owner: no centre '{owner}'",
                         hint=did_you_mean(owner, centers) or "give a centre id from pmrules.yaml `centers`")
    center = centers[owner]
    cards = ws.organisation.scorecards
    current = {line.kpi for line in cards[owner].kpis} if owner in cards else set()
    if center.parent is not None:
        parent_kpis = [line.kpi for line in cards[center.parent].kpis] if center.parent in cards else []
        where = f"{center.parent}'s scorecard"
    else:
        parent_kpis = [o.kpi for o in (m.strategy.objectives if m.strategy else []) if o.kpi]
        where = "the strategy"
    parent_kpis = [k for k in dict.fromkeys(parent_kpis) if k in catalog.kpis]
    have = set(ws.actuals.values.get(owner, {}))
    discipline = m.strategy.discipline if m.strategy else None
    found = []
    for kpi_id, entry in catalog.kpis.items():
        if kpi_id in current or center.type not in entry.scorable_by:
            continue
        supports, shared_inputs, shared_categories = [], set(), set()
        for target in parent_kpis:
            other = catalog.kpis[target]
            inputs = set(entry.inputs) & set(other.inputs)
            categories = set(entry.categories) & set(other.categories)
            if inputs or categories:
                supports.append(target)
                shared_inputs |= inputs
                shared_categories |= categories
        if not supports:
            continue
        d = entry.definition
        fits = discipline is not None and d.discipline == discipline
        s = Suggestion(kpi_id, d.name, entry.source, d.discipline, fits, supports, sorted(shared_inputs),
                       sorted(shared_categories), set(entry.inputs) <= have)
        if s.fits_discipline and discipline:
            s.reasons.append(f"serves the strategy's discipline ({discipline.replace('_', ' ')})")
        elif d.discipline:
            s.reasons.append(f"serves another discipline ({d.discipline.replace('_', ' ')})")
        s.reasons.append(f"could support {', '.join(supports)} on {where}")
        if shared_inputs:
            s.reasons.append(f"reads the same input(s): {', '.join(sorted(shared_inputs))}")
        if shared_categories:
            s.reasons.append(f"same categor{'y' if len(shared_categories) == 1 else 'ies'}: "
                             f"{', '.join(sorted(shared_categories))}")
        article = "an" if center.type[0] in "aeiou" else "a"
        s.reasons.append(f"{article} {center.type} centre controls it" + (
            " (non-financial)" if not entry.financial_categories else
            f" ({', '.join(entry.financial_categories)})"))
        missing = sorted(set(entry.inputs) - have)
        s.reasons.append("measurable from today's actuals" if s.measurable
                         else f"needs actuals for {', '.join(missing)}")
        found.append(s)
    found.sort(key=Suggestion.rank_key)
    return found


def suggest_document(owner: str, suggestions: list[Suggestion]) -> dict[str, Any]:
    return {"owner": owner, "suggestions": [
        {"rank": i + 1, "kpi": s.kpi, "name": s.name, "source": s.source, "discipline": s.discipline,
         "fits_discipline": s.fits_discipline, "supports": s.supports, "shared_inputs": s.shared_inputs,
         "shared_categories": s.shared_categories, "measurable": s.measurable, "reasons": s.reasons}
        for i, s in enumerate(suggestions)]}
