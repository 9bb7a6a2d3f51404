"""The responsibility-accounting table: which financial categories each centre type controls."""

from __future__ import annotations

from collections.abc import Iterable

FINANCIAL_CATEGORIES = ("revenue", "cost", "investment")
CENTER_TYPES = ("cost", "revenue", "profit", "investment")
CONTROLS: dict[str, frozenset[str]] = {
    "cost": frozenset({"cost"}),
    "revenue": frozenset({"revenue"}),
    "profit": frozenset({"revenue", "cost"}),
    "investment": frozenset({"revenue", "cost", "investment"}),
}
# Categories that stand for several financial ones: an input typed `profit` (EPS, EBITDA, net income)
# moves with revenue and cost; `cash` (free cash flow) also with capital spending and working capital.
COMPOSITE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "profit": ("revenue", "cost"),
    "cash": ("revenue", "cost", "investment"),
}
# Non-financial categories every centre controls; a workspace may add its own under `categories:`.
NONFINANCIAL_CATEGORIES = (
    "activity", "calendar", "compliance", "customer", "environment", "innovation", "internal", "learning",
    "market", "operations", "people", "policy", "quality", "risk", "safety",
)


def known_categories(extra: Iterable[str] = ()) -> list[str]:
    """Every category an input may have: financial, composite, non-financial and the workspace's own."""
    return sorted({*FINANCIAL_CATEGORIES, *COMPOSITE_CATEGORIES, *NONFINANCIAL_CATEGORIES, *extra})


def expand(category: str) -> tuple[str, ...]:
    """The financial categories a category stands for (itself if plain; none if non-financial)."""
    if category in COMPOSITE_CATEGORIES:
        return COMPOSITE_CATEGORIES[category]
    return (category,) if category in FINANCIAL_CATEGORIES else ()


def financial(categories: Iterable[str]) -> list[str]:
    return sorted({f for c in categories for f in expand(c)})


def scorable_by(categories: Iterable[str]) -> list[str]:
    """Centre types that control every financial category of a KPI (non-financial ones: everybody)."""
    needed = set(financial(categories))
    return [center for center in CENTER_TYPES if needed <= CONTROLS[center]]


def uncontrolled(center_type: str, categories: Iterable[str]) -> list[str]:
    return sorted(set(financial(categories)) - CONTROLS[center_type])
