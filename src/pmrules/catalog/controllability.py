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


def financial(categories: Iterable[str]) -> list[str]:
    return sorted(set(categories) & set(FINANCIAL_CATEGORIES))


def scorable_by(categories: Iterable[str]) -> list[str]:
    """Centre types that control every financial category of a KPI (non-financial ones: everybody)."""
    needed = set(financial(categories))
    return [center for center in CENTER_TYPES if needed <= CONTROLS[center]]


def uncontrolled(center_type: str, categories: Iterable[str]) -> list[str]:
    return sorted(set(financial(categories)) - CONTROLS[center_type])
