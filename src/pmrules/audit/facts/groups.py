"""Employees grouped by what rules can see, so a million employees are a few thousand facts."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pmrules.workspace.employees import NO_RATING, EmployeeTable

SAMPLE_IDS = 20


def value_counts(column: pa.Array) -> Counter[str]:
    counts = pc.value_counts(column)
    return Counter(dict(zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)))


def employee_groups(table: EmployeeTable, card_owners: set[str], managers: set[str]) -> list[dict[str, Any]]:
    """Employees grouped by what rules can see; each group with its size, sample ids and first row."""
    if len(table) == 0:
        return []
    has_rating = table.rating != NO_RATING
    if table.factor_text is not None:  # an individual_factor is the individual score, as a rating would give
        has_rating = has_rating | pc.not_equal(table.factor_text, "").to_numpy(zero_copy_only=False)
    own = pc.is_in(table.ids, value_set=pa.array(sorted(card_owners), pa.string())).to_numpy(zero_copy_only=False)
    manager = pc.is_in(table.ids, value_set=pa.array(sorted(managers), pa.string())).to_numpy(zero_copy_only=False)
    flags = pa.array(np.char.add(np.char.add(np.where(has_rating, "r", "-"), np.where(own, "s", "-")),
                                 np.where(manager, "m", "-")).astype(object), pa.string())
    encoded = pc.dictionary_encode(pc.binary_join_element_wise(table.plans, table.centers, flags, "\x1f"))
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    order = np.argsort(codes, kind="stable")
    starts = np.searchsorted(codes[order], np.arange(len(encoded.dictionary)))
    ends = np.append(starts[1:], len(order))
    # every group's sample ids in one take, not one pyarrow scalar per id
    taken = np.minimum(ends - starts, SAMPLE_IDS)
    sample_rows = order[np.repeat(starts, taken) + np.arange(taken.sum()) - np.repeat(np.cumsum(taken) - taken, taken)]
    sample_ids = table.ids.take(pa.array(sample_rows)).to_pylist()
    sample_at = np.cumsum(taken) - taken
    # the distinct ratings of every group at once: sorted (group, rating) pairs, sliced per group
    rating_values, rating_index = np.unique(table.rating, return_inverse=True)
    pairs = np.unique(codes.astype(np.int64) * len(rating_values) + rating_index.reshape(-1))
    pair_rating = rating_values[pairs % len(rating_values)]
    pair_bounds = np.searchsorted(pairs // len(rating_values), np.arange(len(encoded.dictionary) + 1))
    groups = []
    for code, key in enumerate(encoded.dictionary.to_pylist()):
        plan, center, flag = key.split("\x1f")
        rows = order[starts[code]:ends[code]]
        first = int(rows[0])
        sample = sample_ids[sample_at[code]:sample_at[code] + taken[code]]
        count = len(rows)
        name = table.names[first].as_py() if count == 1 else f"{count} employees"
        label = f"{sample[0]} ({name})" if count == 1 else (
            f"{count} employees ({', '.join(sample[:5])}{', ...' if count > 5 else ''})")
        present = pair_rating[pair_bounds[code]:pair_bounds[code + 1]]
        ratings = sorted(str(table.rating_of(int(r))) for r in present if r != NO_RATING)
        groups.append({"id": sample[0] if count == 1 else f"{sample[0]} (+{count - 1})", "label": label,
                       "name": name, "employees": count, "employee_ids": sample, "center": center, "plan": plan,
                       "ratings": ratings, "has_rating": flag[0] == "r", "has_scorecard": flag[1] == "s",
                       "is_manager": flag[2] == "m", "first": first})
    return sorted(groups, key=lambda g: g["first"])
