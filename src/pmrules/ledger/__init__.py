"""The run ledger: what each committed payout run paid, from which inputs, and which periods are locked.

SQLite in the workspace by default (`.pmrules/ledger.db`), or any SQLAlchemy URL (PostgreSQL for a
team). Imported only by the commands that use it, so SQLAlchemy never slows `pmrules --help`.
"""

from pmrules.ledger.store import LEDGER_ENV, Ledger, LedgerError, open_ledger

__all__ = ["LEDGER_ENV", "Ledger", "LedgerError", "open_ledger"]
