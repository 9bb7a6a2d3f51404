"""The HTML report: strategy, cascade, controllability, findings and payouts in one self-contained page."""

from __future__ import annotations

from pmrules.catalog import Catalog
from pmrules.report.model import ReportData, attainment, build_report_data
from pmrules.report.page import render_page
from pmrules.workspace import Workspace

__all__ = ["ReportData", "attainment", "build_report_data", "render_report"]


def render_report(ws: Workspace, catalog: Catalog) -> str:
    """Audit and pay the workspace and render the page; the same workspace always gives the same text."""
    return render_page(build_report_data(ws, catalog))
