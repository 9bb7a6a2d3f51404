"""Paying in several currencies (issue 14): exchange rates, each bonus rounded in its pay currency, totals.

A workspace uses currencies when employees.csv has a `currency` column or pmrules.yaml names `data.fx`
or `currencies:`; a version-1 workspace touches nothing here. See docs/workspace.md ("Currencies").
`rates` and `check` are read when a workspace loads; `run`, `units`, `pool`, `explain` and `manifest`
belong to a payout run (they import pmrules.payout, so nothing is re-exported here).
"""
