"""The plan year: periods, year-to-date actuals and KPIs, quarterly payments with true-up, the run ledger.

Built above `pmrules.payout.compute_payouts`, which pays one period from one set of actuals; this
package decides which period, which (accumulated) actuals and what was already paid.
"""
