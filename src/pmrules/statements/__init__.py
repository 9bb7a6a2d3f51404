"""Statements: one page per employee about their own bonus, as HTML and PDF (`pmrules statements`).

    from pmrules.statements import StatementBuilder, Renderer, Formats, parse_locale
    builder = StatementBuilder(ws, catalog, compute_payouts(ws, catalog, Period.of(ws.manifest), ws.employees))
    html = Renderer(Formats(parse_locale("de_DE")), paper="a4").page(builder.statement(0))

model.py is the data a statement shows (including the generic `Change` list for adjustments and
discretion), build.py / from_run.py fill it from a computation or a committed run, localise.py formats
for a locale with Babel, html.py renders, chromium.py prints PDFs with one headless Chromium, write.py
writes a folder of them.
"""

from pmrules.statements.build import StatementBuilder
from pmrules.statements.html import Renderer
from pmrules.statements.localise import Formats, parse_locale
from pmrules.statements.model import Change, Component, GateLine, Installment, Measure, Paid, Statement

__all__ = ["Change", "Component", "Formats", "GateLine", "Installment", "Measure", "Paid", "Renderer", "Statement",
           "StatementBuilder", "parse_locale"]
