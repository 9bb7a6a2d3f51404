"""Remember, once, that dateutil is not installed, so pyarrow does not look for it on every call.

pyarrow infers the type of each Python value it converts (a scalar argument of a compute function,
a list given to pa.array) and each inference tries `import dateutil.relativedelta`. Without dateutil
that import fails, and a failed import is not cached: each attempt searches every sys.path entry
(0.15 ms a call, measured; seconds over the few thousand calls of a large run). A None in
sys.modules makes the same import fail at once, exactly as before, only without the search.
"""

from __future__ import annotations

import importlib.util
import sys

OPTIONAL = ("dateutil.relativedelta",)


def remember_missing() -> None:
    for name in OPTIONAL:
        if name in sys.modules:
            continue
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # the parent package is missing too
            found = False
        if not found:
            sys.modules[name] = None  # type: ignore[assignment]
