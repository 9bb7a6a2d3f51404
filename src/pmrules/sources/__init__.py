"""Data sources that map real exports (HRIS, payroll, ledger) onto the columns pmrules reads.

A mapped source is read as it comes (`raw`), normalised to canonical text columns (`mapping`,
`cells`), and then validated by the same readers as a plain CSV (`read`); `ledger` selects the
actuals rows the workspace uses. Each source leaves a `SourceReport` for `pmrules validate`.
Importing this package stays light: a plain version-1 workspace never loads the mapping layer.
"""

from pmrules.sources.report import SourceReport, plain_report

__all__ = ["SourceReport", "plain_report"]
