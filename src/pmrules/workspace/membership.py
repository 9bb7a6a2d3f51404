"""Which of a few names are employee ids, without a Python set of a million ids.

The structure checks and the payout ask this of the handful of names the manifest and actuals
use (centres, managers, scorecard owners, entities, gate owners); `set(table.id_list())` cost a
third of a second per question at a million employees. Arrow hashes the few names and probes them
with every id (a hundredth of a second); hashing the million ids instead would cost twenty times more.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from pmrules.workspace.employees import EmployeeTable


def employee_ids_among(table: EmployeeTable, names: Iterable[str]) -> set[str]:
    """The subset of `names` that are employee ids of `table`."""
    wanted = sorted(set(names))
    if not wanted or len(table) == 0:
        return set()
    ids = table.ids.cast(pa.string())
    return set(pc.unique(pc.filter(ids, pc.is_in(ids, value_set=pa.array(wanted, pa.string())))).to_pylist())
