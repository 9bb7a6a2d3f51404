"""pmrules: responsibility accounting and incentive compensation as rules, formulas and plugins."""

from pmrules.arrow_imports import remember_missing
from pmrules.errors import PmrulesError
from pmrules.hookspecs import hookimpl

remember_missing()  # before any pyarrow call: see arrow_imports.py

__version__ = "0.1.0"
__all__ = ["PmrulesError", "__version__", "hookimpl"]
