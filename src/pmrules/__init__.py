"""pmrules: responsibility accounting and incentive compensation as rules, formulas and plugins."""

from pmrules.errors import PmrulesError
from pmrules.hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["PmrulesError", "__version__", "hookimpl"]
