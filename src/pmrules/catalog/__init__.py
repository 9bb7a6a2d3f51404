"""The catalog: every KPI and input from plugins and the workspace, parsed, bound and analysed once."""

from pmrules.catalog.build import Catalog, InputEntry, KpiEntry, build_catalog
from pmrules.catalog.controllability import CONTROLS, FINANCIAL_CATEGORIES, scorable_by
from pmrules.catalog.values import KpiValues, evaluate_kpis

__all__ = [
    "CONTROLS", "FINANCIAL_CATEGORIES", "Catalog", "InputEntry", "KpiEntry", "KpiValues", "build_catalog",
    "evaluate_kpis", "scorable_by",
]
